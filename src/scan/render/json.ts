/** JSON output: the report model as is (schema/scan-report.schema.json). */
import { renderReportJson } from '../../report/render/json.ts';
import type { ScanReport } from '../report.ts';

export function renderJson(report: ScanReport): string {
  return renderReportJson(report);
}
