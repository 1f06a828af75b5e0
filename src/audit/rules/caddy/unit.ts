/**
 * The Caddy unit: the whole configuration (one per file). Caddy serves
 * HTTPS and staples OCSP by default, so the rules look for what turns that
 * off, and at the client-authentication and proxy-transport settings.
 */
import { isCaddyfile, caddyfileLine } from '../../config/caddy.ts';
import type { Directive } from '../../config/model.ts';
import { child, descendants, value } from '../../config/structured.ts';
import type { LoadedConfig } from '../../load.ts';
import { indentOf, type Edit } from '../rule.ts';

export interface CaddyUnit {
  config: LoadedConfig;
  root: Directive | undefined;
}

export function caddyUnit(config: LoadedConfig): CaddyUnit {
  return { config, root: config.file.directives[0] };
}

/** Where a finding points: the JSON node's line, or in a Caddyfile the line of the matching keyword. */
export function locate(u: CaddyUnit, d: Directive, keyword: RegExp): { file: string; line: number } {
  return { file: u.config.file.display, line: isCaddyfile(u.config.file.display) ? caddyfileLine(u.config.file.text, keyword) : d.line };
}

/** Every `client_authentication` of the HTTP servers' TLS connection policies. */
export function clientAuths(u: CaddyUnit): Directive[] {
  const servers = child(child(child(u.root, 'apps'), 'http'), 'servers')?.children ?? [];
  return servers.flatMap((s) => (child(s, 'tls_connection_policies')?.children ?? []).map((p) => child(p, 'client_authentication')).filter((c): c is Directive => c !== undefined));
}

/**
 * Whether Caddy enforces the block at all (caddytls ClientAuthentication.Active:
 * a mode or trusted certificates). An empty `client_authentication {}` asks
 * for no client certificate.
 */
export function clientAuthActive(ca: Directive): boolean {
  return value(ca, 'mode') !== undefined || ['trusted_ca_certs', 'trusted_ca_certs_pem_files', 'trusted_leaf_certs'].some((k) => (child(ca, k)?.children?.length ?? 0) > 0);
}

/** Caddy 2.6: without `mode`, trusted CAs or leaves mean require_and_verify; none means require (no verification). */
export function clientMode(ca: Directive): string {
  const mode = value(ca, 'mode');
  if (mode) return mode;
  const trusted = ['trusted_ca_certs', 'trusted_ca_certs_pem_files', 'trusted_leaf_certs'].some((k) => (child(ca, k)?.children?.length ?? 0) > 0);
  return trusted ? 'require_and_verify' : 'require';
}

/** reverse_proxy handlers' transport TLS blocks, anywhere in the routes. */
export function proxyTransports(u: CaddyUnit): Directive[] {
  return [...descendants(u.root ? [u.root] : [])].filter((d) => value(d, 'handler') === 'reverse_proxy').map((d) => child(child(d, 'transport'), 'tls')).filter((t): t is Directive => t !== undefined);
}

/**
 * A line edit at a finding's line when that line holds the setting alone: a
 * Caddyfile line that is exactly `caddyfile` (a directive and its words, a
 * trailing `#` comment allowed), or a JSON line that is exactly `json` with a
 * trailing comma when it is deleted (so no dangling comma is left). `to` are
 * the replacement lines' text without indentation (none: the line is
 * deleted); a JSON replacement is one member and keeps the line's comma.
 * Anything else (the setting shares its line, a last JSON member) gets no
 * edit: the fix text says what to do.
 */
export function lineEdit(u: CaddyUnit, at: { file: string; line: number }, match: { caddyfile: RegExp; json: RegExp }, to: { caddyfile: string[]; json: string[] }): Edit[] | undefined {
  const text = u.config.file.text.split('\n')[at.line - 1];
  if (text === undefined || at.file !== u.config.file.display) return undefined;
  const indent = indentOf(text);
  const body = text.trim();
  if (isCaddyfile(u.config.file.display)) {
    const code = body.replace(/\s+#.*$/, '');
    return match.caddyfile.test(code) ? [{ file: at.file, line: at.line, kind: 'replace', text: to.caddyfile.map((l) => `${indent}${l}`) }] : undefined;
  }
  const comma = body.endsWith(',');
  if (!match.json.test(body.replace(/,$/, '')) || to.json.length > 1 || (to.json.length === 0 && !comma)) return undefined;
  return [{ file: at.file, line: at.line, kind: 'replace', text: to.json.map((l) => `${indent}${l}${comma ? ',' : ''}`) }];
}

export const CADDY_DOCS = {
  tls: 'https://caddyserver.com/docs/json/apps/tls/',
  automation: 'https://caddyserver.com/docs/json/apps/tls/automation/policies/disable_ocsp_stapling/',
  clientAuth: 'https://caddyserver.com/docs/json/apps/http/servers/tls_connection_policies/client_authentication/mode/',
  transport: 'https://caddyserver.com/docs/json/apps/http/servers/routes/handle/reverse_proxy/transport/http/tls/insecure_skip_verify/',
} as const;
