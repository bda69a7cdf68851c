/**
 * Recording of received telemetry: every datagram the listeners hand over is written to rotating
 * classic pcap files, so that after an incident there is always something for `breakwater
 * replay` to run again (with other thresholds, or to see what was missed). Each datagram becomes
 * an Ethernet/IPv4|IPv6/UDP frame carrying the exporter's real address and source port and the
 * listener's address and port, stamped with the daemon's clock: replay then picks the collector
 * by port and the exporter by address exactly as the live daemon did. (A wildcard listener
 * address is written as 0.0.0.0 / ::, the local address a datagram reached is not known to the
 * socket. UDP checksums are left 0.)
 *
 * The receive path only copies the datagram into a preallocated buffer; full buffers (and every
 * buffer at least once a second) are written by one asynchronous writer, in order. At most
 * RECORDER_BUFFERS buffers exist: when the disk cannot keep up, datagrams are not recorded and
 * are counted (`dropped`), never queued without bound and never slowing down decoding. Failures
 * (disk full, directory gone) are counted and logged at most once per RECORDER_LOG_INTERVAL_MS;
 * nothing here throws into the receive path.
 *
 * Files: `<directory>/breakwater-<UTC time of the first datagram>-<n>.pcap`, each kept below
 * max_file_bytes; when a new one would make more than max_files (counting the ones a previous
 * run left), the oldest is deleted.
 */
import { mkdir, open, readdir, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { RecordConfig } from '../config/collectors.js';
import { LogRateLimiter, type Logger } from '../log.js';
import { parseAddress } from '../net/ip.js';
import type { DatagramTap } from './listener.js';

/** Size of one recording buffer. */
export const RECORDER_BUFFER_BYTES = 1024 * 1024;
/** Buffers that may exist at once (one filling, the others waiting for or in the writer). */
export const RECORDER_BUFFERS = 4;
/** A partly filled buffer is written after at most this long. */
export const RECORDER_FLUSH_MS = 1000;
/** One log line per kind of failure per interval. */
export const RECORDER_LOG_INTERVAL_MS = 60_000;
/** After a file cannot be opened, datagrams are dropped for this long before the next try. */
export const RECORDER_RETRY_MS = 5000;

const PCAP_HEADER_BYTES = 24;
const RECORD_HEADER_BYTES = 16;
const ETH_BYTES = 14;
const IPV4_BYTES = 20;
const IPV6_BYTES = 40;
const UDP_BYTES = 8;
const LINKTYPE_ETHERNET = 1;
/** Largest UDP payload an IPv4 or IPv6 packet (without jumbograms) can carry. */
const MAX_UDP_PAYLOAD = 65_535 - UDP_BYTES;
/** Distinct address strings whose parsed bytes are remembered (exporters are few; spoofers are not). */
const ADDRESS_CACHE = 4096;

const FILE_RE = /^breakwater-\d{8}T\d{6}\.\d{3}Z-\d{6}\.pcap$/;

export interface RecorderStats {
  /** Datagrams written into a buffer (recorded, or about to be). */
  datagrams: number;
  /** Bytes written to files (headers included). */
  bytesWritten: number;
  /** write() calls: one per buffer, not one per datagram. */
  writes: number;
  filesOpened: number;
  filesDeleted: number;
  /** Datagrams not recorded: no free buffer (disk too slow), no file (open failed), or a write failed. */
  dropped: number;
  /** File operations that failed (open, write, close, delete). */
  errors: number;
}

interface Job {
  buf: Buffer;
  len: number;
  records: number;
  /** Start a new file before writing this buffer. */
  newFile: boolean;
  firstTsMs: number;
}

interface Addr {
  v6: boolean;
  bytes: Uint8Array;
}

export class DatagramRecorder implements DatagramTap {
  readonly stats: RecorderStats = { datagrams: 0, bytesWritten: 0, writes: 0, filesOpened: 0, filesDeleted: 0, dropped: 0, errors: 0 };
  private readonly free: Buffer[] = [];
  private cur: Buffer | null = null;
  private curLen = 0;
  private curRecords = 0;
  private curNewFile = true;
  private curFirstTs = 0;
  /** Bytes the current file will hold once every submitted buffer is written. */
  private fileBytes = PCAP_HEADER_BYTES;
  private chain: Promise<void> = Promise.resolve();
  private fh: FileHandle | null = null;
  private seq = 0;
  /** Our files in the directory, oldest first (those found at start, then those we made). */
  private readonly files: string[] = [];
  private timer: NodeJS.Timeout | null = null;
  private started = false;
  private stopped = false;
  private openBlockedUntil = 0;
  private readonly addrCache = new Map<string, Addr>();
  private readonly limiter = new LogRateLimiter(RECORDER_LOG_INTERVAL_MS);

  constructor(
    readonly config: RecordConfig,
    private readonly deps: { logger: Logger; /** Default RECORDER_RETRY_MS (tests shorten it). */ retryMs?: number },
  ) {
    for (let i = 0; i < RECORDER_BUFFERS; i++) this.free.push(Buffer.allocUnsafe(RECORDER_BUFFER_BYTES));
  }

  /** Creates the directory, learns the files a previous run left, starts the flush timer. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    const dir = this.config.directory;
    let existing: string[];
    try {
      await mkdir(dir, { recursive: true });
      existing = (await readdir(dir)).filter((n) => FILE_RE.test(n)).sort();
    } catch (err) {
      this.started = false;
      throw new Error(`cannot record received datagrams in ${dir} (collectors.record.directory): ${(err as Error).message}`);
    }
    this.files.push(...existing.map((n) => join(dir, n)));
    this.timer = setInterval(() => this.flush(), RECORDER_FLUSH_MS);
    this.timer.unref();
    this.deps.logger.info({ directory: dir, maxFileBytes: this.config.max_file_bytes, maxFiles: this.config.max_files, existing: existing.length }, 'recording received datagrams');
  }

  /** Records one datagram (DatagramTap). Never throws. */
  datagram(payload: Buffer, srcAddr: string, srcPort: number, localAddr: string, localPort: number, nowMs: number): void {
    if (!this.started || this.stopped) return;
    try {
      this.record(payload, srcAddr, srcPort, localAddr, localPort, nowMs);
    } catch (err) {
      this.stats.dropped++;
      this.fail('record', err);
    }
  }

  private record(payload: Buffer, srcAddr: string, srcPort: number, localAddr: string, localPort: number, nowMs: number): void {
    const src = this.address(srcAddr);
    if (src === null || payload.length > MAX_UDP_PAYLOAD) {
      this.stats.dropped++;
      return;
    }
    let dst = this.address(localAddr);
    if (dst === null || dst.v6 !== src.v6) dst = src.v6 ? ANY6 : ANY4;
    const ipBytes = src.v6 ? IPV6_BYTES : IPV4_BYTES;
    const frame = ETH_BYTES + ipBytes + UDP_BYTES + payload.length;
    const rec = RECORD_HEADER_BYTES + frame;
    if (PCAP_HEADER_BYTES + rec > this.config.max_file_bytes) {
      this.stats.dropped++;
      return;
    }
    if (this.fileBytes + rec > this.config.max_file_bytes) {
      // Rotation: what is buffered belongs to the current file, the next buffer to a new one.
      this.submit();
      this.fileBytes = PCAP_HEADER_BYTES;
      this.curNewFile = true;
    }
    if (this.cur !== null && this.curLen + rec > this.cur.length) this.submit();
    if (this.cur === null) {
      if (this.free.length === 0 || (this.openBlockedUntil !== 0 && Date.now() < this.openBlockedUntil)) {
        this.stats.dropped++;
        if (this.free.length === 0) this.behind();
        return;
      }
      this.cur = this.free.pop()!;
      this.curLen = 0;
      this.curRecords = 0;
      this.curFirstTs = nowMs;
    }
    const b = this.cur;
    let o = this.curLen;
    const sec = Math.floor(nowMs / 1000);
    const usec = Math.min(999_999, Math.round((nowMs - sec * 1000) * 1000));
    b.writeUInt32LE(sec >>> 0, o);
    b.writeUInt32LE(usec, o + 4);
    b.writeUInt32LE(frame, o + 8);
    b.writeUInt32LE(frame, o + 12);
    o += RECORD_HEADER_BYTES;
    // Ethernet: locally administered MACs (exporter 02:..:01 → collector 02:..:02).
    b.writeUInt32BE(0x02000000, o);
    b.writeUInt32BE(0x00020200, o + 4);
    b.writeUInt32BE(0x00000001, o + 8);
    b.writeUInt16BE(src.v6 ? 0x86dd : 0x0800, o + 12);
    o += ETH_BYTES;
    const udpLen = UDP_BYTES + payload.length;
    if (src.v6) {
      b.writeUInt32BE(0x60000000, o);
      b.writeUInt16BE(udpLen, o + 4);
      b[o + 6] = 17;
      b[o + 7] = 64;
      b.set(src.bytes, o + 8);
      b.set(dst.bytes, o + 24);
    } else {
      b[o] = 0x45;
      b[o + 1] = 0;
      b.writeUInt16BE(IPV4_BYTES + udpLen, o + 2);
      b.writeUInt32BE(0x00004000, o + 4); // id 0, DF
      b[o + 8] = 64;
      b[o + 9] = 17;
      b.writeUInt16BE(0, o + 10);
      b.set(src.bytes, o + 12);
      b.set(dst.bytes, o + 16);
      b.writeUInt16BE(ipv4Checksum(b, o), o + 10);
    }
    o += ipBytes;
    b.writeUInt16BE(srcPort, o);
    b.writeUInt16BE(localPort, o + 2);
    b.writeUInt16BE(udpLen, o + 4);
    b.writeUInt16BE(0, o + 6);
    o += UDP_BYTES;
    payload.copy(b, o);
    this.curLen = o + payload.length;
    this.curRecords++;
    this.fileBytes += rec;
    this.stats.datagrams++;
  }

  /** Hands the buffer being filled to the writer (no-op when empty). */
  flush(): void {
    if (this.cur !== null && this.curLen > 0) this.submit();
  }

  /** Writes what is buffered, closes the file and stops. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.flush();
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.chain = this.chain.then(() => this.closeFile());
    await this.chain;
  }

  /** Our capture files, oldest first (paths). */
  listFiles(): string[] {
    return [...this.files];
  }

  /** Resolves when every buffer handed to the writer so far is on disk (tests, shutdown). */
  async drain(): Promise<void> {
    this.flush();
    await this.chain;
  }

  private submit(): void {
    const cur = this.cur;
    if (cur === null) return;
    this.cur = null;
    if (this.curLen === 0) {
      this.free.push(cur);
      return;
    }
    const job: Job = { buf: cur, len: this.curLen, records: this.curRecords, newFile: this.curNewFile, firstTsMs: this.curFirstTs };
    this.curNewFile = false;
    this.chain = this.chain.then(() => this.write(job));
  }

  private async write(job: Job): Promise<void> {
    try {
      if (job.newFile || this.fh === null) {
        if (!(await this.openFile(job.firstTsMs))) {
          this.stats.dropped += job.records;
          return;
        }
      }
      const { bytesWritten } = await this.fh!.write(job.buf, 0, job.len);
      this.stats.writes++;
      this.stats.bytesWritten += bytesWritten;
      if (bytesWritten !== job.len) throw new Error(`short write: ${bytesWritten} of ${job.len} bytes`);
    } catch (err) {
      this.stats.dropped += job.records;
      this.fail('write', err);
      // A file we could not write to is abandoned; the next buffer opens a new one (which then
      // holds less than the receive side counted for the file: it stays below the limit).
      await this.closeFile();
    } finally {
      this.free.push(job.buf);
    }
  }

  private async openFile(tsMs: number): Promise<boolean> {
    await this.closeFile();
    let path = '';
    try {
      await this.trim(this.config.max_files - 1);
      await mkdir(this.config.directory, { recursive: true });
      let fh: FileHandle | null = null;
      // 'wx': never append to (or truncate) a file of an earlier run that happens to have the same name.
      for (let attempt = 0; fh === null; attempt++) {
        path = join(this.config.directory, `breakwater-${fileTime(tsMs)}-${String(++this.seq % 1_000_000).padStart(6, '0')}.pcap`);
        try {
          fh = await open(path, 'wx');
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 3) throw err;
        }
      }
      const hdr = Buffer.alloc(PCAP_HEADER_BYTES);
      hdr.writeUInt32LE(0xa1b2c3d4, 0);
      hdr.writeUInt16LE(2, 4);
      hdr.writeUInt16LE(4, 6);
      hdr.writeUInt32LE(262_144, 16);
      hdr.writeUInt32LE(LINKTYPE_ETHERNET, 20);
      this.fh = fh;
      this.openBlockedUntil = 0;
      this.files.push(path);
      this.stats.filesOpened++;
      await fh.write(hdr, 0, hdr.length);
      this.stats.bytesWritten += hdr.length;
      return true;
    } catch (err) {
      this.fail('open', err, path);
      this.openBlockedUntil = Date.now() + (this.deps.retryMs ?? RECORDER_RETRY_MS);
      await this.closeFile();
      return false;
    }
  }

  /** Deletes our oldest files until at most `keep` remain. */
  private async trim(keep: number): Promise<void> {
    while (this.files.length > Math.max(0, keep)) {
      const f = this.files.shift()!;
      try {
        await unlink(f);
        this.stats.filesDeleted++;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.fail('delete', err, f);
      }
    }
  }

  private async closeFile(): Promise<void> {
    const fh = this.fh;
    this.fh = null;
    if (fh === null) return;
    try {
      await fh.close();
    } catch (err) {
      this.fail('close', err);
    }
  }

  private address(text: string): Addr | null {
    let a = this.addrCache.get(text);
    if (a !== undefined) return a;
    const plain = text.startsWith('::ffff:') && text.includes('.') ? text.slice(7) : text;
    const p = parseAddress(plain);
    if (p === null) return null;
    a = { v6: p.version === 6, bytes: p.bytes };
    if (this.addrCache.size >= ADDRESS_CACHE) this.addrCache.clear();
    this.addrCache.set(text, a);
    return a;
  }

  /** The writer is behind (every buffer full or in flight): logged at most once per interval. */
  private behind(): void {
    const s = this.limiter.allow('behind', Date.now());
    if (s >= 0) {
      this.deps.logger.warn({ directory: this.config.directory, dropped: this.stats.dropped }, 'recording cannot keep up with the received datagrams (disk too slow): datagrams not recorded, decoding unaffected');
    }
  }

  private fail(what: string, err: unknown, path?: string): void {
    this.stats.errors++;
    const s = this.limiter.allow(what, Date.now());
    if (s >= 0) {
      this.deps.logger.error({ err: (err as Error)?.message ?? String(err), path, directory: this.config.directory, suppressed: s, dropped: this.stats.dropped }, `recording: ${what} failed`);
    }
  }
}

const ANY4: Addr = { v6: false, bytes: new Uint8Array(4) };
const ANY6: Addr = { v6: true, bytes: new Uint8Array(16) };

/** RFC 791 header checksum over the 20-byte header at `o`. */
function ipv4Checksum(b: Buffer, o: number): number {
  let sum = 0;
  for (let i = 0; i < IPV4_BYTES; i += 2) sum += b.readUInt16BE(o + i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** 20261122T120000.123Z: sorts in time order, no characters that need quoting. */
function fileTime(ms: number): string {
  const d = new Date(Number.isFinite(ms) && ms >= 0 ? ms : 0);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}T${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}.${p(d.getUTCMilliseconds(), 3)}Z`;
}
