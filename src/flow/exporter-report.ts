/**
 * Tells the operator what arrives: a line when an exporter first sends, and a periodic summary
 * per active exporter (datagrams, samples, errors by code, sequence gaps, templates, sampling)
 * plus kernel drops per socket. This is how "flows arrive but nothing is counted" gets
 * diagnosed, so it names the cause (no template yet, not allowed, decode errors) where it can.
 */
import type { Exporter } from './exporter.js';
import type { IngestTotals, WireProtocol } from './ingest.js';
import type { ListenerStatus } from './listener.js';
import type { Logger } from '../log.js';

export interface TemplateCounts {
  countFor(exporter: string): number;
}

interface Last {
  datagrams: number;
  samples: number;
  errors: number;
  gaps: number;
  lost: number;
}

export class ExporterReporter {
  private readonly last = new WeakMap<Exporter, Last>();
  private lastNotAllowed = 0;
  private lastDrops = new Map<string, number>();

  constructor(
    private readonly log: Logger,
    private readonly templates: TemplateCounts,
  ) {}

  newExporter(e: Exporter, protocol: WireProtocol): void {
    this.log.info({ exporter: e.address, protocol }, 'new exporter');
  }

  report(exporters: Exporter[], listeners: ListenerStatus[], totals: IngestTotals): void {
    for (const e of exporters) {
      const s = e.stats;
      const prev = this.last.get(e) ?? { datagrams: 0, samples: 0, errors: 0, gaps: 0, lost: 0 };
      const errors = s.errorTotal();
      const now: Last = { datagrams: s.datagrams, samples: s.samples, errors, gaps: s.sequenceGaps, lost: s.sequenceLost };
      this.last.set(e, now);
      if (now.datagrams === prev.datagrams) continue;
      const fields: Record<string, unknown> = {
        exporter: e.address,
        datagrams: now.datagrams - prev.datagrams,
        samples: now.samples - prev.samples,
        templates: this.templates.countFor(e.address),
        sampling: e.samplingOverride > 0 ? `override ${e.samplingOverride}` : e.learnedSampling.size > 0 ? Object.fromEntries(e.learnedSampling) : `default ${e.samplingDefault}`,
      };
      if (errors > prev.errors) fields.errors = Object.fromEntries(s.errors);
      if (now.gaps > prev.gaps) fields.sequenceLost = now.lost - prev.lost;
      const level = now.samples === prev.samples ? 'warn' : 'info';
      const msg = now.samples === prev.samples
        ? 'exporter sends datagrams but no samples were decoded (see errors; NetFlow v9/IPFIX: waiting for templates?)'
        : 'exporter activity';
      this.log[level](fields, msg);
    }
    if (totals.notAllowed > this.lastNotAllowed) {
      this.log.warn({ dropped: totals.notAllowed - this.lastNotAllowed }, 'datagrams dropped: sender not on collectors.allow_exporters');
      this.lastNotAllowed = totals.notAllowed;
    }
    for (const l of listeners) {
      const key = `${l.protocol}:${l.port}`;
      const prev = this.lastDrops.get(key) ?? 0;
      if (l.kernelDrops !== null && l.kernelDrops > prev) {
        this.log.warn({ listener: key, kernelDrops: l.kernelDrops - prev, receiveBuffer: l.actualReceiveBuffer }, 'kernel dropped datagrams: receive buffer full (raise collectors.receive_buffer and net.core.rmem_max, or the host is overloaded)');
        this.lastDrops.set(key, l.kernelDrops);
      }
    }
  }
}
