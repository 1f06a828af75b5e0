/**
 * Why a unit of scan work could not complete: a closed set (as sslyze's
 * attempt reasons), carried on a CertwardenError so the runner records an
 * attempt instead of crashing.
 */
import { CertwardenError, ErrorCode, isCertwardenError } from '../errors.ts';

export const AttemptReason = {
  /** The endpoint could not be reached, did not answer in time, or broke the protocol. */
  CONNECTIVITY: 'connectivity',
  /** The endpoint is not what the scan was told (no TLS, no STARTTLS offered, wrong protocol). */
  USAGE: 'usage',
  /** The server requires a client certificate the scanner cannot present, so the check cannot run. */
  CLIENT_CERTIFICATE_NEEDED: 'client-certificate-needed',
  /** An unexpected exception in certwarden: a bug. */
  BUG: 'bug',
} as const;
export type AttemptReason = (typeof AttemptReason)[keyof typeof AttemptReason];

/** A scan failure with its reason. */
export function scanFailure(reason: AttemptReason, message: string, cause?: unknown): CertwardenError {
  return new CertwardenError(reason === AttemptReason.USAGE ? ErrorCode.USAGE : reason === AttemptReason.BUG ? ErrorCode.INTERNAL : ErrorCode.FETCH, message, {
    details: { reason },
    ...(cause !== undefined ? { cause } : {}),
  });
}

/** The attempt reason of anything thrown during scan work. */
export function reasonOf(err: unknown): AttemptReason {
  if (isCertwardenError(err)) {
    const r = err.details.reason;
    if (typeof r === 'string' && (Object.values(AttemptReason) as string[]).includes(r)) return r as AttemptReason;
    if (err.code === ErrorCode.FETCH || err.code === ErrorCode.FETCH_TIMEOUT) return AttemptReason.CONNECTIVITY;
  }
  return AttemptReason.BUG;
}

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
