/**
 * Asking the OCSP responders named in the certificate's AIA (RFC 6960),
 * through the cache (believed at most `revocation.max-staleness` after it was
 * fetched) and the caller's `ocspFetch` and abort signal.
 */
import { queryOcsp } from '../../ocsp/fetch.ts';
import { OCSP_ABSENT_CODES, OCSP_UNREACHABLE_CODES, OcspReason } from '../../ocsp/reasons.ts';
import { kindOfResult, type RevocationSourceModule, type SourceAnswer, type SourceContext } from './source.ts';

export const ocspSource: RevocationSourceModule<'ocsp'> = {
  id: 'ocsp',
  async check(c: SourceContext): Promise<SourceAnswer> {
    if (c.certificate.ocspUrls.length === 0) {
      return { kind: 'absent', result: { status: 'error', reasons: [{ code: OcspReason.NO_URL, message: 'the certificate names no OCSP responder (AIA)' }], evidence: [] } };
    }
    const s = c.settings;
    const result = await queryOcsp({
      certificate: c.certificate,
      issuer: c.issuer,
      at: c.at,
      ...(c.clockSkewMs !== undefined ? { clockSkewMs: c.clockSkewMs } : {}),
      maxAgeMs: s.maxResponseAgeMs,
      timeoutMs: s.timeouts.ocspMs,
      maxBytes: s.maxResponseBytes.ocsp,
      preferGet: s.ocspGet,
      cache: c.ocspCache,
      maxStalenessMs: s.maxStalenessMs,
      ...(c.signal ? { signal: c.signal } : {}),
      ...(c.ocspFetch ? { fetch: c.ocspFetch } : {}),
    });
    return { kind: kindOfResult(result, OCSP_UNREACHABLE_CODES, OCSP_ABSENT_CODES), result };
  },
};
