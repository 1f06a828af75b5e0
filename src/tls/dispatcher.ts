/**
 * `createDispatcher(policy)`: an undici Agent whose `connect` is certwarden's
 * verified connector, for `fetch(url, { dispatcher })`.
 *
 * undici calls `connect(opts, callback)` and waits for the callback before it
 * writes a request, so nothing is sent before the verdict. Plain http: is
 * refused by default: there is no certificate to judge.
 */
import { Agent } from 'undici';
import { CertwardenError, ErrorCode } from '../errors.ts';
import type { Policy } from '../policy/types.ts';
import type { EnforcementStats } from './diagnostics.ts';
import { VerifiedConnector, type ConnectorOptions } from './connector.ts';
import { DEFAULT_HTTPS_PORT } from './agent.ts';

export interface DispatcherOptions extends ConnectorOptions {
  /** undici Agent options (connections, keepAliveTimeout, ...); `connect` is certwarden's. */
  undici?: Omit<Agent.Options, 'connect'>;
  /** Allow plain http: (no TLS, nothing verified). Default false. */
  allowPlainHttp?: boolean;
}

export interface CertwardenDispatcher extends Agent {
  readonly certwarden: { readonly connector: VerifiedConnector; stats(): EnforcementStats };
}

/**
 * An undici dispatcher that admits only connections the policy trusts.
 *
 * @example
 * import { fetch } from 'undici';
 * const dispatcher = createDispatcher(loadPolicy('certwarden.yaml'));
 * const res = await fetch('https://api.internal/health', { dispatcher });
 */
export function createDispatcher(policy: Policy, options: DispatcherOptions = {}): CertwardenDispatcher {
  if (options.undici !== undefined && (typeof options.undici !== 'object' || options.undici === null)) throw new CertwardenError(ErrorCode.USAGE, 'options.undici must be an object of undici Agent options');
  const connector = new VerifiedConnector(policy, options);
  const allowPlain = options.allowPlainHttp === true;
  const agent = new Agent({
    ...(options.undici ?? {}),
    connect: (opts, callback) => {
      if (opts.protocol !== 'https:') {
        if (!allowPlain) {
          callback(new CertwardenError(ErrorCode.USAGE, `${opts.protocol}//${opts.hostname}: refused: plain HTTP carries no certificate to verify (use https:, or allowPlainHttp: true)`), null);
          return;
        }
        import('node:net').then(({ connect }) => {
          const s = connect({ host: opts.hostname, port: Number(opts.port) || 80 });
          s.once('connect', () => callback(null, s));
          s.once('error', (e) => callback(e, null));
        }, (e: Error) => callback(e, null));
        return;
      }
      connector.connect(
        {
          host: opts.hostname.replace(/^\[(.*)\]$/, '$1'),
          port: Number(opts.port) || DEFAULT_HTTPS_PORT,
          ...(opts.servername ? { servername: opts.servername } : {}),
          ...(opts.localAddress ? { localAddress: opts.localAddress } : {}),
          ...(opts.httpSocket ? { socket: opts.httpSocket } : {}),
          ALPNProtocols: ['http/1.1'],
        },
        (err, socket) => (err ? callback(err, null) : callback(null, socket!)),
      );
    },
  });
  return Object.assign(agent, { certwarden: { connector, stats: () => connector.context.snapshot() } });
}
