/**
 * One redaction for database URLs in messages and logs (src/util/redact-url.ts),
 * used by the CA's and the watch's Postgres stores: no byte of a password may
 * survive, wherever the URL carries it and whatever characters it holds.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { redactUrl } from '../../src/util/redact-url.ts';
import { redactUrl as caRedact } from '../../src/ca/postgres-store.ts';
import { redactStoreUrl } from '../../src/watch/config.ts';

const SECRET = 'hunter2/with@odd:chars';

test('a password in the userinfo is hidden whole, even when it holds @, / or : (the CA store used to keep what followed a / or @)', () => {
  for (const redact of [redactUrl, caRedact, redactStoreUrl]) {
    for (const url of [`postgres://ca:${SECRET}@db.internal:5432/ca`, `postgresql://ca:${SECRET}@db.internal/ca?sslmode=verify-full`, 'postgres://ca:p%40hunter2@db.internal/ca']) {
      const r = redact(url);
      assert.ok(!r.includes('hunter2') && !r.includes('odd:chars'), r);
      assert.match(r, /^postgres(ql)?:\/\/ca:\*\*\*@db\.internal/);
    }
  }
});

test('a password in the query string (libpq password= and sslpassword=) is hidden; other parameters stay', () => {
  const r = redactUrl('postgres://ca@db.internal/ca?sslmode=require&password=hunter2&SSLPassword=hunter3&application_name=cw');
  assert.equal(r, 'postgres://ca@db.internal/ca?sslmode=require&password=***&SSLPassword=***&application_name=cw');
});

test('a URL without a secret is unchanged', () => {
  for (const url of ['postgres://db.internal/ca', 'postgres://ca@db.internal/ca', 'postgresql:///ca?host=/run/postgresql', './watch-data']) assert.equal(redactUrl(url), url);
});
