/**
 * The one-pass revokedCertificates encoder (src/crl/builder.ts) that the CA's
 * CRLs go through: byte-identical to the straightforward DER composition, for
 * every reason, with and without invalidity dates, across the UTCTime /
 * GeneralizedTime boundary (RFC 5280 §4.1.2.5) and outside the fast path; and
 * a CA CRL with reasons and invalidity dates is accepted by the engine and by
 * `openssl crl -verify`.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CrlPublisher } from '../../src/ca/crl-publisher.ts';
import { encodeRevokedCertificates, type CrlEntrySpec } from '../../src/crl/builder.ts';
import { parseCrl } from '../../src/crl/parse.ts';
import { verifyCrlForCertificate } from '../../src/crl/verify.ts';
import { REVOCATION_REASONS, type RevocationReasonName } from '../../src/core/revocation-vocabulary.ts';
import * as w from '../../src/util/der-write.ts';
import { OID } from '../../src/x509/oids.ts';
import { toPem } from '../../src/util/pem.ts';
import { runOpenssl } from '../helpers/openssl-ocsp.ts';
import { freshCa } from './fixtures.ts';

/** The reference: each entry composed with the generic DER writer. */
function reference(entries: CrlEntrySpec[]): Buffer {
  return w.sequence(
    ...entries.map((e) => {
      const exts: Buffer[] = [];
      if (e.reason !== undefined) exts.push(w.sequence(w.oid(OID.cRLReason), w.octetString(w.enumerated(REVOCATION_REASONS.indexOf(e.reason)))));
      if (e.invalidityDate) exts.push(w.sequence(w.oid(OID.invalidityDate), w.octetString(w.generalizedTime(e.invalidityDate))));
      for (const x of e.extensions ?? []) exts.push(w.sequence(w.oid(x.oid), x.critical ? w.boolean(true) : undefined, w.octetString(x.value)));
      return w.sequence(w.integer(BigInt(`0x${String(e.serial)}`)), w.time(e.revocationDate), exts.length ? w.sequence(...exts) : undefined);
    }),
  );
}

describe('CRL entry encoding (one pass, one buffer)', () => {
  test('byte-identical to the generic DER composition: reasons, invalidity dates, time boundaries', async () => {
    const dates = ['1949-12-31T23:59:59Z', '1950-01-01T00:00:00Z', '2026-03-04T05:06:07Z', '2049-12-31T23:59:59Z', '2050-01-01T00:00:00Z', '0999-06-15T12:00:00Z', '9999-12-31T23:59:59Z', '+010000-01-01T00:00:00Z'].map((s) => new Date(s));
    const reasons: (RevocationReasonName | undefined)[] = [undefined, ...REVOCATION_REASONS];
    const entries: CrlEntrySpec[] = [];
    let i = 0;
    for (const d of dates) {
      for (const reason of reasons) {
        // Serials with and without the high bit (a leading zero octet is needed), short and 16 octets.
        const serial = i % 3 === 0 ? `ff${i.toString(16).padStart(4, '0')}` : i % 3 === 1 ? (i + 1).toString(16) : `7f${'ab'.repeat(15)}`;
        const invalidityDate = i % 2 ? dates[(i >> 1) % dates.length] : undefined;
        entries.push({ serial, revocationDate: d, ...(reason ? { reason } : {}), ...(invalidityDate ? { invalidityDate } : {}) });
        i++;
      }
    }
    // Extra extensions take the general path; the bytes must still match.
    entries.push({ serial: '0abc', revocationDate: dates[2]!, reason: 'superseded', extensions: [{ oid: '1.3.6.1.4.1.99999.1', value: Buffer.from([5, 0]) }] });
    const ours = encodeRevokedCertificates(entries);
    assert.equal(ours.toString('hex'), reference(entries).toString('hex'));
    // Larger than the initial 64 KiB buffer.
    const many = Array.from({ length: 5000 }, (_, k): CrlEntrySpec => ({ serial: (0x1000000 + k * 7919).toString(16), revocationDate: new Date(Date.UTC(2026, 0, 1) + k * 1000), reason: 'keyCompromise', ...(k % 7 === 0 ? { invalidityDate: new Date(Date.UTC(2025, 11, 1) + k) } : {}) }));
    assert.ok(encodeRevokedCertificates(many).equals(reference(many)));
  });

  test('an unknown reason is still refused', async () => {
    assert.throws(() => encodeRevokedCertificates([{ serial: '01', revocationDate: new Date(), reason: 'bogus' as RevocationReasonName }]), /unknown revocation reason/);
  });
});

describe('CA CRL with many reasons and invalidity dates: engine and openssl crl -verify', () => {
  let f: Awaited<ReturnType<typeof freshCa>>;
  before(async () => (f = await freshCa()));
  after(async () => f.cleanup());

  test('every revoked certificate is revoked with its reason; openssl verifies the signature', async () => {
    const revoked = new Map<string, { cert: Awaited<ReturnType<typeof f.ca.issue>>['certificate']; reason: RevocationReasonName; invalidity?: Date }>();
    const names: RevocationReasonName[] = ['keyCompromise', 'superseded', 'cessationOfOperation', 'affiliationChanged', 'certificateHold', 'unspecified'];
    for (let i = 0; i < names.length; i++) {
      const cert = (await f.ca.issue({ profile: 'server', sans: [`DNS:r${i}.test`] })).certificate;
      const invalidity = i % 2 ? new Date(Date.UTC(2026, 0, 10 + i, 1, 2, 3)) : undefined;
      await f.ca.revoke(cert, names[i]!, invalidity);
      revoked.set(cert.serialHex, { cert, reason: names[i]!, ...(invalidity ? { invalidity } : {}) });
    }
    const good = (await f.ca.issue({ profile: 'server', sans: ['DNS:good.test'] })).certificate;
    const crl = await new CrlPublisher(f.ca).publish();
    const parsed = parseCrl(crl.der);
    let seen = 0;
    for (const e of parsed.entries()) {
      const want = revoked.get(e.serialHex);
      assert.ok(want, `unexpected entry ${e.serialHex}`);
      assert.equal(e.reason, want.reason);
      assert.equal(e.invalidityDate?.getTime(), want.invalidity?.getTime());
      seen++;
    }
    assert.equal(seen, revoked.size);
    for (const { cert, reason } of revoked.values()) {
      const v = verifyCrlForCertificate(crl.der, cert, [f.ca.issuing.certificate]);
      assert.equal(v.status, 'revoked', JSON.stringify(v.reasons));
      assert.equal(v.revocationReason, reason);
    }
    assert.equal(verifyCrlForCertificate(crl.der, good, [f.ca.issuing.certificate]).status, 'good');
    const crlPath = f.write('ca.crl.pem', toPem(crl.der, 'X509 CRL'));
    const caPath = f.write('issuing.pem', f.ca.issuing.certificate.toPem());
    const r = await runOpenssl(['crl', '-in', crlPath, '-CAfile', caPath, '-noout', '-verify']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr + r.stdout, /verify OK/);
  });
});
