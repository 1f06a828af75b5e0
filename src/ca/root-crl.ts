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
 * The CRL lives in `<dir>/root.crl`, written atomically, so every `ca serve`
 * process (workers included) serves the same bytes; whoever holds the root
 * key re-signs it once half of its validity has passed (`ca serve` when the
 * root key is in the CA home, or `ca crl --root` from a schedule).
 */
import { existsSync } from 'node:fs';
import { readFileBounded } from '../util/bounded-read.ts';
import { join } from 'node:path';
import type { KeyObject } from 'node:crypto';
import { buildCrl } from '../crl/builder.ts';
import { parseCrl } from '../crl/parse.ts';
import { CertwardenError, ErrorCode } from '../errors.ts';
import { Certificate } from '../x509/certificate.ts';
import { CA_FILES, type CertificateAuthority } from './ca.ts';
import { CRL_BACKDATE_MS, DEFAULT_CRL_VALIDITY_MS, type PublishedCrl } from './crl-publisher.ts';
import { publishCaEvent } from './events.ts';
import { readEncryptedKey } from './keys.ts';
import { PUBLIC_FILE_MODE, writeFileSafely } from './safe-write.ts';

export const ROOT_CRL_FILE = 'root.crl';

export interface RootIdentity {
  certificate: Certificate;
  privateKey: KeyObject;
}

/** The root certificate and its decrypted key, or undefined when the CA home has no root key (an imported CA). */
export function loadRoot(ca: CertificateAuthority, passphrase: string): RootIdentity | undefined {
  const keyPath = join(ca.dir, CA_FILES.rootKey);
  if (!existsSync(keyPath)) return undefined;
  const certificate = Certificate.parse(readFileBounded(join(ca.dir, CA_FILES.rootCert), { what: 'the root certificate' }));
  return { certificate, privateKey: readEncryptedKey(keyPath, passphrase) };
}

/** Sign a new root CRL with the next root cRLNumber and write it to `<dir>/root.crl`. */
export async function publishRootCrl(ca: CertificateAuthority, root: RootIdentity, validityMs = DEFAULT_CRL_VALIDITY_MS, now = new Date()): Promise<PublishedCrl> {
  if (!Number.isFinite(validityMs) || validityMs < 60_000) throw new CertwardenError(ErrorCode.USAGE, 'the CRL validity must be at least one minute');
  const thisUpdate = new Date(Math.floor((now.getTime() - CRL_BACKDATE_MS) / 1000) * 1000);
  const nextUpdate = new Date(thisUpdate.getTime() + validityMs);
  const number = await ca.store.nextCrlNumber('root');
  const r = await ca.issuingRevocation();
  const entries = r ? [{ serial: r.serial, revocationDate: r.revokedAt, reason: r.reason, ...(r.invalidityDate ? { invalidityDate: r.invalidityDate } : {}) }] : [];
  const der = buildCrl({ issuer: root, entries, thisUpdate, nextUpdate, crlNumber: number });
  writeFileSafely(join(ca.dir, ROOT_CRL_FILE), der, { mode: PUBLIC_FILE_MODE, overwrite: true });
  publishCaEvent('crlPublished', { scope: 'root', crlNumber: number, entries: entries.length, thisUpdate, nextUpdate });
  return { der, number, thisUpdate, nextUpdate, entries: entries.length };
}

/** The root CRL on disk, or undefined when there is none (or it cannot be read or parsed). */
export function readRootCrl(dir: string): PublishedCrl | undefined {
  let der: Buffer;
  try {
    der = readFileBounded(join(dir, ROOT_CRL_FILE), { what: 'the root CRL' });
  } catch {
    return undefined;
  }
  try {
    const crl = parseCrl(der);
    return { der, number: crl.crlNumber ?? 0n, thisUpdate: crl.thisUpdate, nextUpdate: crl.nextUpdate ?? crl.thisUpdate, entries: crl.revokedCount };
  } catch {
    return undefined;
  }
}

/** Re-sign the root CRL when it is missing, lacks the issuing CA's revocation, or half of its validity has passed; returns the CRL now on disk. */
export async function maintainRootCrl(ca: CertificateAuthority, root: RootIdentity, validityMs = DEFAULT_CRL_VALIDITY_MS, now = new Date()): Promise<{ crl: PublishedCrl; published: boolean }> {
  const current = readRootCrl(ca.dir);
  const missingRevocation = (await ca.issuingRevocation()) !== undefined && current?.entries === 0;
  if (current && !missingRevocation && now.getTime() - current.thisUpdate.getTime() < validityMs / 2 && current.nextUpdate.getTime() > now.getTime()) return { crl: current, published: false };
  return { crl: await publishRootCrl(ca, root, validityMs, now), published: true };
}
