/**
 * Builds the set of decoders one collector process uses, sharing one template cache between
 * NetFlow v9 and IPFIX (templates are keyed by exporter, protocol, domain and id, so they cannot
 * collide). Used by the daemon, capture replay and the benchmarks alike.
 */
import type { CollectorsConfig } from '../config/collectors.js';
import type { IngestDecoders } from './ingest.js';
import { IpfixDecoder } from './ipfix/index.js';
import { NetflowV5Decoder, NetflowV9Decoder } from './netflow/index.js';
import { SflowDecoder } from './sflow/index.js';
import { TemplateCache } from './templates/index.js';

export interface FlowDecoders extends IngestDecoders {
  sflow: SflowDecoder;
  netflowV5: NetflowV5Decoder;
  netflowV9: NetflowV9Decoder;
  ipfix: IpfixDecoder;
  templates: TemplateCache;
}

export function createDecoders(templates: CollectorsConfig['templates']): FlowDecoders {
  const cache = new TemplateCache({
    templateTimeoutMs: templates.timeout_seconds * 1000,
    maxTemplatesPerExporter: templates.max_per_exporter,
    maxTemplatesTotal: templates.max_total,
  });
  return {
    sflow: new SflowDecoder(),
    netflowV5: new NetflowV5Decoder(),
    netflowV9: new NetflowV9Decoder(cache),
    ipfix: new IpfixDecoder(cache),
    templates: cache,
  };
}
