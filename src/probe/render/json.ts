/** JSON output: the report model as is (schema/probe-report.schema.json). */
import { renderReportJson } from '../../report/render/json.ts';
import type { ProbeReport } from '../report.ts';

export function renderProbeJson(report: ProbeReport): string {
  return renderReportJson(report);
}
