/**
 * Ajv for the tests that validate reports against the published JSON
 * Schemas. The schemas use `format: date-time` (RFC 3339 §5.6); Ajv knows no
 * formats without a plugin and would ignore it with a warning, so the tests
 * check it themselves instead of not at all.
 */
import { Ajv, type Options } from 'ajv';

/** RFC 3339 §5.6 date-time, as JSON.stringify writes Dates (and offsets). */
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;

export function schemaAjv(options: Options = {}): Ajv {
  const ajv = new Ajv({ strict: false, ...options });
  ajv.addFormat('date-time', (s: string) => RFC3339.test(s) && !Number.isNaN(Date.parse(s)));
  return ajv;
}
