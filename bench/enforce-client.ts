/**
 * The load generator of bench/enforce.ts, in its own process: the same
 * closed loop (CONCURRENCY callers, each starting its next operation when the
 * previous one ends) for every variant, so A and B differ only in what is
 * measured.
 *
 * Workloads:
 *  - requests over NEW connections (keepAlive off) through one of the agents
 *    (`plain-ca`: https.Agent with `ca`, as the issue asks; `plain-ctx`: an
 *    https.Agent sharing one prebuilt SecureContext, the cheapest correct
 *    plain client; `warden`: createAgent), each with resumption on (the
 *    agents' default) or off (`-full`: every connection a full handshake);
 *  - `handshake`: a bare TLS handshake asking for a staple (requestOCSP),
 *    then close; counts how many handshakes carried one.
 *
 * The agents live for the whole run, so caches stay warm across rounds (the
 * issue's "warm revocation cache").
 */
import https from 'node:https';
import tls from 'node:tls';
import { loadPolicy } from '../src/policy/load.ts';
import { createAgent, type CertwardenAgent } from '../src/tls/agent.ts';

/** Concurrent callers: enough to keep one server process busy on a 2-core machine. */
export const CONCURRENCY = 16;

export type AgentVariant = 'plain-ca' | 'plain-ctx' | 'warden' | 'plain-ca-full' | 'plain-ctx-full' | 'warden-full';
export type Workload = AgentVariant | 'handshake';

export interface SetupMessage {
  cmd: 'setup';
  rootPem: string;
  /**
   * Key-exchange groups the handshake generator offers. Node 24's OpenSSL 3.5
   * prefers X25519MLKEM768, which nginx's system OpenSSL 3.0 does not know:
   * pinning one group both sides support keeps Node and nginx comparable.
   */
  handshakeGroups: string;
}

export interface RunMessage {
  cmd: 'run';
  workload: Workload;
  port: number;
  seconds: number;
}

export interface RunResult {
  done: number;
  errors: number;
  seconds: number;
  /** Client process CPU (user + system) during the run, µs. */
  cpuUs: number;
  /** Handshakes that received a staple (handshake workload). */
  stapled: number;
  stapleBytes: number;
  /** The first error, when there were any. */
  firstError?: string;
  /** Protocol, cipher and key-exchange group of the first completed handshake. */
  negotiated?: string;
}

const agents = new Map<AgentVariant, https.Agent>();
let handshakeContext = tls.createSecureContext({});

function setup(m: SetupMessage): Record<string, unknown> {
  const ca = m.rootPem;
  const policy = loadPolicy({ version: 1, trust: { cas: [ca] }, revocation: { mode: 'hard-fail', check: 'leaf' } });
  const shared = tls.createSecureContext({ ca });
  agents.set('plain-ca', new https.Agent({ keepAlive: false, ca }));
  agents.set('plain-ca-full', new https.Agent({ keepAlive: false, ca, maxCachedSessions: 0 }));
  agents.set('plain-ctx', new https.Agent({ keepAlive: false, secureContext: shared }));
  agents.set('plain-ctx-full', new https.Agent({ keepAlive: false, secureContext: shared, maxCachedSessions: 0 }));
  agents.set('warden', createAgent(policy, { agent: { keepAlive: false } }));
  agents.set('warden-full', createAgent(policy, { agent: { keepAlive: false }, resumption: false }));
  handshakeContext = tls.createSecureContext(m.handshakeGroups === 'default' ? {} : { ecdhCurve: m.handshakeGroups });
  return { ready: true };
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

function handshake(port: number, counts: { stapled: number; stapleBytes: number; negotiated?: string }): Promise<void> {
  return new Promise((resolve, reject) => {
    // One shared context for the generator: the client's own setup cost is the same for every server.
    const s = tls.connect({ host: '127.0.0.1', port, requestOCSP: true, rejectUnauthorized: false, secureContext: handshakeContext });
    s.on('OCSPResponse', (r: Buffer | null) => {
      if (r && r.length > 0) {
        counts.stapled++;
        counts.stapleBytes += r.length;
      }
    });
    s.once('secureConnect', () => {
      if (counts.negotiated === undefined) counts.negotiated = `${s.getProtocol()} ${s.getCipher().name} ${(s.getEphemeralKeyInfo() as { name?: string } | null)?.name ?? '?'}`;
      s.destroy();
      resolve();
    });
    s.once('error', reject);
  });
}

async function run(m: RunMessage): Promise<RunResult> {
  const counts: { stapled: number; stapleBytes: number; negotiated?: string } = { stapled: 0, stapleBytes: 0 };
  const agent = m.workload === 'handshake' ? undefined : agents.get(m.workload);
  if (m.workload !== 'handshake' && !agent) throw new Error(`unknown workload ${m.workload}`);
  const one = agent ? () => request(m.port, agent) : () => handshake(m.port, counts);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const end = t0 + m.seconds * 1000;
  let done = 0;
  let errors = 0;
  let firstError: string | undefined;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < end) {
        try {
          await one();
          done++;
        } catch (err) {
          errors++;
          firstError ??= (err as Error).message;
        }
      }
    }),
  );
  const cpu = process.cpuUsage(cpu0);
  return { done, errors, seconds: (performance.now() - t0) / 1000, cpuUs: cpu.user + cpu.system, ...counts, ...(firstError ? { firstError } : {}) };
}

function stats(): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, a] of agents) if ('stats' in a) out[name] = (a as CertwardenAgent).stats();
  return out;
}

process.on('message', (m: SetupMessage | RunMessage | { cmd: 'stats' }) => {
  const reply = (p: Promise<unknown>): void => {
    p.then(
      (result) => process.send!({ result }),
      (err: Error) => process.send!({ error: err.message }),
    );
  };
  if (m.cmd === 'setup') reply(Promise.resolve(setup(m)));
  else if (m.cmd === 'run') reply(run(m));
  else reply(Promise.resolve(stats()));
});
process.on('disconnect', () => process.exit(0));
