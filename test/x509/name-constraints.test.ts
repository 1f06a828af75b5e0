/** Name constraints through validatePath: DNS, IP, email, directoryName, URI, other forms. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validatePath, PathReason } from '../../src/x509/path/validate.ts';
import { makeIntermediate, makeLeaf, makeRoot } from '../helpers/pki.ts';
import { OID } from '../../src/x509/oids.ts';

const root = makeRoot('CN=NC Root');

function run(nc: { permitted?: string[]; excluded?: string[] }, leafOpts: Parameters<typeof makeLeaf>[2], name = 'leaf.example.com', purpose: 'serverAuth' | 'clientAuth' = 'serverAuth') {
  const ca = makeIntermediate(root, 'CN=Constrained CA', { nameConstraints: nc });
  const leaf = makeLeaf(ca, name, leafOpts).certificate;
  return validatePath(leaf, { anchors: [root.certificate], intermediates: [ca.certificate], purpose });
}

function rejected(r: ReturnType<typeof validatePath>, code: string = PathReason.NAME_CONSTRAINT_VIOLATION): void {
  assert.equal(r.trusted, false);
  assert.ok(r.reasons.some((x) => x.code === code), JSON.stringify(r.reasons));
}

test('DNS permitted / excluded subtrees', () => {
  assert.equal(run({ permitted: ['DNS:example.com'] }, { san: ['DNS:a.b.example.com'] }).trusted, true);
  rejected(run({ permitted: ['DNS:example.com'] }, { san: ['DNS:evil.com'] }));
  rejected(run({ permitted: ['DNS:example.com'] }, { san: ['DNS:notexample.com'] }));
  rejected(run({ excluded: ['DNS:bad.example.com'] }, { san: ['DNS:ok.example.com', 'DNS:x.bad.example.com'] }));
  assert.equal(run({ excluded: ['DNS:bad.example.com'] }, { san: ['DNS:ok.example.com'] }).trusted, true);
});

test('wildcard SANs against constraints', () => {
  assert.equal(run({ permitted: ['DNS:example.com'] }, { san: ['DNS:*.example.com'] }).trusted, true);
  rejected(run({ permitted: ['DNS:foo.example.com'] }, { san: ['DNS:*.example.com'] }));
  rejected(run({ excluded: ['DNS:bar.example.com'] }, { san: ['DNS:*.example.com'] }));
});

test('IP constraints (v4 and v6)', () => {
  assert.equal(run({ permitted: ['IP:192.0.2.0/24'] }, { san: ['IP:192.0.2.9'] }).trusted, true);
  rejected(run({ permitted: ['IP:192.0.2.0/24'] }, { san: ['IP:198.51.100.1'] }));
  rejected(run({ excluded: ['IP:2001:db8::/32'] }, { san: ['IP:2001:db8::5'] }));
});

test('email constraints (mailbox, host, domain)', () => {
  const opts = (mail: string) => ({ san: [`email:${mail}`], extKeyUsage: [OID.clientAuth] });
  assert.equal(run({ permitted: ['email:example.com'] }, opts('alice@example.com'), 'alice', 'clientAuth').trusted, true);
  assert.equal(run({ permitted: ['email:.example.com'] }, opts('alice@mail.example.com'), 'alice', 'clientAuth').trusted, true);
  rejected(run({ permitted: ['email:.example.com'] }, opts('alice@example.com'), 'alice', 'clientAuth'));
  assert.equal(run({ permitted: ['email:bob@example.com'] }, opts('bob@example.com'), 'bob', 'clientAuth').trusted, true);
  rejected(run({ permitted: ['email:bob@example.com'] }, opts('alice@example.com'), 'alice', 'clientAuth'));
});

test('directoryName constraints apply to the subject', () => {
  assert.equal(run({ permitted: ['dirName:CN=leaf.example.com'] }, {}).trusted, true);
  rejected(run({ permitted: ['dirName:O=Other'] }, {}));
  rejected(run({ excluded: ['dirName:CN=leaf.example.com'] }, {}));
});

test('malformed constraints reject the CA', () => {
  rejected(run({ permitted: ['DNS:*.example.com'] }, {}), PathReason.MALFORMED_CERTIFICATE);
  rejected(run({ permitted: ['DNS:.example.com'] }, {}), PathReason.MALFORMED_CERTIFICATE);
});

test('constraints on the root apply below it', () => {
  const r = makeRoot('CN=Constrained Root', { nameConstraints: { permitted: ['DNS:example.com'] } });
  const ok = makeLeaf(r, 'a.example.com').certificate;
  const bad = makeLeaf(r, 'a.example.net').certificate;
  assert.equal(validatePath(ok, { anchors: [r.certificate] }).trusted, true);
  rejected(validatePath(bad, { anchors: [r.certificate] }));
});
