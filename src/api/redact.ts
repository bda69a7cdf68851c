/**
 * The effective config as GET /api/v1/config shows it: every value whose key names a secret
 * (passwords, tokens, webhook secrets and headers) is replaced, so the endpoint can be shown to
 * read-only users and pasted into bug reports.
 */
export const REDACTED = '<redacted>';
const SECRET_KEY = /(password|token|secret|authorization|api_key|headers)$/i;

export function redactConfig(value: unknown, key = ''): unknown {
  if (SECRET_KEY.test(key) && value !== null && value !== undefined && value !== '') {
    if (typeof value === 'object' && !Array.isArray(value)) return Object.fromEntries(Object.keys(value).map((k) => [k, REDACTED]));
    return REDACTED;
  }
  if (Array.isArray(value)) return value.map((v) => redactConfig(v, ''));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactConfig(v, k)]));
  return value;
}
