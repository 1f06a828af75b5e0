/**
 * certwarden scan against nginx stapling from a live OCSP responder. nginx
 * fetches lazily: right after start its cache is cold and the first
 * handshakes carry no staple, so the scanner's bounded retry has to find it.
 * nginx refuses to staple anything but `good`, so a revoked certificate shows
 * up as a missing staple that live OCSP then explains.
 */
import { startNginx } from '../helpers/servers/nginx.ts';
import { scanSuite, type Scenario } from '../helpers/servers/scenarios.ts';

const PASS = { status: 'pass' } as const;

const scenarios: Scenario[] = [
  {
    name: 'cold.nginx.test',
    about: 'ssl_stapling on, cold cache, responder says good',
    start: (pki) => {
      const site = pki.leaf('cold.nginx.test');
      return startNginx({ certChain: site.certChain, key: site.key, stapling: true, staplingVerify: true, trustedCert: pki.rootPem });
    },
    expect: { 'V9.2.1': PASS, 'V9.2.4': PASS },
  },
  {
    name: 'off.nginx.test',
    about: 'ssl_stapling off',
    start: (pki) => {
      const site = pki.leaf('off.nginx.test');
      return startNginx({ certChain: site.certChain, key: site.key, stapling: false });
    },
    expect: { 'V9.2.1': PASS, 'V9.2.4': { status: 'fail', ids: ['staple-missing'] } },
  },
  {
    name: 'revoked.nginx.test',
    about: 'ssl_stapling on, responder says revoked (nginx staples only good answers)',
    start: (pki) => {
      const site = pki.leaf('revoked.nginx.test');
      pki.revoke(site.identity.certificate);
      return startNginx({ certChain: site.certChain, key: site.key, stapling: true, staplingVerify: true, trustedCert: pki.rootPem });
    },
    expect: { 'V9.2.1': PASS, 'V9.2.4': { status: 'fail', ids: ['staple-missing', 'revoked'] } },
  },
  {
    // Regression: nginx checks the client certificate at the HTTP layer (the handshake completes, the answer is
    // 400). On a port outside 443/8443/4443/9443 the probes used to judge the completed handshake alone and
    // reported this strict server as accepting untrusted certificates; nginx selects ALPN http/1.1, so the
    // probes now ask it over HTTP whatever the port.
    name: 'mtls-on.nginx.test',
    about: 'ssl_verify_client on with the policy CA as client CA, on a random port',
    start: (pki) => {
      const site = pki.leaf('mtls-on.nginx.test');
      return startNginx({ certChain: site.certChain, key: site.key, stapling: true, staplingVerify: true, trustedCert: pki.rootPem, sslVerifyClient: 'on', clientCa: pki.rootPem });
    },
    expect: { 'V9.2.1': PASS, 'V9.2.4': PASS },
  },
  {
    name: 'mtls-lax.nginx.test',
    about: 'ssl_verify_client optional_no_ca: asks for a client certificate and accepts any (silent side of the same probe)',
    start: (pki) => {
      const site = pki.leaf('mtls-lax.nginx.test');
      return startNginx({ certChain: site.certChain, key: site.key, stapling: true, staplingVerify: true, trustedCert: pki.rootPem, sslVerifyClient: 'optional_no_ca' });
    },
    expect: { 'V9.2.1': { status: 'fail', ids: ['client-auth-accepts-untrusted'] }, 'V9.2.4': PASS },
  },
];

scanSuite('certwarden scan against nginx', scenarios);
