/**
 * Silences: validation (typed errors), matching, and the service end to end:
 * a silenced event is recorded (history, metrics) but not delivered; when the
 * silence ends with the condition still open it is delivered exactly once; a
 * silence survives a restart; writes need the admin token, on loopback too.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { spawnSync } from 'node:child_process';
import { parseWatchConfig, type WatchConfig } from '../../src/watch/config.ts';
import { startWatch, type RunningWatch } from '../../src/watch/service.ts';
import type { Clock } from '../../src/watch/scheduler.ts';
import { main } from '../../src/cli/main.ts';
import type { Io } from '../../src/cli/output.ts';
import { isCertwardenError } from '../../src/errors.ts';
import { MAX_SILENCE_COMMENT_CHARS, planRelease, silenceMatches, targetMatches, validateSilence, type Silence } from '../../src/watch/silences.ts';
import type { WatchEvent } from '../../src/watch/events.ts';
import { freePort, makeWorld, startSink, type World } from './fixtures.ts';

const READ_TOKEN = 'the-read-token-for-scrapers';
const ADMIN_TOKEN = 'the-admin-token-for-silences';
const NOW = Date.parse('2026-12-02T12:00:00Z');
const HOUR = 3_600_000;

class FrozenClock implements Clock {
  t = Date.now();
  now(): number {
    return this.t;
  }
  setTimer(): () => void {
    return () => {};
  }
}

function io(): Io & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  const sink = (add: (s: string) => void): Writable => new Writable({ write(chunk: Buffer, _enc, cb) {
    add(chunk.toString());
    cb();
  } });
  return { stdout: sink((s) => (out += s)), stderr: sink((s) => (err += s)), env: {}, out: () => out, err: () => err };
}

const silenceError = (field: string) => (e: unknown): boolean => isCertwardenError(e) && e.code === 'CW_ERR_WATCH_SILENCE' && e.details.field === field;
const base = { target: 'api.test:*', endsAt: new Date(NOW + HOUR).toISOString(), createdBy: 'alice', comment: 'planned rollout' };

describe('silence validation', () => {
  test('a good request is normalised (start defaults to now, events deduplicated)', () => {
    const s = validateSilence({ ...base, events: ['staple-missing', 'staple-missing'], requirement: 'V9.2.4' }, NOW);
    assert.deepEqual(s.matchers, { target: 'api.test:*', events: ['staple-missing'], requirement: 'V9.2.4' });
    assert.equal(s.startsAt, new Date(NOW).toISOString());
  });
  test('an unknown event id is CW_ERR_WATCH_SILENCE naming the field', () => {
    assert.throws(() => validateSilence({ ...base, events: ['certificate-exploded'] }, NOW), silenceError('events'));
  });
  test('an end before the start (or in the past) is refused', () => {
    assert.throws(() => validateSilence({ ...base, startsAt: new Date(NOW + 2 * HOUR).toISOString() }, NOW), silenceError('endsAt'));
    assert.throws(() => validateSilence({ ...base, endsAt: new Date(NOW - 1).toISOString() }, NOW), silenceError('endsAt'));
    assert.throws(() => validateSilence({ ...base, endsAt: 'tomorrow' }, NOW), silenceError('endsAt'));
  });
  test('an over-long comment, a control character, a missing creator or a bad requirement is refused', () => {
    assert.throws(() => validateSilence({ ...base, comment: 'x'.repeat(MAX_SILENCE_COMMENT_CHARS + 1) }, NOW), silenceError('comment'));
    assert.throws(() => validateSilence({ ...base, comment: 'ok\n\u001b[31mforged' }, NOW), silenceError('comment'));
    assert.throws(() => validateSilence({ ...base, createdBy: '' }, NOW), silenceError('createdBy'));
    assert.throws(() => validateSilence({ ...base, requirement: 'V9.9.9' }, NOW), silenceError('requirement'));
    assert.throws(() => validateSilence({ ...base, endsAt: new Date(NOW + 91 * 24 * HOUR).toISOString() }, NOW), silenceError('endsAt'));
  });
  test('target globs: * and ? only, everything else literal; no wildcard is an exact match', () => {
    assert.ok(targetMatches('api.test:*', 'api.test:8443'));
    assert.ok(targetMatches('web?.test:443', 'web1.test:443'));
    assert.ok(!targetMatches('api.test:*', 'xapi.test:1'));
    assert.ok(!targetMatches('a.c:1', 'abc:1'), 'a dot is literal');
    assert.ok(!targetMatches('api.test', 'api.test:443'), 'no wildcard: exact');
  });
  const ev = (o: Partial<WatchEvent>): WatchEvent => ({ key: 'k', event: 'staple-missing', severity: 'high', target: 'api.test:443', at: new Date(NOW + 60_000).toISOString(), subject: 'leaf', message: 'm', evidence: { findings: [{ id: 'staple-missing' }] }, fix: 'f', ...o });
  const silence = (o: Partial<Silence['matchers']> = {}): Silence => ({ id: 's1', matchers: { target: 'api.test:*', events: [], ...o }, startsAt: new Date(NOW).toISOString(), endsAt: new Date(NOW + HOUR).toISOString(), createdBy: 'a', comment: 'c', createdAt: new Date(NOW).toISOString() });
  test('matching: by target, event, requirement and time; silent on anything else', () => {
    assert.ok(silenceMatches(silence(), ev({})));
    assert.ok(silenceMatches(silence({ events: ['staple-missing'], requirement: 'V9.2.4' }), ev({})));
    assert.ok(!silenceMatches(silence({ events: ['target-unreachable'] }), ev({})));
    assert.ok(!silenceMatches(silence({ requirement: 'V9.2.1' }), ev({})));
    assert.ok(!silenceMatches(silence(), ev({ target: 'web.test:443' })));
    assert.ok(!silenceMatches(silence(), ev({ at: new Date(NOW + 2 * HOUR).toISOString() })), 'after its end');
    assert.ok(silenceMatches(silence({ requirement: 'V9.2.1' }), ev({ event: 'requirement-failed', subject: 'V9.2.1', evidence: { requirement: 'V9.2.1' } })));
  });
  test('release: a condition closed during the silence is dropped, an open one sends its newest occurrence once', async () => {
    const s = { ...silence(), endsAt: new Date(NOW + HOUR).toISOString() };
    const old = ev({ key: 'old', at: new Date(NOW + 1000).toISOString() });
    const newer = ev({ key: 'new', at: new Date(NOW + 2000).toISOString() });
    const closed = ev({ key: 'closed', event: 'target-unreachable', subject: undefined, target: 'api.test:1', evidence: {} });
    const changed = ev({ key: 'changed', event: 'certificate-changed', subject: 'abc' });
    const held = [old, newer, closed, changed].map((event) => ({ event, silenceId: 's1' }));
    const view = { open: (t: string) => new Set(t === 'api.test:443' ? ['staple-missing|leaf|api.test:443'] : []), status: () => undefined };
    const during = await planRelease([s], held, NOW + HOUR - 1, view);
    assert.deepEqual(during, { send: [], done: [] }, 'nothing leaves while the silence lasts');
    const plan = await planRelease([s], held, NOW + HOUR, view);
    assert.deepEqual(plan.send, ['new']);
    assert.deepEqual(plan.done.sort(), ['changed', 'closed', 'new', 'old']);
  });
});

describe('silences in the service', () => {
  let world: World;
  let sink: Awaited<ReturnType<typeof startSink>>;
  let deadPort: number;
  let config: WatchConfig;
  let label: string;
  const clock = new FrozenClock();
  const running: RunningWatch[] = [];
  const start = async (c: WatchConfig = config): Promise<RunningWatch> => {
    const r = await startWatch(c, { clock, port: 0, scan: { settings: { stapleAttempts: 1 } } });
    running.push(r);
    return r;
  };
  const stop = async (): Promise<void> => {
    await running.pop()!.stop();
  };
  const cli = async (w: RunningWatch, args: string[]): Promise<{ code: number; out: string; err: string }> => {
    const o = io();
    const code = await main(['watch', 'silence', ...args, '--url', w.server.url, '--token-file', `${world.dir}/admin.token`], o);
    return { code, out: o.out(), err: o.err() };
  };

  before(async () => {
    world = await makeWorld();
    sink = await startSink();
    deadPort = await freePort();
    label = `dead.test:${deadPort}`;
    world.write('read.token', `${READ_TOKEN}\n`);
    world.write('admin.token', `${ADMIN_TOKEN}\n`);
    config = parseWatchConfig(`version: 1\npolicy: policy.yaml\nstore: ./data\ntoken-file: read.token\nadmin-token-file: admin.token\ntargets:\n  - { target: "${label}", resolve: 127.0.0.1 }\nalerts:\n  - webhook: ${sink.url}\n`, `${world.dir}/watch.yaml`);
  });

  after(async () => {
    for (const r of running) await r.stop().catch(() => {});
    await sink?.close();
    await world?.close();
  });

  test('writes need the admin token, on loopback too; the read token cannot write; GET stays read-only', async () => {
    const w = await start();
    const body = JSON.stringify({ target: '*', endsAt: new Date(clock.t + HOUR).toISOString(), createdBy: 'mallory', comment: 'shh' });
    const post = (authorization?: string): Promise<Response> => fetch(`${w.server.url}/api/silences`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) } });
    assert.equal((await post()).status, 401, 'no token');
    assert.equal((await post(`Bearer ${READ_TOKEN}`)).status, 401, 'the read token does not write');
    assert.equal((await fetch(`${w.server.url}/api/silences/0123456789abcdef`, { method: 'DELETE', headers: { authorization: `Bearer ${READ_TOKEN}` } })).status, 401);
    const list = await fetch(`${w.server.url}/api/silences`, { headers: { authorization: `Bearer ${READ_TOKEN}` } });
    assert.equal(list.status, 200);
    assert.deepEqual(await list.json(), { silences: [] }, 'the refused writes changed nothing');
    assert.equal((await fetch(`${w.server.url}/api/targets`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).status, 405, 'no other write exists');
    const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
    assert.equal((await fetch(`${w.server.url}/api/silences`, { method: 'POST', body, headers: { ...admin, 'content-type': 'text/plain' } })).status, 415, 'JSON only');
    const huge = await fetch(`${w.server.url}/api/silences`, { method: 'POST', body: JSON.stringify({ comment: 'x'.repeat(20_000) }), headers: { ...admin, 'content-type': 'application/json' } });
    assert.equal(huge.status, 400);
    assert.equal(((await huge.json()) as { field: string }).field, 'body', 'a body over MAX_SILENCE_BODY_BYTES is refused before it is read');
    const notJson = await fetch(`${w.server.url}/api/silences`, { method: 'POST', body: '{', headers: { ...admin, 'content-type': 'application/json' } });
    assert.deepEqual([notJson.status, ((await notJson.json()) as { code: string }).code], [400, 'CW_ERR_WATCH_SILENCE']);
    assert.equal((await fetch(`${w.server.url}/api/silences`, { method: 'PUT', body, headers: admin })).status, 405);
    await stop();
    // Without admin-token-file, every write is refused, even on loopback without any token.
    const { tokenFile: _t, adminTokenFile: _a, ...plain } = config;
    const readOnly = await start({ ...plain, storeDir: `${world.dir}/open` });
    const r = await fetch(`${readOnly.server.url}/api/silences`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    assert.equal(r.status, 403);
    assert.match(((await r.json()) as { error: string }).error, /admin-token-file/);
    await stop();
  });

  test('an event under a silence is recorded (history, metrics) but not delivered; the silence survives a restart; its expiry delivers it exactly once', async () => {
    let w = await start();
    const add = await cli(w, ['add', '--target', 'dead.test:*', '--event', 'target-unreachable', '--for', '2h', '--comment', 'maintenance window', '--creator', 'alice']);
    assert.equal(add.code, 0, add.err);
    const id = /^silence ([0-9a-f]{16}) created$/m.exec(add.out)![1]!;
    const r = await w.engine.scanTarget(w.engine.targets[0]!, new Date(clock.t));
    assert.deepEqual(r.events.map((e) => e.event), ['target-unreachable']);
    await w.deliverer.deliverDue();
    assert.equal(sink.received.length, 0, 'not delivered while silenced');
    assert.equal(await w.store.pending(), 0, 'no outbox row');
    const hist = (await (await fetch(`${w.server.url}/api/targets/${encodeURIComponent(label)}/history`, { headers: { authorization: `Bearer ${READ_TOKEN}` } })).json()) as { events: Array<{ event: string; silencedBy?: string }> };
    assert.deepEqual(hist.events.map((e) => [e.event, e.silencedBy]), [['target-unreachable', id]], 'recorded, and marked silenced');
    const metrics = await (await fetch(`${w.server.url}/metrics`, { headers: { authorization: `Bearer ${READ_TOKEN}` } })).text();
    assert.match(metrics, /^certwarden_silenced_events_total\{event="target-unreachable"\} 1$/m);
    assert.match(metrics, /^certwarden_silences_active 1$/m);
    if (spawnSync('promtool', ['--version'], { stdio: 'ignore' }).status === 0) {
      const check = spawnSync('promtool', ['check', 'metrics'], { input: metrics, encoding: 'utf8' });
      assert.equal(check.status, 0, `promtool: ${check.stdout}${check.stderr}`);
    }
    await stop();

    w = await start();
    const list = await cli(w, ['list']);
    assert.equal(list.code, 0, list.err);
    assert.match(list.out, new RegExp(`^${id}  active  dead\\.test:\\* \\[target-unreachable\\]  .* by alice: maintenance window$`, 'm'));
    await w.deliverer.deliverDue();
    assert.equal(sink.received.length, 0, 'still silenced after a restart');
    const expire = await cli(w, ['expire', id]);
    assert.equal(expire.code, 0, expire.err);
    await w.deliverer.deliverDue();
    await w.deliverer.deliverDue();
    assert.equal(sink.received.length, 1, 'the condition is still open: delivered once at expiry');
    assert.equal(sink.received[0]!.body.event, 'target-unreachable');
    assert.equal(sink.received[0]!.body.target, label);
    const again = await cli(w, ['expire', id]);
    assert.equal(again.code, 2);
    assert.match(again.err, /CW_ERR_STATE: silence .* has ended already/);
    await stop();
    w = await start();
    await w.deliverer.deliverDue();
    await w.engine.scanTarget(w.engine.targets[0]!, new Date(clock.t + 60_000));
    await w.deliverer.deliverDue();
    assert.equal(sink.received.length, 1, 'no duplicate after a restart or the next scan');
    await stop();
  });

  test('a silence that runs out with the condition still open delivers it once; repeats held meanwhile are not sent one by one', async () => {
    const c = { ...config, storeDir: `${world.dir}/timed`, repeatMs: 10 * 60_000 };
    const w = await start(c);
    const before = sink.received.length;
    const add = await cli(w, ['add', '--target', label, '--for', '1h', '--comment', 'known outage']);
    assert.equal(add.code, 0, add.err);
    for (let i = 0; i < 4; i++) await w.engine.scanTarget(w.engine.targets[0]!, new Date(clock.t + i * 15 * 60_000)); // first + 3 repeats, all held
    await w.deliverer.deliverDue();
    assert.equal(sink.received.length, before);
    assert.match(await w.engine.metrics(), /^certwarden_silenced_events_total\{event="target-unreachable"\} 4$/m);
    clock.t += HOUR + 60_000; // the CLI set the end by the wall clock, a moment after the frozen one
    await w.deliverer.deliverDue();
    await w.deliverer.deliverDue();
    assert.equal(sink.received.length, before + 1);
    assert.equal(sink.received.at(-1)!.body.repeat, true, 'the newest held occurrence is the one sent');
    await stop();
  });

  test('an admin token equal to the read token is refused at start; the CLI finds admin-token-file in the configuration', async () => {
    world.write('same.token', `${READ_TOKEN}\n`);
    await assert.rejects(start({ ...config, adminTokenFile: `${world.dir}/same.token`, storeDir: `${world.dir}/same` }), (e: unknown) => isCertwardenError(e) && e.code === 'CW_ERR_WATCH_CONFIG' && /must differ/.test(e.message));
    clock.t = Date.now();
    const w = await start({ ...config, storeDir: `${world.dir}/by-config` });
    const cfg = world.write('cli.yaml', `version: 1\npolicy: policy.yaml\nlisten: 127.0.0.1:${w.server.port}\ntoken-file: read.token\nadmin-token-file: admin.token\ntargets: [a.test:443]\n`);
    const o = io();
    assert.equal(await main(['watch', 'silence', 'add', '--config', cfg, '--target', 'a.test:443', '--requirement', 'V9.2.4', '--for', '30m', '--comment', 'by config', '--format', 'json'], o), 0, o.err());
    const created = (JSON.parse(o.out()) as { silence: { matchers: unknown; state: string } }).silence;
    assert.deepEqual(created.matchers, { target: 'a.test:443', events: [], requirement: 'V9.2.4' });
    assert.equal(created.state, 'active');
    const ro = io();
    assert.equal(await main(['watch', 'silence', 'add', '--url', w.server.url, '--token-file', `${world.dir}/read.token`, '--target', '*', '--for', '1h', '--comment', 'x'], ro), 2);
    assert.match(ro.err(), /wants the admin token/);
    await stop();
  });

  test('bad input through the CLI is a typed error (exit 2) and creates nothing', async () => {
    clock.t = Date.now(); // the CLI sets times by the wall clock
    const w = await start({ ...config, storeDir: `${world.dir}/bad` });
    const unknown = await cli(w, ['add', '--target', '*', '--event', 'certificate-exploded', '--for', '1h', '--comment', 'x']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.err, /CW_ERR_WATCH_SILENCE: unknown event "certificate-exploded"/);
    const long = await cli(w, ['add', '--target', '*', '--for', '1h', '--comment', 'y'.repeat(MAX_SILENCE_COMMENT_CHARS + 1)]);
    assert.equal(long.code, 2);
    assert.match(long.err, /CW_ERR_WATCH_SILENCE: comment is longer than/);
    const past = await cli(w, ['add', '--target', '*', '--for', '1h', '--comment', 'z', '--start', '2020-01-01T00:00:00Z']);
    assert.equal(past.code, 2);
    assert.match(past.err, /CW_ERR_WATCH_SILENCE: endsAt is in the past/);
    const missing = await cli(w, ['expire', 'abcdef0123456789']);
    assert.equal(missing.code, 2);
    assert.match(missing.err, /CW_ERR_WATCH_NOT_FOUND/);
    const list = await cli(w, ['list', '--format', 'json']);
    assert.deepEqual(JSON.parse(list.out), { silences: [] });
    await stop();
  });
});
