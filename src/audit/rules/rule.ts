/**
 * What an audit rule is: declared once with its id, requirement, severity,
 * title, fix text and the vendor documentation it follows; the registry,
 * the SARIF rules, the JSON Schema's id list and the docs table are checked
 * against these declarations.
 */
import type { Requirement, Severity } from '../../report/model.ts';
import type { Policy } from '../../policy/types.ts';
import type { Directive } from '../config/model.ts';
import type { Dialect } from '../dialects.ts';
import type { LoadedConfig } from '../load.ts';

/** A line edit of a fix: everything outside the named line stays byte for byte. */
export interface Edit {
  /** The file as reported (mapped to disk by the loader). */
  file: string;
  line: number;
  /** `insert-after`/`insert-before` add whole lines; `replace` swaps the line for `text`. */
  kind: 'insert-after' | 'insert-before' | 'replace';
  text: string[];
  /**
   * `replace` only: the same change as a function of the line, so that
   * several replaces of one line compose (two attributes of one XML tag)
   * instead of the second being dropped. Without it a second replace of a
   * line is dropped.
   */
  apply?: (line: string) => string;
}

/** One place a rule fires. */
export interface Hit {
  message: string;
  file: string;
  line: number;
  /** Line edits that fix it; absent when the fix needs a decision (a CA file, a resolver address). */
  edits?: Edit[];
}

export interface RuleSpec {
  id: string;
  requirement: Requirement;
  severity: Severity;
  dialect: Dialect | 'trust' | 'any';
  title: string;
  /** What to change, in the dialect's words. */
  fix: string;
  /** The vendor documentation the rule follows. */
  source: string;
}

/** Where a configuration names a CA file, and what for. */
export interface CaReference {
  /** `client`: verifies client certificates; `upstream`: verifies servers we connect to; `stapling`: verifies OCSP responses. */
  role: 'client' | 'upstream' | 'stapling';
  /** The value as written. */
  value: string;
  /** Resolved path on disk. */
  path: string;
  at: Directive;
  /** A Java keystore (JKS, PKCS#12) rather than PEM/DER: read with the JDK's keytool. */
  keystore?: { type?: string; password?: string };
}

export interface AuditContext {
  policy?: Policy;
  /** A CA file of the policy a fix may name (the organisation's anchor), when the policy has one on disk. */
  fixCa?: string;
  /** Resolve a path written in `config` to a path on disk. */
  resolvePath: (config: LoadedConfig, value: string) => string;
}

/** `na` when the rule does not apply to the unit; otherwise its hits (none: applied and silent). */
export type RuleOutcome = Hit[] | 'na';

export interface Rule<U> extends RuleSpec {
  check: (unit: U, ctx: AuditContext) => RuleOutcome;
}

export function defineRule<U>(rule: Rule<U>): Rule<U> {
  return Object.freeze(rule);
}

/** Leading blanks of a line, to indent inserted lines like their neighbours. */
export function indentOf(text: string): string {
  return /^[ \t]*/.exec(text)?.[0] ?? '';
}
