/**
 * `revocation.crl-number: optional | required` (default optional): whether a
 * CRL without cRLNumber (RFC 5280 §5.2.3) may be used. Inherited like every
 * revocation key by destinations, inbound and listeners; a typo is an error.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveDestination } from '../../src/policy/match.ts';
import { fixture } from './fixtures.ts';

const f = fixture();
after(() => f.cleanup());

test('crl-number defaults to optional', () => {
  const p = f.load('version: 1\ntrust:\n  cas: [root.pem]\n');
  assert.equal(p.revocation.crlNumber, 'optional');
});

test('crl-number: required is read, and inherited by destinations, inbound and listeners', () => {
  const p = f.load(`version: 1
trust:
  cas: [root.pem]
revocation:
  crl-number: required
destinations:
  - match: lenient.example
    revocation:
      crl-number: optional
  - match: strict.example
    revocation:
      mode: soft-fail
inbound:
  client-cas: [root.pem]
  listeners:
    admin:
      revocation:
        check: leaf
`);
  assert.equal(p.revocation.crlNumber, 'required');
  assert.equal(resolveDestination(p, 'lenient.example').revocation.crlNumber, 'optional');
  assert.equal(resolveDestination(p, 'strict.example').revocation.crlNumber, 'required');
  assert.equal(resolveDestination(p, 'other.example').revocation.crlNumber, 'required');
  assert.equal(p.inbound?.revocation.crlNumber, 'required');
  assert.equal(p.inbound?.listeners?.get('admin')?.revocation.crlNumber, 'required');
});

test('crl-number rejects other values with a suggestion', () => {
  const e = f.fail('version: 1\ntrust:\n  cas: [root.pem]\nrevocation:\n  crl-number: require\n');
  assert.match(e.message, /revocation\.crl-number must be "optional" or "required" \(got "require"\); did you mean "required"\?/);
});
