/**
 * One clear phrase for a failed connection.
 *
 * When a name has several addresses (localhost: ::1 and 127.0.0.1), Node tries
 * each and fails with an AggregateError whose own message is empty and whose
 * parts each repeat "connect ECONNREFUSED <address>". Printed as is, the user
 * sees either nothing or the same code over and over; this says it once.
 */

const PHRASES: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ENOTFOUND: 'name not found',
  EAI_AGAIN: 'name lookup failed',
};

interface SocketError extends Error {
  code?: string;
  address?: string;
  port?: number;
}

function phrase(e: SocketError): string {
  const known = e.code !== undefined ? PHRASES[e.code] : undefined;
  return known ? `${known} (${e.code})` : e.message || e.code || 'connection failed';
}

/** "connection refused (ECONNREFUSED)", or "... on each of ::1, 127.0.0.1" for several addresses. */
export function describeConnectError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const parts = (err instanceof AggregateError && err.errors.length > 0 ? err.errors : [err]) as SocketError[];
  const phrases = [...new Set(parts.map(phrase))];
  const addresses = [...new Set(parts.flatMap((e) => (e.address ? [e.address] : [])))];
  if (phrases.length === 1) return addresses.length > 1 ? `${phrases[0]} on each of ${addresses.join(', ')}` : phrases[0]!;
  return phrases.join('; ');
}
