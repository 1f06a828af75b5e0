/**
 * V9.2.1 for connections *to* the server: when it asks for a client
 * certificate, it must trust only specific CAs, so it must refuse a client
 * that presents none, a self-signed certificate, one from a CA nobody trusts,
 * and an expired one (all minted at scan time, see credentials.ts).
 *
 * Whether the server asks is read from the plaintext TLS 1.2 flight
 * (CertificateRequest, RFC 5246 §7.4.4). For a TLS 1.3-only server that is
 * encrypted: if it refuses a client without a certificate it evidently
 * requires one and the other probes run; if it accepts, whether it asked at
 * all cannot be seen (`client-auth-undetermined`).
 * Each probe is one connection per credential and per TLS version offered.
 */
import { findingsOf, type Check } from '../check.ts';
import { PROBE_CREDENTIALS, type ProbeCredential } from '../credentials.ts';
import type { Finding } from '../findings.ts';
import { findingSpec } from '../../report/model.ts';
import type { TlsVersion } from '../connect.ts';
import type { ScanContext } from '../context.ts';
import { unb64 } from '../observations.ts';
import { formatName } from '../../x509/name.ts';

const ID = 'client-auth';

/** Every finding this check emits (docs/scan.md, schema/scan-report.schema.json). */
export const CLIENT_AUTH_FINDINGS = {
  'client-auth-accepts-untrusted': findingSpec('V9.2.1', 'high', 'The server asks for a client certificate but accepts a connection with none or with an untrusted, self-signed or expired one'),
  'client-auth-enforced': findingSpec('V9.2.1', 'info', 'The server asks for a client certificate and refused every untrusted credential probed'),
  'client-auth-not-requested': findingSpec('V9.2.1', 'info', 'The server does not ask for a client certificate'),
  'client-auth-undetermined': findingSpec('V9.2.1', 'info', 'Whether the server asks for a client certificate cannot be seen (TLS 1.3 only)'),
} as const;
type ClientAuthFindingId = keyof typeof CLIENT_AUTH_FINDINGS;
const finding = findingsOf(ID, CLIENT_AUTH_FINDINGS);

/** How each probe credential reads in a finding. */
const CREDENTIAL_WORDS: Record<ProbeCredential, string> = {
  none: 'no certificate',
  'self-signed': 'a self-signed certificate',
  'untrusted-ca': 'a certificate from an untrusted CA',
  expired: 'an expired certificate',
};

export interface ProbeResult {
  version: TlsVersion;
  credential: ProbeCredential;
  accepted: boolean;
  detail: string;
}

export interface ClientAuthDetails {
  requested: boolean | 'unknown';
  acceptableCaNames: string[];
  probes: ProbeResult[];
}

async function versionsOffered(ctx: ScanContext, tls12Flight: boolean): Promise<TlsVersion[]> {
  const out: TlsVersion[] = [];
  for (const v of ['TLSv1.2', 'TLSv1.3'] as const) {
    try {
      // A TLS 1.2 server that requires a client certificate fails our plain handshake: its flight shows it is offered.
      if ((v === 'TLSv1.2' && tls12Flight) || (await ctx.handshake(v)).ok) out.push(v);
    } catch {
      // A version whose handshake cannot even be attempted is not offered; the chain checks report connectivity.
    }
  }
  return out;
}

async function probe(ctx: ScanContext, version: TlsVersion, credential: ProbeCredential): Promise<ProbeResult> {
  const h = await ctx.probe(version, credential);
  if (!h.ok) return { version, credential, accepted: false, detail: `handshake refused: ${h.error ?? 'unknown'}` };
  const after = h.after ?? { accepted: true, detail: 'handshake completed' };
  return { version, credential, accepted: after.accepted, detail: after.detail };
}

function names(ders: readonly string[]): string[] {
  return ders.map((d) => {
    try {
      return formatName(unb64(d));
    } catch {
      return '(unparsable name)';
    }
  });
}

export const clientAuthCheck: Check<typeof ID, ClientAuthFindingId, ClientAuthDetails> = {
  id: ID,
  findings: CLIENT_AUTH_FINDINGS,
  requirement: 'V9.2.1',
  title: 'Client certificates: only trusted ones are accepted',
  async run(ctx) {
    const flight = await ctx.flight().catch(() => undefined);
    const versions = await versionsOffered(ctx, flight?.supported === true);
    if (versions.length === 0) await ctx.trust(); // throws the connectivity failure with its reason
    const probes: ProbeResult[] = [];
    let requested: boolean | 'unknown';
    if (flight?.supported) {
      requested = flight.certificateRequested;
    } else {
      // TLS 1.3 only: a refusal without a certificate proves the server requires one.
      const first = await probe(ctx, versions[versions.length - 1]!, 'none');
      probes.push(first);
      requested = first.accepted ? 'unknown' : true;
    }
    const details: ClientAuthDetails = { requested, acceptableCaNames: names(flight?.acceptableCaNames ?? []), probes };
    if (requested === false) return { findings: [finding('client-auth-not-requested', 'the server does not send a CertificateRequest (TLS 1.2)')], details, notApplicable: 'the server does not ask for a client certificate' };
    if (requested === 'unknown') {
      return { findings: [finding('client-auth-undetermined', 'TLS 1.3 only and a client without a certificate is accepted: whether a certificate is requested cannot be seen')], details, notApplicable: 'cannot tell whether a client certificate is requested' };
    }
    const jobs: Array<Promise<ProbeResult>> = [];
    for (const v of versions) for (const c of PROBE_CREDENTIALS) if (!probes.some((p) => p.version === v && p.credential === c)) jobs.push(probe(ctx, v, c));
    probes.push(...(await Promise.all(jobs)));
    const accepted = probes.filter((p) => p.accepted);
    const findings: Finding<ClientAuthFindingId>[] = [];
    if (accepted.length > 0) {
      // One clause per credential, naming every version that accepted it; each distinct piece of evidence is said once.
      const credentials = [...new Set(accepted.map((p) => p.credential))];
      const how = [...new Set(accepted.map((p) => `${p.version}: ${p.detail}`))];
      const list = credentials.map((c) => `${CREDENTIAL_WORDS[c]} (${accepted.filter((p) => p.credential === c).map((p) => p.version).join(', ')})`);
      findings.push(finding('client-auth-accepts-untrusted', `the server asks for a client certificate but accepted ${list.join('; ')}. Evidence: ${how.join('; ')}`, { accepted: accepted.map((p) => `${p.version}/${p.credential}`) }));
    } else {
      findings.push(finding('client-auth-enforced', `the server refused every untrusted credential probed (${probes.length} probes)${details.acceptableCaNames.length ? `; acceptable CAs: ${details.acceptableCaNames.join(' | ')}` : ''}`));
    }
    return { findings, details };
  },
};
