/**
 * Who is calling: HTTP Basic auth against the configured users (clear, bcrypt or scrypt
 * passwords) and bearer tokens. FastNetMon Advanced's API uses Basic auth, so its scripts work
 * unchanged; tokens are for automation that should not hold a password.
 *
 * bcrypt is deliberately slow (~100 ms per check); scripts poll the API every second, so a
 * successful (user, password) pair is remembered by its SHA-256 for VERIFIED_CACHE_MS and later
 * requests skip the hash. Failed attempts are counted per client address; past the configured
 * number, every further request from that address waits FAILED_DELAY_BASE_MS doubling up to
 * FAILED_DELAY_MAX_MS before it is answered, which makes guessing slow without locking the
 * operator out.
 */
import { createHash, scrypt as scryptCb, timingSafeEqual, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import bcrypt from 'bcryptjs';
import type { ApiConfig } from './config.js';

const scrypt = promisify(scryptCb) as (password: string, salt: Buffer, keylen: number, opts: { N: number; r: number; p: number; maxmem: number }) => Promise<Buffer>;

export type Role = 'admin' | 'read';
export interface Principal {
  name: string;
  role: Role;
  via: 'basic' | 'bearer' | 'anonymous';
}

export const VERIFIED_CACHE_MS = 60_000;
export const FAILED_DELAY_BASE_MS = 250;
export const FAILED_DELAY_MAX_MS = 10_000;
/** Client addresses whose failures are remembered (oldest forgotten first). */
export const MAX_TRACKED_CLIENTS = 10_000;
/** Failures are forgotten after this long without a new one. */
export const FAILURE_MEMORY_MS = 15 * 60_000;

function sha256(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(sha256(a), sha256(b));
}

export function passwordKind(stored: string): 'bcrypt' | 'scrypt' | 'clear' {
  if (/^\$2[aby]\$\d\d\$/.test(stored)) return 'bcrypt';
  if (stored.startsWith('scrypt$')) return 'scrypt';
  return 'clear';
}

/** Hashes a password in the scrypt form the config accepts (`breakwater hash-password`). */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const N = 16384, r = 8, p = 1;
  const key = await scrypt(password, salt, 32, { N, r, p, maxmem: 64 * 1024 * 1024 });
  return `scrypt$${N}$${r}$${p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  switch (passwordKind(stored)) {
    case 'bcrypt':
      return bcrypt.compare(password, stored);
    case 'scrypt': {
      const parts = stored.split('$');
      if (parts.length !== 6) return false;
      const [N, r, p] = parts.slice(1, 4).map(Number);
      const salt = Buffer.from(parts[4], 'base64');
      const want = Buffer.from(parts[5], 'base64');
      if (!Number.isInteger(N) || !Number.isInteger(r) || !Number.isInteger(p) || want.length === 0) return false;
      const got = await scrypt(password, salt, want.length, { N, r, p, maxmem: 256 * 1024 * 1024 });
      return timingSafeEqual(got, want);
    }
    default:
      return sameSecret(password, stored);
  }
}

/** Problems with the API's auth config that make it unsafe to start; [] when fine. */
export function authConfigProblems(cfg: ApiConfig): string[] {
  const problems: string[] = [];
  const open = cfg.users.length === 0 && cfg.tokens.length === 0;
  if (open && !isLoopback(cfg.address)) {
    problems.push(`api.address ${cfg.address} is not a loopback address: configure api.users or api.tokens before exposing the API`);
  }
  for (const u of cfg.users) {
    if (passwordKind(u.password) === 'scrypt' && u.password.split('$').length !== 6) problems.push(`api.users ${u.name}: malformed scrypt hash (expected scrypt$N$r$p$salt$hash)`);
  }
  const names = new Set<string>();
  for (const u of cfg.users) {
    if (names.has(u.name)) problems.push(`api.users: user ${u.name} is defined twice`);
    names.add(u.name);
  }
  return problems;
}

export function isLoopback(address: string): boolean {
  return address === 'localhost' || address === '::1' || /^127\./.test(address);
}

export type AuthResult = { ok: true; principal: Principal } | { ok: false; status: 401; message: string };

export class Authenticator {
  private readonly verified = new Map<string, { until: number; principal: Principal }>();
  private readonly failures = new Map<string, { count: number; lastMs: number }>();
  readonly stats = { ok: 0, failed: 0, delayed: 0 };

  constructor(
    private readonly cfg: Pick<ApiConfig, 'users' | 'tokens' | 'auth_failures_before_delay'>,
    private readonly now: () => number = Date.now,
  ) {}

  get open(): boolean {
    return this.cfg.users.length === 0 && this.cfg.tokens.length === 0;
  }

  /** How long to hold a request from `client` before answering (0 for well-behaved clients). */
  delayFor(client: string): number {
    const f = this.failures.get(client);
    if (!f) return 0;
    if (this.now() - f.lastMs > FAILURE_MEMORY_MS) {
      this.failures.delete(client);
      return 0;
    }
    const over = f.count - this.cfg.auth_failures_before_delay;
    if (over < 0) return 0;
    this.stats.delayed++;
    return Math.min(FAILED_DELAY_MAX_MS, FAILED_DELAY_BASE_MS * 2 ** Math.min(over, 16));
  }

  async authenticate(header: string | undefined, client: string): Promise<AuthResult> {
    if (this.open) return { ok: true, principal: { name: 'anonymous', role: 'admin', via: 'anonymous' } };
    const r = await this.check(header);
    if (r.ok) {
      this.stats.ok++;
      this.failures.delete(client);
    } else {
      this.stats.failed++;
      this.fail(client);
    }
    return r;
  }

  private async check(header: string | undefined): Promise<AuthResult> {
    if (!header) return { ok: false, status: 401, message: 'authentication required (HTTP Basic or Bearer)' };
    const sp = header.indexOf(' ');
    const scheme = (sp < 0 ? header : header.slice(0, sp)).toLowerCase();
    const value = sp < 0 ? '' : header.slice(sp + 1).trim();
    if (scheme === 'bearer') {
      for (const t of this.cfg.tokens) if (sameSecret(value, t.token)) return { ok: true, principal: { name: t.name, role: t.role, via: 'bearer' } };
      return { ok: false, status: 401, message: 'invalid bearer token' };
    }
    if (scheme !== 'basic') return { ok: false, status: 401, message: `unsupported authorization scheme '${scheme}'` };
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return { ok: false, status: 401, message: 'malformed Basic credentials' };
    const name = decoded.slice(0, colon);
    const password = decoded.slice(colon + 1);
    const key = sha256(`${name}\0${password}`).toString('hex');
    const cached = this.verified.get(key);
    const now = this.now();
    if (cached && cached.until > now) return { ok: true, principal: cached.principal };
    const user = this.cfg.users.find((u) => u.name === name);
    // Verify against something even for unknown users, so timing does not reveal which names exist.
    const ok = await verifyPassword(password, user?.password ?? 'x-no-such-user-x');
    if (!user || !ok) return { ok: false, status: 401, message: 'invalid user name or password' };
    const principal: Principal = { name: user.name, role: user.role, via: 'basic' };
    if (this.verified.size > 1000) this.verified.clear();
    this.verified.set(key, { until: now + VERIFIED_CACHE_MS, principal });
    return { ok: true, principal };
  }

  private fail(client: string): void {
    const now = this.now();
    const f = this.failures.get(client);
    if (f) {
      f.count++;
      f.lastMs = now;
      return;
    }
    if (this.failures.size >= MAX_TRACKED_CLIENTS) {
      const oldest = this.failures.keys().next().value;
      if (oldest !== undefined) this.failures.delete(oldest);
    }
    this.failures.set(client, { count: 1, lastMs: now });
  }
}
