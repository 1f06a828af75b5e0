/**
 * NIST PKITS CRL conformance: sections 4.4 (Basic Certificate Revocation)
 * and 4.14 (Distribution Points), the entries that need neither indirect nor
 * delta CRLs. The path step uses src/x509/path/validate.ts when it exists,
 * else a minimal chain walk (names + signatures + CA flag + validity); then
 * every non-anchor certificate on the path is checked with checkCrl against
 * all the test's CRLs. Zero false accepts; >= 97 % agreement.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sharedSuite, projectRoot } from '../helpers/shared.ts';
import { Certificate } from '../../src/x509/certificate.ts';
import { namesEqual } from '../../src/x509/name.ts';
import { verifySignature } from '../../src/x509/signature.ts';
import { checkCrl } from '../../src/crl/verify.ts';
import { Crl } from '../../src/crl/parse.ts';

interface Entry {
  id: string;
  title: string;
  trust_anchor: string;
  end_entity: string;
  other_certs: string[];
  crls: string[];
  expected_result: 'SUCCESS' | 'FAILURE';
  needs: string[];
}

const AT = new Date('2011-04-15T00:00:00Z');
const SKIP_NEEDS = new Set(['indirect-crl', 'delta-crl']);

type PathValidator = (leaf: Certificate, o: { anchors: Certificate[]; intermediates: Certificate[]; at: Date; profile?: 'rfc5280'; purpose?: 'any' }) => { trusted: boolean; path: Certificate[]; reasons: unknown[] };

async function loadValidator(): Promise<PathValidator | undefined> {
  const file = join(projectRoot, 'src/x509/path/validate.ts');
  if (!existsSync(file)) return undefined;
  try {
    const mod = (await import(file)) as { validatePath?: PathValidator };
    return mod.validatePath;
  } catch {
    return undefined;
  }
}

function signedBy(cert: Certificate, issuer: Certificate): boolean {
  if (!namesEqual(cert.issuerDer, issuer.subjectDer)) return false;
  try {
    return verifySignature(cert.signatureAlgorithm, cert.tbs, cert.signatureValue, issuer.publicKey);
  } catch {
    return false;
  }
}

function canSignCerts(c: Certificate): boolean {
  try {
    return c.isCA && (c.keyUsage === undefined || c.keyUsage.has('keyCertSign'));
  } catch {
    return false;
  }
}

/** Minimal chain walk: leaf-first path ending at the anchor, or undefined. */
function walk(leaf: Certificate, anchor: Certificate, pool: Certificate[], depth = 0): Certificate[] | undefined {
  if (depth > 8) return undefined;
  if (!leaf.isValidAt(AT)) return undefined;
  if (signedBy(leaf, anchor)) return [leaf, anchor];
  for (const c of pool) {
    if (c === leaf || !canSignCerts(c) || !signedBy(leaf, c)) continue;
    const rest = walk(c, anchor, pool.filter((p) => p !== c), depth + 1);
    if (rest) return [leaf, ...rest];
  }
  return undefined;
}

test('PKITS 4.4 and 4.14 CRL conformance', async (t) => {
  const suite = sharedSuite('pkits');
  if (!suite) {
    t.skip('PKITS not present (../shared/testsuites/pkits)');
    return;
  }
  const manifest = JSON.parse(readFileSync(join(suite, 'pkits-manifest.json'), 'utf8')) as { tests: Entry[] };
  const entries = manifest.tests.filter((e) => e.id.startsWith('4.4.') || e.id.startsWith('4.14.'));
  const validatePath = await loadValidator();
  const cert = (name: string): Certificate => new Certificate(readFileSync(join(suite, 'certs', name)));

  let passed = 0;
  let failed = 0;
  const skipped: string[] = [];
  const disagreements: string[] = [];
  const falseAccepts: string[] = [];

  for (const e of entries) {
    const blocking = e.needs.filter((n) => SKIP_NEEDS.has(n));
    if (blocking.length > 0) {
      skipped.push(`${e.id} (needs ${blocking.join(', ')})`);
      continue;
    }
    const anchor = cert(e.trust_anchor);
    const others = e.other_certs.map(cert);
    const leaf = cert(e.end_entity);
    const crls = e.crls.map((n) => {
      try {
        return Crl.parse(readFileSync(join(suite, 'crls', n)));
      } catch {
        return readFileSync(join(suite, 'crls', n));
      }
    });

    let path: Certificate[] | undefined;
    let pathNote = '';
    if (validatePath) {
      const r = validatePath(leaf, { anchors: [anchor], intermediates: others, at: AT, profile: 'rfc5280', purpose: 'any' });
      if (r.trusted) path = r.path[0]?.equals(leaf) ? r.path : [...r.path].reverse();
      else pathNote = `path: ${JSON.stringify(r.reasons).slice(0, 160)}`;
      if (path && !path[path.length - 1]!.equals(anchor)) path = [...path, anchor];
    } else {
      path = walk(leaf, anchor, others);
      if (!path) pathNote = 'path: no chain to the anchor';
    }

    // Revocation of every non-anchor certificate on the path.
    const statusOf = (c: Certificate, issuerOnPath: Certificate, depth: number): { ok: boolean; note: string } => {
      // CRL-signer candidates: the issuer on the path, plus any certificate of the same name
      // that itself chains to the anchor and is not revoked (PKITS 4.4.19-21: separate CRL keys).
      const candidates = [issuerOnPath];
      if (depth < 3) {
        for (const o of [...others, anchor]) {
          if (o.equals(issuerOnPath) || !namesEqual(o.subjectDer, c.issuerDer)) continue;
          const p = walk(o, anchor, others.filter((x) => x !== o));
          if (!p) continue;
          const chainOk = p.slice(0, -1).every((pc, i) => statusOf(pc, p[i + 1]!, depth + 1).ok);
          if (chainOk) candidates.push(o);
        }
      }
      const r = checkCrl(c, crls, { issuers: candidates, at: AT });
      return { ok: r.status === 'good', note: `${c.subject}: ${r.status} ${r.reasons.map((x) => x.code).join(',')}` };
    };

    let verdict: 'SUCCESS' | 'FAILURE' = 'FAILURE';
    let note = pathNote;
    if (path) {
      const notes: string[] = [];
      let allGood = true;
      for (let i = 0; i < path.length - 1; i++) {
        const s = statusOf(path[i]!, path[i + 1]!, 0);
        notes.push(s.note);
        if (!s.ok) {
          allGood = false;
          break;
        }
      }
      verdict = allGood ? 'SUCCESS' : 'FAILURE';
      note = notes.join(' | ');
    }
    if (verdict === e.expected_result) {
      passed++;
    } else {
      failed++;
      disagreements.push(`${e.id} ${e.title}: expected ${e.expected_result}, got ${verdict} (${note})`);
      if (verdict === 'SUCCESS') falseAccepts.push(e.id);
    }
    t.diagnostic(`${e.id} ${verdict} ${note}`);
  }

  console.log(`pkits-crl: ${passed} passed, ${failed} failed, ${skipped.length} skipped`);
  for (const s of skipped) console.log(`  skipped ${s}`);
  for (const d of disagreements) console.log(`  disagree ${d}`);
  console.log(`  path step: ${validatePath ? 'src/x509/path/validate.ts' : 'minimal chain walk'}`);
  assert.deepEqual(falseAccepts, [], `false accepts: ${falseAccepts.join(', ')}`);
  const run = passed + failed;
  assert.ok(run > 0, 'no PKITS entry ran');
  assert.ok(passed / run >= 0.97, `agreement ${(100 * passed / run).toFixed(1)}% is below 97%`);
});
