/**
 * Wildcards over a public suffix never match (CA/B BRs §3.2.2.6; x509-limbo
 * webpki::san::public-suffix-*): "*.co.uk" and "*.s3.amazonaws.com" (PSL
 * private section) are refused like "*.com". The Public Suffix List comes from
 * the maintained `tldts` package, not from a copy in this repository.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeLeaf, makeRoot } from '../helpers/pki.ts';
import { isPublicSuffix, matchesHostname } from '../../src/x509/hostname.ts';

const root = makeRoot('CN=PSL Root');
const cert = (san: string[]) => makeLeaf(root, 'x.test', { san }).certificate;

test('a wildcard over a multi-label ICANN public suffix never matches', () => {
  assert.equal(matchesHostname(cert(['DNS:*.co.uk']), 'example.co.uk'), false);
  assert.equal(matchesHostname(cert(['DNS:*.com.au']), 'example.com.au'), false);
  assert.equal(matchesHostname(cert(['DNS:*.CO.UK.']), 'example.co.uk'), false);
});

test('a wildcard over a private-section public suffix never matches', () => {
  assert.equal(matchesHostname(cert(['DNS:*.s3.amazonaws.com']), 'example.s3.amazonaws.com'), false);
  assert.equal(matchesHostname(cert(['DNS:*.github.io']), 'someone.github.io'), false);
});

test('wildcards under a registrable domain still match (silent on good input)', () => {
  assert.equal(matchesHostname(cert(['DNS:*.example.co.uk']), 'www.example.co.uk'), true);
  assert.equal(matchesHostname(cert(['DNS:*.example.com']), 'www.example.com'), true);
  assert.equal(matchesHostname(cert(['DNS:*.bucket.s3.amazonaws.com']), 'x.bucket.s3.amazonaws.com'), true);
  // Internal names under a TLD the list does not know stay usable (only the single label is a suffix).
  assert.equal(matchesHostname(cert(['DNS:*.corp.internal']), 'db.corp.internal'), true);
  assert.equal(matchesHostname(cert(['DNS:*.cluster.local']), 'api.cluster.local'), true);
});

test('exact names equal to a public suffix are not wildcards and are unaffected', () => {
  assert.equal(matchesHostname(cert(['DNS:co.uk']), 'co.uk'), true);
});

test('isPublicSuffix: ICANN and private rules, wildcard and exception rules', () => {
  for (const s of ['com', 'co.uk', 's3.amazonaws.com', 'github.io']) assert.equal(isPublicSuffix(s), true, s);
  for (const s of ['example.com', 'example.co.uk', 'corp.internal']) assert.equal(isPublicSuffix(s), false, s);
});
