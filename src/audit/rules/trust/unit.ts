/** The trust-store unit: every CA file one server block, virtual host or section names, read once. */
import type { Policy } from '../../../policy/types.ts';
import type { TrustStore, TrustStoreReader } from '../../trust-store.ts';
import type { CaReference } from '../rule.ts';

export interface TrustUnit {
  refs: { ref: CaReference; store: TrustStore }[];
  policy?: Policy;
}

export function trustUnit(refs: readonly CaReference[], reader: TrustStoreReader, policy?: Policy): TrustUnit {
  return { refs: refs.map((ref) => ({ ref, store: ref.value === SYSTEM_CA ? reader.system() : ref.path.includes('$') ? { ok: false, reason: 'the path has a variable' } : ref.keystore ? reader.readKeystore(ref.path, ref.keystore) : reader.read(ref.path) })), ...(policy ? { policy } : {}) };
}

/** HAProxy 2.6+: `ca-file @system-ca` loads the OS trust store. */
export const SYSTEM_CA = '@system-ca';

export const TRUST_DOCS = 'https://github.com/OWASP/ASVS/blob/v4.0.3/4.0/en/0x17-V9-Communications.md';
