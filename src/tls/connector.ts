/**
 * The outbound connect function every client face shares (https.Agent, undici
 * dispatcher, tls.connect users): open TLS, capture the staple, wait for the
 * verdict, and only then hand the socket over.
 *
 * Why `rejectUnauthorized: false`: OpenSSL's verification knows no pins, no
 * pinned self-signed anchors and no revocation, and a rejection there would
 * hide certwarden's reasons. The verdict is certwarden's; OpenSSL is kept as a
 * second opinion (defence in depth): the socket's context carries the
 * destination's anchors as `ca`, and when the verdict's path ends at one of
 * those anchors, OpenSSL must agree (`socket.authorized`). A path that ends at
 * a pinned self-signed certificate has no CA OpenSSL could know, so there the
 * verdict alone decides: requiring OpenSSL's agreement would break exactly the
 * "specific self-signed certificates" ASVS V9.2.1 allows.
 *
 * Resumption: see session-store.ts. A resumed handshake is admitted only by a
 * still-valid cached verdict for the same host, port and leaf; otherwise it is
 * evaluated like a full one, without a staple.
 */
import tls, { type DetailedPeerCertificate, type PeerCertificate, type SecureContext, type TLSSocket } from 'node:tls';
import { isIP, type LookupFunction } from 'node:net';
import type { Duplex } from 'node:stream';
import { createHash } from 'node:crypto';
import { CertwardenError, ErrorCode } from '../errors.ts';
import type { Policy } from '../policy/types.ts';
import { resolveDestination } from '../policy/match.ts';
import type { Certificate } from '../x509/certificate.ts';
import { EnforcementContext, type EnforcementOptions } from './context.ts';
import { judge, OPENSSL_DISAGREES, peerChain, record, rejectionError, type Judgement } from './verify-connection.ts';
import type { TrustVerdict } from '../trust/evaluate.ts';
import { SessionStore } from './session-store.ts';

/** Budget for TCP connect + TLS handshake (the verdict has its own, per-source, policy timeouts). */
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;
/** RFC 8996 deprecates TLS 1.0 and 1.1. */
export const MIN_TLS_VERSION = 'TLSv1.2';

export interface ClientCertificate {
  cert: string | Buffer | Array<string | Buffer>;
  key: string | Buffer;
  passphrase?: string;
}

export interface ConnectorOptions extends EnforcementOptions {
  /** Reuse TLS sessions while the verdict that admitted them is valid. Default true. */
  resumption?: boolean;
  /** Require OpenSSL's verification to agree when the path ends at a configured CA. Default true. */
  opensslAgreement?: boolean;
  /** TCP connect + TLS handshake budget. Default 10 s. */
  handshakeTimeoutMs?: number;
  /** Present a client certificate (mTLS). */
  clientCertificate?: ClientCertificate;
}

/** What a caller asks to connect to. Other tls.connect options are ignored on purpose: they could weaken the verdict. */
export interface ConnectTarget {
  host: string;
  port: number;
  /**
   * The name the peer must prove, as in Node's own checkServerIdentity:
   * certificate identity and destination rules use it, and it is sent as SNI
   * (unless it is an IP literal: RFC 6066 §3). Default: the host. Lets a
   * client dial an address and verify a name (`host: '10.0.0.5', servername:
   * 'api.internal'`).
   */
  servername?: string;
  localAddress?: string;
  family?: number;
  lookup?: LookupFunction;
  ALPNProtocols?: string[];
  /** An already connected transport (e.g. a proxy tunnel). */
  socket?: Duplex;
}

export type ConnectCallback = (err: Error | null, socket?: TLSSocket) => void;

function positiveMs(name: string, value: number | undefined): void {
  if (value !== undefined && !(Number.isFinite(value) && value > 0)) throw new CertwardenError(ErrorCode.USAGE, `options.${name} must be a positive number of milliseconds (got ${String(value)})`);
}

export class VerifiedConnector {
  readonly context: EnforcementContext;
  readonly #sessions: SessionStore;
  readonly #resumption: boolean;
  readonly #agreement: boolean;
  readonly #handshakeTimeoutMs: number;
  readonly #clientCertificate: ClientCertificate | undefined;
  readonly #secureContexts = new Map<string, SecureContext>();
  /** The same contexts by the policy's own anchor arrays (stable per rule), so the common case skips hashing the anchor set. */
  readonly #secureContextsByAnchors = new WeakMap<readonly Certificate[], SecureContext>();

  constructor(policy: Policy, options: ConnectorOptions = {}) {
    positiveMs('handshakeTimeoutMs', options.handshakeTimeoutMs);
    if (options.clientCertificate && (!options.clientCertificate.cert || !options.clientCertificate.key)) {
      throw new CertwardenError(ErrorCode.USAGE, 'options.clientCertificate needs both cert and key');
    }
    this.context = new EnforcementContext(policy, options);
    this.#sessions = new SessionStore(this.context.verdicts);
    this.#resumption = options.resumption !== false;
    this.#agreement = options.opensslAgreement !== false;
    this.#handshakeTimeoutMs = options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS;
    this.#clientCertificate = options.clientCertificate;
    // Fail at construction, not at first request, when a client certificate is unusable.
    if (this.#clientCertificate) this.#secureContextFor([]);
  }

  /** One SecureContext per anchor set: parsing CAs per connection would cost more than the verdict. */
  #secureContextFor(anchors: readonly Certificate[], stable = false): SecureContext {
    const known = stable ? this.#secureContextsByAnchors.get(anchors) : undefined;
    if (known) return known;
    const key = createHash('sha256').update(anchors.map((a) => a.fingerprint256).join(',')).digest('hex');
    let ctx = this.#secureContexts.get(key);
    if (!ctx) {
      try {
        ctx = tls.createSecureContext({
          minVersion: MIN_TLS_VERSION,
          ...(anchors.length > 0 ? { ca: anchors.map((a) => a.toPem()) } : {}),
          ...(this.#clientCertificate ?? {}),
        });
      } catch (cause) {
        throw new CertwardenError(ErrorCode.USAGE, `cannot build the TLS context (client certificate or anchors): ${(cause as Error).message}`, { cause });
      }
      this.#secureContexts.set(key, ctx);
    }
    if (stable) this.#secureContextsByAnchors.set(anchors, ctx);
    return ctx;
  }

  /**
   * A full handshake without a staple carries nothing a still-valid verdict
   * for the same host, port and leaf did not already judge: its revocation
   * answer would come from the same cache, which lives at least as long as
   * the verdict. Not so when a staple is present (a bad staple must reject)
   * or required (Must-Staple, require-staple: its absence must reject).
   */
  #mayReuseWithoutStaple(chain: readonly Certificate[], staple: Buffer | undefined, requireStaple: boolean): boolean {
    if (staple || requireStaple || !chain[0]) return false;
    try {
      return !chain[0].mustStaple;
    } catch {
      return false;
    }
  }

  /** A resumed session, admitted on the still-valid verdict that admitted its full handshake. */
  #admitResumed(verdict: TrustVerdict, verdictKey: string, host: string, port: number): Judgement {
    record(this.context, verdict, 'cache', { direction: 'outbound', host, port, resumed: true, useCache: true }, verdict.path[0]);
    return { verdict, source: 'cache', verdictKey };
  }

  /** Drop cached verdicts and sessions (e.g. after a policy reload signal). */
  clear(): void {
    this.context.verdicts.clear();
    this.#sessions.clear();
  }

  /**
   * Connect and verify. `callback` gets the socket only once it is trusted;
   * until then nothing the caller writes can have been sent (the caller does
   * not have the socket). Returns the socket for bookkeeping only.
   */
  connect(target: ConnectTarget, callback: ConnectCallback): TLSSocket {
    const ctx = this.context;
    const host = target.host;
    const port = target.port;
    // Node's tls.connect checks `servername || host`: dial an address, verify a name.
    const identity = target.servername || host;
    const peer = identity === host ? `${host}:${port}` : `${identity} (${host}:${port})`;
    const servername = isIP(identity) ? undefined : identity;
    const sessionKey = `${host}|${port}|${identity}`;
    const resolved = resolveDestination(ctx.policy, identity, port, { at: new Date(ctx.now()) });
    const offered = this.#resumption ? this.#sessions.get(sessionKey) : undefined;

    // Node materialises the peer chain (getPeerCertificate(true), about 130 µs
    // for three certificates) to hand it to checkServerIdentity whenever
    // OpenSSL's verification passed; keep that object instead of building it
    // a second time. Node's own name check still decides `authorized`.
    let presented: DetailedPeerCertificate | undefined;
    const checkServerIdentity = (name: string, cert: PeerCertificate): Error | undefined => {
      presented = cert as DetailedPeerCertificate;
      return tls.checkServerIdentity(name, cert);
    };

    let done = false;
    const finish = (err: Error | null, socket?: TLSSocket): void => {
      if (done) return;
      done = true;
      callback(err, socket);
    };

    const socket = tls.connect({
      host,
      port,
      ...(servername ? { servername } : {}),
      ...(target.localAddress ? { localAddress: target.localAddress } : {}),
      ...(target.family ? { family: target.family } : {}),
      ...(target.lookup ? { lookup: target.lookup } : {}),
      ...(target.ALPNProtocols ? { ALPNProtocols: target.ALPNProtocols } : {}),
      ...(target.socket ? { socket: target.socket } : {}),
      ...(offered ? { session: offered.session } : {}),
      // resolveDestination returns the policy's own array unless trust.system merges in the runtime's roots.
      secureContext: this.#secureContextFor(resolved.anchors, resolved.anchors === resolved.configuredAnchors),
      rejectUnauthorized: false,
      requestOCSP: true,
      checkServerIdentity,
    });

    let staple: Buffer | undefined;
    let admitted: string | undefined;
    let pendingSession: Buffer | undefined;
    socket.on('OCSPResponse', (response: Buffer | null) => {
      // Node emits this with an empty/null response when the server stapled nothing.
      if (response && response.length > 0) staple = response;
    });
    // Without resumption no 'session' listener: Node would serialise every ticket the server sends for nothing.
    if (this.#resumption) {
      socket.on('session', (s: Buffer) => {
        if (admitted) this.#sessions.set(sessionKey, s, admitted);
        else pendingSession = s;
      });
    }
    const onError = (err: Error): void => {
      if (!done) ctx.stats.connectErrors++;
      finish(err);
    };
    socket.on('error', onError);
    socket.setTimeout(this.#handshakeTimeoutMs, () => {
      socket.destroy(new CertwardenError(ErrorCode.FETCH_TIMEOUT, `${peer}: TLS handshake not complete after ${this.#handshakeTimeoutMs} ms`));
    });

    socket.once('secureConnect', () => {
      socket.setTimeout(0);
      const resumed = socket.isSessionReused();
      let chain: Certificate[];
      try {
        // `presented` is only set on a full handshake OpenSSL verified; otherwise read the chain here.
        chain = peerChain(socket, ctx.parsed, resumed ? undefined : presented);
      } catch (err) {
        socket.destroy();
        return finish(err as Error);
      }
      const judging =
        resumed && offered && (chain.length === 0 || chain[0]!.fingerprint256 === offered.verdict.path[0]?.fingerprint256)
          ? Promise.resolve(this.#admitResumed(offered.verdict, offered.verdictKey, identity, port))
          : judge(ctx, chain, { direction: 'outbound', host: identity, port, resumed, useCache: resumed || this.#mayReuseWithoutStaple(chain, staple, resolved.revocation.requireStaple), ...(staple ? { staple } : {}) });
      judging.then(
        ({ verdict, verdictKey }) => {
          if (verdict.trusted && this.#agreement && !socket.authorized) {
            const anchor = verdict.path[verdict.path.length - 1];
            if (anchor && resolved.anchors.some((a) => a.fingerprint256 === anchor.fingerprint256)) {
              ctx.verdicts.delete(verdictKey);
              verdict = { ...verdict, trusted: false, reasons: [{ code: OPENSSL_DISAGREES, message: `certwarden accepted the chain but OpenSSL's verification with the same anchors failed (${String(socket.authorizationError)})` }] };
              ctx.stats.trusted--;
              ctx.stats.rejected++;
            }
          }
          if (!verdict.trusted) {
            this.#sessions.delete(sessionKey);
            socket.destroy();
            return finish(rejectionError(verdict, peer));
          }
          if (socket.destroyed) return finish(new CertwardenError(ErrorCode.FETCH, `${peer}: the connection closed while its certificate was being verified`));
          admitted = verdictKey;
          if (pendingSession) this.#sessions.set(sessionKey, pendingSession, verdictKey);
          socket.removeListener('error', onError);
          finish(null, socket);
        },
        (err: unknown) => {
          socket.destroy();
          finish(err instanceof Error ? err : new CertwardenError(ErrorCode.INTERNAL, String(err)));
        },
      );
    });
    return socket;
  }
}
