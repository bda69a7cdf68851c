/**
 * Config schema of notifications: the FastNetMon-compatible notify script (and an optional
 * separate unban script) and JSON webhooks. Every queue and timeout has a bound here.
 */
import { z } from 'zod';

export const MAX_SCRIPT_CONCURRENCY = 64;
export const MAX_SCRIPT_QUEUE = 10_000;
export const MAX_WEBHOOKS = 16;
export const MAX_WEBHOOK_QUEUE = 100_000;
/** Output kept per stream of one script run, at most. */
export const MAX_SCRIPT_OUTPUT_BYTES = 1_048_576;

/** Tokens an argument template may use; each whole argument is substituted, never passed through a shell. */
export const ARG_TOKENS = ['ip', 'direction', 'pps', 'mbps', 'attack_type', 'attack_id', 'action', 'group', 'protocol'] as const;

const template = z
  .string()
  .min(1)
  .max(1000)
  .superRefine((s, ctx) => {
    for (const m of s.matchAll(/\{([^}]*)\}/g)) {
      if (!(ARG_TOKENS as readonly string[]).includes(m[1])) ctx.addIssue({ code: 'custom', message: `unknown token {${m[1]}} (known: ${ARG_TOKENS.map((t) => `{${t}}`).join(' ')})` });
    }
  });

export const scriptSchema = z
  .object({
    /** Executable run on ban (and on unban unless unban_path is set). null: no script. */
    path: z.string().min(1).nullable().default(null),
    /**
     * Arguments, split on spaces, then each token substituted. FastNetMon's contract is the
     * default: `<ip> <direction> <pps> ban|unban`. For scripts written as
     * `<script> <ip> <attack_type> <mbps>` use "{ip} {attack_type} {mbps}".
     */
    args: template.default('{ip} {direction} {pps} {action}'),
    /** A separate unban script; null: `path`. */
    unban_path: z.string().min(1).nullable().default(null),
    /** Its arguments; null: `args`. */
    unban_args: template.nullable().default(null),
    /**
     * What the script reads on stdin. text: FastNetMon's attack report on ban, nothing on unban;
     * json: the event as JSON (the webhook payload) on ban and unban; none: stdin closed at once.
     */
    stdin: z.enum(['text', 'json', 'none']).default('text'),
    /** The script is sent SIGTERM after this, and SIGKILL kill_grace_seconds later. */
    timeout_seconds: z.number().min(0.1).max(3600).default(30),
    kill_grace_seconds: z.number().min(0.1).max(600).default(5),
    max_concurrent: z.number().int().min(1).max(MAX_SCRIPT_CONCURRENCY).default(4),
    /** Runs waiting for a slot; past this, new runs are dropped and counted. */
    queue_size: z.number().int().min(1).max(MAX_SCRIPT_QUEUE).default(100),
    /** stdout and stderr kept (and logged) per run. */
    max_output_bytes: z.number().int().min(0).max(MAX_SCRIPT_OUTPUT_BYTES).default(4096),
    /** In mitigation dry-run, scripts usually act (push filters, open tickets): off unless asked. */
    run_in_dry_run: z.boolean().default(false),
  })
  .strict();

export const webhookSchema = z
  .object({
    url: z.url({ protocol: /^https?$/ }),
    events: z.array(z.enum(['ban', 'unban', 'update'])).min(1).default(['ban', 'unban', 'update']),
    headers: z.record(z.string(), z.string()).default({}),
    timeout_seconds: z.number().min(0.1).max(300).default(5),
    /** Further attempts after the first on a network error, timeout, 408, 429 or 5xx. */
    retries: z.number().int().min(0).max(100).default(5),
    backoff_initial_ms: z.number().int().min(1).max(600_000).default(1000),
    backoff_max_ms: z.number().int().min(1).max(3_600_000).default(60_000),
    /** Events waiting per webhook; past this, new ones are dropped and counted. */
    queue_size: z.number().int().min(1).max(MAX_WEBHOOK_QUEUE).default(1000),
  })
  .strict();

export const notifyConfigSchema = z
  .object({
    script: scriptSchema.default(scriptSchema.parse({})),
    webhooks: z.array(webhookSchema).max(MAX_WEBHOOKS).default([]),
    /** Minimum interval between 'update' events of one attack (passed to the mitigation manager). */
    update_interval_seconds: z.number().int().min(1).max(3600).default(10),
  })
  .strict();

export type NotifyConfig = z.infer<typeof notifyConfigSchema>;
export type ScriptConfig = z.infer<typeof scriptSchema>;
export type WebhookConfig = z.infer<typeof webhookSchema>;
