import { defineRule } from '../rule.ts';
import { NGINX_DOCS } from './docs.ts';
import { lookup, setDirective, type NginxUnit } from './unit.ts';

export default defineRule<NginxUnit>({
  id: 'nginx-stapling-trusted-certificate-missing',
  requirement: 'V9.2.4',
  severity: 'medium',
  dialect: 'nginx',
  title: 'No ssl_trusted_certificate: nginx cannot verify the OCSP responses it staples',
  fix: 'Add `ssl_trusted_certificate FILE;` naming the root and intermediates of the server certificate (the --policy CA is used by --fix).',
  source: `${NGINX_DOCS.ssl}#ssl_trusted_certificate`,
  check(u, ctx) {
    if (!u.tls) return 'na';
    if (lookup(u.scopes, 'ssl_trusted_certificate') || lookup(u.scopes, 'ssl_stapling_file')) return [];
    const edits = ctx.fixCa ? setDirective(u, 'ssl_trusted_certificate', ctx.fixCa) : undefined;
    return [{ message: 'ssl_trusted_certificate is not set: stapled responses cannot be verified against the issuing chain', file: u.server?.file ?? u.config.file.display, line: u.server?.line ?? 1, ...(edits ? { edits } : {}) }];
  },
});
