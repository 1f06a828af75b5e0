/** JSON output: the report model as is (schema/scan-report.schema.json). */
import { toJson } from '../../core/json.ts';
import type { ScanReport } from '../report.ts';

export function renderJson(report: ScanReport): string {
  return `${toJson(report)}\n`;
}
