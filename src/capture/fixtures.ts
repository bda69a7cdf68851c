/**
 * The captured real-exporter fixtures (src/flow/{sflow,netflow,ipfix}/testdata/captured/*.pcap,
 * made by scripts/capture-fixtures.sh) as lists of export datagrams: for decoder tests against the
 * tshark truth, truncation sweeps and fuzz seeds. Test support: reads files synchronously.
 */
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readPcapFile, readUdpDatagrams } from './pcap-reader.js';

export type FixtureProtocol = 'sflow' | 'netflow_v5' | 'netflow_v9' | 'ipfix';

/** Repository-relative folders holding captured fixtures. */
export const CAPTURED_FIXTURE_DIRS = [
  'src/flow/sflow/testdata/captured',
  'src/flow/netflow/testdata/captured',
  'src/flow/ipfix/testdata/captured',
] as const;

export interface FixtureDatagram {
  /** Repository-relative path of the capture file. */
  file: string;
  /** Position of the datagram among the file's UDP datagrams (0-based). */
  index: number;
  protocol: FixtureProtocol;
  tsMs: number;
  /** The exporter's address as the collector saw it. */
  srcAddr: string;
  /** A view into the file's bytes: copy it (Buffer.from) before mutating it for fuzzing. */
  payload: Buffer;
}

/** The repository root: the nearest folder above this module holding package.json and src/. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'src'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('repoRoot: no package.json above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
}

/** The export protocol of a datagram, from its version field; null when none matches. */
export function detectProtocol(payload: Buffer): FixtureProtocol | null {
  if (payload.length >= 4 && payload.readUInt32BE(0) === 5) return 'sflow'; // sFlow v5: 32-bit version
  if (payload.length < 2) return null;
  switch (payload.readUInt16BE(0)) {
    case 5: return 'netflow_v5';
    case 9: return 'netflow_v9';
    case 10: return 'ipfix';
    default: return null;
  }
}

/** Absolute paths of every captured fixture file, sorted. */
export function listFixtureFiles(): string[] {
  const root = repoRoot();
  const out: string[] = [];
  for (const d of CAPTURED_FIXTURE_DIRS) {
    const abs = join(root, d);
    if (!existsSync(abs)) continue;
    for (const name of readdirSync(abs)) {
      if (name.endsWith('.pcap') || name.endsWith('.pcapng')) out.push(join(abs, name));
    }
  }
  return out.sort();
}

/** The UDP datagrams of one capture file, each tagged with its detected protocol. */
export function readFixtureDatagrams(path: string): FixtureDatagram[] {
  const rel = relative(repoRoot(), path);
  const out: FixtureDatagram[] = [];
  let index = 0;
  for (const d of readUdpDatagrams(readPcapFile(path))) {
    const protocol = detectProtocol(d.payload);
    if (protocol !== null) out.push({ file: rel, index, protocol, tsMs: d.tsMs, srcAddr: d.srcAddr, payload: d.payload });
    index++;
  }
  return out;
}

/** Every datagram of every captured fixture, optionally only those of one protocol. */
export function listFixtureDatagrams(protocol?: FixtureProtocol): FixtureDatagram[] {
  const all = listFixtureFiles().flatMap((f) => readFixtureDatagrams(f));
  return protocol === undefined ? all : all.filter((d) => d.protocol === protocol);
}
