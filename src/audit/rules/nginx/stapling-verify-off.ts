import { defineRule } from '../rule.ts';
import { NGINX_DOCS } from './docs.ts';
import { isOn, lookup, setDirective, type NginxUnit } from './unit.ts';

export default defineRule<NginxUnit>({
  id: 'nginx-stapling-verify-off',
  requirement: 'V9.2.4',
  severity: 'medium',
  dialect: 'nginx',
  title: 'nginx staples OCSP responses without verifying them (ssl_stapling_verify is not on)',
  fix: 'Add `ssl_stapling_verify on;` next to ssl_stapling, with ssl_trusted_certificate naming the issuing chain.',
  source: `${NGINX_DOCS.ssl}#ssl_stapling_verify`,
  check(u) {
    if (!u.tls) return 'na';
    const d = lookup(u.scopes, 'ssl_stapling_verify');
    if (isOn(d)) return [];
    const at = d ?? u.server;
    const edits = setDirective(u, 'ssl_stapling_verify', 'on');
    return [{ message: 'OCSP responses are stapled without checking their signature (ssl_stapling_verify off)', file: at?.file ?? u.config.file.display, line: at?.line ?? 1, ...(edits ? { edits } : {}) }];
  },
});
