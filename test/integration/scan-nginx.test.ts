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
];

scanSuite('certwarden scan against nginx', scenarios);
