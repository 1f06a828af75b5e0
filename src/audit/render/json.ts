/** JSON output: the report model as is (schema/audit-report.schema.json). */
import { renderReportJson } from '../../report/render/json.ts';
import type { AuditReport } from '../report.ts';

export function renderAuditJson(report: AuditReport): string {
  return renderReportJson(report);
}
