/**
 * One connection, one unit of network work (sslyze's rule: a job opens at
 * most one connection, so per-endpoint concurrency is capped in one place,
 * the runner's limiter). Every connection has a deadline and follows the
 * target's abort signal, so a dead endpoint costs at most its timeout.
 */
import net from 'node:net';
import tls from 'node:tls';
import { AttemptReason, scanFailure } from './failure.ts';
import { PREAMBLES, type StarttlsProtocol } from './starttls/index.ts';

export type TlsVersion = 'TLSv1.2' | 'TLSv1.3';
export const TLS_VERSIONS: readonly TlsVersion[] = ['TLSv1.2', 'TLSv1.3'];

export interface Endpoint {
  /** IP address to connect to. */
  address: string;
  port: number;
  /** SNI (absent for IP literals: RFC 6066 §3 forbids literal addresses in server_name). */
  serverName?: string;
  starttls?: StarttlsProtocol;
}

export interface ConnectOptions {
  signal: AbortSignal;
  timeoutMs: number;
}

/** Run `work` with a deadline and the abort signal; `onCancel` releases the socket. */
export function bounded<T>(what: string, o: ConnectOptions, work: (cancelled: () => boolean) => Promise<T>, onCancel: () => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let done = false;
    const finish = (err: Error | null, value?: T): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      o.signal.removeEventListener('abort', onAbort);
      if (err) {
        onCancel();
        reject(err);
      } else resolve(value as T);
    };
    const onAbort = (): void => finish(scanFailure(AttemptReason.CONNECTIVITY, `${what}: the target's time budget ran out`));
    const timer = setTimeout(() => finish(scanFailure(AttemptReason.CONNECTIVITY, `${what}: no answer within ${o.timeoutMs} ms`)), o.timeoutMs);
    if (o.signal.aborted) return onAbort();
    o.signal.addEventListener('abort', onAbort, { once: true });
    work(() => done).then(
      (v) => finish(null, v),
      (e: Error) => finish(e),
    );
  });
}

/** A TCP connection, with the STARTTLS preamble done when the endpoint has one. */
export function openSocket(endpoint: Endpoint, socket: net.Socket): Promise<net.Socket> {
  return new Promise<net.Socket>((resolve, reject) => {
    const onError = (err: Error): void => reject(scanFailure(AttemptReason.CONNECTIVITY, `connect to ${endpoint.address}:${endpoint.port}: ${err.message}`, err));
    socket.once('error', onError);
    socket.once('connect', () => {
      socket.off('error', onError);
      if (!endpoint.starttls) return resolve(socket);
      socket.on('error', () => {}); // reported by the preamble's reader
      PREAMBLES[endpoint.starttls](socket).then(() => resolve(socket), reject);
    });
  });
}

export interface HandshakeOptions extends ConnectOptions {
  version: TlsVersion;
  requestOCSP?: boolean;
  /** Client credential, presented only if the server asks (RFC 8446 §4.4.2, RFC 5246 §7.4.6). */
  credential?: { certPem: string; keyPem: string };
  /** After the handshake, watch the connection before closing it (client-auth probes). */
  after?: (socket: tls.TLSSocket) => Promise<AfterOutcome>;
  /** Read the peer's chain (default false: retries and probes need only the staple or the outcome). */
  peerChain?: boolean;
  /** ALPN protocols to offer (RFC 7301); none by default. */
  alpn?: string[];
}

export type AfterOutcome = { accepted: true; detail: string } | { accepted: false; detail: string };

export interface HandshakeResult {
  ok: boolean;
  protocol?: string;
  /** The peer chain as Node reports it (leaf first, DER). */
  chain: Uint8Array[];
  /** The stapled OCSP response (RFC 6066 §8 / RFC 8446 §4.4.2.1), if any. */
  staple?: Uint8Array;
  /** TLS-level failure (alert, reset), when the handshake did not complete. */
  error?: string;
  after?: AfterOutcome;
}

/** The credential-less client: a key for {@link clientContext}'s cache. */
const NO_CREDENTIAL = {};
const CLIENT_CONTEXTS = new Map<TlsVersion, WeakMap<object, tls.SecureContext>>();

/**
 * One client SecureContext per TLS version and probe credential, built once:
 * building one per connection (an OpenSSL context, the credential's key
 * parsed again) was about a tenth of a fleet scan's CPU. Sharing it does not
 * resume sessions: tls.connect is never given a `session`, so every
 * handshake is a full one (a resumed one would show neither the
 * certificate nor a staple).
 */
function clientContext(version: TlsVersion, credential: { certPem: string; keyPem: string } | undefined): tls.SecureContext {
  let byCredential = CLIENT_CONTEXTS.get(version);
  if (!byCredential) CLIENT_CONTEXTS.set(version, (byCredential = new WeakMap()));
  const key = credential ?? NO_CREDENTIAL;
  let ctx = byCredential.get(key);
  if (!ctx) {
    ctx = tls.createSecureContext({ minVersion: version, maxVersion: version, ...(credential ? { cert: credential.certPem, key: credential.keyPem } : {}) });
    byCredential.set(key, ctx);
  }
  return ctx;
}

function nodeChain(socket: tls.TLSSocket): Uint8Array[] {
  const out: Uint8Array[] = [];
  const seen = new Set<string>();
  let peer = socket.getPeerCertificate(true);
  while (peer && peer.raw && !seen.has(peer.fingerprint256)) {
    seen.add(peer.fingerprint256);
    out.push(new Uint8Array(peer.raw));
    peer = peer.issuerCertificate;
  }
  return out;
}

/**
 * One TLS handshake pinned to one protocol version. Verification is off on
 * purpose: certwarden's engine judges the chain, not OpenSSL's defaults. A
 * handshake the server refuses (alert) is a result (`ok: false`); a connection
 * that cannot be opened, or a deadline, throws a connectivity failure.
 */
export function tlsHandshake(endpoint: Endpoint, o: HandshakeOptions): Promise<HandshakeResult> {
  const tcp = new net.Socket();
  let tlsSocket: tls.TLSSocket | undefined;
  const what = `TLS ${o.version} handshake with ${endpoint.address}:${endpoint.port}`;
  return bounded(
    what,
    o,
    async () => {
      await openSocket(endpoint, tcp.connect({ host: endpoint.address, port: endpoint.port }));
      return await new Promise<HandshakeResult>((resolve) => {
        let staple: Uint8Array | undefined;
        const s = tls.connect({
          socket: tcp,
          ...(endpoint.serverName ? { servername: endpoint.serverName } : {}),
          rejectUnauthorized: false,
          secureContext: clientContext(o.version, o.credential),
          requestOCSP: o.requestOCSP === true,
          ...(o.alpn ? { ALPNProtocols: o.alpn } : {}),
        });
        tlsSocket = s;
        (s as NodeJS.EventEmitter).on('OCSPResponse', (r: Buffer | null) => {
          if (r && r.length > 0) staple = new Uint8Array(r);
        });
        let settled = false;
        s.once('error', (err) => {
          if (settled) return;
          settled = true;
          s.destroy();
          // The staple may have arrived before the failure (TLS 1.2 sends it in the server's first flight).
          resolve({ ok: false, chain: [], error: err.message, ...(staple ? { staple } : {}) });
        });
        s.once('secureConnect', () => {
          const base: HandshakeResult = { ok: true, protocol: s.getProtocol() ?? o.version, chain: o.peerChain ? nodeChain(s) : [], ...(staple ? { staple } : {}) };
          const close = (r: HandshakeResult): void => {
            settled = true;
            s.destroy();
            resolve(r);
          };
          if (!o.after) return close(base);
          o.after(s).then(
            (after) => close({ ...base, after }),
            (err: Error) => close({ ...base, after: { accepted: false, detail: err.message } }),
          );
        });
      });
    },
    () => {
      tlsSocket?.destroy();
      tcp.destroy();
    },
  );
}
