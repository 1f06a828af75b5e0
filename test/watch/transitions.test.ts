/**
 * The watch end to end on loopback: a `certwarden ca` with its responder, Node
 * TLS servers, real scans (runScan) at moved times, the SQLite history, and a
 * webhook sink. Each scenario produces exactly the expected events, metric
 * values and signed deliveries.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadPolicy } from '../../src/policy/load.ts';
import { SqliteWatchStore } from '../../src/watch/store.ts';
import { CaInventory } from '../../src/watch/inventory.ts';
import { WatchEngine } from '../../src/watch/engine.ts';
import { AlertDeliverer } from '../../src/watch/alerts.ts';
import { parseTarget } from '../../src/scan/target.ts';
import type { WatchTarget } from '../../src/watch/config.ts';
import type { WatchEvent } from '../../src/watch/events.ts';
import { makeWorld, startSink, SwappableServer, type World } from './fixtures.ts';

const MIN = 60_000;
const REPEAT_MS = 20 * MIN;
const SECRET = Buffer.from('a webhook secret for the tests');

function target(label: string, port: number): WatchTarget {
  return { label, scan: { ...parseTarget(`${label.split(':')[0]}:${port}`), input: label, address: '127.0.0.1' }, everyMs: 5 * MIN };
}

const names = (events: readonly WatchEvent[]): string[] => events.map((e) => `${e.event}${e.subject && e.event.startsWith('requirement') ? `:${e.subject}` : ''}`).sort();

function metric(text: string, name: string, labels: Record<string, string>): number | undefined {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const inner = line.slice(name.length + 1, line.indexOf('}'));
    const parts = inner.split(',');
    if (want.every((w) => parts.includes(w))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

describe('watch: transitions to events, metrics and alerts', () => {
  let world: World;
  let store: SqliteWatchStore;
  let inventory: CaInventory;
  let sink: Awaited<ReturnType<typeof startSink>>;
  let t0: number;
  const servers: SwappableServer[] = [];
  let engine: WatchEngine;
  let deliverer: AlertDeliverer;

  const serve = async (s: SwappableServer): Promise<SwappableServer> => {
    servers.push(s);
    return s.start();
  };

  before(async () => {
    world = await makeWorld();
    t0 = Date.now();
    store = new SqliteWatchStore(`${world.dir}/watch-data`);
    inventory = await CaInventory.open([world.caHome]);
    sink = await startSink(SECRET);
  });

  after(async () => {
    for (const s of servers) await s.stop();
    store?.close();
    await inventory?.close();
    await sink?.close();
    await world?.close();
  });

  const build = (targets: WatchTarget[]): void => {
    engine = new WatchEngine({ policy: loadPolicy(world.policyFile), targets, store, inventory, channels: ['webhook'], repeatMs: REPEAT_MS, scan: { settings: { stapleAttempts: 1 } } });
    deliverer = new AlertDeliverer(store, [{ name: 'webhook', format: 'certwarden', url: sink.url, secret: SECRET }], () => {});
  };

  test('a certificate change: expected when issued by the CA, unexpected and critical from anyone else', async () => {
    const s = await serve(new SwappableServer(await world.issue('change.test')));
    const t = target('change.test:443', s.port);
    build([t]);
    const first = await engine.scanTarget(t, new Date(t0));
    assert.equal(first.snapshot.statuses['V9.2.1'], 'pass', JSON.stringify(first.snapshot.findings));
    assert.equal(first.snapshot.statuses['V9.2.4'], 'pass', JSON.stringify(first.snapshot.findings));
    assert.deepEqual(names(first.events), []);

    const renewed = await world.issue('change.test');
    s.use(renewed);
    const second = await engine.scanTarget(t, new Date(t0 + MIN));
    assert.deepEqual(names(second.events), ['certificate-changed']);
    assert.equal(second.events[0]!.evidence.expected, true);
    assert.equal(second.events[0]!.severity, 'info');

    s.use(world.foreign('change.test'));
    const third = await engine.scanTarget(t, new Date(t0 + 2 * MIN));
    // The foreign server staples nothing either.
    assert.deepEqual(names(third.events), ['certificate-changed', 'requirement-failed:V9.2.1', 'requirement-failed:V9.2.4', 'served-unknown', 'staple-missing']);
    const changed = third.events.find((e) => e.event === 'certificate-changed')!;
    assert.equal(changed.evidence.expected, false);
    assert.equal(changed.severity, 'critical');
    assert.match(changed.message, /UNEXPECTED, it does not chain to the policy/);

    await deliverer.deliverDue();
    const got = sink.received.filter((r) => r.body.target === 'change.test:443');
    assert.deepEqual(got.map((r) => r.body.event).sort(), ['certificate-changed', 'certificate-changed', 'requirement-failed', 'requirement-failed', 'served-unknown', 'staple-missing']);
    assert.ok(got.every((r) => r.signed), 'every delivery carries a valid signature');
    assert.ok(got.every((r) => typeof r.body.fix === 'string' && (r.body.fix as string).length > 0), 'every alert says the fix');
  });

  test('revoked in the CA: certificate-revoked and served-revoked once, repeated only after the repeat interval', async () => {
    const id = await world.issue('revoke.test');
    const s = await serve(new SwappableServer(id));
    const t = target('revoke.test:443', s.port);
    build([t]);
    assert.deepEqual(names((await engine.scanTarget(t, new Date(t0))).events), []);
    await world.ca.revoke(id.certificate.serialHex, 'keyCompromise');
    world.server.sync();
    const r = await engine.scanTarget(t, new Date(t0 + MIN));
    assert.deepEqual(names(r.events), ['certificate-revoked', 'requirement-failed:V9.2.4', 'served-revoked']);
    assert.equal(r.events.find((e) => e.event === 'served-revoked')!.evidence.serial, id.certificate.serialHex);
    // Still revoked 10 minutes later: nothing new (deduplicated).
    assert.deepEqual(names((await engine.scanTarget(t, new Date(t0 + 11 * MIN))).events), []);
    // After the repeat interval: the conditions again, flagged as repeats; the requirement transition is not repeated.
    const again = await engine.scanTarget(t, new Date(t0 + 22 * MIN));
    assert.deepEqual(names(again.events), ['certificate-revoked', 'served-revoked']);
    assert.ok(again.events.every((e) => e.repeat === true));
    const text = await engine.metrics();
    assert.equal(metric(text, 'certwarden_requirement_status', { target: 'revoke.test:443', requirement: 'V9.2.4', status: 'fail' }), 1);
    assert.equal(metric(text, 'certwarden_requirement_status', { target: 'revoke.test:443', requirement: 'V9.2.4', status: 'pass' }), 0);
    assert.equal(metric(text, 'certwarden_cert_not_after_timestamp_seconds', { target: 'revoke.test:443', position: '0' }), Math.floor(id.certificate.notAfter.getTime() / 1000));
  });

  test('a lost staple: staple-missing and requirement-failed; the staple back: requirement-recovered', async () => {
    const id = await world.issue('staple.test');
    const s = await serve(new SwappableServer(id));
    const t = target('staple.test:443', s.port);
    build([t]);
    const ok = await engine.scanTarget(t, new Date(t0));
    assert.deepEqual(names(ok.events), []);
    assert.ok(ok.snapshot.stapleNextUpdate);
    assert.equal(metric(await engine.metrics(), 'certwarden_ocsp_staple_next_update_timestamp_seconds', { target: 'staple.test:443' }), Math.floor(Date.parse(ok.snapshot.stapleNextUpdate!) / 1000));
    s.staple = false;
    const lost = await engine.scanTarget(t, new Date(t0 + MIN));
    assert.deepEqual(names(lost.events), ['requirement-failed:V9.2.4', 'staple-missing']);
    assert.equal(metric(await engine.metrics(), 'certwarden_ocsp_staple_next_update_timestamp_seconds', { target: 'staple.test:443' }), undefined);
    s.staple = true;
    const back = await engine.scanTarget(t, new Date(t0 + 2 * MIN));
    assert.deepEqual(names(back.events), ['requirement-recovered:V9.2.4']);
  });

  test('expiry: moving the scan time into the window gives certificate-expiring, once', async () => {
    const id = await world.issue('expire.test');
    const s = await serve(new SwappableServer(id));
    const t = target('expire.test:443', s.port);
    build([t]);
    assert.deepEqual(names((await engine.scanTarget(t, new Date(t0))).events), []);
    const late = await engine.scanTarget(t, new Date(t0 + 40 * MIN));
    assert.deepEqual(names(late.events), ['certificate-expiring']);
    assert.deepEqual(names((await engine.scanTarget(t, new Date(t0 + 41 * MIN))).events), []);
  });

  test('every event of the scenarios reached the webhook sink exactly once, signed', async () => {
    await deliverer.deliverDue();
    const stored = await store.events();
    assert.equal(await store.pending(), 0);
    assert.deepEqual(sink.received.map((r) => r.id).sort(), stored.map((e) => e.key).sort());
    assert.ok(sink.received.every((r) => r.signed));
    const counts = new Map<string, number>();
    for (const e of stored) counts.set(e.event, (counts.get(e.event) ?? 0) + 1);
    const text = await engine.metrics();
    for (const [event, n] of counts) assert.equal(metric(text, 'certwarden_alerts_sent_total', { channel: 'webhook', event }), n, event);
  });

  test('down and back: target-unreachable, target_up 0, then cleared without re-announcing old failures', async () => {
    const id = await world.issue('down.test');
    const s = await serve(new SwappableServer(id));
    const t = target('down.test:443', s.port);
    build([t]);
    assert.deepEqual(names((await engine.scanTarget(t, new Date(t0))).events), []);
    assert.equal(metric(await engine.metrics(), 'certwarden_target_up', { target: 'down.test:443' }), 1);
    await s.stop();
    const down = await engine.scanTarget(t, new Date(t0 + MIN));
    assert.deepEqual(names(down.events), ['target-unreachable']);
    const text = await engine.metrics();
    assert.equal(metric(text, 'certwarden_target_up', { target: 'down.test:443' }), 0);
    assert.equal(metric(text, 'certwarden_requirement_status', { target: 'down.test:443', requirement: 'V9.2.1', status: 'error' }), 1);
    assert.ok(metric(text, 'certwarden_cert_not_after_timestamp_seconds', { target: 'down.test:443', position: '0' }), 'the last certificate seen stays exported');
    await s.start();
    const back = await engine.scanTarget(t, new Date(t0 + 2 * MIN));
    assert.deepEqual(names(back.events), []);
    assert.deepEqual(await store.openConditions('down.test:443'), []);
  });
});
