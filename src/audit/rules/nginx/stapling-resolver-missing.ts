import { isIP } from 'node:net';
import { Certificate } from '../../../x509/certificate.ts';
import { readFileBounded } from '../../../util/bounded-read.ts';
import { defineRule } from '../rule.ts';
import { NGINX_DOCS } from './docs.ts';
import { isOn, lookup, type NginxUnit } from './unit.ts';

function hostOf(url: string): string | undefined {
  try {
    return new URL(url).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return undefined;
  }
}

export default defineRule<NginxUnit>({
  id: 'nginx-stapling-resolver-missing',
  requirement: 'V9.2.4',
  severity: 'high',
  dialect: 'nginx',
  title: 'Stapling is on but the OCSP responder is a name and no resolver is set: nginx never fetches a response',
  fix: 'Add `resolver ADDRESS valid=300s;` (a resolver you trust) to the http or server block, or name the responder by address with ssl_stapling_responder.',
  source: NGINX_DOCS.resolver,
  check(u, ctx) {
    if (!u.tls || !isOn(lookup(u.scopes, 'ssl_stapling')) || lookup(u.scopes, 'ssl_stapling_file')) return 'na';
    if (lookup(u.scopes, 'resolver')) return [];
    const responder = lookup(u.scopes, 'ssl_stapling_responder')?.args[0];
    let hosts: string[];
    let why: string;
    if (responder) {
      hosts = [hostOf(responder) ?? responder];
      why = `ssl_stapling_responder ${responder}`;
    } else {
      const cert = lookup(u.scopes, 'ssl_certificate');
      try {
        if (!cert?.args[0] || cert.args[0].includes('$')) throw new Error('no static ssl_certificate');
        const leaf = Certificate.parseAll(readFileBounded(ctx.resolvePath(u.config, cert.args[0]), { what: 'certificate' }))[0];
        hosts = (leaf?.ocspUrls ?? []).map((x) => hostOf(x) ?? x);
        why = `the certificate's OCSP responder ${hosts.join(', ') || '(none)'}`;
      } catch {
        // Unreadable here: public CAs name their responders by DNS name, so a resolver is needed.
        hosts = ['(unknown)'];
        why = 'the certificate could not be read, and public CAs name their OCSP responders by DNS name';
      }
    }
    // No responder at all is a stapling failure the scan shows (staple-missing); this rule is about names only.
    if (hosts.every((h) => isIP(h) !== 0)) return [];
    return [{ message: `no resolver is set and ${why} must be resolved`, file: u.server?.file ?? u.config.file.display, line: u.server?.line ?? 1 }];
  },
});
