/**
 * Loads and validates the YAML config. Every problem is reported with its path, all at once, so
 * an operator fixes a config in one pass; an invalid config never starts the daemon.
 */
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { configSchema, type Config } from './schema.js';

export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`invalid config ${source}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

function formatPath(path: PropertyKey[]): string {
  if (path.length === 0) return '(top level)';
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join('');
}

/** Turns zod issues into "path: message" lines (unknown keys named one by one). */
export function describeIssues(issues: z.core.$ZodIssue[]): string[] {
  const out: string[] = [];
  for (const i of issues) {
    if (i.code === 'unrecognized_keys') {
      for (const k of i.keys) out.push(`${formatPath([...i.path, k])}: unknown key`);
    } else {
      out.push(`${formatPath(i.path)}: ${i.message}`);
    }
  }
  return out;
}

export function parseConfig(text: string, source = '<config>'): Config {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(source, doc.errors.map((e) => `YAML: ${e.message.split('\n')[0]}`));
  }
  const raw: unknown = doc.toJS() ?? {};
  const r = configSchema.safeParse(raw);
  if (!r.success) throw new ConfigError(source, describeIssues(r.error.issues));
  return r.data;
}

export function loadConfig(path: string): Config {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(path, [`cannot read: ${(e as Error).message}`]);
  }
  return parseConfig(text, path);
}
