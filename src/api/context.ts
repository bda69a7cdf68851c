/**
 * What the API may touch: a narrow view of the daemon's components, built by the composition
 * root. Routes read state through these and change it only through the mitigation manager's
 * manual operations and the reload hook, so the API cannot bypass the safety checks that guard
 * automatic mitigation.
 */
import type { Config } from '../config/schema.js';
import type { Detector } from '../detection/detector.js';
import type { TrafficCounter } from '../traffic/traffic-counter.js';
import type { MitigationManager } from '../mitigation/manager.js';
import type { SpeakerSet } from '../bgp/speaker-set.js';
import type { ExporterRegistry } from '../flow/exporter.js';
import type { TemplateCache } from '../flow/templates/template-cache.js';
import type { ListenerStatus } from '../flow/listener.js';
import type { IngestTotals } from '../flow/ingest.js';
import type { EventHub } from './events.js';
import type { InterfaceCaptureStatus } from '../capture-live/index.js';
import type { TotalsHistory } from './totals-history.js';

export interface ReloadOutcome {
  ok: boolean;
  changed: string[];
  needsRestart: string[];
  problems?: string[];
}

export interface ApiContext {
  version: string;
  startedMs: number;
  now(): number;
  /** The effective config (reloaded sections included). */
  config(): Config;
  detector: Detector;
  traffic: TrafficCounter;
  mitigation: MitigationManager;
  speakers: SpeakerSet;
  registry: ExporterRegistry;
  templates: TemplateCache;
  listener: { status(): ListenerStatus[] };
  packetCapture: { status(): InterfaceCaptureStatus[] };
  ingest: { totals: IngestTotals };
  events: EventHub;
  totalsHistory: TotalsHistory;
  /** Re-reads the config file; null when the daemon was started without one. */
  reload: (() => ReloadOutcome) | null;
  metrics: { render(): Promise<string>; contentType: string } | null;
}
