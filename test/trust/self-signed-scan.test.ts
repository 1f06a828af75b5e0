/**
 * The scan judges through evaluateTrust, so `trust.self-signed` reaches it:
 * a self-signed host listed beside the CAs passes V9.2.1, and the same host
 * under the README's old shape (cas + pins) does not.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadPolicy } from '../../src/policy/load.ts';
import { runScan } from '../../src/scan/runner.ts';
import { parseTarget } from '../../src/scan/target.ts';
import { makeRoot } from '../helpers/pki.ts';
import { selfSigned } from '../tls/helpers/pki.ts';
import { startHttpsServer, type CountingServer } from '../tls/helpers/servers.ts';

const identity = selfSigned('nas.internal');
const root = makeRoot('CN=Scan Internal Root');
let server: CountingServer;

before(async () => {
  server = await startHttpsServer(identity);
});
after(() => server.close());

async function v921(trust: Record<string, unknown>): Promise<string> {
  const policy = loadPolicy({ version: 1, trust });
  const target = { ...parseTarget(`nas.internal:${server.port}`), address: '127.0.0.1' };
  const report = await runScan({ policy, targets: [target], settings: { stapleAttempts: 1, stapleRetryDelayMs: 20, clientAuthSettleMs: 300 }, targetTimeoutMs: 15_000 });
  return report.results[0]!.requirements['V9.2.1'].status;
}

test('scan: a self-signed host in trust.self-signed beside cas passes V9.2.1', async () => {
  assert.equal(await v921({ cas: [root.certificate.toPem()], 'self-signed': [`sha256/${identity.certificate.spkiSha256}`] }), 'pass');
});

test('scan: the same host with cas and no self-signed entry fails V9.2.1', async () => {
  assert.equal(await v921({ cas: [root.certificate.toPem()] }), 'fail');
});
