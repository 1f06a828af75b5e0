/**
 * The state one agent, dispatcher or listener shares across its connections:
 * the policy, one OCSP cache and one CRL cache (answers reused until their
 * nextUpdate, and no longer than the policy's revocation.max-staleness after
 * they were fetched), the verdict cache, counters and the clock.
 */
import { CertwardenError, ErrorCode } from '../errors.ts';
import { assertSupportedNode } from '../util/runtime.ts';
import { OcspCache } from '../ocsp/cache.ts';
import { CrlCache } from '../crl/cache.ts';
import type { Policy, RevocationSettings } from '../policy/types.ts';
import type { Certificate } from '../x509/certificate.ts';
import { emptyStats, type EnforcementStats, type VerdictMessage } from './diagnostics.ts';
import { VerdictCache, DEFAULT_VERDICT_MAX_AGE_MS } from './verdict-cache.ts';

export interface EnforcementOptions {
  /** Clock in ms since the epoch (tests); default Date.now. Drives verdict time, and the caches' expiry. */
  now?: () => number;
  /** Share an OCSP cache (default: one per agent/dispatcher/listener). */
  ocspCache?: OcspCache;
  /** Share a CRL cache (default: one per agent/dispatcher/listener, with the policy's fetch limits). */
  crlCache?: CrlCache;
  /** Cap on how long a trusted verdict (and the TLS sessions it admits) is reused. Default 5 minutes. */
  maxVerdictAgeMs?: number;
  /** Called with every verdict (also published on the `certwarden:verdict` channel). Must not throw. */
  onVerdict?: (message: VerdictMessage) => void;
}

function isPolicy(value: unknown): value is Policy {
  return typeof value === 'object' && value !== null && (value as Policy).version === 1 && typeof (value as Policy).hash === 'string' && Array.isArray((value as Policy).destinations);
}

export class EnforcementContext {
  readonly policy: Policy;
  readonly now: () => number;
  readonly ocspCache: OcspCache;
  readonly crlCache: CrlCache;
  readonly verdicts: VerdictCache;
  readonly stats: EnforcementStats = emptyStats();
  /** Parsed peer certificates by SHA-256 (see peerChain). */
  readonly parsed = new Map<string, Certificate>();
  readonly onVerdict: ((message: VerdictMessage) => void) | undefined;

  constructor(policy: Policy, options: EnforcementOptions = {}, revocation?: RevocationSettings) {
    assertSupportedNode();
    if (!isPolicy(policy)) throw new CertwardenError(ErrorCode.USAGE, 'expected a loaded policy: pass the result of loadPolicy(pathOrObject)');
    if (options.now !== undefined && typeof options.now !== 'function') throw new CertwardenError(ErrorCode.USAGE, 'options.now must be a function returning milliseconds');
    if (options.maxVerdictAgeMs !== undefined && !(Number.isFinite(options.maxVerdictAgeMs) && options.maxVerdictAgeMs >= 0)) {
      throw new CertwardenError(ErrorCode.USAGE, `options.maxVerdictAgeMs must be a non-negative number of milliseconds (got ${String(options.maxVerdictAgeMs)})`);
    }
    if (options.onVerdict !== undefined && typeof options.onVerdict !== 'function') throw new CertwardenError(ErrorCode.USAGE, 'options.onVerdict must be a function');
    this.policy = policy;
    this.now = options.now ?? Date.now;
    const settings = revocation ?? policy.revocation;
    this.ocspCache = options.ocspCache ?? new OcspCache({ now: this.now });
    this.crlCache =
      options.crlCache ??
      new CrlCache({
        now: this.now,
        fetchOptions: { timeoutMs: settings.timeouts.crlMs, maxBytes: settings.maxResponseBytes.crl, allowFile: false },
        maxAgeMs: settings.maxResponseAgeMs,
        clockSkewMs: policy.clockSkewMs,
      });
    this.verdicts = new VerdictCache({ now: this.now, maxAgeMs: options.maxVerdictAgeMs ?? DEFAULT_VERDICT_MAX_AGE_MS });
    this.onVerdict = options.onVerdict;
  }

  /** A copy of the counters. */
  snapshot(): EnforcementStats {
    return { ...this.stats };
  }
}
