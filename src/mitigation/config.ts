/**
 * Config schema of mitigation: which actions each attack type gets (RTBH blackhole, FlowSpec),
 * FlowSpec templates with tiers by attack power ("rate-limit before discard"), RTBH communities
 * and next hops (RFC 7999 BLACKHOLE 65535:666, RFC 6666 discard prefixes for the next hop), ban
 * times, escalation to a covering prefix, and the safety limits that always apply. Host groups
 * are the detection groups: `mitigation.groups.<name>` overrides settings for the group of the
 * same name (kept separate so that the detection schema stays detection's own).
 */
import { z } from 'zod';
import { parseAddress } from '../net/ip.js';
import { parseCommunity, MAX_RATE_BYTES_PER_SECOND } from '../bgp/route.js';
import type { AttackType } from '../detection/attack.js';

/** Upper bound on max_active (each mitigation is a route on every speaker and router). */
export const MAX_ACTIVE_MITIGATIONS_LIMIT = 100_000;
/** Longest ban time accepted (one year); 0 means no automatic expiry. */
export const MAX_BAN_TIME_SECONDS = 31_536_000;
/** Tiers per FlowSpec template. */
export const MAX_TIERS = 16;

export const ATTACK_TYPES = [
  'syn_flood',
  'tcp_synack_flood',
  'tcp_ack_flood',
  'tcp_rst_flood',
  'udp_flood',
  'icmp_flood',
  'ip_fragmentation_flood',
  'amplification',
  'unknown',
] as const satisfies readonly AttackType[];

const communitySchema = z.string().refine((s) => parseCommunity(s) !== null, {
  message: 'not a community: ASN:VALUE (each part <= 65535) or a well-known name (blackhole, no-export, no-advertise, no-peer)',
});
const communitiesSchema = z.array(communitySchema).max(32);
const largeCommunitySchema = z.string().regex(/^\d{1,10}:\d{1,10}:\d{1,10}$/, 'large community: GLOBAL:LOCAL1:LOCAL2');

const addressOf = (version: 4 | 6) =>
  z.string().refine((s) => parseAddress(s)?.version === version, { message: `must be an IPv${version} address` });

export const nextHopSchema = z
  .object({
    /** RFC 6666 reserves 100::/64 for discard; RFC 5737 192.0.2.0/24 is the usual IPv4 discard next hop (routed to null0 on the routers). */
    ipv4: addressOf(4).default('192.0.2.1'),
    ipv6: addressOf(6).default('100::1'),
  })
  .strict();

const prefixLengthsSchema = (v4: number, v6: number) =>
  z
    .object({
      ipv4: z.number().int().min(1).max(32).default(v4),
      ipv6: z.number().int().min(1).max(128).default(v6),
    })
    .strict();

export const blackholeSchema = z
  .object({
    /** RFC 7999 BLACKHOLE plus no-export so the /32 never leaks past the neighbour AS. */
    communities: communitiesSchema.default(['65535:666', 'no-export']),
    large_communities: z.array(largeCommunitySchema).max(32).default([]),
    next_hop: nextHopSchema.default({ ipv4: '192.0.2.1', ipv6: '100::1' }),
    local_pref: z.number().int().min(0).max(0xffffffff).optional(),
  })
  .strict();

/** What a FlowSpec rule does with the matched traffic (RFC 8955 §7). */
export const flowspecActionSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('discard') }).strict(),
  z
    .object({
      type: z.literal('rate-limit'),
      /** RFC 8955 traffic-rate-bytes: bytes per second (Mbit/s × 125000). 0 is not allowed: use discard. */
      bytes_per_second: z.number().int().min(1).max(MAX_RATE_BYTES_PER_SECOND),
    })
    .strict(),
  z
    .object({
      type: z.literal('redirect'),
      /** Route target of the scrubbing VRF, "ASN:NN" (2-octet ASN). IPv4 only. */
      route_target: z.string().regex(/^\d{1,5}:\d{1,10}$/, 'route target: ASN:NN'),
    })
    .strict(),
  z.object({ type: z.literal('mark'), dscp: z.number().int().min(0).max(63) }).strict(),
]);
export type FlowspecActionConfig = z.infer<typeof flowspecActionSchema>;

export const tierSchema = z
  .object({
    /** The tier applies when the attack's peak is above this many Mbit/s (or above_pps). */
    above_mbps: z.number().min(0).optional(),
    above_pps: z.number().min(0).optional(),
    action: flowspecActionSchema,
  })
  .strict();
export type TierConfig = z.infer<typeof tierSchema>;

const TCP_FLAG_KEYS = ['fin', 'syn', 'rst', 'push', 'ack', 'urg', 'ece', 'cwr'] as const;

export const flowspecTemplateSchema = z
  .object({
    /**
     * Fingerprint values put into the rule when the fingerprint has a dominant value for them
     * (at least 80 % of the packets) with enough confidence. The destination is always the host.
     */
    match: z
      .object({
        protocol: z.boolean().default(true),
        source_port: z.boolean().default(true),
        destination_port: z.boolean().default(true),
        tcp_flags: z.boolean().default(true),
        packet_length: z.boolean().default(false),
        fragment: z.boolean().default(true),
      })
      .strict()
      .default({ protocol: true, source_port: true, destination_port: true, tcp_flags: true, packet_length: false, fragment: true }),
    /** Fixed TCP flags to match whatever the fingerprint says (syn_flood: syn set, ack clear). */
    tcp_flags: z.partialRecord(z.enum(TCP_FLAG_KEYS), z.boolean()).optional(),
    /** Fixed IP protocols to match (overrides the one implied by the attack type). */
    protocols: z.array(z.number().int().min(0).max(255)).min(1).max(8).optional(),
    /** First tier whose threshold the attack's peak exceeds wins; a tier without thresholds always applies. Order: strictest first. */
    tiers: z.array(tierSchema).min(1).max(MAX_TIERS),
    communities: communitiesSchema.default([]),
  })
  .strict();
export type FlowspecTemplate = z.infer<typeof flowspecTemplateSchema>;

export const ACTION_NAMES = ['blackhole', 'flowspec'] as const;
export type ActionName = (typeof ACTION_NAMES)[number];
const actionListSchema = z.array(z.enum(ACTION_NAMES)).max(2);
const typeKeys = [...ATTACK_TYPES, 'default'] as const;
export type TemplateKey = (typeof typeKeys)[number];

/** Actions per attack type; 'default' covers the types not listed. An empty list: detect and notify only. */
export const actionsSchema = z.partialRecord(z.enum(typeKeys), actionListSchema);
export const templatesSchema = z.partialRecord(z.enum(typeKeys), flowspecTemplateSchema);

const rateTiers = (): TierConfig[] => [
  { above_mbps: 10_000, action: { type: 'discard' } },
  { above_mbps: 1_000, action: { type: 'rate-limit', bytes_per_second: 100_000 } },
  { action: { type: 'rate-limit', bytes_per_second: 10_000 } },
];
const tpl = (t: Partial<FlowspecTemplate> & Pick<FlowspecTemplate, 'tiers'>): FlowspecTemplate => flowspecTemplateSchema.parse(t);

/** Shipped templates: rate-limit floods by tier, discard what is never legitimate at scale. */
export function defaultTemplates(): Partial<Record<TemplateKey, FlowspecTemplate>> {
  return {
    default: tpl({ tiers: rateTiers() }),
    udp_flood: tpl({ tiers: rateTiers() }),
    icmp_flood: tpl({ tiers: rateTiers() }),
    ip_fragmentation_flood: tpl({ tiers: rateTiers() }),
    // A SYN without ACK to one host at flood rate is never a wanted connection attempt at that volume.
    syn_flood: tpl({ tcp_flags: { syn: true, ack: false }, tiers: [{ action: { type: 'discard' } }] }),
    // Reflected replies from a well-known UDP service port the host did not query.
    amplification: tpl({ protocols: [17], tiers: [{ action: { type: 'discard' } }] }),
  };
}

let shippedTemplates: Partial<Record<TemplateKey, FlowspecTemplate>> | null = null;
function shipped(): Partial<Record<TemplateKey, FlowspecTemplate>> {
  shippedTemplates ??= defaultTemplates();
  return shippedTemplates;
}

const emergencySchema = z
  .object({
    mbps: z.union([z.number().positive(), z.literal(false)]).default(false),
    pps: z.union([z.number().positive(), z.literal(false)]).default(false),
  })
  .strict();

export const escalationSchema = z
  .object({
    enabled: z.boolean().default(false),
    /**
     * Emergency thresholds on the attack's current rates: a host that is already blackholed and
     * still above one of these (the blackhole is not enough: upstream ignores it, or the link
     * itself is full) gets its covering prefix announced.
     */
    thresholds: z
      .object({
        incoming: emergencySchema.default({ mbps: false, pps: false }),
        outgoing: emergencySchema.default({ mbps: false, pps: false }),
      })
      .strict()
      .default({ incoming: { mbps: false, pps: false }, outgoing: { mbps: false, pps: false } }),
    prefix_length: prefixLengthsSchema(24, 48).default({ ipv4: 24, ipv6: 48 }),
    communities: communitiesSchema.default(['65535:666', 'no-export']),
    next_hop: nextHopSchema.default({ ipv4: '192.0.2.1', ipv6: '100::1' }),
  })
  .strict();

/** Settings a host group can override; unset keys come from the global settings. */
export const mitigationGroupSchema = z
  .object({
    actions: actionsSchema.optional(),
    ban_time_seconds: z.number().int().min(0).max(MAX_BAN_TIME_SECONDS).optional(),
    unban_only_if_attack_finished: z.boolean().optional(),
    /** Keys not set here come from the global blackhole settings. */
    blackhole: z
      .object({
        communities: communitiesSchema.optional(),
        large_communities: z.array(largeCommunitySchema).max(32).optional(),
        next_hop: z.object({ ipv4: addressOf(4).optional(), ipv6: addressOf(6).optional() }).strict().optional(),
        local_pref: z.number().int().min(0).max(0xffffffff).optional(),
      })
      .strict()
      .optional(),
    flowspec_templates: templatesSchema.optional(),
    escalation: z
      .object({
        enabled: z.boolean().optional(),
        thresholds: escalationSchema.shape.thresholds.optional(),
      })
      .strict()
      .optional(),
  })
  .strict();
export type MitigationGroupConfig = z.infer<typeof mitigationGroupSchema>;

export const safetySchema = z
  .object({
    /** Shortest prefix ever announced (also for escalation); /0 is never announced whatever this says. */
    min_prefix_length: prefixLengthsSchema(24, 48).default({ ipv4: 24, ipv6: 48 }),
    /** Cap on active mitigations (routes); further ones are refused and counted. */
    max_active: z.number().int().min(1).max(MAX_ACTIVE_MITIGATIONS_LIMIT).default(1000),
  })
  .strict();

export const mitigationConfigSchema = z
  .object({
    /** Act on detected attacks at all (manual bans work either way). */
    enabled: z.boolean().default(true),
    /** Decide, record and notify, but announce nothing (desiredRoutes() stays empty). */
    dry_run: z.boolean().default(false),
    /** Default actions: blackhole for every type, as FastNetMon does. */
    actions: actionsSchema.default({ default: ['blackhole'] }),
    /** FastNetMon's ban_time (its shipped config: 1900). 0: no automatic expiry. */
    ban_time_seconds: z.number().int().min(0).max(MAX_BAN_TIME_SECONDS).default(1900),
    /** Keep a detection's mitigation past its ban time until the attack has ended (FastNetMon's unban_only_if_attack_finished, here for IPv6 too). */
    unban_only_if_attack_finished: z.boolean().default(true),
    /** Withdraw every route when the daemon stops (they are restored from the store on start). */
    withdraw_on_shutdown: z.boolean().default(false),
    blackhole: blackholeSchema.default(blackholeSchema.parse({})),
    flowspec: z
      .object({
        /** Templates by attack type, merged over the shipped ones; a type without a template uses 'default'. */
        templates: templatesSchema.default(defaultTemplates()),
        /** Fingerprint values are used only when the fingerprint's confidence is at least this. */
        min_confidence: z.number().min(0).max(1).default(0.8),
      })
      .strict()
      .default({ templates: defaultTemplates(), min_confidence: 0.8 }),
    escalation: escalationSchema.default(escalationSchema.parse({})),
    safety: safetySchema.default(safetySchema.parse({})),
    /** Audit trail and attack history older than this are pruned (hourly). */
    history_retention_days: z.number().int().min(1).max(3650).default(90),
    groups: z.record(z.string(), mitigationGroupSchema).default({}),
  })
  .strict();

export type MitigationConfig = z.infer<typeof mitigationConfigSchema>;
export type BlackholeConfig = z.infer<typeof blackholeSchema>;
export type EscalationConfig = z.infer<typeof escalationSchema>;

/** The effective settings of one host group (global settings overridden by the group's). */
export interface GroupPolicy {
  name: string;
  actions: Partial<Record<TemplateKey, ActionName[]>>;
  banTimeSeconds: number;
  unbanOnlyIfAttackFinished: boolean;
  blackhole: BlackholeConfig;
  templates: Partial<Record<TemplateKey, FlowspecTemplate>>;
  escalation: EscalationConfig;
}

/** Merges global and group settings; `name` not in `groups` (or 'global') gives the global policy. */
export function groupPolicy(cfg: MitigationConfig, name: string): GroupPolicy {
  const g = cfg.groups[name] ?? {};
  return {
    name,
    actions: g.actions ?? cfg.actions,
    banTimeSeconds: g.ban_time_seconds ?? cfg.ban_time_seconds,
    unbanOnlyIfAttackFinished: g.unban_only_if_attack_finished ?? cfg.unban_only_if_attack_finished,
    blackhole: {
      communities: g.blackhole?.communities ?? cfg.blackhole.communities,
      large_communities: g.blackhole?.large_communities ?? cfg.blackhole.large_communities,
      next_hop: { ipv4: g.blackhole?.next_hop?.ipv4 ?? cfg.blackhole.next_hop.ipv4, ipv6: g.blackhole?.next_hop?.ipv6 ?? cfg.blackhole.next_hop.ipv6 },
      local_pref: g.blackhole?.local_pref ?? cfg.blackhole.local_pref,
    },
    // Templates an operator sets are merged over the shipped ones, so configuring udp_flood does not drop syn_flood.
    templates: { ...shipped(), ...cfg.flowspec.templates, ...(g.flowspec_templates ?? {}) },
    escalation: {
      ...cfg.escalation,
      enabled: g.escalation?.enabled ?? cfg.escalation.enabled,
      thresholds: g.escalation?.thresholds ?? cfg.escalation.thresholds,
    },
  };
}

/** Actions for an attack type under a policy: its own list, else 'default', else none. */
export function actionsFor(p: GroupPolicy, type: AttackType): ActionName[] {
  return p.actions[type] ?? p.actions.default ?? [];
}

export function templateFor(p: GroupPolicy, type: AttackType): FlowspecTemplate | null {
  return p.templates[type] ?? p.templates.default ?? null;
}

/**
 * Problems with `mitigation.groups` against the detection groups (the root schema calls this):
 * a mitigation group must name a detection group, or its settings would silently never apply.
 */
export function checkMitigationGroups(cfg: MitigationConfig, detectionGroups: string[]): Array<{ path: string[]; message: string }> {
  const known = new Set(detectionGroups);
  return Object.keys(cfg.groups)
    .filter((n) => !known.has(n))
    .map((n) => ({ path: ['mitigation', 'groups', n], message: `no detection group '${n}' (detection.groups has: ${detectionGroups.join(', ') || 'none'})` }));
}
