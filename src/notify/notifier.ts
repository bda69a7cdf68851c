/**
 * The MitigationNotifier the daemon gives the mitigation manager: turns each ban, unban and
 * update into notify-script runs and webhook deliveries. `notify` never blocks and never throws:
 * the work is queued (bounded) and runs in the background.
 */
import type { Logger } from '../log.js';
import type { MitigationEvent, MitigationNotifier } from '../mitigation/manager.js';
import type { NotifyConfig } from './config.js';
import { eventPayload, expandArgs, scriptEnv, scriptValues, textReport } from './report.js';
import { ScriptRunner, type ScriptResult, type ScriptRunnerStats } from './script-runner.js';
import { WebhookSender, type WebhookStats } from './webhook.js';

export class Notifier implements MitigationNotifier {
  readonly scripts: ScriptRunner;
  readonly webhooks: WebhookSender[];
  /** The last script runs, for tests and the API (bounded). */
  readonly recent: ScriptResult[] = [];

  constructor(
    private readonly cfg: NotifyConfig,
    private readonly logger: Logger,
  ) {
    const s = cfg.script;
    this.scripts = new ScriptRunner({
      timeoutMs: s.timeout_seconds * 1000,
      killGraceMs: s.kill_grace_seconds * 1000,
      maxConcurrent: s.max_concurrent,
      queueSize: s.queue_size,
      maxOutputBytes: s.max_output_bytes,
      logger,
    });
    this.webhooks = cfg.webhooks.map((w) => new WebhookSender(w, logger));
  }

  notify(e: MitigationEvent): void {
    try {
      this.runScript(e);
      const wanted = this.webhooks.filter((w) => w.wants(e.type));
      if (wanted.length > 0) {
        const body = eventPayload(e);
        for (const w of wanted) w.send(body);
      }
    } catch (err) {
      this.logger.error({ err, event: e.type, host: e.host }, 'notification failed');
    }
  }

  private runScript(e: MitigationEvent): void {
    const s = this.cfg.script;
    if (e.type === 'update') return;
    if (e.dryRun && !s.run_in_dry_run) return;
    const path = e.type === 'unban' ? (s.unban_path ?? s.path) : s.path;
    if (!path) return;
    const template = e.type === 'unban' ? (s.unban_args ?? s.args) : s.args;
    const v = scriptValues(e);
    let stdin = '';
    if (s.stdin === 'json') stdin = `${JSON.stringify(eventPayload(e))}\n`;
    else if (s.stdin === 'text' && e.type === 'ban') stdin = textReport(e);
    void this.scripts
      .run({ path, args: expandArgs(template, v), stdin, env: scriptEnv(e, v), label: `${e.type} ${e.host}` })
      .then((r) => {
        if (!r) return;
        this.recent.push(r);
        if (this.recent.length > 100) this.recent.splice(0, this.recent.length - 100);
      });
  }

  stats(): { scripts: ScriptRunnerStats; webhooks: WebhookStats[] } {
    return { scripts: this.scripts.stats(), webhooks: this.webhooks.map((w) => w.stats()) };
  }

  /** Resolves when every queued script run and webhook delivery is done. */
  async idle(): Promise<void> {
    await Promise.all([this.scripts.idle(), ...this.webhooks.map((w) => w.idle())]);
  }

  /**
   * Shutdown: waits up to `graceMs` for queued work, then stops webhook retries (running scripts
   * keep their own time limit).
   */
  async stop(graceMs = 5000): Promise<void> {
    let t: NodeJS.Timeout | undefined;
    await Promise.race([this.idle(), new Promise<void>((r) => (t = setTimeout(r, graceMs)))]);
    clearTimeout(t);
    for (const w of this.webhooks) w.stop();
  }
}
