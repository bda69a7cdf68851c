/**
 * Mitigation: owns the decision of what BGP should carry. That is the policy (config.ts: actions
 * per attack type and host group, FlowSpec templates and tiers by attack power, RTBH communities
 * and next hops, ban times, escalation, safety limits), the FlowSpec rule builder from attack
 * fingerprints (flowspec-builder.ts), the safety checks every route passes (safety.ts), the
 * manager that keeps the DESIRED set of mitigations and implements the detector's AttackSink and
 * the manual operations of the API (manager.ts), and its persistence with the audit trail and
 * attack history in the state database (store.ts). It never talks to a BGP speaker: the daemon's
 * reconcilers (src/bgp/) converge speakers to `desiredRoutes()` whenever `onChange` fires.
 */
export {
  mitigationConfigSchema,
  mitigationGroupSchema,
  flowspecTemplateSchema,
  flowspecActionSchema,
  tierSchema,
  defaultTemplates,
  groupPolicy,
  actionsFor,
  templateFor,
  checkMitigationGroups,
  ATTACK_TYPES,
  MAX_ACTIVE_MITIGATIONS_LIMIT,
  MAX_BAN_TIME_SECONDS,
  MAX_TIERS,
  type MitigationConfig,
  type MitigationGroupConfig,
  type FlowspecTemplate,
  type GroupPolicy,
  type ActionName,
} from './config.js';
export { buildFlowspecRule, buildFlowspecMatch, selectTier, type BuiltRule, type BuiltMatch } from './flowspec-builder.js';
export { checkRoute, REFUSAL_REASONS, type RefusalReason, type SafetyNetworks } from './safety.js';
export {
  MitigationManager,
  type MitigationDeps,
  type MitigationEvent,
  type MitigationEventType,
  type MitigationNotifier,
  type ManualResult,
  type MitigationStats,
} from './manager.js';
export {
  MitigationStore,
  MAX_AUDIT_ROWS,
  MAX_QUERY_ROWS,
  type Mitigation,
  type MitigationKind,
  type MitigationSource,
  type MitigationDetail,
  type AuditEntry,
  type AuditAction,
  type AttackRecord,
} from './store.js';
