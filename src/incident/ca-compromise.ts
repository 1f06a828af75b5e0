/**
 * Playbook: the issuing CA's key is compromised.
 *
 * 1. The issuing CA certificate is revoked by the root with reason
 *    cACompromise (RFC 5280 §5.3.1) and the root signs a new CRL listing it
 *    at once: the CA's own `revokeIssuingCa` and `publishRootCrl`, exactly
 *    what `ca revoke --issuing-ca` does.
 * 2. A new CA. The CA code cannot put a new issuing CA under the same root:
 *    a CA home holds one issuing CA, and `ca init` mints a root with it.
 *    That is also the safer answer here: the root key is kept in the same
 *    CA home, under the same passphrase, as the key that was compromised, so
 *    it must be presumed exposed too. The playbook prints the exact commands
 *    (a new CA home, its root into every trust store) and, given that new
 *    CA (--new-dir for a home folder, --new-store for one kept wholly in
 *    Postgres), reissues there.
 * 3. Every certificate still valid under the compromised CA is listed, and
 *    with `reissue` reissued under the new CA with a NEW key each.
 * 4. Pins naming the compromised CA's key, its root's, or a key being
 *    replaced.
 * The fleet sweep (fleet.ts) then shows which endpoints still chain to the
 * compromised CA.
 *
 * Idempotent: the issuing CA's revocation is read back from the CA, and each
 * reissue is recorded in the OLD CA store's metadata, so a second run
 * reports what was done instead of doing it again.
 */
import { join } from 'node:path';
import { CA_FILES, type CertificateAuthority } from '../ca/ca.ts';
import { ensurePrivateDir } from '../ca/keys.ts';
import { KEY_FILE_MODE, pathExists, PUBLIC_FILE_MODE, writeFileSafely } from '../ca/safe-write.ts';
import { loadRoot, publishRootCrl, ROOT_CRL_FILE } from '../ca/root-crl.ts';
import type { IssuedRecord } from '../ca/store.ts';
import { CertwardenError, ErrorCode } from '../errors.ts';
import type { Policy } from '../policy/types.ts';
import { Certificate } from '../x509/certificate.ts';
import type { AffectedTest } from './fleet.ts';
import { staleAnchors, stalePins, type StaleAnchor, type StalePin } from './pins.ts';

/** The OLD CA store's metadata key recording a certificate's reissue under the new CA. */
export const reissueMetaKey = (serial: string): string => `incident:ca-compromise:${serial}`;

export interface CaCompromiseOptions {
  ca: CertificateAuthority;
  /** The passphrase of the compromised CA home (the root key signs the root CRL). */
  passphrase: string;
  /** A new CA (made with `ca init`: a home folder or a Postgres store) to reissue under. */
  newCa?: CertificateAuthority;
  /** Reissue every still-valid certificate under `newCa`. */
  reissue: boolean;
  outDir: string;
  invalidityDate?: Date;
  policy?: Policy;
}

export interface StillValid {
  serial: string;
  subject: string;
  sans: string[];
  profile: string;
  notAfter: string;
  reissue?: { state: 'reissued-now' | 'already-reissued'; serial: string; files: { certificate: string; chain: string; key: string } };
}

export interface CaCompromiseResult {
  /** `dir` is absent for a CA kept wholly in a shared store (no home folder). */
  compromisedCa: { subject: string; serial: string; sha256: string; spkiPin: string; dir?: string };
  revocation: { state: 'revoked-now' | 'already-revoked' | 'manual'; revokedAt?: string; reason?: string; rootCrl?: { number: string; file?: string }; note?: string };
  /** `dir` for a new CA home, `store` (its URL without the password) for a new CA kept wholly in a store. */
  newCa: { state: 'given' | 'to-create'; dir?: string; store?: string; subject?: string; rootSha256?: string; commands: string[] };
  stillValid: StillValid[];
  stalePins: StalePin[];
  /** The policy's anchor entries holding the compromised issuing CA or its root: replaced by the new root. */
  staleAnchors: StaleAnchor[];
  humanSteps: string[];
}

function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:@=-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** How a command names this CA: its home folder, or the shared store given in the environment. */
function caOption(ca: CertificateAuthority): string {
  return ca.dir !== undefined ? `--dir ${shellQuote(ca.dir)}` : '(with CERTWARDEN_CA_STORE set)';
}

/**
 * Where a CA is kept, as messages and commands name it: its home folder, or
 * (a CA kept wholly in a store) the store's description, which for Postgres is
 * the URL without its password (util/redact-url.ts).
 */
export function caPlace(ca: CertificateAuthority): { dir: string } | { store: string } {
  return ca.dir !== undefined ? { dir: ca.dir } : { store: ca.store.description };
}

/** The commands that make and roll out the new CA, with the old CA's URLs and algorithm. */
export function newCaCommands(ca: CertificateAuthority, newCa: CertificateAuthority | undefined): string[] {
  const c = ca.config;
  const place = newCa ? caPlace(newCa) : { dir: `${ca.dir ?? 'ca'}-new` };
  if ('store' in place) {
    // A CA kept in a store has no root.pem on disk: its `ca serve` publishes the chain (root last) at /ca.pem.
    const url = shellQuote(place.store);
    return [
      `# add the new root certificate (sha256 ${newCa!.root.fingerprint256}; the last certificate of GET /ca.pem from the new CA's \`ca serve\`) to every trust store and to the policy's trust.cas, beside the old root, and roll that out first`,
      `certwarden incident ca-compromise ${caOption(ca)} --new-store ${url} --reissue --out DIR   # reissue every still-valid certificate there (the URL with its password)`,
      `certwarden ca serve --store ${url} ...   # in place of the old CA's server, at the same URLs`,
    ];
  }
  const dir = place.dir;
  const init = ['certwarden ca init', `--dir ${shellQuote(dir)}`, `--name ${shellQuote(`${c.name} (reissued)`)}`, `--key ${c.key}`, ...c.ocspUrls.map((u) => `--ocsp-url ${shellQuote(u)}`), ...c.crlUrls.map((u) => `--crl-url ${shellQuote(u)}`), ...(c.rootCrlUrls ?? []).map((u) => `--root-crl-url ${shellQuote(u)}`)].join(' ');
  return [
    ...(newCa ? [] : [`${init}   # with a NEW passphrase (--passphrase-file), kept apart from the old one (or --store URL instead of --dir for a CA kept in Postgres, then --new-store URL below)`]),
    `# add ${shellQuote(join(dir, CA_FILES.rootCert))} to every trust store and to the policy's trust.cas, beside the old root, and roll that out first`,
    `certwarden incident ca-compromise ${caOption(ca)} --new-dir ${shellQuote(dir)} --reissue --out DIR   # reissue every still-valid certificate there`,
    `certwarden ca serve --dir ${shellQuote(dir)} ...   # in place of the old CA's server, at the same URLs`,
  ];
}

/** The option naming a CA's place in a command (`--dir DIR` or `--store URL`, the URL without its password). */
function placeOption(ca: CertificateAuthority): string {
  const place = caPlace(ca);
  return 'dir' in place ? `--dir ${shellQuote(place.dir)}` : `--store ${shellQuote(place.store)}`;
}

function describePlace(ca: CertificateAuthority): string {
  const place = caPlace(ca);
  return 'dir' in place ? place.dir : place.store;
}

function reissueFiles(outDir: string, serial: string): { certificate: string; chain: string; key: string } {
  const prefix = join(outDir, `reissued-${serial}`);
  return { certificate: `${prefix}.pem`, chain: `${prefix}.chain.pem`, key: `${prefix}.key` };
}

async function reissueOne(old: CertificateAuthority, neu: CertificateAuthority, rec: IssuedRecord, outDir: string): Promise<StillValid['reissue']> {
  const raw = await old.store.getMeta(reissueMetaKey(rec.serial));
  if (raw !== undefined) {
    const m = JSON.parse(raw) as { serial: string; files: { certificate: string; chain: string; key: string } };
    if (await neu.get(m.serial)) return { state: 'already-reissued', serial: m.serial, files: m.files };
  }
  const files = reissueFiles(outDir, rec.serial);
  const taken = Object.values(files).filter(pathExists);
  if (taken.length > 0) throw new CertwardenError(ErrorCode.IO, `${taken.join(', ')} already exist${taken.length === 1 ? 's' : ''} but no reissue of ${rec.serial} is recorded; move them away and run again`, { details: { paths: taken } });
  const oldCert = new Certificate(rec.der);
  const r = await neu.issue({ profile: rec.profile as 'server' | 'client', sans: rec.sans, mustStaple: oldCert.mustStaple });
  // A reissue never carries a key from under the compromised CA (the CA generated this one; checked anyway).
  if (r.certificate.spkiSha256 === oldCert.spkiSha256) throw new CertwardenError(ErrorCode.INTERNAL, `the reissue of ${rec.serial} got the old key; revoke ${r.certificate.serialHex}`);
  try {
    writeFileSafely(files.certificate, r.certificate.toPem(), { mode: PUBLIC_FILE_MODE, overwrite: false });
    writeFileSafely(files.chain, [r.certificate, ...r.chain.slice(0, -1)].map((c) => c.toPem()).join(''), { mode: PUBLIC_FILE_MODE, overwrite: false });
    writeFileSafely(files.key, r.privateKey!.export({ format: 'pem', type: 'pkcs8' }) as string, { mode: KEY_FILE_MODE, overwrite: false });
  } catch (err) {
    throw new CertwardenError(ErrorCode.IO, `${r.certificate.serialHex} was issued under the new CA for ${rec.serial}, but ${(err as Error).message}; revoke it there (certwarden ca revoke ${r.certificate.serialHex} --reason cessationOfOperation ${placeOption(neu)}) and run again`, { cause: err });
  }
  await old.store.setMeta(reissueMetaKey(rec.serial), JSON.stringify({ serial: r.record.serial, files }));
  return { state: 'reissued-now', serial: r.record.serial, files };
}

export async function runCaCompromise(o: CaCompromiseOptions): Promise<CaCompromiseResult> {
  const { ca } = o;
  const issuing = ca.issuing.certificate;
  if (o.reissue && !o.newCa) throw new CertwardenError(ErrorCode.USAGE, 'reissuing needs the new CA (--new-dir NEWDIR or --new-store URL, made with `certwarden ca init`)');
  if (o.newCa) {
    if (o.newCa.issuing.certificate.fingerprint256 === issuing.fingerprint256) throw new CertwardenError(ErrorCode.USAGE, 'the new CA is the compromised one: create a new one with `certwarden ca init`');
    if (o.newCa.root.spkiSha256 === ca.root.spkiSha256 || o.newCa.issuing.certificate.spkiSha256 === issuing.spkiSha256) throw new CertwardenError(ErrorCode.INCIDENT_KEY_REUSE, 'the new CA reuses a key of the compromised CA home: create it with `certwarden ca init` (fresh keys)');
    if (await o.newCa.issuingRevocation()) throw new CertwardenError(ErrorCode.USAGE, `the new CA ${describePlace(o.newCa)} is revoked too`);
  }

  // 1. The issuing CA revoked on the root's CRL.
  let revocation: CaCompromiseResult['revocation'];
  const root = await loadRoot(ca);
  const existing = await ca.issuingRevocation();
  if (existing) {
    revocation = { state: 'already-revoked', revokedAt: existing.revokedAt.toISOString(), reason: existing.reason };
    if (existing.reason !== 'cACompromise') revocation.note = `revoked earlier with reason ${existing.reason}, not cACompromise; relying parties refuse it either way`;
  } else if (!root) {
    revocation = { state: 'manual', note: `this CA home holds no root key (an imported CA): ask whoever operates its root to revoke ${issuing.serialHex} (${issuing.subject}) with reason cACompromise and publish a CRL at once` };
  } else {
    const r = await ca.revokeIssuingCa('cACompromise', o.invalidityDate);
    revocation = { state: 'revoked-now', revokedAt: r.revokedAt.toISOString(), reason: r.reason };
  }
  if (root) {
    // Signed now on every run: the root CRL on disk then surely lists the revocation.
    const crl = await publishRootCrl(ca, root);
    // On a shared store the root CRL lives in the store and every `ca serve` serves it; in a home folder it is root.crl.
    revocation.rootCrl = { number: crl.number.toString(), ...(ca.dir !== undefined ? { file: join(ca.dir, ROOT_CRL_FILE) } : {}) };
  }

  // 3. What is still valid under it (and its reissue).
  ensurePrivateDir(o.outDir);
  const valid = (await ca.list({ status: 'valid' })).filter((r) => r.profile !== 'ocsp-responder');
  const stillValid: StillValid[] = [];
  for (const rec of valid) {
    const entry: StillValid = { serial: rec.serial, subject: rec.subject, sans: rec.sans, profile: rec.profile, notAfter: rec.notAfter.toISOString() };
    if (o.reissue && o.newCa) {
      const reissued = await reissueOne(ca, o.newCa, rec, o.outDir);
      if (reissued) entry.reissue = reissued;
    }
    stillValid.push(entry);
  }

  // 4. Pins of retired keys.
  const retired = new Map<string, string>([
    [issuing.spkiSha256, `the compromised issuing CA ${issuing.subject}`],
    [ca.root.spkiSha256, `the root ${ca.root.subject} (its key was kept with the compromised one)`],
  ]);
  for (const rec of valid) retired.set(new Certificate(rec.der).spkiSha256, `the key of ${rec.serial} (${rec.sans.join(', ')}), replaced on reissue`);
  const pins = o.policy ? stalePins(o.policy, retired) : [];
  const anchors = o.policy
    ? staleAnchors(o.policy, new Map([
        [issuing.fingerprint256, `the compromised issuing CA ${issuing.subject}`],
        [ca.root.fingerprint256, `the root ${ca.root.subject} of the compromised CA`],
      ]))
    : [];

  const newCa: CaCompromiseResult['newCa'] = o.newCa
    ? { state: 'given', ...caPlace(o.newCa), subject: o.newCa.issuing.certificate.subject, rootSha256: o.newCa.root.fingerprint256, commands: newCaCommands(ca, o.newCa) }
    : { state: 'to-create', commands: newCaCommands(ca, undefined) };
  const humanSteps = [
    'Stop the old CA: stop every `certwarden ca serve` of the old CA home (and its workers), and take its keys and passphrase out of use; keep a copy of the CA home for the investigation.',
    `Publish the root CRL (${revocation.rootCrl ? (revocation.rootCrl.file ?? 'kept in the shared store') : 'from the root operator'}) where the issuing CA certificate points (${(ca.config.rootCrlUrls ?? []).join(', ') || 'its CRL distribution point'}) if the old server does not serve it any more.`,
    ...(o.newCa ? [] : ['Create the new CA with the commands above (the CA code cannot re-key an issuing CA under the same root, and the root key shared the compromised CA home).']),
    `Deploy each reissued certificate${o.reissue ? ' (files under the output folder)' : ''} on its endpoints and reload them; then remove the old root from trust stores and from the policy's trust.cas.`,
    `Once the sweep is clean, revoke the old certificates too, for clients that check only the leaf: \`certwarden ca revoke SERIAL --reason cACompromise ${caOption(ca)}\` for each serial listed above.`,
    'Find out how the key was exposed (who had the passphrase and the CA home, backups, hosts) before trusting the new CA with the same setup.',
  ];
  return {
    compromisedCa: { subject: issuing.subject, serial: issuing.serialHex, sha256: issuing.fingerprint256, spkiPin: `sha256/${issuing.spkiSha256}`, ...(ca.dir !== undefined ? { dir: ca.dir } : {}) },
    revocation,
    newCa,
    stillValid,
    stalePins: pins,
    staleAnchors: anchors,
    humanSteps,
  };
}

/** Endpoints still affected: the served chain holds the compromised issuing CA, or a certificate it issued. */
export async function chainsToCompromisedCa(ca: CertificateAuthority): Promise<AffectedTest> {
  const issued = new Map<string, string>();
  for (const r of await ca.list()) issued.set(new Certificate(r.der).fingerprint256, r.serial);
  const issuingSha256 = ca.issuing.certificate.fingerprint256;
  return (chain) => {
    const leafSerial = chain[0] ? issued.get(chain[0].sha256) : undefined;
    if (leafSerial !== undefined) return `serves ${leafSerial}, issued by the compromised CA`;
    if (chain.some((c) => c.sha256 === issuingSha256)) return 'sends the compromised issuing CA certificate in its chain';
    return undefined;
  };
}
