/**
 * Every revocation source, keyed by its policy id (`revocation.sources`). A new
 * source is one module in this folder and one line here; the policy schema's
 * enum is checked against these keys (test/revocation/sources.test.ts).
 */
import type { RevocationSource } from '../../core/revocation-vocabulary.ts';
import type { RevocationSourceModule } from './source.ts';
import { stapleSource } from './staple.ts';
import { ocspSource } from './ocsp.ts';
import { crlSource } from './crl.ts';

export const REVOCATION_SOURCES: { readonly [Id in RevocationSource]: RevocationSourceModule<Id> } = {
  staple: stapleSource,
  ocsp: ocspSource,
  crl: crlSource,
};
