/**
 * The output formats every report (scan, audit, probe, later watch) offers,
 * and the one renderer signature: each capability keeps a
 * `RENDERERS: Renderers<ItsReport>` table (like PREAMBLES for STARTTLS),
 * loading a format's module only when it is asked for. Adding a format
 * means one entry in FORMATS and one line in each capability's table (the
 * compiler lists the tables that lack it).
 */
import type { Palette } from '../../core/io.ts';

export const FORMATS = ['text', 'json', 'sarif', 'junit', 'html'] as const;
export type Format = (typeof FORMATS)[number];

/** What a renderer may use besides the report; each format reads only what it needs. */
export interface RenderContext {
  /** Colours for text output (PLAIN_PALETTE for files and pipes). */
  palette: Palette;
  /** --verbose: text shows info findings (scan) or every case's stderr (probe). */
  verbose: boolean;
  /** Base of relative SARIF artifact URIs (default: the working directory). */
  srcRoot?: string;
  /** Lines of a configuration file, for SARIF fingerprints that survive unrelated edits (audit). */
  lines?: (file: string) => string[] | undefined;
}

export type Renderer<R> = (report: R, context: RenderContext) => Promise<string>;
export type Renderers<R> = Readonly<Record<Format, Renderer<R>>>;
