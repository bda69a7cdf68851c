/**
 * Numeric layout shared by the counters and the detector: directions, traffic categories and
 * the per-direction metrics derived from them. Numbers (not strings) so the hot path indexes
 * typed arrays directly.
 */

/** Direction of a sample relative to the monitored networks. */
export const Direction = {
  /** Destination is ours, source is not. */
  INCOMING: 0,
  /** Source is ours, destination is not. */
  OUTGOING: 1,
  /** Both ours. Counted for the destination host as incoming and the source host as outgoing. */
  INTERNAL: 2,
  /** Neither ours: counted in the global totals only. */
  OTHER: 3,
} as const;
export type Direction = (typeof Direction)[keyof typeof Direction];
export const DIRECTION_NAMES = ['incoming', 'outgoing', 'internal', 'other'] as const;
export type DirectionName = (typeof DIRECTION_NAMES)[number];

/** The two directions a host has counters (and attacks) for. */
export const HOST_DIRECTIONS = 2;
export type HostDirectionName = 'incoming' | 'outgoing';

/**
 * Traffic categories counted per host, network and total. A sample adds to TOTAL and to each
 * category it belongs to (a TCP SYN fragment is TOTAL + TCP + SYN + FRAGMENT).
 *
 * SYN counts TCP packets with SYN set and ACK clear: connection attempts. FastNetMon counts any
 * packet with SYN set, including SYN+ACK; we leave SYN+ACK out because a busy server's outgoing
 * handshake replies are not a flood, and because a NetFlow/IPFIX record carries the union of the
 * flags of the whole flow (RFC 3954 field 6, RFC 7011 IE 6): every ordinary connection has SYN in
 * that union, so counting "SYN set" would credit all bytes of every normal TCP flow as SYN. A
 * record whose union is exactly SYN without ACK is a flow that never completed a handshake.
 * SYN+ACK reflection floods are still seen in TCP and classified by the fingerprint.
 */
export const Category = {
  TOTAL: 0,
  TCP: 1,
  SYN: 2,
  UDP: 3,
  ICMP: 4,
  FRAGMENT: 5,
} as const;
export const CATEGORIES = 6;
export const CATEGORY_NAMES = ['total', 'tcp', 'syn', 'udp', 'icmp', 'fragments'] as const;
export type CategoryName = (typeof CATEGORY_NAMES)[number];

/** Category bit masks carried in one integer per sample. */
export const CAT_BIT_TCP = 1 << Category.TCP;
export const CAT_BIT_SYN = 1 << Category.SYN;
export const CAT_BIT_UDP = 1 << Category.UDP;
export const CAT_BIT_ICMP = 1 << Category.ICMP;
export const CAT_BIT_FRAGMENT = 1 << Category.FRAGMENT;

/** Values per host per direction in the counter arrays (one per category). */
export const HOST_VALUES_PER_DIRECTION = CATEGORIES;
export const HOST_VALUES = HOST_DIRECTIONS * CATEGORIES;

/**
 * Detection metrics per direction: total pps, total bytes/s, flows/s, then pps and bytes/s for
 * each protocol category. Bytes/s internally; the config speaks Mbit/s (10^6 bit/s).
 */
export const Metric = {
  PPS: 0,
  BPS: 1,
  FLOWS: 2,
  TCP_PPS: 3,
  TCP_BPS: 4,
  SYN_PPS: 5,
  SYN_BPS: 6,
  UDP_PPS: 7,
  UDP_BPS: 8,
  ICMP_PPS: 9,
  ICMP_BPS: 10,
  FRAGMENT_PPS: 11,
  FRAGMENT_BPS: 12,
} as const;
export const METRICS = 13;
/** Names as used in the config and in attack events (Mbit/s for the byte metrics). */
export const METRIC_NAMES = [
  'pps',
  'mbps',
  'flows',
  'tcp_pps',
  'tcp_mbps',
  'syn_pps',
  'syn_mbps',
  'udp_pps',
  'udp_mbps',
  'icmp_pps',
  'icmp_mbps',
  'fragments_pps',
  'fragments_mbps',
] as const;
export type MetricName = (typeof METRIC_NAMES)[number];

/** Category each metric reads (FLOWS reads none: -1). */
export const METRIC_CATEGORY = [0, 0, -1, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5] as const;
/** True for the byte-rate metrics. */
export const METRIC_IS_BYTES = [false, true, false, false, true, false, true, false, true, false, true, false, true] as const;

/** Bytes per second in one Mbit/s (SI: 10^6 bit/s; FastNetMon divides by 2^20). */
export const BYTES_PER_MBIT = 125_000;
