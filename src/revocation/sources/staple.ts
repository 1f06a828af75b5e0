/**
 * The OCSP response the server stapled in the handshake (RFC 6066 §8), for
 * the leaf only. DER only: anything else is malformed, never PEM-decoded. A
 * good answer older than `revocation.max-staleness` (a server still stapling
 * its cache after a revocation) is not believed: the next source is asked.
 */
import { verifyOcspResponse, type OcspVerification } from '../../ocsp/verify.ts';
import { OcspReason, reason as ocspReason } from '../../ocsp/reasons.ts';
import type { RevocationEvidence, RevocationResult } from '../../core/revocation-vocabulary.ts';
import { RevocationCheckReason } from '../reasons.ts';
import type { RevocationSourceModule, SourceAnswer, SourceContext } from './source.ts';

/** The first byte of a DER OCSPResponse (a SEQUENCE). */
const DER_SEQUENCE_TAG = 0x30;

function notDerStaple(): OcspVerification {
  return { status: 'invalid', reasons: [ocspReason(OcspReason.MALFORMED, 'the stapled OCSP response is not DER (RFC 6066 §8)')] };
}

function verifyStaple(staple: Uint8Array, c: SourceContext): OcspVerification {
  if (staple[0] !== DER_SEQUENCE_TAG) return notDerStaple();
  return verifyOcspResponse(staple, { certificate: c.certificate, issuer: c.issuer, at: c.at, ...(c.clockSkewMs !== undefined ? { clockSkewMs: c.clockSkewMs } : {}), maxAgeMs: c.settings.maxResponseAgeMs });
}

function evidenceOf(staple: Uint8Array, v: OcspVerification): RevocationEvidence {
  const ev: RevocationEvidence = { source: 'staple', der: staple, status: v.status === 'invalid' ? 'error' : v.status, reasons: v.reasons };
  if (v.producedAt) ev.producedAt = v.producedAt;
  if (v.thisUpdate) ev.thisUpdate = v.thisUpdate;
  if (v.nextUpdate) ev.nextUpdate = v.nextUpdate;
  if (v.signer) ev.signer = v.signer === 'issuer' ? 'issuer' : `delegated: ${v.responderCertificate?.subject ?? '?'}`;
  return ev;
}

export const stapleSource: RevocationSourceModule<'staple'> = {
  id: 'staple',
  async check(c: SourceContext): Promise<SourceAnswer> {
    const staple = c.staple;
    if (c.index !== 0 || staple === undefined) return { kind: 'absent', result: { status: 'error', reasons: [], evidence: [] } };
    const v = verifyStaple(staple, c);
    const evidence = [evidenceOf(staple, v)];
    if (v.status === 'invalid') {
      const why = { code: RevocationCheckReason.STAPLE_INVALID, message: `the stapled OCSP response cannot be trusted: ${v.reasons.map((r) => r.code).join(', ')}` };
      return { kind: 'untrustworthy', result: { status: 'error', reasons: [why, ...v.reasons], evidence } };
    }
    // revocation.max-staleness: a good staple is believed for so long after its thisUpdate.
    const believedUntil = v.thisUpdate ? v.thisUpdate.getTime() + c.settings.maxStalenessMs : undefined;
    if (v.status === 'good' && (believedUntil === undefined || c.at.getTime() > believedUntil)) {
      const why = { code: RevocationCheckReason.STAPLE_TOO_OLD, message: `the stapled good answer is older than revocation.max-staleness (thisUpdate ${v.thisUpdate?.toISOString() ?? 'absent'}): not believed, asking the next source` };
      return { kind: 'absent', result: { status: 'error', reasons: [why], evidence } };
    }
    const result: RevocationResult = { status: v.status, reasons: v.reasons, evidence };
    if (v.nextUpdate) result.validUntil = v.nextUpdate;
    if (believedUntil !== undefined && (!result.validUntil || result.validUntil.getTime() > believedUntil)) result.validUntil = new Date(believedUntil);
    if (v.revocationTime) result.revocationTime = v.revocationTime;
    if (v.revocationReason) result.revocationReason = v.revocationReason;
    return { kind: 'conclusive', result };
  },
};
