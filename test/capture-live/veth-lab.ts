/**
 * A two-namespace lab for live packet capture: namespace `site` (the monitored side, where tcpdump
 * captures) and namespace `peer` (the Internet side, where the traffic comes from), joined by a
 * veth pair. The sender is a small Python script writing prebuilt Ethernet frames on an AF_PACKET
 * socket in `peer`: UDP or TCP SYN from 198.51.100.0/24 to a host of 192.0.2.0/24, bounded in
 * count and time, optionally paced. Nothing leaves the two namespaces: the frames are addressed to
 * the site end's MAC, and the site kernel drops them (192.0.2.10 is not one of its addresses and it
 * does not forward), so there are no replies.
 *
 * Used by test/capture-live/ and bench/packet-capture-bench.ts. Needs root, iproute2, tcpdump and
 * python3.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';

export const SITE_ADDRESS = '192.0.2.1';
export const PEER_ADDRESS = '192.0.2.2';

function which(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** null when the lab can run here; otherwise why not. */
export function captureLabUnavailable(): string | null {
  const missing: string[] = [];
  if (process.getuid?.() !== 0) missing.push('root (network namespaces, packet capture)');
  if (!which('ip')) missing.push('ip (apt-get install iproute2)');
  if (!which('tcpdump')) missing.push('tcpdump (apt-get install tcpdump)');
  if (!which('python3')) missing.push('python3 (apt-get install python3)');
  return missing.length === 0 ? null : `the packet capture lab needs: ${missing.join(', ')}`;
}

/** Skip reason for node:test; throws when CI is set: in CI the lab must run. */
export function skipUnlessCaptureLab(): string | false {
  const why = captureLabUnavailable();
  if (!why) return false;
  if (process.env.CI) throw new Error(`CI is set but ${why}`);
  return why;
}

export interface SendOptions {
  kind: 'udp' | 'syn';
  /** Frames to send (at most). */
  count: number;
  /** Destination host; default 192.0.2.10. */
  dst?: string;
  /** Frames per second; 0: as fast as the sender can. */
  pps?: number;
  /** The sender stops after this long whatever it has sent. */
  maxSeconds: number;
  /** UDP payload bytes; default 18, which makes 60-byte frames (the Ethernet minimum without FCS). */
  udpPayload?: number;
  /** Distinct source addresses cycled through (1..254 of 198.51.100.0/24); default 254. */
  sources?: number;
}

export interface SendResult {
  sent: number;
  seconds: number;
}

const SENDER = `
import json, socket, struct, sys, time
a = json.loads(sys.argv[1])
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((a['iface'], 0))
dmac = bytes.fromhex(a['dstMac'].replace(':', ''))
smac = bytes.fromhex(a['srcMac'].replace(':', ''))
dst = socket.inet_aton(a['dst'])

def csum(b):
    t = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while t >> 16:
        t = (t & 0xffff) + (t >> 16)
    return (~t) & 0xffff

def frame(i):
    src = socket.inet_aton('198.51.100.%d' % (1 + i % a['sources']))
    sport = 1024 + (i * 7919) % 60000
    if a['kind'] == 'udp':
        pl = a['udpPayload']
        l4 = struct.pack('!HHHH', sport, 1024 + (i * 104729) % 60000, 8 + pl, 0) + bytes(pl)
        proto = 17
    else:
        l4 = struct.pack('!HHIIBBHHH', sport, 80, (i * 2654435761) & 0xffffffff, 0, 5 << 4, 0x02, 64240, 0, 0)
        proto = 6
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(l4), i & 0xffff, 0, 64, proto, 0, src, dst)
    ip = ip[:10] + struct.pack('!H', csum(ip)) + ip[12:]
    return dmac + smac + b'\\x08\\x00' + ip + l4

count, pps, max_s = a['count'], a['pps'], a['maxSeconds']
frames = [frame(i) for i in range(min(count, 4096))]
nf = len(frames)
send = s.send
t0 = time.monotonic()
sent = 0
while sent < count:
    now = time.monotonic() - t0
    if now > max_s:
        break
    n = min(256, count - sent)
    if pps > 0:
        due = int(now * pps) + 1
        if sent >= due:
            time.sleep(min(0.005, (sent + 1) / pps - now))
            continue
        n = min(n, due - sent)
    for j in range(sent, sent + n):
        try:
            send(frames[j % nf])
        except OSError:
            pass
    sent += n
print(json.dumps({'sent': sent, 'seconds': time.monotonic() - t0}))
`;

export class VethLab {
  /** Namespace of the monitored side (tcpdump runs here). */
  readonly site: string;
  /** Namespace the traffic comes from. */
  readonly peer: string;
  readonly siteIf: string;
  readonly peerIf: string;
  siteMac = '';
  peerMac = '';
  private closed = false;
  private readonly onExit = () => this.close();

  constructor(tag: string) {
    const id = `${tag}${process.pid}`.slice(-10);
    this.site = `bw-cap-${id}-site`;
    this.peer = `bw-cap-${id}-peer`;
    // IFNAMSIZ: 15 characters at most.
    this.siteIf = `bws${id}`.slice(0, 15);
    this.peerIf = `bwp${id}`.slice(0, 15);
    process.on('exit', this.onExit);
    try {
      execFileSync('ip', ['netns', 'add', this.site]);
      execFileSync('ip', ['netns', 'add', this.peer]);
      for (const ns of [this.site, this.peer]) {
        // No IPv6: no router or neighbour solicitations in the capture.
        this.inNs(ns, ['sysctl', '-q', '-w', 'net.ipv6.conf.all.disable_ipv6=1']);
        this.inNs(ns, ['sysctl', '-q', '-w', 'net.ipv6.conf.default.disable_ipv6=1']);
        this.inNs(ns, ['ip', 'link', 'set', 'lo', 'up']);
      }
      this.addLink();
    } catch (err) {
      this.close();
      throw err;
    }
  }

  /** Creates the veth pair (again, after deleteLink) with its addresses, up. */
  addLink(): void {
    execFileSync('ip', ['link', 'add', this.siteIf, 'netns', this.site, 'type', 'veth', 'peer', 'name', this.peerIf, 'netns', this.peer]);
    for (const [ns, dev, addr] of [[this.site, this.siteIf, SITE_ADDRESS], [this.peer, this.peerIf, PEER_ADDRESS]] as const) {
      this.inNs(ns, ['ip', 'addr', 'add', `${addr}/24`, 'dev', dev]);
      this.inNs(ns, ['ip', 'link', 'set', dev, 'up']);
    }
    this.siteMac = this.mac(this.site, this.siteIf);
    this.peerMac = this.mac(this.peer, this.peerIf);
  }

  /** Deletes the veth pair (both ends). */
  deleteLink(): void {
    this.inNs(this.site, ['ip', 'link', 'del', this.siteIf]);
  }

  inNs(ns: string, argv: string[]): string {
    return execFileSync('ip', ['netns', 'exec', ns, ...argv], { encoding: 'utf8' });
  }

  private mac(ns: string, dev: string): string {
    const j = JSON.parse(execFileSync('ip', ['-n', ns, '-j', 'link', 'show', 'dev', dev], { encoding: 'utf8' })) as Array<{ address: string }>;
    return j[0]!.address;
  }

  /** Packets the site end of the veth received and dropped (its kernel counters). */
  siteCounters(): { rxPackets: number; rxDropped: number } {
    const j = JSON.parse(execFileSync('ip', ['-n', this.site, '-s', '-j', 'link', 'show', 'dev', this.siteIf], { encoding: 'utf8' })) as Array<{ stats64: { rx: { packets: number; dropped: number } } }>;
    return { rxPackets: j[0]!.stats64.rx.packets, rxDropped: j[0]!.stats64.rx.dropped };
  }

  /** Sends frames from the peer namespace to the site; resolves with what was sent. Killed past maxSeconds + 5 s. */
  send(o: SendOptions): Promise<SendResult> {
    const args = {
      iface: this.peerIf,
      dstMac: this.siteMac,
      srcMac: this.peerMac,
      dst: o.dst ?? '192.0.2.10',
      kind: o.kind,
      count: o.count,
      pps: o.pps ?? 0,
      maxSeconds: o.maxSeconds,
      udpPayload: o.udpPayload ?? 18,
      sources: Math.max(1, Math.min(254, o.sources ?? 254)),
    };
    const child = spawn('ip', ['netns', 'exec', this.peer, 'python3', '-c', SENDER, JSON.stringify(args)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    const guard = setTimeout(() => child.kill('SIGKILL'), (o.maxSeconds + 5) * 1000);
    return new Promise((resolve, reject) => {
      child.on('error', (e) => {
        clearTimeout(guard);
        reject(e);
      });
      child.on('close', (code) => {
        clearTimeout(guard);
        if (code !== 0) reject(new Error(`sender exited with ${code}: ${err.trim()}`));
        else resolve(JSON.parse(out) as SendResult);
      });
    });
  }

  /** Deletes both namespaces (and with them the veth pair). Safe to call twice. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    process.off('exit', this.onExit);
    for (const ns of [this.site, this.peer]) spawnSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
  }
}
