/** The probe's renderers, by format (loaded on demand, as scan's). */
import type { Palette } from '../../core/io.ts';
import type { ProbeReport } from '../report.ts';

export const PROBE_FORMATS = ['text', 'json', 'sarif', 'junit', 'html'] as const;
export type ProbeFormat = (typeof PROBE_FORMATS)[number];

export async function renderProbeReport(report: ProbeReport, format: ProbeFormat, p: Palette, verbose = false): Promise<string> {
  switch (format) {
    case 'json':
      return (await import('./json.ts')).renderProbeJson(report);
    case 'sarif':
      return (await import('./sarif.ts')).renderProbeSarif(report);
    case 'junit':
      return (await import('./junit.ts')).renderProbeJunit(report);
    case 'html':
      return (await import('./html.ts')).renderProbeHtml(report);
    default:
      return (await import('./text.ts')).renderProbeText(report, p, { verbose });
  }
}
