/**
 * Identity by `servername`, as Node does (field trial): a client that dials
 * an address and names the server (`host: '127.0.0.1', servername:
 * 'api.internal'`) has the certificate checked against the name, and the
 * destination rule chosen by the name. Every case also runs through Node's
 * own https.Agent (same anchors) as the reference. Names are made up and
 * resolved by a lookup function to 127.0.0.1: no DNS.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { fetch as undiciFetch, Agent as UndiciAgent, request as undiciRequest } from 'undici';
import { createAgent } from '../../src/tls/agent.ts';
import { createDispatcher } from '../../src/tls/dispatcher.ts';
import { connectVerified } from '../../src/tls/tls-options.ts';
import { loadPolicy } from '../../src/policy/load.ts';
import type { Policy } from '../../src/policy/types.ts';
import { makeLeaf } from '../helpers/pki.ts';
import { makePki, type TestPki } from './helpers/pki.ts';
import { startTestResponder, type TestResponder } from './helpers/responder.ts';
import { startHttpsServer, type CountingServer } from './helpers/servers.ts';

const main = makePki('Servername');
const ruled = makePki('Servername Rule');
let responders: TestResponder[];
/** A certificate for api.internal only (no IP address in it). */
let api: CountingServer;
/** A certificate for rule.internal from another CA, trusted only by the destination rule for rule.internal. */
let rule: CountingServer;
let policy: Policy;

/** Made-up names → 127.0.0.1; counts its calls so a test can prove it was used. */
const lookups: string[] = [];
const madeUpLookup = ((host: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
  lookups.push(host);
  if (!/\.internal$/.test(host)) return callback(Object.assign(new Error(`test lookup knows only *.internal (asked ${host})`), { code: 'ENOTFOUND' }));
  if (options && options.all) callback(null, [{ address: '127.0.0.1', family: 4 }]);
  else callback(null, '127.0.0.1', 4);
}) as unknown as LookupFunction;

function nameOnlyLeaf(pki: TestPki, name: string, ocspUrl: string) {
  return makeLeaf(pki.inter, name, { san: [`DNS:${name}`], ocspUrls: [ocspUrl] });
}

before(async () => {
  responders = [await startTestResponder({ issuer: main.inter, signer: main.responder }), await startTestResponder({ issuer: ruled.inter, signer: ruled.responder })];
  api = await startHttpsServer(nameOnlyLeaf(main, 'api.internal', responders[0]!.ocspUrl), [main.inter.certificate]);
  rule = await startHttpsServer(nameOnlyLeaf(ruled, 'rule.internal', responders[1]!.ocspUrl), [ruled.inter.certificate]);
  policy = loadPolicy({
    version: 1,
    trust: { cas: [main.root.certificate.toPem()] },
    revocation: { check: 'leaf', sources: ['ocsp'] },
    destinations: [{ match: 'rule.internal', trust: { cas: [ruled.root.certificate.toPem()] } }],
  });
});
after(async () => {
  await Promise.all([api.close(), rule.close()]);
  await Promise.all(responders.map((r) => r.close()));
});

interface Case {
  name: string;
  server: () => CountingServer;
  host: string;
  servername?: string;
  /** Anchors for the reference https.Agent (what the policy trusts for that name). */
  referenceCa: () => string[];
  ok: boolean;
}

const cases: Case[] = [
  { name: 'dial 127.0.0.1, verify servername api.internal', server: () => api, host: '127.0.0.1', servername: 'api.internal', referenceCa: () => [main.root.certificate.toPem()], ok: true },
  { name: 'dial 127.0.0.1, servername other.internal: not covered', server: () => api, host: '127.0.0.1', servername: 'other.internal', referenceCa: () => [main.root.certificate.toPem()], ok: false },
  { name: 'dial 127.0.0.1 without servername: the address is checked (not in the certificate)', server: () => api, host: '127.0.0.1', referenceCa: () => [main.root.certificate.toPem()], ok: false },
  { name: 'dial the name api.internal (lookup → 127.0.0.1)', server: () => api, host: 'api.internal', referenceCa: () => [main.root.certificate.toPem()], ok: true },
  { name: 'destination rule chosen by servername rule.internal, not by the address', server: () => rule, host: '127.0.0.1', servername: 'rule.internal', referenceCa: () => [ruled.root.certificate.toPem()], ok: true },
];

function get(c: Case, agent: https.Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = https.get({ host: c.host, port: c.server().port, path: '/', agent, lookup: madeUpLookup, ...(c.servername ? { servername: c.servername } : {}) }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
  });
}

async function outcome(p: Promise<unknown>): Promise<boolean> {
  try {
    await p;
    return true;
  } catch {
    return false;
  }
}

describe('createAgent: identity by servername, as Node https.Agent', () => {
  for (const c of cases) {
    test(c.name, async () => {
      const reference = new https.Agent({ ca: c.referenceCa() });
      const agent = createAgent(policy);
      try {
        assert.equal(await outcome(get(c, reference)), c.ok, 'reference: Node https.Agent');
        const before = c.server().requests;
        assert.equal(await outcome(get(c, agent)), c.ok, 'certwarden agent');
        assert.equal(c.server().requests - before, c.ok ? 1 : 0);
      } finally {
        reference.destroy();
        agent.destroy();
      }
    });
  }

  test('the refusal names the servername that was checked', async () => {
    const agent = createAgent(policy);
    try {
      await assert.rejects(get(cases[1]!, agent), (e: Error) => /other\.internal/.test(e.message) && !/does not cover "127\.0\.0\.1"/.test(e.message));
    } finally {
      agent.destroy();
    }
  });
});

describe('connectVerified: identity by servername', () => {
  for (const c of cases) {
    test(c.name, async () => {
      const ok = await outcome(
        connectVerified(policy, { host: c.host, port: c.server().port, lookup: madeUpLookup, ...(c.servername ? { servername: c.servername } : {}) }).then((s) => s.destroy()),
      );
      assert.equal(ok, c.ok);
    });
  }
});

describe('createDispatcher: servername from the host header, and connect.lookup', () => {
  test('fetch https://api.internal/ with connect.lookup reaches 127.0.0.1 and verifies api.internal', async () => {
    const dispatcher = createDispatcher(policy, { connect: { lookup: madeUpLookup } });
    const reference = new UndiciAgent({ connect: { ca: [main.root.certificate.toPem()], lookup: madeUpLookup } });
    try {
      const seen = lookups.length;
      const ref = await undiciFetch(`https://api.internal:${api.port}/`, { dispatcher: reference });
      assert.equal(ref.status, 200);
      await ref.text();
      const res = await undiciFetch(`https://api.internal:${api.port}/`, { dispatcher });
      assert.equal(res.status, 200);
      assert.equal(await res.text(), 'ok');
      assert.ok(lookups.length - seen >= 2, 'the lookup function was used by both dispatchers');
    } finally {
      await Promise.all([dispatcher.close(), reference.close()]);
    }
  });

  for (const c of cases.filter((x) => x.host === '127.0.0.1')) {
    test(`request with host header: ${c.name}`, async () => {
      const dispatcher = createDispatcher(policy);
      const reference = new UndiciAgent({ connect: { ca: c.referenceCa() } });
      const send = (d: UndiciAgent) => undiciRequest(`https://127.0.0.1:${c.server().port}/`, { dispatcher: d, ...(c.servername ? { headers: { host: c.servername } } : {}) }).then((r) => r.body.text());
      try {
        assert.equal(await outcome(send(reference)), c.ok, 'reference: undici Agent on Node TLS');
        assert.equal(await outcome(send(dispatcher)), c.ok, 'certwarden dispatcher');
      } finally {
        await Promise.all([dispatcher.close(), reference.close()]);
      }
    });
  }

  test('a connect.lookup that is not a function is a usage error at construction', () => {
    assert.throws(() => createDispatcher(policy, { connect: { lookup: 'dns' as unknown as LookupFunction } }), { code: 'CW_ERR_USAGE' });
  });
});
