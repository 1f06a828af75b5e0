/**
 * Whether revocation evidence about a target can count: only when the path it
 * is judged on (the issuer that signs staples and OCSP answers, the CRL
 * issuer) is anchored in the policy. Otherwise whoever made the chain can
 * also sign a `good` for it (a self-made root stapling its own answer).
 *
 * Anchored means: the trust verdict passed; or, when it failed for reasons
 * that do not touch the chain's authenticity (an expired certificate, a name
 * mismatch, a key usage), the revocation path ends at an anchor of the policy
 * and every signature along it verifies. A destination whose pins do not
 * match is never anchored: for it the pins are the anchor.
 */
import { TrustReason } from '../trust/evaluate.ts';
import { verifySignature } from '../x509/signature.ts';
import type { TrustView } from './context.ts';

export interface Anchoring {
  anchored: boolean;
  /** Why not, for the finding's message. */
  why?: string;
}

const memo = new WeakMap<TrustView, Anchoring>();

function signedBy(child: TrustView['served'][number], issuer: TrustView['served'][number]): boolean {
  try {
    return verifySignature(child.signatureAlgorithm, child.tbs, child.signatureValue, issuer.publicKey);
  } catch {
    return false; // an unsupported or malformed signature anchors nothing
  }
}

function judge(t: TrustView): Anchoring {
  if (t.verdict.trusted) return { anchored: true };
  const codes = t.verdict.reasons.map((r) => r.code);
  if (codes.includes(TrustReason.PIN_MISMATCH) || codes.includes(TrustReason.PINS_EXPIRED)) return { anchored: false, why: `the destination's pins are not satisfied (${codes.join(', ')})` };
  const path = t.revocationPath;
  const top = path[path.length - 1];
  if (path.length < 2 || !top || !t.resolved.anchors.some((a) => a.fingerprint256 === top.fingerprint256)) {
    return { anchored: false, why: `the chain does not lead to an anchor of the policy (${codes.join(', ') || 'no path'})` };
  }
  for (let i = 0; i + 1 < path.length; i++) {
    if (!signedBy(path[i]!, path[i + 1]!)) return { anchored: false, why: `"${path[i]!.subject}" is not signed by "${path[i + 1]!.subject}" (${codes.join(', ')})` };
  }
  return { anchored: true };
}

/** Whether the target's revocation path is anchored in the policy (computed once per trust view). */
export function revocationAnchoring(t: TrustView): Anchoring {
  let a = memo.get(t);
  if (!a) memo.set(t, (a = judge(t)));
  return a;
}
