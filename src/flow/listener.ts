/**
 * UDP listeners for flow telemetry: one socket per configured (protocol, address, port). Owns
 * socket setup (receive buffer requested and checked against what the kernel granted), and the
 * kernel drop figures of its sockets. Every datagram goes straight to Ingest, synchronously:
 * there is no queue in between, so when the process cannot keep up the kernel drops, and the
 * drop counters say so.
 */
import dgram from 'node:dgram';
import { isIPv6 } from 'node:net';
import type { ListenerConfig } from '../config/collectors.js';
import type { Ingest } from './ingest.js';
import { readSocketDrops } from './socket-drops.js';
import type { Logger } from '../log.js';

export interface ListenerStatus {
  protocol: string;
  address: string;
  port: number;
  requestedReceiveBuffer: number;
  /** What the kernel granted (Linux reports twice the usable size; this is the usable size). */
  actualReceiveBuffer: number;
  datagrams: number;
  /** Datagrams the kernel dropped for this socket since we opened it, or null if unknown. */
  kernelDrops: number | null;
}

interface Bound {
  cfg: ListenerConfig;
  socket: dgram.Socket;
  requested: number;
  actual: number;
  datagrams: number;
  dropsAtStart: number | null;
  family: 4 | 6;
}

/**
 * Told of every datagram a listener receives, before it is decoded (the capture recorder,
 * src/flow/recorder.ts). Called on the receive path: it must be quick and must never throw.
 */
export interface DatagramTap {
  datagram(payload: Buffer, srcAddr: string, srcPort: number, localAddr: string, localPort: number, nowMs: number): void;
}

export interface FlowListenerDeps {
  ingest: Ingest;
  logger: Logger;
  now: () => number;
}

export class FlowListener {
  private bound: Bound[] = [];
  private tap: DatagramTap | null = null;

  constructor(
    private readonly listeners: ListenerConfig[],
    private readonly defaultReceiveBuffer: number,
    private readonly deps: FlowListenerDeps,
  ) {}

  async start(): Promise<void> {
    try {
      for (const cfg of this.listeners) this.bound.push(await this.open(cfg));
    } catch (e) {
      this.stop();
      throw e;
    }
  }

  private open(cfg: ListenerConfig): Promise<Bound> {
    const family = isIPv6(cfg.address) ? 6 : 4;
    const requested = cfg.receive_buffer ?? this.defaultReceiveBuffer;
    const socket = dgram.createSocket({ type: family === 6 ? 'udp6' : 'udp4', ipv6Only: false });
    const ingest = this.deps.ingest;
    const now = this.deps.now;
    const b: Bound = { cfg, socket, requested, actual: 0, datagrams: 0, dropsAtStart: null, family };
    const proto = cfg.protocol;
    socket.on('message', (msg, rinfo) => {
      b.datagrams++;
      const t = now();
      if (this.tap !== null) this.tap.datagram(msg, rinfo.address, rinfo.port, b.cfg.address, b.cfg.port, t);
      ingest.datagram(proto, msg, rinfo.address, t);
    });
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => {
        socket.close();
        reject(new Error(`cannot listen for ${cfg.protocol} on ${cfg.address} port ${cfg.port}: ${err.message}`));
      };
      socket.once('error', onError);
      socket.bind(cfg.port, cfg.address, () => {
        socket.off('error', onError);
        socket.on('error', (err) => this.deps.logger.error({ err, port: cfg.port }, 'socket error'));
        try {
          socket.setRecvBufferSize(requested);
        } catch (err) {
          this.deps.logger.warn({ err, port: cfg.port }, 'could not set the receive buffer');
        }
        // Linux doubles the value set with SO_RCVBUF for bookkeeping and reports the doubled
        // size; the request is silently capped at net.core.rmem_max.
        b.actual = Math.floor(socket.getRecvBufferSize() / 2);
        const port = socket.address().port;
        b.cfg = { ...cfg, port };
        b.dropsAtStart = readSocketDrops([{ port, family }])[0];
        const info = { protocol: cfg.protocol, address: cfg.address, port, receiveBufferRequested: requested, receiveBufferActual: b.actual };
        if (b.actual < requested) {
          this.deps.logger.warn(
            info,
            `receive buffer capped by the kernel at ${b.actual} bytes: raise net.core.rmem_max (sysctl -w net.core.rmem_max=${requested}) or datagrams will be dropped under load`,
          );
        } else {
          this.deps.logger.info(info, 'listening for flow telemetry');
        }
        resolve(b);
      });
    });
  }

  /** Attaches (or, with null, detaches) the one DatagramTap of every listener. */
  setDatagramTap(tap: DatagramTap | null): void {
    this.tap = tap;
  }

  status(): ListenerStatus[] {
    const drops = readSocketDrops(this.bound.map((b) => ({ port: b.cfg.port, family: b.family })));
    return this.bound.map((b, i) => ({
      protocol: b.cfg.protocol,
      address: b.cfg.address,
      port: b.cfg.port,
      requestedReceiveBuffer: b.requested,
      actualReceiveBuffer: b.actual,
      datagrams: b.datagrams,
      kernelDrops: drops[i] === null ? null : drops[i]! - (b.dropsAtStart ?? 0),
    }));
  }

  /** Ports actually bound, in config order (port 0 in config means "any free port": for tests). */
  ports(): number[] {
    return this.bound.map((b) => b.cfg.port);
  }

  stop(): void {
    for (const b of this.bound) {
      try {
        b.socket.close();
      } catch {
        // already closed
      }
    }
    this.bound = [];
  }
}
