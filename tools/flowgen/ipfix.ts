/**
 * IPFIX encoder (RFC 7011, information elements from RFC 7012 / the IANA registry). Message:
 * 16-byte header (version 10, length, export time, sequence number, observation domain), then
 * sets: templates (set id 2), options templates (set id 3) and data (set id = template id ≥ 256).
 * The sequence number counts Data Records — options data included, templates not — sent before
 * this message in the observation domain (RFC 7011 §3.1).
 *
 * Sampling is taught through options data, by default the PSAMP way (RFC 5477:
 * samplingPacketInterval 305 = 1, samplingPacketSpace 306 = N−1, selectorAlgorithm 304 = 1
 * systematic count-based), or with the older samplingInterval/samplingAlgorithm (34/35).
 * Sets are padded to 4 bytes by default; RFC 7011 §3.3.1 allows padding if it is shorter than the
 * smallest record of the set, which always holds here (records are at least 6 bytes).
 */
import { FIELD, TemplateLayout, writeUint, type FieldSpec } from './template-layout.js';
import { pad4, TemplateExportEncoder, type TemplateExportOptions, type TemplateSets } from './template-export.js';
import type { ResolvedDescription } from './traffic.js';

export const IPFIX_VERSION = 10;
export const IPFIX_HEADER_BYTES = 16;
export const IPFIX_TEMPLATE_SET_ID = 2;
export const IPFIX_OPTIONS_TEMPLATE_SET_ID = 3;
export const IPFIX_TEMPLATE_IPV4 = 256;
export const IPFIX_TEMPLATE_IPV6 = 257;
export const IPFIX_TEMPLATE_OPTIONS = 258;

/**
 * - 'options-305-306': options data, scope observationDomainId (149), with samplingPacketInterval
 *   (305) = 1, samplingPacketSpace (306) = N−1, selectorAlgorithm (304) = 1. Default.
 * - 'options-34': options data, scope 149, samplingInterval (34) = N, samplingAlgorithm (35) = 1.
 * - 'in-record-34': samplingInterval (34) in every data record, no options.
 * - 'none'.
 */
export type IpfixSamplingAnnounce = 'options-305-306' | 'options-34' | 'in-record-34' | 'none';

export interface IpfixOptions extends TemplateExportOptions {
  sampling?: IpfixSamplingAnnounce;
  /** Sequence number of the first message. Default 0. */
  firstSequence?: number;
}

function dataFields(v: 4 | 6, sampling: IpfixSamplingAnnounce): FieldSpec[] {
  const f: FieldSpec[] = v === 4
    ? [
      { id: FIELD.IPV4_SRC_ADDR, length: 4 }, // sourceIPv4Address
      { id: FIELD.IPV4_DST_ADDR, length: 4 },
      { id: FIELD.IPV4_NEXT_HOP, length: 4 }, // ipNextHopIPv4Address
    ]
    : [
      { id: FIELD.IPV6_SRC_ADDR, length: 16 },
      { id: FIELD.IPV6_DST_ADDR, length: 16 },
      { id: FIELD.IPV6_NEXT_HOP, length: 16 },
    ];
  f.push(
    { id: FIELD.L4_SRC_PORT, length: 2 }, // sourceTransportPort
    { id: FIELD.L4_DST_PORT, length: 2 },
    { id: FIELD.PROTOCOL, length: 1 }, // protocolIdentifier
    // tcpControlBits is unsigned16 since RFC 7125 (flags in the low byte, NS etc. above).
    { id: FIELD.TCP_FLAGS, length: 2 },
    { id: FIELD.SRC_TOS, length: 1 }, // ipClassOfService
    { id: FIELD.IP_TTL, length: 1 },
    { id: v === 4 ? FIELD.ICMP_TYPE : FIELD.ICMP_TYPE_IPV6, length: 2 }, // icmpTypeCodeIPv4/IPv6
    { id: FIELD.FRAGMENT_OFFSET, length: 2 },
    { id: FIELD.FRAGMENT_FLAGS, length: 1 },
    { id: FIELD.INPUT_SNMP, length: 4 }, // ingressInterface
    { id: FIELD.OUTPUT_SNMP, length: 4 }, // egressInterface
    { id: FIELD.SRC_AS, length: 4 }, // bgpSourceAsNumber
    { id: FIELD.DST_AS, length: 4 },
    { id: FIELD.FORWARDING_STATUS, length: 1 }, // RFC 7270 §4.12, reduced-size encoding
    { id: FIELD.DIRECTION, length: 1 }, // flowDirection 0 = ingress
    { id: FIELD.IN_PKTS, length: 8 }, // packetDeltaCount
    { id: FIELD.IN_BYTES, length: 8 }, // octetDeltaCount
    { id: FIELD.FLOW_START_MS, length: 8 }, // flowStartMilliseconds
    { id: FIELD.FLOW_END_MS, length: 8 },
  );
  if (sampling === 'in-record-34') f.push({ id: FIELD.SAMPLING_INTERVAL, length: 4 });
  return f;
}

export class IpfixEncoder extends TemplateExportEncoder {
  /** Data records sent so far in this observation domain = sequence number of the next message. */
  sequence: number;
  protected readonly headerBytes = IPFIX_HEADER_BYTES;
  readonly ipv4: TemplateLayout;
  readonly ipv6: TemplateLayout;
  private readonly domain: number;
  private readonly sets: TemplateSets;

  constructor(desc: Pick<ResolvedDescription, 'samplingRate' | 'observationDomainId'>, opts: IpfixOptions = {}) {
    super(opts);
    const sampling = opts.sampling ?? 'options-305-306';
    const ctx = { samplingRate: desc.samplingRate, samplerId: 0 };
    this.ipv4 = new TemplateLayout(IPFIX_TEMPLATE_IPV4, dataFields(4, sampling), ctx);
    this.ipv6 = new TemplateLayout(IPFIX_TEMPLATE_IPV6, dataFields(6, sampling), ctx);
    this.domain = desc.observationDomainId;
    this.sequence = (opts.firstSequence ?? 0) >>> 0;
    this.sets = this.buildSets(sampling, desc.samplingRate);
  }

  protected layoutFor(v: 4 | 6): TemplateLayout {
    return v === 4 ? this.ipv4 : this.ipv6;
  }

  protected templateSets(): TemplateSets {
    return this.sets;
  }

  protected timeValue(ms: number): number {
    return Math.floor(ms);
  }

  protected writeHeader(b: Buffer, nowMs: number, _total: number, dataRecords: number): void {
    b.writeUInt16BE(IPFIX_VERSION, 0);
    b.writeUInt16BE(b.length, 2);
    b.writeUInt32BE(Math.floor(nowMs / 1000) >>> 0, 4);
    b.writeUInt32BE(this.sequence, 8);
    b.writeUInt32BE(this.domain, 12);
    this.sequence = (this.sequence + dataRecords) >>> 0;
  }

  private setPad(n: number): number {
    return this.padSets ? pad4(n) : n;
  }

  private buildSets(sampling: IpfixSamplingAnnounce, rate: number): TemplateSets {
    const parts: Buffer[] = [];
    const tLen = 4 + [this.ipv4, this.ipv6].reduce((a, l) => a + 4 + 4 * l.fields.length, 0);
    const t = Buffer.alloc(this.setPad(tLen));
    t.writeUInt16BE(IPFIX_TEMPLATE_SET_ID, 0);
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
    if (sampling === 'options-305-306' || sampling === 'options-34') {
      const scope: FieldSpec[] = [{ id: FIELD.OBSERVATION_DOMAIN_ID, length: 4 }];
      const fields: FieldSpec[] = sampling === 'options-305-306'
        ? [
          { id: FIELD.SAMPLING_PACKET_INTERVAL, length: 4 },
          { id: FIELD.SAMPLING_PACKET_SPACE, length: 4 },
          { id: FIELD.SELECTOR_ALGORITHM, length: 2 },
        ]
        : [
          { id: FIELD.SAMPLING_INTERVAL, length: 4 },
          { id: FIELD.SAMPLING_ALGORITHM, length: 1 },
        ];
      const all = [...scope, ...fields];
      // Options template record (RFC 7011 §3.4.2.2): id, field count, scope field count, fields.
      const otLen = 4 + 6 + 4 * all.length;
      const ot = Buffer.alloc(this.setPad(otLen));
      ot.writeUInt16BE(IPFIX_OPTIONS_TEMPLATE_SET_ID, 0);
      ot.writeUInt16BE(ot.length, 2);
      ot.writeUInt16BE(IPFIX_TEMPLATE_OPTIONS, 4);
      ot.writeUInt16BE(all.length, 6);
      ot.writeUInt16BE(scope.length, 8);
      o = 10;
      for (const f of all) {
        ot.writeUInt16BE(f.id, o);
        ot.writeUInt16BE(f.length, o + 2);
        o += 4;
      }
      parts.push(ot);
      const recLen = all.reduce((a, f) => a + f.length, 0);
      const od = Buffer.alloc(this.setPad(4 + recLen));
      od.writeUInt16BE(IPFIX_TEMPLATE_OPTIONS, 0);
      od.writeUInt16BE(od.length, 2);
      writeUint(od, 4, 4, this.domain);
      if (sampling === 'options-305-306') {
        od.writeUInt32BE(1, 8);
        od.writeUInt32BE(rate - 1, 12);
        od.writeUInt16BE(1, 16); // systematic count-based sampling (RFC 5477 §8.2.1)
      } else {
        od.writeUInt32BE(rate, 8);
        od[12] = 1; // deterministic
      }
      parts.push(od);
      records += 2;
      optionsData = 1;
    }
    return { bytes: Buffer.concat(parts), records, optionsDataRecords: optionsData };
  }
}
