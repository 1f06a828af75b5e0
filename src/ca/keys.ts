/**
 * Private keys at rest: PKCS#8 encrypted with AES-256-CBC under a key derived
 * from the passphrase (PBES2 + PBKDF2, RFC 8018, as OpenSSL writes it), kept
 * by the key store (encrypted-key-store.ts) in files created 0600 inside a
 * 0700 directory (an existing directory is checked, never chmod'ed: see
 * ensurePrivateDir), or in the Postgres store. Keys are never printed or
 * logged; errors name the file, never its content.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { CertwardenError, ErrorCode } from '../errors.ts';
import { writeFileSafely } from './safe-write.ts';

/** Owner read/write only: private keys and the database. */
export const PRIVATE_FILE_MODE = 0o600;
/** Owner only: the CA home. */
export const PRIVATE_DIR_MODE = 0o700;
/** Cipher for PKCS#8 encryption at rest. */
export const KEY_CIPHER = 'aes-256-cbc';
/** Refuse trivially short passphrases: they make the encryption decorative. */
export const MIN_PASSPHRASE_LENGTH = 8;

/**
 * OpenSSL's PEM passphrase buffer (PEM_BUFSIZE) is 1024 bytes: Node's key
 * export silently encrypts with the first 1024 bytes of a longer passphrase,
 * while decryption uses all of them, so a longer one would brick the CA home.
 * Refused everywhere instead (init and every open), counted in UTF-8 bytes.
 */
export const MAX_PASSPHRASE_BYTES = 1024;
/**
 * Refuse a passphrase the CA cannot use safely: shorter than
 * MIN_PASSPHRASE_LENGTH, or longer than OpenSSL encrypts with (see
 * MAX_PASSPHRASE_BYTES). Where the passphrase comes from is the caller's
 * business (the CLI: src/cli/commands/ca-passphrase.ts).
 */
export function assertPassphrase(passphrase: string | undefined): asserts passphrase is string {
  if (passphrase === undefined || passphrase === '') {
    throw new CertwardenError(ErrorCode.PASSPHRASE, 'no CA key passphrase was given (CA keys are always encrypted at rest)', { details: { reason: 'passphrase-missing' } });
  }
  if (passphrase.length < MIN_PASSPHRASE_LENGTH) {
    throw new CertwardenError(ErrorCode.PASSPHRASE, `the CA key passphrase must be at least ${MIN_PASSPHRASE_LENGTH} characters`, { details: { reason: 'passphrase-too-short' } });
  }
  if (Buffer.byteLength(passphrase, 'utf8') > MAX_PASSPHRASE_BYTES) {
    throw new CertwardenError(
      ErrorCode.PASSPHRASE,
      `the CA key passphrase must be at most ${MAX_PASSPHRASE_BYTES} bytes (OpenSSL's limit for PEM passphrases); a CA home created with a longer one by an earlier version was encrypted with its first ${MAX_PASSPHRASE_BYTES} bytes: use those`,
      { details: { reason: 'passphrase-too-long' } },
    );
  }
}

function unsafeDir(dir: string, why: string): CertwardenError {
  return new CertwardenError(ErrorCode.USAGE, `${dir} ${why}; refusing to use it as a CA home (its mode is left as it is). Name a new directory (certwarden creates it 0700) or fix this one yourself`, {
    details: { path: dir },
  });
}

/**
 * A directory certwarden did not create is never chmod'ed: it may be shared
 * (a 1777 /tmp-like folder) or someone else's. It must be a directory owned
 * by the current user and not writable by group or others (anyone who can
 * write there can swap the CA's files).
 */
export function assertSafeDir(dir: string): void {
  let st;
  try {
    st = statSync(dir);
  } catch (cause) {
    throw new CertwardenError(ErrorCode.IO, `cannot inspect ${dir}: ${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}`, { cause });
  }
  if (!st.isDirectory()) throw unsafeDir(dir, 'exists and is not a directory');
  const uid = process.getuid?.();
  if (uid !== undefined && st.uid !== uid) throw unsafeDir(dir, `is owned by uid ${st.uid}, not by the user running certwarden (uid ${uid})`);
  if (st.mode & 0o022) throw unsafeDir(dir, `is writable by ${st.mode & 0o002 ? 'every user' : 'its group'} (mode ${(st.mode & 0o7777).toString(8).padStart(4, '0')})`);
}

/**
 * Create `dir` 0700 (parents too), or check an existing one with
 * {@link assertSafeDir}. Returns whether it was created here.
 */
export function ensurePrivateDir(dir: string): boolean {
  try {
    mkdirSync(dirname(resolve(dir)), { recursive: true, mode: PRIVATE_DIR_MODE });
    mkdirSync(dir, { mode: PRIVATE_DIR_MODE });
    return true;
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code !== 'EEXIST') throw new CertwardenError(ErrorCode.IO, `cannot create ${dir}: ${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}`, { cause });
  }
  assertSafeDir(dir);
  return false;
}

/** Write a file created 0600 (exclusive unless `overwrite`), atomically and never through a symlink. */
export function writePrivateFile(path: string, data: string | Uint8Array, overwrite = false): void {
  writeFileSafely(path, data, { mode: PRIVATE_FILE_MODE, overwrite });
}

/** PEM of `key` as encrypted PKCS#8. */
export function encryptKey(key: KeyObject, passphrase: string): string {
  return key.export({ format: 'pem', type: 'pkcs8', cipher: KEY_CIPHER, passphrase }) as string;
}

/** Decrypt a PEM private key; a wrong passphrase is a clear typed error. */
export function decryptKey(pem: string | Buffer, passphrase: string, what: string): KeyObject {
  try {
    return createPrivateKey({ key: pem, format: 'pem', passphrase });
  } catch (cause) {
    const msg = (cause as Error).message;
    const wrong = /bad decrypt|decrypt|passphrase|DECODER/i.test(msg);
    throw new CertwardenError(
      wrong ? ErrorCode.PASSPHRASE : ErrorCode.USAGE,
      wrong ? `cannot decrypt ${what}: wrong passphrase` : `cannot read ${what}: not a PEM private key`,
      { details: { reason: wrong ? 'passphrase-wrong' : 'key-unreadable' } },
    );
  }
}
