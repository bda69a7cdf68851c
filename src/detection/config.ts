/**
 * Config schema of attack detection: thresholds per direction (global defaults and per host
 * group, a group inheriting every setting it does not set), averaging, the fast trigger, the end
 * of an attack, and the bounds on attack bookkeeping and fingerprints.
 */
import { z } from 'zod';
import { parsePrefix, formatPrefix } from '../net/ip.js';
import { cidrSchema } from '../traffic/config.js';
import type { MetricName } from '../traffic/layout.js';

/** Consecutive-second history kept per host and direction (bits of one byte). */
export const MAX_TRIGGER_SECONDS = 8;
export const MAX_GROUPS = 65_000;
export const MAX_ACTIVE_ATTACKS_LIMIT = 1_000_000;
export const MAX_ATTACK_HISTORY = 100_000;

/** A threshold: a positive number switches it on, `false` switches it off. */
const thresholdValue = z.union([z.number().positive().finite(), z.literal(false)]);

/**
 * FastNetMon's shipped defaults (threshold_pps 20000, threshold_mbps 1000, ban_for_pps and
 * ban_for_bandwidth on, flows and per-protocol thresholds off), for both directions. Note that
 * FastNetMon's "mbps" divides by 2^20; ours are SI Mbit/s (10^6 bit/s).
 */
export const DEFAULT_THRESHOLDS: Record<MetricName, number | false> = {
  pps: 20_000,
  mbps: 1_000,
  flows: false,
  tcp_pps: false,
  tcp_mbps: false,
  syn_pps: false,
  syn_mbps: false,
  udp_pps: false,
  udp_mbps: false,
  icmp_pps: false,
  icmp_mbps: false,
  fragments_pps: false,
  fragments_mbps: false,
};

const on = (m: MetricName) => thresholdValue.default(DEFAULT_THRESHOLDS[m]);

/** Thresholds of one direction. pps and flows are per second; *_mbps are Mbit/s. */
export const directionThresholdsSchema = z
  .object({
    /** Detect attacks in this direction at all. */
    enabled: z.boolean().default(true),
    pps: on('pps'),
    mbps: on('mbps'),
    /** Distinct remote endpoints (address, port, protocol) per second, as sampled (not multiplied). */
    flows: on('flows'),
    tcp_pps: on('tcp_pps'),
    tcp_mbps: on('tcp_mbps'),
    /** TCP with SYN set and ACK clear (see src/traffic/layout.ts). */
    syn_pps: on('syn_pps'),
    syn_mbps: on('syn_mbps'),
    udp_pps: on('udp_pps'),
    udp_mbps: on('udp_mbps'),
    /** ICMP and ICMPv6. */
    icmp_pps: on('icmp_pps'),
    icmp_mbps: on('icmp_mbps'),
    fragments_pps: on('fragments_pps'),
    fragments_mbps: on('fragments_mbps'),
  })
  .strict();

/** The same keys without defaults: what a group does not set is inherited from the global thresholds. */
export const partialDirectionThresholdsSchema = z
  .object({
    enabled: z.boolean().optional(),
    pps: thresholdValue.optional(),
    mbps: thresholdValue.optional(),
    flows: thresholdValue.optional(),
    tcp_pps: thresholdValue.optional(),
    tcp_mbps: thresholdValue.optional(),
    syn_pps: thresholdValue.optional(),
    syn_mbps: thresholdValue.optional(),
    udp_pps: thresholdValue.optional(),
    udp_mbps: thresholdValue.optional(),
    icmp_pps: thresholdValue.optional(),
    icmp_mbps: thresholdValue.optional(),
    fragments_pps: thresholdValue.optional(),
    fragments_mbps: thresholdValue.optional(),
  })
  .strict();

export type DirectionThresholds = z.infer<typeof directionThresholdsSchema>;
export type PartialDirectionThresholds = z.infer<typeof partialDirectionThresholdsSchema>;

const fullThresholdDefaults = (): DirectionThresholds => directionThresholdsSchema.parse({});

export const thresholdsSchema = z
  .object({
    incoming: directionThresholdsSchema.default(fullThresholdDefaults()),
    outgoing: directionThresholdsSchema.default(fullThresholdDefaults()),
  })
  .strict();

export const groupSchema = z
  .object({
    description: z.string().optional(),
    /** IPv4/IPv6 prefixes of the group. A host belongs to the group with the most specific prefix containing it. */
    prefixes: z.array(cidrSchema).min(1),
    thresholds: z
      .object({
        incoming: partialDirectionThresholdsSchema.optional(),
        outgoing: partialDirectionThresholdsSchema.optional(),
      })
      .strict()
      .optional(),
    trigger_seconds: z.number().int().min(1).max(MAX_TRIGGER_SECONDS).optional(),
    end_seconds: z.number().int().min(1).max(86_400).optional(),
  })
  .strict();

export const fingerprintSchema = z
  .object({
    /** Captured samples older than this are left out of a fingerprint. */
    window_seconds: z.number().int().min(1).max(3600).default(10),
    /** Entries in each top list (ports, flags, lengths, prefixes). */
    top: z.number().int().min(1).max(50).default(5),
  })
  .strict();

export const detectionConfigSchema = z
  .object({
    /**
     * Time constant of the exponential average, seconds (FastNetMon's average_calculation_time):
     * avg = rate + e^(-period/average_seconds) × (avg − rate). 0: the average is the last second.
     */
    average_seconds: z.number().min(0).max(3600).default(5),
    /** A threshold fires after the rate has been above it for this many consecutive seconds. */
    trigger_seconds: z.number().int().min(1).max(MAX_TRIGGER_SECONDS).default(2),
    /** An attack ends after every threshold of its direction has been clear for this long. */
    end_seconds: z.number().int().min(1).max(86_400).default(30),
    /**
     * How sure a run of seconds above a threshold must be when the data is sampled. A 1-in-N
     * sampled count of k samples has relative error ~1/sqrt(k); each second above a threshold
     * gets a z-score (how many standard errors above it) and a run triggers when the combined
     * z-score of its seconds (Stouffer: Σz/sqrt(n)) reaches this value. 0 compares raw estimates.
     * Unsampled data has no sampling error and is never held back. See docs/performance.md for
     * false-alarm rates and delays by samples per second.
     */
    noise_sigmas: z.number().min(0).max(10).default(2.5),
    /** Samples of a host above this fraction of any threshold are captured for its fingerprint. */
    watch_fraction: z.number().gt(0).max(1).default(0.5),
    /** Bound on simultaneous attacks; further ones are counted and not started. */
    max_active_attacks: z.number().int().min(1).max(MAX_ACTIVE_ATTACKS_LIMIT).default(10_000),
    /** Ended attacks kept in memory for the API. */
    history_size: z.number().int().min(0).max(MAX_ATTACK_HISTORY).default(1000),
    thresholds: thresholdsSchema.default({ incoming: fullThresholdDefaults(), outgoing: fullThresholdDefaults() }),
    groups: z
      .record(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'group names are 1-64 characters: letters, digits, _ . -'), groupSchema)
      .default({}),
    fingerprint: fingerprintSchema.default(fingerprintSchema.parse({})),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    const names = Object.keys(cfg.groups);
    if (names.length > MAX_GROUPS) ctx.addIssue({ code: 'custom', path: ['groups'], message: `at most ${MAX_GROUPS} groups` });
    if (cfg.groups.global) ctx.addIssue({ code: 'custom', path: ['groups', 'global'], message: "'global' is the name of the defaults, pick another group name" });
    const seen = new Map<string, string>();
    for (const name of names) {
      cfg.groups[name].prefixes.forEach((text, i) => {
        const p = parsePrefix(text);
        if ('error' in p) return;
        const key = formatPrefix(p);
        const other = seen.get(key);
        if (other !== undefined) ctx.addIssue({ code: 'custom', path: ['groups', name, 'prefixes', i], message: `${key} is already in group '${other}'` });
        else seen.set(key, name);
      });
    }
  });

export type DetectionConfig = z.infer<typeof detectionConfigSchema>;
export type GroupConfig = z.infer<typeof groupSchema>;
