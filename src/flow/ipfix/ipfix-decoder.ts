/**
 * IPFIX (RFC 7011). A message is a 16-byte header (with its own length) and sets: 2 = templates,
 * 3 = options templates, >= 256 = data described by a template of that id, 0/1 and 4..255
 * reserved (RFC 7011 §3.3.2). Templates are scoped by (exporter, observation domain) and live in
 * the shared TemplateCache; data records are decoded by the shared TemplateRecordDecoder.
 *
 * Beyond NetFlow v9: enterprise-specific field specifiers (E bit + 4-byte PEN, RFC 7011 §3.2),
 * variable-length elements (length 65535, RFC 7011 §7), template withdrawal (field count 0,
 * RFC 7011 §8.1) and flowStart/EndSysUpTime relative to systemInitTimeMilliseconds learned
 * from options data.
 *
 * Framing policy: a header problem (short, wrong version, length field beyond the datagram or
 * below the header) throws DecodeError. A set whose length is below 4 or runs past the message
 * ends decoding of the message, counted; samples already emitted stay emitted. Problems inside a
 * set are counted; the rest of that set is skipped when its framing is lost; other sets are kept.
 */
import { DecodeError } from '../decode-error.js';
import type { Exporter } from '../exporter.js';
import { SampleSource, type FlowSample, type SampleSink } from '../sample.js';
import { defineErrorCode, type TemplateCache } from '../templates/template-cache.js';
import { TemplateRecordDecoder } from '../templates/record-decoder.js';
import type { TemplateSpec } from '../templates/compiled-template.js';
import { ENTERPRISE_BIT } from './field-ids.js';

export const IPFIX_HEADER_LENGTH = 16;
export const IPFIX_VERSION = 10;
/** Set ids (RFC 7011 §3.3.2). */
const TEMPLATE_SET = 2;
const OPTIONS_TEMPLATE_SET = 3;
const MIN_DATA_SET = 256;

export class IpfixDecoder {
  private readonly records: TemplateRecordDecoder;
  private readonly spec: TemplateSpec;

  constructor(private readonly cache: TemplateCache) {
    this.records = new TemplateRecordDecoder(cache.limits.maxFieldsPerTemplate);
    this.spec = cache.newSpec();
  }

  /** The reused sample (for tests and benchmarks). */
  get sample(): FlowSample {
    return this.records.sample;
  }

  decode(buf: Buffer, exporter: Exporter, nowMs: number, sink: SampleSink): number {
    if (buf.length < IPFIX_HEADER_LENGTH) {
      throw new DecodeError('truncated', `IPFIX datagram of ${buf.length} bytes is shorter than its ${IPFIX_HEADER_LENGTH}-byte header`);
    }
    const version = buf.readUInt16BE(0);
    if (version !== IPFIX_VERSION) throw new DecodeError('bad_version', `IPFIX version ${version} is not 10`);
    const length = buf.readUInt16BE(2);
    if (length < IPFIX_HEADER_LENGTH) throw new DecodeError('bad_length', `IPFIX message length ${length} is shorter than its header`);
    if (length > buf.length) {
      throw new DecodeError('truncated', `IPFIX message length ${length} is longer than the ${buf.length}-byte datagram`);
    }
    // RFC 7011 §10.3.2: one message per UDP datagram. Bytes after the message are not ours to guess at.
    if (length < buf.length) exporter.stats.countError('bad_length');
    const exportSecs = buf.readUInt32BE(4);
    const sequence = buf.readUInt32BE(8);
    const domainId = buf.readUInt32BE(12);
    const address = exporter.address;
    const cache = this.cache;
    const rd = this.records;
    let dom = cache.domain(address, 10, domainId);
    rd.begin(exporter, sink, SampleSource.IPFIX, exportSecs, -1, dom);

    const end = length;
    let dataRecords = 0;
    let p = IPFIX_HEADER_LENGTH;
    while (end - p >= 4) {
      const id = buf.readUInt16BE(p);
      const len = buf.readUInt16BE(p + 2);
      if (len < 4) {
        exporter.stats.countError('bad_length');
        p = end;
        break;
      }
      if (len > end - p) {
        exporter.stats.countError('truncated');
        p = end;
        break;
      }
      const setEnd = p + len;
      if (id >= MIN_DATA_SET) {
        if (dom === undefined || !dom.alive) dom = cache.domain(address, 10, domainId);
        const t = dom === undefined ? undefined : cache.lookup(dom, id, nowMs);
        if (t === undefined) {
          exporter.stats.countError('no_template');
        } else {
          dataRecords += rd.dataSet(buf, p + 4, setEnd, t);
          if (rd.learnedSysInitMs > 0) {
            cache.setSystemInit(address, 10, domainId, rd.learnedSysInitMs);
            rd.learnedSysInitMs = 0;
          }
        }
      } else if (id === TEMPLATE_SET || id === OPTIONS_TEMPLATE_SET) {
        this.templates(buf, p + 4, setEnd, id, exporter, domainId, nowMs);
        dom = undefined;
      } else {
        exporter.stats.countError('bad_set_id');
      }
      p = setEnd;
    }
    // Fewer than 4 bytes left cannot be a set header.
    if (end - p > 0) exporter.stats.countError('bad_length');
    // RFC 7011 §3.1: the sequence counts data records of this domain sent before this message.
    // Records of sets we could not decode (no template) are unknown here and show up as lost.
    exporter.trackSequence(SampleSource.IPFIX, domainId, sequence, dataRecords);
    return rd.finish();
  }

  /**
   * Template set (2) or options template set (3), RFC 7011 §3.4.1-2: repeated {template id,
   * field count, [scope field count], field specifiers}. A field count of 0 is a withdrawal.
   */
  private templates(buf: Buffer, start: number, end: number, setId: number, exporter: Exporter, domainId: number, nowMs: number): void {
    const spec = this.spec;
    const max = this.cache.limits.maxFieldsPerTemplate;
    const address = exporter.address;
    const options = setId === OPTIONS_TEMPLATE_SET;
    let p = start;
    while (end - p >= 4) {
      const templateId = buf.readUInt16BE(p);
      const fieldCount = buf.readUInt16BE(p + 2);
      // RFC 7011 §3.3.1: padding is zero bytes; a zero template id cannot start a record.
      if (templateId === 0 && fieldCount === 0) break;
      p += 4;
      if (fieldCount === 0) {
        // RFC 7011 §8.1: withdrawal; template id = set id withdraws all templates of that kind.
        if (templateId === setId) this.cache.withdrawAll(address, 10, domainId, options);
        else if (templateId >= MIN_DATA_SET) this.cache.withdraw(address, 10, domainId, templateId);
        else exporter.stats.countError('bad_set_id');
        continue;
      }
      let scopeCount = 0;
      if (options) {
        if (end - p < 2) {
          exporter.stats.countError('truncated');
          break;
        }
        scopeCount = buf.readUInt16BE(p);
        p += 2;
      }
      // Each specifier is at least 4 bytes: a count the set cannot hold is rejected before the walk.
      if (fieldCount * 4 > end - p) {
        exporter.stats.countError('count_too_large');
        break;
      }
      let truncated = false;
      for (let i = 0; i < fieldCount; i++) {
        if (end - p < 4) {
          truncated = true;
          break;
        }
        let type = buf.readUInt16BE(p);
        const length = buf.readUInt16BE(p + 2);
        p += 4;
        let enterprise = 0;
        if ((type & ENTERPRISE_BIT) !== 0) {
          if (end - p < 4) {
            truncated = true;
            break;
          }
          type &= ~ENTERPRISE_BIT;
          enterprise = buf.readUInt32BE(p);
          p += 4;
        }
        if (i < max) {
          spec.types[i] = type;
          spec.lengths[i] = length;
          spec.enterprises[i] = enterprise;
        }
      }
      if (truncated) {
        exporter.stats.countError('truncated');
        break;
      }
      if (templateId < MIN_DATA_SET) {
        exporter.stats.countError('bad_set_id');
        continue;
      }
      if (fieldCount > max) {
        exporter.stats.countError('template_too_large');
        continue;
      }
      if (scopeCount > fieldCount) {
        exporter.stats.countError('count_too_large');
        continue;
      }
      spec.protocol = 10;
      spec.domain = domainId;
      spec.templateId = templateId;
      spec.options = options;
      spec.scopeFieldCount = scopeCount;
      spec.fieldCount = fieldCount;
      const outcome = this.cache.define(address, spec, nowMs);
      const code = defineErrorCode(outcome);
      if (code !== null) exporter.stats.countError(code);
      else if (this.cache.lastDefined !== null && this.cache.lastDefined.badFields > 0) exporter.stats.countError('template_bad_field');
    }
  }
}
