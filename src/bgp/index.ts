/**
 * BGP speaker layer: turns the desired set of mitigation routes (RTBH unicast, FlowSpec) into
 * announcements through real speakers and keeps them right. It owns the route model and its
 * canonical keys (route.ts), the Speaker contract (speaker.ts), the reconciler that converges a
 * speaker to the desired set by diff on start, on speaker/session comeback and periodically
 * (reconciler.ts), the drivers — ExaBGP 4.2 via its process API and a bridge program, ExaBGP via a
 * named pipe, GoBGP v3 via gRPC, in-memory for tests and dry-run — and their config schema.
 * It does not decide what to announce (policy, safety caps, ban timers, persistence live in
 * src/mitigation/); it only converges speakers to what it is given.
 */
export * from './route.js';
export * from './speaker.js';
export { Reconciler, diffRoutes, RECONCILER_DEFAULTS, type ReconcilerOptions, type ReconcilerStatus, type RouteDiff, type SyncResult } from './reconciler.js';
export { SpeakerSet, type SpeakerStatus } from './speaker-set.js';
export {
  bgpConfigSchema, speakerConfigSchema, exabgpSpeakerSchema, exabgpPipeSpeakerSchema, gobgpSpeakerSchema, memorySpeakerSchema,
  exabgpSuperviseSchema, exabgpNeighborSchema, createSpeaker, reconcilerOptionsFor,
  type BgpConfig, type SpeakerConfig, type SpeakerDeps,
} from './config.js';
export { MemorySpeaker } from './memory/index.js';
export { ExabgpSpeaker, ExabgpPipeSpeaker, ExabgpSupervisor, renderExabgpConfig } from './exabgp/index.js';
export { GobgpSpeaker } from './gobgp/index.js';
