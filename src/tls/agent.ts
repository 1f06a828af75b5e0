/**
 * `createAgent(policy)`: an https.Agent for https.request, axios, got... whose
 * connections are admitted by certwarden's verdict.
 *
 * It overrides `createConnection(options, callback)` in its callback form:
 * Node's http.Agent then waits for the callback before it gives the socket to
 * the request, so the request line is never written before the verdict. The
 * agent manages TLS sessions itself (see session-store.ts) instead of
 * https.Agent's session cache, which knows nothing of verdicts.
 */
import https from 'node:https';
import type { Duplex } from 'node:stream';
import type { Policy } from '../policy/types.ts';
import { CertwardenError, ErrorCode } from '../errors.ts';
import type { EnforcementStats } from './diagnostics.ts';
import { VerifiedConnector, type ConnectTarget, type ConnectorOptions } from './connector.ts';

export interface AgentOptions extends ConnectorOptions {
  /** Passed to https.Agent (keepAlive, maxSockets, timeout...). TLS options here are ignored: the policy decides. */
  agent?: Omit<https.AgentOptions, 'ca' | 'rejectUnauthorized' | 'checkServerIdentity' | 'maxCachedSessions'>;
}

export const DEFAULT_HTTPS_PORT = 443;

/** https.Agent with certwarden verification. Use {@link createAgent}. */
export class CertwardenAgent extends https.Agent {
  readonly connector: VerifiedConnector;

  constructor(policy: Policy, options: AgentOptions = {}) {
    if (options.agent !== undefined && (typeof options.agent !== 'object' || options.agent === null)) throw new CertwardenError(ErrorCode.USAGE, 'options.agent must be an object of https.Agent options');
    const connector = new VerifiedConnector(policy, options);
    // maxCachedSessions 0: https.Agent's own session cache stays empty; ours is verdict-bound.
    super({ ...(options.agent ?? {}), maxCachedSessions: 0 });
    this.connector = connector;
  }

  override createConnection(options: Record<string, unknown>, callback?: (err: Error | null, stream: Duplex) => void): undefined {
    const target: ConnectTarget = {
      host: String(options['host'] ?? options['hostname'] ?? 'localhost').replace(/^\[(.*)\]$/, '$1'),
      port: Number(options['port'] ?? DEFAULT_HTTPS_PORT),
    };
    if (typeof options['servername'] === 'string' && options['servername'] !== '') target.servername = options['servername'];
    if (typeof options['localAddress'] === 'string') target.localAddress = options['localAddress'];
    if (typeof options['family'] === 'number') target.family = options['family'];
    if (typeof options['lookup'] === 'function') target.lookup = options['lookup'] as ConnectTarget['lookup'] & {};
    this.connector.connect(target, (err, socket) => {
      if (!callback) {
        if (err) socket?.destroy();
        return;
      }
      // http.Agent's callback signature requires a stream argument even on error.
      if (err) callback(err, undefined as unknown as Duplex);
      else callback(null, socket!);
    });
    return undefined;
  }

  /** Counters: verdicts, cache hits, resumptions... */
  stats(): EnforcementStats {
    return this.connector.context.snapshot();
  }
}

/**
 * An https.Agent that admits only connections the policy trusts.
 *
 * @example
 * const agent = createAgent(loadPolicy('certwarden.yaml'), { agent: { keepAlive: true } });
 * https.get('https://api.internal/health', { agent }, (res) => { ... });
 */
export function createAgent(policy: Policy, options: AgentOptions = {}): CertwardenAgent {
  return new CertwardenAgent(policy, options);
}
