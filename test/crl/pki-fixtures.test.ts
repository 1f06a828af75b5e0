/** Shared fixtures for the CRL tests: a small PKI minted at test time. */
import { makeIntermediate, makeLeaf, makeRoot, type TestIdentity } from '../helpers/pki.ts';
import { buildCrl, type BuildCrlOptions } from '../../src/crl/builder.ts';

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

export interface CrlPki {
  root: TestIdentity;
  ca: TestIdentity;
  leaf: TestIdentity;
  other: TestIdentity;
  now: Date;
  crl: (o?: Partial<BuildCrlOptions>) => Buffer;
}

/** root -> ca -> leaf, plus an unrelated leaf `other` of the same CA. */
export function crlPki(leafOverrides: Parameters<typeof makeLeaf>[2] = {}): CrlPki {
  const root = makeRoot('CN=CRL Test Root');
  const ca = makeIntermediate(root, 'CN=CRL Test CA');
  const leaf = makeLeaf(ca, 'leaf.example', leafOverrides);
  const other = makeLeaf(ca, 'other.example');
  const now = new Date(Math.floor(Date.now() / 1000) * 1000);
  const crl = (o: Partial<BuildCrlOptions> = {}): Buffer =>
    buildCrl({
      issuer: ca,
      thisUpdate: new Date(now.getTime() - HOUR),
      nextUpdate: new Date(now.getTime() + DAY),
      entries: [],
      ...o,
    });
  return { root, ca, leaf, other, now, crl };
}

// This module is shared by the CRL tests; its own test checks the fixture.
import { test } from 'node:test';
import assert from 'node:assert/strict';

test('CRL fixture PKI: leaf issued by ca, ca by root', () => {
  const p = crlPki();
  assert.equal(p.leaf.certificate.issuer, p.ca.certificate.subject);
  assert.equal(p.ca.certificate.issuer, p.root.certificate.subject);
  assert.ok(p.crl().length > 100);
});
