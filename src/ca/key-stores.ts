/**
 * The key stores a CA can use, by name: the one registry line a new
 * KeyStore (key-store.ts) takes. A factory gets the CA's artefacts (its home
 * directory or its Postgres store) and the passphrase, and builds its store
 * at once (bad arguments fail here, not at the first signature).
 */
import { CertwardenError, ErrorCode } from '../errors.ts';
import type { CaFiles } from './ca-files.ts';
import { EncryptedKeyStore } from './encrypted-key-store.ts';
import type { KeyStore } from './key-store.ts';

export interface KeyStoreContext {
  files: CaFiles;
  passphrase: string;
}

export const KEY_STORES = {
  /** PKCS#8 encrypted under the CA passphrase, beside the CA's other artefacts (the default). */
  encrypted: (ctx: KeyStoreContext): KeyStore => new EncryptedKeyStore(ctx.files, ctx.passphrase),
} as const satisfies Record<string, (ctx: KeyStoreContext) => KeyStore>;

export type KeyStoreKind = keyof typeof KEY_STORES;

export const DEFAULT_KEY_STORE: KeyStoreKind = 'encrypted';

/** The key store `choice` names (or builds), for a CA's artefacts and passphrase. */
export function makeKeyStore(choice: KeyStoreKind | ((ctx: KeyStoreContext) => KeyStore) | undefined, ctx: KeyStoreContext): KeyStore {
  if (typeof choice === 'function') return choice(ctx);
  const factory = KEY_STORES[choice ?? DEFAULT_KEY_STORE];
  if (!factory) throw new CertwardenError(ErrorCode.USAGE, `unknown key store "${String(choice)}" (known: ${Object.keys(KEY_STORES).join(', ')})`);
  return factory(ctx);
}
