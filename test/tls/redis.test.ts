/**
 * Any client that lets you supply the connection: ioredis with a `Connector`
 * built on connectVerified, against redis-server with TLS on loopback. A
 * trusted server works; an untrusted or revoked one is refused before any
 * command is sent (counted server-side with INFO). The options-only baseline
 * (createTlsConnectOptions) refuses a server from another CA too.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import tls from 'node:tls';
import { Redis } from 'ioredis';
import { connectVerified, createConnector, createTlsConnectOptions } from '../../src/tls/tls-options.ts';
import type { Policy } from '../../src/policy/types.ts';
import { keyPem, tempDir, type TestIdentity } from '../helpers/pki.ts';
import { freePort, waitForPort } from '../helpers/openssl-ocsp.ts';
import { leafFor, makePki, policyFor, type TestPki } from './helpers/pki.ts';
import { startTestResponder, type TestResponder } from './helpers/responder.ts';

const pki = makePki('Redis');
const rogue = makePki('Rogue Redis');
let responder: TestResponder;

interface RedisServer {
  port: number;
  /** total_commands_processed, read over a raw TLS connection (the INFO itself counts once). */
  commands(): Promise<number>;
  stop(): Promise<void>;
}

async function startRedis(identity: TestIdentity, issuing: TestPki): Promise<RedisServer> {
  const tmp = tempDir('certwarden-redis-');
  const port = await freePort();
  const cert = tmp.write('cert.pem', identity.certificate.toPem() + issuing.inter.certificate.toPem());
  const key = tmp.write('key.pem', keyPem(identity.privateKey));
  const ca = tmp.write('ca.pem', issuing.root.certificate.toPem());
  const child: ChildProcess = spawn('redis-server', ['--port', '0', '--bind', '127.0.0.1', '--tls-port', String(port), '--tls-cert-file', cert, '--tls-key-file', key, '--tls-ca-cert-file', ca, '--tls-auth-clients', 'no', '--save', '', '--appendonly', 'no', '--dir', tmp.dir], { stdio: 'ignore' });
  await waitForPort(port, 10_000, child);
  return {
    port,
    commands: () =>
      new Promise((resolve, reject) => {
        const s = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => s.write('INFO stats\r\n'));
        let out = '';
        s.on('data', (d) => {
          out += d.toString();
          const m = /total_commands_processed:(\d+)/.exec(out);
          if (m) {
            s.destroy();
            resolve(Number(m[1]));
          }
        });
        s.on('error', reject);
      }),
    stop: () =>
      new Promise<void>((resolve) => {
        const done = (): void => {
          tmp.cleanup();
          resolve();
        };
        if (child.exitCode !== null) return done();
        child.once('exit', done);
        child.kill('SIGTERM');
      }),
  };
}

/** An ioredis Connector whose stream is a socket certwarden already trusts. */
function verifiedConnector(policy: Policy) {
  const connector = createConnector(policy, { resumption: false });
  return class VerifiedRedisConnector {
    options: { host: string; port: number };
    stream: tls.TLSSocket | undefined;
    firstError: Error | undefined;
    connecting = false;
    constructor(options: { host: string; port: number }) {
      this.options = options;
    }
    check(): boolean {
      return true;
    }
    async connect(): Promise<tls.TLSSocket> {
      this.connecting = true;
      this.stream = await connectVerified(policy, { host: this.options.host, port: this.options.port }, { connector });
      return this.stream;
    }
    disconnect(): void {
      this.connecting = false;
      this.stream?.end();
    }
  };
}

let good: RedisServer;
let revoked: RedisServer;
let untrusted: RedisServer;

before(async () => {
  responder = await startTestResponder({ issuer: pki.inter, signer: pki.responder });
  good = await startRedis(leafFor(pki, '127.0.0.1', { ocspUrl: responder.ocspUrl }), pki);
  const r = leafFor(pki, '127.0.0.1', { ocspUrl: responder.ocspUrl });
  responder.revoked.add(r.certificate.serialHex);
  revoked = await startRedis(r, pki);
  untrusted = await startRedis(leafFor(rogue, '127.0.0.1'), rogue);
});
after(async () => {
  await Promise.all([good, revoked, untrusted].map((s) => s?.stop()));
  await responder.close();
});

function client(server: RedisServer, policy: Policy): Redis {
  // tls: {} tells ioredis to wait for 'secureConnect'; the stream it gets has already passed it.
  return new Redis({ host: '127.0.0.1', port: server.port, tls: {}, Connector: verifiedConnector(policy) as never, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
}

describe('ioredis through connectVerified', () => {
  test('a trusted server works', async () => {
    const redis = client(good, policyFor(pki));
    try {
      await redis.connect();
      assert.equal(await redis.set('k', 'v'), 'OK');
      assert.equal(await redis.get('k'), 'v');
    } finally {
      redis.disconnect();
    }
  });

  for (const [name, server, code] of [
    ['untrusted CA', () => untrusted, 'CW_ERR_UNTRUSTED'],
    ['revoked certificate', () => revoked, 'CW_ERR_REVOCATION'],
  ] as const) {
    test(`${name}: refused before any command is sent`, async () => {
      const before = await server().commands();
      const redis = client(server(), policyFor(pki));
      redis.on('error', () => {});
      try {
        await assert.rejects(redis.connect(), { code });
      } finally {
        redis.disconnect();
      }
      const afterCount = await server().commands();
      assert.equal(afterCount - before, 1, 'only our own INFO probe was processed');
    });
  }
});

describe('createTlsConnectOptions (options-only baseline)', () => {
  test('works with a trusted server and refuses another CA', async () => {
    const ok = new Redis({ host: '127.0.0.1', port: good.port, tls: createTlsConnectOptions(policyFor(pki), '127.0.0.1', good.port), lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    try {
      await ok.connect();
      assert.equal(await ok.ping(), 'PONG');
    } finally {
      ok.disconnect();
    }
    const before = await untrusted.commands();
    const bad = new Redis({ host: '127.0.0.1', port: untrusted.port, tls: createTlsConnectOptions(policyFor(pki), '127.0.0.1', untrusted.port), lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
    bad.on('error', () => {});
    try {
      await assert.rejects(bad.connect());
    } finally {
      bad.disconnect();
    }
    assert.equal((await untrusted.commands()) - before, 1);
  });

  test('a pins-only destination is a usage error: it needs connectVerified', () => {
    const policy = policyFor(undefined, { pins: [`sha256/${pki.root.certificate.spkiSha256}`, `sha256/${rogue.root.certificate.spkiSha256}`] });
    assert.throws(() => createTlsConnectOptions(policy, 'db.internal', 6379), { code: 'CW_ERR_USAGE' });
  });
});
