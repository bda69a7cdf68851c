/**
 * The address sets that decide what is counted and how: monitored networks (direction and
 * per-network totals), our allow-listed hosts (never banned) and allow-listed remotes (not
 * counted towards detection). Built once from the config and the list files it names.
 */
import { readFileSync } from 'node:fs';
import { formatPrefix, parseAddress, parsePrefix, type Prefix } from '../net/ip.js';
import { PrefixSet } from '../net/prefix-set.js';
import type { TrafficConfig } from './config.js';

/** Lines accepted from one list file (docs/limits.md): a bound on startup memory and time. */
export const MAX_LIST_FILE_LINES = 1_000_000;

export class NetworkConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid network lists:\n  ${problems.join('\n  ')}`);
    this.name = 'NetworkConfigError';
  }
}

/**
 * Parses FastNetMon's networks_list / white_list format: one CIDR (or bare address) per line,
 * '#' starts a comment (whole line or trailing), blank lines ignored. Every bad line is reported
 * with its line number; nothing is silently masked or skipped.
 */
export function parseNetworkList(text: string, source: string): { prefixes: Prefix[]; errors: string[] } {
  const prefixes: Prefix[] = [];
  const errors: string[] = [];
  const lines = text.split(/\r?\n/);
  if (lines.length > MAX_LIST_FILE_LINES) {
    errors.push(`${source}: ${lines.length} lines, more than the limit of ${MAX_LIST_FILE_LINES}`);
    return { prefixes, errors };
  }
  for (let i = 0; i < lines.length; i++) {
    const hash = lines[i].indexOf('#');
    const line = (hash >= 0 ? lines[i].slice(0, hash) : lines[i]).trim();
    if (line === '') continue;
    const p = parsePrefix(line);
    if ('error' in p) errors.push(`${source}:${i + 1}: ${p.error}`);
    else prefixes.push(p);
  }
  return { prefixes, errors };
}

export type ReadFile = (path: string) => string;
const defaultReadFile: ReadFile = (path) => readFileSync(path, 'utf8');

export class NetworkSets {
  /** Monitored networks; the value is the index into `networkPrefixes`. */
  readonly networks = new PrefixSet();
  readonly networkPrefixes: Prefix[] = [];
  readonly networkNames: string[] = [];
  /** Our hosts that are never banned. */
  readonly allowHosts = new PrefixSet();
  /** Remotes whose traffic is not counted towards detection. */
  readonly allowRemote = new PrefixSet();

  /** Builds the sets from the config, reading the list files it names. Throws NetworkConfigError listing every problem. */
  static fromConfig(cfg: Pick<TrafficConfig, 'networks' | 'networks_file' | 'allow_list'>, readFile: ReadFile = defaultReadFile): NetworkSets {
    const sets = new NetworkSets();
    const problems: string[] = [];
    const collect = (inline: string[], inlinePath: string, file: string | null, filePath: string): Prefix[] => {
      const out: Prefix[] = [];
      inline.forEach((text, i) => {
        const p = parsePrefix(text);
        if ('error' in p) problems.push(`${inlinePath}[${i}]: ${p.error}`);
        else out.push(p);
      });
      if (file !== null) {
        let text: string;
        try {
          text = readFile(file);
        } catch (err) {
          problems.push(`${filePath}: cannot read ${file}: ${(err as Error).message}`);
          return out;
        }
        const r = parseNetworkList(text, file);
        problems.push(...r.errors);
        out.push(...r.prefixes);
      }
      return out;
    };
    const nets = collect(cfg.networks, 'traffic.networks', cfg.networks_file, 'traffic.networks_file');
    const hosts = collect(cfg.allow_list.hosts, 'traffic.allow_list.hosts', cfg.allow_list.hosts_file, 'traffic.allow_list.hosts_file');
    const remote = collect(cfg.allow_list.remote, 'traffic.allow_list.remote', cfg.allow_list.remote_file, 'traffic.allow_list.remote_file');
    if (problems.length > 0) throw new NetworkConfigError(problems);
    for (const p of nets) sets.addNetwork(p);
    for (const p of hosts) sets.allowHosts.add(p, 0);
    for (const p of remote) sets.allowRemote.add(p, 0);
    return sets;
  }

  /** Adds a monitored network (duplicates keep their first index). Returns its index. */
  addNetwork(p: Prefix): number {
    const existing = this.networks.get(p);
    if (existing >= 0) return existing;
    const index = this.networkPrefixes.length;
    this.networkPrefixes.push(p);
    this.networkNames.push(formatPrefix(p));
    this.networks.add(p, index);
    return index;
  }

  get networkCount(): number {
    return this.networkPrefixes.length;
  }

  /** Index of the most specific monitored network containing the address, or -1. */
  networkOf(version: number, bytes: Uint8Array): number {
    return this.networks.lookup(version, bytes);
  }

  /**
   * True when the address is one of our allow-listed hosts: mitigation must never ban it.
   * Accepts text ("192.0.2.1", "2001:db8::1") or version + network-order bytes.
   */
  isAllowListed(address: string): boolean;
  isAllowListed(version: number, bytes: Uint8Array): boolean;
  isAllowListed(a: string | number, bytes?: Uint8Array): boolean {
    if (typeof a === 'string') {
      const addr = parseAddress(a);
      return addr !== null && this.allowHosts.lookup(addr.version, addr.bytes) >= 0;
    }
    return this.allowHosts.lookup(a, bytes!) >= 0;
  }

  /** True when traffic from/to this remote address must not count towards detection. */
  isRemoteAllowListed(address: string): boolean {
    const addr = parseAddress(address);
    return addr !== null && this.allowRemote.lookup(addr.version, addr.bytes) >= 0;
  }

  describe(): { networks: string[]; allowHosts: string[]; allowRemote: string[] } {
    const f = (s: PrefixSet) => s.entries().map((e) => formatPrefix(e.prefix));
    return { networks: [...this.networkNames], allowHosts: f(this.allowHosts), allowRemote: f(this.allowRemote) };
  }
}
