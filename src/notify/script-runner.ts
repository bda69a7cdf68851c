/**
 * Runs notify scripts: no shell (arguments are passed as an argv array, so an attack field can
 * never become a command), bounded concurrency with a bounded queue, a time limit (SIGTERM to the
 * script's whole process group, SIGKILL after a grace period — a shell script's `sleep` child
 * would otherwise keep the pipes open), and bounded capture of stdout/stderr, logged with the
 * exit code. FastNetMon ran each script in a detached thread with no limit at all (§4.2 of the
 * reference): one hanging script per attack piled up without bound.
 */
import { spawn } from 'node:child_process';
import type { Logger } from '../log.js';

export interface ScriptJob {
  path: string;
  args: string[];
  /** Written to stdin, then stdin is closed. Empty: closed at once. */
  stdin: string;
  env: Record<string, string>;
  /** For logs. */
  label: string;
}

export interface ScriptResult {
  label: string;
  path: string;
  args: string[];
  /** null when killed by a signal or never started. */
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  /** Spawn error (missing file, not executable). */
  error: string | null;
  stdout: string;
  stderr: string;
  truncated: boolean;
  durationMs: number;
}

export interface ScriptRunnerOptions {
  timeoutMs: number;
  killGraceMs: number;
  maxConcurrent: number;
  queueSize: number;
  maxOutputBytes: number;
  logger: Logger;
}

export interface ScriptRunnerStats {
  started: number;
  succeeded: number;
  failed: number;
  timedOut: number;
  dropped: number;
  running: number;
  queued: number;
}

export class ScriptRunner {
  private readonly queue: Array<{ job: ScriptJob; resolve: (r: ScriptResult) => void }> = [];
  private running = 0;
  private readonly idleWaiters: Array<() => void> = [];
  private readonly counts = { started: 0, succeeded: 0, failed: 0, timedOut: 0, dropped: 0 };

  constructor(private readonly opts: ScriptRunnerOptions) {}

  /** Queues a run; resolves with its result, or null at once when the queue is full (counted). */
  run(job: ScriptJob): Promise<ScriptResult | null> {
    if (this.running >= this.opts.maxConcurrent && this.queue.length >= this.opts.queueSize) {
      this.counts.dropped++;
      this.opts.logger.error({ script: job.path, label: job.label, queued: this.queue.length, dropped: this.counts.dropped }, 'notify script queue full: run dropped');
      return Promise.resolve(null);
    }
    return new Promise((resolve) => {
      this.queue.push({ job, resolve });
      this.pump();
    });
  }

  stats(): ScriptRunnerStats {
    return { ...this.counts, running: this.running, queued: this.queue.length };
  }

  /** Resolves when nothing is running or queued. */
  idle(): Promise<void> {
    if (this.running === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    while (this.running < this.opts.maxConcurrent && this.queue.length > 0) {
      const { job, resolve } = this.queue.shift()!;
      this.running++;
      this.counts.started++;
      this.exec(job).then((r) => {
        this.running--;
        this.finish(r);
        resolve(r);
        this.pump();
        if (this.running === 0 && this.queue.length === 0) for (const w of this.idleWaiters.splice(0)) w();
      });
    }
  }

  private finish(r: ScriptResult): void {
    const ok = r.exitCode === 0 && !r.timedOut && r.error === null;
    if (ok) this.counts.succeeded++;
    else this.counts.failed++;
    if (r.timedOut) this.counts.timedOut++;
    const fields = { script: r.path, args: r.args, label: r.label, exitCode: r.exitCode, signal: r.signal, timedOut: r.timedOut, error: r.error, stdout: r.stdout, stderr: r.stderr, truncated: r.truncated, ms: r.durationMs };
    if (ok) this.opts.logger.info(fields, 'notify script finished');
    else this.opts.logger.warn(fields, r.timedOut ? 'notify script timed out and was killed' : 'notify script failed');
  }

  private exec(job: ScriptJob): Promise<ScriptResult> {
    const t0 = performance.now();
    const max = this.opts.maxOutputBytes;
    return new Promise((resolve) => {
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let outLen = 0;
      let errLen = 0;
      let truncated = false;
      let timedOut = false;
      let spawnError: string | null = null;
      let done = false;
      let killTimer: NodeJS.Timeout | null = null;
      const child = spawn(job.path, job.args, {
        stdio: ['pipe', 'pipe', 'pipe'],
        env: { ...process.env, ...job.env },
        // Own process group, so the time limit reaches the script's children too.
        detached: true,
      });
      const signalGroup = (sig: NodeJS.Signals) => {
        if (child.pid === undefined) return;
        try {
          process.kill(-child.pid, sig);
        } catch {
          try {
            child.kill(sig);
          } catch {
            /* already gone */
          }
        }
      };
      const timer = setTimeout(() => {
        timedOut = true;
        signalGroup('SIGTERM');
        killTimer = setTimeout(() => signalGroup('SIGKILL'), this.opts.killGraceMs);
      }, this.opts.timeoutMs);
      const collect = (chunks: Buffer[], isOut: boolean) => (b: Buffer) => {
        const have = isOut ? outLen : errLen;
        if (have >= max) {
          truncated = true;
          return;
        }
        const take = b.subarray(0, max - have);
        if (take.length < b.length) truncated = true;
        chunks.push(take);
        if (isOut) outLen += take.length;
        else errLen += take.length;
      };
      child.stdout.on('data', collect(out, true));
      child.stderr.on('data', collect(err, false));
      // A script that does not read its stdin closes the pipe: EPIPE is its choice, not an error.
      child.stdin.on('error', () => {});
      const finish = (code: number | null, signal: string | null) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        if (killTimer) clearTimeout(killTimer);
        resolve({
          label: job.label,
          path: job.path,
          args: job.args,
          exitCode: code,
          signal,
          timedOut,
          error: spawnError,
          stdout: Buffer.concat(out).toString('utf8'),
          stderr: Buffer.concat(err).toString('utf8'),
          truncated,
          durationMs: Math.round(performance.now() - t0),
        });
      };
      child.on('error', (e) => {
        spawnError = e.message;
        // No 'close' follows a failed spawn.
        if (child.pid === undefined) finish(null, null);
      });
      child.on('close', (code, signal) => finish(code, signal));
      if (child.pid !== undefined) child.stdin.end(job.stdin);
    });
  }
}
