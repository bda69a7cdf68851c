/**
 * Compiles a NetFlow v9 / IPFIX template into a decoding plan: a few typed arrays saying, for each
 * field the decoders care about, where it sits in the record, how long it is and what it means
 * (a small integer "kind"). Decoding a record is then one loop over the plan with a dense
 * `switch`, with no map lookups and no per-field decisions left. Fields nobody reads (MAC
 * addresses, next hops, vendor fields) are not in the plan at all when the record layout is
 * fixed, so they cost nothing. Most data templates (fixed lengths, each kind once: see
 * `straight`) also get a table indexed by kind, which the record decoder reads in a fixed order
 * without the loop: about twice as fast (docs/performance.md, "Decode").
 *
 * Decisions made here, once per template rather than per record:
 * - Field lengths are checked against what the element can have (RFC 7011 §6.2 allows
 *   reduced-size integers, so counters may be 1..8 bytes, interfaces 1..4, ...). A known element
 *   with an impossible length (an IPv4 address of 3 bytes, a variable-length port) is NOT fatal:
 *   the exporter's declared length still frames the record, so the field is skipped like an
 *   unknown one and the template is counted once as `template_bad_field`. Rejecting the whole
 *   template would lose every other field of every record for one odd field.
 * - Priorities between elements that mean the same thing (octetDeltaCount over octetTotalCount,
 *   flowStartMilliseconds over flowStartSysUpTime, ipTTL over minimumTTL, ...): only the best
 *   one present stays in the plan.
 * - NetFlow v9 OUT_BYTES/OUT_PKTS (23/24) are the reverse direction of a bidirectional record
 *   (NSEL/nProbe style) when the template also has IN_BYTES/IN_PKTS, and the forward counts of
 *   an egress-only record otherwise. In IPFIX the same numbers are postOctetDeltaCount/
 *   postPacketDeltaCount (RFC 5102 §5.10), i.e. the same direction after a middlebox, so they
 *   are only a fallback for the forward counts.
 */
import { IE, REVERSE_PEN, VARIABLE_LENGTH } from '../ipfix/field-ids.js';

/** What a planned field means. Numbers (const enum, inlined by tsc) so the decoder's switch is a jump table. */
export const enum Kind {
  SKIP = 0,
  SRC_V4,
  DST_V4,
  SRC_V6,
  DST_V6,
  PROTOCOL,
  SRC_PORT,
  DST_PORT,
  TCP_FLAGS,
  REV_TCP_FLAGS,
  ICMP_TYPE_CODE,
  REV_ICMP_TYPE_CODE,
  ICMP_TYPE,
  ICMP_CODE,
  BYTES,
  PACKETS,
  REV_BYTES,
  REV_PACKETS,
  START_UPTIME,
  END_UPTIME,
  START_SEC,
  END_SEC,
  START_MS,
  END_MS,
  START_NTP,
  END_NTP,
  START_DELTA_US,
  END_DELTA_US,
  SYS_INIT_MS,
  IN_IF,
  OUT_IF,
  SRC_AS,
  DST_AS,
  FORWARDING,
  FRAG_FLAGS,
  FRAG_OFFSET,
  FRAG_ID,
  TOS,
  TTL,
  VLAN,
  SAMPLER_ID,
  SAMPLING_INTERVAL,
  PACKET_INTERVAL,
  PACKET_SPACE,
  SAMPLING_SIZE,
  SAMPLING_POPULATION,
}

/** Number of kinds: the size of the per-kind tables of a straight-line template. */
export const KIND_COUNT = Kind.SAMPLING_POPULATION + 1;

/** Groups of elements where only the best one present is decoded. */
const enum Group {
  NONE = 0,
  BYTES,
  PACKETS,
  REV_BYTES,
  REV_PACKETS,
  START,
  END,
  TTL,
  VLAN,
  COUNT,
}

/** Where a kind may be used. */
const enum Use {
  DATA = 1,
  OPTIONS = 2,
  BOTH = 3,
}

interface Role {
  kind: Kind;
  /** Smallest and largest valid encoded length (reduced-size encoding, RFC 7011 §6.2). */
  min: number;
  max: number;
  group: Group;
  /** Lower wins inside a group. */
  prio: number;
  use: Use;
}

function role(kind: Kind, min: number, max: number, group = Group.NONE, prio = 0, use = Use.DATA): Role {
  return { kind, min, max, group, prio, use };
}

/** Standard (enterprise 0) elements. 23/24 are resolved per protocol in roleFor(). */
const STANDARD = new Map<number, Role>([
  [IE.octetDeltaCount, role(Kind.BYTES, 1, 8, Group.BYTES, 0)],
  [IE.packetDeltaCount, role(Kind.PACKETS, 1, 8, Group.PACKETS, 0)],
  [IE.initiatorOctets, role(Kind.BYTES, 1, 8, Group.BYTES, 0)],
  [IE.initiatorPackets, role(Kind.PACKETS, 1, 8, Group.PACKETS, 0)],
  [IE.octetTotalCount, role(Kind.BYTES, 1, 8, Group.BYTES, 2)],
  [IE.packetTotalCount, role(Kind.PACKETS, 1, 8, Group.PACKETS, 2)],
  [IE.responderOctets, role(Kind.REV_BYTES, 1, 8, Group.REV_BYTES, 0)],
  [IE.responderPackets, role(Kind.REV_PACKETS, 1, 8, Group.REV_PACKETS, 0)],
  [IE.protocolIdentifier, role(Kind.PROTOCOL, 1, 1)],
  [IE.ipClassOfService, role(Kind.TOS, 1, 1)],
  [IE.tcpControlBits, role(Kind.TCP_FLAGS, 1, 2)],
  [IE.sourceTransportPort, role(Kind.SRC_PORT, 1, 2)],
  [IE.destinationTransportPort, role(Kind.DST_PORT, 1, 2)],
  [IE.udpSourcePort, role(Kind.SRC_PORT, 1, 2)],
  [IE.udpDestinationPort, role(Kind.DST_PORT, 1, 2)],
  [IE.tcpSourcePort, role(Kind.SRC_PORT, 1, 2)],
  [IE.tcpDestinationPort, role(Kind.DST_PORT, 1, 2)],
  [IE.sourceIPv4Address, role(Kind.SRC_V4, 4, 4)],
  [IE.destinationIPv4Address, role(Kind.DST_V4, 4, 4)],
  [IE.sourceIPv6Address, role(Kind.SRC_V6, 16, 16)],
  [IE.destinationIPv6Address, role(Kind.DST_V6, 16, 16)],
  [IE.ingressInterface, role(Kind.IN_IF, 1, 4)],
  [IE.egressInterface, role(Kind.OUT_IF, 1, 4)],
  [IE.bgpSourceAsNumber, role(Kind.SRC_AS, 1, 4)],
  [IE.bgpDestinationAsNumber, role(Kind.DST_AS, 1, 4)],
  [IE.icmpTypeCodeIPv4, role(Kind.ICMP_TYPE_CODE, 2, 2)],
  [IE.icmpTypeCodeIPv6, role(Kind.ICMP_TYPE_CODE, 2, 2)],
  [IE.icmpTypeIPv4, role(Kind.ICMP_TYPE, 1, 1)],
  [IE.icmpCodeIPv4, role(Kind.ICMP_CODE, 1, 1)],
  [IE.icmpTypeIPv6, role(Kind.ICMP_TYPE, 1, 1)],
  [IE.icmpCodeIPv6, role(Kind.ICMP_CODE, 1, 1)],
  // Absolute times beat export-relative deltas beat uptime-relative values: fewer conversions,
  // fewer clocks involved.
  [IE.flowStartMilliseconds, role(Kind.START_MS, 8, 8, Group.START, 0)],
  [IE.flowEndMilliseconds, role(Kind.END_MS, 8, 8, Group.END, 0)],
  [IE.flowStartNanoseconds, role(Kind.START_NTP, 8, 8, Group.START, 1)],
  [IE.flowEndNanoseconds, role(Kind.END_NTP, 8, 8, Group.END, 1)],
  [IE.flowStartMicroseconds, role(Kind.START_NTP, 8, 8, Group.START, 2)],
  [IE.flowEndMicroseconds, role(Kind.END_NTP, 8, 8, Group.END, 2)],
  [IE.flowStartSeconds, role(Kind.START_SEC, 4, 4, Group.START, 3)],
  [IE.flowEndSeconds, role(Kind.END_SEC, 4, 4, Group.END, 3)],
  [IE.flowStartDeltaMicroseconds, role(Kind.START_DELTA_US, 4, 4, Group.START, 4)],
  [IE.flowEndDeltaMicroseconds, role(Kind.END_DELTA_US, 4, 4, Group.END, 4)],
  [IE.flowStartSysUpTime, role(Kind.START_UPTIME, 1, 4, Group.START, 5)],
  [IE.flowEndSysUpTime, role(Kind.END_UPTIME, 1, 4, Group.END, 5)],
  [IE.systemInitTimeMilliseconds, role(Kind.SYS_INIT_MS, 8, 8, Group.NONE, 0, Use.BOTH)],
  [IE.forwardingStatus, role(Kind.FORWARDING, 1, 4)],
  [IE.fragmentFlags, role(Kind.FRAG_FLAGS, 1, 1)],
  [IE.fragmentOffset, role(Kind.FRAG_OFFSET, 1, 2)],
  [IE.fragmentIdentification, role(Kind.FRAG_ID, 1, 4)],
  [IE.ipTTL, role(Kind.TTL, 1, 1, Group.TTL, 0)],
  [IE.minimumTTL, role(Kind.TTL, 1, 1, Group.TTL, 1)],
  [IE.vlanId, role(Kind.VLAN, 1, 2, Group.VLAN, 0)],
  [IE.dot1qVlanId, role(Kind.VLAN, 1, 2, Group.VLAN, 1)],
  [IE.samplerId, role(Kind.SAMPLER_ID, 1, 4, Group.NONE, 0, Use.BOTH)],
  [IE.selectorId, role(Kind.SAMPLER_ID, 1, 8, Group.NONE, 0, Use.BOTH)],
  // MikroTik puts SAMPLING_INTERVAL in every data record; options records carry it elsewhere.
  [IE.samplingInterval, role(Kind.SAMPLING_INTERVAL, 1, 4, Group.NONE, 0, Use.BOTH)],
  [IE.samplerRandomInterval, role(Kind.SAMPLING_INTERVAL, 1, 4, Group.NONE, 0, Use.BOTH)],
  [IE.samplingPacketInterval, role(Kind.PACKET_INTERVAL, 1, 4, Group.NONE, 0, Use.OPTIONS)],
  [IE.samplingPacketSpace, role(Kind.PACKET_SPACE, 1, 4, Group.NONE, 0, Use.OPTIONS)],
  [IE.samplingSize, role(Kind.SAMPLING_SIZE, 1, 4, Group.NONE, 0, Use.OPTIONS)],
  [IE.samplingPopulation, role(Kind.SAMPLING_POPULATION, 1, 4, Group.NONE, 0, Use.OPTIONS)],
]);

/** RFC 5103 reverse elements: PEN 29305 with the forward element's id. */
const REVERSE = new Map<number, Role>([
  [IE.octetDeltaCount, role(Kind.REV_BYTES, 1, 8, Group.REV_BYTES, 0)],
  [IE.packetDeltaCount, role(Kind.REV_PACKETS, 1, 8, Group.REV_PACKETS, 0)],
  [IE.octetTotalCount, role(Kind.REV_BYTES, 1, 8, Group.REV_BYTES, 2)],
  [IE.packetTotalCount, role(Kind.REV_PACKETS, 1, 8, Group.REV_PACKETS, 2)],
  [IE.tcpControlBits, role(Kind.REV_TCP_FLAGS, 1, 2)],
  [IE.icmpTypeCodeIPv4, role(Kind.REV_ICMP_TYPE_CODE, 2, 2)],
  [IE.icmpTypeCodeIPv6, role(Kind.REV_ICMP_TYPE_CODE, 2, 2)],
]);

const V9_OUT_BYTES_AS_REVERSE = role(Kind.REV_BYTES, 1, 8, Group.REV_BYTES, 0);
const V9_OUT_PKTS_AS_REVERSE = role(Kind.REV_PACKETS, 1, 8, Group.REV_PACKETS, 0);
const V9_OUT_BYTES_AS_FORWARD = role(Kind.BYTES, 1, 8, Group.BYTES, 1);
const V9_OUT_PKTS_AS_FORWARD = role(Kind.PACKETS, 1, 8, Group.PACKETS, 1);
const IPFIX_POST_BYTES = role(Kind.BYTES, 1, 8, Group.BYTES, 3);
const IPFIX_POST_PACKETS = role(Kind.PACKETS, 1, 8, Group.PACKETS, 3);

/**
 * A template as it arrived: the identity and the raw field specifiers. Decoders fill one of
 * these per template record (it is reused: the arrays are sized for the cache's field limit)
 * and the cache copies what it keeps.
 */
export class TemplateSpec {
  protocol: 9 | 10 = 9;
  domain = 0;
  templateId = 0;
  options = false;
  /** Number of leading fields that are scope fields (options templates only). */
  scopeFieldCount = 0;
  fieldCount = 0;
  /** Element id without the enterprise bit (v9: the full 16-bit field type). */
  readonly types: Uint16Array;
  readonly lengths: Uint16Array;
  /** Private enterprise number, 0 for standard elements. */
  readonly enterprises: Uint32Array;

  constructor(capacity: number) {
    this.types = new Uint16Array(capacity);
    this.lengths = new Uint16Array(capacity);
    this.enterprises = new Uint32Array(capacity);
  }
}

/** Why a template could not be compiled. */
export const CompileError = {
  NO_FIELDS: 1,
  TOO_LARGE: 2,
} as const;
export type CompileError = (typeof CompileError)[keyof typeof CompileError];

/** Address families present in a data template. */
export const IpMode = { NONE: 0, V4: 4, V6: 6, BOTH: 46 } as const;

export class CompiledTemplate {
  /** Collector-clock time the definition was last received (or restored): drives expiry. */
  updatedMs: number;

  private constructor(
    readonly exporter: string,
    readonly protocol: 9 | 10,
    readonly domain: number,
    readonly templateId: number,
    readonly options: boolean,
    readonly scopeFieldCount: number,
    readonly fieldCount: number,
    readonly types: Uint16Array,
    readonly lengths: Uint16Array,
    readonly enterprises: Uint32Array,
    /** Record length when every field has a fixed length, else -1 (variable-length IPFIX elements). */
    readonly fixedLength: number,
    /** Smallest possible record: fixed lengths plus one length byte per variable-length field. */
    readonly minLength: number,
    readonly planSize: number,
    readonly planKind: Uint8Array,
    /**
     * Fixed-length templates: byte offset of the planned field inside the record. Variable-length
     * templates: index of the planned field in the template (offsets are found per record).
     */
    readonly planOffset: Int32Array,
    readonly planLength: Uint16Array,
    /** Known elements whose declared length they cannot have (skipped, counted once). */
    readonly badFields: number,
    /** IpMode of a data template. */
    readonly ipMode: number,
    readonly hasSrcV6: boolean,
    readonly hasDstV6: boolean,
    /** The template carries reverse-direction counters (RFC 5103 biflow, NSEL responder counts). */
    readonly hasReverse: boolean,
    /**
     * True when data records can be decoded straight-line (see `kindField`): a data template
     * with fixed-length fields only, each kind planned at most once, and no pair of kinds whose
     * result depends on their order in the record (ICMP type/code given both as one element and
     * as separate ones). Other templates go through the plan loop.
     */
    readonly straight: boolean,
    /**
     * Per kind (indexed by Kind): where its field is in a fixed-length record, as the byte offset
     * (low 16 bits) plus the length times 65536, or -1 when the template has none. One array
     * read gives both. Filled for every fixed-length template; used when `straight`.
     */
    readonly kindField: Int32Array,
    /** The START_* / END_* kind planned (Group START / END keep at most one), Kind.SKIP if none. */
    readonly startKind: number,
    readonly endKind: number,
    updatedMs: number,
  ) {
    this.updatedMs = updatedMs;
  }

  /** True when `spec` defines exactly this template (a refresh, not an update). */
  sameDefinition(spec: TemplateSpec): boolean {
    if (spec.fieldCount !== this.fieldCount || spec.options !== this.options || spec.scopeFieldCount !== this.scopeFieldCount) {
      return false;
    }
    for (let i = 0; i < this.fieldCount; i++) {
      if (spec.types[i] !== this.types[i] || spec.lengths[i] !== this.lengths[i] || spec.enterprises[i] !== this.enterprises[i]) {
        return false;
      }
    }
    return true;
  }

  /**
   * Builds the decoding plan. Returns a CompileError when the template is unusable: no fields
   * (or only zero-length ones), or records longer than `maxRecordLength` (never more than
   * 65535: no record can be longer than the datagram carrying it).
   */
  static compile(exporter: string, spec: TemplateSpec, maxRecordLength: number, updatedMs: number): CompiledTemplate | CompileError {
    const n = spec.fieldCount;
    if (n === 0) return CompileError.NO_FIELDS;
    const variableAllowed = spec.protocol === 10;
    let fixedSum = 0;
    let varCount = 0;
    for (let i = 0; i < n; i++) {
      const len = spec.lengths[i];
      if (len === VARIABLE_LENGTH && variableAllowed) varCount++;
      else fixedSum += len;
    }
    if (fixedSum === 0 && varCount === 0) return CompileError.NO_FIELDS;
    const minLength = fixedSum + varCount;
    if (minLength > 65535 || minLength > maxRecordLength) return CompileError.TOO_LARGE;

    // Pass 1: role of each field, and the best priority present per group.
    const roles: (Role | null)[] = new Array<Role | null>(n).fill(null);
    let hasForwardBytes = false;
    let hasForwardPackets = false;
    for (let i = 0; i < n; i++) {
      if (spec.enterprises[i] === 0 && spec.lengths[i] >= 1 && spec.lengths[i] <= 8) {
        const t = spec.types[i];
        if (t === IE.octetDeltaCount || t === IE.initiatorOctets) hasForwardBytes = true;
        if (t === IE.packetDeltaCount || t === IE.initiatorPackets) hasForwardPackets = true;
      }
    }
    const useMask = spec.options ? Use.OPTIONS : Use.DATA;
    let badFields = 0;
    const best = new Array<number>(Group.COUNT).fill(Infinity);
    for (let i = 0; i < n; i++) {
      // NetFlow v9 scope fields use their own type space (RFC 3954 §6.1): never decoded as elements.
      if (spec.options && spec.protocol === 9 && i < spec.scopeFieldCount) continue;
      const r = roleFor(spec.protocol, spec.enterprises[i], spec.types[i], hasForwardBytes, hasForwardPackets);
      if (r === null || (r.use & useMask) === 0) continue;
      const len = spec.lengths[i];
      if (len < r.min || len > r.max || (len === VARIABLE_LENGTH && variableAllowed)) {
        badFields++;
        continue;
      }
      roles[i] = r;
      if (r.group !== Group.NONE && r.prio < best[r.group]) best[r.group] = r.prio;
    }

    // Pass 2: the plan, in field order.
    const kinds: number[] = [];
    const offsets: number[] = [];
    const lens: number[] = [];
    let ipMode: number = IpMode.NONE;
    let hasSrcV6 = false;
    let hasDstV6 = false;
    let hasReverse = false;
    let offset = 0;
    for (let i = 0; i < n; i++) {
      const r = roles[i];
      const len = spec.lengths[i];
      if (r !== null && (r.group === Group.NONE || r.prio === best[r.group])) {
        kinds.push(r.kind);
        offsets.push(varCount > 0 ? i : offset);
        lens.push(len);
        switch (r.kind) {
          case Kind.SRC_V4:
          case Kind.DST_V4:
            ipMode = ipMode === IpMode.V6 || ipMode === IpMode.BOTH ? IpMode.BOTH : IpMode.V4;
            break;
          case Kind.SRC_V6:
          case Kind.DST_V6:
            ipMode = ipMode === IpMode.V4 || ipMode === IpMode.BOTH ? IpMode.BOTH : IpMode.V6;
            if (r.kind === Kind.SRC_V6) hasSrcV6 = true;
            else hasDstV6 = true;
            break;
          case Kind.REV_BYTES:
          case Kind.REV_PACKETS:
            hasReverse = true;
            break;
        }
      }
      if (varCount === 0) offset += len;
    }

    // The straight-line tables. A template with a kind twice keeps the plan loop: in that loop
    // the later field wins (or, for ICMP, the non-zero one), which a table of one offset per
    // kind cannot express.
    const kindField = new Int32Array(KIND_COUNT).fill(-1);
    let straight = !spec.options && varCount === 0;
    let startKind: number = Kind.SKIP;
    let endKind: number = Kind.SKIP;
    for (let j = 0; j < kinds.length; j++) {
      const k = kinds[j];
      // Offsets fit 16 bits (a record is at most 65535 bytes: checked above); planned lengths are at most 16.
      if (kindField[k] >= 0) straight = false;
      else if (varCount === 0) kindField[k] = offsets[j] + lens[j] * 65536;
      switch (k) {
        case Kind.START_UPTIME:
        case Kind.START_SEC:
        case Kind.START_MS:
        case Kind.START_NTP:
        case Kind.START_DELTA_US:
          startKind = k;
          break;
        case Kind.END_UPTIME:
        case Kind.END_SEC:
        case Kind.END_MS:
        case Kind.END_NTP:
        case Kind.END_DELTA_US:
          endKind = k;
          break;
      }
    }
    if (kindField[Kind.ICMP_TYPE_CODE] >= 0 && (kindField[Kind.ICMP_TYPE] >= 0 || kindField[Kind.ICMP_CODE] >= 0)) straight = false;

    return new CompiledTemplate(
      exporter,
      spec.protocol,
      spec.domain,
      spec.templateId,
      spec.options,
      spec.scopeFieldCount,
      n,
      spec.types.slice(0, n),
      spec.lengths.slice(0, n),
      spec.enterprises.slice(0, n),
      varCount > 0 ? -1 : fixedSum,
      minLength,
      kinds.length,
      Uint8Array.from(kinds),
      Int32Array.from(offsets),
      Uint16Array.from(lens),
      badFields,
      ipMode,
      hasSrcV6,
      hasDstV6,
      hasReverse,
      straight,
      kindField,
      startKind,
      endKind,
      updatedMs,
    );
  }
}

function roleFor(protocol: 9 | 10, enterprise: number, type: number, hasForwardBytes: boolean, hasForwardPackets: boolean): Role | null {
  if (enterprise === REVERSE_PEN) return REVERSE.get(type) ?? null;
  if (enterprise !== 0) return null;
  if (type === IE.postOctetDeltaCount) {
    if (protocol === 10) return IPFIX_POST_BYTES;
    return hasForwardBytes ? V9_OUT_BYTES_AS_REVERSE : V9_OUT_BYTES_AS_FORWARD;
  }
  if (type === IE.postPacketDeltaCount) {
    if (protocol === 10) return IPFIX_POST_PACKETS;
    return hasForwardPackets ? V9_OUT_PKTS_AS_REVERSE : V9_OUT_PKTS_AS_FORWARD;
  }
  return STANDARD.get(type) ?? null;
}
