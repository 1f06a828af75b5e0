/**
 * The verdict: policy + path validation + pins + revocation.
 *
 * This is the one place where the parts meet; the CLI's `verify`, the scanner
 * and the enforcement layers all ask it. Rules:
 *  - anchors are the destination's `trust.cas` (plus the runtime's roots only
 *    when `trust.system` is true);
 *  - a leaf listed in the destination's `trust.self-signed` (and itself
 *    self-signed) is its own anchor, beside the CAs (ASVS V9.2.1: "specific
 *    internal CAs and specific self-signed certificates" is a union);
 *  - a pinned certificate that is self-signed is its own anchor too (pins are
 *    a restriction on every chain, and without this a pinned self-signed
 *    server could never pass them);
 *  - when pins are in force, the validated path must contain a pinned key
 *    (RFC 7469 §2.6: pin validation succeeds when a pinned SPKI is in the
 *    validated chain); when every configured pin has expired the verdict fails
 *    closed rather than silently dropping the pin requirement;
 *  - revocation per the destination's settings; a certificate that is itself
 *    the anchor has no revocation source and reports `na`.
 */
import type { Certificate } from '../x509/certificate.ts';
import { validatePath, type PathRejection } from '../x509/path/validate.ts';
import type { Policy } from '../policy/types.ts';
import { inboundListenerNames, resolveDestination, resolveInbound } from '../policy/match.ts';
import type { ResolvedDestination } from '../policy/types.ts';
import { isSelfSigned, selfSignedMatch } from '../policy/self-signed.ts';
import { checkChainRevocation, type ChainRevocationResult } from '../revocation/checker.ts';
import type { OcspCache } from '../ocsp/cache.ts';
import type { CrlCache } from '../crl/cache.ts';
import type { StatusReason } from '../core/revocation-vocabulary.ts';

export const TrustReason = {
  PIN_MISMATCH: 'pin-mismatch',
  PINS_EXPIRED: 'pins-expired',
  REVOCATION: 'revocation-rejected',
  EMPTY_CHAIN: 'empty-chain',
  NO_ANCHORS: 'no-trust-anchors',
} as const;

export interface EvaluateOptions {
  policy: Policy;
  /** The peer's name as dialled (hostname or IP literal); absent: no name check (e.g. client certificates). */
  host?: string;
  port?: number;
  /** Evaluate an inbound (mTLS client) chain with the policy's `inbound` settings. */
  inbound?: boolean;
  /** With `inbound`: the settings of this entry of `inbound.listeners` (a name the policy lacks is a rejection). */
  listener?: string;
  at?: Date;
  /** The stapled OCSP response from the handshake, if any. */
  staple?: Uint8Array;
  /** Skip revocation (only for callers that check it separately; the verdict says so). */
  skipRevocation?: boolean;
  ocspCache?: OcspCache;
  crlCache?: CrlCache;
  allowFileCrl?: boolean;
  signal?: AbortSignal;
}

export interface TrustVerdict {
  trusted: boolean;
  reasons: Array<PathRejection | StatusReason>;
  /** Validated path, leaf first, anchor last (best attempt when untrusted). */
  path: Certificate[];
  /** Which destination rule applied (null: top level). */
  rule: ResolvedDestination['rule'];
  /** Whether a pin was required and matched. */
  pinned: boolean;
  /** Revocation result, when checked. */
  revocation?: ChainRevocationResult;
  /** When the verdict should be re-evaluated (earliest of revocation nextUpdate and certificate expiry). */
  validUntil?: Date;
}

/** Evaluate a presented chain (leaf first) against the policy. Never throws for bad certificates. */
export async function evaluateTrust(chain: readonly Certificate[], options: EvaluateOptions): Promise<TrustVerdict> {
  const at = options.at ?? new Date();
  if (options.inbound && options.listener !== undefined && !resolveInbound(options.policy, { at, listener: options.listener })) {
    // Never fall back to other anchors for a listener the policy does not name: that would widen who may connect.
    const known = inboundListenerNames(options.policy);
    return { rule: null, pinned: false, trusted: false, path: chain.slice(0, 1), reasons: [{ code: TrustReason.NO_ANCHORS, message: `the policy has no inbound listener "${options.listener}" (${known.length > 0 ? `it names ${known.join(', ')}` : 'it names none'})` }] };
  }
  const resolved = options.inbound
    ? resolveInbound(options.policy, { at, ...(options.listener !== undefined ? { listener: options.listener } : {}) }) ?? resolveDestination(options.policy, '', undefined, { at })
    : resolveDestination(options.policy, options.host ?? '', options.port, { at });
  const base = { rule: resolved.rule, pinned: false };
  const leaf = chain[0];
  if (!leaf) return { ...base, trusted: false, path: [], reasons: [{ code: TrustReason.EMPTY_CHAIN, message: 'the peer presented no certificate' }] };

  if (resolved.pinState === 'all-expired') {
    return { ...base, trusted: false, path: [leaf], reasons: [{ code: TrustReason.PINS_EXPIRED, message: 'every pin configured for this destination has expired: update trust.pins (certwarden pin HOST:PORT prints the current one)' }] };
  }
  const pinHashes = new Set(resolved.pins.map((p) => p.sha256));
  // Pinned self-signed certificates presented by the peer become anchors.
  const pinnedAnchors = chain.filter((c) => pinHashes.has(c.spkiSha256) && isSelfSigned(c));
  // A listed self-signed leaf anchors only itself: it is added only when it is the peer's own certificate.
  const selfSignedLeaf = selfSignedMatch(leaf, resolved.selfSigned) ? [leaf] : [];
  const anchors = [...resolved.anchors, ...pinnedAnchors, ...selfSignedLeaf];
  if (anchors.length === 0) {
    return {
      ...base,
      trusted: false,
      path: [leaf],
      reasons: [{ code: TrustReason.NO_ANCHORS, message: 'no trust anchor applies: the policy has no trust.cas, the peer is not a self-signed certificate listed in trust.self-signed (or pinned), and trust.system is false' }],
    };
  }

  const result = validatePath(leaf, {
    anchors,
    intermediates: chain.slice(1),
    at,
    clockSkewMs: resolved.clockSkewMs,
    purpose: resolved.purpose,
    ...(options.host ? { hostname: options.host } : {}),
  });
  if (!result.trusted) return { ...base, trusted: false, path: result.path, reasons: result.reasons };

  let pinned = false;
  // A verdict that rests on pins lasts no longer than the last matching pin:
  // once it expires the same chain is judged again (and may be refused).
  let pinsUntil = Number.POSITIVE_INFINITY;
  if (pinHashes.size > 0) {
    const pathSpkis = new Set(result.path.map((c) => c.spkiSha256));
    const matching = resolved.pins.filter((p) => pathSpkis.has(p.sha256));
    pinned = matching.length > 0;
    pinsUntil = Math.max(...matching.map((p) => p.expires?.getTime() ?? Number.POSITIVE_INFINITY));
    if (!pinned) {
      return {
        ...base,
        trusted: false,
        path: result.path,
        reasons: [{ code: TrustReason.PIN_MISMATCH, message: `no certificate in the validated chain matches the destination's pins (${resolved.pins.map((p) => p.value).join(', ')}); trust.pins restricts every chain, CA-issued ones included: to trust a self-signed certificate beside trust.cas, list it under trust.self-signed instead` }],
      };
    }
  }

  const expiry = Math.min(pinsUntil, ...result.path.map((c) => c.notAfter.getTime()));
  if (options.skipRevocation) {
    return { ...base, pinned, trusted: true, path: result.path, reasons: [], validUntil: new Date(expiry) };
  }
  const revocation = await checkChainRevocation(result.path, {
    settings: resolved.revocation,
    at,
    clockSkewMs: resolved.clockSkewMs,
    ...(options.staple ? { staple: options.staple } : {}),
    ...(options.ocspCache ? { ocspCache: options.ocspCache } : {}),
    ...(options.crlCache ? { crlCache: options.crlCache } : {}),
    ...(options.allowFileCrl ? { allowFileCrl: true } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const validUntil = new Date(Math.min(expiry, revocation.validUntil?.getTime() ?? expiry));
  if (!revocation.accepted) {
    return { ...base, pinned, trusted: false, path: result.path, reasons: [{ code: TrustReason.REVOCATION, message: `revocation check failed (${revocation.status})` }, ...revocation.reasons], revocation, validUntil };
  }
  return { ...base, pinned, trusted: true, path: result.path, reasons: revocation.softFailed ? revocation.reasons : [], revocation, validUntil };
}
