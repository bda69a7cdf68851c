/**
 * IPFIX decoder (RFC 7011): one message per UDP payload into normalised FlowSamples, with
 * templates, options templates, withdrawals, enterprise and variable-length elements. Templates
 * live in the shared TemplateCache of ../templates (shared with NetFlow v9). Also owns the table
 * of Information Element ids both template protocols use (field-ids.ts).
 */
export { IpfixDecoder, IPFIX_HEADER_LENGTH, IPFIX_VERSION } from './ipfix-decoder.js';
export { IE, V9_SCOPE, ENTERPRISE_BIT, VARIABLE_LENGTH, REVERSE_PEN } from './field-ids.js';
