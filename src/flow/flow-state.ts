/**
 * Persistence of what the collectors learned from exporters: NetFlow v9/IPFIX templates and
 * sampling rates. Without it, a restart loses every NetFlow/IPFIX flow until the routers resend
 * their templates (minutes on many platforms) and counts sampled traffic at rate 1 until the
 * options data comes again. Saved periodically and at shutdown; restored at start.
 */
import type { StateDb } from '../state/database.js';
import type { ExporterRegistry } from './exporter.js';

/** A template in a plain, JSON-able form: what the template cache exports and imports. */
export interface StoredTemplateKey {
  exporter: string;
  protocol: number;
  domain: number;
  templateId: number;
  updatedMs: number;
}

export interface PersistableTemplates<T extends StoredTemplateKey> {
  exportTemplates(): T[];
  /** Validates and loads; entries that are not valid templates are skipped and counted. */
  importTemplates(list: readonly unknown[], nowMs: number): { imported: number; skipped: number };
}

export class FlowStateStore<T extends StoredTemplateKey> {
  constructor(
    private readonly db: StateDb,
    private readonly templates: PersistableTemplates<T>,
    private readonly registry: ExporterRegistry,
  ) {}

  /** Replaces the stored state with the current one, in one transaction. */
  save(nowMs: number): { templates: number; samplers: number } {
    const list = this.templates.exportTemplates();
    let samplers = 0;
    const insT = this.db.prepare('INSERT INTO flow_templates (exporter, protocol, domain, template_id, definition, updated_ms) VALUES (?, ?, ?, ?, ?, ?)');
    const insS = this.db.prepare('INSERT INTO flow_sampling (exporter, sampler_id, rate, updated_ms) VALUES (?, ?, ?, ?)');
    this.db.transaction(() => {
      this.db.exec('DELETE FROM flow_templates; DELETE FROM flow_sampling;');
      for (const t of list) insT.run(t.exporter, t.protocol, t.domain, t.templateId, JSON.stringify(t), Math.round(t.updatedMs));
      for (const e of this.registry.all()) {
        for (const [sampler, rate] of e.learnedSampling) {
          insS.run(e.address, sampler, rate, nowMs);
          samplers++;
        }
      }
    })();
    return { templates: list.length, samplers };
  }

  /**
   * Loads the saved state: exporters are re-created (whatever the allow-list says now is
   * applied to their next datagram only through the sampling they carry, so an exporter
   * removed from the allow-list stays refused: we skip it here), templates handed to the cache.
   */
  restore(nowMs: number, isAllowed: (address: string) => boolean): { templates: number; samplers: number; skipped: number } {
    let skipped = 0;
    const rows = this.db.prepare('SELECT exporter, definition FROM flow_templates').all() as { exporter: string; definition: string }[];
    const list: unknown[] = [];
    for (const r of rows) {
      if (!isAllowed(r.exporter)) {
        skipped++;
        continue;
      }
      try {
        list.push(JSON.parse(r.definition));
      } catch {
        skipped++;
      }
    }
    const imported = this.templates.importTemplates(list, nowMs);
    const templates = imported.imported;
    skipped += imported.skipped;
    let samplers = 0;
    const srows = this.db.prepare('SELECT exporter, sampler_id, rate FROM flow_sampling').all() as { exporter: string; sampler_id: number; rate: number }[];
    for (const r of srows) {
      if (!isAllowed(r.exporter)) {
        skipped++;
        continue;
      }
      const e = this.registry.get(r.exporter) ?? this.registry.create(r.exporter);
      if (e.learnSampling(r.sampler_id, r.rate)) samplers++;
    }
    return { templates, samplers, skipped };
  }
}
