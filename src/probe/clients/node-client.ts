/**
 * The Node client the probe's `node-*` profiles run (with the project's Node):
 * one GET of URL, exit 0 when the TLS and HTTP exchange completed, 1 with the
 * error on stderr otherwise.
 *
 *   node-client.ts MODE --ca FILE [--pin PIN --pin-host HOST] URL
 *
 * MODE: `https` (node:https, ca = FILE), `fetch` (undici fetch, ca = FILE),
 * `certwarden-agent` (https with createAgent), `certwarden-dispatcher` (fetch
 * with createDispatcher). The certwarden modes load a policy that trusts FILE
 * with hard-fail revocation, and, when --pin is given, trusts only that pin
 * for --pin-host (a per-destination rule: the internal CA everywhere else).
 */
import https from 'node:https';
import module from 'node:module';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { Policy } from '../../policy/types.ts';

export const NODE_CLIENT_MODES = ['https', 'fetch', 'certwarden-agent', 'certwarden-dispatcher'] as const;
type Mode = (typeof NODE_CLIENT_MODES)[number];

/** The client's own budget, under the probe's per-case timeout so the client reports its own error first. */
const REQUEST_TIMEOUT_MS = 15_000;

/**
 * The probe starts this client once per case: what a mode does not use is not
 * loaded (certwarden's modules, undici), and Node's compile cache keeps the
 * rest from being compiled again on every start.
 */
async function policyFor(ca: string, pin: string | undefined, pinHost: string | undefined): Promise<Policy> {
  const { loadPolicy } = await import('../../policy/load.ts');
  return loadPolicy(
    {
      version: 1,
      trust: { cas: [ca] },
      revocation: { mode: 'hard-fail' },
      ...(pin && pinHost ? { destinations: [{ match: pinHost, trust: { cas: [], pins: [pin], 'allow-single-pin': true } }] } : {}),
    },
    { sourceName: 'probe-client-policy' },
  );
}

function httpsGet(url: string, agent: https.Agent | undefined, ca: string | undefined): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { ...(agent ? { agent } : { ca }), timeout: REQUEST_TIMEOUT_MS }, (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode ?? 0));
      res.once('error', reject);
    });
    req.once('timeout', () => req.destroy(new Error('request timed out')));
    req.once('error', reject);
  });
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({ options: { ca: { type: 'string' }, pin: { type: 'string' }, 'pin-host': { type: 'string' } }, allowPositionals: true, strict: true });
  const [mode, url] = positionals as [Mode | undefined, string | undefined];
  if (!mode || !(NODE_CLIENT_MODES as readonly string[]).includes(mode) || !url || !values.ca) {
    process.stderr.write(`usage: node-client ${NODE_CLIENT_MODES.join('|')} --ca FILE [--pin PIN --pin-host HOST] URL\n`);
    return 2;
  }
  const caPem = readFileSync(values.ca, 'utf8');
  let status: number;
  switch (mode) {
    case 'https':
      status = await httpsGet(url, undefined, caPem);
      break;
    case 'certwarden-agent': {
      const { createAgent } = await import('../../tls/agent.ts');
      const agent = createAgent(await policyFor(caPem, values.pin, values['pin-host']));
      try {
        status = await httpsGet(url, agent, undefined);
      } finally {
        agent.destroy();
      }
      break;
    }
    case 'fetch':
    case 'certwarden-dispatcher': {
      const { Agent, fetch } = await import('undici');
      const dispatcher = mode === 'fetch' ? new Agent({ connect: { ca: caPem } }) : (await import('../../tls/dispatcher.ts')).createDispatcher(await policyFor(caPem, values.pin, values['pin-host']));
      try {
        const res = await fetch(url, { dispatcher, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
        await res.arrayBuffer();
        status = res.status;
      } finally {
        await dispatcher.close();
      }
      break;
    }
  }
  if (status !== 200) {
    process.stderr.write(`HTTP status ${status}\n`);
    return 1;
  }
  return 0;
}

if (import.meta.main) {
  module.enableCompileCache?.();
  try {
    process.exitCode = await main();
  } catch (err) {
    const e = err as Error & { code?: string; cause?: Error & { code?: string } };
    const cause = e.cause ? ` (cause: ${e.cause.code ?? ''} ${e.cause.message})` : '';
    process.stderr.write(`${e.code ?? e.name}: ${e.message}${cause}\n`);
    process.exitCode = 1;
  }
}
