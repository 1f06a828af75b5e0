/**
 * What a revocation source is: an id from the policy's `revocation.sources`,
 * and a check that gives one answer of a closed set of kinds. The source
 * decides the kind (it knows its own codes); the checker only acts on it.
 */
import type { Certificate } from '../../x509/certificate.ts';
import type { RevocationSettings } from '../../policy/types.ts';
import type { QueryOcspOptions } from '../../ocsp/fetch.ts';
import type { OcspCache } from '../../ocsp/cache.ts';
import type { CrlCache } from '../../crl/cache.ts';
import type { RevocationResult, RevocationSource } from '../../core/revocation-vocabulary.ts';

/**
 * The kind of answer a source gives for one certificate:
 *  - `conclusive`: an authentic status (good, revoked or unknown): ends the search;
 *  - `untrustworthy`: an answer arrived but cannot be believed (forged, stale,
 *    malformed): final, it rejects in hard- and soft-fail alike;
 *  - `unreachable`: the source exists but could not be asked: the only kind
 *    soft-fail tolerates; the next source is asked;
 *  - `absent`: the source does not exist for this certificate (no staple, no
 *    responder URL, no distribution point, a staple too old to believe): the
 *    next source is asked.
 */
export type AnswerKind = 'conclusive' | 'untrustworthy' | 'unreachable' | 'absent';

export interface SourceAnswer {
  kind: AnswerKind;
  /** The source's result: its status (meaningful when conclusive), reasons and evidence. */
  result: RevocationResult;
}

/** Everything a source may use to check one certificate. */
export interface SourceContext {
  certificate: Certificate;
  issuer: Certificate;
  /** Position on the path: 0 is the leaf. */
  index: number;
  at: Date;
  clockSkewMs?: number;
  settings: RevocationSettings;
  /** The OCSP response stapled in the handshake, for the leaf (RFC 6066 §8). */
  staple?: Uint8Array;
  ocspCache: OcspCache;
  crlCache: CrlCache;
  allowFileCrl: boolean;
  signal?: AbortSignal;
  ocspFetch?: QueryOcspOptions['fetch'];
}

export interface RevocationSourceModule<Id extends RevocationSource = RevocationSource> {
  readonly id: Id;
  /** May throw only on a bug: the checker turns a throw into an `error` verdict (never fail open). */
  check(context: SourceContext): Promise<SourceAnswer>;
}

/**
 * The kind of a fetched result, from the source's own code sets: any status
 * but `error` is conclusive; an error whose every reason is "unreachable" or
 * "absent" is unreachable (if any reason is) or absent; any other error is an
 * answer that cannot be trusted.
 */
export function kindOfResult(result: RevocationResult, unreachable: ReadonlySet<string>, absent: ReadonlySet<string>): AnswerKind {
  if (result.status !== 'error') return 'conclusive';
  const codes = result.reasons.map((r) => r.code);
  if (codes.length > 0 && codes.every((c) => unreachable.has(c) || absent.has(c))) return codes.some((c) => unreachable.has(c)) ? 'unreachable' : 'absent';
  return 'untrustworthy';
}
