/**
 * Export the store as OpenSSL's CA database (index.txt), so `openssl ocsp
 * -index` or `openssl ca` can serve or inspect the same CA (used by the
 * benchmark, and handy for migrations). One line per certificate:
 *   status \t expiry \t revocation[,reason] \t SERIAL \t unknown \t /subject
 */
import type { CaStore, IssuedRecord } from './store.ts';

/** OpenSSL's spelling of RFC 5280 reason names (ocsp.c / ca.c crl_reasons). */
const OPENSSL_REASONS: Readonly<Record<string, string>> = { cACompromise: 'CACompromise', aACompromise: 'AACompromise' };

function utcTime(d: Date): string {
  return d.toISOString().replace(/^\d\d(\d\d)-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d).*$/, '$1$2$3$4$5$6Z');
}

export function indexLine(r: IssuedRecord, now = new Date()): string {
  const status = r.revokedAt ? 'R' : r.notAfter.getTime() < now.getTime() ? 'E' : 'V';
  const revoked = r.revokedAt ? `${utcTime(r.revokedAt)}${r.reason ? `,${OPENSSL_REASONS[r.reason] ?? r.reason}` : ''}` : '';
  const subject = `/${r.subject.split(', ').join('/')}`;
  return [status, utcTime(r.notAfter), revoked, r.serial.toUpperCase(), 'unknown', subject].join('\t');
}

export async function opensslIndex(store: CaStore, now = new Date()): Promise<string> {
  const lines = (await store.list()).map((r) => indexLine(r, now));
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}
