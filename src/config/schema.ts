/**
 * The root config schema: one section per component, each defined beside the component's own
 * concerns (src/config/<section>.ts or the component's config.ts). Objects are strict so that a
 * misspelt key is an error with its path rather than a silently ignored setting.
 */
import { z } from 'zod';
import { collectorsSchema } from './collectors.js';
import { trafficConfigSchema } from '../traffic/config.js';
import { detectionConfigSchema } from '../detection/config.js';
import { bgpConfigSchema } from '../bgp/config.js';
import { checkMitigationGroups, mitigationConfigSchema } from '../mitigation/config.js';
import { notifyConfigSchema } from '../notify/config.js';
import { apiConfigSchema } from '../api/config.js';

export const loggingSchema = z
  .object({
    level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).default('info'),
  })
  .strict();

export const stateSchema = z
  .object({
    /** SQLite file holding what must survive a restart (templates, learned sampling, later mitigations). */
    path: z.string().min(1).default('var/breakwater.db'),
    /** How often learned state is written (it is also written on shutdown). */
    save_interval_seconds: z.number().int().min(1).max(3600).default(10),
  })
  .strict();

export const configSchema = z
  .object({
    logging: loggingSchema.default({ level: 'info' }),
    state: stateSchema.default({ path: 'var/breakwater.db', save_interval_seconds: 10 }),
    collectors: collectorsSchema.default(collectorsSchema.parse({})),
    traffic: trafficConfigSchema.default(trafficConfigSchema.parse({})),
    detection: detectionConfigSchema.default(detectionConfigSchema.parse({})),
    mitigation: mitigationConfigSchema.default(mitigationConfigSchema.parse({})),
    notify: notifyConfigSchema.default(notifyConfigSchema.parse({})),
    bgp: bgpConfigSchema.default({ speakers: [] }),
    api: apiConfigSchema.default(apiConfigSchema.parse({})),
  })
  .strict()
  .superRefine((c, ctx) => {
    // Mitigation policy per group refers to detection's groups by name: checked across sections.
    for (const p of checkMitigationGroups(c.mitigation, Object.keys(c.detection.groups))) {
      ctx.addIssue({ code: 'custom', path: p.path, message: p.message });
    }
  });

export type Config = z.infer<typeof configSchema>;
