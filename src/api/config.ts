/**
 * Config of the operator API (`api:`): where it listens, who may call it, TLS. The API is the
 * only way in for the CLI, the dashboard and scripts written for FastNetMon Advanced, so the
 * defaults are the safe ones: loopback only, and no anonymous access once a user is configured.
 */
import { z } from 'zod';

/**
 * A password as clear text or as a hash: bcrypt (`$2a$`/`$2b$`/`$2y$`, as htpasswd -B writes) or
 * scrypt in the form `scrypt$<N>$<r>$<p>$<salt base64>$<hash base64>` (what
 * `breakwater hash-password` prints). Clear text is accepted for labs and logged as a warning.
 */
const passwordSchema = z.string().min(1);

export const apiUserSchema = z
  .object({
    name: z.string().min(1).max(64).regex(/^[^:\s]+$/, 'a user name cannot contain ":" or spaces (HTTP Basic auth)'),
    password: passwordSchema,
    /** read: GET only; admin: everything (ban, withdraw, reload). */
    role: z.enum(['admin', 'read']).default('admin'),
  })
  .strict();

export const apiTokenSchema = z
  .object({
    name: z.string().min(1).max(64),
    /** Sent as `Authorization: Bearer <token>`; at least 16 characters. */
    token: z.string().min(16, 'a bearer token must have at least 16 characters'),
    role: z.enum(['admin', 'read']).default('read'),
  })
  .strict();

export const apiConfigSchema = z
  .object({
    enabled: z.boolean().default(true),
    /** FastNetMon Advanced's web_api_host default: loopback. */
    address: z.string().min(1).default('127.0.0.1'),
    /** FastNetMon Advanced's web_api_port default, so its scripts work unchanged. */
    port: z.number().int().min(0).max(65535).default(10007),
    /**
     * Without users or tokens the API answers anyone who can reach it — allowed only on a loopback
     * address (checked at start).
     */
    users: z.array(apiUserSchema).default([]),
    tokens: z.array(apiTokenSchema).default([]),
    tls: z
      .object({
        cert_file: z.string().min(1),
        key_file: z.string().min(1),
      })
      .strict()
      .nullable()
      .default(null),
    /** Prometheus scrapes /metrics without credentials unless this is true. */
    metrics_require_auth: z.boolean().default(false),
    /** Failed logins from one client address before its requests are slowed down. */
    auth_failures_before_delay: z.number().int().min(1).max(1000).default(5),
    /** Largest request body accepted. */
    body_limit_bytes: z.number().int().min(1024).max(10_485_760).default(65_536),
  })
  .strict();

export type ApiConfig = z.infer<typeof apiConfigSchema>;
