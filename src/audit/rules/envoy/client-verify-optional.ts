import { defineRule, type Edit } from '../rule.ts';
import { child, value } from '../../config/structured.ts';
import { ENVOY_DOCS, validation, type EnvoyUnit } from './unit.ts';

/**
 * YAML block style only: `require_client_certificate: false` on its own line
 * becomes `true`; else the key is inserted right after the context's
 * `"@type": …DownstreamTlsContext` line, at its indentation (a sibling key of
 * the same mapping). JSON and flow style get no edit.
 */
function requireClientCertificate(u: EnvoyUnit): Edit[] | undefined {
  if (!/\.ya?ml$/i.test(u.config.file.display)) return undefined;
  const lines = u.config.file.text.split('\n');
  const existing = child(u.context, 'require_client_certificate');
  if (existing) {
    const text = lines[existing.line - 1];
    return text !== undefined && /^\s*require_client_certificate:\s*false\s*(#.*)?$/.test(text) ? [{ file: existing.file, line: existing.line, kind: 'replace', text: [text.replace(/false/, 'true')] }] : undefined;
  }
  const type = child(u.context, '@type');
  const text = type ? lines[type.line - 1] : undefined;
  if (!type || text === undefined || !/^\s*(-\s+)?["']@type["']\s*:\s*\S+DownstreamTlsContext["']?\s*$/.test(text)) return undefined;
  // Under a list item (`- "@type": …`) the sibling keys sit where the key text starts.
  const indent = ' '.repeat(text.search(/["']@type/));
  return [{ file: type.file, line: type.line, kind: 'insert-after', text: [`${indent}require_client_certificate: true`] }];
}

export default defineRule<EnvoyUnit>({
  id: 'envoy-client-verify-optional',
  requirement: 'V9.2.1',
  severity: 'medium',
  dialect: 'envoy',
  title: 'A DownstreamTlsContext verifies client certificates but `require_client_certificate` is not true: a client without one is let through',
  fix: 'Add `require_client_certificate: true` to the DownstreamTlsContext (or check the client certificate in an RBAC filter on every route that needs it).',
  source: `${ENVOY_DOCS.tls}#envoy-v3-api-field-extensions-transport-sockets-tls-v3-downstreamtlscontext-require-client-certificate`,
  check(u) {
    if (u.side !== 'downstream' || !validation(u)) return 'na';
    if (value(u.context, 'require_client_certificate') === 'true') return [];
    const edits = requireClientCertificate(u);
    return [{ message: 'client certificates are requested and verified, but optional', file: u.context.file, line: u.context.line, ...(edits ? { edits } : {}) }];
  },
});
