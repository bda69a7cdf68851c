/**
 * The contract between the mitigation layer (via the reconciler) and one BGP speaker driver.
 * A driver announces and withdraws single routes (never "everything": an empty GoBGP DeletePath
 * withdraws every path, bgp-apis.md §B.7) and reports what the speaker really holds, so that the
 * reconciler can converge it to the desired set after restarts and session flaps.
 */
import type { Route } from './route.js';

/** established: every known peer up; partial: some; down: none; unknown: not yet learnt. */
export type SessionState = 'unknown' | 'down' | 'partial' | 'established';

export interface PeerHealth {
  address: string;
  state: 'up' | 'down' | 'unknown';
}

export interface SpeakerHealth {
  /** The control channel to the speaker works (bridge connected, gRPC reachable, pipe writable). */
  up: boolean;
  sessionState: SessionState;
  peers: PeerHealth[];
  lastError: string | null;
  /** Wall-clock ms of the last change of `up` or `sessionState`. */
  lastChangeMs: number;
}

export interface SpeakerCapabilities {
  /** listAnnounced() reads the speaker's real state; false: it returns what this driver sent. */
  readsState: boolean;
  /** announce()/withdraw() resolve only once the speaker confirmed them. */
  acknowledged: boolean;
}

/**
 * Why a state change matters to the reconciler: `resync` means the speaker may have lost or
 * changed its routes (speaker restarted, control channel or a BGP session came back).
 */
export interface SpeakerStateChange {
  health: SpeakerHealth;
  resync: boolean;
}

export interface Speaker {
  readonly name: string;
  readonly capabilities: SpeakerCapabilities;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Announces (or replaces, same routeKey) one route; rejects with SpeakerError. */
  announce(route: Route): Promise<void>;
  /** Withdraws one route by its NLRI; attributes are ignored. */
  withdraw(route: Route): Promise<void>;
  /** Normalized routes the speaker holds for its peers (ExaBGP adj-rib-out, GoBGP local RIB). */
  listAnnounced(): Promise<Route[]>;
  health(): SpeakerHealth;
  /** Returns an unsubscribe function. */
  onStateChange(cb: (change: SpeakerStateChange) => void): () => void;
}

/** `retryable` false: the speaker rejected the command itself (syntax, policy); retrying will not help. */
export class SpeakerError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'SpeakerError';
  }
}

export function sessionStateOf(peers: PeerHealth[]): SessionState {
  if (peers.length === 0) return 'unknown';
  const up = peers.filter((p) => p.state === 'up').length;
  if (up === peers.length) return 'established';
  if (up > 0) return 'partial';
  if (peers.every((p) => p.state === 'unknown')) return 'unknown';
  return 'down';
}

/** Health bookkeeping and listener fan-out shared by the drivers. */
export class HealthTracker {
  private state: SpeakerHealth;
  private readonly listeners = new Set<(c: SpeakerStateChange) => void>();

  constructor(private readonly now: () => number = Date.now) {
    this.state = { up: false, sessionState: 'unknown', peers: [], lastError: null, lastChangeMs: now() };
  }

  get(): SpeakerHealth {
    return { ...this.state, peers: this.state.peers.map((p) => ({ ...p })) };
  }

  subscribe(cb: (c: SpeakerStateChange) => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  error(message: string | null): void {
    this.state.lastError = message;
  }

  /**
   * Updates up/peers; notifies when something changed. `resync` is forced true when the channel
   * came up or a peer went to up, the moments a speaker may have forgotten routes.
   */
  update(up: boolean, peers: PeerHealth[] | null, forceResync = false): void {
    const before = this.state;
    const nextPeers = peers ?? before.peers;
    const sessionState = sessionStateOf(nextPeers);
    const cameUp = up && !before.up;
    const peerUp = nextPeers.some((p) => p.state === 'up' && before.peers.find((q) => q.address === p.address)?.state !== 'up');
    const changed =
      up !== before.up ||
      sessionState !== before.sessionState ||
      JSON.stringify(nextPeers) !== JSON.stringify(before.peers);
    this.state = {
      up,
      sessionState,
      peers: nextPeers.map((p) => ({ ...p })),
      lastError: before.lastError,
      lastChangeMs: up !== before.up || sessionState !== before.sessionState ? this.now() : before.lastChangeMs,
    };
    if (!changed && !forceResync) return;
    const change = { health: this.get(), resync: forceResync || cameUp || peerUp };
    for (const l of this.listeners) {
      try {
        l(change);
      } catch {
        /* a listener's bug must not break the driver */
      }
    }
  }
}
