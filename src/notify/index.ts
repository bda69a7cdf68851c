/**
 * Notifications of mitigation events: owns the FastNetMon-compatible notify script contract
 * (`<script> <ip> <direction> <pps> ban|unban`, the attack report on stdin, ATTACK_* environment
 * variables, a configurable argument template, an optional separate unban script), its time
 * limit, output capture and bounded concurrency (script-runner.ts), JSON webhooks with retries
 * and bounded queues (webhook.ts), the payloads (report.ts) and the config (config.ts). The
 * Notifier (notifier.ts) is what the mitigation manager is given as its MitigationNotifier.
 */
export {
  notifyConfigSchema,
  scriptSchema,
  webhookSchema,
  ARG_TOKENS,
  MAX_SCRIPT_CONCURRENCY,
  MAX_SCRIPT_QUEUE,
  MAX_WEBHOOKS,
  MAX_WEBHOOK_QUEUE,
  MAX_SCRIPT_OUTPUT_BYTES,
  type NotifyConfig,
  type ScriptConfig,
  type WebhookConfig,
} from './config.js';
export { Notifier } from './notifier.js';
export { ScriptRunner, type ScriptJob, type ScriptResult, type ScriptRunnerOptions, type ScriptRunnerStats } from './script-runner.js';
export { WebhookSender, type WebhookStats } from './webhook.js';
export { eventPayload, textReport, expandArgs, scriptEnv, scriptValues, type EventPayload, type ScriptValues } from './report.js';
