/** RFC 6125 hostname matching (SAN only, wildcard rules, IPs). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matchesHostname, parseIpLiteral } from '../../src/x509/hostname.ts';
import { makeLeaf, makeRoot } from '../helpers/pki.ts';

const root = makeRoot();
const cert = (san: string[] | undefined, cn = 'cn.example.com') => makeLeaf(root, cn, { san }).certificate;

test('exact DNS match, case-insensitive, trailing dot', () => {
  const c = cert(['DNS:www.example.com']);
  assert.equal(matchesHostname(c, 'www.example.com'), true);
  assert.equal(matchesHostname(c, 'WWW.Example.COM'), true);
  assert.equal(matchesHostname(c, 'www.example.com.'), true);
  assert.equal(matchesHostname(c, 'example.com'), false);
  assert.equal(matchesHostname(c, 'a.www.example.com'), false);
});

test('no CN fallback', () => {
  assert.equal(matchesHostname(cert(['DNS:other.example.com'], 'cn.example.com'), 'cn.example.com'), false);
  assert.equal(matchesHostname(cert(undefined, 'cn.example.com'), 'cn.example.com'), false);
});

test('wildcard: whole leftmost label only, exactly one label', () => {
  const c = cert(['DNS:*.example.com']);
  assert.equal(matchesHostname(c, 'foo.example.com'), true);
  assert.equal(matchesHostname(c, 'example.com'), false);
  assert.equal(matchesHostname(c, 'a.b.example.com'), false);
  assert.equal(matchesHostname(cert(['DNS:f*.example.com']), 'foo.example.com'), false);
  assert.equal(matchesHostname(cert(['DNS:foo.*.example.com']), 'foo.bar.example.com'), false);
  assert.equal(matchesHostname(cert(['DNS:*.com']), 'example.com'), false);
  assert.equal(matchesHostname(cert(['DNS:*']), 'example'), false);
});

test('IP addresses match iPAddress SANs only, never DNS or wildcards', () => {
  const c = cert(['DNS:10.0.0.1', 'IP:192.0.2.7', 'IP:2001:db8::1']);
  assert.equal(matchesHostname(c, '192.0.2.7'), true);
  assert.equal(matchesHostname(c, '10.0.0.1'), false);
  assert.equal(matchesHostname(c, '2001:db8::1'), true);
  assert.equal(matchesHostname(c, '[2001:DB8:0:0:0:0:0:1]'), true);
  assert.equal(matchesHostname(c, '192.0.2.8'), false);
  assert.equal(matchesHostname(cert(['DNS:*.0.2.7']), '192.0.2.7'), false);
});

test('invalid reference names never match', () => {
  const c = cert(['DNS:foo_bar.example.com', 'DNS:www.example.com']);
  assert.equal(matchesHostname(c, 'foo_bar.example.com'), false);
  assert.equal(matchesHostname(c, ''), false);
  assert.equal(matchesHostname(c, 'www..example.com'), false);
});

test('parseIpLiteral', () => {
  assert.deepEqual([...parseIpLiteral('1.2.3.4')!], [1, 2, 3, 4]);
  assert.equal(parseIpLiteral('01.2.3.4'), undefined);
  assert.equal(parseIpLiteral('0x01.2.3.4'), undefined);
  assert.deepEqual([...parseIpLiteral('::ffff:1.2.3.4')!].slice(10), [0xff, 0xff, 1, 2, 3, 4]);
  assert.equal(parseIpLiteral('example.com'), undefined);
});
