/**
 * The template cache shared by the NetFlow v9 and IPFIX decoders: compiled templates keyed by
 * (exporter address, protocol, source id / observation domain, template id), as RFC 3954 §5 and
 * RFC 7011 §8 scope them.
 *
 * Bounded on every axis (named limits below). Policy when full:
 * - per exporter: a NEW template is refused and counted (`template_cache_full`). The templates
 *   that already work for that exporter are kept: an exporter that defines more than the limit
 *   is broken or hostile, and letting it flush its own live templates would lose real traffic.
 * - in total: the template whose definition was least recently received is evicted (counted).
 *   Live exporters resend their templates regularly (RFC 7011 §8.4 for UDP), so the oldest
 *   definition is the most likely to be stale.
 * Templates expire when their definition has not been received for `templateTimeoutMs`
 * (RFC 7011 §8.4: template lifetime over UDP), checked lazily at lookup and by `expire(nowMs)`,
 * which the owner calls periodically (that is what keeps dead exporters' templates from counting
 * against the limits).
 *
 * Templates are persistable as plain JSON-able objects (`exportTemplates`/`importTemplates`) so a
 * restart does not lose up to a template-refresh interval of traffic.
 */
import type { DecodeErrorCode } from '../decode-error.js';
import { CompiledTemplate, CompileError, TemplateSpec } from './compiled-template.js';

export interface TemplateCacheLimits {
  /** Templates (data + options, all domains, both protocols) kept per exporter. */
  maxTemplatesPerExporter: number;
  /** Templates kept in total. */
  maxTemplatesTotal: number;
  /** Fields in one template. */
  maxFieldsPerTemplate: number;
  /** Bytes in one record (minimum length for templates with variable-length fields). */
  maxRecordLength: number;
  /** A template not re-announced for this long is dropped. */
  templateTimeoutMs: number;
}

/** Default per-exporter template limit. Real exporters use a few dozen at most. */
export const MAX_TEMPLATES_PER_EXPORTER = 1024;
/** Default total template limit. */
export const MAX_TEMPLATES_TOTAL = 65536;
/** Default limit on fields per template (nProbe's largest templates have ~100). */
export const MAX_TEMPLATE_FIELDS = 256;
/**
 * Default limit on one record's length. Records travel in UDP datagrams that real exporters keep
 * under the path MTU; 8 KiB leaves room for jumbo frames and wide string fields.
 */
export const MAX_TEMPLATE_RECORD_LENGTH = 8192;
/** Default template timeout: 30 minutes. */
export const TEMPLATE_TIMEOUT_MS = 1_800_000;

export const DEFAULT_TEMPLATE_CACHE_LIMITS: Readonly<TemplateCacheLimits> = Object.freeze({
  maxTemplatesPerExporter: MAX_TEMPLATES_PER_EXPORTER,
  maxTemplatesTotal: MAX_TEMPLATES_TOTAL,
  maxFieldsPerTemplate: MAX_TEMPLATE_FIELDS,
  maxRecordLength: MAX_TEMPLATE_RECORD_LENGTH,
  templateTimeoutMs: TEMPLATE_TIMEOUT_MS,
});

/** Hard ceilings for configured limits: beyond them a datagram could not carry the template or record. */
const FIELDS_CEILING = 16383; // (65535 - headers) / 4-byte field specifiers
const RECORD_CEILING = 65535;

/** Result of `define`. */
export const DefineOutcome = {
  /** A template not known before. */
  NEW: 0,
  /** The same definition again: its timestamp was refreshed. */
  REFRESHED: 1,
  /** A different definition for a known id: replaced. */
  UPDATED: 2,
  NO_FIELDS: 3,
  TOO_LARGE: 4,
  /** The exporter already has maxTemplatesPerExporter templates: refused. */
  CACHE_FULL: 5,
  /** Inconsistent definition (scope field count larger than the field count). */
  INVALID: 6,
} as const;
export type DefineOutcome = (typeof DefineOutcome)[keyof typeof DefineOutcome];

/** The decode error a rejected definition is counted as, or null when it was accepted. */
export function defineErrorCode(outcome: DefineOutcome): DecodeErrorCode | null {
  switch (outcome) {
    case DefineOutcome.NO_FIELDS:
      return 'template_no_fields';
    case DefineOutcome.TOO_LARGE:
      return 'template_too_large';
    case DefineOutcome.CACHE_FULL:
      return 'template_cache_full';
    case DefineOutcome.INVALID:
      return 'count_too_large';
    default:
      return null;
  }
}

/** A template as persisted by the state store: plain JSON. */
export interface StoredTemplate {
  /** Exporter address as text (Exporter.address). */
  exporter: string;
  protocol: 9 | 10;
  /** NetFlow v9 source id or IPFIX observation domain id. */
  domain: number;
  templateId: number;
  options: boolean;
  scopeFieldCount: number;
  fields: { type: number; length: number; enterprise: number }[];
  /** Collector-clock time the definition was last received. */
  updatedMs: number;
}

export interface TemplateCacheStats {
  /** Templates added (new ids). */
  added: number;
  /** Same definition received again. */
  refreshed: number;
  /** A known id redefined differently (replaced). */
  updates: number;
  /** Templates removed by an IPFIX withdrawal. */
  withdrawals: number;
  /** Templates dropped after templateTimeoutMs without a refresh. */
  expiries: number;
  /** Templates evicted because maxTemplatesTotal was reached. */
  evictions: number;
  /** New templates refused because the exporter had maxTemplatesPerExporter. */
  refused: number;
}

/** The templates of one (exporter, protocol, domain): what a data set is looked up in. */
export class TemplateDomain {
  /** False once removed from the cache (the last template went away). */
  alive = true;
  readonly templates = new Map<number, CompiledTemplate>();
  /**
   * IPFIX systemInitTimeMilliseconds (IE 160) learned from options data: the base of
   * flowStartSysUpTime/flowEndSysUpTime in this domain. 0 = unknown.
   */
  sysInitMs = 0;
  constructor(
    readonly owner: ExporterTemplates,
    readonly key: number,
    readonly protocol: 9 | 10,
    readonly domain: number,
  ) {}
}

class ExporterTemplates {
  count = 0;
  readonly domains = new Map<number, TemplateDomain>();
  constructor(readonly address: string) {}
}

function domainKey(protocol: 9 | 10, domain: number): number {
  return protocol === 10 ? domain + 4294967296 : domain;
}

export class TemplateCache {
  readonly limits: Readonly<TemplateCacheLimits>;
  readonly stats: TemplateCacheStats = { added: 0, refreshed: 0, updates: 0, withdrawals: 0, expiries: 0, evictions: 0, refused: 0 };
  private readonly exporters = new Map<string, ExporterTemplates>();
  /** Every template, least recently (re)defined first: eviction order. */
  private readonly order = new Set<CompiledTemplate>();
  /** Last domain looked up: consecutive datagrams of one exporter skip both map lookups. */
  private memo: TemplateDomain | null = null;
  private memoAddress = '';
  /** Memoised protocol and domain id, kept apart: their combined key (domainKey) is beyond V8's small-integer range for IPFIX. */
  private memoProtocol = 0;
  private memoDomain = -1;

  constructor(limits: Partial<TemplateCacheLimits> = {}) {
    const l = { ...DEFAULT_TEMPLATE_CACHE_LIMITS, ...limits };
    checkLimit('maxTemplatesPerExporter', l.maxTemplatesPerExporter, 1, Number.MAX_SAFE_INTEGER);
    checkLimit('maxTemplatesTotal', l.maxTemplatesTotal, 1, Number.MAX_SAFE_INTEGER);
    checkLimit('maxFieldsPerTemplate', l.maxFieldsPerTemplate, 1, FIELDS_CEILING);
    checkLimit('maxRecordLength', l.maxRecordLength, 1, RECORD_CEILING);
    checkLimit('templateTimeoutMs', l.templateTimeoutMs, 1, Number.MAX_SAFE_INTEGER);
    this.limits = Object.freeze(l);
  }

  /** Templates currently held. */
  get size(): number {
    return this.order.size;
  }

  /** Templates currently held for one exporter (address or Exporter; all protocols and domains). */
  countFor(exporter: string | { readonly address: string }): number {
    return this.exporters.get(typeof exporter === 'string' ? exporter : exporter.address)?.count ?? 0;
  }

  /** A spec sized for this cache's field limit, for decoders to fill and pass to `define`. */
  newSpec(): TemplateSpec {
    return new TemplateSpec(this.limits.maxFieldsPerTemplate);
  }

  /** The templates of one domain, or undefined when none are known. */
  domain(exporter: string, protocol: 9 | 10, domain: number): TemplateDomain | undefined {
    const m = this.memo;
    // Checked before the key is formed: an IPFIX key (domain + 2^32) would be a fresh heap number per call.
    if (m !== null && m.alive && this.memoDomain === domain && this.memoProtocol === protocol && this.memoAddress === exporter) return m;
    const d = this.exporters.get(exporter)?.domains.get(domainKey(protocol, domain));
    if (d !== undefined) {
      this.memo = d;
      this.memoAddress = exporter;
      this.memoProtocol = protocol;
      this.memoDomain = domain;
    }
    return d;
  }

  /** The template for a data set, or undefined (unknown, or expired: dropped now). */
  lookup(dom: TemplateDomain, templateId: number, nowMs: number): CompiledTemplate | undefined {
    const t = dom.templates.get(templateId);
    if (t !== undefined && nowMs - t.updatedMs > this.limits.templateTimeoutMs) {
      this.remove(dom, t);
      this.stats.expiries++;
      return undefined;
    }
    return t;
  }

  /** Convenience: domain + lookup. */
  get(exporter: string, protocol: 9 | 10, domain: number, templateId: number, nowMs: number): CompiledTemplate | undefined {
    const d = this.domain(exporter, protocol, domain);
    return d === undefined ? undefined : this.lookup(d, templateId, nowMs);
  }

  /** The template just created or replaced by the last NEW/UPDATED `define` (for bad-field counting). */
  lastDefined: CompiledTemplate | null = null;

  /**
   * Adds, refreshes or replaces a template. `spec` is copied; the caller may reuse it.
   * `nowMs` becomes the template's updatedMs.
   */
  define(exporter: string, spec: TemplateSpec, nowMs: number): DefineOutcome {
    this.lastDefined = null;
    const n = spec.fieldCount;
    if (n === 0) return DefineOutcome.NO_FIELDS;
    if (n > this.limits.maxFieldsPerTemplate) return DefineOutcome.TOO_LARGE;
    if (spec.scopeFieldCount > n || (!spec.options && spec.scopeFieldCount !== 0)) return DefineOutcome.INVALID;
    const key = domainKey(spec.protocol, spec.domain);
    let owner = this.exporters.get(exporter);
    let dom = owner?.domains.get(key);
    const old = dom?.templates.get(spec.templateId);
    if (old !== undefined && dom !== undefined && old.sameDefinition(spec)) {
      old.updatedMs = nowMs;
      this.order.delete(old);
      this.order.add(old);
      this.stats.refreshed++;
      return DefineOutcome.REFRESHED;
    }
    const compiled = CompiledTemplate.compile(exporter, spec, this.limits.maxRecordLength, nowMs);
    if (compiled === CompileError.NO_FIELDS) return DefineOutcome.NO_FIELDS;
    if (compiled === CompileError.TOO_LARGE) return DefineOutcome.TOO_LARGE;

    if (old !== undefined && dom !== undefined) {
      dom.templates.set(spec.templateId, compiled);
      this.order.delete(old);
      this.order.add(compiled);
      this.stats.updates++;
      this.lastDefined = compiled;
      return DefineOutcome.UPDATED;
    }
    if (owner !== undefined && owner.count >= this.limits.maxTemplatesPerExporter) {
      this.stats.refused++;
      return DefineOutcome.CACHE_FULL;
    }
    if (this.order.size >= this.limits.maxTemplatesTotal) {
      while (this.order.size >= this.limits.maxTemplatesTotal) {
        const victim = this.order.values().next().value as CompiledTemplate;
        this.removeTemplate(victim);
        this.stats.evictions++;
      }
      // The eviction may have emptied (and dropped) this exporter's or domain's entry.
      owner = this.exporters.get(exporter);
      dom = owner?.domains.get(key);
    }
    if (owner === undefined) {
      owner = new ExporterTemplates(exporter);
      this.exporters.set(exporter, owner);
    }
    if (dom === undefined) {
      dom = new TemplateDomain(owner, key, spec.protocol, spec.domain);
      owner.domains.set(key, dom);
    }
    dom.templates.set(spec.templateId, compiled);
    owner.count++;
    this.order.add(compiled);
    this.stats.added++;
    this.lastDefined = compiled;
    return DefineOutcome.NEW;
  }

  /** IPFIX template withdrawal of one id (RFC 7011 §8.1). Returns true when one was removed. */
  withdraw(exporter: string, protocol: 9 | 10, domain: number, templateId: number): boolean {
    const dom = this.domain(exporter, protocol, domain);
    const t = dom?.templates.get(templateId);
    if (dom === undefined || t === undefined) return false;
    this.remove(dom, t);
    this.stats.withdrawals++;
    return true;
  }

  /**
   * IPFIX "withdraw all" (RFC 7011 §8.1: template id equal to the set id): every data template
   * (options = false) or every options template (options = true) of the domain. Returns the count.
   */
  withdrawAll(exporter: string, protocol: 9 | 10, domain: number, options: boolean): number {
    const dom = this.domain(exporter, protocol, domain);
    if (dom === undefined) return 0;
    let removed = 0;
    for (const t of [...dom.templates.values()]) {
      if (t.options !== options) continue;
      this.remove(dom, t);
      removed++;
    }
    this.stats.withdrawals += removed;
    return removed;
  }

  /** Drops every template not refreshed within the timeout. Returns how many. */
  expire(nowMs: number): number {
    let n = 0;
    for (const t of [...this.order]) {
      if (nowMs - t.updatedMs > this.limits.templateTimeoutMs) {
        this.removeTemplate(t);
        n++;
      }
    }
    this.stats.expiries += n;
    return n;
  }

  /** Forgets everything about one exporter (e.g. removed from the configuration). Returns how many templates. */
  forget(exporter: string | { readonly address: string }): number {
    const owner = this.exporters.get(typeof exporter === 'string' ? exporter : exporter.address);
    if (owner === undefined) return 0;
    let n = 0;
    for (const dom of [...owner.domains.values()]) {
      for (const t of [...dom.templates.values()]) {
        this.remove(dom, t);
        n++;
      }
    }
    return n;
  }

  /** Records IPFIX systemInitTimeMilliseconds for a domain (only when it has templates). */
  setSystemInit(exporter: string, protocol: 9 | 10, domain: number, ms: number): void {
    const dom = this.domain(exporter, protocol, domain);
    if (dom !== undefined) dom.sysInitMs = ms;
  }

  /** Every template as plain JSON-able objects, least recently defined first. */
  exportTemplates(): StoredTemplate[] {
    const out: StoredTemplate[] = [];
    for (const t of this.order) {
      const fields: StoredTemplate['fields'] = [];
      for (let i = 0; i < t.fieldCount; i++) {
        fields.push({ type: t.types[i], length: t.lengths[i], enterprise: t.enterprises[i] });
      }
      out.push({
        exporter: t.exporter,
        protocol: t.protocol,
        domain: t.domain,
        templateId: t.templateId,
        options: t.options,
        scopeFieldCount: t.scopeFieldCount,
        fields,
        updatedMs: t.updatedMs,
      });
    }
    return out;
  }

  /**
   * Restores templates saved by `exportTemplates`. Entries are validated like templates from
   * the wire (they come from disk, which may be stale or edited); invalid and already expired
   * ones are skipped. A stored time in the future (clock went back) is clamped to `nowMs`.
   */
  importTemplates(list: readonly unknown[], nowMs: number): { imported: number; skipped: number } {
    let imported = 0;
    let skipped = 0;
    const spec = this.newSpec();
    const valid: StoredTemplate[] = [];
    for (const item of list) {
      if (isStoredTemplate(item, this.limits.maxFieldsPerTemplate)) valid.push(item);
      else skipped++;
    }
    valid.sort((a, b) => a.updatedMs - b.updatedMs);
    for (const st of valid) {
      const updated = Math.min(st.updatedMs, nowMs);
      if (nowMs - updated > this.limits.templateTimeoutMs) {
        skipped++;
        continue;
      }
      spec.protocol = st.protocol;
      spec.domain = st.domain;
      spec.templateId = st.templateId;
      spec.options = st.options;
      spec.scopeFieldCount = st.scopeFieldCount;
      spec.fieldCount = st.fields.length;
      for (let i = 0; i < st.fields.length; i++) {
        spec.types[i] = st.fields[i].type;
        spec.lengths[i] = st.fields[i].length;
        spec.enterprises[i] = st.fields[i].enterprise;
      }
      const r = this.define(st.exporter, spec, updated);
      if (r === DefineOutcome.NEW || r === DefineOutcome.UPDATED || r === DefineOutcome.REFRESHED) imported++;
      else skipped++;
    }
    return { imported, skipped };
  }

  private remove(dom: TemplateDomain, t: CompiledTemplate): void {
    if (dom.templates.get(t.templateId) !== t) return;
    dom.templates.delete(t.templateId);
    this.order.delete(t);
    const owner = dom.owner;
    owner.count--;
    if (dom.templates.size === 0) {
      dom.alive = false;
      owner.domains.delete(dom.key);
    }
    if (owner.count === 0) this.exporters.delete(owner.address);
  }

  private removeTemplate(t: CompiledTemplate): void {
    const dom = this.exporters.get(t.exporter)?.domains.get(domainKey(t.protocol, t.domain));
    if (dom !== undefined) this.remove(dom, t);
    else this.order.delete(t);
  }
}

function checkLimit(name: string, v: number, min: number, max: number): void {
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new RangeError(`template cache limit ${name} must be an integer from ${min} to ${max}, got ${v}`);
  }
}

function isUint(v: unknown, max: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= max;
}

function isStoredTemplate(x: unknown, maxFields: number): x is StoredTemplate {
  if (typeof x !== 'object' || x === null) return false;
  const o = x as Record<string, unknown>;
  if (typeof o.exporter !== 'string' || o.exporter.length === 0) return false;
  if (o.protocol !== 9 && o.protocol !== 10) return false;
  if (!isUint(o.domain, 0xffffffff) || !isUint(o.templateId, 0xffff) || o.templateId < 256) return false;
  if (typeof o.options !== 'boolean') return false;
  if (!Array.isArray(o.fields) || o.fields.length === 0 || o.fields.length > maxFields) return false;
  if (!isUint(o.scopeFieldCount, o.fields.length) || (!o.options && o.scopeFieldCount !== 0)) return false;
  if (typeof o.updatedMs !== 'number' || !Number.isFinite(o.updatedMs)) return false;
  const typeMax = o.protocol === 10 ? 0x7fff : 0xffff;
  for (const f of o.fields as unknown[]) {
    if (typeof f !== 'object' || f === null) return false;
    const g = f as Record<string, unknown>;
    if (!isUint(g.type, typeMax) || !isUint(g.length, 0xffff) || !isUint(g.enterprise, 0xffffffff)) return false;
    if (o.protocol === 9 && g.enterprise !== 0) return false;
  }
  return true;
}
