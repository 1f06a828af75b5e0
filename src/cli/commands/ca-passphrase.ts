/**
 * Where the CLI gets the CA key passphrase: $CERTWARDEN_CA_PASSPHRASE or
 * --passphrase-file FILE (never a flag value, which would land in shell
 * history and `ps`). The library only checks it (keys.ts assertPassphrase).
 */
import { statSync } from 'node:fs';
import { assertPassphrase } from '../../ca/keys.ts';
import { CertwardenError, ErrorCode } from '../../errors.ts';
import { readFileBounded } from '../../util/bounded-read.ts';

/** A passphrase file holds one line; anything bigger is a wrong file. */
export const MAX_PASSPHRASE_FILE_BYTES = 4096;

export const PASSPHRASE_ENV = 'CERTWARDEN_CA_PASSPHRASE';

/** Where non-fatal findings about the caller's setup go (the CLI: stderr). */
export type WarnSink = (message: string) => void;

/** Warn when group or others can read the passphrase file (it unlocks the CA keys). */
function warnIfExposed(path: string, warn: WarnSink | undefined): void {
  if (!warn) return;
  let mode: number;
  try {
    mode = statSync(path).mode;
  } catch {
    return; // it was just read; a vanished file is the next reader's problem
  }
  if (mode & 0o044) warn(`the passphrase file ${path} is readable by ${mode & 0o004 ? 'every user' : 'its group'} (mode ${(mode & 0o777).toString(8).padStart(4, '0')}); it unlocks the CA keys: chmod 600 it`);
}

/** The passphrase from --passphrase-file or the environment; refuses to go on without one. */
export function resolvePassphrase(env: NodeJS.ProcessEnv, passphraseFile?: string, warn?: WarnSink): string {
  let passphrase: string | undefined;
  if (passphraseFile !== undefined) {
    passphrase = readFileBounded(passphraseFile, { what: 'the passphrase file', maxBytes: MAX_PASSPHRASE_FILE_BYTES }).toString('utf8').replace(/\r?\n$/, '');
    warnIfExposed(passphraseFile, warn);
  } else {
    passphrase = env[PASSPHRASE_ENV];
  }
  if (passphrase === undefined || passphrase === '') {
    throw new CertwardenError(ErrorCode.PASSPHRASE, `no CA key passphrase: set ${PASSPHRASE_ENV} or pass --passphrase-file FILE (CA keys are always encrypted at rest)`, {
      details: { reason: 'passphrase-missing' },
    });
  }
  assertPassphrase(passphrase);
  return passphrase;
}

