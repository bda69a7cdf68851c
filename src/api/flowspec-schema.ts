/**
 * The manual FlowSpec rule as the API validates it (POST /api/v1/mitigations/flowspec), in a
 * module that imports nothing but zod, so the same schemas serve the daemon (routes-native.ts)
 * and the dashboard's form (web/src/flowspec-form.tsx, bundled by Vite): the browser refuses
 * exactly what the daemon would refuse, with the same messages, before anything is sent.
 */
import { z } from 'zod';

export const PROTOCOL_NUMBERS: Record<string, number> = { icmp: 1, tcp: 6, udp: 17, gre: 47, esp: 50, icmpv6: 58, sctp: 132 };
export const TCP_FLAGS = ['fin', 'syn', 'rst', 'push', 'ack', 'urg', 'ece', 'cwr'] as const;
export const FRAGMENTS = ['dont-fragment', 'is-fragment', 'first-fragment', 'last-fragment'] as const;
export const ACTION_TYPES = ['discard', 'rate-limit', 'redirect', 'mark'] as const;

export const durationSeconds = z.number().int().min(0).max(10 * 365 * 86400).nullable().optional()
  .describe('Seconds until automatic withdrawal; 0 or null: never; absent: the ban time of the policy');

const numericMatch = z.union([z.number().int().min(0).max(65535), z.object({ min: z.number().int().min(0).max(65535).optional(), max: z.number().int().min(0).max(65535).optional() }).strict()]);
export const flowspecMatchSchema = z
  .object({
    destination: z.string().min(1).describe('Destination prefix (a host /32 or /128, or a prefix inside the monitored networks)'),
    source: z.string().min(1).optional(),
    protocols: z.array(z.union([z.number().int().min(0).max(255), z.enum(Object.keys(PROTOCOL_NUMBERS) as [string, ...string[]])])).max(16).optional(),
    sourcePorts: z.array(numericMatch).max(32).optional(),
    destinationPorts: z.array(numericMatch).max(32).optional(),
    tcpFlags: z.partialRecord(z.enum(['fin', 'syn', 'rst', 'push', 'ack', 'urg', 'ece', 'cwr']), z.boolean()).optional(),
    packetLength: z.array(numericMatch).max(32).optional(),
    fragment: z.array(z.enum(['dont-fragment', 'is-fragment', 'first-fragment', 'last-fragment'])).max(4).optional(),
    icmpType: z.number().int().min(0).max(255).optional(),
    icmpCode: z.number().int().min(0).max(255).optional(),
  })
  .strict();
export const flowspecActionSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('discard') }).strict(),
  z.object({ type: z.literal('rate-limit'), mbps: z.number().positive().max(8_000_000).describe('Mbit/s (10^6 bit/s)') }).strict(),
  z.object({ type: z.literal('redirect'), routeTarget: z.string().regex(/^\d{1,5}:\d{1,10}$/, 'route target must be ASN:NN') }).strict(),
  z.object({ type: z.literal('mark'), dscp: z.number().int().min(0).max(63) }).strict(),
]);

/** The whole request body of POST /api/v1/mitigations/flowspec. */
export const flowspecBodySchema = z
  .object({ match: flowspecMatchSchema, action: flowspecActionSchema, communities: z.array(z.string().max(32)).max(16).optional(), duration_seconds: durationSeconds, reason: z.string().max(500).optional() })
  .strict();

export type FlowspecBody = z.infer<typeof flowspecBodySchema>;

/**
 * Problems in the daemon's wording (`body.match.destinationPorts.0: Too big: ...`, as the API's
 * error handler writes them), or [] when the body is valid.
 */
export function flowspecBodyProblems(body: unknown): string[] {
  const r = flowspecBodySchema.safeParse(body);
  if (r.success) return [];
  return r.error.issues.map((i) => `body${i.path.length ? `.${i.path.map(String).filter(Boolean).join('.')}` : ''}: ${i.message}`);
}
