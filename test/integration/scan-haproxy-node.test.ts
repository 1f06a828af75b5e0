/**
 * certwarden scan against HAProxy (staple from a `.ocsp` file) and Node TLS
 * servers (staple from the OCSPRequest handler).
 */
import { keyPem, makeLeaf, makeRoot } from '../helpers/pki.ts';
import { startHaproxy } from '../helpers/servers/haproxy.ts';
import { startNodeTls } from '../helpers/servers/node-tls.ts';
import { scanSuite, type Scenario } from '../helpers/servers/scenarios.ts';

const PASS = { status: 'pass' } as const;
const DAY = 86_400_000;

const scenarios: Scenario[] = [
  {
    name: 'good.haproxy.test',
    about: 'HAProxy with a good OCSP file',
    start: (pki) => {
      const site = pki.leaf('good.haproxy.test');
      return startHaproxy({ certChain: site.certChain, key: site.key, ocspFile: pki.staple(site.identity.certificate) });
    },
    expect: { 'V9.2.1': PASS, 'V9.2.4': PASS },
  },
  {
    name: 'good.node.test',
    about: 'Node TLS with a good staple',
    start: (pki) => {
      const site = pki.leaf('good.node.test');
      return startNodeTls({ certChain: site.certChain, key: site.key, staple: pki.staple(site.identity.certificate) });
    },
    expect: { 'V9.2.1': PASS, 'V9.2.4': PASS },
  },
  {
    name: 'expired.node.test',
    about: 'Node TLS, leaf expired yesterday, no staple',
    start: (pki) => {
      const site = pki.leaf('expired.node.test', { notBefore: new Date(Date.now() - 30 * DAY), notAfter: new Date(Date.now() - DAY) });
      return startNodeTls({ certChain: site.certChain, key: site.key });
    },
    expect: { 'V9.2.1': { status: 'fail', ids: ['certificate-expired'] }, 'V9.2.4': { status: 'fail', ids: ['staple-missing'] } },
  },
  {
    name: 'untrusted.node.test',
    about: 'Node TLS, chain to a root outside the policy, no staple',
    start: () => {
      const stranger = makeLeaf(makeRoot('CN=Stranger Root'), 'untrusted.node.test');
      return startNodeTls({ certChain: stranger.certificate.toPem(), key: keyPem(stranger.privateKey) });
    },
    expect: { 'V9.2.1': { status: 'fail', ids: ['chain-untrusted'] }, 'V9.2.4': { status: 'fail', ids: ['staple-missing'] } },
  },
  {
    name: 'mtls-lax.node.test',
    about: 'Node TLS asking for a client certificate without rejecting untrusted ones, good staple',
    start: (pki) => {
      const site = pki.leaf('mtls-lax.node.test');
      return startNodeTls({ certChain: site.certChain, key: site.key, staple: pki.staple(site.identity.certificate), verify: 'lax', clientCa: pki.rootPem });
    },
    expect: { 'V9.2.1': { status: 'fail', ids: ['client-auth-accepts-untrusted'] }, 'V9.2.4': PASS },
  },
];

// Regression (ALPN in the client-auth probes): a lax server that accepts only h2 refuses the probes' http/1.1
// offer with alert 120; that refusal is not a judgement of the certificate, so the probes repeat without ALPN
// and the lax server is still caught (without the retry it would pass as client-auth-enforced).
scenarios.push({
  name: 'mtls-lax-h2.node.test',
  about: 'Node TLS accepting only ALPN h2, asking for a client certificate without rejecting untrusted ones, good staple',
  start: (pki) => {
    const site = pki.leaf('mtls-lax-h2.node.test');
    return startNodeTls({ certChain: site.certChain, key: site.key, staple: pki.staple(site.identity.certificate), verify: 'lax', clientCa: pki.rootPem, alpn: ['h2'] });
  },
  expect: { 'V9.2.1': { status: 'fail', ids: ['client-auth-accepts-untrusted'] }, 'V9.2.4': PASS },
});

scanSuite('certwarden scan against HAProxy and Node TLS', scenarios);
