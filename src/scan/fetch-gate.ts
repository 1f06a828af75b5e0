/**
 * What gives the scanner the right to send a request on a target's behalf.
 *
 * OCSP and CRL URLs come from the served certificates. They speak for a CA
 * the user trusts only when every certificate on the path is signed by the
 * next one up to an anchor of the policy: then the URLs were written by that
 * CA, even if the leaf fails another rule (a name it does not cover, an
 * expired date), and asking about them is what a client would do. Otherwise
 * they are the server's choice of host, port and path, and the chain gives no
 * authority to make the scanner send anything: its revocation is reported as
 * not checked, never as a pass. Fetches that are authorised are still
 * counted per target, on top of the caps per certificate
 * (MAX_OCSP_URLS_PER_CERTIFICATE, MAX_CRL_URLS_PER_CERTIFICATE).
 */
import { CertwardenError, ErrorCode } from '../errors.ts';
import type { TrustVerdict } from '../trust/evaluate.ts';
import type { Certificate } from '../x509/certificate.ts';
import { verifySignature } from '../x509/signature.ts';

/**
 * OCSP and CRL requests for one target. A validated path checked
 * `revocation.check: chain` is at most a leaf and two or three CAs, each with
 * at most 2 OCSP and 2 CRL URLs followed: 16 is above any real chain and
 * bounds what one target (one trusted CA's certificates) can make the
 * scanner fetch.
 */
export const MAX_REVOCATION_FETCHES_PER_TARGET = 16;

function signs(issuer: Certificate, child: Certificate): boolean {
  try {
    return verifySignature(child.signatureAlgorithm, child.tbs, child.signatureValue, issuer.publicKey);
  } catch {
    return false;
  }
}

/** Whether each certificate of `path` (leaf first) is signed by the next, and the last is one of `anchors`. */
export function signedUpToAnchor(path: readonly Certificate[], anchors: readonly Certificate[]): boolean {
  const top = path.at(-1);
  if (!top || path.length < 2 || !anchors.some((a) => a.fingerprint256 === top.fingerprint256)) return false;
  for (let i = 0; i + 1 < path.length; i++) if (!signs(path[i + 1]!, path[i]!)) return false;
  return true;
}

/**
 * Why the chain gives no authority to fetch the URLs its certificates name,
 * or undefined when it has it: the verdict is trusted, or `path` (the one
 * revocation is judged on) is signed certificate by certificate up to an
 * anchor of the policy.
 */
export function revocationFetchRefusal(verdict: TrustVerdict, path: readonly Certificate[], anchors: readonly Certificate[]): string | undefined {
  if (verdict.trusted || signedUpToAnchor(path, anchors)) return undefined;
  const why = verdict.reasons[0]?.message;
  return `revocation was not checked: the chain does not validate to a trust anchor of the policy${why ? ` (${why})` : ''}, and certwarden sends no OCSP or CRL request to URLs named by a certificate no trusted CA signed`;
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
