import { defineRule } from '../rule.ts';
import { NGINX_DOCS } from './docs.ts';
import { isOn, lookup, setDirective, type NginxUnit } from './unit.ts';

export default defineRule<NginxUnit>({
  id: 'nginx-stapling-off',
  requirement: 'V9.2.4',
  severity: 'high',
  dialect: 'nginx',
  title: 'A TLS server does not staple OCSP responses (ssl_stapling is not on)',
  fix: 'Add `ssl_stapling on;` to the server block (with ssl_stapling_verify on and ssl_trusted_certificate).',
  source: `${NGINX_DOCS.ssl}#ssl_stapling`,
  check(u) {
    if (!u.tls) return 'na';
    const d = lookup(u.scopes, 'ssl_stapling');
    if (isOn(d)) return [];
    const at = d ?? u.server;
    const edits = setDirective(u, 'ssl_stapling', 'on');
    return [{ message: d ? `ssl_stapling ${d.args[0] ?? ''} applies to this server` : 'ssl_stapling is not set (nginx default: off)', file: at?.file ?? u.config.file.display, line: at?.line ?? 1, ...(edits ? { edits } : {}) }];
  },
});
