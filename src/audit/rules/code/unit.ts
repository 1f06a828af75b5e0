/**
 * The code unit: one per source or deployment file, with the facts its
 * reader found (config/code/). A rule applies to the languages that can hold
 * its fact, and fires once per fact.
 */
import type { Directive } from '../../config/model.ts';
import { codeLanguage, type CodeLanguage } from '../../config/code/index.ts';
import type { Fact } from '../../config/code/facts.ts';
import type { LoadedConfig } from '../../load.ts';
import type { AuditContext, Edit, Hit, RuleOutcome } from '../rule.ts';

export interface CodeUnit {
  config: LoadedConfig;
  language: CodeLanguage | undefined;
  facts: Directive[];
}

export function codeUnit(config: LoadedConfig): CodeUnit {
  return { config, language: codeLanguage(config.file.display), facts: config.file.directives };
}

/** Hits for every fact of `kinds`, or `na` when the file's language cannot hold them; `removal` names what a fix may take out of the fact's line. */
export function factHits(u: CodeUnit, languages: readonly CodeLanguage[], kinds: readonly Fact[], message: (d: Directive) => string, removal?: Removal): RuleOutcome {
  if (!u.language || !languages.includes(u.language)) return 'na';
  return u.facts.filter((d) => (kinds as readonly string[]).includes(d.key)).map((d): Hit => {
    const edits = removal ? removeFromLine(u, d, removal) : undefined;
    return { message: message(d), file: d.file, line: d.line, ...(edits ? { edits } : {}) };
  });
}

/**
 * What a fix may take out of the line a fact was found on: `line` matches a
 * line that holds nothing else (trimmed, a trailing `//` or `#` comment
 * allowed), which is then deleted; `inline` are replacements inside a line
 * (`, verify=False` → ``). Whatever matches must match exactly once, so an
 * ambiguous line (the text twice, or also in a string) gets no edit.
 */
export interface Removal {
  line: readonly RegExp[];
  inline: readonly { from: RegExp; to: string }[];
}

function count(text: string, re: RegExp): number {
  return [...text.matchAll(new RegExp(re.source, `${re.flags.replace('g', '')}g`))].length;
}

export function removeFromLine(u: CodeUnit, d: Directive, r: Removal): Edit[] | undefined {
  if (d.file !== u.config.file.display) return undefined;
  const text = u.config.file.text.split('\n')[d.line - 1];
  if (text === undefined) return undefined;
  const code = text.trim().replace(/\s+(\/\/|#).*$/, '');
  if (r.line.some((re) => re.test(code))) return [{ file: d.file, line: d.line, kind: 'replace', text: [] }];
  for (const { from, to } of r.inline) {
    if (count(text, from) !== 1) continue;
    return [{ file: d.file, line: d.line, kind: 'replace', text: [text.replace(from, to)] }];
  }
  return undefined;
}

/** The policy says the organisation's own CAs only (`trust.system: false`): a client on the runtime's default roots is out of policy. */
export function internalOnly(ctx: AuditContext): boolean {
  return ctx.policy !== undefined && ctx.policy.trust.system === false;
}

export const CODE_DOCS = {
  node: 'https://nodejs.org/api/tls.html#tlsconnectoptions-callback',
  nodeEnv: 'https://nodejs.org/api/cli.html#node_tls_reject_unauthorizedvalue',
  python: 'https://docs.python.org/3/library/ssl.html#ssl-security',
  requests: 'https://requests.readthedocs.io/en/latest/user/advanced/#ssl-cert-verification',
  go: 'https://pkg.go.dev/crypto/tls#Config',
  java: 'https://docs.oracle.com/en/java/javase/17/security/java-secure-socket-extension-jsse-reference-guide.html',
} as const;
