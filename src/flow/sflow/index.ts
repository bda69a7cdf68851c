/**
 * sFlow v5: decodes datagrams from switches and routers (sflow.org/sflow_version_5.txt) into
 * normalised FlowSamples. Owns the datagram/sample/record framing, flow samples (raw packet
 * header, sampled IPv4/IPv6, extended switch and gateway records) and generic interface counter
 * samples; the packet bytes themselves are parsed by ../packet-header.ts, shared with pcap
 * replay and IPFIX. Counter samples update the exporter's interface table and never produce
 * traffic. Limits on counts are exported for docs/limits.md.
 */
export {
  SflowDecoder,
  SFLOW_VERSION,
  MAX_SFLOW_SAMPLES_PER_DATAGRAM,
  MAX_SFLOW_RECORDS_PER_SAMPLE,
  MAX_SFLOW_AS_PATH_SEGMENTS,
  MAX_SFLOW_DROP_SOURCES,
} from './sflow-decoder.js';
