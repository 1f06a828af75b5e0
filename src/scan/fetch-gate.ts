/**
 * How many requests a target may make the scanner send.
 *
 * OCSP and CRL URLs come from the served certificates. Whether a chain gives
 * any authority to fetch them at all is anchoring.ts's question (only a chain
 * anchored in the policy does: otherwise they are the server's choice of host,
 * port and path). Fetches that are authorised are still counted per target,
 * on top of the caps per certificate (MAX_OCSP_URLS_PER_CERTIFICATE,
 * MAX_CRL_URLS_PER_CERTIFICATE).
 */
import { CertwardenError, ErrorCode } from '../errors.ts';

/**
 * OCSP and CRL requests for one target. A validated path checked
 * `revocation.check: chain` is at most a leaf and two or three CAs, each with
 * at most 2 OCSP and 2 CRL URLs followed: 16 is above any real chain and
 * bounds what one target (one trusted CA's certificates) can make the
 * scanner fetch.
 */
export const MAX_REVOCATION_FETCHES_PER_TARGET = 16;

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
