/**
 * The service: the outbox survives failures and restarts (delivered once,
 * never lost), the HTTP API is read-only and token-guarded, /metrics passes
 * promtool, and the CLI reads the API.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { parseWatchConfig, type WatchConfig } from '../../src/watch/config.ts';
import { startWatch, type RunningWatch } from '../../src/watch/service.ts';
import type { Clock } from '../../src/watch/scheduler.ts';
import { main } from '../../src/cli/main.ts';
import { parseTarget } from '../../src/scan/target.ts';
import type { Io } from '../../src/cli/output.ts';
import { Writable } from 'node:stream';
import { freePort, makeWorld, startSink, SwappableServer, type World } from './fixtures.ts';

const SECRET = 'service test secret';
const TOKEN = 'a-bearer-token-of-enough-length';

/** Timers never fire: the test drives scans and deliveries itself, at the time it sets. */
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

function hasPromtool(): boolean {
  return spawnSync('promtool', ['--version'], { stdio: 'ignore' }).status === 0;
}

describe('watch service', () => {
  let world: World;
  let sink: Awaited<ReturnType<typeof startSink>>;
  let good: SwappableServer;
  let deadPort: number;
  let config: WatchConfig;
  const clock = new FrozenClock();
  const running: RunningWatch[] = [];

  const start = async (c: WatchConfig = config): Promise<RunningWatch> => {
    const r = await startWatch(c, { clock, port: 0, scan: { settings: { stapleAttempts: 1 } } });
    running.push(r);
    return r;
  };

  before(async () => {
    world = await makeWorld();
    sink = await startSink(Buffer.from(SECRET));
    good = await new SwappableServer(await world.issue('good.test')).start();
    deadPort = await freePort();
    world.write('hook.secret', `${SECRET}\n`);
    world.write('token', `${TOKEN}\n`);
    const yaml = `version: 1
policy: policy.yaml
store: ./data
targets:
  - { target: good.test:443, resolve: 127.0.0.1 }
  - { target: dead.test:${deadPort}, resolve: 127.0.0.1 }
  - { ca: ca }
alerts:
  - webhook: ${sink.url}
    secret-file: hook.secret
`;
    config = parseWatchConfig(yaml.replace('good.test:443', `good.test:${good.port}`), `${world.dir}/watch.yaml`);
  });

  after(async () => {
    for (const r of running) await r.stop().catch(() => {});
    await good?.stop();
    await sink?.close();
    await world?.close();
  });

  test('a failed delivery stays in the outbox, is retried after its backoff, survives a restart and is sent exactly once', async () => {
    let w = await start();
    const dead = config.targets[1]!;
    sink.status = 500;
    const r = await w.engine.scanTarget(dead, new Date(clock.t));
    assert.deepEqual(r.events.map((e) => e.event), ['target-unreachable']);
    await w.deliverer.deliverDue();
    assert.equal(sink.received.length, 0);
    assert.equal(await w.store.pending(), 1);
    sink.status = 200;
    await w.deliverer.deliverDue(); // not due yet: the backoff holds it
    assert.equal(sink.received.length, 0);
    await w.stop();
    running.pop();

    clock.t += 60_000;
    w = await start();
    await w.deliverer.deliverDue();
    assert.equal(sink.received.length, 1);
    assert.ok(sink.received[0]!.signed);
    assert.equal(sink.received[0]!.body.event, 'target-unreachable');
    assert.equal(sink.received[0]!.body.target, `dead.test:${deadPort}`);
    assert.equal(await w.store.pending(), 0);
    await w.stop();
    running.pop();

    w = await start();
    await w.deliverer.deliverDue();
    // Down again in the next scan: the condition is open, not new.
    await w.engine.scanTarget(dead, new Date(clock.t + 60_000));
    await w.deliverer.deliverDue();
    assert.equal(sink.received.length, 1, 'a restart sends no duplicate');
    assert.match(await w.engine.metrics(), /^certwarden_alerts_sent_total\{channel="webhook",event="target-unreachable"\} 1$/m);
  });

  test('the history survives a restart', async () => {
    const w = running.at(-1)!;
    const before = (await w.store.history(`dead.test:${deadPort}`)).scans.length;
    assert.ok(before >= 2);
    await w.stop();
    running.pop();
    const again = await start();
    assert.equal((await again.store.history(`dead.test:${deadPort}`)).scans.length, before);
  });

  test('the API is read-only, and names no secret', async () => {
    const w = running.at(-1)!;
    await w.engine.scanTarget(config.targets[0]!, new Date(clock.t));
    const list = (await (await fetch(`${w.server.url}/api/targets`)).json()) as { targets: Array<{ target: string; up: boolean }> };
    assert.deepEqual(list.targets.map((t) => [t.target, t.up]), [[`good.test:${good.port}`, true], [`dead.test:${deadPort}`, false]]);
    const hist = await fetch(`${w.server.url}/api/targets/${encodeURIComponent(`dead.test:${deadPort}`)}/history?limit=1`);
    assert.equal(hist.status, 200);
    assert.equal(((await hist.json()) as { scans: unknown[] }).scans.length, 1);
    assert.equal((await fetch(`${w.server.url}/api/targets/nope.test%3A1/history`)).status, 404);
    assert.equal((await fetch(`${w.server.url}/api/targets`, { method: 'POST' })).status, 405);
    assert.equal((await fetch(`${w.server.url}/api/targets/x/history?limit=-1`)).status, 404);
    const metrics = await fetch(`${w.server.url}/metrics`);
    assert.match(metrics.headers.get('content-type')!, /^text\/plain; version=0\.0\.4/);
    for (const path of ['/api/targets', '/metrics', `/api/targets/${encodeURIComponent(`dead.test:${deadPort}`)}/history`]) {
      const text = await (await fetch(`${w.server.url}${path}`)).text();
      assert.ok(!text.includes(SECRET) && !text.includes(sink.url), `${path} names no secret or webhook`);
    }
  });

  test('with token-file, /metrics and /api need the bearer token (constant-time compare); /healthz does not', async () => {
    const guarded = await start({ ...config, tokenFile: `${world.dir}/token` });
    assert.equal((await fetch(`${guarded.server.url}/healthz`)).status, 200);
    assert.equal((await fetch(`${guarded.server.url}/metrics`)).status, 401);
    assert.equal((await fetch(`${guarded.server.url}/api/targets`, { headers: { authorization: 'Bearer wrong-token-wrong-token' } })).status, 401);
    assert.equal((await fetch(`${guarded.server.url}/api/targets`, { headers: { authorization: `Bearer ${TOKEN}` } })).status, 200);
    // The CLI finds the address and the token in the configuration.
    const cfg = world.write('guarded.yaml', `version: 1\npolicy: policy.yaml\nlisten: 127.0.0.1:${guarded.server.port}\ntoken-file: token\ntargets: [a.test:443]\n`);
    const withToken = io();
    await main(['watch', 'status', '--config', cfg, '--format', 'json'], withToken);
    assert.ok(Array.isArray((JSON.parse(withToken.out()) as { targets: unknown[] }).targets), withToken.err());
    const without = io();
    assert.equal(await main(['watch', 'status', '--url', guarded.server.url], without), 2);
    assert.match(without.err(), /wants a bearer token: give --token-file/);
    await guarded.stop();
    running.pop();
  });

  test('the server refuses a non-loopback bind without a token, also when the config loader is bypassed', async () => {
    await assert.rejects(start({ ...config, listen: { host: '0.0.0.0', port: 0 }, storeDir: `${world.dir}/open` }), /not loopback: a bearer token is required/);
  });

  test('/metrics passes promtool check metrics', { skip: !hasPromtool() && 'promtool not installed (scripts/test-servers.sh installs the Debian prometheus package)' }, async () => {
    const w = running.at(-1)!;
    const text = await (await fetch(`${w.server.url}/metrics`)).text();
    const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
  });

  test('each channel gets each event once: a signed webhook and a Slack-compatible one', async () => {
    const slack = await startSink();
    const signed = await startSink(Buffer.from(SECRET));
    try {
      const two = await start({ ...config, storeDir: `${world.dir}/two-channels`, alerts: [{ name: 'hook', url: signed.url, format: 'certwarden', secretFile: `${world.dir}/hook.secret` }, { name: 'chat', url: slack.url, format: 'slack' }] });
      await two.engine.scanTarget(config.targets[1]!, new Date(clock.t));
      await two.deliverer.deliverDue();
      await two.deliverer.deliverDue();
      assert.equal(signed.received.length, 1);
      assert.ok(signed.received[0]!.signed);
      assert.equal(slack.received.length, 1);
      assert.ok(slack.received[0]!.signed, 'no secret: no signature header');
      assert.deepEqual(Object.keys(slack.received[0]!.body), ['text']);
      assert.match(slack.received[0]!.body.text as string, new RegExp(`^\\[HIGH\\] target-unreachable on dead\\.test:${deadPort}\n`));
      const text = await two.engine.metrics();
      assert.match(text, /^certwarden_alerts_sent_total\{channel="chat",event="target-unreachable"\} 1$/m);
      assert.match(text, /^certwarden_alerts_sent_total\{channel="hook",event="target-unreachable"\} 1$/m);
      await two.stop();
      running.pop();
    } finally {
      await slack.close();
      await signed.close();
    }
  });

  test('watch history escapes control characters a hostile certificate put in event messages', async () => {
    const evil = await new SwappableServer(world.foreign('evil.test', 'CN=evil\nFAKE LINE \u001b[31mred')).start();
    try {
      const label = `evil.test:${evil.port}`;
      const w = await start({ ...config, storeDir: `${world.dir}/evil`, targets: [{ label, scan: { ...parseTarget(label), address: '127.0.0.1' }, everyMs: 60_000 }] });
      const r = await w.engine.scanTarget(w.engine.targets[0]!, new Date(clock.t));
      assert.ok(r.events.some((e) => e.event === 'served-unknown' && e.message.includes('\n')), 'the raw subject is kept as data');
      const out = io();
      assert.equal(await main(['watch', 'history', label, '--url', w.server.url], out), 0);
      assert.ok(!out.out().includes('\u001b'), 'no escape sequence reaches the terminal');
      assert.ok(!/^FAKE LINE/m.test(out.out()), 'a newline in a certificate cannot forge a line');
      await w.stop();
      running.pop();
    } finally {
      await evil.stop();
    }
  });

  test('watch status and watch history read the running service', async () => {
    const w = running.at(-1)!;
    const a = io();
    assert.equal(await main(['watch', 'status', '--url', w.server.url], a), 1, 'a target is down: exit 1');
    assert.match(a.out(), new RegExp(`^good\\.test:${good.port}  V9\\.2\\.1 pass  V9\\.2\\.4 pass  until `, 'm'));
    assert.match(a.out(), new RegExp(`^dead\\.test:${deadPort}  DOWN  \\[target-unreachable\\]$`, 'm'));
    const b = io();
    assert.equal(await main(['watch', 'history', `dead.test:${deadPort}`, '--url', w.server.url, '--format', 'json'], b), 0);
    assert.equal((JSON.parse(b.out()) as { events: Array<{ event: string }> }).events[0]!.event, 'target-unreachable');
    const c = io();
    assert.equal(await main(['watch', 'history', 'nope:1', '--url', w.server.url], c), 2);
    assert.match(c.err(), /does not know that target/);
  });
});
