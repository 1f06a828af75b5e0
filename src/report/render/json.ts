/** JSON output of any report: the report model as is (its schema/*.schema.json). */
import { toJson } from '../../core/json.ts';

export function renderReportJson(report: unknown): string {
  return `${toJson(report)}\n`;
}
