/** The policy file: loading, resolution, hashing. See docs/policy.md. */
export { loadPolicy, canonicalJson } from './load.ts';
export { policyHash } from './hash.ts';
export { resolveDestination, resolveInbound, matchDestination, patternMatches, activePins, systemAnchors, type ResolveOptions } from './match.ts';
export { POLICY_SCHEMA } from './schema.ts';
export { DEFAULTS as POLICY_DEFAULTS, LIMITS as POLICY_LIMITS, POLICY_VERSION } from './defaults.ts';
export { parseDuration, parseHostPattern, normalizeHost } from './values.ts';
export type * from './types.ts';
