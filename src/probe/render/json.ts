/** JSON output: the report model as is (schema/probe-report.schema.json). */
import { toJson } from '../../core/json.ts';
import type { ProbeReport } from '../report.ts';

export function renderProbeJson(report: ProbeReport): string {
  return `${toJson(report)}\n`;
}
