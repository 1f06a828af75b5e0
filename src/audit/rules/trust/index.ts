/** The trust-store rules: dialect-independent, run on the CA files each unit names. */
import type { Rule } from '../rule.ts';
import type { TrustUnit } from './unit.ts';
import unreadable from './unreadable.ts';
import publicRootClient from './public-root-client.ts';
import publicRootNotAllowed from './public-root-not-allowed.ts';
import foreignCa from './foreign-ca.ts';
import unclassified from './unclassified.ts';

export const TRUST_RULES: readonly Rule<TrustUnit>[] = [unreadable, publicRootClient, publicRootNotAllowed, foreignCa, unclassified];
