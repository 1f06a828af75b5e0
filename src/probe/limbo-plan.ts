/**
 * Which x509-limbo vectors can run over the wire against a TLS client, and
 * why the others cannot. A vector applies when a loopback TLS server can
 * present exactly its chain, signed for with the leaf's own key, under its
 * expected peer name, at a time when the client's real clock gives the
 * same verdict as the vector's validation_time; everything else is skipped
 * with a reason from a closed set ({@link LIMBO_SKIP_REASONS}), counted per
 * reason in the report. Skipping is never a pass: skipped vectors are not
 * cases and prove nothing either way.
 */
import { isIP } from 'node:net';
import { X509Certificate } from 'node:crypto';
import { Certificate } from '../x509/certificate.ts';
import type { Severity } from '../report/model.ts';
import type { CaseSpec } from './cases.ts';
import type { LimboImportance, LimboTestcase } from './limbo-file.ts';

/**
 * Skip reasons, in the order they are checked: the first that holds is the
 * one reported (a vector for a client certificate is `client-validation`
 * even if it also has CRLs). Declared once with the text the docs, the
 * usage and the reports show.
 */
export const LIMBO_SKIP_REASONS = {
  'client-validation': 'validation_kind CLIENT: the vector validates a client certificate; the probe runs TLS clients against servers',
  'no-server-name': 'no DNS or IP expected peer name a client can connect to (none, RFC 822 only, or not a host name): a TLS client always checks the name it connected to',
  'extended-key-usage': 'the vector asks for an extended key usage other than serverAuth; a TLS client checks serverAuth only',
  'max-chain-depth': 'max_chain_depth is a validator setting; nothing in a connection tells the client a depth limit',
  'out-of-band-crl': 'the vector hands CRLs to the validator out of band; a TLS client gets none in the handshake (and the certificates name no loopback CRL distribution point)',
  'profile-choice': 'limbo marks the vector pedantic or profile-specific (a pedantic-* or rfc5280-incompatible-with-webpki feature, or the RFC 5280 side of a conflicts_with pair): its verdict is a choice of profile, not of trust',
  'no-leaf-key': 'limbo ships no private key for the leaf (peer_certificate_key): a server cannot complete a TLS 1.2 or 1.3 handshake without signing with it',
  'validation-time': 'the vector validates at a fixed validation_time and a certificate\'s validity then differs from now: clients use the real clock',
  'over-cap': 'more vectors apply than one run serves (MAX_LIMBO_CASES); the rest are not run',
  'unservable': 'the loopback TLS server cannot load the leaf, its key or the intermediates, or cannot complete a handshake with them (self-test with a non-validating client): a rejection would prove nothing',
  'no-loopback-route': 'the peer name is not loopback and the client was given no route to the farm ({addr} in its command, or --proxy honoured on the control): it would resolve the name itself',
} as const;

export type LimboSkipReason = keyof typeof LIMBO_SKIP_REASONS;

/**
 * Vectors served in one run. Each is one server and one client process; the
 * regenerated suite has 208 vectors and the full upstream one (BetterTLS
 * included) about 9,000: the cap keeps a run to minutes, not hours.
 */
export const MAX_LIMBO_CASES = 2_000;
/**
 * How far from now a certificate's validity may not change for a vector with
 * a validation_time to run: a boundary inside this window could flip the
 * client's verdict during the run (or between clocks).
 */
export const LIMBO_CLOCK_MARGIN_MS = 86_400_000;

/** limbo features whose verdict is a profile choice (limbo's own opt-outs). */
const PROFILE_FEATURES = (f: string): boolean => f.startsWith('pedantic-') || f === 'rfc5280-incompatible-with-webpki';

export type LimboCaseId = `limbo:${string}`;

/** A vector that runs. */
export interface LimboCase {
  testcase: LimboTestcase;
  spec: CaseSpec & { id: LimboCaseId };
  /** The expected peer name: the client's {host}. */
  host: string;
  /** {host} as it goes in a URL (IPv6 in brackets). */
  urlHost: string;
  /** The name reaches the farm's 127.0.0.1 server without a route (localhost, 127.0.0.1). */
  direct: boolean;
}

export interface LimboSkip {
  id: LimboCaseId;
  reason: LimboSkipReason;
  /** What in the vector made it skip (a feature, a name, a date). */
  detail?: string;
}

export interface LimboPlan {
  cases: LimboCase[];
  skipped: LimboSkip[];
}

/**
 * Severity of accepting a vector limbo expects to fail: limbo's importance
 * where it gives one; `undetermined` counts as high (an unknown importance
 * is not a low one).
 */
const ACCEPT_SEVERITY: Readonly<Record<LimboImportance, Severity>> = { critical: 'critical', high: 'high', undetermined: 'high', medium: 'medium', low: 'low' };
/** Rejecting a chain limbo expects to validate errs on the safe side: an interoperability defect, a warning. */
export const LIMBO_REJECTED_SEVERITY: Severity = 'low';

export const limboCaseId = (id: string): LimboCaseId => `limbo:${id}`;

/** The first line of a limbo description (the report's `models`), bounded. */
function summary(t: LimboTestcase): string {
  const first = t.description.split(/\n\s*\n/)[0]!.replace(/\s+/g, ' ').trim();
  const text = first === '' ? `x509-limbo vector ${t.id}` : first;
  return `${text.length > 300 ? `${text.slice(0, 300)}…` : text} (x509-limbo: expected ${t.expectedResult})`;
}

const LOOPBACK_DIRECT = new Set(['localhost', '127.0.0.1']);
/** A DNS name a URL and a CONNECT line can carry as is (no wildcard, no spaces, ASCII). */
const HOST_NAME = /^[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,252})$/;

function serverName(t: LimboTestcase): { host: string; urlHost: string } | string {
  const n = t.expectedPeerName;
  if (!n) return t.expectedPeerNames.length > 0 ? `only ${t.expectedPeerNames.map((x) => x.kind).join(', ')} names` : 'no expected peer name';
  if (n.kind === 'IP') {
    const v = isIP(n.value);
    if (v === 0) return `IP name ${n.value.slice(0, 100)} is not an address`;
    return { host: n.value, urlHost: v === 6 ? `[${n.value}]` : n.value };
  }
  if (n.kind === 'DNS') {
    if (!HOST_NAME.test(n.value) || isIP(n.value) !== 0) return `DNS name ${JSON.stringify(n.value.slice(0, 100))} is not a host name a client can connect to`;
    return { host: n.value, urlHost: n.value };
  }
  return `expected peer name is ${n.kind}`;
}

function validity(pem: string): { notBefore: Date; notAfter: Date } | undefined {
  try {
    const c = Certificate.parse(pem);
    return { notBefore: c.notBefore, notAfter: c.notAfter };
  } catch {
    try {
      const x = new X509Certificate(pem);
      return { notBefore: x.validFromDate, notAfter: x.validToDate };
    } catch {
      return undefined;
    }
  }
}

/**
 * Whether the client's clock judges every certificate's validity as the
 * vector's validation_time does, across the margin. A certificate whose
 * validity cannot be read makes the answer "no" (unknown is not "same").
 */
function clockDisagreement(t: LimboTestcase, now: number): string | undefined {
  if (!t.validationTime) return undefined;
  const at = t.validationTime.getTime();
  const all = [t.peerCertificate, ...t.untrustedIntermediates, ...t.trustedCerts];
  for (const [i, pem] of all.entries()) {
    const v = validity(pem);
    const which = i === 0 ? 'the leaf' : `certificate ${i}`;
    if (!v) return `validation_time ${t.validationTime.toISOString()}: cannot read the validity of ${which}`;
    const valid = (ms: number): boolean => v.notBefore.getTime() <= ms && ms <= v.notAfter.getTime();
    const then = valid(at);
    if (valid(now - LIMBO_CLOCK_MARGIN_MS) !== then || valid(now) !== then || valid(now + LIMBO_CLOCK_MARGIN_MS) !== then) {
      return `validation_time ${t.validationTime.toISOString()}: ${which} (${v.notBefore.toISOString()} to ${v.notAfter.toISOString()}) is ${then ? 'valid' : 'invalid'} at validation_time but ${then ? 'invalid' : 'valid'} within a day of now`;
    }
  }
  return undefined;
}

/** The first reason the vector cannot run over the wire, with what made it so. */
function skipReason(t: LimboTestcase, now: number): { reason: LimboSkipReason; detail?: string } | { name: { host: string; urlHost: string } } {
  if (t.validationKind !== 'SERVER') return { reason: 'client-validation' };
  const name = serverName(t);
  if (typeof name === 'string') return { reason: 'no-server-name', detail: name };
  const otherEku = t.extendedKeyUsage.filter((e) => e !== 'serverAuth');
  if (otherEku.length > 0) return { reason: 'extended-key-usage', detail: otherEku.join(', ') };
  if (t.maxChainDepth !== undefined) return { reason: 'max-chain-depth', detail: `max_chain_depth ${t.maxChainDepth}` };
  if (t.crls.length > 0) return { reason: 'out-of-band-crl', detail: `${t.crls.length} CRL(s)` };
  const profile = t.features.filter(PROFILE_FEATURES);
  if (profile.length > 0) return { reason: 'profile-choice', detail: profile.join(', ') };
  if (t.conflictsWith.length > 0 && t.id.startsWith('rfc5280::')) return { reason: 'profile-choice', detail: `conflicts with ${t.conflictsWith.join(', ')}` };
  if (t.peerCertificateKey === undefined) return { reason: 'no-leaf-key' };
  const clock = clockDisagreement(t, now);
  if (clock !== undefined) return { reason: 'validation-time', detail: clock };
  return { name };
}

/** Split a limbo file's vectors into cases that run and skips with their reasons, in file order. */
export function planLimbo(testcases: readonly LimboTestcase[], now = Date.now(), cap = MAX_LIMBO_CASES): LimboPlan {
  const cases: LimboCase[] = [];
  const skipped: LimboSkip[] = [];
  for (const t of testcases) {
    const id = limboCaseId(t.id);
    const r = skipReason(t, now);
    if ('reason' in r) {
      skipped.push({ id, reason: r.reason, ...(r.detail !== undefined ? { detail: r.detail } : {}) });
      continue;
    }
    if (cases.length >= cap) {
      skipped.push({ id, reason: 'over-cap', detail: `cap ${cap}` });
      continue;
    }
    const expected = t.expectedResult === 'SUCCESS' ? 'accept' : 'reject';
    cases.push({
      testcase: t,
      spec: { id, requirement: 'V9.2.1', expected, severity: expected === 'reject' ? ACCEPT_SEVERITY[t.importance] : LIMBO_REJECTED_SEVERITY, models: summary(t) },
      host: r.name.host,
      urlHost: r.name.urlHost,
      direct: LOOPBACK_DIRECT.has(r.name.host.toLowerCase()),
    });
  }
  return { cases, skipped };
}

/** Skips counted per reason, in the order of {@link LIMBO_SKIP_REASONS} (reasons with none left out). */
export function countSkips(skipped: readonly LimboSkip[]): { reason: LimboSkipReason; count: number; text: string }[] {
  return (Object.keys(LIMBO_SKIP_REASONS) as LimboSkipReason[])
    .map((reason) => ({ reason, count: skipped.filter((s) => s.reason === reason).length, text: LIMBO_SKIP_REASONS[reason] }))
    .filter((x) => x.count > 0);
}
