/**
 * mTLS listeners: client certificates from the policy's `inbound` anchors only,
 * with live revocation.
 *
 * Two layers:
 *  1. {@link createServerOptions}: `requestCert` + `rejectUnauthorized` with
 *     `ca` = the inbound `client-cas`, so OpenSSL refuses, in the handshake,
 *     any client whose chain does not reach those anchors.
 *  2. {@link attachClientVerification}: the full verdict (path, EKU
 *     clientAuth, revocation per `inbound.revocation`) for every connection,
 *     full or resumed, before the application sees it. It gates the server's
 *     'secureConnection' event: the http(s) server's connection listener is
 *     itself a 'secureConnection' listener, so for a rejected client no
 *     request is ever parsed and no handler runs; bytes the client sent wait
 *     unread in the socket and are discarded with it.
 *
 * Client intermediates: Node gives a server no peer chain beyond the leaf,
 * so pass the issuing CAs as `clientIntermediates` (both functions).
 *
 * Resumed sessions: a client resuming a session (ticket or ID) presents no
 * certificate. Node's server keeps the certificate it validated in the
 * session, and getPeerCertificate() returns it after resumption, so the gate
 * re-judges that stored certificate on every resumed connection (through the
 * verdict cache, so the cost is one lookup until the revocation answer goes
 * stale). When the stored certificate is not available, the connection is
 * refused (fail closed) and the client falls back to a full handshake.
 */
import type { Server as TlsServer, TlsOptions, TLSSocket } from 'node:tls';
import { CertwardenError, ErrorCode } from '../errors.ts';
import type { Policy } from '../policy/types.ts';
import { inboundListenerNames, resolveInbound } from '../policy/match.ts';
import type { EnforcementStats } from './diagnostics.ts';
import { EnforcementContext, type EnforcementOptions } from './context.ts';
import { judge, peerChain, rejectionError } from './verify-connection.ts';
import { MIN_TLS_VERSION } from './connector.ts';
import { Certificate } from '../x509/certificate.ts';

/** Options for tls.createServer / https.createServer that demand a client certificate from the inbound anchors. */
export interface ServerOptionsInput extends Omit<TlsOptions, 'ca' | 'requestCert' | 'rejectUnauthorized'> {
  /** The entry of `inbound.listeners` whose client CAs this listener accepts (absent: `inbound.client-cas`). */
  listener?: string;
  /** Intermediate CAs that issue client certificates (PEM or parsed); see {@link ClientVerificationOptions.clientIntermediates}. */
  clientIntermediates?: ReadonlyArray<Certificate | string>;
}

/** Parse the intermediates option once, at construction. */
function parseIntermediates(list: ReadonlyArray<Certificate | string> | undefined): Certificate[] {
  if (list === undefined) return [];
  if (!Array.isArray(list)) throw new CertwardenError(ErrorCode.USAGE, 'options.clientIntermediates must be an array of PEM strings or Certificates');
  try {
    return list.flatMap((c) => (c instanceof Certificate ? [c] : Certificate.parseAll(c)));
  } catch (cause) {
    throw new CertwardenError(ErrorCode.USAGE, `options.clientIntermediates: ${(cause as Error).message}`, { cause });
  }
}

function inboundOf(policy: Policy, listener: string | undefined): NonNullable<ReturnType<typeof resolveInbound>> {
  if (typeof policy !== 'object' || policy === null || policy.version !== 1) throw new CertwardenError(ErrorCode.USAGE, 'expected a loaded policy: pass the result of loadPolicy(pathOrObject)');
  if (listener !== undefined && (typeof listener !== 'string' || listener === '')) throw new CertwardenError(ErrorCode.USAGE, 'options.listener must be the name of an entry of inbound.listeners');
  const inbound = resolveInbound(policy, listener !== undefined ? { listener } : {});
  if (listener !== undefined && !inbound) {
    const known = inboundListenerNames(policy);
    throw new CertwardenError(ErrorCode.USAGE, `the policy has no inbound listener "${listener}": ${known.length > 0 ? `it names ${known.join(', ')}` : 'add it under inbound.listeners'}`);
  }
  if (!inbound || inbound.anchors.length === 0) {
    throw new CertwardenError(ErrorCode.USAGE, 'the policy has no inbound section with client-cas: add `inbound: { client-cas: [...] }` to accept client certificates');
  }
  return inbound;
}

/**
 * @example
 * const server = https.createServer(createServerOptions(policy, { key, cert }), handler);
 * attachClientVerification(server, policy);
 */
export function createServerOptions(policy: Policy, options: ServerOptionsInput = {}): TlsOptions {
  const { clientIntermediates, listener, ...tlsOptions } = options;
  const inbound = inboundOf(policy, listener);
  // Intermediates in `ca` do not become anchors for OpenSSL (without
  // X509_V_FLAG_PARTIAL_CHAIN a chain must still end at a self-signed root
  // from the store); they let the handshake complete chains of clients that
  // send only their leaf.
  return {
    minVersion: MIN_TLS_VERSION,
    ...tlsOptions,
    requestCert: true,
    rejectUnauthorized: true,
    ca: [...inbound.anchors, ...parseIntermediates(clientIntermediates)].map((a) => a.toPem()),
  };
}

export interface ClientVerificationOptions extends EnforcementOptions {
  /**
   * Intermediate CAs that issue client certificates. Node exposes no
   * server-side peer chain (getPeerCertificate(true) on a server returns the
   * client's leaf only), so the verdict can only build a path through
   * intermediates it is given here (or that are themselves inbound anchors).
   * They are untrusted path material: the path must still end at a
   * `client-cas` anchor.
   */
  clientIntermediates?: ReadonlyArray<Certificate | string>;
  /** The entry of `inbound.listeners` to judge clients by; use the same name as in {@link createServerOptions}. */
  listener?: string;
  /** Called for each refused client (after the socket is destroyed). Must not throw. */
  onRejected?: (error: CertwardenError, socket: TLSSocket) => void;
}

export interface ClientVerification {
  stats(): EnforcementStats;
  /** Stop gating (restores the server's emit). */
  detach(): void;
}

/** Gate a tls/https server's connections on the policy's inbound verdict. */
export function attachClientVerification(server: TlsServer, policy: Policy, options: ClientVerificationOptions = {}): ClientVerification {
  const inbound = inboundOf(policy, options.listener);
  if (typeof server !== 'object' || server === null || typeof server.emit !== 'function') throw new CertwardenError(ErrorCode.USAGE, 'attachClientVerification needs a tls.Server or https.Server');
  if (options.onRejected !== undefined && typeof options.onRejected !== 'function') throw new CertwardenError(ErrorCode.USAGE, 'options.onRejected must be a function');
  const intermediates = parseIntermediates(options.clientIntermediates);
  const ctx = new EnforcementContext(policy, options, inbound.revocation);
  const original = server.emit as (this: TlsServer, event: string | symbol, ...args: unknown[]) => boolean;
  const refuse = (socket: TLSSocket, err: CertwardenError): void => {
    socket.destroy();
    try {
      options.onRejected?.(err, socket);
    } catch {
      // An observer's bug must not crash the listener.
    }
  };
  const gate = (socket: TLSSocket, args: unknown[]): void => {
    const peer = `client ${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    let chain: Certificate[];
    try {
      chain = peerChain(socket, ctx.parsed);
    } catch (err) {
      return refuse(socket, err as CertwardenError);
    }
    if (chain.length > 0) chain = [...chain, ...intermediates.filter((i) => !chain.some((c) => c.fingerprint256 === i.fingerprint256))];
    const resumed = socket.isSessionReused();
    judge(ctx, chain, { direction: 'inbound', host: options.listener !== undefined ? `inbound:${options.listener}` : 'inbound', ...(options.listener !== undefined ? { listener: options.listener } : {}), resumed, useCache: true }).then(
      ({ verdict }) => {
        if (!verdict.trusted) return refuse(socket, rejectionError(verdict, peer));
        if (socket.destroyed) return;
        original.call(server, 'secureConnection', socket, ...args);
      },
      (err: unknown) => refuse(socket, new CertwardenError(ErrorCode.INTERNAL, `client verification failed: ${String(err)}`, { cause: err })),
    );
  };
  const gated = function (this: TlsServer, event: string | symbol, ...args: unknown[]): boolean {
    if (event === 'secureConnection') {
      const [socket, ...rest] = args as [TLSSocket, ...unknown[]];
      socket.on('error', () => {}); // a client resetting during verification must not crash the server
      gate(socket, rest);
      return true;
    }
    return original.call(this, event, ...args);
  };
  server.emit = gated as TlsServer['emit'];
  return {
    stats: () => ctx.snapshot(),
    detach: () => {
      if (server.emit === gated) server.emit = original as TlsServer['emit'];
    },
  };
}
