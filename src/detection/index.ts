/**
 * Attack detection: owns everything from per-second host counters to attack events. That is the
 * detection config and host groups with inherited settings (config.ts, groups.ts), the 1-second
 * tick with exponential averages, the consecutive-seconds and average triggers and the attack
 * lifecycle (detector.ts), the Attack record, the AttackSink the mitigation layer implements and
 * the bounded store of active and past attacks (attack.ts), fingerprints built from captured
 * samples (fingerprint.ts) and attack classification (classify.ts). The clock is injected: the
 * daemon calls `tick(nowMs)` every second; nothing here reads the time.
 */
export {
  detectionConfigSchema,
  directionThresholdsSchema,
  partialDirectionThresholdsSchema,
  thresholdsSchema,
  groupSchema,
  fingerprintSchema,
  DEFAULT_THRESHOLDS,
  MAX_TRIGGER_SECONDS,
  MAX_GROUPS,
  MAX_ACTIVE_ATTACKS_LIMIT,
  MAX_ATTACK_HISTORY,
  type DetectionConfig,
  type GroupConfig,
  type DirectionThresholds,
  type PartialDirectionThresholds,
} from './config.js';
export { GroupTable, GLOBAL_GROUP, type EffectiveGroup } from './groups.js';
export {
  AttackStore,
  NULL_ATTACK_SINK,
  RecordingAttackSink,
  type Attack,
  type AttackRates,
  type AttackSink,
  type AttackTrigger,
  type AttackType,
  type ThresholdHit,
} from './attack.js';
export { buildFingerprint, protocolName, tcpFlagNames, DOMINANT_SHARE, type Fingerprint, type ValueShare } from './fingerprint.js';
export { classify, dominantProtocol, AMPLIFICATION_PORTS, MIN_FINGERPRINT_SAMPLES, type Classification, type CategoryPackets } from './classify.js';
export {
  Detector,
  WATCH_LINGER_SECONDS,
  type DetectorDeps,
  type DetectorStats,
  type DetectorTickInfo,
  type HostView,
  type HostDirectionView,
} from './detector.js';
