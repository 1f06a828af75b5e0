/**
 * Enforcement overhead, same machine, one run (about 30 s):
 *  1. requests/s over NEW connections (keepAlive off) through createAgent vs a
 *     plain https.Agent with the same `ca`, warm revocation cache; with
 *     resumption on (both agents' default) and off;
 *  2. TLS handshakes/s of a Node tls server with createStapler attached vs the
 *     same server without it (clients ask for a staple).
 * Servers run in a child process so client and server do not share an event
 * loop. Prints one JSON line, then a human summary.
 *
 *   node bench/enforce.ts [--seconds 5]
 */
import https from 'node:https';
import tls from 'node:tls';
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadPolicy } from '../src/policy/load.ts';
import { createAgent } from '../src/tls/agent.ts';
import { createStapler } from '../src/tls/stapler.ts';
import { startDemoResponder } from '../src/demo/responder.ts';
import { makeIntermediate, makeLeaf, makeOcspResponder, makeRoot, keyPem } from '../test/helpers/pki.ts';

const CONCURRENCY = 16;

interface ServeMessage {
  kind: 'https' | 'tls' | 'tls-stapled';
  key: string;
  cert: string;
  issuer: string;
}

async function serve(msg: ServeMessage): Promise<number> {
  if (msg.kind === 'https') {
    const server = https.createServer({ key: msg.key, cert: msg.cert, keepAlive: false }, (_q, r) => r.end('ok'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return (server.address() as { port: number }).port;
  }
  const server = tls.createServer({ key: msg.key, cert: msg.cert }, (s) => s.end());
  server.on('tlsClientError', () => {});
  if (msg.kind === 'tls-stapled') {
    const stapler = createStapler({ certificates: [{ certificate: msg.cert }] });
    await stapler.ready();
    stapler.attach(server);
  }
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as { port: number }).port;
}

if (process.argv.includes('--serve')) {
  process.on('message', (m: ServeMessage) => {
    serve(m).then((port) => process.send!({ port }), (err: Error) => process.send!({ error: err.message }));
  });
} else {
  await main();
}

function startServer(msg: ServeMessage): Promise<{ port: number; child: ChildProcess }> {
  const child = fork(fileURLToPath(import.meta.url), ['--serve'], { stdio: 'inherit' });
  return new Promise((resolve, reject) => {
    child.once('message', (m: { port?: number; error?: string }) => (m.port ? resolve({ port: m.port, child }) : reject(new Error(m.error))));
    child.send(msg);
  });
}

/** A vs B in alternating halves (A B A B), so drift from other load on the machine hits both sides. */
async function compare(seconds: number, a: () => Promise<void>, b: () => Promise<void>): Promise<[{ perSecond: number; errors: number }, { perSecond: number; errors: number }]> {
  const half = seconds / 2;
  const [a1, b1, a2, b2] = [await loop(half, a), await loop(half, b), await loop(half, a), await loop(half, b)];
  const avg = (x: { perSecond: number; errors: number }, y: { perSecond: number; errors: number }) => ({ perSecond: Math.round((x.perSecond + y.perSecond) / 2), errors: x.errors + y.errors });
  return [avg(a1, a2), avg(b1, b2)];
}

async function loop(seconds: number, one: () => Promise<void>): Promise<{ perSecond: number; errors: number }> {
  const end = performance.now() + seconds * 1000;
  let done = 0;
  let errors = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < end) {
        try {
          await one();
          done++;
        } catch {
          errors++;
        }
      }
    }),
  );
  return { perSecond: Math.round(done / seconds), errors };
}

function request(port: number, agent: https.Agent): Promise<void> {
  return new Promise((resolve, reject) => {
    https
      .get({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(String(res.statusCode)))));
      })
      .on('error', reject);
  });
}

function handshake(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port, requestOCSP: true, rejectUnauthorized: false });
    s.once('secureConnect', () => {
      s.destroy();
      resolve();
    });
    s.once('error', reject);
  });
}

async function main(): Promise<void> {
  const secondsArg = process.argv.indexOf('--seconds');
  const seconds = secondsArg > 0 ? Number(process.argv[secondsArg + 1]) : 4;
  const root = makeRoot('CN=Bench Root');
  const inter = makeIntermediate(root, 'CN=Bench Issuing CA');
  const signer = makeOcspResponder(inter);
  const revoked = new Set<string>();
  const issued = new Set<string>();
  const responder = await startDemoResponder({ issuer: inter, signer, revoked, issued });
  const leaf = makeLeaf(inter, '127.0.0.1', { ocspUrls: [responder.ocspUrl] });
  issued.add(leaf.certificate.serialHex);
  const cert = leaf.certificate.toPem() + inter.certificate.toPem();
  const key = keyPem(leaf.privateKey);
  const policy = loadPolicy({ version: 1, trust: { cas: [root.certificate.toPem()] }, revocation: { mode: 'hard-fail', check: 'leaf' } });

  const children: ChildProcess[] = [];
  try {
    const web = await startServer({ kind: 'https', key, cert, issuer: inter.certificate.toPem() });
    children.push(web.child);
    const results: Record<string, unknown> = {};
    const ca = root.certificate.toPem();
    for (const resumption of [true, false]) {
      const plain = new https.Agent({ keepAlive: false, ca, ...(resumption ? {} : { maxCachedSessions: 0 }) });
      const warden = createAgent(policy, { agent: { keepAlive: false }, resumption });
      await request(web.port, warden); // warm the OCSP cache
      const [p, w] = await compare(seconds, () => request(web.port, plain), () => request(web.port, warden));
      results[`requests_${resumption ? 'resumption' : 'full_handshake'}`] = { plain: p.perSecond, certwarden: w.perSecond, ratio: +(w.perSecond / p.perSecond).toFixed(3), errors: p.errors + w.errors, stats: warden.stats() };
    }
    const bare = await startServer({ kind: 'tls', key, cert, issuer: '' });
    const stapled = await startServer({ kind: 'tls-stapled', key, cert, issuer: '' });
    children.push(bare.child, stapled.child);
    const [hb, hs] = await compare(seconds, () => handshake(bare.port), () => handshake(stapled.port));
    results['handshakes'] = { without: hb.perSecond, stapled: hs.perSecond, ratio: +(hs.perSecond / hb.perSecond).toFixed(3), errors: hb.errors + hs.errors };
    console.log(JSON.stringify({ bench: 'enforce', seconds, concurrency: CONCURRENCY, node: process.version, ...results }));
    const r1 = results['requests_resumption'] as { plain: number; certwarden: number; ratio: number };
    const r2 = results['requests_full_handshake'] as { plain: number; certwarden: number; ratio: number };
    const h = results['handshakes'] as { without: number; stapled: number; ratio: number };
    console.log(`new connections, resumption on : https.Agent ${r1.plain}/s, createAgent ${r1.certwarden}/s (x${r1.ratio})`);
    console.log(`new connections, full handshake: https.Agent ${r2.plain}/s, createAgent ${r2.certwarden}/s (x${r2.ratio})`);
    console.log(`tls handshakes with staple request: bare server ${h.without}/s, with createStapler ${h.stapled}/s (x${h.ratio})`);
  } finally {
    for (const c of children) c.kill();
    await responder.close();
  }
}
