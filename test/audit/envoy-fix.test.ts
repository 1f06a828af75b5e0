/**
 * Envoy's one mechanical fix: `require_client_certificate: true` on a
 * DownstreamTlsContext (YAML block style), inserted beside `"@type"` or
 * turned from false to true. Envoy is not packaged for this Debian release,
 * so no binary validates it here: the fixed file is parsed again by the
 * audit's YAML reader and the rule no longer fires. Everything else Envoy
 * needs (a CRL, a CA file, names to match, OCSP responses) is a site decision
 * and stays in the fix text.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { runAudit } from '../../src/audit/run.ts';
import { applyEdits } from '../../src/audit/fix.ts';
import { tempDir } from '../helpers/pki.ts';

const LISTENER = (extra: string[]): string =>
  [
    '# client certificates must be required',
    'static_resources:',
    '  listeners:',
    '    - name: https',
    '      filter_chains:',
    '        - transport_socket:',
    '            name: envoy.transport_sockets.tls',
    '            typed_config:',
    '              "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext',
    ...extra,
    '              common_tls_context:',
    '                validation_context:',
    '                  trusted_ca: { filename: /etc/envoy/client-ca.pem }',
    '                  crl: { filename: /etc/envoy/client.crl }',
    '',
  ].join('\n');

describe('Envoy fixes: require_client_certificate: true', () => {
  const tmp = tempDir('certwarden-envoy-fix-');
  after(() => tmp.cleanup());

  function fixed(name: string, text: string): { after: string; remaining: string[]; errors: number } {
    const run = runAudit({ paths: [tmp.write(name, text)], dialect: 'envoy' });
    assert.ok(run.report.results.some((r) => r.requirements['V9.2.1'].findings.some((f) => f.id === 'envoy-client-verify-optional')), 'fires before');
    const after = applyEdits(run.edits, run.load.texts, run.load.diskPaths)[0]?.after ?? text;
    const again = runAudit({ paths: [tmp.write(`fixed-${name}`, after)], dialect: 'envoy' }).report;
    return { after, remaining: again.results.flatMap((r) => r.requirements['V9.2.1'].findings.map((f) => f.id)), errors: again.summary.errors };
  }

  test('inserted as a sibling of "@type"; the fixed YAML parses and the rule is silent', () => {
    const r = fixed('envoy.yaml', LISTENER([]));
    assert.equal(r.after, LISTENER(['              require_client_certificate: true']));
    assert.equal(r.errors, 0);
    assert.ok(!r.remaining.includes('envoy-client-verify-optional'));
  });

  test('require_client_certificate: false becomes true in place', () => {
    const r = fixed('false.yaml', LISTENER(['              require_client_certificate: false  # for now']));
    assert.equal(r.after, LISTENER(['              require_client_certificate: true  # for now']));
    assert.ok(!r.remaining.includes('envoy-client-verify-optional'));
  });

  test('JSON is left to the fix text', () => {
    const json = JSON.stringify({ static_resources: { listeners: [{ filter_chains: [{ transport_socket: { name: 'tls', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext', common_tls_context: { validation_context: { trusted_ca: { filename: '/x.pem' }, crl: { filename: '/x.crl' } } } } } }] }] } }, null, 2);
    assert.equal(fixed('envoy.json', json).after, json);
  });
});
