/**
 * certwarden scan against Apache mod_ssl with SSLUseStapling on and a shmcb
 * stapling cache, fetching from a live OCSP responder. mod_ssl fetches during
 * the handshake on a cache miss and staples revoked answers too.
 */
import { startApache } from '../helpers/servers/apache.ts';
import { scanSuite, type Scenario } from '../helpers/servers/scenarios.ts';

const PASS = { status: 'pass' } as const;

const scenarios: Scenario[] = [
  {
    name: 'good.apache.test',
    about: 'SSLUseStapling on, responder says good',
    start: (pki) => {
      const site = pki.leaf('good.apache.test');
      return startApache({ certChain: site.certChain, key: site.key, SSLUseStapling: true });
    },
    expect: { 'V9.2.1': PASS, 'V9.2.4': PASS },
  },
  {
    name: 'revoked.apache.test',
    about: 'SSLUseStapling on, responder says revoked',
    start: (pki) => {
      const site = pki.leaf('revoked.apache.test');
      pki.revoke(site.identity.certificate);
      return startApache({ certChain: site.certChain, key: site.key, SSLUseStapling: true });
    },
    expect: { 'V9.2.1': PASS, 'V9.2.4': { status: 'fail', ids: ['staple-revoked'] } },
  },
  {
    name: 'off.apache.test',
    about: 'SSLUseStapling off',
    start: (pki) => {
      const site = pki.leaf('off.apache.test');
      return startApache({ certChain: site.certChain, key: site.key, SSLUseStapling: false });
    },
    expect: { 'V9.2.1': PASS, 'V9.2.4': { status: 'fail', ids: ['staple-missing'] } },
  },
];

scanSuite('certwarden scan against Apache httpd', scenarios);
