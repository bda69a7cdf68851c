/**
 * Test-only helpers for the NetFlow v5/v9 and IPFIX decoders: a small datagram builder (so the
 * tests state every byte they send in terms of fields, not hex), sample sanity checks, the
 * truncation sweep and the time-boxed fuzz loop. Never imported by production code.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { readUdpDatagrams } from '../../capture/pcap-reader.js';
import { parseAddress } from '../../net/ip.js';
import { DecodeError } from '../decode-error.js';
import { Exporter } from '../exporter.js';
import type { FlowSample, SampleRecord, SampleSink } from '../sample.js';

export interface Field {
  type: number;
  length: number;
  enterprise?: number;
}

/** Shorthand for a field specifier. */
export function f(type: number, length: number, enterprise = 0): Field {
  return { type, length, enterprise };
}

/** A field value: a number (big-endian in the field's length), an address, or raw bytes. */
export type Value = number | string | number[] | Uint8Array;

export class Bytes {
  private readonly a: number[] = [];
  get length(): number {
    return this.a.length;
  }
  u8(v: number): this {
    this.a.push(v & 255);
    return this;
  }
  u16(v: number): this {
    return this.uint(v, 2);
  }
  u32(v: number): this {
    return this.uint(v, 4);
  }
  u64(v: number): this {
    return this.uint(v, 8);
  }
  /** Big-endian unsigned integer of `len` bytes (exact for values up to 2^53). */
  uint(v: number, len: number): this {
    let rest = v;
    const tmp: number[] = [];
    for (let i = 0; i < len; i++) {
      tmp.push(rest % 256);
      rest = Math.floor(rest / 256);
    }
    for (let i = len - 1; i >= 0; i--) this.a.push(tmp[i]);
    return this;
  }
  bytes(b: ArrayLike<number>): this {
    for (let i = 0; i < b.length; i++) this.a.push(b[i] & 255);
    return this;
  }
  addr(text: string): this {
    const a = parseAddress(text);
    if (a === null) throw new Error(`builder: bad address ${text}`);
    return this.bytes(a.bytes);
  }
  zeros(n: number): this {
    for (let i = 0; i < n; i++) this.a.push(0);
    return this;
  }
  buffer(): Buffer {
    return Buffer.from(this.a);
  }
}

/** Encodes one record of a template. Variable-length fields (IPFIX 65535) take raw bytes. */
export function record(fields: readonly Field[], values: readonly Value[]): Buffer {
  assert.equal(values.length, fields.length, 'builder: one value per field');
  const out = new Bytes();
  fields.forEach((fl, i) => {
    const v = values[i];
    if (fl.length === 65535) {
      const raw = typeof v === 'number' || typeof v === 'string' ? Buffer.from(String(v)) : v;
      if (raw.length < 255) out.u8(raw.length);
      else out.u8(255).u16(raw.length);
      out.bytes(raw);
    } else if (typeof v === 'number') {
      out.uint(v, fl.length);
    } else if (typeof v === 'string') {
      const a = parseAddress(v);
      if (a === null || a.bytes.length !== fl.length) throw new Error(`builder: ${v} does not fit ${fl.length} bytes`);
      out.bytes(a.bytes);
    } else {
      if (v.length !== fl.length) throw new Error(`builder: raw value of ${v.length} bytes for a ${fl.length}-byte field`);
      out.bytes(v);
    }
  });
  return out.buffer();
}

/** A set/flowset: id, length, body, then `pad` zero bytes counted in the length. */
export function set(id: number, body: Buffer | Buffer[], pad = 0): Buffer {
  const b = Array.isArray(body) ? Buffer.concat(body) : body;
  return new Bytes().u16(id).u16(4 + b.length + pad).bytes(b).zeros(pad).buffer();
}

/** A data set whose records are encoded from the template's fields, padded to 4 bytes. */
export function dataSet(id: number, fields: readonly Field[], rows: readonly (readonly Value[])[], pad4 = true): Buffer {
  const body = Buffer.concat(rows.map((r) => record(fields, r)));
  const pad = pad4 ? (4 - ((4 + body.length) % 4)) % 4 : 0;
  return set(id, body, pad);
}

function specifiers(out: Bytes, fields: readonly Field[], ipfix: boolean): void {
  for (const fl of fields) {
    const ent = fl.enterprise ?? 0;
    if (ipfix && ent !== 0) out.u16(fl.type | 0x8000).u16(fl.length).u32(ent);
    else out.u16(fl.type).u16(fl.length);
  }
}

// ---------- NetFlow v5 ----------

export interface V5Header {
  sysUptime: number;
  unixSecs: number;
  unixNsecs?: number;
  sequence: number;
  engineType?: number;
  engineId?: number;
  /** Raw 16-bit field: mode << 14 | interval. */
  sampling?: number;
  /** Count to write instead of the real record count. */
  count?: number;
}

export interface V5Record {
  src: string;
  dst: string;
  nextHop?: string;
  input?: number;
  output?: number;
  packets: number;
  bytes: number;
  first: number;
  last: number;
  srcPort?: number;
  dstPort?: number;
  tcpFlags?: number;
  protocol: number;
  tos?: number;
  srcAs?: number;
  dstAs?: number;
  srcMask?: number;
  dstMask?: number;
}

export function v5Datagram(h: V5Header, records: readonly V5Record[]): Buffer {
  const out = new Bytes()
    .u16(5)
    .u16(h.count ?? records.length)
    .u32(h.sysUptime)
    .u32(h.unixSecs)
    .u32(h.unixNsecs ?? 0)
    .u32(h.sequence)
    .u8(h.engineType ?? 0)
    .u8(h.engineId ?? 0)
    .u16(h.sampling ?? 0);
  for (const r of records) {
    out
      .addr(r.src)
      .addr(r.dst)
      .addr(r.nextHop ?? '0.0.0.0')
      .u16(r.input ?? 0)
      .u16(r.output ?? 0)
      .u32(r.packets)
      .u32(r.bytes)
      .u32(r.first)
      .u32(r.last)
      .u16(r.srcPort ?? 0)
      .u16(r.dstPort ?? 0)
      .u8(0)
      .u8(r.tcpFlags ?? 0)
      .u8(r.protocol)
      .u8(r.tos ?? 0)
      .u16(r.srcAs ?? 0)
      .u16(r.dstAs ?? 0)
      .u8(r.srcMask ?? 0)
      .u8(r.dstMask ?? 0)
      .u16(0);
  }
  return out.buffer();
}

// ---------- NetFlow v9 ----------

export interface V9Header {
  sysUptime: number;
  unixSecs: number;
  sequence: number;
  sourceId: number;
  /** Record count to write (exporters often get it wrong; decoders ignore it). */
  count?: number;
}

export function v9Datagram(h: V9Header, flowsets: readonly Buffer[]): Buffer {
  const head = new Bytes().u16(9).u16(h.count ?? 0).u32(h.sysUptime).u32(h.unixSecs).u32(h.sequence).u32(h.sourceId).buffer();
  return Buffer.concat([head, ...flowsets]);
}

export function v9TemplateFlowset(templates: readonly { id: number; fields: readonly Field[] }[]): Buffer {
  const out = new Bytes();
  for (const t of templates) {
    out.u16(t.id).u16(t.fields.length);
    specifiers(out, t.fields, false);
  }
  return set(0, out.buffer());
}

export function v9OptionsTemplateFlowset(
  templates: readonly { id: number; scope: readonly Field[]; fields: readonly Field[] }[],
  pad4 = true,
): Buffer {
  const out = new Bytes();
  for (const t of templates) {
    out.u16(t.id).u16(t.scope.length * 4).u16(t.fields.length * 4);
    specifiers(out, t.scope, false);
    specifiers(out, t.fields, false);
  }
  const pad = pad4 ? (4 - ((4 + out.length) % 4)) % 4 : 0;
  return set(1, out.buffer(), pad);
}

// ---------- IPFIX ----------

export interface IpfixHeader {
  exportTime: number;
  sequence: number;
  domain: number;
  /** Length to write instead of the real one. */
  length?: number;
}

export function ipfixMessage(h: IpfixHeader, sets: readonly Buffer[]): Buffer {
  const body = Buffer.concat(sets);
  const head = new Bytes()
    .u16(10)
    .u16(h.length ?? 16 + body.length)
    .u32(h.exportTime)
    .u32(h.sequence)
    .u32(h.domain)
    .buffer();
  return Buffer.concat([head, body]);
}

export function ipfixTemplateSet(templates: readonly { id: number; fields: readonly Field[] }[]): Buffer {
  const out = new Bytes();
  for (const t of templates) {
    out.u16(t.id).u16(t.fields.length);
    specifiers(out, t.fields, true);
  }
  return set(2, out.buffer());
}

export function ipfixOptionsTemplateSet(templates: readonly { id: number; scopeCount: number; fields: readonly Field[] }[]): Buffer {
  const out = new Bytes();
  for (const t of templates) {
    out.u16(t.id).u16(t.fields.length).u16(t.scopeCount);
    specifiers(out, t.fields, true);
  }
  return set(3, out.buffer());
}

/** Withdrawal records (field count 0) in a template (2) or options template (3) set. */
export function ipfixWithdrawalSet(setId: 2 | 3, templateIds: readonly number[]): Buffer {
  const out = new Bytes();
  for (const id of templateIds) out.u16(id).u16(0);
  return set(setId, out.buffer());
}

// ---------- checks ----------

export function newExporter(address = '192.0.2.1', samplingDefault = 1, override = 0): Exporter {
  return new Exporter(address, 1, override, samplingDefault);
}

/** Error counts of an exporter as a plain object, for deepEqual. */
export function errors(e: Exporter): Record<string, number> {
  return Object.fromEntries([...e.stats.errors.entries()].sort());
}

/** The defaults of a record, so expected samples can be written as base + what differs. */
export function expectRecord(fields: Partial<SampleRecord> & Pick<SampleRecord, 'source'>): SampleRecord {
  return {
    ipVersion: 4,
    src: '0.0.0.0',
    dst: '0.0.0.0',
    protocol: 0,
    srcPort: 0,
    dstPort: 0,
    tcpFlags: 0,
    icmpType: 0,
    icmpCode: 0,
    tos: 0,
    ttl: 0,
    isFragment: false,
    fragmentOffset: 0,
    moreFragments: false,
    dontFragment: false,
    packets: 0,
    bytes: 0,
    samplingRate: 1,
    frameLength: 0,
    ipLength: 0,
    inputIf: 0,
    outputIf: 0,
    srcAs: 0,
    dstAs: 0,
    vlan: 0,
    forwarding: 0,
    startMs: 0,
    endMs: 0,
    ...fields,
  };
}

/** Throws unless the sample is one a decoder may emit. */
export function assertSane(s: FlowSample): void {
  if (s.ipVersion !== 4 && s.ipVersion !== 6) throw new Error(`ipVersion ${s.ipVersion}`);
  const nums: [string, number][] = [
    ['srcV4', s.srcV4], ['dstV4', s.dstV4], ['protocol', s.protocol], ['srcPort', s.srcPort], ['dstPort', s.dstPort],
    ['tcpFlags', s.tcpFlags], ['icmpType', s.icmpType], ['icmpCode', s.icmpCode], ['tos', s.tos], ['ttl', s.ttl],
    ['fragmentOffset', s.fragmentOffset], ['packets', s.packets], ['bytes', s.bytes], ['samplingRate', s.samplingRate],
    ['inputIf', s.inputIf], ['outputIf', s.outputIf], ['srcAs', s.srcAs], ['dstAs', s.dstAs], ['vlan', s.vlan],
    ['forwarding', s.forwarding], ['startMs', s.startMs], ['endMs', s.endMs],
  ];
  for (const [k, v] of nums) {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${k} is ${v}`);
    if (k !== 'startMs' && k !== 'endMs' && v < 0) throw new Error(`${k} is negative: ${v}`);
  }
  if (s.samplingRate < 1) throw new Error(`samplingRate ${s.samplingRate}`);
  if (s.protocol > 255 || s.srcPort > 65535 || s.dstPort > 65535 || s.tcpFlags > 255) throw new Error('field out of range');
  if (s.icmpType > 255 || s.icmpCode > 255 || s.vlan > 4095 || s.forwarding > 3) throw new Error('field out of range');
}

/** A sink that checks every sample and counts them. */
export class SaneSink implements SampleSink {
  count = 0;
  sample(s: FlowSample): void {
    assertSane(s);
    this.count++;
  }
}

export type DecodeFn = (buf: Buffer, exporter: Exporter, nowMs: number, sink: SampleSink) => number;

/** Decodes and lets only DecodeError through (anything else fails the test with the input in hex). */
export function decodeSafely(decode: DecodeFn, buf: Buffer, exporter: Exporter, nowMs: number, sink: SampleSink): void {
  try {
    decode(buf, exporter, nowMs, sink);
  } catch (e) {
    if (e instanceof DecodeError) return;
    throw new Error(`non-DecodeError ${String(e)} for input ${buf.toString('hex')}`, { cause: e });
  }
}

/** Decodes every prefix (length 0..n) of every datagram. */
export function truncationSweep(decode: DecodeFn, datagrams: readonly Buffer[], nowMs: number): number {
  let n = 0;
  for (const d of datagrams) {
    for (let len = 0; len <= d.length; len++) {
      const e = newExporter();
      decodeSafely(decode, d.subarray(0, len), e, nowMs, new SaneSink());
      n++;
    }
  }
  return n;
}

export function fuzzMillis(): number {
  const s = Number(process.env.FUZZ_SECONDS ?? '2');
  return Math.max(0.05, Number.isFinite(s) ? s : 2) * 1000;
}

/**
 * Property-based fuzzing, time-boxed by FUZZ_SECONDS (split between random bytes and mutated
 * valid datagrams): only DecodeError may be thrown and every emitted sample must be sane.
 */
export function fuzz(decode: DecodeFn, seeds: readonly Buffer[], nowMs: number, headerPrefix: number[]): void {
  const half = fuzzMillis() / 2;
  const exporter = newExporter();
  const sink = new SaneSink();
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 1500 }), fc.boolean(), (bytes, withHeader) => {
      const b = Buffer.from(bytes);
      // Half the inputs get a valid version field, so the body parser sees them too.
      if (withHeader && b.length >= headerPrefix.length) for (let i = 0; i < headerPrefix.length; i++) b[i] = headerPrefix[i];
      decodeSafely(decode, b, exporter, nowMs, sink);
    }),
    { numRuns: 1e9, interruptAfterTimeLimit: half },
  );
  const mutation = fc.record({
    seed: fc.integer({ min: 0, max: seeds.length - 1 }),
    edits: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }),
    cut: fc.option(fc.nat()),
  });
  fc.assert(
    fc.property(mutation, ({ seed, edits, cut }) => {
      const b = Buffer.from(seeds[seed]);
      for (const [pos, val] of edits) if (b.length > 0) b[pos % b.length] = val;
      const buf = cut === null ? b : b.subarray(0, cut % (b.length + 1));
      decodeSafely(decode, buf, exporter, nowMs, sink);
    }),
    { numRuns: 1e9, interruptAfterTimeLimit: half },
  );
}

/**
 * Datagrams stored as files under a testdata directory, recursively: `.bin` files hold one UDP
 * payload each (saved crashers), `.pcap`/`.pcapng` files (`captured/`, from real exporters) give
 * every UDP payload they carry, in capture order. `hand-made/` is skipped by default: those are
 * the tests' own fixtures, already in memory. Missing directory = none.
 */
export function testdataFiles(dir: string, skipDirs: readonly string[] = ['hand-made']): Buffer[] {
  if (!existsSync(dir)) return [];
  const out: Buffer[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) {
        if (!skipDirs.includes(name)) walk(p);
      } else if (name.endsWith('.bin')) {
        out.push(readFileSync(p));
      } else if (name.endsWith('.pcap') || name.endsWith('.pcapng')) {
        for (const d of readUdpDatagrams(readFileSync(p))) out.push(Buffer.from(d.payload));
      }
    }
  };
  walk(dir);
  return out;
}

/**
 * Hand-made fixtures are written by the builder in the tests and kept as binary files in
 * `<testdata>/hand-made/` (one UDP payload per .bin) for benchmarks, external fuzzers and
 * other tools. This keeps the files equal to what the tests build: with UPDATE_FIXTURES=1 it
 * (re)writes them, otherwise it fails when one is missing or differs.
 */
export function checkHandMadeFixtures(testdata: string, fixtures: ReadonlyMap<string, Buffer>): void {
  const dir = join(testdata, 'hand-made');
  if (process.env.UPDATE_FIXTURES === '1') {
    mkdirSync(dir, { recursive: true });
    for (const [name, buf] of fixtures) writeFileSync(join(dir, `${name}.bin`), buf);
    return;
  }
  for (const [name, buf] of fixtures) {
    const p = join(dir, `${name}.bin`);
    assert.ok(existsSync(p), `${p} is missing: run the tests with UPDATE_FIXTURES=1`);
    assert.ok(readFileSync(p).equals(buf), `${p} differs from what the test builds: run the tests with UPDATE_FIXTURES=1`);
  }
}
