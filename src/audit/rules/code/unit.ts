/**
 * The code unit: one per source or deployment file, with the facts its
 * reader found (config/code/). A rule applies to the languages that can hold
 * its fact, and fires once per fact.
 */
import type { Directive } from '../../config/model.ts';
import { codeLanguage, type CodeLanguage } from '../../config/code/index.ts';
import type { Fact } from '../../config/code/facts.ts';
import type { LoadedConfig } from '../../load.ts';
import type { AuditContext, Hit, RuleOutcome } from '../rule.ts';

export interface CodeUnit {
  config: LoadedConfig;
  language: CodeLanguage | undefined;
  facts: Directive[];
}

export function codeUnit(config: LoadedConfig): CodeUnit {
  return { config, language: codeLanguage(config.file.display), facts: config.file.directives };
}

/** Hits for every fact of `kinds`, or `na` when the file's language cannot hold them. */
export function factHits(u: CodeUnit, languages: readonly CodeLanguage[], kinds: readonly Fact[], message: (d: Directive) => string): RuleOutcome {
  if (!u.language || !languages.includes(u.language)) return 'na';
  return u.facts.filter((d) => (kinds as readonly string[]).includes(d.key)).map((d): Hit => ({ message: message(d), file: d.file, line: d.line }));
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
