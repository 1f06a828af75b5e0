/**
 * Private keys at rest: PKCS#8 encrypted with AES-256-CBC under a key derived
 * from the passphrase (PBES2 + PBKDF2, RFC 8018, as OpenSSL writes it), in
 * files created 0600 inside a 0700 directory. Keys are never printed or
 * logged; errors name the file, never its content.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { CertwardenError, ErrorCode } from '../errors.ts';

/** Owner read/write only: private keys and the database. */
export const PRIVATE_FILE_MODE = 0o600;
/** Owner only: the CA home. */
export const PRIVATE_DIR_MODE = 0o700;
/** Cipher for PKCS#8 encryption at rest. */
export const KEY_CIPHER = 'aes-256-cbc';
/** Refuse trivially short passphrases: they make the encryption decorative. */
export const MIN_PASSPHRASE_LENGTH = 8;

export const PASSPHRASE_ENV = 'CERTWARDEN_CA_PASSPHRASE';

/** The passphrase from --passphrase-file or the environment; refuses to go on without one. */
export function resolvePassphrase(env: NodeJS.ProcessEnv, passphraseFile?: string): string {
  let passphrase: string | undefined;
  if (passphraseFile !== undefined) {
    try {
      passphrase = readFileSync(passphraseFile, 'utf8').replace(/\r?\n$/, '');
    } catch (cause) {
      throw new CertwardenError(ErrorCode.IO, `cannot read the passphrase file ${passphraseFile}: ${(cause as NodeJS.ErrnoException).code ?? 'error'}`, { cause });
    }
  } else {
    passphrase = env[PASSPHRASE_ENV];
  }
  if (passphrase === undefined || passphrase === '') {
    throw new CertwardenError(ErrorCode.PASSPHRASE, `no CA key passphrase: set ${PASSPHRASE_ENV} or pass --passphrase-file FILE (CA keys are always encrypted at rest)`, {
      details: { reason: 'passphrase-missing' },
    });
  }
  if (passphrase.length < MIN_PASSPHRASE_LENGTH) {
    throw new CertwardenError(ErrorCode.PASSPHRASE, `the CA key passphrase must be at least ${MIN_PASSPHRASE_LENGTH} characters`, { details: { reason: 'passphrase-too-short' } });
  }
  return passphrase;
}

/** Create `dir` (and parents) and force it to 0700. */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  chmodSync(dir, PRIVATE_DIR_MODE);
}

/** Write a file created 0600 (exclusive unless `overwrite`). */
export function writePrivateFile(path: string, data: string | Uint8Array, overwrite = false): void {
  try {
    writeFileSync(path, data, { mode: PRIVATE_FILE_MODE, flag: overwrite ? 'w' : 'wx' });
    chmodSync(path, PRIVATE_FILE_MODE);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    throw new CertwardenError(ErrorCode.IO, code === 'EEXIST' ? `${path} already exists; refusing to overwrite it` : `cannot write ${path}: ${code ?? (cause as Error).message}`, { cause });
  }
}

/** PEM of `key` as encrypted PKCS#8. */
export function encryptKey(key: KeyObject, passphrase: string): string {
  return key.export({ format: 'pem', type: 'pkcs8', cipher: KEY_CIPHER, passphrase }) as string;
}

/** Write `key` encrypted to `path` (0600). */
export function writeEncryptedKey(path: string, key: KeyObject, passphrase: string, overwrite = false): void {
  writePrivateFile(path, encryptKey(key, passphrase), overwrite);
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
      wrong ? `cannot decrypt ${what}: wrong passphrase (check ${PASSPHRASE_ENV} or --passphrase-file)` : `cannot read ${what}: not a PEM private key`,
      { details: { reason: wrong ? 'passphrase-wrong' : 'key-unreadable' } },
    );
  }
}

/** Read and decrypt the key file at `path`. */
export function readEncryptedKey(path: string, passphrase: string): KeyObject {
  let pem: Buffer;
  try {
    pem = readFileSync(path);
  } catch (cause) {
    throw new CertwardenError(ErrorCode.IO, `cannot read the CA key ${path}: ${(cause as NodeJS.ErrnoException).code ?? 'error'}`, { cause });
  }
  if (!pem.includes('ENCRYPTED PRIVATE KEY')) {
    throw new CertwardenError(ErrorCode.USAGE, `${path} is not an encrypted private key; refusing to use an unencrypted CA key at rest`);
  }
  return decryptKey(pem, passphrase, `the CA key ${path}`);
}
