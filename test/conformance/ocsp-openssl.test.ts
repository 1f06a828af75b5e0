/**
 * OpenSSL's OCSP vectors (test/recipes/80-test_ocsp.t), read from the shared
 * suite folder (never copied into the project); skipped cleanly when absent.
 *
 * Semantics per manifest.json: trusted_issuer is the only anchor, the
 * response must verify for subject_certificate at suggested_time. A case
 * expected FAIL that we accept is a false accept and fails the test at once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sharedSuite } from '../helpers/shared.ts';
import { Certificate } from '../../src/x509/certificate.ts';
import { namesEqual } from '../../src/x509/name.ts';
import { verifyOcspResponse } from '../../src/ocsp/verify.ts';

interface Case {
  id: string;
  response: string;
  trusted_issuer: string;
  subject_certificate: string;
  expected: 'OK' | 'FAIL';
  what: string;
  suggested_time: string;
}

const suite = sharedSuite('ocsp-openssl');

test('OpenSSL OCSP vectors (ocsp-openssl)', { skip: suite ? false : 'shared suite ocsp-openssl is absent' }, () => {
  const manifest = JSON.parse(readFileSync(join(suite!, 'manifest.json'), 'utf8')) as { count: number; tests: Case[] };
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  const falseAccepts: string[] = [];
  const notes: string[] = [];
  for (const c of manifest.tests) {
    let issuer: Certificate;
    let subject: Certificate;
    let der: Buffer;
    try {
      subject = Certificate.parse(readFileSync(join(suite!, c.subject_certificate)));
      // A trusted file may hold several certificates (D3 has the root and a sibling CA):
      // the issuer is the one named by the subject's issuer field, else the first.
      const trusted = Certificate.parseAll(readFileSync(join(suite!, c.trusted_issuer)));
      issuer = trusted.find((t) => namesEqual(t.subjectDer, subject.issuerDer)) ?? trusted[0]!;
      der = Buffer.from(readFileSync(join(suite!, c.response), 'latin1').replace(/\s+/g, ''), 'base64');
    } catch (err) {
      skipped++;
      notes.push(`  skipped ${c.id}: cannot load inputs: ${(err as Error).message}`);
      continue;
    }
    const result = verifyOcspResponse(der, { certificate: subject, issuer, at: new Date(c.suggested_time) });
    const accepted = result.status !== 'invalid';
    const agrees = accepted === (c.expected === 'OK');
    if (agrees) passed++;
    else {
      failed++;
      const why = result.reasons.map((r) => r.code).join(', ');
      notes.push(`  disagree ${c.id} (${c.what}): expected ${c.expected}, got ${result.status} [${why}]`);
      if (accepted) falseAccepts.push(c.id);
    }
  }
  console.log(`ocsp-openssl: ${passed} passed, ${failed} failed, ${skipped} skipped`);
  for (const n of notes) console.log(n);
  assert.deepEqual(falseAccepts, [], `false accepts: ${falseAccepts.join(', ')}`);
  assert.equal(passed + failed + skipped, manifest.count);
  assert.ok(passed / manifest.count >= 0.97, `agreement ${passed}/${manifest.count} is below 97%`);
});
