/**
 * The Node client the probe's `node-*` profiles run (with the project's Node):
 * one GET of URL, exit 0 when the TLS and HTTP exchange completed, 1 with the
 * error on stderr otherwise.
 *
 *   node-client.ts MODE --ca FILE [--pin PIN --pin-host HOST] [--connect ADDR] URL
 *
 * MODE: `https` (node:https, ca = FILE), `fetch` (undici fetch, ca = FILE),
 * `certwarden-agent` (https with createAgent), `certwarden-dispatcher` (fetch
 * with createDispatcher). The certwarden modes load a policy that trusts FILE
 * with hard-fail revocation, and, when --pin is given, trusts only that pin
 * for --pin-host (a per-destination rule: the internal CA everywhere else).
 *
 * --connect ADDR (modes `https` and `fetch`): connect to ADDR, at the URL's
 * port, whatever the URL's host, and still send and verify the URL's host
 * (SNI, Host header, the name checked in the certificate, by Node's own
 * tls.checkServerIdentity, as without it). Nothing is resolved: the probe
 * gives limbo vectors for names like example.com this way (runner.ts {addr}).
 * An IP address in the URL is not connected to either (a lookup hook would
 * not catch it). The certwarden modes take no --connect: their policy checks
 * the host they connect to.
 */
import https from 'node:https';
import { isIP } from 'node:net';
import tls, { type PeerCertificate } from 'node:tls';
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

/** --connect: where to connect, and the URL's host (brackets off an IPv6 address), which is still the name verified. */
interface Route {
  addr: string;
  name: string;
}

function routeFor(url: string, addr: string | undefined): Route | undefined {
  if (addr === undefined) return undefined;
  if (isIP(addr) === 0) throw new Error(`--connect takes an IP address (got ${JSON.stringify(addr.slice(0, 100))})`);
  return { addr, name: new URL(url).hostname.replace(/^\[(.*)\]$/, '$1') };
}

/** The URL's host checked as Node checks it by default, whatever address the socket went to. */
const checkName = (name: string) => (_connectedTo: string, cert: PeerCertificate): Error | undefined => tls.checkServerIdentity(name, cert);

function httpsGet(url: string, agent: https.Agent | undefined, ca: string | undefined, route?: Route): Promise<number> {
  // Routed: the socket goes to route.addr; the Host header (and from it the agent's SNI) stays the URL's.
  const routed = route ? { hostname: route.addr, headers: { host: new URL(url).host }, checkServerIdentity: checkName(route.name) } : {};
  return new Promise((resolve, reject) => {
    const req = https.get(url, { ...(agent ? { agent } : { ca }), ...routed, timeout: REQUEST_TIMEOUT_MS }, (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode ?? 0));
      res.once('error', reject);
    });
    req.once('timeout', () => req.destroy(new Error('request timed out')));
    req.once('error', reject);
  });
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({ options: { ca: { type: 'string' }, pin: { type: 'string' }, 'pin-host': { type: 'string' }, connect: { type: 'string' } }, allowPositionals: true, strict: true });
  const [mode, url] = positionals as [Mode | undefined, string | undefined];
  if (!mode || !(NODE_CLIENT_MODES as readonly string[]).includes(mode) || !url || !values.ca || (values.connect !== undefined && mode !== 'https' && mode !== 'fetch')) {
    process.stderr.write(`usage: node-client ${NODE_CLIENT_MODES.join('|')} --ca FILE [--pin PIN --pin-host HOST] [--connect ADDR (https, fetch)] URL\n`);
    return 2;
  }
  const route = routeFor(url, values.connect);
  const caPem = readFileSync(values.ca, 'utf8');
  let status: number;
  switch (mode) {
    case 'https':
      status = await httpsGet(url, undefined, caPem, route);
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
      const { Agent, buildConnector, fetch } = await import('undici');
      let dispatcher;
      if (mode === 'fetch' && route) {
        // undici's own connector, told to open the socket at route.addr; SNI comes from the URL's host as without the route.
        const connector = buildConnector({ ca: caPem, checkServerIdentity: checkName(route.name) });
        dispatcher = new Agent({ connect: (opts, cb) => connector({ ...opts, hostname: route.addr }, cb) });
      } else dispatcher = mode === 'fetch' ? new Agent({ connect: { ca: caPem } }) : (await import('../../tls/dispatcher.ts')).createDispatcher(await policyFor(caPem, values.pin, values['pin-host']));
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
