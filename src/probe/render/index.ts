/** The probe's renderers, one per format (report/render/registry.ts), each module loaded only when asked for. */
import type { Palette } from '../../core/io.ts';
import { FORMATS, type Format, type Renderers } from '../../report/render/registry.ts';
import type { ProbeReport } from '../report.ts';

export const PROBE_FORMATS = FORMATS;
export type ProbeFormat = Format;

export const RENDERERS: Renderers<ProbeReport> = {
  text: async (report, c) => (await import('./text.ts')).renderProbeText(report, c.palette, { verbose: c.verbose }),
  json: async (report) => (await import('./json.ts')).renderProbeJson(report),
  sarif: async (report) => (await import('./sarif.ts')).renderProbeSarif(report),
  junit: async (report) => (await import('./junit.ts')).renderProbeJunit(report),
  html: async (report) => (await import('./html.ts')).renderProbeHtml(report),
};

export async function renderProbeReport(report: ProbeReport, format: ProbeFormat, p: Palette, verbose = false): Promise<string> {
  return RENDERERS[format](report, { palette: p, verbose });
}
