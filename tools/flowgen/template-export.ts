/**
 * What NetFlow v9 (RFC 3954) and IPFIX (RFC 7011) export have in common: a header, then sets
 * ("flowsets" in v9) of 16-bit id + 16-bit length; templates resent periodically because UDP
 * gives no delivery guarantee (RFC 3954 §9, RFC 7011 §8.4); data records grouped into one set per
 * template. The subclasses write their own header, template sets and time fields.
 */
import { splitOversized, type FlowRecord } from './generator.js';
import type { TemplateLayout } from './template-layout.js';

export interface TemplateExportOptions {
  /** Data records per datagram. Default 24. */
  recordsPerDatagram?: number;
  /** Upper bound on datagram size in bytes. Default 1472 (1500-byte MTU minus IPv4 and UDP headers). */
  maxDatagramBytes?: number;
  /** Resend templates after this many datagrams. Default 20. */
  templateRefreshDatagrams?: number;
  /** ... or after this much (virtual) time. Default 10 000 ms. */
  templateRefreshMs?: number;
  /** Pad every set to a multiple of 4 bytes. Default true. */
  padSets?: boolean;
}

export const DEFAULT_RECORDS_PER_DATAGRAM = 24;
export const DEFAULT_MAX_DATAGRAM_BYTES = 1472;
export const DEFAULT_TEMPLATE_REFRESH_DATAGRAMS = 20;
export const DEFAULT_TEMPLATE_REFRESH_MS = 10_000;
/** The length fields are 16-bit. */
export const MAX_DATAGRAM_BYTES = 65535;

export interface TemplateSets {
  /** Template, options template and options data sets, ready to copy after the header. */
  bytes: Buffer;
  /** v9 "count" contribution: template + options template + options data records. */
  records: number;
  /** Options data records (IPFIX counts them in its sequence number). */
  optionsDataRecords: number;
}

export function pad4(n: number): number {
  return (n + 3) & ~3;
}

export abstract class TemplateExportEncoder {
  protected readonly perDatagram: number;
  protected readonly maxBytes: number;
  protected readonly refreshDatagrams: number;
  protected readonly refreshMs: number;
  protected readonly padSets: boolean;
  private sinceTemplates = Infinity;
  private lastTemplatesMs = -Infinity;
  /** Datagrams that carried templates (for tests and logs). */
  templateDatagrams = 0;

  protected constructor(opts: TemplateExportOptions) {
    this.perDatagram = opts.recordsPerDatagram ?? DEFAULT_RECORDS_PER_DATAGRAM;
    this.maxBytes = opts.maxDatagramBytes ?? DEFAULT_MAX_DATAGRAM_BYTES;
    this.refreshDatagrams = opts.templateRefreshDatagrams ?? DEFAULT_TEMPLATE_REFRESH_DATAGRAMS;
    this.refreshMs = opts.templateRefreshMs ?? DEFAULT_TEMPLATE_REFRESH_MS;
    this.padSets = opts.padSets ?? true;
    if (!Number.isInteger(this.perDatagram) || this.perDatagram < 1 || this.perDatagram > 1000) throw new RangeError('recordsPerDatagram must be 1..1000');
    if (!Number.isInteger(this.maxBytes) || this.maxBytes < 256 || this.maxBytes > MAX_DATAGRAM_BYTES) throw new RangeError(`maxDatagramBytes must be 256..${MAX_DATAGRAM_BYTES}`);
    if (!Number.isInteger(this.refreshDatagrams) || this.refreshDatagrams < 1) throw new RangeError('templateRefreshDatagrams must be >= 1');
    if (!(this.refreshMs > 0)) throw new RangeError('templateRefreshMs must be > 0');
  }

  protected abstract readonly headerBytes: number;
  protected abstract layoutFor(ipVersion: 4 | 6): TemplateLayout;
  protected abstract templateSets(): TemplateSets;
  /** Writes the header; called after the body is complete, so totals are known. */
  protected abstract writeHeader(b: Buffer, nowMs: number, totalRecords: number, dataRecords: number): void;
  protected abstract timeValue(ms: number): number;

  /** Forces templates into the next datagram (e.g. after a simulated exporter restart). */
  resendTemplates(): void {
    this.sinceTemplates = Infinity;
  }

  /** A datagram with templates (and sampling options) only. */
  encodeTemplates(nowMs: number): Buffer {
    this.resendTemplates();
    return this.encodeDatagram([], 0, 0, nowMs);
  }

  /** Packs records into datagrams; templates go in front of the data whenever a refresh is due. */
  encode(records: readonly FlowRecord[], nowMs: number): Buffer[] {
    const all = splitOversized(records, Math.min(this.layoutFor(4).counterMax, this.layoutFor(6).counterMax));
    const out: Buffer[] = [];
    let i = 0;
    while (i < all.length) {
      const due = this.templatesDue(nowMs);
      const fixed = this.headerBytes + (due ? this.templateSets().bytes.length : 0);
      let n4 = 0;
      let n6 = 0;
      let j = i;
      while (j < all.length && j - i < this.perDatagram) {
        const v = all[j].flow.ipVersion;
        const size = fixed + this.setBytes(4, n4 + (v === 4 ? 1 : 0)) + this.setBytes(6, n6 + (v === 6 ? 1 : 0));
        if (size > this.maxBytes && j > i) break;
        if (v === 4) n4++;
        else n6++;
        j++;
      }
      out.push(this.encodeDatagram(all, i, j, nowMs));
      i = j;
    }
    return out;
  }

  private templatesDue(nowMs: number): boolean {
    return this.sinceTemplates >= this.refreshDatagrams || nowMs - this.lastTemplatesMs >= this.refreshMs;
  }

  private setBytes(v: 4 | 6, n: number): number {
    if (n === 0) return 0;
    const raw = 4 + n * this.layoutFor(v).recordLength;
    return this.padSets ? pad4(raw) : raw;
  }

  private encodeDatagram(all: readonly FlowRecord[], from: number, to: number, nowMs: number): Buffer {
    const due = this.templatesDue(nowMs);
    const t = due ? this.templateSets() : undefined;
    let n4 = 0;
    for (let k = from; k < to; k++) if (all[k].flow.ipVersion === 4) n4++;
    const n6 = to - from - n4;
    const len = this.headerBytes + (t ? t.bytes.length : 0) + this.setBytes(4, n4) + this.setBytes(6, n6);
    const b = Buffer.allocUnsafe(len);
    let o = this.headerBytes;
    if (t) {
      t.bytes.copy(b, o);
      o += t.bytes.length;
    }
    for (const v of [4, 6] as const) {
      const n = v === 4 ? n4 : n6;
      if (n === 0) continue;
      const layout = this.layoutFor(v);
      const setStart = o;
      const setLen = this.setBytes(v, n);
      b.writeUInt16BE(layout.templateId, o);
      b.writeUInt16BE(setLen, o + 2);
      o += 4;
      for (let k = from; k < to; k++) {
        const r = all[k];
        if (r.flow.ipVersion !== v) continue;
        o = layout.writeRecord(b, o, r.flow, r.packets, r.bytes, this.timeValue(r.firstMs), this.timeValue(r.lastMs));
      }
      b.fill(0, o, setStart + setLen); // set padding (RFC 3954 §5.3, RFC 7011 §3.3.1) is zero
      o = setStart + setLen;
    }
    if (o !== len) throw new Error(`template export: wrote ${o} of ${len} bytes`);
    const dataRecords = (to - from) + (t ? t.optionsDataRecords : 0);
    this.writeHeader(b, nowMs, (to - from) + (t ? t.records : 0), dataRecords);
    if (due) {
      this.sinceTemplates = 0;
      this.lastTemplatesMs = nowMs;
      this.templateDatagrams++;
    }
    this.sinceTemplates++;
    return b;
  }
}
