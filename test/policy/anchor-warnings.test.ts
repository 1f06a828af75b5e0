/**
 * Regression for finding 10.18: a leaf certificate listed in trust.cas is an
 * anchor, and anchors are not revocation-checked (RFC 5280 §6.1: trust anchor
 * information is an input to path validation, not a certificate in the path),
 * so it stays trusted even after its CA revokes it. Loading such a policy
 * warns, saying so, in `policy.warnings` and through `onWarning`.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { makeIntermediate, makeLeaf } from '../helpers/pki.ts';
import { fixture } from './fixtures.ts';

const f = fixture();
after(() => f.cleanup());
const leaf = makeLeaf(f.root, 'anchored-leaf.example');
f.write('leaf.pem', leaf.certificate.toPem());
f.write('inter.pem', makeIntermediate(f.root, 'CN=Anchor Test Intermediate').certificate.toPem());

const NOT_REVOCATION_CHECKED = /is not a CA certificate.*never revocation-checked.*RFC 5280 §6\.1.*stays trusted even if its issuer revokes it/;

test('a leaf in trust.cas warns that it is not a CA and is never revocation-checked', () => {
  const seen: string[] = [];
  const p = f.load('version: 1\ntrust:\n  cas: [leaf.pem]\n', { onWarning: (w) => seen.push(w.message) });
  assert.equal(p.warnings.length, 1);
  assert.match(p.warnings[0]!.message, /policy\.yaml:3:9: trust\.cas\[0\]: "CN=anchored-leaf\.example" in "leaf\.pem"/);
  assert.match(p.warnings[0]!.message, NOT_REVOCATION_CHECKED);
  assert.deepEqual(seen, [p.warnings[0]!.message]);
});

test('a warning carries its text without the position, for the CLI to print its own way', () => {
  const w = f.load('version: 1\ntrust:\n  cas: [leaf.pem]\n').warnings[0]!;
  assert.match(w.text, /^trust\.cas\[0\]: "CN=anchored-leaf\.example" in "leaf\.pem" is not a CA certificate/);
  assert.ok(w.message.endsWith(`:3:9: ${w.text}`), w.message);
});

test('a leaf in inbound client-cas, inline or in a listener, warns too', () => {
  const pem = JSON.stringify(leaf.certificate.toPem());
  const p = f.load(`version: 1\ntrust:\n  cas: [root.pem]\ninbound:\n  client-cas: [${pem}]\n  listeners:\n    admin:\n      client-cas: [leaf.pem]\n`);
  assert.equal(p.warnings.length, 2);
  assert.match(p.warnings[0]!.message, /inbound\.client-cas\[0\]: "CN=anchored-leaf\.example" in the inline PEM/);
  assert.match(p.warnings[1]!.message, /inbound\.listeners\.admin\.client-cas\[0\]/);
  for (const w of p.warnings) assert.match(w.message, NOT_REVOCATION_CHECKED);
});

test('CA anchors (a root, an intermediate) load without a warning', () => {
  assert.deepEqual(f.load('version: 1\ntrust:\n  cas: [root.pem, inter.pem]\n').warnings, []);
});
