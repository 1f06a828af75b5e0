/**
 * What gives the scanner the right to send a request on a target's behalf.
 *
 * OCSP and CRL URLs come from the served certificates, so they are the
 * server's choice of host, port and path. Only a chain that validated to an
 * anchor or pin of the policy speaks for a CA the user trusts; a chain that
 * does not gives no authority to make the scanner send anything (its
 * revocation is reported as not checked, never as a pass). For a trusted
 * chain the requests are still counted per target, on top of the caps per
 * certificate (MAX_OCSP_URLS_PER_CERTIFICATE, MAX_CRL_URLS_PER_CERTIFICATE).
 */
import { CertwardenError, ErrorCode } from '../errors.ts';
import type { TrustVerdict } from '../trust/evaluate.ts';

/**
 * OCSP and CRL requests for one target. A validated path checked
 * `revocation.check: chain` is at most a leaf and two or three CAs, each with
 * at most 2 OCSP and 2 CRL URLs followed: 16 is above any real chain and
 * bounds what one target (one trusted CA's certificates) can make the
 * scanner fetch.
 */
export const MAX_REVOCATION_FETCHES_PER_TARGET = 16;

/** Why the chain gives no authority to fetch its URLs, or undefined when it validated to a policy anchor or pin. */
export function revocationFetchRefusal(verdict: TrustVerdict): string | undefined {
  if (verdict.trusted) return undefined;
  const why = verdict.reasons[0]?.message;
  return `revocation was not checked: the chain is not trusted by the policy${why ? ` (${why})` : ''}, and certwarden sends no OCSP or CRL request to URLs named by a certificate it does not trust`;
}

/** Counts a target's OCSP/CRL requests and refuses past the cap (CW_ERR_FETCH_UNSUPPORTED: not an unreachable source, so soft-fail does not excuse it). */
export class RevocationFetchBudget {
  readonly max: number;
  #used = 0;
  constructor(max = MAX_REVOCATION_FETCHES_PER_TARGET) {
    this.max = max;
  }

  get used(): number {
    return this.#used;
  }

  /** Wrap a fetch function so each call takes one request from the budget. */
  wrap<A extends unknown[], R>(fetch: (url: string, ...rest: A) => Promise<R>): (url: string, ...rest: A) => Promise<R> {
    return async (url, ...rest) => {
      if (this.#used >= this.max) {
        throw new CertwardenError(ErrorCode.FETCH_UNSUPPORTED, `${url} was not fetched: the target's limit of ${this.max} OCSP/CRL requests (MAX_REVOCATION_FETCHES_PER_TARGET) is reached`);
      }
      this.#used++;
      return fetch(url, ...rest);
    };
  }
}
