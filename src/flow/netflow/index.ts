/**
 * NetFlow decoders: version 5 (fixed 48-byte IPv4 records) and version 9 (RFC 3954, templates
 * held in the shared TemplateCache of ../templates). Each turns one UDP payload into normalised
 * FlowSamples for a SampleSink. Choosing the decoder by the version field is the listener's job.
 */
export {
  NetflowV5Decoder,
  decodeNetflowV5,
  NETFLOW_V5_HEADER_LENGTH,
  NETFLOW_V5_RECORD_LENGTH,
  NETFLOW_V5_MAX_RECORDS,
} from './netflow-v5.js';
export { NetflowV9Decoder, NETFLOW_V9_HEADER_LENGTH } from './netflow-v9.js';
