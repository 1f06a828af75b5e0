/**
 * The job queue on a real PostgreSQL: processes of several zones starting at
 * once (each creating its queue, which attaches a partition to pg-boss's job
 * table) must not deadlock; a slot sent twice is one job; a job a worker
 * takes but never completes is handed out again after the expiry.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type PgBoss from 'pg-boss';
import { JobWorker, openJobs, queueOf, type ScanJob } from '../../src/watch/jobs.ts';
import { jobIdOf } from '../../src/watch/slots.ts';
import { skipWithoutPostgres, startTestPostgres, type TestPostgres } from './pg-fixture.ts';

const noLog = (): void => {};

describe('the watch job queue on PostgreSQL', { skip: skipWithoutPostgres }, () => {
  let pgs: TestPostgres;
  const bosses: PgBoss[] = [];

  before(async () => {
    pgs = await startTestPostgres('jobs');
  });
  after(async () => {
    for (const b of bosses) await b.stop({ graceful: false, wait: true }).catch(() => {});
    await pgs?.stop();
  });

  test('six processes of different zones starting at once do not deadlock creating their queues', { timeout: 60_000 }, async () => {
    const url = await pgs.newDatabase();
    const started = await Promise.all(['z1', 'z2', 'z3', 'z4', 'z5', 'z6'].map((zone) => openJobs(url, { expiryMs: 2_000, zones: [zone, 'default'], log: noLog, applicationName: `test-${zone}` })));
    bosses.push(...started);
    const names = (await started[0]!.getQueues()).map((q) => q.name).sort();
    assert.deepEqual(names, ['default', 'z1', 'z2', 'z3', 'z4', 'z5', 'z6'].map(queueOf).sort());
  });

  test('a slot sent twice is one job; a job held by a worker that never completes it is handed out again after the expiry', { timeout: 60_000 }, async () => {
    const url = await pgs.newDatabase();
    const boss = await openJobs(url, { expiryMs: 1_000, zones: ['dc1'], log: noLog, applicationName: 'test' });
    bosses.push(boss);
    const job = { id: jobIdOf('slot-a'), name: queueOf('dc1'), data: { slot: 'slot-a', target: 't:1', due: 0 }, retryLimit: 2, retryDelay: 0, expireInSeconds: 1 };
    await boss.insert([job]);
    await boss.insert([job]);
    assert.equal(await boss.getQueueSize(queueOf('dc1')), 1, 'one job per slot');
    // A worker that takes the job and hangs (as a killed one would never answer).
    const taken: string[] = [];
    let release = (): void => {};
    const hung = new JobWorker(boss, queueOf('dc1'), 1, async (j: PgBoss.Job<ScanJob>) => {
      taken.push(`hung:${j.data.slot}`);
      await new Promise<void>((r) => (release = r));
    }, noLog);
    hung.start();
    while (taken.length === 0) await new Promise((r) => setTimeout(r, 50));
    const done: string[] = [];
    const good = new JobWorker(boss, queueOf('dc1'), 1, async (j: PgBoss.Job<ScanJob>) => void done.push(j.data.slot), noLog);
    good.start();
    const deadline = Date.now() + 20_000;
    while (done.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    await good.stop();
    release();
    await hung.stop();
    assert.deepEqual(done, ['slot-a'], 'the expired job went to the other worker');
  });
});
