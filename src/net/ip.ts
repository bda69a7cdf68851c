/**
 * IPv4/IPv6 addresses and prefixes as bytes and numbers: parsing and formatting for config, logs
 * and the API. IPv4 is kept as an unsigned 32-bit integer on the hot path; IPv6 as 16 bytes.
 * Parsing goes through node:net's validators so that every textual form Node accepts is accepted.
 */
import { isIPv4, isIPv6 } from 'node:net';

export interface Address {
  version: 4 | 6;
  /** 4 or 16 bytes, network order. */
  bytes: Uint8Array;
}

export interface Prefix {
  version: 4 | 6;
  bytes: Uint8Array;
  length: number;
}

export function parseAddress(text: string): Address | null {
  const s = text.trim();
  if (isIPv4(s)) {
    const b = new Uint8Array(4);
    const parts = s.split('.');
    for (let i = 0; i < 4; i++) b[i] = Number(parts[i]);
    return { version: 4, bytes: b };
  }
  // Strip a zone index ("fe80::1%eth0") before validating: it is not part of the address.
  const noZone = s.includes('%') ? s.slice(0, s.indexOf('%')) : s;
  if (!isIPv6(noZone)) return null;
  return { version: 6, bytes: parseIPv6(noZone) };
}

function parseIPv6(s: string): Uint8Array {
  const out = new Uint8Array(16);
  let text = s;
  // An embedded IPv4 tail ("::ffff:192.0.2.1") becomes two hextets.
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (tail.includes('.')) {
    const p = tail.split('.').map(Number);
    text = `${text.slice(0, lastColon + 1)}${((p[0] << 8) | p[1]).toString(16)}:${((p[2] << 8) | p[3]).toString(16)}`;
  }
  const dbl = text.indexOf('::');
  let head: string[];
  let rest: string[];
  if (dbl >= 0) {
    head = text.slice(0, dbl) === '' ? [] : text.slice(0, dbl).split(':');
    rest = text.slice(dbl + 2) === '' ? [] : text.slice(dbl + 2).split(':');
  } else {
    head = text.split(':');
    rest = [];
  }
  const words = new Array<number>(8).fill(0);
  head.forEach((h, i) => (words[i] = parseInt(h, 16)));
  rest.forEach((h, i) => (words[8 - rest.length + i] = parseInt(h, 16)));
  for (let i = 0; i < 8; i++) {
    out[i * 2] = words[i] >> 8;
    out[i * 2 + 1] = words[i] & 0xff;
  }
  return out;
}

export function formatIPv4(v: number): string {
  return `${(v >>> 24) & 255}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
}

/** RFC 5952 canonical text: lower case, longest run of two or more zero hextets as "::". */
export function formatIPv6(b: Uint8Array, offset = 0): string {
  const w: number[] = [];
  for (let i = 0; i < 8; i++) w.push((b[offset + i * 2] << 8) | b[offset + i * 2 + 1]);
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (w[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && w[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  // IPv4-mapped addresses keep their dotted tail (::ffff:a.b.c.d).
  if (bestStart === 0 && bestLen === 5 && w[5] === 0xffff) {
    return `::ffff:${b[offset + 12]}.${b[offset + 13]}.${b[offset + 14]}.${b[offset + 15]}`;
  }
  if (bestStart < 0) return w.map((x) => x.toString(16)).join(':');
  const left = w.slice(0, bestStart).map((x) => x.toString(16)).join(':');
  const right = w.slice(bestStart + bestLen).map((x) => x.toString(16)).join(':');
  return `${left}::${right}`;
}

export function formatAddress(bytes: Uint8Array, version: number): string {
  if (version === 4) return `${bytes[0]}.${bytes[1]}.${bytes[2]}.${bytes[3]}`;
  if (version === 6) return formatIPv6(bytes);
  return '';
}

export function ipv4ToNumber(b: Uint8Array, offset = 0): number {
  return ((b[offset] << 24) | (b[offset + 1] << 16) | (b[offset + 2] << 8) | b[offset + 3]) >>> 0;
}

/**
 * Parses "a.b.c.d/n", "x::/n" or a bare address (a host prefix). Host bits beyond the prefix
 * length are an error: "10.0.0.1/8" is almost always a typo for "10.0.0.0/8" and silently
 * masking it would widen or move what the operator meant.
 */
export function parsePrefix(text: string): Prefix | { error: string } {
  const s = text.trim();
  const slash = s.indexOf('/');
  const addrText = slash >= 0 ? s.slice(0, slash) : s;
  const addr = parseAddress(addrText);
  if (!addr) return { error: `'${text}' is not an IPv4 or IPv6 address or prefix` };
  const max = addr.version === 4 ? 32 : 128;
  let length = max;
  if (slash >= 0) {
    const lenText = s.slice(slash + 1);
    if (!/^\d{1,3}$/.test(lenText) || Number(lenText) > max) {
      return { error: `'${text}': prefix length must be 0 to ${max}` };
    }
    length = Number(lenText);
  }
  for (let bit = length; bit < max; bit++) {
    if (addr.bytes[bit >> 3] & (0x80 >> (bit & 7))) {
      return { error: `'${text}' has host bits set beyond /${length} (did you mean ${formatPrefix(maskPrefix({ ...addr, length }))}?)` };
    }
  }
  return { version: addr.version, bytes: addr.bytes, length };
}

export function maskPrefix(p: Prefix): Prefix {
  const b = new Uint8Array(p.bytes);
  const max = p.version === 4 ? 32 : 128;
  for (let bit = p.length; bit < max; bit++) b[bit >> 3] &= ~(0x80 >> (bit & 7));
  return { version: p.version, bytes: b, length: p.length };
}

export function formatPrefix(p: Prefix): string {
  return `${formatAddress(p.bytes, p.version)}/${p.length}`;
}

/** True when the address (same family) lies inside the prefix. */
export function prefixContains(p: Prefix, version: number, bytes: Uint8Array): boolean {
  if (p.version !== version) return false;
  const full = p.length >> 3;
  for (let i = 0; i < full; i++) if (p.bytes[i] !== bytes[i]) return false;
  const rem = p.length & 7;
  if (rem === 0) return true;
  const mask = (0xff << (8 - rem)) & 0xff;
  return (p.bytes[full] & mask) === (bytes[full] & mask);
}
