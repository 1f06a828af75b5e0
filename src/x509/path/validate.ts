/**
 * RFC 5280 §6 certification path validation, webpki profile by default.
 *
 * Path building is a depth-first search from the leaf toward the trust
 * anchors through the untrusted pool, with backtracking: issuers are found by
 * subject name (RFC 5280 §7.1 comparison), AKI/SKI only orders them. Each
 * edge is kept only when the issuer's key verifies the child's signature over
 * the exact TBS bytes. When an anchor is reached the whole path is checked;
 * the first path with no rejection wins. Cycles are cut (no certificate, and
 * no subject+key pair, twice in a path); the search is bounded by maxDepth
 * and by a work budget (signature checks and candidate steps) against
 * pathological pools.
 *
 * Never throws and never fails open: any unexpected exception yields an
 * untrusted result with reason 'internal-error'.
 */
import type { Certificate } from '../certificate.ts';
import { isValidReferenceHostname, matchesHostname } from '../hostname.ts';
import { nameKey } from '../name.ts';
import { OID } from '../oids.ts';
import { verifySignature } from '../signature.ts';
import { IssuerIndex } from './build.ts';
import { checkNameConstraints, NameConstraintBudgetError, parseNameConstraints, type NameConstraintSet } from './name-constraints.ts';
import { processPolicies, type PolicySettings } from './policies.ts';
import { checkCertificate, findingFromError, type Finding, type Profile, type Purpose, type Role } from './profile.ts';
import { PathReason, type PathRejection } from './reasons.ts';
import { isMoreSpecific, type Attempt } from './rank.ts';

export { PathReason, type PathRejection, type PathReasonCode } from './reasons.ts';
export type { Profile, Purpose } from './profile.ts';

export interface PathValidationOptions {
  /** Trust anchors. Checked as CA certificates (validity, basicConstraints, key...), but their signature is not verified. */
  anchors: readonly Certificate[];
  /** Untrusted pool (may hold junk, duplicates, cycles, the leaf itself). */
  intermediates?: readonly Certificate[];
  /** Validation time, default now. Truncated to whole seconds (certificate times have second precision). */
  at?: Date;
  /** Allowed clock skew either way, default 0. */
  clockSkewMs?: number;
  /** EKU to require; default 'serverAuth'. */
  purpose?: Purpose;
  /** DNS name or IP literal to match against the leaf's subjectAltName. */
  hostname?: string;
  /** Maximum number of intermediates (self-issued ones not counted); default 8. */
  maxDepth?: number;
  /** Accept SHA-1 signatures on non-anchor certificates; default false. */
  allowSha1?: boolean;
  /** Minimum RSA modulus size; default 2048. */
  minRsaBits?: number;
  /** Signature checks allowed while building (candidate steps: 50x this); default 200. */
  maxPathBuildingWork?: number;
  /** 'webpki' (default: RFC 5280 + CA/B Forum rules) or 'rfc5280' (RFC 5280 only, e.g. for PKITS). */
  profile?: Profile;
  /** RFC 5280 §6.1.1 policy inputs; default: any policy, nothing required. */
  policy?: Partial<PolicySettings>;
}

export interface PathValidationResult {
  trusted: boolean;
  /** Leaf first, anchor last; the best attempt when untrusted. */
  path: Certificate[];
  reasons: PathRejection[];
  /** When trusted and policy processing ran: the user-constrained policy set (RFC 5280 §6.1.6), OIDs or 'anyPolicy'. */
  policies?: string[];
}

class BudgetExceeded extends Error {}

function rejection(code: PathRejection['code'], message: string, cert?: Certificate, index?: number): PathRejection {
  if (!cert) return { code, message };
  let subject: string;
  try {
    subject = cert.subject;
  } catch {
    subject = '<malformed name>';
  }
  return { code, message, certificate: { subject, serial: cert.serialHex, index: index ?? 0 } };
}

function dedupe(reasons: PathRejection[]): PathRejection[] {
  const seen = new Set<string>();
  return reasons.filter((r) => {
    const k = `${r.code}|${r.message}|${r.certificate?.index ?? ''}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

export function validatePath(leaf: Certificate, options: PathValidationOptions): PathValidationResult {
  try {
    return new Validator(options).run(leaf);
  } catch (e) {
    return {
      trusted: false,
      path: [leaf],
      reasons: [{ code: PathReason.INTERNAL_ERROR, message: `path validation failed unexpectedly: ${e instanceof Error ? e.message : String(e)}` }],
    };
  }
}

class Validator {
  readonly o: Required<Omit<PathValidationOptions, 'hostname' | 'intermediates' | 'at' | 'policy'>> & { hostname?: string; policy?: Partial<PolicySettings> };
  readonly at: number;
  readonly anchors: IssuerIndex;
  readonly pool: IssuerIndex;
  sigBudget: number;
  stepBudget: number;
  budgetHit = false;
  readonly sigCache = new Map<string, boolean | Finding>();
  readonly certCache = new Map<string, Finding[]>();
  best: Attempt | undefined;

  constructor(options: PathValidationOptions) {
    const work = options.maxPathBuildingWork ?? 200;
    this.o = {
      anchors: options.anchors,
      clockSkewMs: options.clockSkewMs ?? 0,
      purpose: options.purpose ?? 'serverAuth',
      maxDepth: options.maxDepth ?? 8,
      allowSha1: options.allowSha1 ?? false,
      minRsaBits: options.minRsaBits ?? 2048,
      maxPathBuildingWork: work,
      profile: options.profile ?? 'webpki',
      ...(options.hostname !== undefined ? { hostname: options.hostname } : {}),
      ...(options.policy !== undefined ? { policy: options.policy } : {}),
    };
    const at = options.at?.getTime() ?? Date.now();
    // Certificate times have one-second precision: compare at that granularity (floor).
    this.at = Math.floor(at / 1000) * 1000;
    this.anchors = new IssuerIndex(options.anchors);
    this.pool = new IssuerIndex(options.intermediates ?? [], this.anchors.fingerprints);
    this.sigBudget = work;
    this.stepBudget = work * 50;
  }

  run(leaf: Certificate): PathValidationResult {
    // A leaf that is itself an anchor (a pinned self-signed certificate): a path of one.
    if (this.anchors.has(leaf)) {
      const reasons = this.checkPath([leaf]);
      return { trusted: reasons.length === 0, path: [leaf], reasons };
    }
    let found: PathValidationResult | undefined;
    try {
      found = this.extend([leaf]);
    } catch (e) {
      if (!(e instanceof BudgetExceeded)) throw e;
      this.budgetHit = true;
    }
    if (found) return found;
    const best: Attempt = this.best ?? { kind: 'dead-end', path: [leaf], reasons: [rejection(PathReason.NO_PATH_TO_ANCHOR, 'no issuer for the leaf was found among the anchors or intermediates', leaf, 0)] };
    let reasons = best.reasons;
    if (best.kind !== 'anchored') {
      // No anchored path: add what is wrong with the leaf on its own.
      const leafOnly = this.leafFindings(leaf);
      reasons = [...reasons, ...leafOnly];
    }
    if (this.budgetHit) reasons = [rejection(PathReason.BUDGET_EXCEEDED, `path building stopped after ${this.o.maxPathBuildingWork} signature checks or ${this.o.maxPathBuildingWork * 50} steps`), ...reasons];
    return { trusted: false, path: best.path, reasons: dedupe(reasons) };
  }

  /** Keep the most specific failure (rank.ts) to report if no path is trusted. */
  record(attempt: Attempt): void {
    if (isMoreSpecific(attempt, this.best)) this.best = attempt;
  }

  step(): void {
    if (--this.stepBudget < 0) throw new BudgetExceeded();
  }

  verified(child: Certificate, issuer: Certificate): true | Finding {
    const key = `${child.fingerprint256}:${issuer.fingerprint256}`;
    let r = this.sigCache.get(key);
    if (r === undefined) {
      if (--this.sigBudget < 0) throw new BudgetExceeded();
      try {
        r = verifySignature(child.signatureAlgorithm, child.tbs, child.signatureValue, issuer.publicKey)
          ? true
          : { code: PathReason.BAD_SIGNATURE, message: `signature does not verify with the key of ${issuer.describe()}` };
      } catch (e) {
        r = findingFromError(e, 'signature');
      }
      this.sigCache.set(key, r);
    }
    return r === true ? true : (r as Finding);
  }

  logicalIntermediates(chain: readonly Certificate[], upTo = chain.length): number {
    let n = 0;
    for (let i = 1; i < upTo; i++) if (!chain[i]!.isSelfIssued) n++;
    return n;
  }

  /** DFS. Returns a trusted result, or undefined after recording failures. */
  extend(chain: Certificate[]): PathValidationResult | undefined {
    const cur = chain[chain.length - 1]!;
    const index = chain.length - 1;
    const anchors = this.anchors.candidates(cur, this.at);
    const pool = this.pool.candidates(cur, this.at);
    let tried = false;
    const deadEnd = (): void => {
      const selfSigned = cur.isSelfIssued;
      this.record({
        kind: selfSigned ? 'untrusted-root' : 'dead-end',
        path: chain,
        reasons: [
          selfSigned
            ? rejection(PathReason.UNTRUSTED_ROOT, 'the chain ends in a self-signed certificate that is not a trust anchor', cur, index)
            : rejection(PathReason.NO_PATH_TO_ANCHOR, `no issuer named "${safeIssuer(cur)}" among the anchors or intermediates`, cur, index),
        ],
      });
    };
    const inChain = new Set(chain.map((c) => c.fingerprint256));
    const logical = new Set(chain.map((c) => `${nameKey(c.subjectDer)}|${Buffer.from(c.spkiDer).toString('base64')}`));
    for (const [cand, isAnchor] of [...anchors.map((c) => [c, true] as const), ...pool.map((c) => [c, false] as const)]) {
      this.step();
      if (inChain.has(cand.fingerprint256)) continue;
      if (!isAnchor && logical.has(`${nameKey(cand.subjectDer)}|${Buffer.from(cand.spkiDer).toString('base64')}`)) continue;
      tried = true;
      const sig = this.verified(cur, cand);
      const next = [...chain, cand];
      if (sig !== true) {
        this.record({ kind: 'broken-link', path: next, reasons: [rejection(sig.code, sig.message, cur, index)] });
        continue;
      }
      if (isAnchor) {
        const reasons = this.checkPath(next);
        if (reasons.length === 0) return { trusted: true, path: next, reasons: [], ...(this.policyOut ? { policies: this.policyOut } : {}) };
        this.record({ kind: 'anchored', path: next, reasons });
        continue;
      }
      if (!cand.isSelfIssued && this.logicalIntermediates(next) > this.o.maxDepth) {
        this.record({ kind: 'broken-link', path: next, reasons: [rejection(PathReason.MAX_DEPTH_EXCEEDED, `more than ${this.o.maxDepth} intermediates would be needed`, cand, index + 1)] });
        continue;
      }
      if (next.length > 2 * this.o.maxDepth + 4) continue;
      const r = this.extend(next);
      if (r) return r;
    }
    if (!tried) deadEnd();
    return undefined;
  }

  certFindings(cert: Certificate, role: Role): Finding[] {
    const key = `${cert.fingerprint256}:${role}`;
    let f = this.certCache.get(key);
    if (!f) {
      f = checkCertificate(cert, role, { profile: this.o.profile, purpose: this.o.purpose, minRsaBits: this.o.minRsaBits });
      this.certCache.set(key, f);
    }
    return f;
  }

  validity(cert: Certificate, index: number): PathRejection[] {
    const skew = this.o.clockSkewMs;
    if (this.at + skew < cert.notBefore.getTime()) return [rejection(PathReason.NOT_YET_VALID, `not valid before ${cert.notBefore.toISOString()}`, cert, index)];
    if (this.at - skew > cert.notAfter.getTime()) return [rejection(PathReason.EXPIRED, `expired at ${cert.notAfter.toISOString()}`, cert, index)];
    return [];
  }

  hostnameFindings(leaf: Certificate): PathRejection[] {
    const h = this.o.hostname;
    if (h === undefined) return [];
    if (!isValidReferenceHostname(h)) return [rejection(PathReason.INVALID_HOSTNAME, `"${h}" is not a valid DNS name or IP address`, leaf, 0)];
    if (!matchesHostname(leaf, h)) return [rejection(PathReason.HOSTNAME_MISMATCH, `the certificate's subjectAltName does not cover "${h}"`, leaf, 0)];
    return [];
  }

  leafFindings(leaf: Certificate): PathRejection[] {
    return [
      ...this.certFindings(leaf, 'leaf').map((f) => rejection(f.code, f.message, leaf, 0)),
      ...this.validity(leaf, 0),
      ...this.hostnameFindings(leaf),
    ];
  }

  policyOut: string[] | undefined;

  /** All rejections of a complete path (leaf first, anchor last; the signatures were verified while building). */
  checkPath(path: Certificate[]): PathRejection[] {
    const n = path.length;
    const out: PathRejection[] = [];
    for (let i = 0; i < n; i++) {
      const cert = path[i]!;
      const role: Role = i === 0 ? (n === 1 ? 'leaf-anchor' : 'leaf') : i === n - 1 ? 'anchor' : 'ca';
      for (const f of this.certFindings(cert, role)) out.push(rejection(f.code, f.message, cert, i));
      out.push(...this.validity(cert, i));
      if (i < n - 1) {
        try {
          const alg = cert.signatureAlgorithm;
          if (alg.hash === 'sha1' && !this.o.allowSha1) out.push(rejection(PathReason.WEAK_SIGNATURE_ALGORITHM, `signed with ${alg.name} (SHA-1)`, cert, i));
          if (alg.keyType === 'dsa' && this.o.profile === 'webpki') out.push(rejection(PathReason.WEAK_SIGNATURE_ALGORITHM, `signed with ${alg.name} (DSA)`, cert, i));
        } catch {
          // already reported by the certificate checks
        }
      }
      if (i >= 1) {
        try {
          const pathLength = cert.basicConstraints?.pathLength;
          if (pathLength !== undefined) {
            const below = this.logicalIntermediates(path, i);
            if (below > pathLength) out.push(rejection(PathReason.PATH_LENGTH_EXCEEDED, `pathLenConstraint ${pathLength} but ${below} intermediate(s) follow`, cert, i));
          }
        } catch {
          // reported as malformed
        }
      }
    }
    if (n > 1 && this.logicalIntermediates(path, n - 1) > this.o.maxDepth) {
      out.push(rejection(PathReason.MAX_DEPTH_EXCEEDED, `more than ${this.o.maxDepth} intermediates`));
    }
    out.push(...this.hostnameFindings(path[0]!));
    out.push(...this.nameConstraints(path));
    if (out.length === 0) {
      const p = this.policies(path);
      out.push(...p);
    }
    return dedupe(out);
  }

  nameConstraints(path: Certificate[]): PathRejection[] {
    const sets: NameConstraintSet[] = [];
    const budget = { left: this.o.maxPathBuildingWork * 5000 };
    for (let i = path.length - 1; i >= 0; i--) {
      const cert = path[i]!;
      try {
        if (sets.length > 0 && (i === 0 || !cert.isSelfIssued)) {
          const v = checkNameConstraints(cert, sets, budget);
          if (v) return [rejection(PathReason.NAME_CONSTRAINT_VIOLATION, v, cert, i)];
        }
        if (i >= 1) {
          const ext = cert.getExtension(OID.nameConstraints);
          if (ext) sets.push(parseNameConstraints(ext.value));
        }
      } catch (e) {
        if (e instanceof NameConstraintBudgetError) return [rejection(PathReason.BUDGET_EXCEEDED, e.message, cert, i)];
        const f = findingFromError(e, 'name constraints');
        return [rejection(f.code === PathReason.MALFORMED_CERTIFICATE ? PathReason.NAME_CONSTRAINT_VIOLATION : f.code, f.message, cert, i)];
      }
    }
    return [];
  }

  policies(path: Certificate[]): PathRejection[] {
    this.policyOut = undefined;
    const r = processPolicies(path, this.o.policy);
    if (r.ok) {
      this.policyOut = r.policies;
      return [];
    }
    return [rejection(PathReason.POLICY_VIOLATION, r.message, r.index === undefined ? undefined : path[r.index], r.index)];
  }
}

function safeIssuer(cert: Certificate): string {
  try {
    return cert.issuer;
  } catch {
    return '<malformed name>';
  }
}
