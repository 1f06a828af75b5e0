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
import { VerifiedConnector, type ConnectorOptions, type ConnectTarget } from './connector.ts';
import { DEFAULT_HTTPS_PORT } from './agent.ts';

export interface DispatcherOptions extends ConnectorOptions {
  /** undici Agent options (connections, keepAliveTimeout, ...); `connect` is certwarden's. */
  undici?: Omit<Agent.Options, 'connect'>;
  /** Allow plain http: (no TLS, nothing verified). Default false. */
  allowPlainHttp?: boolean;
  /**
   * How to reach origins (undici's `connect` options that do not touch
   * verification): `lookup` (e.g. a service registry instead of DNS),
   * `family`, `localAddress`. The certificate is still checked against the
   * URL's host name (or the request's `host` header, as undici sends it as SNI).
   */
  connect?: Pick<ConnectTarget, 'lookup' | 'family' | 'localAddress'>;
}

export interface CertwardenDispatcher extends Agent {
  readonly certwarden: { readonly connector: VerifiedConnector; stats(): EnforcementStats };
}

/** Validate `options.connect` at construction (a bad lookup would otherwise fail on the first fetch). */
function connectOptions(c: DispatcherOptions['connect']): Pick<ConnectTarget, 'lookup' | 'family' | 'localAddress'> {
  if (c === undefined) return {};
  if (typeof c !== 'object' || c === null) throw new CertwardenError(ErrorCode.USAGE, 'options.connect must be an object ({ lookup, family, localAddress })');
  if (c.lookup !== undefined && typeof c.lookup !== 'function') throw new CertwardenError(ErrorCode.USAGE, 'options.connect.lookup must be a dns.lookup-style function');
  if (c.family !== undefined && c.family !== 4 && c.family !== 6 && c.family !== 0) throw new CertwardenError(ErrorCode.USAGE, 'options.connect.family must be 4, 6 or 0');
  if (c.localAddress !== undefined && typeof c.localAddress !== 'string') throw new CertwardenError(ErrorCode.USAGE, 'options.connect.localAddress must be an IP address string');
  return {
    ...(c.lookup ? { lookup: c.lookup } : {}),
    ...(c.family ? { family: c.family } : {}),
    ...(c.localAddress ? { localAddress: c.localAddress } : {}),
  };
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
  const reach = connectOptions(options.connect);
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
          const s = connect({ host: opts.hostname, port: Number(opts.port) || 80, ...reach });
          s.once('connect', () => callback(null, s));
          s.once('error', (e) => callback(e, null));
        }, (e: Error) => callback(e, null));
        return;
      }
      connector.connect(
        {
          host: opts.hostname.replace(/^\[(.*)\]$/, '$1'),
          port: Number(opts.port) || DEFAULT_HTTPS_PORT,
          ...reach,
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
