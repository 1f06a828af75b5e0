/** What the SARIF renderers of scan, audit and probe share: the schema, levels, and the security-severity code scanning reads. */
import type { Severity } from '../model.ts';

export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';

/** Findings that fail a requirement are errors; info is a note; the rest warnings. */
export function sarifLevel(s: Severity): 'error' | 'warning' | 'note' {
  return s === 'critical' || s === 'high' ? 'error' : s === 'info' ? 'note' : 'warning';
}

/** GitHub code scanning reads a 0-10 security-severity. */
export const SECURITY_SEVERITY: Readonly<Record<Severity, string>> = { critical: '9.5', high: '8.0', medium: '5.5', low: '3.0', info: '0.0' };
