/**
 * Config schema for the BGP speakers section (`bgp:` in the root config) and the factory that
 * turns one entry into a Speaker plus its reconciler settings. Strict objects: a misspelt key is
 * an error with its path.
 */
import { z } from 'zod';
import type { Logger } from '../log.js';
import { parseAddress } from '../net/ip.js';
import type { Speaker } from './speaker.js';
import type { ReconcilerOptions } from './reconciler.js';
import { MemorySpeaker } from './memory/index.js';
import { ExabgpSpeaker, ExabgpPipeSpeaker } from './exabgp/index.js';
import { GobgpSpeaker, DEFAULT_GOBGP_PROTO_DIR } from './gobgp/index.js';

const ip = z.string().refine((s) => parseAddress(s) !== null, { message: 'must be an IPv4 or IPv6 address' });
const asn = z.number().int().min(1).max(4294967295);
const name = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, _ . - (1 to 64)');

/** Shared by every speaker type: how the reconciler converges it. */
const reconcile = {
  /** Full resync period (read the speaker's state, diff, fix). */
  resync_interval_seconds: z.number().int().min(1).max(86400).default(30),
  retry_initial_ms: z.number().int().min(10).max(60_000).default(1000),
  retry_max_ms: z.number().int().min(100).max(3_600_000).default(60_000),
  max_operations_per_pass: z.number().int().min(1).max(1_000_000).default(10_000),
};

export const exabgpNeighborSchema = z
  .object({
    address: ip,
    peer_as: asn,
    local_address: ip.optional(),
    hold_time: z.number().int().min(3).max(65535).default(90),
    families: z
      .array(z.enum(['ipv4 unicast', 'ipv6 unicast', 'ipv4 flow', 'ipv6 flow']))
      .min(1)
      .default(['ipv4 unicast', 'ipv6 unicast', 'ipv4 flow', 'ipv6 flow']),
    md5_password: z.string().min(1).max(80).optional(),
  })
  .strict();

export const exabgpSuperviseSchema = z
  .object({
    exabgp_path: z.string().min(1).default('exabgp'),
    /** Where the generated exabgp.conf is written. */
    work_dir: z.string().min(1).default('var/exabgp'),
    router_id: z.string().refine((s) => parseAddress(s)?.version === 4, { message: 'must be an IPv4 address' }),
    local_as: asn,
    local_address: ip,
    neighbors: z.array(exabgpNeighborSchema).min(1),
    /** Extra exabgp_* environment settings. */
    env: z.record(z.string().regex(/^exabgp[._][a-z._]+$/), z.string()).default({}),
    restart_delay_ms: z.number().int().min(100).max(60_000).default(1000),
  })
  .strict();

export const exabgpSpeakerSchema = z
  .object({
    type: z.literal('exabgp'),
    name: name.default('exabgp'),
    /** Unix socket the bridge (dist/src/bgp/exabgp/bridge.js, run by ExaBGP) connects to. */
    socket: z.string().min(1).default('/run/breakwater/exabgp.sock'),
    /** Octal string; ExaBGP's (possibly unprivileged) user must be able to write the socket. */
    socket_mode: z.string().regex(/^0?[0-7]{3}$/, 'octal permissions like "660"').default('660'),
    command_timeout_ms: z.number().int().min(100).max(600_000).default(10_000),
    /** Present: Breakwater starts and supervises ExaBGP from a generated config. */
    supervise: exabgpSuperviseSchema.optional(),
    ...reconcile,
  })
  .strict();

export const exabgpPipeSpeakerSchema = z
  .object({
    type: z.literal('exabgp-pipe'),
    name: name.default('exabgp-pipe'),
    /** Existing named pipe read by ExaBGP or its helper. No acks, no resync: see docs/bgp.md. */
    pipe: z.string().min(1).default('/var/run/exabgp.cmd'),
    ...reconcile,
  })
  .strict();

export const gobgpSpeakerSchema = z
  .object({
    type: z.literal('gobgp'),
    name: name.default('gobgp'),
    /** gRPC target: "host:port" or "unix:///path". */
    address: z.string().min(1).default('127.0.0.1:50051'),
    proto_dir: z.string().min(1).default(DEFAULT_GOBGP_PROTO_DIR),
    timeout_ms: z.number().int().min(100).max(600_000).default(5000),
    poll_interval_ms: z.number().int().min(100).max(600_000).default(2000),
    ...reconcile,
  })
  .strict();

export const memorySpeakerSchema = z
  .object({
    type: z.literal('memory'),
    name: name.default('memory'),
    ...reconcile,
  })
  .strict();

export const speakerConfigSchema = z.discriminatedUnion('type', [exabgpSpeakerSchema, exabgpPipeSpeakerSchema, gobgpSpeakerSchema, memorySpeakerSchema]);

export const bgpConfigSchema = z
  .object({
    speakers: z.array(speakerConfigSchema).max(16).default([]),
  })
  .strict()
  .superRefine((c, ctx) => {
    const seen = new Set<string>();
    c.speakers.forEach((s, i) => {
      if (seen.has(s.name)) ctx.addIssue({ code: 'custom', path: ['speakers', i, 'name'], message: `duplicate speaker name '${s.name}'` });
      seen.add(s.name);
    });
  });

export type SpeakerConfig = z.infer<typeof speakerConfigSchema>;
export type BgpConfig = z.infer<typeof bgpConfigSchema>;

export interface SpeakerDeps {
  logger?: Logger;
  now?: () => number;
}

/** Builds the driver for one configured speaker (inert until start()). */
export function createSpeaker(c: SpeakerConfig, deps: SpeakerDeps = {}): Speaker {
  const logger = deps.logger?.child({ speaker: c.name });
  switch (c.type) {
    case 'memory':
      return new MemorySpeaker({ name: c.name, now: deps.now });
    case 'exabgp-pipe':
      return new ExabgpPipeSpeaker({ name: c.name, pipePath: c.pipe, now: deps.now });
    case 'gobgp':
      return new GobgpSpeaker({ name: c.name, address: c.address, protoDir: c.proto_dir, timeoutMs: c.timeout_ms, pollIntervalMs: c.poll_interval_ms, logger, now: deps.now });
    case 'exabgp':
      return new ExabgpSpeaker({
        name: c.name,
        socketPath: c.socket,
        socketMode: parseInt(c.socket_mode, 8),
        commandTimeoutMs: c.command_timeout_ms,
        logger,
        now: deps.now,
        supervise: c.supervise && {
          exabgpPath: c.supervise.exabgp_path,
          workDir: c.supervise.work_dir,
          routerId: c.supervise.router_id,
          localAs: c.supervise.local_as,
          localAddress: c.supervise.local_address,
          neighbors: c.supervise.neighbors.map((n) => ({
            address: n.address,
            peerAs: n.peer_as,
            localAddress: n.local_address,
            holdTime: n.hold_time,
            families: n.families,
            md5Password: n.md5_password,
          })),
          env: c.supervise.env,
          restartDelayMs: c.supervise.restart_delay_ms,
        },
      });
  }
}

export function reconcilerOptionsFor(c: SpeakerConfig, logger?: Logger): ReconcilerOptions {
  return {
    intervalMs: c.resync_interval_seconds * 1000,
    retryInitialMs: c.retry_initial_ms,
    retryMaxMs: c.retry_max_ms,
    maxOperationsPerPass: c.max_operations_per_pass,
    logger: logger?.child({ speaker: c.name }),
  };
}
