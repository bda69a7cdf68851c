/**
 * flowgen owns synthetic flow telemetry for tests, load tests and the demo: a plain-data traffic
 * description (flows at real packet rates, 1-in-N sampling, exporter identity), a deterministic
 * generator that turns it into what a sampling exporter would see over virtual time (sFlow packet
 * samples carrying raw Ethernet headers, or NetFlow/IPFIX flow records), encoders for sFlow v5,
 * NetFlow v5, NetFlow v9 and IPFIX that pack those into well-formed datagrams with correct
 * sequence numbers and sampling announcements, a bounded loopback-only UDP sender, built-in attack
 * scenarios and the `flowgen` CLI. It never decodes: the real decoders live in src/flow/.
 */
export * from './traffic.js';
export * from './packet.js';
export * from './generator.js';
export * from './sflow.js';
export * from './netflow-v5.js';
export * from './netflow-v9.js';
export * from './ipfix.js';
export { FIELD, TemplateLayout, type FieldSpec } from './template-layout.js';
export {
  DEFAULT_MAX_DATAGRAM_BYTES,
  DEFAULT_RECORDS_PER_DATAGRAM,
  DEFAULT_TEMPLATE_REFRESH_DATAGRAMS,
  DEFAULT_TEMPLATE_REFRESH_MS,
  MAX_DATAGRAM_BYTES,
  type TemplateExportOptions,
} from './template-export.js';
export * from './simulate.js';
export * from './sender.js';
export * from './flow-text.js';
export * from './scenarios.js';
