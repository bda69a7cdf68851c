/**
 * Config schema of the flow collectors: UDP listeners, exporter allow-list, sampling defaults and
 * overrides, template cache bounds, how often learned state is saved, and the recording of
 * received datagrams to capture files.
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
    /** How often exporter statistics are logged (0 = never). */
    log_interval_seconds: z.number().int().min(0).max(86400).default(10),
  })
  .strict();

export type CollectorsConfig = z.infer<typeof collectorsSchema>;
export type ListenerConfig = z.infer<typeof listenerSchema>;
export type RecordConfig = z.infer<typeof recordSchema>;
