/**
 * NetFlow v9 (RFC 3954). A datagram is a 20-byte header and flowsets: 0 = templates, 1 = options
 * templates, >= 256 = data described by a template of that id, 2..255 reserved. Templates are
 * scoped by (exporter, source id) and live in the shared TemplateCache; data records are decoded
 * by the shared TemplateRecordDecoder.
 *
 * Framing policy: a header problem throws DecodeError. A flowset whose length is below 4 or runs
 * past the datagram ends decoding of the datagram (the next flowset cannot be found), counted;
 * samples already emitted stay emitted. Everything inside a flowset is record-level: counted,
 * the rest of the flowset skipped when its framing is lost, the other flowsets kept.
 */
import { DecodeError } from '../decode-error.js';
import type { Exporter } from '../exporter.js';
import { SampleSource, type FlowSample, type SampleSink } from '../sample.js';
import { defineErrorCode, type TemplateCache } from '../templates/template-cache.js';
import { TemplateRecordDecoder } from '../templates/record-decoder.js';
import type { TemplateSpec } from '../templates/compiled-template.js';

export const NETFLOW_V9_HEADER_LENGTH = 20;
/** Flowset ids (RFC 3954 §5.2). */
const TEMPLATE_FLOWSET = 0;
const OPTIONS_TEMPLATE_FLOWSET = 1;
const MIN_DATA_FLOWSET = 256;

export class NetflowV9Decoder {
  private readonly records: TemplateRecordDecoder;
  private readonly spec: TemplateSpec;

  constructor(private readonly cache: TemplateCache) {
    this.records = new TemplateRecordDecoder(cache.limits.maxFieldsPerTemplate);
    this.spec = cache.newSpec();
  }

  /** The reused sample (for tests and benchmarks that want to look at the last one). */
  get sample(): FlowSample {
    return this.records.sample;
  }

  decode(buf: Buffer, exporter: Exporter, nowMs: number, sink: SampleSink): number {
    if (buf.length < NETFLOW_V9_HEADER_LENGTH) {
      throw new DecodeError('truncated', `NetFlow v9 datagram of ${buf.length} bytes is shorter than its ${NETFLOW_V9_HEADER_LENGTH}-byte header`);
    }
    const version = buf.readUInt16BE(0);
    if (version !== 9) throw new DecodeError('bad_version', `NetFlow version ${version} is not 9`);
    const sysUptime = buf.readUInt32BE(4);
    const unixSecs = buf.readUInt32BE(8);
    const sequence = buf.readUInt32BE(12);
    const sourceId = buf.readUInt32BE(16);
    const address = exporter.address;
    const cache = this.cache;
    const rd = this.records;
    rd.begin(exporter, sink, SampleSource.NETFLOW_V9, unixSecs, sysUptime, undefined);

    const end = buf.length;
    let p = NETFLOW_V9_HEADER_LENGTH;
    // Fewer than 4 trailing bytes cannot be a flowset: padding some exporters add.
    while (end - p >= 4) {
      const id = buf.readUInt16BE(p);
      const len = buf.readUInt16BE(p + 2);
      if (len < 4) {
        exporter.stats.countError('bad_length');
        break;
      }
      if (len > end - p) {
        exporter.stats.countError('truncated');
        break;
      }
      const setEnd = p + len;
      if (id >= MIN_DATA_FLOWSET) {
        const dom = cache.domain(address, 9, sourceId);
        const t = dom === undefined ? undefined : cache.lookup(dom, id, nowMs);
        if (t === undefined) exporter.stats.countError('no_template');
        else rd.dataSet(buf, p + 4, setEnd, t);
      } else if (id === TEMPLATE_FLOWSET) {
        this.templates(buf, p + 4, setEnd, exporter, sourceId, nowMs);
      } else if (id === OPTIONS_TEMPLATE_FLOWSET) {
        this.optionsTemplates(buf, p + 4, setEnd, exporter, sourceId, nowMs);
      } else {
        exporter.stats.countError('bad_set_id');
      }
      p = setEnd;
    }
    // RFC 3954 §5.1: the sequence counts export packets of this source id.
    exporter.trackSequence(SampleSource.NETFLOW_V9, sourceId, sequence, 1);
    return rd.finish();
  }

  /** Template flowset (RFC 3954 §5.2): repeated {template id, field count, (type, length)*}. */
  private templates(buf: Buffer, start: number, end: number, exporter: Exporter, sourceId: number, nowMs: number): void {
    let p = start;
    while (end - p >= 4) {
      const templateId = buf.readUInt16BE(p);
      const fieldCount = buf.readUInt16BE(p + 2);
      // Zero bytes that cannot start a template are the flowset's trailing padding (RFC 3954 §5.2).
      if (templateId === 0 && fieldCount === 0) break;
      p += 4;
      if (fieldCount * 4 > end - p) {
        exporter.stats.countError('count_too_large');
        break;
      }
      this.defineFields(buf, p, templateId, fieldCount, false, 0, exporter, sourceId, nowMs);
      p += fieldCount * 4;
    }
  }

  /**
   * Checks one (options) template's id and field count, and defines it from the `fieldCount`
   * 4-byte field specifiers at `p` (for an options template the first `scopeFieldCount` of them
   * are scope fields, RFC 3954 §6.1). The caller has checked that the specifiers lie inside the flowset.
   */
  private defineFields(buf: Buffer, p: number, templateId: number, fieldCount: number, options: boolean, scopeFieldCount: number, exporter: Exporter, sourceId: number, nowMs: number): void {
    if (templateId < MIN_DATA_FLOWSET) {
      exporter.stats.countError('bad_set_id');
    } else if (fieldCount === 0) {
      exporter.stats.countError('template_no_fields');
    } else if (fieldCount > this.cache.limits.maxFieldsPerTemplate) {
      exporter.stats.countError('template_too_large');
    } else {
      const spec = this.spec;
      spec.protocol = 9;
      spec.domain = sourceId;
      spec.templateId = templateId;
      spec.options = options;
      spec.scopeFieldCount = scopeFieldCount;
      spec.fieldCount = fieldCount;
      for (let i = 0, q = p; i < fieldCount; i++, q += 4) {
        spec.types[i] = buf.readUInt16BE(q);
        spec.lengths[i] = buf.readUInt16BE(q + 2);
        spec.enterprises[i] = 0;
      }
      this.define(exporter, nowMs);
    }
  }

  /**
   * Options template flowset (RFC 3954 §6.1): repeated {template id, scope length, options
   * length (both in bytes), scope (type, length)*, option (type, length)*}.
   */
  private optionsTemplates(buf: Buffer, start: number, end: number, exporter: Exporter, sourceId: number, nowMs: number): void {
    let p = start;
    while (end - p >= 6) {
      const templateId = buf.readUInt16BE(p);
      const scopeLen = buf.readUInt16BE(p + 2);
      const optionLen = buf.readUInt16BE(p + 4);
      if (templateId === 0 && scopeLen === 0 && optionLen === 0) break; // padding
      p += 6;
      if ((scopeLen & 3) !== 0 || (optionLen & 3) !== 0) {
        // Field specifiers are 4 bytes: the lengths cannot frame them, so nothing after can be trusted.
        exporter.stats.countError('bad_length');
        break;
      }
      const total = scopeLen + optionLen;
      if (total > end - p) {
        exporter.stats.countError('count_too_large');
        break;
      }
      this.defineFields(buf, p, templateId, total / 4, true, scopeLen / 4, exporter, sourceId, nowMs);
      p += total;
    }
  }

  private define(exporter: Exporter, nowMs: number): void {
    const outcome = this.cache.define(exporter.address, this.spec, nowMs);
    const code = defineErrorCode(outcome);
    if (code !== null) exporter.stats.countError(code);
    else if (this.cache.lastDefined !== null && this.cache.lastDefined.badFields > 0) exporter.stats.countError('template_bad_field');
  }
}
