/**
 * GoBGP v3 driver over gRPC (service apipb.GobgpApi; Debian gobgpd 3.10, protos from
 * golang-github-osrg-gobgp-dev or a configured directory, bgp-apis.md §B). Announce = AddPath,
 * withdraw = DeletePath with an explicit path — NEVER an empty DeletePath, which withdraws every
 * locally originated path (§B.7) — and listAnnounced = ListPath on the global RIB, keeping only
 * locally originated paths. gobgpd keeps nothing on disk, so a restart loses every route: peer
 * and reachability polling (ListPeer) reports a restart (gRPC back, a session re-established or
 * its uptime reset) as a state change with resync.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { Logger } from '../../log.js';
import { routeFingerprint, type Route } from '../route.js';
import { HealthTracker, SpeakerError, type PeerHealth, type Speaker, type SpeakerHealth, type SpeakerStateChange } from '../speaker.js';
import { GOBGP_FAMILIES, pathToRoute, routeToPath, type ApiObject } from './encode.js';

/** Where Debian's golang-github-osrg-gobgp-dev puts gobgp.proto, attribute.proto, capability.proto. */
export const DEFAULT_GOBGP_PROTO_DIR = '/usr/share/gocode/src/github.com/osrg/gobgp/api';
/** Most paths read from one ListPath stream before giving up (bounds memory). */
export const GOBGP_MAX_LISTED_PATHS = 1_000_000;

export interface GobgpSpeakerOptions {
  name?: string;
  /** gRPC target: "127.0.0.1:50051" or "unix:///run/gobgpd.sock". */
  address: string;
  protoDir?: string;
  /** Per-RPC deadline. */
  timeoutMs?: number;
  /** How often ListPeer is polled for reachability and session state. */
  pollIntervalMs?: number;
  logger?: Logger;
  now?: () => number;
}

type Unary = (req: unknown, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res: ApiObject) => void) => void;
type Streaming = (req: unknown, opts: grpc.CallOptions) => grpc.ClientReadableStream<ApiObject>;

interface GobgpClient extends grpc.Client {
  AddPath: Unary;
  DeletePath: Unary;
  GetBgp: Unary;
  ListPath: Streaming;
  ListPeer: Streaming;
}

type GobgpClientCtor = new (address: string, creds: grpc.ChannelCredentials, options?: grpc.ChannelOptions) => GobgpClient;
const clientCache = new Map<string, GobgpClientCtor>();

/** Loads the v3 protos; attribute.proto and capability.proto must be loaded explicitly for the Any payloads (§B.8). */
export function loadGobgpApi(protoDir = DEFAULT_GOBGP_PROTO_DIR): GobgpClientCtor {
  const cached = clientCache.get(protoDir);
  if (cached) return cached;
  for (const f of ['gobgp.proto', 'attribute.proto', 'capability.proto']) {
    if (!existsSync(join(protoDir, f))) {
      throw new Error(`GoBGP proto ${f} not found in ${protoDir} (install golang-github-osrg-gobgp-dev or set proto_dir)`);
    }
  }
  const def = protoLoader.loadSync(['gobgp.proto', 'attribute.proto', 'capability.proto'], {
    includeDirs: [protoDir],
    keepCase: true,
    longs: String,
    enums: String,
    defaults: true,
    oneofs: true,
    json: true,
  });
  const pkg = grpc.loadPackageDefinition(def) as unknown as { apipb?: { GobgpApi?: GobgpClientCtor } };
  const ctor = pkg.apipb?.GobgpApi;
  // v4 renamed the package and service (§B.9): say so rather than fail obscurely.
  if (!ctor) throw new Error(`no apipb.GobgpApi service in ${protoDir}: GoBGP v3 protos are required (v4 changed the API)`);
  clientCache.set(protoDir, ctor);
  return ctor;
}

export class GobgpSpeaker implements Speaker {
  readonly name: string;
  readonly capabilities = { readsState: true, acknowledged: true };
  private readonly tracker: HealthTracker;
  private client: GobgpClient | null = null;
  private poll: NodeJS.Timeout | null = null;
  private polling = false;
  private peerUptime = new Map<string, string>();
  private readonly timeoutMs: number;
  /** Paths gobgpd holds that are outside the route model, from the last listAnnounced(). */
  lastUnparsed: Array<{ path: string; reason: string }> = [];

  constructor(private readonly opts: GobgpSpeakerOptions) {
    this.name = opts.name ?? 'gobgp';
    this.tracker = new HealthTracker(opts.now);
    this.timeoutMs = opts.timeoutMs ?? 5000;
  }

  async start(): Promise<void> {
    const Ctor = loadGobgpApi(this.opts.protoDir);
    // grpc-js backs off reconnects up to 120 s by default: after a gobgpd restart the driver would
    // stay blind (and the routes missing) that long. gobgpd is local; retry it quickly.
    this.client = new Ctor(this.opts.address, grpc.credentials.createInsecure(), {
      'grpc.initial_reconnect_backoff_ms': 200,
      'grpc.max_reconnect_backoff_ms': 2000,
    });
    await this.pollOnce();
    this.poll = setInterval(() => void this.pollOnce(), this.opts.pollIntervalMs ?? 2000);
    this.poll.unref();
  }

  async stop(): Promise<void> {
    if (this.poll) clearInterval(this.poll);
    this.poll = null;
    this.client?.close();
    this.client = null;
    this.tracker.update(false, null);
  }

  health(): SpeakerHealth {
    return this.tracker.get();
  }

  onStateChange(cb: (c: SpeakerStateChange) => void): () => void {
    return this.tracker.subscribe(cb);
  }

  async announce(route: Route): Promise<void> {
    await this.unary('AddPath', { table_type: 'GLOBAL', path: routeToPath(route) });
  }

  async withdraw(route: Route): Promise<void> {
    const path = routeToPath(route, true);
    // Guard against the catastrophic form (§B.7): a DeletePath without path and uuid deletes all.
    if (!path.nlri || !path.family) throw new SpeakerError('refusing a DeletePath without an explicit path', false);
    await this.unary('DeletePath', { table_type: 'GLOBAL', family: path.family, path });
  }

  async listAnnounced(): Promise<Route[]> {
    const seen = new Map<string, Route>();
    const unparsed: Array<{ path: string; reason: string }> = [];
    let count = 0;
    for (const family of GOBGP_FAMILIES) {
      const dests = await this.stream('ListPath', { table_type: 'GLOBAL', family, name: '' });
      for (const d of dests) {
        const paths = ((d.destination as ApiObject | undefined)?.paths as ApiObject[] | undefined) ?? [];
        for (const p of paths) {
          if (++count > GOBGP_MAX_LISTED_PATHS) throw new SpeakerError(`${this.name}: more than ${GOBGP_MAX_LISTED_PATHS} paths`, false);
          if (!isLocal(p)) continue;
          try {
            const r = pathToRoute({ ...p, family });
            seen.set(routeFingerprint(r), r);
          } catch (e) {
            unparsed.push({ path: JSON.stringify(p.nlri).slice(0, 500), reason: (e as Error).message });
          }
        }
      }
    }
    this.lastUnparsed = unparsed;
    if (unparsed.length > 0) this.opts.logger?.warn({ speaker: this.name, count: unparsed.length, first: unparsed[0] }, 'gobgpd holds local paths outside the route model; they are left alone');
    return [...seen.values()];
  }

  private deadline(): grpc.CallOptions {
    return { deadline: Date.now() + this.timeoutMs };
  }

  private unary(method: 'AddPath' | 'DeletePath' | 'GetBgp', req: unknown): Promise<ApiObject> {
    const c = this.client;
    if (!c) return Promise.reject(new SpeakerError(`${this.name}: not started`, true));
    return new Promise((resolve, reject) => {
      c[method](req, this.deadline(), (err, res) => {
        if (err) reject(this.toError(method, err));
        else resolve(res);
      });
    });
  }

  private stream(method: 'ListPath' | 'ListPeer', req: unknown): Promise<ApiObject[]> {
    const c = this.client;
    if (!c) return Promise.reject(new SpeakerError(`${this.name}: not started`, true));
    return new Promise((resolve, reject) => {
      const out: ApiObject[] = [];
      const call = c[method](req, this.deadline());
      call.on('data', (d: ApiObject) => {
        if (out.length < GOBGP_MAX_LISTED_PATHS) out.push(d);
      });
      call.on('error', (err: grpc.ServiceError) => reject(this.toError(method, err)));
      call.on('end', () => resolve(out));
    });
  }

  private toError(method: string, err: grpc.ServiceError): SpeakerError {
    // INVALID_ARGUMENT / UNKNOWN with a message = gobgpd refused the request itself.
    const transient = [grpc.status.UNAVAILABLE, grpc.status.DEADLINE_EXCEEDED, grpc.status.CANCELLED, grpc.status.RESOURCE_EXHAUSTED, grpc.status.INTERNAL].includes(err.code);
    const msg = `${this.name}: ${method} failed: ${err.details || err.message}`;
    this.tracker.error(msg);
    return new SpeakerError(msg, transient);
  }

  private async pollOnce(): Promise<void> {
    if (this.polling || !this.client) return;
    this.polling = true;
    try {
      const res = await this.stream('ListPeer', { address: '', enableAdvertised: false });
      const peers: PeerHealth[] = [];
      let restarted = false;
      const seen = new Set<string>();
      for (const r of res) {
        const peer = r.peer as ApiObject | undefined;
        const address = String((peer?.conf as ApiObject | undefined)?.neighbor_address ?? (peer?.state as ApiObject | undefined)?.neighbor_address ?? '');
        const state = String((peer?.state as ApiObject | undefined)?.session_state ?? '');
        const up = state === 'ESTABLISHED';
        const uptime = JSON.stringify(((peer?.timers as ApiObject | undefined)?.state as ApiObject | undefined)?.uptime ?? null);
        seen.add(address);
        // A changed uptime on an established session: it was re-established between two polls.
        if (up && this.peerUptime.has(address) && this.peerUptime.get(address) !== uptime) restarted = true;
        if (up) this.peerUptime.set(address, uptime);
        else this.peerUptime.delete(address);
        peers.push({ address, state: up ? 'up' : 'down' });
      }
      for (const k of [...this.peerUptime.keys()]) if (!seen.has(k)) this.peerUptime.delete(k);
      peers.sort((a, b) => a.address.localeCompare(b.address));
      if (this.tracker.get().up) this.tracker.error(null);
      this.tracker.update(true, peers, restarted);
    } catch (e) {
      this.tracker.error((e as Error).message);
      this.tracker.update(false, this.tracker.get().peers.map((p) => ({ ...p, state: 'unknown' as const })));
      this.peerUptime.clear();
    } finally {
      this.polling = false;
    }
  }
}

/** Locally originated (AddPath) paths have no neighbor as source (toPathAPI: Address of a nil source is "<nil>"). */
function isLocal(p: ApiObject): boolean {
  const n = String(p.neighbor_ip ?? '');
  return n === '' || n === '<nil>' || n === '0.0.0.0' || n === '::';
}
