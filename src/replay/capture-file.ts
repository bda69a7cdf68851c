/**
 * Streams the packets of a pcap or pcapng file of any size in bounded memory, for replay.
 *
 * The capture reader (src/capture/pcap-reader.ts) parses a whole file held in one Buffer, which
 * caps files at MAX_PCAP_FILE_BYTES; a day of mirrored traffic is far larger. Rather than parse
 * files a second way, this module only FRAMES the file into windows of whole records or blocks
 * (classic pcap: 16-byte record headers; pcapng: block type and length) and hands each window to
 * the same `readPackets`, preceded by what that parser needs to read the window on its own: the
 * classic file header, or the current pcapng Section Header Block and its Interface Description
 * Blocks. So every check on hostile input stays in one place; errors are re-based to offsets in
 * the file.
 *
 * Memory: one window (WINDOW_BYTES, or one block when a block is larger: at most
 * MAX_PCAPNG_BLOCK_BYTES) plus the section prefix (at most MAX_SECTION_PREFIX_BYTES).
 *
 * One difference from reading the file whole: a pcapng Simple Packet Block carries no time and
 * takes the time of the packet before it; at the start of a window that packet is not there, so
 * the SPB reads as time 0 (the replay then uses the time of the previous packet it saw).
 */
import { open, stat } from 'node:fs/promises';
import {
  MAX_CAPTURED_PACKET_BYTES,
  MAX_PCAPNG_BLOCK_BYTES,
  PcapError,
  detectFormat,
  readPackets,
  type CaptureFormat,
  type CapturedPacket,
} from '../capture/index.js';

/** Bytes read from the file per window (a window holds only whole records or blocks). */
export const WINDOW_BYTES = 8 * 1024 * 1024;
/** Largest pcapng section prefix (SHB + IDBs) carried from window to window. */
export const MAX_SECTION_PREFIX_BYTES = 64 * 1024 * 1024;

const PCAP_FILE_HEADER_BYTES = 24;
const PCAP_RECORD_HEADER_BYTES = 16;
const PCAPNG_SHB = 0x0a0d0d0a;
const PCAPNG_IDB = 0x00000001;
const PCAPNG_BYTE_ORDER_MAGIC = 0x1a2b3c4d;

export interface CaptureFileInfo {
  path: string;
  format: CaptureFormat;
  bytes: number;
}

export interface StreamOptions {
  /** Called once per window, after its packets, with the bytes of the file framed so far. */
  onWindow?: (bytesDone: number, totalBytes: number) => void | Promise<void>;
  /** Window size (tests use small ones to cross window boundaries). */
  windowBytes?: number;
}

/** Format and size of a capture file; throws PcapError (bad_magic, truncated) or the fs error. */
export async function probeCaptureFile(path: string): Promise<CaptureFileInfo> {
  const st = await stat(path);
  if (!st.isFile()) throw new Error(`${path}: not a regular file`);
  const fh = await open(path, 'r');
  try {
    const head = Buffer.alloc(Math.min(st.size, 64));
    await fh.read(head, 0, head.length, 0);
    const format = detectFormat(head);
    if (format === null) {
      // readPackets words the error (too short, or which magic it found) the same way as elsewhere.
      for (const _ of readPackets(head)) break;
      throw new PcapError('bad_magic', 0, 'not a pcap or pcapng file');
    }
    return { path, format, bytes: st.size };
  } finally {
    await fh.close();
  }
}

/**
 * Calls `onPacket` for every packet of the file, in file order, with `index` counted over the
 * whole file. `data` is a view into the current window: copy what must outlive the call.
 */
export async function streamCapturePackets(path: string, onPacket: (p: CapturedPacket) => void, opts: StreamOptions = {}): Promise<CaptureFileInfo> {
  const info = await probeCaptureFile(path);
  const windowBytes = Math.max(opts.windowBytes ?? WINDOW_BYTES, 64);
  const fh = await open(path, 'r');
  try {
    const framer = info.format === 'pcap' ? new ClassicFramer() : new PcapngFramer();
    let carry: Buffer = Buffer.alloc(0);
    /** File offset of carry[0]. */
    let carryStart = 0;
    let pos = 0;
    let index = 0;
    let want = windowBytes;
    // Two buffers used in turn: the file is read straight into place behind the window's prefix,
    // and the unframed tail of one window (carry) is copied to the front of the next.
    const bufs: Buffer[] = [Buffer.alloc(0), Buffer.alloc(0)];
    let which = 0;
    while (pos < info.bytes || carry.length > 0) {
      const prefix = framer.prefix();
      const toRead = Math.min(Math.max(want - carry.length, windowBytes), info.bytes - pos);
      const need = prefix.length + carry.length + toRead;
      which ^= 1;
      if (bufs[which].length < need) bufs[which] = Buffer.allocUnsafe(Math.max(need, prefix.length + windowBytes + 65_536));
      const buf = bufs[which];
      prefix.copy(buf, 0);
      carry.copy(buf, prefix.length);
      if (toRead > 0) {
        const { bytesRead } = await fh.read(buf, prefix.length + carry.length, toRead, pos);
        if (bytesRead !== toRead) throw new Error(`${path}: file shrank while being read (at byte ${pos + bytesRead})`);
        pos += toRead;
      }
      const data = buf.subarray(prefix.length, need);
      const eof = pos >= info.bytes;
      const f = framer.frame(data, carryStart, eof);
      if (f.end === 0 && !eof) {
        // One record or block larger than what is loaded: load at least that much next time.
        want = f.need;
        carry = data;
        continue;
      }
      want = windowBytes;
      const window = buf.subarray(0, prefix.length + f.end);
      try {
        for (const p of readPackets(window)) {
          p.index = index++;
          onPacket(p);
        }
      } catch (e) {
        if (e instanceof PcapError) throw rebase(e, prefix.length, carryStart);
        throw e;
      }
      if (f.broken) {
        // The framer stopped at something malformed, so readPackets must have thrown on it.
        throw new PcapError('bad_block_length', carryStart + f.end, 'capture framing is inconsistent');
      }
      carry = data.subarray(f.end);
      carryStart += f.end;
      if (eof && carry.length === 0) break;
      await opts.onWindow?.(carryStart, info.bytes);
    }
    await opts.onWindow?.(info.bytes, info.bytes);
    return info;
  } finally {
    await fh.close();
  }
}

/** Moves a PcapError's offset from window coordinates to file coordinates. */
function rebase(e: PcapError, prefixLen: number, windowStart: number): PcapError {
  if (windowStart === 0 && prefixLen === 0) return e;
  const off = e.offset >= prefixLen ? windowStart + (e.offset - prefixLen) : e.offset;
  return new PcapError(e.code, off, e.message.replace(/ \(at byte \d+\)$/, ''));
}

interface Framed {
  /** Bytes of `data` that form whole records/blocks (or, when broken or at EOF, everything to hand to the parser). */
  end: number;
  /** When end is 0: bytes needed to hold the next record/block. */
  need: number;
  /** Framing stopped at a malformed header, included in [0, end) for the parser to report. */
  broken: boolean;
}

interface Framer {
  /** What must precede the next window for readPackets to read it alone. */
  prefix(): Buffer;
  frame(data: Buffer, fileOffset: number, eof: boolean): Framed;
}

class ClassicFramer implements Framer {
  private header: Buffer = Buffer.alloc(0);
  private le = true;

  prefix(): Buffer {
    return this.header;
  }

  frame(data: Buffer, fileOffset: number, eof: boolean): Framed {
    let off = 0;
    if (fileOffset === 0) {
      if (data.length < PCAP_FILE_HEADER_BYTES) return eof ? { end: data.length, need: 0, broken: true } : { end: 0, need: PCAP_FILE_HEADER_BYTES, broken: false };
      this.header = Buffer.from(data.subarray(0, PCAP_FILE_HEADER_BYTES));
      const m = this.header.readUInt32LE(0);
      this.le = m === 0xa1b2c3d4 || m === 0xa1b23c4d || m === 0xa1b2cd34;
      off = PCAP_FILE_HEADER_BYTES;
    }
    for (;;) {
      if (data.length - off < PCAP_RECORD_HEADER_BYTES) break;
      const incl = this.le ? data.readUInt32LE(off + 8) : data.readUInt32BE(off + 8);
      if (incl > MAX_CAPTURED_PACKET_BYTES) return { end: data.length, need: 0, broken: true };
      const total = PCAP_RECORD_HEADER_BYTES + incl;
      if (data.length - off < total) {
        if (off === 0 && !eof) return { end: 0, need: total, broken: false };
        break;
      }
      off += total;
    }
    // At the end of the file a partial record is handed over so that the parser reports it.
    if (eof && off < data.length) return { end: data.length, need: 0, broken: true };
    return { end: off, need: 0, broken: false };
  }
}

class PcapngFramer implements Framer {
  private section: Buffer[] = [];
  private sectionBytes = 0;
  private le = true;
  private joined: Buffer | null = Buffer.alloc(0);

  prefix(): Buffer {
    if (this.joined === null) this.joined = Buffer.concat(this.section);
    return this.joined;
  }

  frame(data: Buffer, fileOffset: number, eof: boolean): Framed {
    let off = 0;
    for (;;) {
      const left = data.length - off;
      if (left === 0) break;
      if (left < 12) {
        if (off === 0 && !eof) return { end: 0, need: 12, broken: false };
        break;
      }
      const isShb = data.readUInt32BE(off) === PCAPNG_SHB;
      let le = this.le;
      if (isShb) {
        const bom = data.readUInt32LE(off + 8);
        if (bom === PCAPNG_BYTE_ORDER_MAGIC) le = true;
        else if (data.readUInt32BE(off + 8) === PCAPNG_BYTE_ORDER_MAGIC) le = false;
        else return { end: data.length, need: 0, broken: true };
      } else if (fileOffset + off === 0) {
        return { end: data.length, need: 0, broken: true };
      }
      const type = le ? data.readUInt32LE(off) : data.readUInt32BE(off);
      const total = le ? data.readUInt32LE(off + 4) : data.readUInt32BE(off + 4);
      if (total < 12 || total % 4 !== 0 || total > MAX_PCAPNG_BLOCK_BYTES) return { end: data.length, need: 0, broken: true };
      if (left < total) {
        if (off === 0 && !eof) return { end: 0, need: total, broken: false };
        break;
      }
      const block = data.subarray(off, off + total);
      if (isShb) {
        this.le = le;
        this.section = [Buffer.from(block)];
        this.sectionBytes = total;
        this.joined = null;
      } else if (type === PCAPNG_IDB) {
        this.sectionBytes += total;
        if (this.sectionBytes > MAX_SECTION_PREFIX_BYTES) {
          throw new PcapError('too_large', fileOffset + off, `pcapng section headers exceed MAX_SECTION_PREFIX_BYTES (${MAX_SECTION_PREFIX_BYTES})`);
        }
        this.section.push(Buffer.from(block));
        this.joined = null;
      }
      off += total;
    }
    if (eof && off < data.length) return { end: data.length, need: 0, broken: true };
    return { end: off, need: 0, broken: false };
  }
}
