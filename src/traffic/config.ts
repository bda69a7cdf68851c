/**
 * Config schema of traffic accounting: monitored networks, allow-lists, host table bounds, flow
 * spreading and the sample capture used for fingerprints. Objects are strict: a misspelt key is
 * an error with its path.
 */
import { z } from 'zod';
import { parsePrefix } from '../net/ip.js';
import { MAX_CAPTURE_RINGS, MAX_CAPTURE_SAMPLES, MAX_RECENT_SAMPLES } from './sample-ring.js';
import { MAX_SPREAD_ENTRIES, MAX_SPREAD_SECONDS } from './spread-queue.js';

/** Upper bound on max_hosts (the table allocates its arrays for this many slots up front). */
export const MAX_HOST_TABLE_SIZE = 16_000_000;

/** An IPv4 or IPv6 CIDR (or bare address = host prefix); host bits beyond the length are an error. */
export const cidrSchema = z.string().superRefine((s, ctx) => {
  const p = parsePrefix(s);
  if ('error' in p) ctx.addIssue({ code: 'custom', message: p.error });
});

const fileSchema = z.string().min(1).nullable();

export const allowListSchema = z
  .object({
    /** Our own addresses that are never banned (FastNetMon's white_list_path). Attacks on them are still detected and reported. */
    hosts: z.array(cidrSchema).default([]),
    /** File with more of them: one CIDR per line, '#' starts a comment. */
    hosts_file: fileSchema.default(null),
    /**
     * Remote addresses whose traffic does not count towards detection (a speed-test server, a
     * partner network, a backup peer): still counted in network and global totals.
     */
    remote: z.array(cidrSchema).default([]),
    remote_file: fileSchema.default(null),
  })
  .strict();

export const hostTableSchema = z
  .object({
    /** Hosts with counters at once. At ~290 bytes per host with detection (docs/limits.md), 1,000,000 is ~290 MB when full. */
    max_hosts: z.number().int().min(1).max(MAX_HOST_TABLE_SIZE).default(1_000_000),
    /** A host without traffic for this long is dropped from the table (its averages have decayed by then). */
    idle_seconds: z.number().int().min(5).max(86_400).default(120),
  })
  .strict();

export const spreadingSchema = z
  .object({
    /** Spread NetFlow/IPFIX records over their duration instead of crediting them in the second they arrive. */
    enabled: z.boolean().default(true),
    /**
     * Longest spread. A record lasting longer is credited at its average rate for this many seconds
     * (the rest of its volume lies further in the past and says nothing about the current rate).
     */
    max_seconds: z.number().int().min(2).max(MAX_SPREAD_SECONDS).default(60),
    /** Pending spread entries at most (32 bytes each); beyond, records are credited at once and counted. */
    max_pending: z.number().int().min(1).max(MAX_SPREAD_ENTRIES).default(2_000_000),
  })
  .strict();

export const captureSchema = z
  .object({
    /** Hosts whose recent samples are kept for fingerprints at once (hosts near a threshold or under attack). */
    hosts: z.number().int().min(0).max(MAX_CAPTURE_RINGS).default(1000),
    /** Recent samples kept per such host. */
    samples: z.number().int().min(16).max(MAX_CAPTURE_SAMPLES).default(512),
    /**
     * Samples of all other hosts kept in one shared ring (~60 bytes each), from which a host that
     * becomes watched gets its recent history. 0 disables it.
     */
    recent_samples: z.number().int().min(0).max(MAX_RECENT_SAMPLES).default(65_536),
  })
  .strict();

export const trafficConfigSchema = z
  .object({
    /** Monitored networks (IPv4 and IPv6 CIDRs). Direction is decided by longest-prefix match against these. */
    networks: z.array(cidrSchema).default([]),
    /** FastNetMon networks_list format: one CIDR per line, '#' starts a comment, blank lines ignored. */
    networks_file: fileSchema.default(null),
    /** Count traffic between two monitored hosts for both hosts (destination incoming, source outgoing). */
    internal_per_host: z.boolean().default(true),
    allow_list: allowListSchema.default(allowListSchema.parse({})),
    host_table: hostTableSchema.default(hostTableSchema.parse({})),
    spreading: spreadingSchema.default(spreadingSchema.parse({})),
    capture: captureSchema.default(captureSchema.parse({})),
  })
  .strict();

export type TrafficConfig = z.infer<typeof trafficConfigSchema>;
