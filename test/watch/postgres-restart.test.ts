/**
 * A restart of a service on a real PostgreSQL loses no history and sends no
 * duplicate alert: an alert that failed before the stop is delivered once
 * after the start, the slot scanned before the stop is not scanned again,
 * and a condition that lasts across the restart is not announced again.
 * Real clock (the job scheduling's timers run), every: 10s (the minimum).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseWatchConfig, type WatchConfig } from '../../src/watch/config.ts';
import { startWatch, type RunningWatch } from '../../src/watch/service.ts';
import { freePort, makeWorld, startSink, type World } from './fixtures.ts';
import { skipWithoutPostgres, startTestPostgres, type TestPostgres } from './pg-fixture.ts';

const SECRET = 'restart test secret';
/** Waits poll this often. */
const POLL_MS = 100;

async function until(what: string, ok: () => Promise<boolean>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > deadline) assert.fail(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

describe('watch on PostgreSQL across a restart', { skip: skipWithoutPostgres }, () => {
  let pgs: TestPostgres;
  let world: World;
  let sink: Awaited<ReturnType<typeof startSink>>;
  let config: WatchConfig;
  let running: RunningWatch | undefined;

  before(async () => {
    pgs = await startTestPostgres('restart');
    world = await makeWorld();
    sink = await startSink(Buffer.from(SECRET));
    world.write('hook.secret', `${SECRET}\n`);
    const deadPort = await freePort();
    const url = await pgs.newDatabase();
    config = parseWatchConfig(`version: 1
policy: policy.yaml
every: 10s
store: "${url}"
job-expiry: 2s
targets:
  - { target: dead.test:${deadPort}, resolve: 127.0.0.1 }
alerts:
  - webhook: ${sink.url}
    secret-file: hook.secret
`, `${world.dir}/watch.yaml`);
  });
  after(async () => {
    await running?.stop();
    await sink?.close();
    await world?.close();
    await pgs?.stop();
  });

  test('no history lost, no alert lost, no alert twice', { timeout: 60_000 }, async () => {
    const label = config.targets[0]!.label;
    sink.status = 500; // the first delivery fails: the alert must wait in the outbox across the restart
    running = await startWatch(config, { port: 0 });
    const store1 = running.store;
    await until('the first slot recorded', async () => (await store1.recordedSlots(label)).length === 1, 15_000);
    await until('a failed delivery attempt', async () => (await store1.pending()) === 1 && sink.received.length === 0, 5_000);
    const firstSlot = (await store1.recordedSlots(label))[0]!.slot;
    await running.stop();
    running = undefined;

    sink.status = 200;
    running = await startWatch(config, { port: 0 });
    const store2 = running.store;
    assert.equal((await store2.history(label)).scans.length, 1, 'the history survived');
    assert.deepEqual((await store2.openConditions(label)).map((c) => c.event), ['target-unreachable']);
    await until('the kept alert delivered', async () => sink.received.length === 1 && (await store2.pending()) === 0, 15_000);
    assert.equal(sink.received[0]!.body.event, 'target-unreachable');
    assert.ok(sink.received[0]!.signed);
    // The next slot: scanned (the target is still down), the condition still open, not announced again.
    await until('the next slot recorded', async () => (await store2.recordedSlots(label)).length === 2, 15_000);
    const slots = (await store2.recordedSlots(label)).map((r) => r.slot);
    assert.equal(slots[0], firstSlot);
    assert.notEqual(slots[1], firstSlot, 'the slot scanned before the restart was not scanned again');
    await new Promise((r) => setTimeout(r, 1_500)); // an outbox pass after the second scan
    assert.equal(sink.received.length, 1, 'no duplicate alert');
    assert.equal(await store2.pending(), 0);
    assert.match(await running.engine.metrics(), /^certwarden_alerts_sent_total\{channel="webhook",event="target-unreachable"\} 1$/m);
  });
});
