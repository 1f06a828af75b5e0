/**
 * Which revocation status is reported for a whole path when its certificates
 * got different ones: the one `rankStatus` puts highest. One named function,
 * one comment per group, in the manner of rustls-webpki's `rank()`.
 */
import type { RevocationStatus } from '../core/revocation-vocabulary.ts';

/** Higher is worse and more specific; the path reports its highest. */
export function rankStatus(status: RevocationStatus): number {
  switch (status) {
    // Admits the certificate: the least to say.
    case 'good':
      return 0;
    // No status could be established (unreachable, untrustworthy, no source):
    // rejects, but says nothing about the certificate itself.
    case 'error':
      return 1;
    // An authentic answer from a responder that does not know the certificate
    // (RFC 6960 §2.2): about the certificate, and not good.
    case 'unknown':
      return 2;
    // An authentic revocation: the most specific, and final.
    case 'revoked':
      return 3;
  }
}

/** The worst of `statuses` by {@link rankStatus} (`good` when empty). */
export function worstStatus(statuses: Iterable<RevocationStatus>): RevocationStatus {
  let worst: RevocationStatus = 'good';
  for (const s of statuses) if (rankStatus(s) > rankStatus(worst)) worst = s;
  return worst;
}
