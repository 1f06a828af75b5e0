/**
 * Policy defaults and limits. Every default leans to the strict side: a key
 * left out never weakens verification compared with writing it explicitly.
 */
import { DEFAULT_CLOCK_SKEW_MS, type RevocationSource } from '../core/revocation-vocabulary.ts';
import type { CrlNumberRule } from '../crl/verify.ts';
import type { Purpose, RevocationCheck, RevocationMode } from './types.ts';

export const POLICY_VERSION = 1;

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export const DEFAULTS = {
  system: false,
  allowSinglePin: false,
  purpose: 'serverAuth' as Purpose,
  inboundPurpose: 'clientAuth' as Purpose,
  /** Tolerance for clock differences when judging validity periods and response times. */
  clockSkewMs: DEFAULT_CLOCK_SKEW_MS,
  revocation: {
    mode: 'hard-fail' as RevocationMode,
    requireStaple: false,
    /** Intermediates can be revoked too (RFC 5280 §6.3): check the whole path by default. */
    check: 'chain' as RevocationCheck,
    /** Lenient like OpenSSL, BoringSSL and Go; a missing cRLNumber is reported (see policy/crl-number.ts). */
    crlNumber: 'optional' as CrlNumberRule,
    sources: ['staple', 'ocsp', 'crl'] as readonly RevocationSource[],
    /** CA/Browser Forum BRs §4.9.10 bound OCSP validity to 10 days; a week-old answer is old enough. */
    maxResponseAgeMs: 7 * DAY,
    /**
     * Longest a good answer (staple, cached OCSP answer, cached CRL) is believed
     * without asking again: the worst case from `ca revoke` to refusal. One hour
     * matches `ca serve`'s pre-signed answers (valid 1 h, re-signed at half-life
     * and at once on revocation) and stays above their re-sign interval (30 min),
     * so staples from that responder remain believable; responders that sign for
     * days (CA/B BR §4.9.10 allows 10) no longer stretch the window to days.
     */
    maxStalenessMs: HOUR,
    timeouts: { ocspMs: 5 * SECOND, crlMs: 10 * SECOND, connectMs: 5 * SECOND },
    /** OCSP responses are a few KiB; CRLs of large CAs reach tens of MiB. */
    maxResponseBytes: { ocsp: 1 << 20, crl: 32 << 20 },
    /** RFC 5019 §5: GET for requests whose encoding fits in 255 bytes (cacheable). */
    ocspGet: true,
  },
} as const;

export const LIMITS = {
  /** A larger skew would accept certificates that expired long ago. */
  maxClockSkewMs: HOUR,
  /** A fetch that hangs longer than this blocks a handshake unacceptably. */
  maxTimeoutMs: 5 * MINUTE,
  /** Responses older than a year are not revocation information. */
  maxResponseAgeMs: 366 * DAY,
  /** 1 GiB: the cap is a safety bound, not a way to turn it off. */
  maxResponseBytes: 1 << 30,
} as const;

export const DURATION_UNITS_MS: Readonly<Record<string, number>> = { ms: 1, s: SECOND, m: MINUTE, h: HOUR, d: DAY };
