/**
 * Turns decoded samples into per-second counters: per host and direction (the detector's input),
 * per monitored network, and global totals per IP version and direction. Implements SampleSink:
 * `sample()` runs synchronously on the decode path and allocates nothing.
 *
 * Per sample: two longest-prefix matches decide the direction; packets and bytes are multiplied
 * by the sampling rate; NetFlow/IPFIX records lasting longer than a second are spread over their
 * duration (see spread-queue.ts); the host's distinct-remote sketch is updated; and if detection
 * is watching the host, the sample is copied into its capture ring.
 *
 * `tick(nowMs)` closes the current second: totals become rates, each host is handed to the
 * observer (the detector), idle hosts are purged, and spread credits due in the new second are
 * applied. A host's counters belong to the second in its `lastSeen`; they are cleared by the first
 * credit of a later second rather than by the tick, so the tick reads only what it needs. The clock is whatever the caller passes; nothing here reads the time.
 */
import { SampleSource, TcpFlag, type FlowSample, type SampleSink } from '../flow/sample.js';
import { formatAddress, parseAddress } from '../net/ip.js';
import type { PrefixSet } from '../net/prefix-set.js';
import type { TrafficConfig } from './config.js';
import { HostTable, SLOT_PINNED, hllRank, mix32 } from './host-table.js';
import { HostHistory, SLOT_FOLLOWED } from './host-history.js';
import {
  CAT_BIT_FRAGMENT,
  CAT_BIT_ICMP,
  CAT_BIT_SYN,
  CAT_BIT_TCP,
  CAT_BIT_UDP,
  CATEGORIES,
  CATEGORY_NAMES,
  Direction,
  HOST_VALUES,
  type CategoryName,
} from './layout.js';
import type { NetworkSets } from './networks.js';
import { RecentSampleRing, SampleRingPool } from './sample-ring.js';
import { META_CREDIT_TOTALS, META_HOST_DIR_SHIFT, META_TOTALS_DIR_SHIFT, META_V6, SpreadQueue } from './spread-queue.js';

/** Receives every active host once per tick, before its per-second counters are cleared. */
export interface HostObserver {
  /**
   * `hadTraffic` is false when nothing was credited this second: the slot's counters then still
   * hold an older second and must be read as zero.
   */
  hostSecond(slot: number, periodSeconds: number, hadTraffic: boolean): void;
  /** The slot is about to be freed (idle purge or eviction); per-slot state must be reset. */
  hostRemoved(slot: number): void;
}

export interface TrafficStats {
  samples: number;
  /** Samples without IP addresses or with impossible packet/byte counts. */
  ignored: number;
  /** Host credits skipped because the remote end is allow-listed (totals still counted). */
  allowListedRemote: number;
  /** Host credits lost because the table was full of pinned hosts. */
  hostRejected: number;
  hostsPurged: number;
  hostsEvicted: number;
  /** Records spread over more than one second. */
  spreadRecords: number;
  /** Records credited at once because the spread queue was full. */
  spreadOverflow: number;
  /** Bytes (× sampling rate) of records longer than max_seconds that were not credited (their older part). */
  spreadTruncatedBytes: number;
  /** Records claiming to last longer than MAX_FLOW_DURATION_MS (spread over max_seconds, volume kept). */
  spreadImplausible: number;
  /** Samples copied into capture rings. */
  captured: number;
  /** Samples copied from the shared recent ring when a host started being captured. */
  backfilled: number;
  /** Ticks whose time did not advance (clock went backwards or repeated). */
  clockAnomalies: number;
}

export interface RateValue {
  pps: number;
  /** Bits per second. */
  bps: number;
}
export type RateSet = Record<CategoryName, RateValue>;

export interface TickInfo {
  tick: number;
  periodSeconds: number;
  hosts: number;
  purged: number;
  spreadPending: number;
}

export interface TrafficDeps {
  networks: NetworkSets;
}

/** Flow records claiming a longer duration than this have broken timestamps (docs/limits.md). */
export const MAX_FLOW_DURATION_MS = 86_400_000;

// Totals layout: ((version * 4 + direction) * 2 + kind) * 6 + category, kind 0 bytes / 1 packets.
const TOTAL_STRIDE = 2 * CATEGORIES;

export class TrafficCounter implements SampleSink {
  /** Replaced as a whole by a config reload (setNetworks): read it through the counter, do not keep it. */
  networks: NetworkSets;
  readonly table: HostTable;
  readonly capture: SampleRingPool;
  /**
   * Shared ring of recent samples of unwatched hosts (null when disabled). Each entry's tag holds
   * the host slot and the low 6 bits of the slot's generation, so samples of a previous tenant
   * of a reused slot are not handed to the new one.
   */
  readonly recent: RecentSampleRing | null;
  readonly spread: SpreadQueue;
  /** Per-second history of the hosts the operator surface follows (bounded; see host-history.ts). */
  readonly history: HostHistory;
  readonly stats: TrafficStats = {
    samples: 0,
    ignored: 0,
    allowListedRemote: 0,
    hostRejected: 0,
    hostsPurged: 0,
    hostsEvicted: 0,
    spreadRecords: 0,
    spreadOverflow: 0,
    spreadTruncatedBytes: 0,
    spreadImplausible: 0,
    captured: 0,
    backfilled: 0,
    clockAnomalies: 0,
  };
  /** Number of the current second; samples arriving now are credited to it. Starts at 1. */
  tickNo = 1;
  lastTickMs: number | null = null;
  lastPeriodSeconds = 1;

  private nets: PrefixSet;
  private remoteAllow: PrefixSet;
  private readonly internalPerHost: boolean;
  private readonly spreadEnabled: boolean;
  private readonly spreadMax: number;
  private readonly idleTicks: number;
  private readonly flowSeed: number;
  private observer: HostObserver | null = null;

  /** Bytes, packets and variance of the sample (or spread credit) being credited. */
  private readonly amount = new Float64Array(3);
  private readonly totalsAcc = new Float64Array(2 * 4 * TOTAL_STRIDE);
  private readonly totalsRate = new Float64Array(2 * 4 * TOTAL_STRIDE);
  private netAcc: Float64Array;
  private netRate: Float64Array;

  constructor(config: TrafficConfig, deps: TrafficDeps, seed?: number) {
    this.networks = deps.networks;
    this.nets = deps.networks.networks;
    this.remoteAllow = deps.networks.allowRemote;
    this.internalPerHost = config.internal_per_host;
    this.spreadEnabled = config.spreading.enabled;
    this.spreadMax = config.spreading.max_seconds;
    this.idleTicks = config.host_table.idle_seconds;
    this.table = new HostTable(config.host_table.max_hosts, seed);
    this.history = new HostHistory(this.table);
    this.flowSeed = mix32(((seed ?? (Math.random() * 0x100000000) >>> 0) ^ 0x5bd1e995) >>> 0);
    this.capture = new SampleRingPool(config.capture.hosts, config.capture.samples);
    const n = config.capture.recent_samples;
    this.recent = n > 0 && config.capture.hosts > 0 ? new RecentSampleRing(n) : null;
    this.spread = new SpreadQueue(config.spreading.max_pending);
    const nn = deps.networks.networkCount;
    this.netAcc = new Float64Array(Math.max(1, nn) * 2 * TOTAL_STRIDE);
    this.netRate = new Float64Array(Math.max(1, nn) * 2 * TOTAL_STRIDE);
    this.table.onEvict = (slot) => {
      this.stats.hostsEvicted++;
      this.releaseRing(slot);
      this.observer?.hostRemoved(slot);
    };
  }

  /** Registers the one observer of host seconds (the detector). */
  setObserver(observer: HostObserver | null): void {
    this.observer = observer;
  }

  /**
   * Replaces the monitored networks and allow-lists (config reload). Host counters, sketches and
   * capture rings are untouched: a host keeps its slot whatever its network. Hosts no longer
   * inside a monitored network get no more credits and leave by the idle purge.
   */
  setNetworks(next: NetworkSets): void {
    this.prepareNetworks(next)();
  }

  /**
   * The allocating half of setNetworks: may throw (out of memory) without changing anything.
   * The returned commit cannot fail; call it in the same synchronous turn (no sample or tick in
   * between), so that a reload touching several components is all-or-nothing.
   */
  prepareNetworks(next: NetworkSets): () => void {
    const old = this.networks;
    // A network present before and after (same prefix) keeps its per-network counters and its
    // pending spread credits, whatever its new index; a removed one loses them.
    const map = new Int32Array(Math.max(1, old.networkCount)).fill(-1);
    for (let i = 0; i < old.networkCount; i++) map[i] = next.networks.get(old.networkPrefixes[i]);
    const size = Math.max(1, next.networkCount) * 2 * TOTAL_STRIDE;
    const acc = new Float64Array(size);
    const rate = new Float64Array(size);
    return () => {
      const w = 2 * TOTAL_STRIDE;
      for (let i = 0; i < old.networkCount; i++) {
        const j = map[i];
        if (j < 0) continue;
        acc.set(this.netAcc.subarray(i * w, (i + 1) * w), j * w);
        rate.set(this.netRate.subarray(i * w, (i + 1) * w), j * w);
      }
      const q = this.spread;
      for (let i = 0; i < q.length; i++) if (q.net[i] >= 0) q.net[i] = map[q.net[i]];
      this.networks = next;
      this.nets = next.networks;
      this.remoteAllow = next.allowRemote;
      this.netAcc = acc;
      this.netRate = rate;
    };
  }

  sample(s: FlowSample): void {
    const st = this.stats;
    st.samples++;
    const ver = s.ipVersion;
    let srcNet: number;
    let dstNet: number;
    if (ver === 4) {
      const sv = s.srcV4;
      const dv = s.dstV4;
      srcNet = this.nets.lookupV4Parts(sv >>> 16, sv & 0xffff);
      dstNet = this.nets.lookupV4Parts(dv >>> 16, dv & 0xffff);
    } else if (ver === 6) {
      srcNet = this.nets.lookupV6(s.srcAddr, 0);
      dstNet = this.nets.lookupV6(s.dstAddr, 0);
    } else {
      st.ignored++;
      return;
    }
    let rate = s.samplingRate;
    if (!(rate >= 1)) rate = 1;
    let pk = s.packets * rate;
    let by = s.bytes * rate;
    if (!(pk >= 0 && by >= 0 && pk < Infinity && by < Infinity)) {
      st.ignored++;
      return;
    }
    let vr = pk * (rate - 1);

    const proto = s.protocol;
    let cats = 1;
    if (proto === 6) {
      cats |= CAT_BIT_TCP;
      if ((s.tcpFlags & (TcpFlag.SYN | TcpFlag.ACK)) === TcpFlag.SYN) cats |= CAT_BIT_SYN;
    } else if (proto === 17) cats |= CAT_BIT_UDP;
    else if (proto === 1 || proto === 58) cats |= CAT_BIT_ICMP;
    if (s.isFragment) cats |= CAT_BIT_FRAGMENT;

    // Spread long NetFlow/IPFIX records; sFlow (and pcap) samples are single packets.
    let seconds = 1;
    if (this.spreadEnabled && s.source !== SampleSource.SFLOW && s.source !== SampleSource.PCAP) {
      const dur = s.endMs - s.startMs;
      if (dur > 1000 && s.startMs > 0) {
        let f: number;
        const n = Math.ceil(dur / 1000);
        if (dur > MAX_FLOW_DURATION_MS) {
          // No router keeps a flow open this long (active timeouts are minutes): the timestamps
          // are wrong, so the rate is unknown. Spread the whole volume over max_seconds.
          seconds = this.spreadMax;
          f = 1 / seconds;
          st.spreadImplausible++;
        } else if (n <= this.spreadMax) {
          seconds = n;
          f = 1 / n;
        } else {
          seconds = this.spreadMax;
          f = 1000 / dur;
          st.spreadTruncatedBytes += by * (1 - f * seconds);
        }
        pk *= f;
        by *= f;
        vr *= f * f;
        st.spreadRecords++;
      }
    }

    // The amounts travel to the helpers through a scratch array: passing non-integer numbers as
    // arguments to a call V8 does not inline boxes each one (a heap allocation per sample).
    const amt = this.amount;
    amt[0] = by;
    amt[1] = pk;
    amt[2] = vr;
    const v6 = ver === 6 ? 1 : 0;
    if (dstNet >= 0) {
      const internal = srcNet >= 0;
      const totalsDir = internal ? Direction.INTERNAL : Direction.INCOMING;
      let slot = -1;
      if (!internal || this.internalPerHost) slot = this.hostSide(s, 0, rate);
      this.credit(slot, dstNet, 0, totalsDir, true, v6, cats, seconds);
      if (internal) {
        slot = this.internalPerHost ? this.hostSide(s, 1, rate) : -1;
        this.credit(slot, srcNet, 1, totalsDir, false, v6, cats, seconds);
      }
    } else if (srcNet >= 0) {
      const slot = this.hostSide(s, 1, rate);
      this.credit(slot, srcNet, 1, Direction.OUTGOING, true, v6, cats, seconds);
    } else {
      this.credit(-1, -1, 0, Direction.OTHER, true, v6, cats, seconds);
    }
  }

  /**
   * Per-sample host work: find or insert the host, update its distinct-remote sketch and capture
   * ring. Returns the slot, or -1 when the host is not to be credited (allow-listed remote, or the
   * table is full of pinned hosts). The counters themselves are added by `credit`.
   */
  private hostSide(s: FlowSample, dir: number, rate: number): number {
    const table = this.table;
    const tick = this.tickNo;
    let slot: number;
    let remoteHash: number;
    const remotePort = dir === 0 ? s.srcPort : s.dstPort;
    const portProto = Math.imul((remotePort | (s.protocol << 16)) ^ this.flowSeed, 0x9e3779b1);
    if (s.ipVersion === 4) {
      const remote = dir === 0 ? s.srcV4 : s.dstV4;
      if (this.remoteAllow.hasV4 && this.remoteAllow.lookupV4Parts(remote >>> 16, remote & 0xffff) >= 0) {
        this.stats.allowListedRemote++;
        return -1;
      }
      const local = dir === 0 ? s.dstV4 : s.srcV4;
      slot = table.acquireV4Parts(local >>> 16, local & 0xffff, tick);
      remoteHash = mix32((remote ^ portProto) >>> 0);
    } else {
      const r = dir === 0 ? s.srcAddr : s.dstAddr;
      if (this.remoteAllow.hasV6 && this.remoteAllow.lookupV6(r, 0) >= 0) {
        this.stats.allowListedRemote++;
        return -1;
      }
      slot = table.acquireV6Bytes(dir === 0 ? s.dstAddr : s.srcAddr, 0, tick);
      const h =
        Math.imul((r[0] << 24) | (r[1] << 16) | (r[2] << 8) | r[3], 0x85ebca6b) ^
        Math.imul((r[4] << 24) | (r[5] << 16) | (r[6] << 8) | r[7], 0xc2b2ae35) ^
        Math.imul((r[8] << 24) | (r[9] << 16) | (r[10] << 8) | r[11], 0x27d4eb2f) ^
        ((r[12] << 24) | (r[13] << 16) | (r[14] << 8) | r[15]);
      remoteHash = mix32((h ^ portProto) >>> 0);
    }
    if (slot < 0) {
      this.stats.hostRejected++;
      return -1;
    }
    // Counters hold the second in lastSeen; the first credit of a new second clears them (so the
    // tick does not have to touch every host's counters).
    if (table.lastSeen[slot] !== tick) {
      table.clearCounters(slot);
      table.lastSeen[slot] = tick;
    }
    table.addFlowRank(slot, dir, remoteHash >>> 27, hllRank(remoteHash));
    const ring = table.ring[slot];
    if (ring !== 0) {
      this.capture.push(ring - 1, tick, dir, s, rate);
      this.stats.captured++;
    } else if (this.recent !== null) {
      this.recent.push(tick, dir, s, rate, (slot | ((table.generation[slot] & 63) << 26)) >>> 0);
    }
    return slot;
  }

  /** Credits one side (host + network + totals) now, and queues the rest of a spread record. */
  private credit(slot: number, net: number, hostDir: number, totalsDir: number, creditTotals: boolean, v6: number, cats: number, seconds: number): void {
    const amt = this.amount;
    if (creditTotals) addTotals(this.totalsAcc, (v6 * 4 + totalsDir) * TOTAL_STRIDE, cats, amt);
    if (net >= 0) addTotals(this.netAcc, (net * 2 + hostDir) * TOTAL_STRIDE, cats, amt);
    if (slot >= 0) this.creditHost(slot, hostDir, cats);
    if (seconds > 1) {
      const meta = cats | (hostDir << META_HOST_DIR_SHIFT) | (totalsDir << META_TOTALS_DIR_SHIFT) | (creditTotals ? META_CREDIT_TOTALS : 0) | (v6 ? META_V6 : 0);
      const gen = slot >= 0 ? this.table.generation[slot] : 0;
      if (!this.spread.push(slot, gen, net, meta, seconds - 1, amt)) {
        // Queue full: credit the remainder now rather than lose it (counted, so the operator can raise max_pending).
        this.stats.spreadOverflow++;
        const rest = seconds - 1;
        const by = amt[0];
        const pk = amt[1];
        const vr = amt[2];
        amt[0] = by * rest;
        amt[1] = pk * rest;
        amt[2] = vr * rest * rest;
        if (creditTotals) addTotals(this.totalsAcc, (v6 * 4 + totalsDir) * TOTAL_STRIDE, cats, amt);
        if (net >= 0) addTotals(this.netAcc, (net * 2 + hostDir) * TOTAL_STRIDE, cats, amt);
        if (slot >= 0) this.creditHost(slot, hostDir, cats);
        amt[0] = by;
        amt[1] = pk;
        amt[2] = vr;
      }
    }
  }

  /** Adds the scratch amounts (bytes, packets, variance) to a host's counters for `dir`. */
  private creditHost(slot: number, dir: number, cats: number): void {
    const t = this.table;
    const amt = this.amount;
    const by = amt[0];
    const pk = amt[1];
    const vr = amt[2];
    if (t.lastSeen[slot] !== this.tickNo) {
      t.clearCounters(slot);
      t.lastSeen[slot] = this.tickNo;
    }
    const b = slot * HOST_VALUES + dir * CATEGORIES;
    const bytes = t.bytes;
    const packets = t.packets;
    bytes[b] += by;
    packets[b] += pk;
    if (cats & CAT_BIT_TCP) {
      bytes[b + 1] += by;
      packets[b + 1] += pk;
      if (cats & CAT_BIT_SYN) {
        bytes[b + 2] += by;
        packets[b + 2] += pk;
      }
    } else if (cats & CAT_BIT_UDP) {
      bytes[b + 3] += by;
      packets[b + 3] += pk;
    } else if (cats & CAT_BIT_ICMP) {
      bytes[b + 4] += by;
      packets[b + 4] += pk;
    }
    if (cats & CAT_BIT_FRAGMENT) {
      bytes[b + 5] += by;
      packets[b + 5] += pk;
    }
    t.variance[slot * 2 + dir] += vr;
  }

  /**
   * Closes the current second at `nowMs`. The period is the measured time since the previous
   * tick (as FastNetMon does), so a late tick does not inflate rates. Returns what happened.
   */
  tick(nowMs: number): TickInfo {
    let period = 1;
    if (this.lastTickMs !== null) {
      const dt = nowMs - this.lastTickMs;
      if (dt > 0) period = Math.max(dt, 100) / 1000;
      else this.stats.clockAnomalies++;
    }
    this.lastTickMs = nowMs;
    this.lastPeriodSeconds = period;
    const inv = 1 / period;
    for (let i = 0; i < this.totalsAcc.length; i++) {
      this.totalsRate[i] = this.totalsAcc[i] * inv;
      this.totalsAcc[i] = 0;
    }
    for (let i = 0; i < this.netAcc.length; i++) {
      this.netRate[i] = this.netAcc[i] * inv;
      this.netAcc[i] = 0;
    }

    const t = this.table;
    const obs = this.observer;
    const now = this.tickNo;
    const idle = this.idleTicks;
    const ver = t.version;
    const lastSeen = t.lastSeen;
    const flags = t.flags;
    let purged = 0;
    const high = t.highWater;
    for (let slot = 0; slot < high; slot++) {
      if (ver[slot] === 0) continue;
      const seen = lastSeen[slot];
      const had = seen === now;
      if (!had && seen + idle < now && (flags[slot] & SLOT_PINNED) === 0) {
        obs?.hostRemoved(slot);
        this.releaseRing(slot);
        t.remove(slot);
        purged++;
        continue;
      }
      if ((flags[slot] & SLOT_FOLLOWED) !== 0) this.history.record(slot, period, had, nowMs, t.flowEstimate(slot, 0), t.flowEstimate(slot, 1));
      if (obs !== null) obs.hostSecond(slot, period, had);
    }
    this.history.endTick(nowMs);
    this.stats.hostsPurged += purged;
    this.tickNo++;
    this.applySpread();
    return { tick: now, periodSeconds: period, hosts: t.count, purged, spreadPending: this.spread.length };
  }

  /** Applies the spread credits due in the second that just began; drops finished entries. */
  private applySpread(): void {
    const q = this.spread;
    const t = this.table;
    for (let i = q.length - 1; i >= 0; i--) {
      const meta = q.meta[i];
      const cats = meta & 0x3f;
      const hostDir = (meta >> META_HOST_DIR_SHIFT) & 1;
      const totalsDir = (meta >> META_TOTALS_DIR_SHIFT) & 3;
      const amt = this.amount;
      amt[0] = q.bytes[i];
      amt[1] = q.packets[i];
      amt[2] = q.variance[i];
      if (meta & META_CREDIT_TOTALS) addTotals(this.totalsAcc, ((meta & META_V6 ? 1 : 0) * 4 + totalsDir) * TOTAL_STRIDE, cats, amt);
      const net = q.net[i];
      if (net >= 0) addTotals(this.netAcc, (net * 2 + hostDir) * TOTAL_STRIDE, cats, amt);
      const slot = q.slot[i];
      if (slot >= 0 && t.version[slot] !== 0 && t.generation[slot] === q.generation[i]) this.creditHost(slot, hostDir, cats);
      if (--q.remaining[i] === 0) q.removeAt(i);
    }
  }

  private releaseRing(slot: number): void {
    const r = this.table.ring[slot];
    if (r !== 0) {
      this.capture.release(r - 1);
      this.table.ring[slot] = 0;
    }
  }

  /** Starts capturing the host's samples; false when the pool is exhausted. */
  watch(slot: number): boolean {
    const t = this.table;
    if (t.ring[slot] !== 0) {
      this.capture.lastHot[t.ring[slot] - 1] = this.tickNo;
      return true;
    }
    const id = this.capture.alloc(slot, this.tickNo);
    if (id < 0) return false;
    t.ring[slot] = id + 1;
    this.backfill(slot, id);
    return true;
  }

  /** Copies the host's samples from the shared recent ring into its new capture ring, oldest first. */
  private backfill(slot: number, id: number): void {
    const r = this.recent;
    if (r === null) return;
    const count = r.filled;
    const tag = (slot | ((this.table.generation[slot] & 63) << 26)) >>> 0;
    let copied = 0;
    for (let k = 0; k < count; k++) {
      const e = r.entry(k);
      if (r.tag(e) === tag) {
        this.capture.copyFrom(r, e, id);
        copied++;
      }
    }
    this.stats.backfilled += copied;
  }

  unwatch(slot: number): void {
    this.releaseRing(slot);
  }

  /** Capture ring id of a host, or -1. */
  ringOf(slot: number): number {
    return this.table.ring[slot] - 1;
  }

  /** Slot of a host given as text, or -1. */
  findHost(address: string): number {
    const a = parseAddress(address);
    if (!a) return -1;
    return this.findHostBytes(a.version, a.bytes);
  }

  findHostBytes(version: number, b: Uint8Array): number {
    if (version === 4) return this.table.findV4(((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0);
    return this.table.findV6(
      ((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0,
      ((b[4] << 24) | (b[5] << 16) | (b[6] << 8) | b[7]) >>> 0,
      ((b[8] << 24) | (b[9] << 16) | (b[10] << 8) | b[11]) >>> 0,
      ((b[12] << 24) | (b[13] << 16) | (b[14] << 8) | b[15]) >>> 0,
    );
  }

  private readonly addrScratch = new Uint8Array(16);

  /** Address of a slot as text. */
  hostAddress(slot: number): string {
    const v = this.table.addressBytes(slot, this.addrScratch);
    return formatAddress(this.addrScratch, v);
  }

  /** Rates of the last closed second, per direction, for one IP version or both. */
  totals(version: 4 | 6 | 'all' = 'all'): Record<'incoming' | 'outgoing' | 'internal' | 'other', RateSet> {
    const dirs = ['incoming', 'outgoing', 'internal', 'other'] as const;
    const out = {} as Record<(typeof dirs)[number], RateSet>;
    dirs.forEach((name, d) => {
      const vs = version === 'all' ? [0, 1] : [version === 4 ? 0 : 1];
      out[name] = rateSet(this.totalsRate, vs.map((v) => (v * 4 + d) * TOTAL_STRIDE));
    });
    return out;
  }

  /** Per monitored network: rates of the last closed second. */
  networkRates(): Array<{ network: string; incoming: RateSet; outgoing: RateSet }> {
    return this.networks.networkNames.map((network, i) => ({
      network,
      incoming: rateSet(this.netRate, [(i * 2) * TOTAL_STRIDE]),
      outgoing: rateSet(this.netRate, [(i * 2 + 1) * TOTAL_STRIDE]),
    }));
  }

  /** Typed-array memory allocated by traffic accounting (virtual; resident only where used). */
  allocatedBytes(): number {
    return this.table.allocatedBytes() + this.capture.allocatedBytes() +  (this.recent?.allocatedBytes() ?? 0) + this.spread.allocatedBytes() + this.totalsAcc.byteLength * 2 + this.netAcc.byteLength * 2 + this.nets.memoryBytes() + this.remoteAllow.memoryBytes();
  }
}

function addTotals(a: Float64Array, base: number, cats: number, amt: Float64Array): void {
  const by = amt[0];
  const pk = amt[1];
  a[base] += by;
  a[base + CATEGORIES] += pk;
  if (cats & CAT_BIT_TCP) {
    a[base + 1] += by;
    a[base + 1 + CATEGORIES] += pk;
    if (cats & CAT_BIT_SYN) {
      a[base + 2] += by;
      a[base + 2 + CATEGORIES] += pk;
    }
  } else if (cats & CAT_BIT_UDP) {
    a[base + 3] += by;
    a[base + 3 + CATEGORIES] += pk;
  } else if (cats & CAT_BIT_ICMP) {
    a[base + 4] += by;
    a[base + 4 + CATEGORIES] += pk;
  }
  if (cats & CAT_BIT_FRAGMENT) {
    a[base + 5] += by;
    a[base + 5 + CATEGORIES] += pk;
  }
}

function rateSet(a: Float64Array, bases: number[]): RateSet {
  const out = {} as RateSet;
  CATEGORY_NAMES.forEach((name, c) => {
    let by = 0;
    let pk = 0;
    for (const b of bases) {
      by += a[b + c];
      pk += a[b + CATEGORIES + c];
    }
    out[name] = { pps: pk, bps: by * 8 };
  });
  return out;
}
