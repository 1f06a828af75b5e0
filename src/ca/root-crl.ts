/**
 * The root's CRL, for the issuing CA certificate.
 *
 * RFC 5280 §6.3 has relying parties check every certificate of the path, and
 * certwarden's own default (`revocation.check: chain`) does: an issuing CA
 * certificate without a revocation source fails that check
 * (`no-revocation-source`). So `ca init` puts a CRL distribution point
 * (`/root.crl` on the CA server) into the issuing CA certificate, and the
 * root signs a CRL for it here, with a cRLNumber sequence of its own
 * (RFC 5280 §5.2.3 numbers are per issuer). Its one possible entry is the
 * issuing CA itself, once `ca revoke --issuing-ca` has revoked it (after
 * which the CA home issues nothing: it is replaced by a new one).
 *
 * The CRL is kept among the CA's artefacts as `root.crl` (ca-files.ts: the
 * CA home, written atomically), or on a store with shared CRLs (Postgres)
 * as the store's `root` CRL, signed under its lock, so every `ca serve`
 * process (workers and other machines included) serves the same bytes;
 * whoever holds the root key re-signs it once half of its validity has
 * passed (`ca serve` when the key store holds the root key, or `ca crl
 * --root` from a schedule).
 */
import { signCrl } from '../crl/builder.ts';
import { parseCrl } from '../crl/parse.ts';
import { CertwardenError, ErrorCode } from '../errors.ts';
import { Certificate } from '../x509/certificate.ts';
import type { Signer } from '../x509/signer.ts';
import { CA_FILES, type CertificateAuthority } from './ca.ts';
import { readRequired, type CaFiles } from './ca-files.ts';
import { CRL_BACKDATE_MS, DEFAULT_CRL_VALIDITY_MS, type PublishedCrl } from './crl-publisher.ts';
import { publishCaEvent } from './events.ts';

export const ROOT_CRL_FILE = 'root.crl';

export interface RootIdentity {
  certificate: Certificate;
  signer: Signer;
}

/** The root certificate and the signer of its key, or undefined when the key store holds no root key (an imported CA, an offline root). */
export async function loadRoot(ca: CertificateAuthority): Promise<RootIdentity | undefined> {
  const signer = await ca.keys.signer('root');
  if (!signer) return undefined;
  const certificate = Certificate.parse(await readRequired(ca.files, CA_FILES.rootCert, 'root certificate'));
  return { certificate, signer };
}

/** Sign a new root CRL with the next root cRLNumber and keep it (as `root.crl`, or as the shared store's root CRL). */
export async function publishRootCrl(ca: CertificateAuthority, root: RootIdentity, validityMs = DEFAULT_CRL_VALIDITY_MS, now = new Date()): Promise<PublishedCrl> {
  return (await signRootCrlIf(ca, root, validityMs, now, () => true)).crl;
}

/** Sign the root CRL when `due` (on a shared store: decided under its signing lock); the CRL kept afterwards. */
async function signRootCrlIf(ca: CertificateAuthority, root: RootIdentity, validityMs: number, now: Date, due: (current: PublishedCrl | undefined, revoked: boolean) => boolean): Promise<{ crl: PublishedCrl; published: boolean }> {
  if (!Number.isFinite(validityMs) || validityMs < 60_000) throw new CertwardenError(ErrorCode.USAGE, 'the CRL validity must be at least one minute');
  const r = await ca.issuingRevocation();
  const entries = r ? [{ serial: r.serial, revocationDate: r.revokedAt, reason: r.reason, ...(r.invalidityDate ? { invalidityDate: r.invalidityDate } : {}) }] : [];
  const sign = async (number: bigint): Promise<Omit<PublishedCrl, 'number'>> => {
    const thisUpdate = new Date(Math.floor((now.getTime() - CRL_BACKDATE_MS) / 1000) * 1000);
    const nextUpdate = new Date(thisUpdate.getTime() + validityMs);
    const der = await signCrl({ issuer: { certificate: root.certificate }, entries, thisUpdate, nextUpdate, crlNumber: number }, root.signer);
    return { der, thisUpdate, nextUpdate, entries: entries.length };
  };
  let result: { crl: PublishedCrl; published: boolean };
  const shared = ca.store.sharedCrls;
  if (shared) {
    const { crl, signed } = await shared.publish('root', (latest) => !latest || due(latest, r !== undefined), sign);
    result = { crl, published: signed };
  } else {
    const current = await readRootCrl(ca.files);
    if (current && !due(current, r !== undefined)) return { crl: current, published: false };
    const number = await ca.store.nextCrlNumber('root');
    const crl = { ...(await sign(number)), number };
    await ca.files.write(ROOT_CRL_FILE, crl.der, { overwrite: true });
    result = { crl, published: true };
  }
  if (result.published) publishCaEvent('crlPublished', { scope: 'root', crlNumber: result.crl.number, entries: result.crl.entries, thisUpdate: result.crl.thisUpdate, nextUpdate: result.crl.nextUpdate });
  return result;
}

/** The root CRL every server serves: the shared store's, or `root.crl` among the CA's artefacts; undefined when there is none (or it cannot be read). */
export async function currentRootCrl(ca: CertificateAuthority): Promise<PublishedCrl | undefined> {
  const shared = ca.store.sharedCrls;
  if (!shared) return readRootCrl(ca.files);
  try {
    return await shared.latest('root');
  } catch {
    return undefined;
  }
}

/** The root CRL kept among `files`, or undefined when there is none (or it cannot be read or parsed). */
export async function readRootCrl(files: CaFiles): Promise<PublishedCrl | undefined> {
  let der: Buffer | undefined;
  try {
    der = await files.read(ROOT_CRL_FILE);
  } catch {
    return undefined;
  }
  if (der === undefined) return undefined;
  try {
    const crl = parseCrl(der);
    return { der, number: crl.crlNumber ?? 0n, thisUpdate: crl.thisUpdate, nextUpdate: crl.nextUpdate ?? crl.thisUpdate, entries: crl.revokedCount };
  } catch {
    return undefined;
  }
}

/** Re-sign the root CRL when it is missing, lacks the issuing CA's revocation, or half of its validity has passed; returns the CRL now kept. */
export async function maintainRootCrl(ca: CertificateAuthority, root: RootIdentity, validityMs = DEFAULT_CRL_VALIDITY_MS, now = new Date()): Promise<{ crl: PublishedCrl; published: boolean }> {
  return signRootCrlIf(
    ca,
    root,
    validityMs,
    now,
    (current, revoked) => !current || (revoked && current.entries === 0) || now.getTime() - current.thisUpdate.getTime() >= validityMs / 2 || current.nextUpdate.getTime() <= now.getTime(),
  );
}
