/**
 * Calls to the daemon's native API (/api/v1, docs/api.md) and the shapes the dashboard reads.
 * The browser authenticates: the page itself was loaded with HTTP Basic credentials (or on a
 * loopback API without users), and the browser sends the same credentials with these requests.
 * Paths are relative to the page (…/ui/ → …/api/v1/) so a reverse proxy may add a prefix.
 */

export type Category = 'total' | 'tcp' | 'syn' | 'udp' | 'icmp' | 'fragments';
export const CATEGORIES: Category[] = ['total', 'tcp', 'syn', 'udp', 'icmp', 'fragments'];
export type RateSet = Record<Category, { pps: number; bps: number }>;
export type Direction = 'incoming' | 'outgoing';

export interface AttackSummary {
  id: string;
  host: string;
  ipVersion: 4 | 6;
  group: string;
  direction: Direction;
  status: 'active' | 'ended';
  type: string;
  protocol: string;
  amplification: { service: string; port: number } | null;
  startedAt: string;
  startedMs: number;
  endedAt: string | null;
  endedMs: number | null;
  endReason: string | null;
  durationSeconds: number;
  trigger: { metric: string; threshold: number; value: number; ratio: number; rule: string };
  current: { pps: number; mbps: number; flows: number };
  peak: { pps: number; mbps: number; flows: number };
  allowListed: boolean;
}

export interface ValueShare<T> {
  value: T;
  share: number;
}

/** src/detection/fingerprint.ts */
export interface Fingerprint {
  direction: Direction;
  samples: number;
  effectiveSamples: number;
  packets: number;
  samplingRate: { min: number; max: number; mean: number };
  spanSeconds: number;
  confidence: number;
  marginOfError: number;
  protocols: Array<{ protocol: number; name: string; share: number }>;
  withPortsShare: number;
  srcPorts: ValueShare<number>[];
  dstPorts: ValueShare<number>[];
  tcpFlags: Array<{ flags: number; names: string; share: number }>;
  packetLength: { min: number; max: number; mean: number; p10: number; p50: number; p90: number; top: ValueShare<number>[]; buckets: Array<{ from: number; to: number; share: number }> };
  fragmentShare: number;
  nonFirstFragmentShare: number;
  ttls: ValueShare<number>[];
  distinctRemotes: number;
  remotePrefixes: ValueShare<string>[];
  dominant: {
    protocol?: ValueShare<number>;
    srcPort?: ValueShare<number>;
    dstPort?: ValueShare<number>;
    tcpFlags?: ValueShare<number>;
    packetLength?: { min: number; max: number; share: number };
    fragment?: ValueShare<boolean>;
    remotePrefix?: ValueShare<string>;
  };
}

export interface ThresholdHit {
  metric: string;
  threshold: number;
  value: number;
  ratio: number;
}

export interface AttackDetail extends AttackSummary {
  exceeded?: ThresholdHit[];
  currentRates?: Record<string, number>;
  average?: Record<string, number>;
  fingerprint?: Fingerprint | null;
  updates?: number;
  /** Ended attacks read back from the state database: the attack as last recorded. */
  report?: { fingerprint?: Fingerprint | null; exceeded?: ThresholdHit[]; updates?: number; trigger?: AttackSummary['trigger']; type?: string } | null;
}

export type Route =
  | { kind: 'unicast'; prefix: string; nextHop: string; communities: string[] }
  | { kind: 'flowspec'; family: 4 | 6; match: Record<string, unknown> & { destination: string }; action: { type: string; [k: string]: unknown }; communities?: string[] };

export interface Mitigation {
  id: string;
  kind: 'blackhole' | 'flowspec' | 'escalation';
  host: string;
  attackId: string | null;
  source: 'detection' | 'manual';
  user: string | null;
  reason: string;
  dryRun: boolean;
  createdAt: string;
  createdMs: number;
  updatedAt: string;
  expiresAt: string | null;
  expiresMs: number | null;
  secondsLeft: number | null;
  route: Route;
  routeText: string;
  detail: { tier?: number; usedFingerprint?: boolean; members?: string[]; direction?: Direction; group?: string };
}

export interface AuditEntry {
  seq?: number;
  atMs: number;
  at: string;
  action: string;
  mitigationId: string | null;
  kind: string | null;
  host: string | null;
  attackId: string | null;
  route: string | null;
  actor: string;
  reason: string;
  dryRun: boolean;
}

export interface SpeakerStatus {
  name: string;
  health: { up: boolean; sessionState: string; peers: Array<{ address: string; state: string }>; lastError: string | null; lastChangeMs: number };
  reconcile: {
    speaker: string;
    desired: number;
    passes: number;
    lastPassMs: number | null;
    lastSuccessMs: number | null;
    lastResult: { ok: boolean; announced: number; withdrawn: number; unchanged: number; rejected: Record<string, string>; error: string | null } | null;
    consecutiveFailures: number;
    inSync: boolean;
  };
  readsState: boolean;
}

export interface ExporterView {
  address: string;
  datagrams: number;
  bytes: number;
  samples: number;
  byProtocol: Record<string, number>;
  errors: Record<string, number>;
  errorTotal: number;
  sequence: { gaps: number; lost: number; resets: number };
  lastSeenAt: string | null;
  lastSeenMs: number;
  templates: number;
  sampling: { override: number | null; learned: Record<string, number>; default: number };
}

export interface Status {
  daemon: { version: string; startedAt: string; uptimeSeconds: number; pid: number; dryRun: boolean; mitigationEnabled: boolean };
  traffic: { hosts: number; totals: { incoming: RateSet; outgoing: RateSet } };
  listeners: Array<{ protocol: string; address: string; port: number; datagrams: number; kernelDrops: number }>;
  ingest: { datagrams: number; samples: number; notAllowed: number; errors: Record<string, number> };
  exporters: ExporterView[];
  speakers: SpeakerStatus[];
  attacks: { active: AttackSummary[]; recent: AttackSummary[] };
  mitigations: { stats: { active: number }; active: Mitigation[] };
}

export interface HostSecond {
  at: string;
  atMs: number;
  incoming: RateSet & { flows: number };
  outgoing: RateSet & { flows: number };
}

export type Thresholds = Record<string, number | boolean>;

export interface HostInfo {
  host: string;
  known: boolean;
  network: string | null;
  allowListed: boolean;
  group: string | null;
  thresholds: { incoming: Thresholds; outgoing: Thresholds } | null;
  lastSecond: HostSecond | null;
  incoming: { current: { pps: number; mbps: number }; average: Record<string, number>; attackId: string | null } | null;
  outgoing: { current: { pps: number; mbps: number }; average: Record<string, number>; attackId: string | null } | null;
  attacks: {
    active: AttackSummary[];
    history: Array<{ id: string; direction: string; type: string; group: string; startedAt: string; endedAt: string | null; peakPps: number; peakMbps: number }>;
  };
  mitigations: Mitigation[];
}

export interface TopHost {
  host: string;
  group: string;
  pps: number;
  mbps: number;
  flows: number | null;
  current: { pps: number; mbps: number };
  attackId: string | null;
}

/** The API's error body `{ error: { code, message, problems? } }`, or a network failure. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly problems: string[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

const BASE = new URL('../api/v1/', location.href);

export function apiUrl(path: string): string {
  return new URL(path.replace(/^\//, ''), BASE).toString();
}

export async function api<T>(path: string, opts: { method?: string; body?: unknown; signal?: AbortSignal } = {}): Promise<T> {
  let res: Response;
  try {
    res = await fetch(apiUrl(path), {
      method: opts.method ?? 'GET',
      headers: opts.body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      credentials: 'same-origin',
      cache: 'no-store',
      signal: opts.signal,
    });
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    throw new ApiError(0, 'unreachable', `the daemon did not answer (${(e as Error).message})`);
  }
  const text = await res.text();
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON: reported below */
  }
  if (!res.ok) {
    const err = (body as { error?: { code?: string; message?: string; problems?: string[] } } | null)?.error;
    if (err) throw new ApiError(res.status, err.code ?? 'error', err.message ?? `HTTP ${res.status}`, err.problems ?? []);
    throw new ApiError(res.status, 'http_error', `HTTP ${res.status} ${res.statusText}${text ? `: ${text.slice(0, 200)}` : ''}`);
  }
  if (body === null && text) throw new ApiError(res.status, 'invalid_response', `the daemon answered ${path} with something that is not JSON`);
  return body as T;
}
