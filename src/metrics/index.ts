/**
 * Prometheus metrics: owns the daemon's private prom-client registry (process metrics included,
 * prefixed breakwater_), the families it exposes and their names, and the narrow read-only
 * sources the daemon hands it. Everything but the tick histogram is read from the components
 * when a scrape renders it, so nothing is added to the datagram path; no metric is labelled with
 * a monitored host's address (label values are bounded: exporters, listeners, speakers, closed
 * code lists). The names, types and labels are documented in docs/metrics.md; the API serves
 * `render()` on /metrics.
 */
export { Metrics, METRIC_PREFIX, TICK_BUCKETS } from './metrics.js';
export {
  metricsSourcesOf,
  exporterSampling,
  type MetricsSources,
  type MetricsComponents,
  type ExporterMetrics,
  type IngestMetrics,
  type TemplateMetrics,
  type TrafficMetrics,
  type RateSets,
  type DetectionMetrics,
  type SpeakerMetrics,
  type RouteKind,
  type NotifyMetrics,
} from './sources.js';
