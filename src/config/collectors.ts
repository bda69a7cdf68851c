/**
 * Config schema of the flow collectors: UDP listeners, exporter allow-list, sampling defaults and
 * overrides, template cache bounds, how often learned state is saved, the recording of
 * received datagrams to capture files, and live packet capture on interfaces (docs/packet-capture.md).
 */
import { z } from 'zod';
import { parseAddress, parsePrefix } from '../net/ip.js';

const cidr = z.string().superRefine((s, ctx) => {
  const p = parsePrefix(s);
  if ('error' in p) ctx.addIssue({ code: 'custom', message: p.error });
});

const ipAddress = z.string().refine((s) => parseAddress(s) !== null, { message: 'must be an IPv4 or IPv6 address' });

export const listenerSchema = z
  .object({
    /** sflow: sFlow v5. netflow: NetFlow v5/v9 and IPFIX, told apart by the version field. ipfix: IPFIX only. */
    protocol: z.enum(['sflow', 'netflow', 'ipfix']),
    address: ipAddress.default('0.0.0.0'),
    /** UDP port; 0 binds any free port (for tests). */
    port: z.number().int().min(0).max(65535),
    /** SO_RCVBUF to request, bytes. Overrides collectors.receive_buffer for this listener. */
    receive_buffer: z.number().int().min(65536).max(1 << 30).optional(),
  })
  .strict();

export const DEFAULT_LISTENERS = [
  { protocol: 'sflow' as const, address: '0.0.0.0', port: 6343 },
  { protocol: 'netflow' as const, address: '0.0.0.0', port: 2055 },
  { protocol: 'ipfix' as const, address: '0.0.0.0', port: 4739 },
];

const samplingRate = z.number().int().min(1).max(1 << 30);

export const recordSchema = z
  .object({
    /** Write every datagram the listeners receive to pcap files (off by default). */
    enabled: z.boolean().default(false),
    /** Directory of the files (created if missing); files are named breakwater-<UTC time>-<n>.pcap. */
    directory: z.string().min(1).default('var/capture'),
    /** A file is closed and a new one started before it would exceed this size. */
    max_file_bytes: z.number().int().min(65_536).max(1 << 30).default(67_108_864),
    /** Files kept in the directory; the oldest is deleted when a new one would exceed this. */
    max_files: z.number().int().min(1).max(100_000).default(10),
  })
  .strict();

/**
 * Linux interface names (IFNAMSIZ 16 including the NUL) as `ip link` accepts them, and `any`. A
 * leading '-' is refused so that no name can ever read as a tcpdump option.
 */
const interfaceName = z
  .string()
  .regex(/^[A-Za-z0-9_.:@+][A-Za-z0-9_.:@+-]{0,14}$/, {
    message: 'must be a network interface name: 1 to 15 letters, digits or _.:@+- (not starting with -)',
  })
  .refine((s) => s !== '.' && s !== '..', { message: 'must be a network interface name' });

/** Names `ip netns add` creates (files under /run/netns). */
const netnsName = z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/, {
  message: 'must be a network namespace name: 1 to 64 letters, digits or _.- (not starting with . or -)',
});

/** Largest snap length tcpdump accepts (MAXIMUM_SNAPLEN in libpcap). */
export const MAX_CAPTURE_SNAPLEN = 262_144;
/** Interfaces captured at once: each one is a tcpdump process. */
export const MAX_PACKET_CAPTURES = 64;

export const packetCaptureSchema = z
  .object({
    /** Interface to capture on (a mirror/SPAN port, or the uplink of a small site); `any` for all. */
    interface: interfaceName,
    /** Keep 1 packet in N, at random; each kept packet stands for N. 1 keeps every packet. */
    sampling: samplingRate.default(1),
    /** Bytes captured per packet: headers only. 128 covers Ethernet + 2 VLAN tags + IPv6 + TCP. */
    snaplen: z.number().int().min(64).max(MAX_CAPTURE_SNAPLEN).default(256),
    /** A capture filter in tcpdump (pcap-filter) syntax, applied in the kernel before sampling. */
    filter: z.string().min(1).max(4096).refine((s) => !/[\n\r]/.test(s) && !s.includes('\u0000'), { message: 'must be one line without NUL characters' }).optional(),
    /** Put the interface in promiscuous mode (needed on a mirror port: its frames are addressed to other hosts). */
    promiscuous: z.boolean().default(false),
    /** Kernel capture buffer (tcpdump -B), KiB: absorbs bursts while the daemon is busy. */
    buffer_kib: z.number().int().min(256).max(1_048_576).default(8192),
    /**
     * tcpdump -U: write each packet to the daemon as it arrives. Off, tcpdump writes 4 KiB at a
     * time: a third of the CPU and no loss where -U lost packets on a saturated machine, but at a
     * few packets a second they reach the counters late (docs/packet-capture.md).
     */
    packet_buffered: z.boolean().default(false),
    /** Capture inside this network namespace (`ip netns exec NAME tcpdump ...`). */
    netns: netnsName.optional(),
  })
  .strict();

export const collectorsSchema = z
  .object({
    listeners: z.array(listenerSchema).default(DEFAULT_LISTENERS),
    /** Default SO_RCVBUF request. The kernel's default (~208 KiB) overflows at a few tens of thousands of datagrams/s. */
    receive_buffer: z.number().int().min(65536).max(1 << 30).default(32 * 1024 * 1024),
    /** Exporters allowed to send (CIDRs). Empty: everyone. Datagrams from others are dropped and counted. */
    allow_exporters: z.array(cidr).default([]),
    /** Upper bound on distinct exporters tracked (protects memory against spoofed sources). */
    max_exporters: z.number().int().min(1).max(1_000_000).default(10_000),
    sampling: z
      .object({
        /** 1-in-N rate used when an exporter has not told us its rate (NetFlow v9/IPFIX options data). */
        default: samplingRate.default(1),
        /** Per-exporter override: address → rate. Wins over anything learned from the exporter. */
        exporters: z.record(ipAddress, samplingRate).default({}),
      })
      .strict()
      .default({ default: 1, exporters: {} }),
    templates: z
      .object({
        /** Templates not refreshed for this long are forgotten (RFC 7011 §8.4 leaves it to the collector). */
        timeout_seconds: z.number().int().min(10).max(7 * 86400).default(3600),
        max_per_exporter: z.number().int().min(1).max(65536).default(4096),
        max_total: z.number().int().min(1).max(10_000_000).default(100_000),
      })
      .strict()
      .default({ timeout_seconds: 3600, max_per_exporter: 4096, max_total: 100_000 }),
    /**
     * Recording of the telemetry datagrams received, to rotating pcap files that
     * `breakwater replay` reads (docs/replay.md).
     */
    record: recordSchema.default({ enabled: false, directory: 'var/capture', max_file_bytes: 67_108_864, max_files: 10 }),
    /**
     * Live packet capture on interfaces, for sites without flow export: one tcpdump child per
     * entry, its packets sampled into flow samples (docs/packet-capture.md).
     */
    packet_capture: z
      .array(packetCaptureSchema)
      .max(MAX_PACKET_CAPTURES)
      .default([])
      .superRefine((list, ctx) => {
        // Two captures of the same interface would count every packet twice.
        const seen = new Map<string, number>();
        list.forEach((p, i) => {
          const key = `${p.netns ?? ''}/${p.interface}`;
          const first = seen.get(key);
          if (first !== undefined) {
            ctx.addIssue({ code: 'custom', path: [i, 'interface'], message: `interface ${p.interface}${p.netns ? ` (netns ${p.netns})` : ''} is already captured by entry ${first}` });
          } else {
            seen.set(key, i);
          }
        });
      }),
    /** How often exporter statistics are logged (0 = never). */
    log_interval_seconds: z.number().int().min(0).max(86400).default(10),
  })
  .strict();

export type CollectorsConfig = z.infer<typeof collectorsSchema>;
export type ListenerConfig = z.infer<typeof listenerSchema>;
export type RecordConfig = z.infer<typeof recordSchema>;
export type PacketCaptureConfig = z.infer<typeof packetCaptureSchema>;
