/**
 * `certwarden watch --config` as a process: the real scheduler scans a
 * loopback target on its own, a real Prometheus (when installed) scrapes
 * /metrics, and SIGTERM stops the service cleanly (exit 0).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { freePort, makeWorld, SwappableServer, type World } from './fixtures.ts';

const main = join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts');
const hasPrometheus = spawnSync('prometheus', ['--version'], { stdio: 'ignore' }).status === 0;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, ms: number, probe: () => Promise<T | undefined>): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch {
      // not up yet
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

const exited = (p: ChildProcess): Promise<number | null> => new Promise((r) => (p.exitCode !== null ? r(p.exitCode) : p.once('exit', (code) => r(code))));

describe('certwarden watch as a process', () => {
  let world: World;
  let server: SwappableServer;
  let port: number;
  let watch: ChildProcess;
  let stderr = '';

  before(async () => {
    world = await makeWorld();
    server = await new SwappableServer(await world.issue('proc.test')).start();
    port = await freePort();
    world.write('watch.yaml', `version: 1\npolicy: policy.yaml\nevery: 10s\nlisten: 127.0.0.1:${port}\nstore: ./data\ntargets:\n  - { target: proc.test:${server.port}, resolve: 127.0.0.1 }\n  - { ca: ca }\n`);
    watch = spawn(process.execPath, [main, 'watch', '--config', join(world.dir, 'watch.yaml')], { stdio: ['ignore', 'pipe', 'pipe'] });
    watch.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  });

  after(async () => {
    if (watch && watch.exitCode === null) watch.kill('SIGKILL');
    await server?.stop();
    await world?.close();
  });

  test('the scheduler scans the target on its own and /api/targets shows it', async () => {
    const t = await until('the first scan', 20_000, async () => {
      const body = (await (await fetch(`http://127.0.0.1:${port}/api/targets`)).json()) as { targets: Array<{ lastScan: string | null; up: boolean; statuses: Record<string, string> }> };
      return body.targets[0]!.lastScan ? body.targets[0]! : undefined;
    });
    assert.equal(t.up, true);
    assert.deepEqual(t.statuses, { 'V9.2.1': 'pass', 'V9.2.4': 'pass' }, stderr);
    assert.match(stderr, /"msg":"watch_scan"/);
  });

  test('a real Prometheus scrapes /metrics', { skip: !hasPrometheus && 'prometheus not installed (scripts/test-servers.sh)' }, async () => {
    const promPort = await freePort();
    world.write('prometheus.yml', `global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: certwarden\n    static_configs:\n      - targets: ['127.0.0.1:${port}']\n`);
    const prom = spawn('prometheus', [`--config.file=${join(world.dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(world.dir, 'tsdb')}`, `--web.listen-address=127.0.0.1:${promPort}`], { stdio: 'ignore' });
    try {
      const value = await until('prometheus to scrape', 30_000, async () => {
        const q = (await (await fetch(`http://127.0.0.1:${promPort}/api/v1/query?query=${encodeURIComponent(`certwarden_requirement_status{status="pass",requirement="V9.2.4"}`)}`)).json()) as { data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> } };
        return q.data.result[0];
      });
      assert.equal(value.metric.target, `proc.test:${server.port}`);
      assert.equal(value.value[1], '1');
      const up = (await (await fetch(`http://127.0.0.1:${promPort}/api/v1/query?query=up`)).json()) as { data: { result: Array<{ value: [number, string] }> } };
      assert.equal(up.data.result[0]!.value[1], '1', 'the scrape itself succeeded');
    } finally {
      prom.kill('SIGTERM');
      await exited(prom);
    }
  });

  test('SIGTERM stops the service cleanly', async () => {
    watch.kill('SIGTERM');
    assert.equal(await exited(watch), 0, stderr);
    assert.match(stderr, /"msg":"watch_stopped"/);
  });
});
