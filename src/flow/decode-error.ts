/**
 * Decode errors: every way a datagram or record can be unusable has a code. Codes are metric
 * label values and appear in docs/limits.md, so they are a closed, stable list.
 */

export const DECODE_ERROR_CODES = [
  /** A length or offset points past the end of the datagram (or of its enclosing record). */
  'truncated',
  /** Version field is not one this decoder handles. */
  'bad_version',
  /** A length field is zero where that is impossible, not a multiple it must be, or inconsistent. */
  'bad_length',
  /** A count (records, samples, fields) is larger than the named limit or than the bytes could hold. */
  'count_too_large',
  /** An address type that is neither IPv4 nor IPv6. */
  'bad_address_type',
  /** A template with no fields, or only fields of length zero. */
  'template_no_fields',
  /** A template whose records would be longer than any datagram, or too many fields. */
  'template_too_large',
  /** A field length that the field's type cannot have (e.g. an IPv4 address of 3 bytes). */
  'template_bad_field',
  /** Data flowset/set before (or without) its template: skipped, the rest of the datagram is kept. */
  'no_template',
  /** A flowset/set id that is reserved or unknown. */
  'bad_set_id',
  /** Headers nested deeper than the parser follows (VLAN/MPLS/IPv6 extension header loops). */
  'header_loop',
  /** The template cache is full: a new template was refused. */
  'template_cache_full',
  /** A record/sample format this decoder skips on purpose (counted, not an attack). */
  'unsupported',
  /** A record that decoded but carries no IP addresses (nothing to count). */
  'no_ip',
] as const;

export type DecodeErrorCode = (typeof DECODE_ERROR_CODES)[number];

export class DecodeError extends Error {
  readonly code: DecodeErrorCode;
  constructor(code: DecodeErrorCode, message: string) {
    super(message);
    this.name = 'DecodeError';
    this.code = code;
  }
}
