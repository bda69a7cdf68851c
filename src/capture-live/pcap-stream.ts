/**
 * An incremental reader of a classic pcap stream (what `tcpdump -w -` writes to a pipe): bytes
 * arrive in chunks cut anywhere, records are handed on as soon as they are complete.
 *
 * The file reader (src/capture/pcap-reader.ts) needs whole records in one buffer; a pipe gives
 * 64 KiB reads that split records at arbitrary bytes. Records wholly inside a chunk are handed on
 * as a view of the chunk (no copy); only a record split across chunks is copied, into one carry
 * buffer allocated once at the size of the largest record the header allows. Memory is therefore
 * bounded by the snap length, whatever arrives.
 *
 * A stream cannot be resynchronised: once a record header is wrong, every later "record" is read
 * from the wrong offset. So the checks go beyond the file reader's: a record longer than the
 * stream's snap length, a captured length above the original length, or a sub-second timestamp
 * field out of range all mean the framing is lost, and throw a PcapStreamError. The caller
 * (InterfaceCapture) then restarts the capture from a fresh header.
 *
 * Only classic pcap (draft-ietf-opsawg-pcap: both byte orders, microsecond and nanosecond magic):
 * tcpdump and dumpcap -P write it to pipes. pcapng is refused with unsupported_format.
 */

/** Largest captured length accepted whatever the header says (libpcap's MAXIMUM_SNAPLEN). */
export const MAX_STREAM_RECORD_BYTES = 262_144;

export const PCAP_STREAM_ERROR_CODES = [
  /** The first word is no classic pcap magic. */
  'bad_magic',
  /** pcapng, the modified (Kuznetzov) format, or a version other than 2.x. */
  'unsupported_format',
  /** A record longer than the stream's snap length or the reader's limit. */
  'too_large',
  /** A record header that contradicts itself (captured > original length, sub-second field out of range). */
  'bad_record',
  /** The stream ended inside the file header or a record. */
  'truncated',
] as const;
export type PcapStreamErrorCode = (typeof PCAP_STREAM_ERROR_CODES)[number];

export class PcapStreamError extends Error {
  readonly code: PcapStreamErrorCode;
  /** Byte offset in the stream of the header or record at fault. */
  readonly offset: number;
  constructor(code: PcapStreamErrorCode, offset: number, message: string) {
    super(`${message} (at stream byte ${offset})`);
    this.name = 'PcapStreamError';
    this.code = code;
    this.offset = offset;
  }
}

/** The stream's file header. */
export interface PcapStreamHeader {
  linkType: number;
  /** Snap length written in the header (0 read as "no limit": MAX_STREAM_RECORD_BYTES applies). */
  snapLen: number;
  nanoseconds: boolean;
  littleEndian: boolean;
}

/**
 * Called once per complete record. `data[start, start + capLen)` is the packet as captured; the
 * buffer is only valid during the call (it is the chunk or the carry buffer, reused). `tsMs` is
 * the capture time, Unix ms (fractional). Must not throw: an exception leaves the reader failed.
 */
export type PcapRecordHandler = (data: Buffer, start: number, capLen: number, origLen: number, tsMs: number) => void;

export interface PcapStreamOptions {
  /** Lower limit than the header's snap length for a record's captured length (e.g. the snap length the capture was asked for). */
  maxRecordBytes?: number;
  /** Called once the file header is read, before any record. */
  onHeader?: (h: PcapStreamHeader) => void;
}

const MAGIC_US = 0xa1b2c3d4;
const MAGIC_NS = 0xa1b23c4d;
const MAGIC_MODIFIED = 0xa1b2cd34;
const PCAPNG_SHB = 0x0a0d0d0a;
const FILE_HEADER_BYTES = 24;
const RECORD_HEADER_BYTES = 16;

export class PcapStreamReader {
  /** The file header once read; null before. */
  header: PcapStreamHeader | null = null;
  /** Records handed to the handler. */
  records = 0;
  /** Bytes consumed (header and records, including a partial record in the carry buffer). */
  bytes = 0;
  /** The error that ended the stream; every later push() throws it again. */
  error: PcapStreamError | Error | null = null;

  private readonly limitOption: number;
  private limit = MAX_STREAM_RECORD_BYTES;
  private le = true;
  private nanos = false;
  /** Holds the file header, then a record split across chunks: its header and what came of its data. */
  private carry: Buffer = Buffer.allocUnsafe(FILE_HEADER_BYTES);
  private carryLen = 0;
  /** Stream offset of the first byte in carry. */
  private carryOffset = 0;

  constructor(
    private readonly onRecord: PcapRecordHandler,
    private readonly opts: PcapStreamOptions = {},
  ) {
    const m = opts.maxRecordBytes ?? MAX_STREAM_RECORD_BYTES;
    if (!Number.isInteger(m) || m < 1 || m > MAX_STREAM_RECORD_BYTES) {
      throw new RangeError(`maxRecordBytes must be an integer from 1 to ${MAX_STREAM_RECORD_BYTES}, got ${m}`);
    }
    this.limitOption = m;
  }

  /** Bytes of an incomplete header or record waiting for the next chunk. */
  get pendingBytes(): number {
    return this.carryLen;
  }

  /** Reads every record the chunk completes. Throws PcapStreamError when the framing is wrong. */
  push(chunk: Buffer): void {
    if (this.error) throw this.error;
    try {
      this.consume(chunk);
    } catch (err) {
      this.error = err instanceof Error ? err : new Error(String(err));
      throw err;
    }
  }

  /**
   * The stream has ended. Throws a PcapStreamError (truncated) when it ended inside the file header
   * or a record; a stream that ended between records, or never started, is fine.
   */
  end(): void {
    if (this.error) return;
    if (this.carryLen === 0) return;
    const what = this.header === null ? 'the file header' : 'a record';
    this.error = new PcapStreamError('truncated', this.carryOffset, `stream ended inside ${what} (${this.carryLen} bytes of it arrived)`);
    throw this.error;
  }

  private consume(chunk: Buffer): void {
    let off = 0;
    const n = chunk.length;
    if (this.header === null) {
      const take = Math.min(FILE_HEADER_BYTES - this.carryLen, n);
      chunk.copy(this.carry, this.carryLen, 0, take);
      this.carryLen += take;
      this.bytes += take;
      off = take;
      if (this.carryLen < FILE_HEADER_BYTES) {
        // The magic can be judged from 4 bytes: refuse a wrong stream without waiting for more.
        if (this.carryLen >= 4) this.checkMagic(this.carry);
        return;
      }
      this.readHeader(this.carry);
      this.carryLen = 0;
      this.carryOffset = FILE_HEADER_BYTES;
    }
    // A record split by the previous chunk: complete it from this one.
    if (this.carryLen > 0) {
      off = this.completeCarried(chunk, off);
      if (this.carryLen > 0) return;
    }
    // Records wholly inside the chunk are handed on in place.
    const base = this.bytes - off;
    while (n - off >= RECORD_HEADER_BYTES) {
      const capLen = this.checkRecord(chunk, off, base + off);
      const end = off + RECORD_HEADER_BYTES + capLen;
      if (end > n) break;
      this.bytes += RECORD_HEADER_BYTES + capLen;
      this.emit(chunk, off, capLen);
      off = end;
    }
    if (off < n) {
      // The start of the next record: keep it. Its header, if whole, was checked by the loop, so
      // it fits the carry buffer sized for a header plus the largest record.
      this.carryOffset = base + off;
      chunk.copy(this.carry, 0, off, n);
      this.carryLen = n - off;
      this.bytes += n - off;
    }
  }

  /** Adds bytes of `chunk` from `off` to the carried record; hands it on when complete. Returns the new offset. */
  private completeCarried(chunk: Buffer, off: number): number {
    const n = chunk.length;
    if (this.carryLen < RECORD_HEADER_BYTES) {
      const take = Math.min(RECORD_HEADER_BYTES - this.carryLen, n - off);
      chunk.copy(this.carry, this.carryLen, off, off + take);
      this.carryLen += take;
      this.bytes += take;
      off += take;
      if (this.carryLen < RECORD_HEADER_BYTES) return off;
    }
    const capLen = this.checkRecord(this.carry, 0, this.carryOffset);
    const need = RECORD_HEADER_BYTES + capLen - this.carryLen;
    const take = Math.min(need, n - off);
    chunk.copy(this.carry, this.carryLen, off, off + take);
    this.carryLen += take;
    this.bytes += take;
    off += take;
    if (take < need) return off;
    const startOffset = this.carryOffset;
    this.carryLen = 0;
    this.carryOffset = startOffset + RECORD_HEADER_BYTES + capLen;
    this.emit(this.carry, 0, capLen);
    return off;
  }

  private checkMagic(b: Buffer): void {
    const le = b.readUInt32LE(0);
    const be = b.readUInt32BE(0);
    if (le === MAGIC_US || le === MAGIC_NS || be === MAGIC_US || be === MAGIC_NS) return;
    if (be === PCAPNG_SHB) throw new PcapStreamError('unsupported_format', 0, 'a pcapng stream; the live reader takes classic pcap only (tcpdump -w writes it)');
    if (le === MAGIC_MODIFIED || be === MAGIC_MODIFIED) throw new PcapStreamError('unsupported_format', 0, 'modified (Kuznetzov) pcap is not supported');
    throw new PcapStreamError('bad_magic', 0, `not a pcap stream (first word 0x${be.toString(16).padStart(8, '0')})`);
  }

  private readHeader(b: Buffer): void {
    this.checkMagic(b);
    const lm = b.readUInt32LE(0);
    this.le = lm === MAGIC_US || lm === MAGIC_NS;
    const magic = this.le ? lm : b.readUInt32BE(0);
    this.nanos = magic === MAGIC_NS;
    const major = this.le ? b.readUInt16LE(4) : b.readUInt16BE(4);
    const minor = this.le ? b.readUInt16LE(6) : b.readUInt16BE(6);
    if (major !== 2) throw new PcapStreamError('unsupported_format', 4, `pcap version ${major}.${minor} (only 2.x exists)`);
    const snapLen = this.le ? b.readUInt32LE(16) : b.readUInt32BE(16);
    // The upper bits of the link type word may carry FCS information (pcap draft §4).
    const linkType = (this.le ? b.readUInt32LE(20) : b.readUInt32BE(20)) & 0xffff;
    // pcap draft §4: no record's captured length exceeds SnapLen. Some writers put 0 or a huge
    // value there; the reader's own limit still applies then.
    this.limit = Math.min(this.limitOption, snapLen > 0 ? snapLen : MAX_STREAM_RECORD_BYTES);
    this.carry = Buffer.allocUnsafe(RECORD_HEADER_BYTES + this.limit);
    this.header = { linkType, snapLen, nanoseconds: this.nanos, littleEndian: this.le };
    this.opts.onHeader?.(this.header);
  }

  /** Checks the record header at `off` and returns its captured length. `at` is its stream offset, for errors. */
  private checkRecord(b: Buffer, off: number, at: number): number {
    const le = this.le;
    const frac = le ? b.readUInt32LE(off + 4) : b.readUInt32BE(off + 4);
    const capLen = le ? b.readUInt32LE(off + 8) : b.readUInt32BE(off + 8);
    const origLen = le ? b.readUInt32LE(off + 12) : b.readUInt32BE(off + 12);
    if (capLen > this.limit) {
      throw new PcapStreamError('too_large', at, `record of ${capLen} captured bytes exceeds the limit of ${this.limit} (snap length): framing lost`);
    }
    if (capLen > origLen) {
      throw new PcapStreamError('bad_record', at, `record captured length ${capLen} exceeds its original length ${origLen}: framing lost`);
    }
    if (frac >= (this.nanos ? 1_000_000_000 : 1_000_000)) {
      throw new PcapStreamError('bad_record', at, `record timestamp fraction ${frac} out of range for ${this.nanos ? 'nanoseconds' : 'microseconds'}: framing lost`);
    }
    return capLen;
  }

  private emit(b: Buffer, off: number, capLen: number): void {
    const le = this.le;
    const sec = le ? b.readUInt32LE(off) : b.readUInt32BE(off);
    const frac = le ? b.readUInt32LE(off + 4) : b.readUInt32BE(off + 4);
    const origLen = le ? b.readUInt32LE(off + 12) : b.readUInt32BE(off + 12);
    this.records++;
    this.onRecord(b, off + RECORD_HEADER_BYTES, capLen, origLen, sec * 1000 + (this.nanos ? frac / 1e6 : frac / 1e3));
  }
}
