/**
 * PROTOTYPE (bench only, not used by the daemon): a collector that receives on the main thread
 * and decodes on a worker thread, to measure whether spreading the ingest path over two cores
 * beats one event loop (issue 2, "Speed").
 *
 * Why this shape. Node 20 has no SO_REUSEPORT (dgram `reusePort` arrived in 22.12/23.1), and
 * two threads reading one shared socket fd both wake for every datagram and receive less in
 * total than one thread. So one thread must do the receiving; what can move is the decoding.
 * A postMessage per datagram costs more than decoding it, so the main thread copies each
 * datagram into a fixed-slot ring in a SharedArrayBuffer and the worker drains it:
 *
 *   slot = [u16 length][u8 listener protocol][u8 address length][address, latin1][payload @ 64]
 *   ctrl = Int32Array [head (written), tail (read), worker sleeping, stop]
 *
 * Single producer, single consumer; head and tail wrap modulo 2^32 and their difference is the
 * fill level. The ring is bounded: when it is full the datagram is dropped and counted (the same
 * policy as the kernel's receive buffer: no unbounded queue anywhere).
 *
 * Wake-ups: a futex wake per datagram (Atomics.notify whenever the consumer sleeps) costs the
 * receiving thread a syscall and the consumer a context switch per datagram, which at 100k/s is
 * most of what moving the decoding away saves. So the consumer, when the ring is empty, sleeps
 * for at most WORKER_POLL_MS, and the producer notifies only when the ring is a quarter full
 * (a burst the consumer should not wait a whole poll period for). The ring holds far more than
 * one poll period of datagrams at any rate a single receiving thread reaches.
 */
import dgram from 'node:dgram';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { configSchema } from '../src/config/schema.js';
import { ExporterRegistry } from '../src/flow/exporter.js';
import { createDecoders } from '../src/flow/decoders.js';
import { Ingest, type ListenerProtocol } from '../src/flow/ingest.js';
import { CountingSink } from '../src/flow/sample-record.js';
import { readSocketDrops } from '../src/flow/socket-drops.js';
import { silentLogger } from '../src/log.js';

/** Slot size: a 1500-byte-MTU datagram plus the 64-byte slot header, rounded up. */
export const RING_SLOT_BYTES = 2048;
const SLOT_HEADER = 64;
export const RING_MAX_DATAGRAM = RING_SLOT_BYTES - SLOT_HEADER;
/** Slots in the ring (a power of two): 16384 × 2 KiB = 32 MiB, like the socket buffer. */
export const RING_SLOTS = 16384;
/** Longest sleep of the consumer when the ring is empty. */
export const WORKER_POLL_MS = 1;
/** The consumer publishes its progress at least every this many datagrams (a power of two). */
const TAIL_PUBLISH_EVERY = 64;
/** Fill level at which the producer wakes a sleeping consumer. */
const WAKE_AT = RING_SLOTS / 4;

const HEAD = 0;
const TAIL = 1;
const SLEEPING = 2;
const STOP = 3;
/** Shared stats written by the worker: datagrams, samples, decode errors, internal errors. */
const S_DATAGRAMS = 0;
const S_SAMPLES = 1;
const S_ERRORS = 2;
const S_INTERNAL = 3;

const PROTOCOL_CODES: ListenerProtocol[] = ['sflow', 'netflow', 'ipfix'];

interface WorkerInit {
  ring: SharedArrayBuffer;
  ctrl: SharedArrayBuffer;
  stats: SharedArrayBuffer;
}

export interface DecodeWorkerStats {
  /** Datagrams the main thread received from the sockets. */
  received: number;
  /** Datagrams dropped because the ring was full (or too large for a slot). */
  ringDrops: number;
  /** Datagrams and samples the worker decoded. */
  datagrams: number;
  samples: number;
  errors: number;
  internalErrors: number;
  kernelDrops: number | null;
}

export class DecodeWorkerCollector {
  private readonly ring = new SharedArrayBuffer(RING_SLOT_BYTES * RING_SLOTS);
  private readonly ctrlSab = new SharedArrayBuffer(16);
  private readonly statsSab = new SharedArrayBuffer(32);
  private readonly ctrl = new Int32Array(this.ctrlSab);
  private readonly shared = new Float64Array(this.statsSab);
  private worker: Worker | null = null;
  private sockets: { socket: dgram.Socket; port: number; dropsAtStart: number }[] = [];
  received = 0;
  ringDrops = 0;
  /** Smallest receive buffer the kernel granted (usable size: Linux reports twice that). */
  actualReceiveBuffer = 0;

  constructor(
    private readonly listeners: { protocol: ListenerProtocol; address: string; port: number }[],
    private readonly receiveBuffer: number,
  ) {}

  async start(): Promise<number[]> {
    this.worker = new Worker(new URL(import.meta.url), { workerData: { ring: this.ring, ctrl: this.ctrlSab, stats: this.statsSab } satisfies WorkerInit });
    this.worker.on('error', (e) => console.error('decode worker failed:', e));
    const ringBuf = Buffer.from(this.ring);
    const ctrl = this.ctrl;
    for (const l of this.listeners) {
      const socket = dgram.createSocket('udp4');
      const code = PROTOCOL_CODES.indexOf(l.protocol);
      socket.on('message', (msg, rinfo) => {
        this.received++;
        const head = ctrl[HEAD]!; // only this thread writes head
        if (((head - Atomics.load(ctrl, TAIL)) | 0) >= RING_SLOTS || msg.length > RING_MAX_DATAGRAM) {
          this.ringDrops++;
          return;
        }
        const o = (head & (RING_SLOTS - 1)) * RING_SLOT_BYTES;
        ringBuf.writeUInt16LE(msg.length, o);
        ringBuf[o + 2] = code;
        ringBuf[o + 3] = ringBuf.write(rinfo.address, o + 4, SLOT_HEADER - 4, 'latin1');
        msg.copy(ringBuf, o + SLOT_HEADER);
        Atomics.store(ctrl, HEAD, (head + 1) | 0);
        if (((head - ctrl[TAIL]!) | 0) === WAKE_AT && Atomics.load(ctrl, SLEEPING) === 1) Atomics.notify(ctrl, HEAD);
      });
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.bind(l.port, l.address, () => {
          socket.off('error', reject);
          socket.setRecvBufferSize(this.receiveBuffer);
          const got = Math.floor(socket.getRecvBufferSize() / 2);
          this.actualReceiveBuffer = this.actualReceiveBuffer === 0 ? got : Math.min(this.actualReceiveBuffer, got);
          resolve();
        });
      });
      const port = socket.address().port;
      this.sockets.push({ socket, port, dropsAtStart: readSocketDrops([{ port, family: 4 }])[0] ?? 0 });
    }
    return this.sockets.map((s) => s.port);
  }

  stats(): DecodeWorkerStats {
    const drops = readSocketDrops(this.sockets.map((s) => ({ port: s.port, family: 4 as const })));
    let kd: number | null = 0;
    drops.forEach((d, i) => {
      kd = d === null || kd === null ? null : kd + d - this.sockets[i]!.dropsAtStart;
    });
    return {
      received: this.received,
      ringDrops: this.ringDrops,
      datagrams: this.shared[S_DATAGRAMS]!,
      samples: this.shared[S_SAMPLES]!,
      errors: this.shared[S_ERRORS]!,
      internalErrors: this.shared[S_INTERNAL]!,
      kernelDrops: kd,
    };
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.socket.close();
    this.sockets = [];
    Atomics.store(this.ctrl, STOP, 1);
    Atomics.notify(this.ctrl, HEAD);
    if (this.worker) {
      const w = this.worker;
      this.worker = null;
      const exited = new Promise<void>((r) => w.once('exit', () => r()));
      const timeout = setTimeout(() => void w.terminate(), 2000);
      await exited;
      clearTimeout(timeout);
    }
  }
}

/** The worker: drains the ring into the real Ingest (exporter registry, decoders, counting). */
function workerMain(init: WorkerInit): void {
  const ring = Buffer.from(init.ring);
  const ctrl = new Int32Array(init.ctrl);
  const shared = new Float64Array(init.stats);
  const cfg = configSchema.parse({}).collectors;
  const registry = new ExporterRegistry({ allow: cfg.allow_exporters, samplingDefault: cfg.sampling.default, samplingOverrides: {}, maxExporters: cfg.max_exporters });
  const ingest = new Ingest({ registry, decoders: createDecoders(cfg.templates), sink: new CountingSink(), logger: silentLogger() });
  let lastAddrLen = -1;
  let lastAddr = '';
  const lastAddrBytes = Buffer.alloc(SLOT_HEADER);
  let tail = Atomics.load(ctrl, TAIL);
  // Bounded by the stop flag; sleeps (Atomics.wait, WORKER_POLL_MS at most) whenever the ring is empty.
  for (;;) {
    const head = Atomics.load(ctrl, HEAD);
    if (head === tail) {
      if (Atomics.load(ctrl, STOP) === 1) break;
      Atomics.store(ctrl, SLEEPING, 1);
      if (Atomics.load(ctrl, HEAD) === head) Atomics.wait(ctrl, HEAD, head, WORKER_POLL_MS);
      Atomics.store(ctrl, SLEEPING, 0);
      continue;
    }
    const now = Date.now();
    while (tail !== head) {
      const o = (tail & (RING_SLOTS - 1)) * RING_SLOT_BYTES;
      const len = ring.readUInt16LE(o);
      const proto = PROTOCOL_CODES[ring[o + 2]!]!;
      const al = ring[o + 3]!;
      // The exporter address as text, rebuilt only when it changes (one router sends bursts).
      if (al !== lastAddrLen || ring.compare(lastAddrBytes, 0, al, o + 4, o + 4 + al) !== 0) {
        lastAddr = ring.toString('latin1', o + 4, o + 4 + al);
        ring.copy(lastAddrBytes, 0, o + 4, o + 4 + al);
        lastAddrLen = al;
      }
      ingest.datagram(proto, ring.subarray(o + SLOT_HEADER, o + SLOT_HEADER + len), lastAddr, now);
      tail = (tail + 1) | 0;
      // Free slots as we go, not only after the whole backlog: after a stall the backlog can be
      // thousands of datagrams, and the producer would see a full ring all the while.
      if ((tail & (TAIL_PUBLISH_EVERY - 1)) === 0) Atomics.store(ctrl, TAIL, tail);
    }
    Atomics.store(ctrl, TAIL, tail);
    const t = ingest.totals;
    shared[S_DATAGRAMS] = t.datagrams;
    shared[S_SAMPLES] = t.samples;
    let e = 0;
    for (const v of t.errors.values()) e += v;
    shared[S_ERRORS] = e;
    shared[S_INTERNAL] = t.internalErrors;
  }
  parentPort?.close();
}

if (!isMainThread && (workerData as WorkerInit | undefined)?.ring instanceof SharedArrayBuffer) {
  workerMain(workerData as WorkerInit);
}
