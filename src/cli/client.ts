/**
 * How the CLI talks to a running daemon: only through its HTTP API (docs/api.md). This module owns
 * the connection options every client command accepts (URL, credentials, TLS), turning API answers
 * into the CLI's exit codes, and reading the Server-Sent Events stream.
 *
 * It uses node:http/node:https rather than the global fetch so that `--insecure` can skip TLS
 * verification for one request (`rejectUnauthorized: false`) without a dependency and without
 * NODE_TLS_REJECT_UNAUTHORIZED, which would turn verification off for the whole process.
 *
 * Exit codes: 0 ok, 1 runtime or API failure (daemon unreachable, authentication, refused by the
 * safety checks), 2 usage or invalid input (a 400/422 answer included), 3 not found.
 */
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';

export const EXIT = { OK: 0, FAILURE: 1, USAGE: 2, NOT_FOUND: 3 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export const DEFAULT_URL = 'http://127.0.0.1:10007';
/** Default seconds to wait for an answer (GET /hosts/:ip may wait up to one detection tick). */
export const DEFAULT_TIMEOUT_SECONDS = 10;
/** Largest response body read; the API's biggest answers (10,000 attacks) stay far below. */
export const MAX_RESPONSE_BYTES = 64 * 1024 * 1024;
/** Longest Server-Sent Events line buffered while waiting for its end. */
export const MAX_EVENT_BYTES = 4 * 1024 * 1024;

/** An error the CLI reports on stderr and exits with. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** A non-2xx answer of the API. */
export class ApiError extends CliError {
  constructor(
    message: string,
    exitCode: ExitCode,
    readonly status: number,
    readonly code: string,
    readonly problems: string[],
  ) {
    super(message, exitCode);
    this.name = 'ApiError';
  }
}

/** The connection flags as commander parsed them. */
export interface ConnectionFlags {
  url?: string;
  config?: string;
  user?: string;
  password?: string;
  token?: string;
  insecure?: boolean;
  timeout?: number;
  json?: boolean;
}

export type Credentials = { kind: 'basic'; user: string; password: string } | { kind: 'bearer'; token: string } | null;

export interface ConnectionOptions {
  url: string;
  credentials: Credentials;
  insecure: boolean;
  timeoutMs: number;
  /** Where the URL came from, for messages: --url, --config FILE, BREAKWATER_URL, default. */
  urlSource: string;
}

export interface ApiResponse {
  status: number;
  body: unknown;
}

export interface SseEvent {
  event: string;
  data: string;
}

// ------------------------------------------------------------------------------------- options

export function positiveSeconds(text: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0 || n > 86400) throw new InvalidArgumentError('expected a number of seconds between 0 and 86400');
  return n;
}

/** A commander argument parser for an integer in [min, max]. */
export function intIn(min: number, max: number): (text: string) => number {
  return (text: string) => {
    if (!/^\d+$/.test(text.trim())) throw new InvalidArgumentError(`expected an integer from ${min} to ${max}`);
    const n = Number(text);
    if (n < min || n > max) throw new InvalidArgumentError(`expected an integer from ${min} to ${max}`);
    return n;
  };
}

/**
 * Adds the connection options and `--json` to a command. Every client command has them itself,
 * so `breakwater mitigations ban IP --json --url U` works with the options anywhere after the
 * command name; group commands (attacks, mitigations) enable positional options so that the
 * options after a subcommand's name go to the subcommand. No defaults here: a value given to the
 * group before the subcommand name (read through optsWithGlobals) must not be shadowed by a
 * default of the subcommand; resolveConnection applies the defaults.
 */
export function withConnectionOptions(cmd: Command): Command {
  const group = 'Connection options:';
  const opt = (flags: string, description: string) => new Option(flags, description).helpGroup(group);
  return cmd
    .addOption(opt('--url <url>', `API base URL (default: $BREAKWATER_URL, else from --config, else ${DEFAULT_URL})`))
    .addOption(opt('-c, --config <file>', 'daemon config file: the API URL is taken from its api.address, api.port and api.tls'))
    .addOption(opt('--user <name>', 'API user for HTTP Basic auth (default: $BREAKWATER_USER)'))
    .addOption(opt('--password <password>', 'password of --user (default: $BREAKWATER_PASSWORD; asked for when stdin is a terminal)'))
    .addOption(opt('--token <token>', 'bearer token instead of a user (default: $BREAKWATER_TOKEN)'))
    .addOption(opt('--insecure', 'do not verify the TLS certificate of an https URL (self-signed certificates)'))
    .addOption(opt('--timeout <seconds>', `seconds to wait for an answer (default: ${DEFAULT_TIMEOUT_SECONDS})`).argParser(positiveSeconds))
    .option('--json', 'print the API response as JSON (for scripts)');
}

/** withConnectionOptions on a group command and all its subcommands (added last, so they are listed last in help). */
export function withConnectionOptionsTree(cmd: Command): Command {
  withConnectionOptions(cmd);
  for (const c of cmd.commands) withConnectionOptionsTree(c);
  return cmd;
}

/** Maps the api section of a daemon config to the URL a client on this machine connects to. */
export function urlFromApiConfig(api: { address: string; port: number; tls: unknown }): string {
  let host = api.address;
  // A daemon listening on every address is reached on loopback.
  if (host === '0.0.0.0') host = '127.0.0.1';
  else if (host === '::' || host === '[::]') host = '::1';
  if (host.includes(':') && !host.startsWith('[')) host = `[${host}]`;
  return `${api.tls ? 'https' : 'http'}://${host}:${api.port}`;
}

/** Reads only the api section of a config file (the rest may be invalid without keeping the CLI from connecting). */
async function urlFromConfigFile(path: string): Promise<string> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new CliError(`cannot read config ${path}: ${(e as Error).message}`, EXIT.USAGE);
  }
  const [{ parse }, { apiConfigSchema }] = await Promise.all([import('yaml'), import('../api/config.js')]);
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (e) {
    throw new CliError(`cannot parse config ${path}: ${(e as Error).message.split('\n')[0]}`, EXIT.USAGE);
  }
  const section = raw && typeof raw === 'object' ? (raw as Record<string, unknown>).api : undefined;
  const r = apiConfigSchema.safeParse(section ?? {});
  if (!r.success) {
    throw new CliError(`invalid api section in ${path}: ${r.error.issues.map((i) => `api.${i.path.join('.')}: ${i.message}`).join('; ')}`, EXIT.USAGE);
  }
  if (!r.data.enabled) throw new CliError(`the API is disabled in ${path} (api.enabled: false); the CLI talks to the daemon only through it`, EXIT.USAGE);
  return urlFromApiConfig(r.data);
}

/** Resolves URL and credentials: flags first, then the environment, then defaults. */
export async function resolveConnection(flags: ConnectionFlags, env: NodeJS.ProcessEnv = process.env): Promise<ConnectionOptions> {
  let url: string;
  let urlSource: string;
  if (flags.url) {
    url = flags.url;
    urlSource = '--url';
  } else if (flags.config) {
    url = await urlFromConfigFile(flags.config);
    urlSource = `--config ${flags.config}`;
  } else if (env.BREAKWATER_URL) {
    url = env.BREAKWATER_URL;
    urlSource = 'BREAKWATER_URL';
  } else {
    url = DEFAULT_URL;
    urlSource = 'default';
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new CliError(`invalid API URL '${url}' (from ${urlSource}): expected http://HOST:PORT or https://HOST:PORT`, EXIT.USAGE);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new CliError(`invalid API URL '${url}' (from ${urlSource}): the scheme must be http or https`, EXIT.USAGE);
  }
  if (flags.user && flags.token) throw new CliError('give either --user or --token, not both', EXIT.USAGE);
  let credentials: Credentials = null;
  const basic = async (user: string): Promise<Credentials> => {
    let password = flags.password ?? env.BREAKWATER_PASSWORD;
    if (password === undefined) {
      if (!process.stdin.isTTY) throw new CliError(`user ${user} needs a password: give --password or set BREAKWATER_PASSWORD`, EXIT.USAGE);
      password = await promptHidden(`password for ${user} at ${url}: `);
    }
    return { kind: 'basic', user, password };
  };
  if (flags.token) credentials = { kind: 'bearer', token: flags.token };
  else if (flags.user) credentials = await basic(flags.user);
  else if (env.BREAKWATER_TOKEN) credentials = { kind: 'bearer', token: env.BREAKWATER_TOKEN };
  else if (env.BREAKWATER_USER) credentials = await basic(env.BREAKWATER_USER);
  else if (flags.password) throw new CliError('--password needs --user (or BREAKWATER_USER)', EXIT.USAGE);
  return {
    url: parsed.href.replace(/\/+$/, ''),
    credentials,
    insecure: flags.insecure === true,
    timeoutMs: Math.round((flags.timeout ?? DEFAULT_TIMEOUT_SECONDS) * 1000),
    urlSource,
  };
}

/** The client for a command's action: its own and its parents' connection options. */
export async function clientFor(cmd: Command): Promise<ApiClient> {
  return new ApiClient(await resolveConnection(cmd.optsWithGlobals<ConnectionFlags>()));
}

/** True when the command (or a parent) was given --json. */
export function wantsJson(cmd: Command): boolean {
  return cmd.optsWithGlobals<ConnectionFlags>().json === true;
}

// -------------------------------------------------------------------------------------- client

const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'ETIMEDOUT']);
const TLS_VERIFY_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_HAS_EXPIRED',
]);

export class ApiClient {
  constructor(readonly opts: ConnectionOptions) {}

  get url(): string {
    return this.opts.url;
  }

  /** GET/POST/DELETE with a JSON body; the parsed answer of any status (errors only for transport failures). */
  async request(method: string, path: string, body?: unknown): Promise<ApiResponse> {
    const res = await this.open(method, path, body, false);
    const text = await readBody(res, MAX_RESPONSE_BYTES, this.url);
    let parsed: unknown = text;
    const type = String(res.headers['content-type'] ?? '');
    if (type.includes('json') || /^\s*[{[]/.test(text)) {
      try {
        parsed = JSON.parse(text);
      } catch {
        throw new CliError(`unexpected answer from ${this.url}${path}: HTTP ${res.statusCode} with a body that is not JSON; is ${this.url} the Breakwater API?`, EXIT.FAILURE);
      }
    }
    return { status: res.statusCode ?? 0, body: parsed };
  }

  /** The parsed body of a 2xx answer; any other status becomes an ApiError with the CLI's exit code. */
  async call<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    const r = await this.request(method, path, body);
    if (r.status >= 200 && r.status < 300) {
      if (typeof r.body !== 'object' || r.body === null) throw new CliError(`unexpected answer from ${this.url}${path}: not a JSON object; is ${this.url} the Breakwater API?`, EXIT.FAILURE);
      return r.body as T;
    }
    throw this.errorOf(r, method, path);
  }

  get<T = unknown>(path: string): Promise<T> {
    return this.call<T>('GET', path);
  }

  /** The error for a non-2xx answer, with the API's message (it says what is wrong). */
  errorOf(r: ApiResponse, method: string, path: string): ApiError {
    const e = (r.body && typeof r.body === 'object' ? (r.body as { error?: { code?: unknown; message?: unknown; problems?: unknown } }).error : undefined) ?? {};
    const code = typeof e.code === 'string' ? e.code : `http_${r.status}`;
    const problems = Array.isArray(e.problems) ? e.problems.map(String) : [];
    let message = typeof e.message === 'string' ? e.message : typeof r.body === 'string' && r.body.trim() !== '' ? r.body.trim().slice(0, 300) : `HTTP ${r.status}`;
    if (problems.length > 1) message = `${message.split(';')[0]}:\n${problems.map((p) => `  - ${p}`).join('\n')}`;
    switch (r.status) {
      case 401: {
        const how = 'give --user and --password (or BREAKWATER_USER and BREAKWATER_PASSWORD), or --token (BREAKWATER_TOKEN)';
        const text = this.opts.credentials === null ? `the API at ${this.url} requires authentication: ${how}` : `authentication failed at ${this.url}: ${message}; ${how}`;
        return new ApiError(text, EXIT.FAILURE, r.status, code, problems);
      }
      case 403:
        return new ApiError(`permission denied: ${message}`, EXIT.FAILURE, r.status, code, problems);
      case 404:
        return new ApiError(code === 'not_found' && /^no route /.test(message) ? `${message}: is ${this.url} a Breakwater daemon of the same version?` : message, EXIT.NOT_FOUND, r.status, code, problems);
      case 400:
      case 413:
      case 422:
        return new ApiError(message, EXIT.USAGE, r.status, code, problems);
      case 409:
        return new ApiError(`refused: ${message}`, EXIT.FAILURE, r.status, code, problems);
      default:
        return new ApiError(`${method} ${path} failed at ${this.url}: HTTP ${r.status}: ${message}`, EXIT.FAILURE, r.status, code, problems);
    }
  }

  /**
   * Reads a Server-Sent Events stream, calling onEvent for each event, until the server closes
   * it ('ended') or the signal aborts ('aborted'). Comments (pings) are skipped. Throws only
   * before the stream is open (unreachable, an error answer).
   */
  async stream(path: string, onEvent: (e: SseEvent) => void, signal: AbortSignal, onOpen?: () => void): Promise<'ended' | 'aborted'> {
    if (signal.aborted) return 'aborted';
    const res = await this.open('GET', path, undefined, true, signal);
    if (res.statusCode !== 200) {
      const text = await readBody(res, MAX_RESPONSE_BYTES, this.url);
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        /* keep the text */
      }
      throw this.errorOf({ status: res.statusCode ?? 0, body }, 'GET', path);
    }
    res.setEncoding('utf8');
    onOpen?.();
    const parser = new SseParser(onEvent);
    return new Promise((resolve, reject) => {
      let done = false;
      const finish = (how: 'ended' | 'aborted', err?: Error) => {
        if (done) return;
        done = true;
        signal.removeEventListener('abort', onAbort);
        res.destroy();
        if (err) reject(err);
        else resolve(how);
      };
      const onAbort = () => finish('aborted');
      signal.addEventListener('abort', onAbort);
      res.on('data', (chunk: string) => {
        try {
          parser.push(chunk);
        } catch (e) {
          finish('ended', e as Error);
        }
      });
      res.on('end', () => finish('ended'));
      res.on('close', () => finish(signal.aborted ? 'aborted' : 'ended'));
      // Once the stream is open, a connection cut by the server (daemon stopping) is its end.
      res.on('error', () => finish(signal.aborted ? 'aborted' : 'ended'));
    });
  }

  private open(method: string, path: string, body: unknown, streaming: boolean, signal?: AbortSignal): Promise<IncomingMessage> {
    const target = new URL(this.url + path);
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers: Record<string, string> = { accept: streaming ? 'text/event-stream' : 'application/json', 'user-agent': 'breakwater-cli' };
    const c = this.opts.credentials;
    if (c?.kind === 'basic') headers.authorization = `Basic ${Buffer.from(`${c.user}:${c.password}`).toString('base64')}`;
    else if (c?.kind === 'bearer') headers.authorization = `Bearer ${c.token}`;
    if (payload) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(payload.length);
    }
    const isHttps = target.protocol === 'https:';
    const mod = isHttps ? https : http;
    return new Promise((resolve, reject) => {
      const req = mod.request(target, { method, headers, agent: false, ...(isHttps ? { rejectUnauthorized: !this.opts.insecure } : {}), ...(signal ? { signal } : {}) }, (res) => {
        // A stream stays quiet between pings: the timeout covers connecting and the headers only.
        if (streaming) req.setTimeout(0);
        resolve(res);
      });
      req.setTimeout(this.opts.timeoutMs, () => req.destroy(Object.assign(new Error(`no answer within ${this.opts.timeoutMs / 1000} s`), { code: 'ETIMEDOUT' })));
      req.on('error', (e) => reject(this.transportError(e, path)));
      req.end(payload);
    });
  }

  /** A transport failure as a CliError that names the URL and says what to check. */
  transportError(e: Error, path: string): CliError {
    const code = (e as NodeJS.ErrnoException).code ?? '';
    const where = this.url;
    if (e.name === 'AbortError') return new CliError('aborted', EXIT.FAILURE);
    if (UNREACHABLE_CODES.has(code)) {
      const from = this.opts.urlSource === 'default' ? ' (the default URL)' : ` (from ${this.opts.urlSource})`;
      return new CliError(
        `cannot reach the Breakwater API at ${where}${from}: ${e.message}\n` +
          '  Is the daemon running? Start it with `breakwater run --config FILE`.\n' +
          "  If it runs, check api.enabled, api.address and api.port in its config and pass --url URL or --config FILE.",
        EXIT.FAILURE,
      );
    }
    if (TLS_VERIFY_CODES.has(code)) {
      return new CliError(`TLS certificate of ${where} not accepted: ${e.message} (${code}); for a self-signed certificate pass --insecure`, EXIT.FAILURE);
    }
    if (code === 'EPROTO' || /wrong version number|packet length too long/i.test(e.message)) {
      return new CliError(`TLS handshake with ${where} failed: ${e.message}; does the API use TLS (api.tls)? try ${where.replace(/^https:/, 'http:')}`, EXIT.FAILURE);
    }
    if (code === 'ECONNRESET' || code.startsWith('HPE_') || /socket hang up/.test(e.message)) {
      const hint = where.startsWith('http:') ? `; if the API uses TLS (api.tls), use ${where.replace(/^http:/, 'https:')}` : '';
      return new CliError(`the connection to ${where} failed during ${path}: ${e.message}${hint}`, EXIT.FAILURE);
    }
    return new CliError(`request to ${where}${path} failed: ${e.message}${code ? ` (${code})` : ''}`, EXIT.FAILURE);
  }
}

function readBody(res: IncomingMessage, limit: number, url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    res.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        res.destroy();
        reject(new CliError(`answer from ${url} larger than ${limit} bytes`, EXIT.FAILURE));
        return;
      }
      chunks.push(c);
    });
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.on('error', (e) => reject(new CliError(`reading the answer from ${url} failed: ${e.message}`, EXIT.FAILURE)));
  });
}

/** Server-Sent Events framing (WHATWG HTML §9.2.6): fields per line, an empty line dispatches. */
export class SseParser {
  private buffer = '';
  private event = '';
  private data: string[] = [];

  constructor(private readonly onEvent: (e: SseEvent) => void) {}

  push(chunk: string): void {
    this.buffer += chunk;
    let nl: number;
    while ((nl = this.buffer.search(/\r\n|\r|\n/)) >= 0) {
      const line = this.buffer.slice(0, nl);
      const sep = this.buffer[nl] === '\r' && this.buffer[nl + 1] === '\n' ? 2 : 1;
      // A lone \r at the very end may be the first half of \r\n: wait for the next chunk.
      if (this.buffer[nl] === '\r' && nl + 1 === this.buffer.length) break;
      this.buffer = this.buffer.slice(nl + sep);
      this.line(line);
    }
    if (this.buffer.length > MAX_EVENT_BYTES) throw new CliError(`event stream line longer than ${MAX_EVENT_BYTES} bytes`, EXIT.FAILURE);
  }

  private line(line: string): void {
    if (line === '') {
      if (this.data.length > 0) this.onEvent({ event: this.event || 'message', data: this.data.join('\n') });
      this.event = '';
      this.data = [];
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') this.event = value;
    else if (field === 'data') this.data.push(value);
  }
}

// ----------------------------------------------------------------------------------- terminal

/** Reads a line from the terminal without echoing it (for passwords). */
export function promptHidden(prompt: string): Promise<string> {
  const stdin = process.stdin;
  return new Promise((resolve, reject) => {
    process.stderr.write(prompt);
    let value = '';
    const wasRaw = stdin.isRaw;
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding('utf8');
    const done = (err: Error | null) => {
      stdin.setRawMode(wasRaw);
      stdin.pause();
      stdin.removeListener('data', onData);
      process.stderr.write('\n');
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (s: string) => {
      for (const ch of s) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') return done(null);
        if (ch === '\u0003') return done(new CliError('interrupted', EXIT.FAILURE));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else value += ch;
      }
    };
    stdin.on('data', onData);
  });
}

/** Reads stdin to its end (bounded). */
export function readStdin(limit = 1024 * 1024): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    process.stdin.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        process.stdin.destroy();
        reject(new CliError(`stdin larger than ${limit} bytes`, EXIT.USAGE));
        return;
      }
      chunks.push(c);
    });
    process.stdin.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    process.stdin.on('error', (e) => reject(new CliError(`cannot read stdin: ${e.message}`, EXIT.FAILURE)));
  });
}

/** Writes to stdout. */
export function out(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}
