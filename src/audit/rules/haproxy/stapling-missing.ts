import { defineRule, type Hit } from '../rule.ts';
import { HAPROXY_DOCS, option, ocspFileFor, tlsBinds, type HaproxyUnit } from './unit.ts';

export default defineRule<HaproxyUnit>({
  id: 'haproxy-stapling-missing',
  requirement: 'V9.2.4',
  severity: 'high',
  dialect: 'haproxy',
  title: 'A TLS bind staples nothing: no `.ocsp` file next to the certificate and no `ocsp-update on`',
  fix: 'HAProxy < 2.8: keep a fresh, verified DER OCSP response in CERT.ocsp with `certwarden ocsp check --cert CERT --issuer ISSUER --out CERT.ocsp` (written only when good; run it from cron about halfway through the response\'s validity), then reload, or push it live: `echo "set ssl ocsp-response $(base64 -w0 CERT.ocsp)" | socat stdio UNIX:/path/to/admin.sock`. HAProxy 2.8+: `ocsp-update on` on the crt-list line (3.0+: also in crt-store `load`).',
  source: HAPROXY_DOCS.ocspUpdate,
  check(u, ctx) {
    const binds = tlsBinds(u);
    if (binds.length === 0) return 'na';
    const hits: Hit[] = [];
    for (const b of binds) {
      if (option(b, 'ocsp-update') === 'on') continue;
      const certs = b.args.flatMap((a, i) => (a === 'crt' && b.args[i + 1] ? [b.args[i + 1]!] : []));
      const listed = (b.included ?? []).filter((l) => !l.args.includes('ocsp-update') || l.args[l.args.indexOf('ocsp-update') + 1] !== 'on').map((l) => l.name);
      const updatedAll = (b.included ?? []).length > 0 && listed.length === 0;
      if (updatedAll && certs.length === 0) continue;
      const without = [...certs, ...listed].filter((c) => c.includes('$') || !ocspFileFor(ctx.resolvePath(u.config, c)));
      if (without.length === 0 && certs.length + listed.length > 0) continue;
      hits.push({ message: `bind ${b.args[0] ?? ''}: ${without.length > 0 ? `no .ocsp response for ${without.join(', ')}` : 'no certificate could be checked for a .ocsp response'}`, file: b.file, line: b.line });
    }
    return hits;
  },
});
