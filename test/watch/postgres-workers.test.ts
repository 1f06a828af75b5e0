/**
 * Scale-out on a real PostgreSQL: the service schedules each target's slot as
 * a pg-boss job; three `certwarden watch worker` processes (the real CLI,
 * bin/certwarden.js: build dist first) in two zones take them; one is killed
 * with SIGKILL while it holds a job. Every target's scheduled scan must be
 * recorded exactly once, none lost, the dead worker's job redone by the other
 * worker of its zone, and no target scanned by a worker of another zone.
 * Targets are Node TLS servers on loopback, behind a proxy that delays every
 * connection so a scan lasts long enough to be killed in the middle of.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { loadWatchConfig } from '../../src/watch/config.ts';
import { startWatch, type RunningWatch } from '../../src/watch/service.ts';
import { projectRoot } from '../helpers/shared.ts';
import { makeWorld, SwappableServer, type World } from './fixtures.ts';
import { skipWithoutPostgres, startTestPostgres, type TestPostgres } from './pg-fixture.ts';

const BIN = join(projectRoot, 'bin', 'certwarden.js');
const skip = skipWithoutPostgres || (existsSync(join(projectRoot, 'dist', 'cli', 'main.js')) ? false : 'dist/ is not built (node_modules/.bin/tsc -p tsconfig.build.json)');
/** Each connection to a dc1 target waits this long: a scan (several handshakes) then lasts a second or more. */
const PROXY_DELAY_MS = 150;
/** A dead worker's job is handed out again after this (the configuration's job-expiry; 2 s keeps the test short). */
const TEST_JOB_EXPIRY = '2s';
/** The whole cycle, kill and retry included, must be recorded within this. */
const CYCLE_DEADLINE_MS = 40_000;

interface Spawned {
  child: ChildProcess;
  lines: Array<Record<string, unknown>>;
  /** Resolves with the first log line that `match` accepts. */
  waitFor(match: (l: Record<string, unknown>) => boolean, ms?: number): Promise<Record<string, unknown>>;
}

function spawnWorker(config: string, zone: string): Spawned {
  const child = spawn(process.execPath, [BIN, 'watch', 'worker', '--config', config, '--zone', zone, '--concurrency', '1'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: Array<Record<string, unknown>> = [];
  const waiters: Array<{ match: (l: Record<string, unknown>) => boolean; resolve: (l: Record<string, unknown>) => void }> = [];
  let buf = '';
  child.stderr!.on('data', (d: Buffer) => {
    buf += d.toString();
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const text = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      let line: Record<string, unknown>;
      try {
        line = JSON.parse(text) as Record<string, unknown>;
      } catch {
        line = { msg: 'text', text };
      }
      lines.push(line);
      for (const w of [...waiters]) {
        if (w.match(line)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(line);
        }
      }
    }
  });
  child.stdout!.resume();
  return {
    child,
    lines,
    waitFor(match, ms = 20_000) {
      const seen = lines.find(match);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`worker ${zone}: no matching log line in ${ms} ms; log: ${JSON.stringify(lines).slice(0, 2000)}`)), ms);
        waiters.push({ match, resolve: (l) => (clearTimeout(t), resolve(l)) });
      });
    },
  };
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** A TCP proxy on loopback that holds each connection PROXY_DELAY_MS before joining it to `port`. */
async function delayingProxy(port: number): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((inbound) => {
    sockets.add(inbound);
    inbound.pause();
    inbound.on('error', () => {});
    inbound.on('close', () => sockets.delete(inbound));
    setTimeout(() => {
      const outbound = net.connect(port, '127.0.0.1');
      sockets.add(outbound);
      outbound.on('error', () => inbound.destroy());
      outbound.on('close', () => (sockets.delete(outbound), inbound.destroy()));
      inbound.on('close', () => outbound.destroy());
      inbound.pipe(outbound).pipe(inbound);
      inbound.resume();
    }, PROXY_DELAY_MS);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => new Promise<void>((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => r());
    }),
  };
}

describe('watch workers on PostgreSQL', { skip }, () => {
  let pgs: TestPostgres;
  let world: World;
  const servers: SwappableServer[] = [];
  const proxies: Array<{ close(): Promise<void> }> = [];
  const workers: Spawned[] = [];
  let service: RunningWatch | undefined;

  before(async () => {
    pgs = await startTestPostgres('workers');
    world = await makeWorld();
  });
  after(async () => {
    await service?.stop();
    for (const w of workers) await stopChild(w.child);
    for (const p of proxies) await p.close();
    for (const s of servers) await s.stop();
    await world?.close();
    await pgs?.stop();
  });

  test('3 workers in 2 zones, one SIGKILLed holding a job: every scheduled scan recorded exactly once, none lost, zones honoured', { timeout: 60_000 }, async () => {
    const targets: Array<{ label: string; zone?: string; port: number }> = [];
    const serve = async (host: string, zone: string | undefined, slow: boolean): Promise<void> => {
      const s = await new SwappableServer(await world.issue(host)).start();
      servers.push(s);
      let port = s.port;
      if (slow) {
        const p = await delayingProxy(s.port);
        proxies.push(p);
        port = p.port;
      }
      targets.push({ label: `${host}:${port}`, ...(zone ? { zone } : {}), port });
    };
    for (const h of ['a', 'b', 'c', 'd']) await serve(`${h}.dc1.test`, 'dc1', true);
    for (const h of ['a', 'b']) await serve(`${h}.dc2.test`, 'dc2', false);
    await serve('home.test', undefined, false); // no zone: the service's own

    const url = await pgs.newDatabase();
    // every: 1000d, so the test's window holds exactly one slot per target (the one due at the service's start;
    // with 1h, a target whose phase put a slot boundary inside the window would be scanned twice, rightly).
    const yaml = [
      'version: 1',
      `policy: ${world.policyFile}`,
      'every: 1000d',
      'listen: 127.0.0.1:0',
      `store: "${url}"`,
      `job-expiry: ${TEST_JOB_EXPIRY}`,
      'targets:',
      ...targets.map((t) => `  - { target: "${t.label}", resolve: 127.0.0.1${t.zone ? `, zone: ${t.zone}` : ''} }`),
    ].join('\n');
    const configFile = world.write('workers.yaml', `${yaml}\n`);
    const config = loadWatchConfig(configFile);

    const a = spawnWorker(configFile, 'dc1');
    const b = spawnWorker(configFile, 'dc1');
    const c = spawnWorker(configFile, 'dc2');
    workers.push(a, b, c);
    const [aStarted, bStarted, cStarted] = await Promise.all([a, b, c].map((w) => w.waitFor((l) => l.msg === 'watch_worker_started')));
    for (const [line, zone] of [[aStarted, 'dc1'], [bStarted, 'dc1'], [cStarted, 'dc2']] as const) {
      assert.equal(line!.zone, zone);
      assert.ok(!String(line!.store).includes('s3cret'), 'the store URL is logged without its password');
    }

    const serviceLog: Array<Record<string, unknown>> = [];
    service = await startWatch(config, { port: 0, log: (l) => serviceLog.push(l), scan: { settings: { stapleAttempts: 1 } } });

    // Kill A as soon as it holds a job (it has logged the start, not yet completed it).
    const killedJob = await a.waitFor((l) => l.msg === 'watch_job_started');
    a.child.kill('SIGKILL');
    await new Promise((r) => a.child.once('exit', r));

    const store = service.store;
    const deadline = Date.now() + CYCLE_DEADLINE_MS;
    for (;;) {
      const recorded = await Promise.all(targets.map((t) => store.recordedSlots(t.label)));
      if (recorded.every((r) => r.length >= 1) && (await store.pendingResults()).length === 0) break;
      if (Date.now() > deadline) assert.fail(`not every target recorded in ${CYCLE_DEADLINE_MS} ms: ${JSON.stringify(recorded)}; service log: ${JSON.stringify(serviceLog.slice(-20))}`);
      await new Promise((r) => setTimeout(r, 200));
    }

    const sent = service.jobs!.sent();
    for (const t of targets) {
      const recorded = await store.recordedSlots(t.label);
      assert.deepEqual(recorded.map((r) => r.slot), sent.get(t.label), `${t.label}: the slot sent is the slot recorded, exactly once`);
      assert.equal((await store.history(t.label)).scans.length, 1, `${t.label}: one scan in the history`);
      const zone = t.zone ?? 'default';
      assert.ok(recorded[0]!.worker!.startsWith(`${zone}/`), `${t.label} (zone ${zone}) was scanned by ${recorded[0]!.worker}`);
    }
    // The killed worker's job was redone by the other dc1 worker, and recorded once, by it.
    const slot = String(killedJob.slot);
    const redone = await b.waitFor((l) => l.msg === 'watch_job_done' && l.slot === slot);
    const killedTarget = String(killedJob.target);
    assert.deepEqual((await store.recordedSlots(killedTarget)).map((r) => r.worker), [String(redone.worker)]);
    assert.equal(a.lines.filter((l) => l.msg === 'watch_job_done').length, 0, 'A died before completing anything');
    // Zone routing, from the workers' own logs: no worker started a job of another zone.
    const started = (w: Spawned): string[] => w.lines.filter((l) => l.msg === 'watch_job_started').map((l) => String(l.target));
    for (const label of [...started(a), ...started(b)]) assert.match(label, /\.dc1\.test:/);
    for (const label of started(c)) assert.match(label, /\.dc2\.test:/);
    assert.equal(started(c).length, 2);
    for (const w of [a, b, c]) assert.deepEqual(w.lines.filter((l) => l.msg === 'watch_job_failed'), []);
    // The service's events and outbox: once per target (a good target alerts nothing; all are good here).
    assert.equal(serviceLog.filter((l) => l.msg === 'watch_scan').length, targets.length, 'each result judged once');
    assert.equal(serviceLog.filter((l) => l.msg === 'watch_record_failed').length, 0);
    // SIGTERM: a worker stops cleanly (exit 0), after finishing what it holds.
    const exited = new Promise<number | null>((r) => c.child.once('exit', (code) => r(code)));
    c.child.kill('SIGTERM');
    assert.equal(await exited, 0);
    assert.ok(c.lines.some((l) => l.msg === 'watch_worker_stopped'));
  });
});
