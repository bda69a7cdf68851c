/**
 * Traffic accounting: owns everything between a decoded FlowSample and the per-second numbers
 * detection reads. That is the monitored networks and allow-lists (networks.ts), the bounded host
 * table with per-host, per-direction counters for total/TCP/SYN/UDP/ICMP/fragments and a
 * distinct-remote sketch (host-table.ts), per-network and global totals and the SampleSink that
 * fills them (traffic-counter.ts), the spreading of long NetFlow/IPFIX records over their duration
 * (spread-queue.ts), and the capture rings of recent samples for hosts detection watches
 * (sample-ring.ts). It never reads the clock: the owner calls `tick(nowMs)` once per second.
 */
export { trafficConfigSchema, cidrSchema, allowListSchema, hostTableSchema, spreadingSchema, captureSchema, MAX_HOST_TABLE_SIZE, type TrafficConfig } from './config.js';
export { NetworkSets, NetworkConfigError, parseNetworkList, MAX_LIST_FILE_LINES, type ReadFile } from './networks.js';
export { HostTable, SLOT_PINNED, EVICTION_PROBES, HLL_REGISTERS, hllRank, mix32 } from './host-table.js';
export { fillSample, type SampleFields } from './sample-builder.js';
export { SampleRingPool, MAX_CAPTURE_RINGS, MAX_CAPTURE_SAMPLES, MAX_RECENT_SAMPLES, FRAG_IS_FRAGMENT, FRAG_NON_FIRST, FRAG_MORE, FRAG_DONT } from './sample-ring.js';
export { SpreadQueue, MAX_SPREAD_SECONDS, MAX_SPREAD_ENTRIES, SPREAD_INITIAL_ENTRIES } from './spread-queue.js';
export { TrafficCounter, MAX_FLOW_DURATION_MS, type HostObserver, type TrafficStats, type RateSet, type RateValue, type TickInfo, type TrafficDeps } from './traffic-counter.js';
export { HostHistory, SLOT_FOLLOWED, MAX_FOLLOWED_HOSTS, HISTORY_SECONDS, type HostSecond, type DirectionSecond } from './host-history.js';
export * from './layout.js';
