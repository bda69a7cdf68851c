/**
 * Templates for NetFlow v9 (RFC 3954) and IPFIX (RFC 7011): this module owns the bounded,
 * persistable cache of templates keyed by (exporter, protocol, source id / observation domain,
 * template id), the compilation of each template into a decoding plan (typed arrays of offsets,
 * lengths and field kinds, built once per definition, plus a table by kind for straight-line
 * decoding of fixed-length templates), and the record decoder that runs those plans over data
 * sets to fill FlowSamples and learn sampling rates from options data. The
 * protocol decoders (netflow/, ipfix/) only parse headers and set framing and call into here.
 */
export {
  TemplateCache,
  TemplateDomain,
  DefineOutcome,
  defineErrorCode,
  DEFAULT_TEMPLATE_CACHE_LIMITS,
  MAX_TEMPLATES_PER_EXPORTER,
  MAX_TEMPLATES_TOTAL,
  MAX_TEMPLATE_FIELDS,
  MAX_TEMPLATE_RECORD_LENGTH,
  TEMPLATE_TIMEOUT_MS,
  type TemplateCacheLimits,
  type TemplateCacheStats,
  type StoredTemplate,
} from './template-cache.js';
export { CompiledTemplate, TemplateSpec } from './compiled-template.js';
export { TemplateRecordDecoder } from './record-decoder.js';
