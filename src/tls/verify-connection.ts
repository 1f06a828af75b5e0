/**
 * The one place a TLS connection meets the verdict: read the peer's chain
 * (raw DER) from the socket, run evaluateTrust with the host and the stapled
 * response, count, publish, and turn a rejection into a typed error.
 *
 * Used by the agent, the fetch dispatcher, the tls.connect helpers and the
 * mTLS listener, so they cannot drift apart.
 */
import type { DetailedPeerCertificate, TLSSocket } from 'node:tls';
import { CertwardenError, ErrorCode } from '../errors.ts';
import { Certificate } from '../x509/certificate.ts';
import { evaluateTrust, TrustReason, type TrustVerdict } from '../trust/evaluate.ts';
import type { Policy } from '../policy/types.ts';
import { publishVerdict, type VerdictMessage, type VerdictSource } from './diagnostics.ts';
import { EnforcementContext, type EnforcementOptions } from './context.ts';
import { VerdictCache } from './verdict-cache.ts';

/** Parsed peer certificates kept per context: parsing dominates the cost of a verdict on a warm cache. */
export const PARSED_CERTIFICATES_MAX = 1_000;

/** Reason code when the peer's certificate bytes cannot be parsed. */
export const PEER_CERTIFICATE_UNPARSEABLE = 'peer-certificate-unparseable';
/** Reason code when OpenSSL's own verification (defence in depth) disagrees with an accepting verdict. */
export const OPENSSL_DISAGREES = 'openssl-verification-failed';

/**
 * The peer's chain, leaf first, from `getPeerCertificate(true)`. Node links
 * each certificate to its issuer and may append an anchor from the socket's
 * own CA store; extra certificates are harmless (the verdict treats them as
 * untrusted intermediates). Throws a typed error when a certificate does not
 * parse.
 *
 * `presented` is the same object when the caller already has it: Node builds
 * it once per handshake for `checkServerIdentity` (see connector.ts), and
 * building it again costs more than the rest of a warm-cache verdict.
 *
 * Never `getPeerX509Certificate()` here: on a Node 24 client socket it
 * removes the leaf from OpenSSL's peer chain (GetPeerCert's sk_X509_delete,
 * cf. nodejs/node#65579), after which getPeerCertificate(true) returns
 * nothing, for certwarden and for the application that gets the socket.
 */
export function peerChain(socket: TLSSocket, parsed?: Map<string, Certificate>, presented?: DetailedPeerCertificate): Certificate[] {
  const top = presented ?? socket.getPeerCertificate(true);
  if (!top || !top.raw) return [];
  const out: Certificate[] = [];
  const seen = new Set<string>();
  let current: DetailedPeerCertificate | undefined = top;
  while (current && current.raw && !seen.has(current.fingerprint256)) {
    seen.add(current.fingerprint256);
    try {
      // Node's fingerprint256 is SHA-256 over the same DER (OpenSSL's X509_digest): a safe key for re-using a parse.
      let cert = parsed?.get(current.fingerprint256);
      if (!cert) {
        cert = new Certificate(current.raw);
        if (parsed) {
          if (parsed.size >= PARSED_CERTIFICATES_MAX) parsed.delete(parsed.keys().next().value!);
          parsed.set(current.fingerprint256, cert);
        }
      }
      out.push(cert);
    } catch (cause) {
      throw new CertwardenError(ErrorCode.UNTRUSTED, `the peer's certificate ${out.length} could not be parsed: the connection was refused`, {
        cause,
        details: { reasons: [{ code: PEER_CERTIFICATE_UNPARSEABLE, message: (cause as Error).message }] },
      });
    }
    current = current.issuerCertificate;
  }
  return out;
}

export interface JudgeRequest {
  direction: 'outbound' | 'inbound';
  /** Host as dialled (outbound) or the listener label (inbound). */
  host: string;
  /** Inbound: the entry of `inbound.listeners` whose settings apply (absent: `inbound` itself). */
  listener?: string;
  port?: number;
  staple?: Uint8Array;
  resumed: boolean;
  /**
   * Whether a still-valid cached verdict may answer. True for resumed sessions
   * (nothing to check on them) and for inbound clients (they never staple);
   * false for full outbound handshakes, so a fresh staple is always judged.
   */
  useCache: boolean;
}

export interface Judgement {
  verdict: TrustVerdict;
  source: VerdictSource;
  verdictKey: string;
}

/** Judge a chain for a connection, through the context's caches. Never throws. */
export async function judge(ctx: EnforcementContext, chain: readonly Certificate[], req: JudgeRequest): Promise<Judgement> {
  const leaf = chain[0];
  // The whole chain as judged, not only the leaf: a cached verdict answers only for the very certificates it judged.
  const verdictKey = VerdictCache.key(req.direction, req.host, req.port, chain);
  let verdict = leaf && req.useCache ? ctx.verdicts.get(verdictKey) : undefined;
  const source: VerdictSource = verdict ? 'cache' : 'evaluated';
  if (!verdict) {
    try {
      verdict = await evaluateTrust(chain, {
        policy: ctx.policy,
        at: new Date(ctx.now()),
        ocspCache: ctx.ocspCache,
        crlCache: ctx.crlCache,
        ...(req.direction === 'inbound' ? { inbound: true, ...(req.listener !== undefined ? { listener: req.listener } : {}) } : { host: req.host }),
        ...(req.port !== undefined ? { port: req.port } : {}),
        ...(req.staple ? { staple: req.staple } : {}),
      });
    } catch (cause) {
      // evaluateTrust does not throw by contract; if it ever does, that is a rejection, not a pass.
      verdict = { trusted: false, reasons: [{ code: 'evaluation-failed', message: (cause as Error)?.message ?? String(cause) }], path: [], rule: null, pinned: false };
    }
    if (verdict.trusted) ctx.verdicts.set(verdictKey, verdict);
  }
  record(ctx, verdict, source, req, leaf);
  return { verdict, source, verdictKey };
}

/** Count and publish a verdict (also for verdicts taken from the cache by a caller). */
export function record(ctx: EnforcementContext, verdict: TrustVerdict, source: VerdictSource, req: JudgeRequest, leaf: Certificate | undefined): void {
  const s = ctx.stats;
  s.verdicts++;
  if (verdict.trusted) s.trusted++;
  else s.rejected++;
  if (req.resumed) s.resumed++;
  if (source === 'cache') s.verdictCacheHits++;
  else s.revocationCacheHits += verdict.revocation?.certificates.reduce((n, c) => n + c.evidence.filter((e) => e.cached === true).length, 0) ?? 0;
  const softFailed = verdict.revocation?.softFailed === true;
  if (softFailed && verdict.trusted) s.softFailed++;
  const message: VerdictMessage = { direction: req.direction, host: req.host, resumed: req.resumed, source, trusted: verdict.trusted, softFailed, reasons: verdict.reasons };
  if (req.port !== undefined) message.port = req.port;
  if (leaf) message.leaf = leaf.fingerprint256;
  if (verdict.validUntil) message.validUntil = verdict.validUntil;
  publishVerdict(message);
  if (ctx.onVerdict) {
    try {
      ctx.onVerdict(message);
    } catch {
      // An observer's bug must not change a verdict or crash the connection path.
    }
  }
}

/** The typed error for a rejected verdict: CW_ERR_REVOCATION when revocation decided it, else CW_ERR_UNTRUSTED. */
export function rejectionError(verdict: Pick<TrustVerdict, 'reasons' | 'rule'>, peer: string): CertwardenError {
  const byRevocation = verdict.reasons.some((r) => r.code === TrustReason.REVOCATION);
  const summary = verdict.reasons.map((r) => `${r.code}: ${r.message}`).join('; ');
  const advice = byRevocation
    ? 'the certificate is revoked or its status could not be established under the policy'
    : 'the peer does not present a certificate the policy trusts (check trust.cas / trust.self-signed / trust.pins for this destination)';
  return new CertwardenError(byRevocation ? ErrorCode.REVOCATION : ErrorCode.UNTRUSTED, `${peer}: connection refused: ${advice} (${summary})`, {
    details: { peer, reasons: verdict.reasons, rule: verdict.rule },
  });
}

export interface VerifyTlsSocketOptions extends EnforcementOptions {
  port?: number;
  /** The OCSP response the server stapled (listen for 'OCSPResponse' before the handshake; connect with requestOCSP: true). */
  staple?: Uint8Array;
  /** Share caches and counters across calls (e.g. one per process); default a fresh context per call. */
  context?: EnforcementContext;
}

/**
 * Judge an established TLS socket (client side) against the policy. Resolves
 * with the verdict when trusted; otherwise destroys the socket and rejects
 * with a typed error. Call it on 'secureConnect', before writing anything.
 *
 * @example
 * const socket = tls.connect({ ...createTlsConnectOptions(policy, 'db.internal', 5432) });
 * let staple; socket.on('OCSPResponse', (r) => { if (r?.length) staple = r; });
 * socket.once('secureConnect', async () => { await verifyTlsSocket(socket, policy, 'db.internal', { port: 5432, staple }); ... });
 */
export async function verifyTlsSocket(socket: TLSSocket, policy: Policy, host: string, options: VerifyTlsSocketOptions = {}): Promise<TrustVerdict> {
  const ctx = options.context ?? new EnforcementContext(policy, options);
  const peer = `${host}${options.port !== undefined ? `:${options.port}` : ''}`;
  let chain: Certificate[];
  try {
    chain = peerChain(socket, ctx.parsed);
  } catch (err) {
    socket.destroy();
    throw err;
  }
  const resumed = socket.isSessionReused();
  const { verdict } = await judge(ctx, chain, { direction: 'outbound', host, ...(options.port !== undefined ? { port: options.port } : {}), ...(options.staple ? { staple: options.staple } : {}), resumed, useCache: resumed });
  if (!verdict.trusted) {
    // destroy() without an error: an 'error' event nobody listens to would crash the process.
    socket.destroy();
    throw rejectionError(verdict, peer);
  }
  return verdict;
}
