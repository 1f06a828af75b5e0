/**
 * The internal CA: init, issue, renew, revoke, list.
 *
 * A CA home holds the CA certificates and their keys (encrypted PKCS#8,
 * 0600, see keys.ts) and, by default, the SQLite store (`ca.db`); another
 * store (Postgres, postgres-store.ts) can be given instead, shared by
 * processes on several machines. Issuance follows
 * reserve → sign → commit (store.ts): the serial is durably reserved before
 * the CA key signs anything, and a result is returned only after the commit,
 * so a serial is never reused and an acknowledged certificate is never lost.
 */
import { createPublicKey, randomBytes, type KeyObject } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, linkSync, openSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { CertwardenError, ErrorCode, isCertwardenError } from '../errors.ts';
import { REVOCATION_REASONS, type RevocationReasonName } from '../core/revocation-vocabulary.ts';
import { integerHex } from '../util/der.ts';
import { signCertificate } from '../x509/builder.ts';
import { Certificate } from '../x509/certificate.ts';
import { generateKeyPair, spkiOf } from '../x509/sign.ts';
import type { Signer } from '../x509/signer.ts';
import { DirFiles, readRequired, type CaFiles } from './ca-files.ts';
import type { KeyStore } from './key-store.ts';
import { makeKeyStore, type KeyStoreContext, type KeyStoreKind } from './key-stores.ts';
import { assertPassphrase, decryptKey, ensurePrivateDir, writePrivateFile } from './keys.ts';
import { isSafeWriteTemp } from './safe-write.ts';
import { keySpecOf, normaliseSans, PROFILES, sanForBuilder, validityDays, type KeyAlgorithmName } from './profiles.ts';
import { publishCaEvent } from './events.ts';
import { SqliteStore } from './sqlite-store.ts';
import type { CaStore, CertificateProfileName, IssuedRecord, ListFilter } from './store.ts';

/** Files in a CA home. */
export const CA_FILES = {
  db: 'ca.db',
  rootCert: 'root.pem',
  rootKey: 'root.key',
  issuingCert: 'issuing.pem',
  issuingKey: 'issuing.key',
  /** Issuing CA first, then up to the root: served at /ca.pem. */
  chain: 'chain.pem',
} as const;

export const DAY_MS = 86_400_000;
/** The route of the root's CRL on `ca serve` (root-crl.ts). */
export const ROOT_CRL_ROUTE = '/root.crl';
/** Root and issuing CA lifetimes. */
export const ROOT_VALIDITY_DAYS = 3650;
export const ISSUING_VALIDITY_DAYS = 1825;
/** Certificates are back-dated a little to absorb clock skew between peers. */
export const BACKDATE_MS = 60_000;
/** RFC 5280 §4.1.2.2 and CA/B BR §7.1: at least 64 bits of CSPRNG output; we use 127 (positive, 16 octets). */
export const SERIAL_BYTES = 16;
/** The delegated OCSP responder's key: P-256 signs fastest, and its certificate lives days, not years. */
export const RESPONDER_KEY_SPEC = { type: 'ec', curve: 'P-256' } as const;
/** Serials drawn before giving up when each one is already taken (a broken random source, not bad luck). */
export const SERIAL_ATTEMPTS = 3;

export type ResponderMode = 'delegated' | 'issuer';

/** The issuing CA certificate's revocation by the root (see CertificateAuthority.revokeIssuingCa). */
export interface IssuingCaRevocation {
  serial: string;
  revokedAt: Date;
  reason: RevocationReasonName;
  invalidityDate?: Date;
}
const ISSUING_REVOCATION_META = 'issuing-ca-revocation';
/**
 * SHA-256 of the issuing CA certificate the store belongs to: a shared store
 * (Postgres) opened with another CA home's keys is refused instead of mixing
 * two CAs' serials and CRL numbers.
 */
const ISSUING_CERT_META = 'issuing-ca-sha256';

/** Where `open` and `init` keep the records and the keys. */
export interface StoreChoice {
  /**
   * An open store (Postgres, ...); the CA takes ownership and closes it.
   * Absent: `DIR/ca.db`. A store with `files` (Postgres) also keeps the
   * certificates and the encrypted keys, so no directory is needed.
   */
  store?: CaStore;
  /** Which KeyStore holds the CA keys: a name in KEY_STORES (key-stores.ts; default `encrypted`) or a factory of one. */
  keyStore?: KeyStoreKind | ((ctx: KeyStoreContext) => KeyStore);
}

/** The issuing CA: its certificate and whatever signs with its key. */
export interface IssuingIdentity {
  certificate: Certificate;
  signer: Signer;
}

export interface CaConfig {
  name: string;
  key: KeyAlgorithmName;
  ocspUrls: string[];
  crlUrls: string[];
  caIssuersUrls: string[];
  /** CRL distribution points of the issuing CA certificate: where the root's CRL is served (root-crl.ts). */
  rootCrlUrls?: string[];
  /** Who signs OCSP responses: a short-lived delegated responder certificate (default) or the issuing CA key. */
  responder: ResponderMode;
}

export interface InitOptions {
  name: string;
  key?: KeyAlgorithmName;
  ocspUrls?: string[];
  crlUrls?: string[];
  caIssuersUrls?: string[];
  /** Default: /root.crl on the server of the first CRL (or else OCSP) URL. Ignored for an imported CA. */
  rootCrlUrls?: string[];
  responder?: ResponderMode;
  /** Import an existing CA instead of minting a root and an issuing CA: PEM certificate (chain after it) and key. */
  importCert?: string | Uint8Array;
  importKey?: string | Uint8Array;
}

export interface IssueRequest {
  profile: 'server' | 'client';
  sans: string[];
  /** Use this public key (from a CSR or a renewal); absent: generate a key pair. */
  publicKey?: KeyObject;
  mustStaple?: boolean;
  days?: number;
}

export interface IssueResult {
  certificate: Certificate;
  /** Only when the CA generated the key. */
  privateKey?: KeyObject;
  /** Issuing CA first, root last. */
  chain: Certificate[];
  record: IssuedRecord;
}

export type CaChangeListener = (records: IssuedRecord[]) => void;

/** RFC 5280 §5.3.1 reasons the CA accepts; removeFromCRL only exists in delta CRLs. */
export const REVOKE_REASONS: readonly RevocationReasonName[] = REVOCATION_REASONS.filter((r) => r !== 'unused-7' && r !== 'removeFromCRL');

export function parseReason(name: string): RevocationReasonName {
  const found = REVOKE_REASONS.find((r) => r.toLowerCase() === name.toLowerCase());
  if (!found) throw new CertwardenError(ErrorCode.USAGE, `the revocation reason must be one of ${REVOKE_REASONS.join(', ')} (got "${name}")`);
  return found;
}

/** A fresh positive 128-bit serial (16 octets, top bit clear, never a leading zero octet). */
export function randomSerial(): Buffer {
  const s = randomBytes(SERIAL_BYTES);
  s[0]! &= 0x7f;
  if (s[0] === 0) s[0] = 0x01;
  return s;
}

function caKeyUsage(): ['keyCertSign', 'cRLSign', 'digitalSignature'] {
  return ['keyCertSign', 'cRLSign', 'digitalSignature'];
}

function samePublicKey(a: KeyObject, b: KeyObject): boolean {
  return spkiOf(a).equals(spkiOf(b));
}

/** The database an init is building, beside its final name until it is complete. */
const INIT_DB_PREFIX = `.${CA_FILES.db}.init-`;

/**
 * `ca.db` holding a configuration is what makes a directory a CA home, so
 * `init` writes it last. Anything else found before it is what an
 * interrupted init left behind (keys and certificates nobody was ever
 * issued under, a database without configuration from earlier versions, a
 * half-built database): it is discarded so the init can simply be retried.
 */
async function isUnused(store: CaStore): Promise<boolean> {
  return (await store.getMeta('config')) === undefined && (await store.changeSeq()) === 0 && (await store.list()).length === 0;
}

async function discardInterruptedInit(dir: string): Promise<void> {
  const dbPath = join(dir, CA_FILES.db);
  if (existsSync(dbPath)) {
    const store = new SqliteStore(dbPath);
    let unused: boolean;
    try {
      unused = await isUnused(store);
    } finally {
      store.closeSync();
    }
    if (!unused) throw new CertwardenError(ErrorCode.USAGE, `${dir} already holds a CA (${CA_FILES.db} exists); refusing to overwrite it`);
    for (const f of [dbPath, `${dbPath}-wal`, `${dbPath}-shm`]) rmSync(f, { force: true });
  }
  for (const name of readdirSync(dir)) if (name.startsWith(INIT_DB_PREFIX) || isSafeWriteTemp(name)) rmSync(join(dir, name), { force: true });
}

/**
 * Build the database under a temporary name, then link it into place: the
 * CA home appears complete or not at all (link(2) also refuses if another
 * init got there first).
 */
async function publishDatabase(dir: string, config: CaConfig, issuingSha256: string): Promise<void> {
  const tmp = join(dir, `${INIT_DB_PREFIX}${randomBytes(6).toString('hex')}`);
  writePrivateFile(tmp, '');
  try {
    const store = new SqliteStore(tmp);
    try {
      await store.setMeta(ISSUING_CERT_META, issuingSha256);
      await store.setMeta('config', JSON.stringify(config));
    } finally {
      // Closing the last connection checkpoints the WAL into the file, so the file alone is the database.
      store.closeSync();
    }
    try {
      linkSync(tmp, join(dir, CA_FILES.db));
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code === 'EEXIST') throw new CertwardenError(ErrorCode.USAGE, `${dir} already holds a CA (${CA_FILES.db} exists); refusing to overwrite it`, { cause });
      throw new CertwardenError(ErrorCode.IO, `cannot create ${join(dir, CA_FILES.db)}: ${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}`, { cause });
    }
    fsyncDir(dir);
  } finally {
    for (const f of [tmp, `${tmp}-wal`, `${tmp}-shm`]) rmSync(f, { force: true });
  }
}

function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export class CertificateAuthority {
  /** The CA home directory, when there is one (a CA kept whole in Postgres has none). */
  readonly dir: string | undefined;
  readonly store: CaStore;
  /** Where the certificates, the responder certificate and (with the default key store) the encrypted keys are. */
  readonly files: CaFiles;
  readonly keys: KeyStore;
  readonly config: CaConfig;
  /** The CA that signs end-entity certificates, CRLs and (in issuer mode) OCSP responses. */
  readonly issuing: IssuingIdentity;
  /** Issuing CA first, root last. */
  readonly chain: Certificate[];
  readonly #listeners = new Set<CaChangeListener>();

  private constructor(dir: string | undefined, store: CaStore, files: CaFiles, keys: KeyStore, config: CaConfig, issuing: IssuingIdentity, chain: Certificate[]) {
    this.dir = dir;
    this.store = store;
    this.files = files;
    this.keys = keys;
    this.config = config;
    this.issuing = issuing;
    this.chain = chain;
  }

  /** The trust anchor (the last certificate of the chain). */
  get root(): Certificate {
    return this.chain[this.chain.length - 1]!;
  }

  /**
   * Create a CA home: a root and an issuing CA (or an imported CA), keys encrypted at rest.
   * With `o.store`, the records live there (it must hold no CA yet) and DIR keeps the keys and certificates.
   */
  static async init(dir: string | undefined, passphrase: string, o: InitOptions & StoreChoice): Promise<CertificateAuthority> {
    try {
      if (!o.name || o.name.trim() === '') throw new CertwardenError(ErrorCode.USAGE, 'a CA name is required');
      assertPassphrase(passphrase);
      if (o.store?.files) {
        // Everything lives in the store; a directory would hold nothing, and a reader would look for keys there.
        if (dir !== undefined) throw new CertwardenError(ErrorCode.USAGE, `the store ${o.store.description} keeps the CA's keys and certificates itself: a CA kept there has no home directory (got ${dir})`);
        if (!(await isUnused(o.store))) throw new CertwardenError(ErrorCode.USAGE, `the store ${o.store.description} already holds a CA; refusing to overwrite it`);
      } else if (dir === undefined) {
        throw new CertwardenError(ErrorCode.USAGE, 'a CA home directory is required (the store keeps no keys or certificates)');
      } else if (o.store) {
        ensurePrivateDir(dir);
        // Keys in DIR may belong to a CA whose records live elsewhere (ca.db, another database): never replace them.
        const taken = [CA_FILES.db, CA_FILES.issuingKey, CA_FILES.chain].filter((name) => existsSync(join(dir, name)));
        if (taken.length > 0) throw new CertwardenError(ErrorCode.USAGE, `${dir} already holds CA files (${taken.join(', ')}); refusing to overwrite them: use a new directory for a CA kept in ${o.store.description}`);
        if (!(await isUnused(o.store))) throw new CertwardenError(ErrorCode.USAGE, `the store ${o.store.description} already holds a CA; refusing to overwrite it`);
        for (const name of readdirSync(dir)) if (isSafeWriteTemp(name)) rmSync(join(dir, name), { force: true });
      } else {
        ensurePrivateDir(dir);
        await discardInterruptedInit(dir);
      }
    } catch (err) {
      await o.store?.close();
      throw err;
    }
    // No configuration yet, so anything already among the artefacts is the leftover of an interrupted init: replaced.
    const files = o.store?.files ?? new DirFiles(dir!);
    const keys = makeKeyStore(o.keyStore, { files, passphrase });
    const key = o.key ?? 'ec-p256';
    const spec = keySpecOf(key);
    let issuing: IssuingIdentity;
    let chain: Certificate[];
    let rootCrlUrls: string[] = [];
    if (o.importCert !== undefined || o.importKey !== undefined) {
      if (o.importCert === undefined || o.importKey === undefined) throw new CertwardenError(ErrorCode.USAGE, 'importing a CA takes both its certificate and its key');
      chain = Certificate.parseAll(o.importCert);
      const certificate = chain[0]!;
      const keyText = Buffer.from(o.importKey).toString('utf8');
      const privateKey = keyText.includes('ENCRYPTED') ? decryptKey(keyText, passphrase, 'the imported CA key') : decryptKey(keyText, '', 'the imported CA key');
      if (!samePublicKey(createPublicKey(privateKey), certificate.publicKey)) throw new CertwardenError(ErrorCode.USAGE, 'the imported key does not match the imported certificate');
      if (!certificate.isCA || !certificate.keyUsage?.has('keyCertSign')) throw new CertwardenError(ErrorCode.USAGE, 'the imported certificate is not a CA certificate (basicConstraints cA and keyUsage keyCertSign are required)');
      issuing = { certificate, signer: await keys.importKey('issuing', privateKey) };
    } else {
      const now = Date.now() - BACKDATE_MS;
      const rootSigner = await keys.generate('root', spec);
      const root = await signCertificate({
        subject: `CN=${o.name} Root CA`,
        publicKey: rootSigner.publicKey,
        serial: randomSerial(),
        ca: { pathLength: 1 },
        keyUsage: ['keyCertSign', 'cRLSign'],
        notBefore: new Date(now),
        notAfter: new Date(now + ROOT_VALIDITY_DAYS * DAY_MS),
      }, rootSigner);
      const issuingSigner = await keys.generate('issuing', spec);
      // RFC 5280 §6.3: relying parties check the issuing CA too; give them the root's CRL to do it with.
      const base = o.crlUrls?.[0] ?? o.ocspUrls?.[0];
      rootCrlUrls = o.rootCrlUrls ?? (base ? [new URL(ROOT_CRL_ROUTE, base).toString()] : []);
      const certificate = await signCertificate({
        subject: `CN=${o.name} Issuing CA`,
        publicKey: issuingSigner.publicKey,
        issuerCertificate: root,
        serial: randomSerial(),
        ca: { pathLength: 0 },
        keyUsage: caKeyUsage(),
        notBefore: new Date(now),
        notAfter: new Date(now + ISSUING_VALIDITY_DAYS * DAY_MS),
        ...(rootCrlUrls.length > 0 ? { crlUrls: rootCrlUrls } : {}),
      }, rootSigner);
      await files.write(CA_FILES.rootCert, root.toPem(), { overwrite: true });
      issuing = { certificate, signer: issuingSigner };
      chain = [certificate, root];
    }
    await files.write(CA_FILES.issuingCert, issuing.certificate.toPem(), { overwrite: true });
    await files.write(CA_FILES.chain, chain.map((c) => c.toPem()).join(''), { overwrite: true });
    const ocspUrls = o.ocspUrls ?? [];
    const config: CaConfig = {
      name: o.name,
      key,
      ocspUrls,
      crlUrls: o.crlUrls ?? [],
      // Default caIssuers: the /ca.der route of the same server as the OCSP responder.
      caIssuersUrls: o.caIssuersUrls ?? ocspUrls.slice(0, 1).map((u) => new URL('/ca.der', u).toString()),
      responder: o.responder ?? 'delegated',
      ...(rootCrlUrls.length > 0 ? { rootCrlUrls } : {}),
    };
    const issuingSha256 = issuing.certificate.fingerprint256;
    if (o.store) {
      // The configuration is written last: a store without it is an interrupted init, which a retry may reuse.
      await o.store.setMeta(ISSUING_CERT_META, issuingSha256);
      await o.store.setMeta('config', JSON.stringify(config));
      return new CertificateAuthority(dir, o.store, files, keys, config, issuing, chain);
    }
    await publishDatabase(dir!, config, issuingSha256);
    return new CertificateAuthority(dir, new SqliteStore(join(dir!, CA_FILES.db)), files, keys, config, issuing, chain);
  }

  /** Open an existing CA home; decrypts the issuing key (a wrong passphrase is a typed error). */
  static async open(dir: string | undefined, passphrase: string, o: StoreChoice = {}): Promise<CertificateAuthority> {
    let store = o.store;
    try {
      assertPassphrase(passphrase);
      if (!store) {
        if (dir === undefined) throw new CertwardenError(ErrorCode.USAGE, 'a CA home directory or a store is required');
        if (!existsSync(join(dir, CA_FILES.db))) {
          const elsewhere = existsSync(join(dir, CA_FILES.chain));
          throw new CertwardenError(ErrorCode.USAGE, elsewhere ? `${dir} keeps its records in another store (no ${CA_FILES.db}): open it with that store` : `${dir} is not a CA home (no ${CA_FILES.db}); run \`certwarden ca init\` first`);
        }
      }
      // A store that keeps the CA's artefacts (Postgres, since schema 2) is used for them once it holds the chain;
      // a CA initialised in Postgres before that keeps them in its directory.
      let files: CaFiles;
      if (store?.files && (await store.files.read(CA_FILES.chain)) !== undefined) files = store.files;
      else if (dir !== undefined) files = new DirFiles(dir);
      else throw new CertwardenError(ErrorCode.USAGE, `the store ${store!.description} holds no CA certificates or keys, and no CA home directory was given`);
      const keys = makeKeyStore(o.keyStore, { files, passphrase });
      const signer = await keys.signer('issuing');
      if (!signer) throw new CertwardenError(ErrorCode.USAGE, `${files.description} holds no issuing CA key (${CA_FILES.issuingKey}); is it a CA home?`);
      const chain = Certificate.parseAll(await readRequired(files, CA_FILES.chain, 'CA chain'));
      const certificate = chain[0]!;
      if (!samePublicKey(signer.publicKey, certificate.publicKey)) throw new CertwardenError(ErrorCode.INTERNAL, `${CA_FILES.issuingKey} does not match ${CA_FILES.issuingCert}`);
      store ??= new SqliteStore(join(dir!, CA_FILES.db));
      const raw = await store.getMeta('config');
      if (!raw) throw new CertwardenError(ErrorCode.USAGE, `the store ${store.description} holds no CA configuration; run \`certwarden ca init\` first`);
      const owner = await store.getMeta(ISSUING_CERT_META);
      if (owner !== undefined && owner !== certificate.fingerprint256) throw new CertwardenError(ErrorCode.USAGE, `the store ${store.description} belongs to another CA than the one in ${files.description} (issuing CA certificates differ)`);
      return new CertificateAuthority(dir, store, files, keys, JSON.parse(raw) as CaConfig, { certificate, signer }, chain);
    } catch (err) {
      await store?.close();
      throw err;
    }
  }

  /**
   * The store of an existing CA home without decrypting any key: what `ca list`
   * needs (listing issued certificates is not a use of the CA key).
   */
  static openStore(dir: string): CaStore {
    const dbPath = join(dir, CA_FILES.db);
    if (!existsSync(dbPath)) throw new CertwardenError(ErrorCode.USAGE, `${dir} is not a CA home (no ${CA_FILES.db}); run \`certwarden ca init\` first`);
    return new SqliteStore(dbPath);
  }

  /** Subscribe to issuances and revocations made through this object. */
  onChange(listener: CaChangeListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #emit(records: IssuedRecord[]): void {
    for (const l of this.#listeners) {
      try {
        l(records);
      } catch {
        // A listener's failure must not undo an acknowledged issuance or revocation.
      }
    }
  }

  async #sign(profileName: CertificateProfileName, sans: string[], publicKey: KeyObject, days: number, extras: { mustStaple?: boolean; ocspNoCheck?: boolean; subject?: string; validityMs?: number }): Promise<{ certificate: Certificate; record: IssuedRecord }> {
    const profile = PROFILES[profileName];
    // 1. Reserve: durable before the key signs, so the serial is burnt even if we die now.
    const serial = await this.#reserveSerial();
    const serialHex = integerHex(serial);
    // 2. Sign.
    const notBefore = new Date(Math.floor((Date.now() - BACKDATE_MS) / 1000) * 1000);
    const notAfter = new Date(notBefore.getTime() + (extras.validityMs ?? days * DAY_MS));
    const rsa = publicKey.asymmetricKeyType === 'rsa';
    const certificate = await signCertificate({
      subject: extras.subject ?? `CN=${sans[0]!.slice(sans[0]!.indexOf(':') + 1)}`,
      publicKey,
      issuerCertificate: this.issuing.certificate,
      serial,
      notBefore,
      notAfter,
      ca: false,
      keyUsage: rsa && profileName === 'server' ? [...profile.keyUsage, 'keyEncipherment'] : profile.keyUsage,
      extKeyUsage: profile.extKeyUsage,
      ...(sans.length > 0 ? { san: sans.map(sanForBuilder) } : {}),
      ...(profileName === 'ocsp-responder' ? {} : { ocspUrls: this.config.ocspUrls, caIssuersUrls: this.config.caIssuersUrls, crlUrls: this.config.crlUrls }),
      ...(extras.mustStaple ? { mustStaple: true } : {}),
      ...(extras.ocspNoCheck ? { ocspNoCheck: true } : {}),
    }, this.issuing.signer);
    // 3. Commit: only now is the certificate acknowledged.
    const base = { serial: serialHex, der: certificate.der, subject: certificate.subject, sans, profile: profileName, notBefore, notAfter, issuedAt: new Date() };
    const seq = await this.store.commitIssued(base);
    publishCaEvent('issued', { serial: serialHex, profile: profileName, sans, notAfter, seq });
    return { certificate, record: { ...base, seq } };
  }

  /**
   * A fresh serial, reserved durably. 127 random bits collide with
   * negligible probability, but several processes may share the store: a
   * serial already taken (the store's unique key refuses it) is drawn again.
   */
  async #reserveSerial(): Promise<Buffer> {
    for (let attempt = 1; ; attempt++) {
      const serial = randomSerial();
      try {
        await this.store.reserveSerial(integerHex(serial));
        return serial;
      } catch (err) {
        if (!(isCertwardenError(err) && err.code === ErrorCode.SERIAL_TAKEN) || attempt >= SERIAL_ATTEMPTS) throw err;
      }
    }
  }

  /** The issuing CA's own revocation by the root, once made; listed on the root's CRL (root-crl.ts). */
  async issuingRevocation(): Promise<IssuingCaRevocation | undefined> {
    const raw = await this.store.getMeta(ISSUING_REVOCATION_META);
    if (!raw) return undefined;
    const r = JSON.parse(raw) as { serial: string; revokedAt: string; reason: RevocationReasonName; invalidityDate?: string };
    return { serial: r.serial, revokedAt: new Date(r.revokedAt), reason: r.reason, ...(r.invalidityDate ? { invalidityDate: new Date(r.invalidityDate) } : {}) };
  }

  /**
   * Revoke the issuing CA certificate itself (e.g. its key was compromised):
   * recorded durably before this returns, then listed on the root's CRL the
   * next time it is signed (`ca revoke --issuing-ca` signs it at once). From
   * then on this CA home issues nothing; replace it with a new one.
   */
  async revokeIssuingCa(reason: RevocationReasonName, invalidityDate?: Date): Promise<IssuingCaRevocation> {
    const already = await this.issuingRevocation();
    if (already) throw new CertwardenError(ErrorCode.USAGE, `the issuing CA was already revoked at ${already.revokedAt.toISOString()} (${already.reason})`);
    if ((await this.keys.signer('root')) === undefined) throw new CertwardenError(ErrorCode.USAGE, 'this CA home holds no root key (an imported CA): the issuing CA is revoked by whoever operates its root');
    if (!REVOKE_REASONS.includes(reason)) throw new CertwardenError(ErrorCode.USAGE, `reason ${reason} cannot be used to revoke`);
    if (invalidityDate && Number.isNaN(invalidityDate.getTime())) throw new CertwardenError(ErrorCode.USAGE, 'the invalidity date is not a valid time');
    const r: IssuingCaRevocation = { serial: this.issuing.certificate.serialHex, revokedAt: new Date(Math.floor(Date.now() / 1000) * 1000), reason, ...(invalidityDate ? { invalidityDate } : {}) };
    await this.store.setMeta(ISSUING_REVOCATION_META, JSON.stringify(r));
    publishCaEvent('revoked', { serial: r.serial, reason, revokedAt: r.revokedAt, issuingCa: true });
    return r;
  }

  async #assertNotRevoked(): Promise<void> {
    const r = await this.issuingRevocation();
    // A certificate under a revoked CA fails every relying party that checks the chain: refuse to mint it.
    if (r) throw new CertwardenError(ErrorCode.USAGE, `the issuing CA was revoked at ${r.revokedAt.toISOString()} (${r.reason}): it issues nothing more; create a new CA home with \`certwarden ca init\``);
  }

  /** Issue an end-entity certificate. */
  async issue(req: IssueRequest): Promise<IssueResult> {
    await this.#assertNotRevoked();
    const profile = PROFILES[req.profile];
    if (!profile || req.profile === ('ocsp-responder' as string)) throw new CertwardenError(ErrorCode.USAGE, `unknown profile "${req.profile}" (use server or client)`);
    const sans = normaliseSans(req.sans);
    const days = validityDays(profile, req.days);
    let privateKey: KeyObject | undefined;
    let publicKey = req.publicKey;
    if (!publicKey) {
      const pair = generateKeyPair(keySpecOf(this.config.key));
      privateKey = pair.privateKey;
      publicKey = pair.publicKey;
    }
    const { certificate, record } = await this.#sign(req.profile, sans, publicKey, days, { mustStaple: req.mustStaple === true });
    this.#emit([record]);
    return { certificate, chain: this.chain, record, ...(privateKey ? { privateKey } : {}) };
  }

  /** Renew: same public key, SANs, profile and Must-Staple; a new serial and validity. */
  async renew(serialOrCert: string | Certificate, days?: number): Promise<IssueResult> {
    const old = await this.#find(serialOrCert);
    if (old.profile === 'ocsp-responder') throw new CertwardenError(ErrorCode.USAGE, 'OCSP responder certificates are rotated by `ca serve`, not renewed');
    const cert = new Certificate(old.der);
    return this.issue({ profile: old.profile, sans: old.sans, publicKey: cert.publicKey, mustStaple: cert.mustStaple, ...(days !== undefined ? { days } : {}) });
  }

  /** Revoke; returns after the revocation is durable. */
  async revoke(serialOrCert: string | Certificate, reason: RevocationReasonName, invalidityDate?: Date): Promise<IssuedRecord> {
    const rec = await this.#find(serialOrCert);
    if (!REVOKE_REASONS.includes(reason)) throw new CertwardenError(ErrorCode.USAGE, `reason ${reason} cannot be used to revoke`);
    if (invalidityDate && Number.isNaN(invalidityDate.getTime())) throw new CertwardenError(ErrorCode.USAGE, 'the invalidity date is not a valid time');
    const at = new Date(Math.floor(Date.now() / 1000) * 1000);
    const seq = await this.store.revoke({ serial: rec.serial, at, reason, ...(invalidityDate ? { invalidityDate } : {}) });
    const updated: IssuedRecord = { ...rec, revokedAt: at, reason, seq, ...(invalidityDate ? { invalidityDate } : {}) };
    publishCaEvent('revoked', { serial: rec.serial, reason, revokedAt: at, issuingCa: false });
    this.#emit([updated]);
    return updated;
  }

  /** A delegated OCSP responder certificate (RFC 6960 §4.2.2.2) with a fresh key, kept in the key store (ResponderIdentity saves the certificate for reuse). */
  async issueResponderCertificate(validityMs: number): Promise<{ certificate: Certificate; signer: Signer; record: IssuedRecord }> {
    const signer = await this.keys.generate('responder', RESPONDER_KEY_SPEC);
    const { certificate, record } = await this.#sign('ocsp-responder', [], signer.publicKey, 0, {
      // RFC 6960 §4.2.2.2.1: id-pkix-ocsp-nocheck, so clients need not check the responder's own status.
      ocspNoCheck: true,
      subject: `CN=${this.config.name} OCSP Responder`,
      validityMs,
    });
    this.#emit([record]);
    return { certificate, signer, record };
  }

  get(serial: string): Promise<IssuedRecord | undefined> {
    return this.store.get(normaliseSerial(serial));
  }

  list(filter?: ListFilter): Promise<IssuedRecord[]> {
    return this.store.list(filter);
  }

  async #find(serialOrCert: string | Certificate): Promise<IssuedRecord> {
    const serial = serialOrCert instanceof Certificate ? serialOrCert.serialHex : normaliseSerial(serialOrCert);
    const rec = await this.store.get(serial);
    if (!rec) throw new CertwardenError(ErrorCode.USAGE, `no certificate with serial ${serial} was issued by this CA (serials are read as ${SERIAL_FORMS})`);
    if (serialOrCert instanceof Certificate && !rec.der.equals(serialOrCert.der)) throw new CertwardenError(ErrorCode.USAGE, `the certificate with serial ${serial} is not the one this CA issued`);
    return rec;
  }

  async close(): Promise<void> {
    this.#listeners.clear();
    await this.store.close();
  }
}

/** The serial forms `normaliseSerial` accepts, for messages and docs. */
export const SERIAL_FORMS = 'hex digits, optionally with colons or a 0x prefix (5f1c02e2, 5F:1C:02:E2, 0x5f1c02e2), or decimal with a decimal: prefix (decimal:1595671266)';

/**
 * A serial number as a person types it → canonical lowercase hex (as
 * Certificate.serialHex prints a positive serial: whole octets, no leading
 * zero octet). Serials are non-negative magnitudes: "deadbeef" is 0xdeadbeef,
 * never the negative DER INTEGER those four octets would be on their own.
 * Hex is the default because that is how certwarden, openssl and browsers
 * print serials; decimal only with an explicit "decimal:" prefix, because a
 * string of digits is valid hex too.
 */
export function normaliseSerial(serial: string): string {
  const text = serial.trim();
  let hex: string;
  const dec = /^decimal:(\d+)$/i.exec(text);
  if (dec) hex = BigInt(dec[1]!).toString(16);
  else {
    const m = /^(?:0x)?([0-9a-f]+(?::[0-9a-f]+)*)$/i.exec(text);
    if (!m) throw new CertwardenError(ErrorCode.USAGE, `not a serial number: "${text.slice(0, 80)}" (accepted: ${SERIAL_FORMS})`);
    hex = m[1]!.replace(/:/g, '').toLowerCase();
  }
  if (hex.length % 2) hex = `0${hex}`;
  while (hex.length > 2 && hex.startsWith('00')) hex = hex.slice(2);
  return hex;
}

/** Whether `text` is meant as a serial number (rather than a file name). */
export function looksLikeSerial(text: string): boolean {
  return /^decimal:\d+$/i.test(text.trim()) || /^(?:0x)?[0-9a-f]+(?::[0-9a-f]+)*$/i.test(text.trim());
}
