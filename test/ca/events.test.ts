/**
 * The CA's typed events on diagnostics_channel (src/ca/events.ts): each is
 * published once the change it reports is durable, under its documented
 * name, and nothing is published for an operation that was refused.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import diagnosticsChannel from 'node:diagnostics_channel';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CrlPublisher } from '../../src/ca/crl-publisher.ts';
import { CA_CHANNELS, type CaChannelName } from '../../src/ca/events.ts';
import { OcspResponder } from '../../src/ca/ocsp-responder.ts';
import { projectRoot } from '../helpers/shared.ts';
import { freshCa } from './fixtures.ts';

function record(): { events: { kind: CaChannelName; message: Record<string, unknown> }[]; stop: () => void } {
  const events: { kind: CaChannelName; message: Record<string, unknown> }[] = [];
  const subs = (Object.keys(CA_CHANNELS) as CaChannelName[]).map((kind) => {
    const fn = (message: unknown): void => void events.push({ kind, message: message as Record<string, unknown> });
    diagnosticsChannel.subscribe(CA_CHANNELS[kind], fn);
    return () => diagnosticsChannel.unsubscribe(CA_CHANNELS[kind], fn);
  });
  return { events, stop: () => subs.forEach((s) => s()) };
}

test('issue, revoke, CRL and responder rotation publish typed events; a refused revocation publishes nothing', async () => {
  const f = await freshCa();
  const rec = record();
  try {
    const r = await f.ca.issue({ profile: 'server', sans: ['DNS:events.test'] });
    await f.ca.revoke(r.certificate, 'superseded');
    await assert.rejects(f.ca.revoke(r.certificate, 'superseded'), /already revoked/);
    const crl = await new CrlPublisher(f.ca).publish();
    const responder = new OcspResponder(f.ca);
    await responder.load();
    const kinds = rec.events.map((e) => e.kind);
    assert.deepEqual(kinds, ['issued', 'revoked', 'crlPublished', 'issued', 'responderRotated']);
    assert.equal(rec.events[0]!.message.serial, r.certificate.serialHex);
    assert.deepEqual(rec.events[0]!.message.sans, ['DNS:events.test']);
    assert.equal(rec.events[1]!.message.reason, 'superseded');
    assert.equal(rec.events[1]!.message.issuingCa, false);
    assert.equal(rec.events[2]!.message.crlNumber, crl.number);
    assert.equal(rec.events[2]!.message.entries, 1);
    assert.equal(rec.events[2]!.message.scope, 'issuing');
    assert.equal(rec.events[4]!.message.serial, responder.identity.signer.certificate.serialHex);
  } finally {
    rec.stop();
    await f.cleanup();
  }
});

test('every CA channel name is documented in docs/ca.md', () => {
  const doc = readFileSync(join(projectRoot, 'docs', 'ca.md'), 'utf8');
  for (const name of Object.values(CA_CHANNELS)) assert.ok(doc.includes(`\`${name}\``), `${name} is missing from docs/ca.md`);
});
