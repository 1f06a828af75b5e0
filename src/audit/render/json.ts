/** JSON output: the report model as is (schema/audit-report.schema.json). */
import { toJson } from '../../core/json.ts';
import type { AuditReport } from '../report.ts';

export function renderAuditJson(report: AuditReport): string {
  return `${toJson(report)}\n`;
}
