/**
 * The policy for any TLS client that takes `tls.connect` options or lets you
 * supply the connection (database and cache drivers).
 *
 *  - {@link connectVerified}: a `tls.connect` that resolves only once the
 *    verdict is in (or rejects with a typed error). Use it wherever a driver
 *    accepts a custom connect function, stream factory or connector class
 *    (ioredis `Connector`, pg `stream`, mysql2 `stream`...). This is the full
 *    check: anchors, pins, host, staple, OCSP/CRL.
 *  - {@link createTlsConnectOptions}: plain options for drivers that only take
 *    an options object. Node's `checkServerIdentity` hook is synchronous, so
 *    revocation (network) cannot run there; these options are a fail-closed
 *    baseline on their own (OpenSSL validates to the destination's anchors
 *    only, Node checks the name, the hook checks pins) and a driver that
 *    exposes the socket should also await {@link verifyTlsSocket} before
 *    writing. A destination trusted only through a pinned self-signed
 *    certificate has no CA OpenSSL could use: it needs connectVerified.
 */
import tls, { type ConnectionOptions, type PeerCertificate, type TLSSocket } from 'node:tls';
import { isIP } from 'node:net';
import { CertwardenError, ErrorCode } from '../errors.ts';
import type { Policy } from '../policy/types.ts';
import { resolveDestination } from '../policy/match.ts';
import { Certificate } from '../x509/certificate.ts';
import { chainMatchesPins } from '../x509/pin.ts';
import { VerifiedConnector, MIN_TLS_VERSION, type ConnectTarget, type ConnectorOptions } from './connector.ts';


/**
 * Options for tls.connect that enforce the destination's anchors, host name
 * and pins without revocation. Throws CW_ERR_USAGE when the destination
 * cannot be enforced this way (no CA anchors).
 *
 * @example
 * new Redis({ host, port, tls: createTlsConnectOptions(policy, host, port) });
 */
export function createTlsConnectOptions(policy: Policy, host: string, port?: number): ConnectionOptions {
  if (typeof host !== 'string' || host === '') throw new CertwardenError(ErrorCode.USAGE, 'createTlsConnectOptions needs the host name the client dials');
  const resolved = resolveDestination(policy, host, port);
  if (resolved.anchors.length === 0) {
    throw new CertwardenError(ErrorCode.USAGE, `${host}: the destination is trusted only through trust.self-signed or pins (self-signed certificates): plain tls.connect options cannot enforce that; use connectVerified(policy, { host, port })`);
  }
  if (resolved.pinState === 'all-expired') throw new CertwardenError(ErrorCode.UNTRUSTED, `${host}: every pin configured for this destination has expired: update trust.pins`);
  const pins = resolved.pins.map((p) => p.value);
  return {
    ...(isIP(host) ? {} : { servername: host }),
    ca: resolved.anchors.map((a) => a.toPem()),
    rejectUnauthorized: true,
    requestOCSP: true,
    minVersion: MIN_TLS_VERSION,
    checkServerIdentity: (name: string, cert: PeerCertificate): Error | undefined => {
      const nameError = tls.checkServerIdentity(name, cert);
      if (nameError) return nameError;
      if (pins.length === 0) return undefined;
      const chain: Certificate[] = [];
      const seen = new Set<string>();
      for (let c: PeerCertificate | undefined = cert; c && c.raw && !seen.has(c.fingerprint256); c = (c as tls.DetailedPeerCertificate).issuerCertificate) {
        seen.add(c.fingerprint256);
        try {
          chain.push(new Certificate(c.raw));
        } catch {
          break;
        }
      }
      return chainMatchesPins(chain, pins) ? undefined : new CertwardenError(ErrorCode.UNTRUSTED, `${name}: no certificate in the chain matches the destination's pins`);
    },
  };
}

export interface ConnectVerifiedOptions extends ConnectorOptions {
  /** Reuse one connector (caches, sessions, counters) across calls; default a new one per call. */
  connector?: VerifiedConnector;
}

/**
 * Connect with TLS and resolve once certwarden trusts the peer. Nothing can be
 * written before (the caller does not have the socket yet).
 *
 * @example
 * const connector = createConnector(policy);
 * const socket = await connectVerified(policy, { host: 'db.internal', port: 5432 }, { connector });
 */
export function connectVerified(policy: Policy, target: ConnectTarget, options: ConnectVerifiedOptions = {}): Promise<TLSSocket> {
  const connector = options.connector ?? new VerifiedConnector(policy, options);
  if (!target || typeof target.host !== 'string' || !Number.isInteger(target.port)) return Promise.reject(new CertwardenError(ErrorCode.USAGE, 'connectVerified needs { host, port }'));
  return new Promise((resolve, reject) => connector.connect(target, (err, socket) => (err ? reject(err) : resolve(socket!))));
}

/** A reusable connector (one OCSP/CRL/verdict cache and session store) for {@link connectVerified}. */
export function createConnector(policy: Policy, options: ConnectorOptions = {}): VerifiedConnector {
  return new VerifiedConnector(policy, options);
}
