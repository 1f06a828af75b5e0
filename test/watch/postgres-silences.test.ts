/**
 * Silences with a Postgres store, where scans are pg-boss jobs and the
 * service records what the worker wrote back (dispatch.ts → engine.record):
 * an event a silence covers is recorded and held, not delivered; expiring the
 * silence through the API delivers it once; the silence and the held event
 * are in Postgres. Real clock (the job scheduling's timers run).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseWatchConfig, type WatchConfig } from '../../src/watch/config.ts';
import { PostgresWatchStore } from '../../src/watch/postgres-store.ts';
import { startWatch, type RunningWatch } from '../../src/watch/service.ts';
import { freePort, makeWorld, startSink, type World } from './fixtures.ts';
import { skipWithoutPostgres, startTestPostgres, type TestPostgres } from './pg-fixture.ts';

const ADMIN_TOKEN = 'the-admin-token-for-silences';
const SILENCE_ID = '5150000000000001';
/** Waits poll this often. */
const POLL_MS = 100;

async function until(what: string, ok: () => Promise<boolean>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > deadline) assert.fail(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

describe('silences on PostgreSQL, scans recorded from job results', { skip: skipWithoutPostgres }, () => {
  let pgs: TestPostgres;
  let world: World;
  let sink: Awaited<ReturnType<typeof startSink>>;
  let config: WatchConfig;
  let url: string;
  let running: RunningWatch | undefined;

  before(async () => {
    pgs = await startTestPostgres('silences');
    world = await makeWorld();
    sink = await startSink();
    world.write('admin.token', `${ADMIN_TOKEN}\n`);
    const deadPort = await freePort();
    url = await pgs.newDatabase();
    config = parseWatchConfig(`version: 1
policy: policy.yaml
every: 1000d
store: "${url}"
admin-token-file: admin.token
job-expiry: 2s
targets:
  - { target: dead.test:${deadPort}, resolve: 127.0.0.1 }
alerts:
  - webhook: ${sink.url}
`, `${world.dir}/watch.yaml`);
  });
  after(async () => {
    await running?.stop();
    await sink?.close();
    await world?.close();
    await pgs?.stop();
  });

  test('a worker\'s result under a silence is held, not delivered; expiring the silence delivers it once', { timeout: 60_000 }, async () => {
    const label = config.targets[0]!.label;
    // The silence exists before the first slot is sent (the service sends it at start).
    const setup = await PostgresWatchStore.connect(url);
    const now = Date.now();
    await setup.addSilence({ id: SILENCE_ID, matchers: { target: 'dead.test:*', events: ['target-unreachable'] }, startsAt: new Date(now - 60_000).toISOString(), endsAt: new Date(now + 3_600_000).toISOString(), createdBy: 'alice', comment: 'maintenance', createdAt: new Date(now).toISOString() });
    await setup.close();

    running = await startWatch(config, { port: 0, scan: { settings: { stapleAttempts: 1 } } });
    const store = running.store;
    assert.ok(running.jobs, 'a Postgres store schedules scans as jobs');
    await until('the slot recorded', async () => (await store.recordedSlots(label)).length === 1, 20_000);
    const [slot] = await store.recordedSlots(label);
    assert.match(slot!.worker!, /^default\//, 'scanned by a job, recorded from its result');
    assert.deepEqual((await store.events(label)).map((e) => e.event), ['target-unreachable'], 'the event is recorded');
    assert.deepEqual((await store.heldEvents()).map((h) => h.silenceId), [SILENCE_ID], 'and held by the silence');
    assert.equal(await store.pending(), 0, 'no outbox row');
    await running.deliverer.deliverDue();
    assert.equal(sink.received.length, 0, 'not delivered while silenced');
    const metrics = await running.engine.metrics();
    assert.match(metrics, /^certwarden_silenced_events_total\{event="target-unreachable"\} 1$/m);
    assert.match(metrics, /^certwarden_silences_active 1$/m);

    const expire = await fetch(`${running.server.url}/api/silences/${SILENCE_ID}`, { method: 'DELETE', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    assert.equal(expire.status, 200);
    await until('the held alert delivered', async () => sink.received.length === 1 && (await store.pending()) === 0, 15_000);
    assert.equal(sink.received[0]!.body.event, 'target-unreachable');
    assert.equal(sink.received[0]!.body.target, label);
    await running.deliverer.deliverDue();
    await running.deliverer.deliverDue();
    assert.equal(sink.received.length, 1, 'once');
    assert.deepEqual(await store.heldEvents(), []);
  });
});
