import { test } from 'node:test';
import assert from 'node:assert/strict';
import { payloadOf, retryDelayMs, RETRY_MAX_MS, signBody, verifySignature } from '../../src/watch/alerts.ts';
import { escapeLabelValue } from '../../src/watch/metrics.ts';
import type { WatchEvent } from '../../src/watch/events.ts';

const secret = Buffer.from('k');
const now = Date.parse('2026-12-02T12:00:00Z');
const event: WatchEvent = { key: 'abc', event: 'served-unknown', severity: 'critical', target: 'a<b>&c:443', at: '2026-12-02T12:00:00.000Z', message: 'x <script>', evidence: {}, fix: 'do it' };

test('a signature verifies over the exact body and time', () => {
  const body = payloadOf(event, 'certwarden');
  assert.ok(verifySignature(secret, signBody(secret, body, now), body, now + 1000));
});

test('a tampered body, another key, or a malformed header is refused', () => {
  const body = payloadOf(event, 'certwarden');
  const sig = signBody(secret, body, now);
  assert.equal(verifySignature(secret, sig, body.replace('critical', 'info'), now), false);
  assert.equal(verifySignature(Buffer.from('other'), sig, body, now), false);
  assert.equal(verifySignature(secret, undefined, body, now), false);
  assert.equal(verifySignature(secret, sig.replace('v1=', 'v2='), body, now), false);
});

test('a replayed signature older than the tolerance is refused', () => {
  const body = payloadOf(event, 'certwarden');
  const sig = signBody(secret, body, now);
  assert.equal(verifySignature(secret, sig, body, now + 301_000), false);
});

test('the slack payload is {text} with &, < and > escaped, and carries the fix', () => {
  const p = JSON.parse(payloadOf(event, 'slack')) as { text: string };
  assert.deepEqual(Object.keys(p), ['text']);
  assert.match(p.text, /^\[CRITICAL\] served-unknown on a&lt;b&gt;&amp;c:443\n/);
  assert.match(p.text, /x &lt;script&gt;/);
  assert.match(p.text, /Fix: do it$/);
});

test('the certwarden payload names target, evidence, fix and title', () => {
  const p = JSON.parse(payloadOf(event, 'certwarden')) as Record<string, unknown>;
  assert.equal(p.target, event.target);
  assert.equal(p.fix, 'do it');
  assert.equal(p.version, 1);
  assert.match(p.title as string, /never issued/);
});

test('retry backoff doubles and is capped', () => {
  assert.equal(retryDelayMs(0), 5000);
  assert.equal(retryDelayMs(1), 10_000);
  assert.equal(retryDelayMs(40), RETRY_MAX_MS);
});

test('metric label values escape backslash, quote and newline', () => {
  assert.equal(escapeLabelValue('a\\b"c\nd'), 'a\\\\b\\"c\\nd');
});
