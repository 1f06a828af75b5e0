/**
 * When every candidate path fails, which failure is reported: the attempt
 * that got furthest, decided by one named ranking (as rustls-webpki's
 * `rank()` / `most_specific()`), never by numbers scattered through the builder.
 */
import type { Certificate } from '../certificate.ts';
import type { PathRejection } from './reasons.ts';

/** How far a failed attempt got. */
export type AttemptKind =
  /** No issuer at all was found for some certificate: the chain stops in the middle. */
  | 'dead-end'
  /** The chain ends in a self-signed certificate that is not a trust anchor. */
  | 'untrusted-root'
  /** An issuer was found but the link is broken (bad signature) or too long (max depth). */
  | 'broken-link'
  /** A complete path to an anchor, rejected for what its certificates say (validity, usage, names...). */
  | 'anchored';

export interface Attempt {
  kind: AttemptKind;
  /** Leaf first. */
  path: Certificate[];
  reasons: PathRejection[];
}

/** Higher is more specific: the closer an attempt came to a trusted path, the more its reasons tell. */
export function rankAttempt(kind: AttemptKind): number {
  switch (kind) {
    // Nothing to anchor to: the least specific ("add the intermediate", "add the CA").
    case 'dead-end':
      return 1;
    // A root was reached, just not one the policy trusts: says which root.
    case 'untrusted-root':
      return 2;
    // The right issuer by name, but a signature or the depth limit broke the
    // chain: a forged or misissued link is more telling than a missing one.
    case 'broken-link':
      return 3;
    // An anchored path whose certificates break a rule: the most specific of all
    // (an expired leaf under a trusted root is what the user must fix).
    case 'anchored':
      return 4;
  }
}

/**
 * Whether `candidate` is more specific than `best`: a higher rank wins; among
 * anchored paths the one with fewer problems, among the others the longer
 * path (it got further toward an anchor); on a tie the first found stays.
 */
export function isMoreSpecific(candidate: Attempt, best: Attempt | undefined): boolean {
  if (!best) return true;
  const a = rankAttempt(candidate.kind);
  const b = rankAttempt(best.kind);
  if (a !== b) return a > b;
  return candidate.kind === 'anchored' ? candidate.reasons.length < best.reasons.length : candidate.path.length > best.path.length;
}
