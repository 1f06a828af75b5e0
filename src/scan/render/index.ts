/** Scan's renderers, one per format (report/render/registry.ts), each module loaded only when asked for. */
import type { Renderers } from '../../report/render/registry.ts';
import type { ScanReport } from '../report.ts';

export const RENDERERS: Renderers<ScanReport> = {
  text: async (report, c) => (await import('./text.ts')).renderText(report, c.palette, { showInfo: c.verbose }),
  json: async (report) => (await import('./json.ts')).renderJson(report),
  sarif: async (report, c) => (await import('./sarif.ts')).renderSarif(report, c.srcRoot !== undefined ? { srcRoot: c.srcRoot } : {}),
  junit: async (report) => (await import('./junit.ts')).renderJunit(report),
  html: async (report) => (await import('./html.ts')).renderHtml(report),
};
