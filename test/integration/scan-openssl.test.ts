/**
 * certwarden scan against `openssl s_server`: staples of every kind through
 * -status_file, and client-certificate enforcement strict (-Verify 1
 * -verify_return_error) versus lax (-verify 1, which accepts any client
 * certificate).
 */
import { makeLeaf, makeRoot, keyPem } from '../helpers/pki.ts';
import { startOpensslServer } from '../helpers/servers/openssl-server.ts';
import { scanSuite, type Scenario } from '../helpers/servers/scenarios.ts';
import type { StapleOptions, TestPki } from '../helpers/servers/test-pki.ts';

const DAY = 86_400_000;

/** s_server with a fresh leaf for `name` and a staple made by `staple` (none when it returns undefined). */
function withStaple(name: string, staple: (pki: TestPki, leaf: ReturnType<TestPki['leaf']>) => Buffer | undefined, extra: Partial<Parameters<typeof startOpensslServer>[0]> = {}, leafOptions = {}): Scenario['start'] {
  return (pki) => {
    const site = pki.leaf(name, leafOptions);
    const statusFile = staple(pki, site);
    return startOpensslServer({ cert: site.cert, key: site.key, chain: pki.intermediatePem, ...(statusFile ? { statusFile } : {}), ...extra });
  };
}

const good = (o: StapleOptions = {}) => (pki: TestPki, site: ReturnType<TestPki['leaf']>): Buffer => pki.staple(site.identity.certificate, o);
const PASS = { status: 'pass' } as const;

const scenarios: Scenario[] = [
  { name: 'good.s-server.test', about: 'valid chain, good staple', start: withStaple('good.s-server.test', good()), expect: { 'V9.2.1': PASS, 'V9.2.4': PASS } },
  {
    name: 'revoked.s-server.test',
    about: 'staple says revoked',
    start: withStaple('revoked.s-server.test', (pki, site) => {
      pki.revoke(site.identity.certificate);
      return pki.staple(site.identity.certificate, { status: 'revoked' });
    }),
    expect: { 'V9.2.1': PASS, 'V9.2.4': { status: 'fail', ids: ['staple-revoked'] } },
  },
  {
    name: 'unknown.s-server.test',
    about: 'staple says unknown',
    start: withStaple('unknown.s-server.test', good({ status: 'unknown' })),
    expect: { 'V9.2.1': PASS, 'V9.2.4': { status: 'fail', ids: ['staple-unknown'] } },
  },
  {
    name: 'stale.s-server.test',
    about: 'staple expired nine days ago',
    start: withStaple('stale.s-server.test', good({ thisUpdate: new Date(Date.now() - 10 * DAY), nextUpdate: new Date(Date.now() - 9 * DAY) })),
    expect: { 'V9.2.1': PASS, 'V9.2.4': { status: 'fail', ids: ['staple-stale'] } },
  },
  {
    name: 'sibling-signed.s-server.test',
    about: 'staple signed by a sibling leaf without id-kp-OCSPSigning',
    start: withStaple('sibling-signed.s-server.test', (pki, site) => pki.staple(site.identity.certificate, { signer: pki.leaf('sibling.s-server.test').identity })),
    expect: { 'V9.2.1': PASS, 'V9.2.4': { status: 'fail', ids: ['staple-unauthorized-responder'] } },
  },
  {
    name: 'bad-signature.s-server.test',
    about: 'staple signature with one bit flipped',
    start: withStaple('bad-signature.s-server.test', good({ tamper: { signature: (sig) => { const s = Buffer.from(sig); s[s.length - 1]! ^= 1; return s; } } })),
    expect: { 'V9.2.1': PASS, 'V9.2.4': { status: 'fail', ids: ['staple-bad-signature'] } },
  },
  {
    name: 'wrong-cert.s-server.test',
    about: 'staple about another certificate of the same CA',
    start: withStaple('wrong-cert.s-server.test', (pki, site) => pki.staple(site.identity.certificate, { about: pki.leaf('other.s-server.test').identity.certificate })),
    expect: { 'V9.2.1': PASS, 'V9.2.4': { status: 'fail', ids: ['staple-wrong-certificate'] } },
  },
  {
    name: 'no-staple.s-server.test',
    about: 'no staple (the live responder says good)',
    start: withStaple('no-staple.s-server.test', () => undefined),
    expect: { 'V9.2.1': PASS, 'V9.2.4': { status: 'fail', ids: ['staple-missing'] } },
  },
  {
    name: 'must-staple.s-server.test',
    about: 'Must-Staple certificate served without a staple',
    start: withStaple('must-staple.s-server.test', () => undefined, {}, { mustStaple: true }),
    expect: { 'V9.2.1': PASS, 'V9.2.4': { status: 'fail', ids: ['must-staple-violated'] } },
  },
  {
    name: 'mismatch.s-server.test',
    about: 'certificate for another name, good staple',
    start: (pki) => {
      const site = pki.leaf('elsewhere.s-server.test', { san: ['DNS:elsewhere.s-server.test'] });
      return startOpensslServer({ cert: site.cert, key: site.key, chain: pki.intermediatePem, statusFile: pki.staple(site.identity.certificate) });
    },
    expect: { 'V9.2.1': { status: 'fail', ids: ['hostname-mismatch'] }, 'V9.2.4': PASS },
  },
  {
    name: 'no-intermediate.s-server.test',
    about: 'leaf sent without its intermediate, good staple',
    start: (pki) => {
      const site = pki.leaf('no-intermediate.s-server.test');
      return startOpensslServer({ cert: site.cert, key: site.key, statusFile: pki.staple(site.identity.certificate) });
    },
    // Without the issuer, neither the chain nor the staple's signature can be verified: a pass on V9.2.4 would fail open.
    expect: { 'V9.2.1': { status: 'fail', ids: ['chain-incomplete'] }, 'V9.2.4': { status: { not: ['pass'] } } },
  },
  {
    name: 'mtls-strict.s-server.test',
    about: 'requires a client certificate from the root (-Verify 1 -verify_return_error), good staple',
    start: (pki) => withStaple('mtls-strict.s-server.test', good(), { verify: 'strict', caFile: pki.rootPem })(pki),
    expect: { 'V9.2.1': PASS, 'V9.2.4': PASS },
  },
  {
    name: 'mtls-lax.s-server.test',
    about: 'asks for a client certificate but accepts any (-verify 1), good staple',
    start: (pki) => withStaple('mtls-lax.s-server.test', good(), { verify: 'lax', caFile: pki.rootPem })(pki),
    expect: { 'V9.2.1': { status: 'fail', ids: ['client-auth-accepts-untrusted'] }, 'V9.2.4': PASS },
  },
  {
    name: 'untrusted.s-server.test',
    about: 'self-signed root outside the policy, no staple',
    start: () => {
      const stranger = makeLeaf(makeRoot('CN=Stranger Root'), 'untrusted.s-server.test');
      return startOpensslServer({ cert: stranger.certificate.toPem(), key: keyPem(stranger.privateKey) });
    },
    expect: { 'V9.2.1': { status: 'fail', ids: ['chain-untrusted'] }, 'V9.2.4': { status: 'fail', ids: ['staple-missing'] } },
  },
];

scanSuite('certwarden scan against openssl s_server', scenarios);
