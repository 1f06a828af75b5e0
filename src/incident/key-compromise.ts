/**
 * Playbook: a certificate's private key is compromised.
 *
 * 1. Revoke it in the CA with reason keyCompromise (RFC 5280 §5.3.1), so OCSP
 *    answers `revoked` at once and relying parties that check the
 *    invalidity date (§5.3.2) distrust what was signed since the compromise.
 * 2. Sign a new CRL now (§5.2.3: the next cRLNumber), instead of waiting for
 *    the next scheduled one.
 * 3. Issue a replacement for the same names and profile with a NEW key
 *    (never the compromised one, nor any key revoked for keyCompromise).
 * 4. Say how to deploy it and which pins to rotate.
 * The fleet sweep (fleet.ts) then shows which endpoints still serve the old
 * certificate.
 *
 * Idempotent: the revocation is read back from the CA, and the replacement
 * is recorded in the CA store's metadata (and found again from its files),
 * so a second run reports what the first did instead of revoking twice or
 * minting a second replacement.
 */
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { join } from 'node:path';
import type { CertificateAuthority } from '../ca/ca.ts';
import { CrlPublisher } from '../ca/crl-publisher.ts';
import { ensurePrivateDir } from '../ca/keys.ts';
import { KEY_FILE_MODE, pathExists, PUBLIC_FILE_MODE, writeFileSafely } from '../ca/safe-write.ts';
import type { IssuedRecord } from '../ca/store.ts';
import { CertwardenError, ErrorCode } from '../errors.ts';
import type { Policy } from '../policy/types.ts';
import { readFileBounded } from '../util/bounded-read.ts';
import { Certificate } from '../x509/certificate.ts';
import { spkiOf } from '../x509/sign.ts';
import type { AffectedTest } from './fleet.ts';
import { stalePins, type StalePin } from './pins.ts';
import { findIssued } from './inventory.ts';

/** The CA store metadata key recording a compromised certificate's replacement. */
export const replacementMetaKey = (serial: string): string => `incident:key-compromise:${serial}`;

export interface KeyCompromiseOptions {
  ca: CertificateAuthority;
  /** The certificate whose key is compromised (as deployed). */
  certificate: Certificate;
  /** Where the replacement's files go (created 0700 when missing). */
  outDir: string;
  /** Where the new CRL is written (default: OUT/ca.crl). */
  crlFile?: string;
  /** A public key for the replacement (from a CSR made on the server); absent: the CA generates a key pair. */
  replacementKey?: KeyObject;
  /** RFC 5280 §5.3.2: when the key is known or suspected to have been compromised. */
  invalidityDate?: Date;
  /** For the pins to rotate. */
  policy?: Policy;
}

export interface ReplacementFiles {
  certificate: string;
  chain: string;
  /** Absent when the replacement was issued for a CSR's key (the key stays where the CSR was made). */
  key?: string;
}

export interface KeyCompromiseResult {
  compromised: { serial: string; subject: string; sans: string[]; sha256: string; spkiPin: string; profile: string };
  revocation: { state: 'revoked-now' | 'already-revoked'; revokedAt: string; reason: string; invalidityDate?: string; note?: string };
  crl: { number: string; entries: number; file: string; nextUpdate: string };
  replacement: { state: 'issued-now' | 'already-issued'; serial: string; subject: string; sha256: string; spkiPin: string; notAfter: string; files: ReplacementFiles };
  stalePins: StalePin[];
  deploySteps: string[];
}

/** The file prefix of a compromised certificate's replacement: fixed per serial, so a second run finds it. */
export function replacementPrefix(outDir: string, serial: string): string {
  return join(outDir, `replacement-${serial}`);
}

function filesOf(prefix: string, withKey: boolean): ReplacementFiles {
  return { certificate: `${prefix}.pem`, chain: `${prefix}.chain.pem`, ...(withKey ? { key: `${prefix}.key` } : {}) };
}

/** Base64 SHA-256 SPKI of every key revoked for keyCompromise in this CA: none may come back. */
async function compromisedKeys(ca: CertificateAuthority): Promise<Set<string>> {
  const keys = new Set<string>();
  for (const r of await ca.list({ status: 'revoked' })) if (r.reason === 'keyCompromise') keys.add(new Certificate(r.der).spkiSha256);
  return keys;
}

/** The replacement recorded by an earlier run, if its record is still in the CA. */
async function recordedReplacement(ca: CertificateAuthority, serial: string): Promise<{ record: IssuedRecord; files: ReplacementFiles } | undefined> {
  const raw = await ca.store.getMeta(replacementMetaKey(serial));
  if (raw === undefined) return undefined;
  const m = JSON.parse(raw) as { serial: string; files: ReplacementFiles };
  const record = await ca.get(m.serial);
  // A replacement revoked since (its key exposed too) is no replacement: the files must be moved away and the playbook run again.
  return record && !record.revokedAt ? { record, files: m.files } : undefined;
}

/**
 * A replacement whose files were written but whose metadata was not (the
 * process died in between): the certificate at the fixed prefix, issued by
 * this CA after the compromised one, for the same names, with another key.
 */
async function orphanReplacement(ca: CertificateAuthority, old: IssuedRecord, prefix: string): Promise<{ record: IssuedRecord; files: ReplacementFiles } | undefined> {
  const files = filesOf(prefix, pathExists(`${prefix}.key`));
  if (!pathExists(files.certificate)) return undefined;
  let cert: Certificate;
  try {
    cert = Certificate.parse(readFileBounded(files.certificate, { what: 'the replacement certificate' }));
  } catch {
    return undefined;
  }
  const record = await ca.get(cert.serialHex);
  if (!record || !record.der.equals(cert.der) || record.revokedAt) return undefined;
  if (record.sans.join('\n') !== old.sans.join('\n') || cert.spkiSha256 === new Certificate(old.der).spkiSha256) return undefined;
  return { record, files };
}

export function describeDeploySteps(o: { old: IssuedRecord; oldCert: Certificate; files: ReplacementFiles; crlFile: string; crlUrls: readonly string[]; newPin: string; pins: readonly StalePin[] }): string[] {
  const names = o.old.sans.join(', ');
  const steps: string[] = [];
  if (o.pins.length > 0) {
    steps.push(`Before deploying: add the new key's pin ${o.newPin} next to each stale pin below, roll the policy out to every client, and only then remove the old pin (a client with only the old pin refuses the new certificate).`);
  }
  steps.push(
    `Install ${o.files.chain} (certificate + issuing CA) and ${o.files.key ?? 'the key the CSR was made with'}${o.files.key ? ' (0600, readable only by the server\'s user)' : ''} on every endpoint that served certificate ${o.oldCert.serialHex} (sha256 ${o.oldCert.fingerprint256}) for ${names}.`,
    'Reload each server so it serves the new certificate: nginx: point ssl_certificate / ssl_certificate_key at them, then `nginx -t && nginx -s reload`; Apache: SSLCertificateFile / SSLCertificateKeyFile, then `apachectl configtest && apachectl graceful`; HAProxy: the crt PEM (certificate, chain and key in one file), then `haproxy -c -f CONFIG && systemctl reload haproxy`; Node and other programs: restart them.',
    'Destroy every copy of the compromised key: servers, backups, secret stores, CI variables, container images. Until clients see the revocation, whoever holds it can impersonate these names.',
    o.crlUrls.length > 0
      ? `Publish the new CRL ${o.crlFile} at ${o.crlUrls.join(', ')} unless \`certwarden ca serve\` serves it (it re-signs by itself after a revocation). OCSP served by \`ca serve\` already answers revoked.`
      : `The CA publishes no CRL URL: copy ${o.crlFile} to wherever your relying parties read CRLs; OCSP served by \`ca serve\` already answers revoked.`,
    'Watch the fleet until no endpoint serves the old certificate: `certwarden incident key-compromise ... --until-clean` (or the watch\'s served-revoked events).',
  );
  return steps;
}

export async function runKeyCompromise(o: KeyCompromiseOptions): Promise<KeyCompromiseResult> {
  const { ca, certificate } = o;
  const old = await findIssued(ca, certificate);
  if (old.profile === 'ocsp-responder') throw new CertwardenError(ErrorCode.USAGE, 'an OCSP responder certificate is rotated by `ca serve` (restart it with a fresh responder key), not by this playbook');
  const caRevoked = await ca.issuingRevocation();
  if (caRevoked) {
    // A replacement cannot come from a revoked CA; refuse before changing anything, and say what works instead.
    throw new CertwardenError(ErrorCode.STATE, `the issuing CA of ${ca.dir} was revoked at ${caRevoked.revokedAt.toISOString()} (${caRevoked.reason}) and issues nothing: ${old.revokedAt ? `the certificate is revoked (${old.reason ?? 'unspecified'})` : `revoke the certificate with \`certwarden ca revoke ${old.serial} --reason keyCompromise\``}, and get its replacement from the new CA (\`certwarden incident ca-compromise --new-dir NEWDIR --reissue\`)`);
  }
  const oldSpki = certificate.spkiSha256;
  // Checked before anything changes: a CSR with a compromised key is a mistake to fix first.
  const banned = await compromisedKeys(ca);
  banned.add(oldSpki);
  if (o.replacementKey && spkiSha256(o.replacementKey) === oldSpki) {
    throw new CertwardenError(ErrorCode.INCIDENT_KEY_REUSE, `the replacement key is the compromised key of ${old.serial}: make a new key pair (and a new CSR) on the server`);
  }
  if (o.replacementKey && banned.has(spkiSha256(o.replacementKey))) {
    throw new CertwardenError(ErrorCode.INCIDENT_KEY_REUSE, 'the replacement key belongs to a certificate this CA revoked for keyCompromise: make a new key pair on the server');
  }

  // 1. Revoke (or find the revocation an earlier run made).
  let revocation: KeyCompromiseResult['revocation'];
  if (old.revokedAt) {
    revocation = { state: 'already-revoked', revokedAt: old.revokedAt.toISOString(), reason: old.reason ?? 'unspecified', ...(old.invalidityDate ? { invalidityDate: old.invalidityDate.toISOString() } : {}) };
    if (old.reason !== 'keyCompromise') {
      revocation.note = `revoked earlier with reason ${old.reason ?? 'unspecified'}, not keyCompromise: relying parties refuse it either way, but the CA does not change a recorded reason; record the compromise in the incident log`;
    }
  } else {
    const r = await ca.revoke(old.serial, 'keyCompromise', o.invalidityDate);
    revocation = { state: 'revoked-now', revokedAt: r.revokedAt!.toISOString(), reason: r.reason!, ...(r.invalidityDate ? { invalidityDate: r.invalidityDate.toISOString() } : {}) };
  }

  // 2. A CRL listing it, now.
  ensurePrivateDir(o.outDir);
  const crlFile = o.crlFile ?? join(o.outDir, 'ca.crl');
  const crl = await new CrlPublisher(ca).publish();
  writeFileSafely(crlFile, crl.der, { mode: PUBLIC_FILE_MODE, overwrite: true });

  // 3. The replacement: found again, or issued with a new key.
  const prefix = replacementPrefix(o.outDir, old.serial);
  let found = (await recordedReplacement(ca, old.serial)) ?? (await orphanReplacement(ca, old, prefix));
  let state: KeyCompromiseResult['replacement']['state'] = 'already-issued';
  if (found) {
    await ca.store.setMeta(replacementMetaKey(old.serial), JSON.stringify({ serial: found.record.serial, files: found.files }));
  } else {
    const files = filesOf(prefix, o.replacementKey === undefined);
    const taken = Object.values(files).filter(pathExists);
    if (taken.length > 0) throw new CertwardenError(ErrorCode.IO, `${taken.join(', ')} already exist${taken.length === 1 ? 's' : ''} and hold no valid replacement of ${old.serial} from this CA (none, or one revoked since); move them away and run again`, { details: { paths: taken } });
    const r = await ca.issue({ profile: old.profile as 'server' | 'client', sans: old.sans, mustStaple: certificate.mustStaple, ...(o.replacementKey ? { publicKey: o.replacementKey } : {}) });
    // The CA generated the key, or it came from a CSR checked above; checked again, as the one rule this playbook must not break.
    if (banned.has(r.certificate.spkiSha256)) throw new CertwardenError(ErrorCode.INTERNAL, `the replacement ${r.certificate.serialHex} got a compromised key; revoke it`);
    try {
      writeFileSafely(files.certificate, r.certificate.toPem(), { mode: PUBLIC_FILE_MODE, overwrite: false });
      writeFileSafely(files.chain, [r.certificate, ...r.chain.slice(0, -1)].map((c) => c.toPem()).join(''), { mode: PUBLIC_FILE_MODE, overwrite: false });
      if (r.privateKey && files.key) writeFileSafely(files.key, r.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string, { mode: KEY_FILE_MODE, overwrite: false });
    } catch (err) {
      throw new CertwardenError(ErrorCode.IO, `replacement ${r.certificate.serialHex} was issued, but ${(err as Error).message}; revoke it (certwarden ca revoke ${r.certificate.serialHex} --reason cessationOfOperation) and run the playbook again`, { cause: err, details: { serial: r.certificate.serialHex } });
    }
    await ca.store.setMeta(replacementMetaKey(old.serial), JSON.stringify({ serial: r.record.serial, files }));
    found = { record: r.record, files };
    state = 'issued-now';
  }
  const replacement = new Certificate(found.record.der);
  const newPin = `sha256/${replacement.spkiSha256}`;
  const pins = o.policy ? stalePins(o.policy, new Map([[oldSpki, `the compromised key of ${old.serial}`]])) : [];
  return {
    compromised: { serial: old.serial, subject: old.subject, sans: old.sans, sha256: certificate.fingerprint256, spkiPin: `sha256/${oldSpki}`, profile: old.profile },
    revocation,
    crl: { number: crl.number.toString(), entries: crl.entries, file: crlFile, nextUpdate: crl.nextUpdate.toISOString() },
    replacement: { state, serial: replacement.serialHex, subject: replacement.subject, sha256: replacement.fingerprint256, spkiPin: newPin, notAfter: replacement.notAfter.toISOString(), files: found.files },
    stalePins: pins,
    deploySteps: describeDeploySteps({ old, oldCert: certificate, files: found.files, crlFile, crlUrls: ca.config.crlUrls, newPin, pins }),
  };
}

/** Base64 SHA-256 of a public key's SubjectPublicKeyInfo (as Certificate.spkiSha256). */
function spkiSha256(key: KeyObject): string {
  return createHash('sha256').update(spkiOf(key.type === 'public' ? key : createPublicKey(key))).digest('base64');
}

/** Endpoints still affected: the served leaf is the compromised certificate. */
export function servesCertificate(sha256: string, serial: string): AffectedTest {
  return (chain) => (chain[0]?.sha256 === sha256 ? `still serves the compromised certificate ${serial}` : undefined);
}
