/**
 * Fetching the CRLs named in the certificate's cRLDistributionPoints (RFC 5280
 * §5, §6.3), through the cache (believed at most `revocation.max-staleness`
 * after it was fetched), with the policy's crl-number rule (a CRL without
 * cRLNumber is used and warned about, or refused).
 */
import { checkCrlViaDistributionPoints } from '../../crl/cache.ts';
import { CRL_ABSENT_CODES, CRL_UNREACHABLE_CODES } from '../../crl/verify.ts';
import { kindOfResult, type RevocationSourceModule, type SourceAnswer, type SourceContext } from './source.ts';

export const crlSource: RevocationSourceModule<'crl'> = {
  id: 'crl',
  async check(c: SourceContext): Promise<SourceAnswer> {
    const s = c.settings;
    const result = await checkCrlViaDistributionPoints(c.certificate, {
      issuers: [c.issuer],
      cache: c.crlCache,
      at: c.at,
      ...(c.clockSkewMs !== undefined ? { clockSkewMs: c.clockSkewMs } : {}),
      maxAgeMs: s.maxResponseAgeMs,
      maxStalenessMs: s.maxStalenessMs,
      allowFile: c.allowFileCrl,
      crlNumber: s.crlNumber,
      ...(c.signal ? { signal: c.signal } : {}),
    });
    return { kind: kindOfResult(result, CRL_UNREACHABLE_CODES, CRL_ABSENT_CODES), result };
  },
};
