/** The audit's renderers, one per format (report/render/registry.ts), each module loaded only when asked for. */
import type { Renderers } from '../../report/render/registry.ts';
import type { AuditReport } from '../report.ts';

export const RENDERERS: Renderers<AuditReport> = {
  text: async (report, c) => (await import('./text.ts')).renderAuditText(report, c.palette),
  json: async (report) => (await import('./json.ts')).renderAuditJson(report),
  sarif: async (report, c) => (await import('./sarif.ts')).renderAuditSarif(report, c.lines),
  junit: async (report) => (await import('./junit.ts')).renderAuditJunit(report),
  html: async (report) => (await import('./html.ts')).renderAuditHtml(report),
};
