/** A loaded policy is immutable: nothing downstream can weaken it after the checks ran. */
import { Certificate } from '../../x509/certificate.ts';

/** Freeze the policy graph; certificates and byte arrays are shared, not frozen. */
export function deepFreeze<T>(value: T, seen = new Set<unknown>()): T {
  if (value === null || typeof value !== 'object' || seen.has(value)) return value;
  if (value instanceof Certificate || ArrayBuffer.isView(value) || value instanceof Date) return value;
  seen.add(value);
  for (const v of Object.values(value as object)) deepFreeze(v, seen);
  return Object.freeze(value);
}
