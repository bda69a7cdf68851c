/**
 * NetFlow v9 encoder (RFC 3954). Datagram: 20-byte header (version, count, sysUptime, unix secs,
 * package sequence, source id), then flowsets: templates (id 0), options templates (id 1) and data
 * (id = template id ≥ 256). Templates 256 (IPv4) and 257 (IPv6) describe the data; with sampling
 * announced through options, template 258 and its options data teach the collector the 1-in-N
 * rate the way Cisco IOS does (FLOW_SAMPLER_ID/MODE/RANDOM_INTERVAL, fields 48/49/50) or the older
 * exporter-wide way (SAMPLING_INTERVAL/ALGORITHM, fields 34/35).
 */
import { uptime } from './sflow.js';
import { FIELD, TemplateLayout, V9_SCOPE_SYSTEM, writeUint, type FieldSpec } from './template-layout.js';
import { pad4, TemplateExportEncoder, type TemplateExportOptions, type TemplateSets } from './template-export.js';
import type { ResolvedDescription } from './traffic.js';

export const NETFLOW_V9_VERSION = 9;
export const NETFLOW_V9_HEADER_BYTES = 20;
export const V9_TEMPLATE_FLOWSET_ID = 0;
export const V9_OPTIONS_TEMPLATE_FLOWSET_ID = 1;
export const V9_TEMPLATE_IPV4 = 256;
export const V9_TEMPLATE_IPV6 = 257;
export const V9_TEMPLATE_OPTIONS = 258;

/**
 * How the sampling rate reaches the collector:
 * - 'options-sampler': options data with FLOW_SAMPLER_ID/MODE/RANDOM_INTERVAL (48/49/50); data
 *   records carry FLOW_SAMPLER_ID (48) to refer to it. Default.
 * - 'options-interval': options data with SAMPLING_INTERVAL/ALGORITHM (34/35), exporter-wide.
 * - 'in-record': SAMPLING_INTERVAL (34) in every data record, no options.
 * - 'none': the collector must be configured with the rate.
 */
export type V9SamplingAnnounce = 'options-sampler' | 'options-interval' | 'in-record' | 'none';

export interface NetflowV9Options extends TemplateExportOptions {
  bootMs: number;
  sampling?: V9SamplingAnnounce;
  /** Sampler id in options and data records (1..255). Default 1. */
  samplerId?: number;
  /** First package sequence number. Default 0. */
  firstSequence?: number;
}

function dataFields(v: 4 | 6, sampling: V9SamplingAnnounce): FieldSpec[] {
  const f: FieldSpec[] = v === 4
    ? [
      { id: FIELD.IPV4_SRC_ADDR, length: 4 },
      { id: FIELD.IPV4_DST_ADDR, length: 4 },
      { id: FIELD.IPV4_NEXT_HOP, length: 4 },
    ]
    : [
      { id: FIELD.IPV6_SRC_ADDR, length: 16 },
      { id: FIELD.IPV6_DST_ADDR, length: 16 },
      { id: FIELD.IPV6_NEXT_HOP, length: 16 },
    ];
  f.push(
    { id: FIELD.L4_SRC_PORT, length: 2 },
    { id: FIELD.L4_DST_PORT, length: 2 },
    { id: FIELD.PROTOCOL, length: 1 },
    { id: FIELD.TCP_FLAGS, length: 1 },
    { id: FIELD.SRC_TOS, length: 1 },
    { id: FIELD.MIN_TTL, length: 1 },
    { id: v === 4 ? FIELD.ICMP_TYPE : FIELD.ICMP_TYPE_IPV6, length: 2 },
    { id: FIELD.FRAGMENT_OFFSET, length: 2 },
    // Not in RFC 3954's list, but Flexible NetFlow exports IPFIX element 197 in v9 too; without it
    // a first fragment (offset 0, MF set) is indistinguishable from an unfragmented packet.
    { id: FIELD.FRAGMENT_FLAGS, length: 1 },
    { id: FIELD.INPUT_SNMP, length: 4 },
    { id: FIELD.OUTPUT_SNMP, length: 4 },
    { id: FIELD.SRC_AS, length: 4 },
    { id: FIELD.DST_AS, length: 4 },
    { id: FIELD.FORWARDING_STATUS, length: 1 },
    { id: FIELD.DIRECTION, length: 1 },
    // RFC 3954 §8: IN_PKTS/IN_BYTES default to 4 bytes; larger counts are split into several records.
    { id: FIELD.IN_PKTS, length: 4 },
    { id: FIELD.IN_BYTES, length: 4 },
    { id: FIELD.FIRST_SWITCHED, length: 4 },
    { id: FIELD.LAST_SWITCHED, length: 4 },
  );
  if (sampling === 'options-sampler') f.push({ id: FIELD.FLOW_SAMPLER_ID, length: 1 });
  if (sampling === 'in-record') f.push({ id: FIELD.SAMPLING_INTERVAL, length: 4 }, { id: FIELD.SAMPLING_ALGORITHM, length: 1 });
  return f;
}

export class NetflowV9Encoder extends TemplateExportEncoder {
  /** Package sequence number of the next datagram (per source id; one encoder = one source id). */
  packageSequence: number;
  protected readonly headerBytes = NETFLOW_V9_HEADER_BYTES;
  readonly ipv4: TemplateLayout;
  readonly ipv6: TemplateLayout;
  private readonly bootMs: number;
  private readonly sourceId: number;
  private readonly sets: TemplateSets;

  constructor(desc: Pick<ResolvedDescription, 'samplingRate' | 'sourceId'>, opts: NetflowV9Options) {
    super(opts);
    const sampling = opts.sampling ?? 'options-sampler';
    const samplerId = opts.samplerId ?? 1;
    if (!Number.isInteger(samplerId) || samplerId < 1 || samplerId > 255) throw new RangeError('samplerId must be 1..255');
    const ctx = { samplingRate: desc.samplingRate, samplerId };
    this.ipv4 = new TemplateLayout(V9_TEMPLATE_IPV4, dataFields(4, sampling), ctx);
    this.ipv6 = new TemplateLayout(V9_TEMPLATE_IPV6, dataFields(6, sampling), ctx);
    this.bootMs = opts.bootMs;
    this.sourceId = desc.sourceId;
    this.packageSequence = (opts.firstSequence ?? 0) >>> 0;
    this.sets = this.buildSets(sampling, samplerId, desc.samplingRate);
  }

  protected layoutFor(v: 4 | 6): TemplateLayout {
    return v === 4 ? this.ipv4 : this.ipv6;
  }

  protected templateSets(): TemplateSets {
    return this.sets;
  }

  protected timeValue(ms: number): number {
    return uptime(ms, this.bootMs);
  }

  protected writeHeader(b: Buffer, nowMs: number, totalRecords: number): void {
    b.writeUInt16BE(NETFLOW_V9_VERSION, 0);
    b.writeUInt16BE(totalRecords, 2);
    b.writeUInt32BE(uptime(nowMs, this.bootMs), 4);
    b.writeUInt32BE(Math.floor(nowMs / 1000) >>> 0, 8);
    b.writeUInt32BE(this.packageSequence, 12);
    b.writeUInt32BE(this.sourceId, 16);
    // RFC 3954 §5.1: incremented per export packet, whatever it carries.
    this.packageSequence = (this.packageSequence + 1) >>> 0;
  }

  private buildSets(sampling: V9SamplingAnnounce, samplerId: number, rate: number): TemplateSets {
    const parts: Buffer[] = [];
    // Template flowset: both data templates in one flowset (RFC 3954 §5.2).
    const tLen = 4 + [this.ipv4, this.ipv6].reduce((a, l) => a + 4 + 4 * l.fields.length, 0);
    const t = Buffer.alloc(pad4(tLen));
    t.writeUInt16BE(V9_TEMPLATE_FLOWSET_ID, 0);
    t.writeUInt16BE(t.length, 2);
    let o = 4;
    for (const l of [this.ipv4, this.ipv6]) {
      t.writeUInt16BE(l.templateId, o);
      t.writeUInt16BE(l.fields.length, o + 2);
      o = l.writeFieldList(t, o + 4);
    }
    parts.push(t);
    let records = 2;
    let optionsData = 0;
    if (sampling === 'options-sampler' || sampling === 'options-interval') {
      const scope: FieldSpec[] = [{ id: V9_SCOPE_SYSTEM, length: 4 }];
      const fields: FieldSpec[] = sampling === 'options-sampler'
        ? [
          { id: FIELD.FLOW_SAMPLER_ID, length: 1 },
          { id: FIELD.FLOW_SAMPLER_MODE, length: 1 },
          { id: FIELD.FLOW_SAMPLER_RANDOM_INTERVAL, length: 4 },
        ]
        : [
          { id: FIELD.SAMPLING_INTERVAL, length: 4 },
          { id: FIELD.SAMPLING_ALGORITHM, length: 1 },
        ];
      // Options template flowset (RFC 3954 §6.1): scope and option lengths are in bytes, not fields.
      const otLen = 4 + 6 + 4 * (scope.length + fields.length);
      const ot = Buffer.alloc(pad4(otLen));
      ot.writeUInt16BE(V9_OPTIONS_TEMPLATE_FLOWSET_ID, 0);
      ot.writeUInt16BE(ot.length, 2);
      ot.writeUInt16BE(V9_TEMPLATE_OPTIONS, 4);
      ot.writeUInt16BE(4 * scope.length, 6);
      ot.writeUInt16BE(4 * fields.length, 8);
      o = 10;
      for (const f of [...scope, ...fields]) {
        ot.writeUInt16BE(f.id, o);
        ot.writeUInt16BE(f.length, o + 2);
        o += 4;
      }
      parts.push(ot);
      const recLen = [...scope, ...fields].reduce((a, f) => a + f.length, 0);
      const od = Buffer.alloc(pad4(4 + recLen));
      od.writeUInt16BE(V9_TEMPLATE_OPTIONS, 0);
      od.writeUInt16BE(od.length, 2);
      o = 4;
      writeUint(od, o, 4, this.sourceId); // scope System: the exporter (its source id)
      o += 4;
      if (sampling === 'options-sampler') {
        od[o] = samplerId;
        od[o + 1] = 1; // FLOW_SAMPLER_MODE 1 = deterministic
        od.writeUInt32BE(rate, o + 2);
      } else {
        od.writeUInt32BE(rate, o);
        od[o + 4] = 1; // SAMPLING_ALGORITHM 1 = deterministic
      }
      parts.push(od);
      records += 2;
      optionsData = 1;
    }
    return { bytes: Buffer.concat(parts), records, optionsDataRecords: optionsData };
  }
}
