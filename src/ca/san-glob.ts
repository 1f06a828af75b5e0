/**
 * `ca list --san PATTERN`: a substring, or a glob where `*` matches any run of
 * characters. Matched without regular expressions: a `*.*.*...` pattern
 * turned into `.*.*.*` backtracks exponentially (10 wildcards took over a
 * minute), while the greedy segment walk below is linear in the name for each
 * segment: the first segment must be a prefix, the last a suffix, and each
 * middle segment is taken at its leftmost occurrence (leftmost is always
 * safe for `*`-only globs, so no backtracking is ever needed).
 */

/** A SAN type prefix the pattern may leave out ("*.example" matches "DNS:a.example"). */
const SAN_PREFIX = /^(?:DNS|IP):/i;

/** Whether `text` matches the `*`-glob `pattern` (case-sensitive; callers lowercase). */
export function globMatches(pattern: string, text: string): boolean {
  const parts = pattern.split('*');
  if (parts.length === 1) return pattern === text;
  const first = parts[0]!;
  const last = parts[parts.length - 1]!;
  if (text.length < first.length + last.length || !text.startsWith(first) || !text.endsWith(last)) return false;
  let at = first.length;
  const end = text.length - last.length;
  for (let i = 1; i < parts.length - 1; i++) {
    const part = parts[i]!;
    if (part === '') continue;
    const found = text.indexOf(part, at);
    if (found < 0 || found + part.length > end) return false;
    at = found + part.length;
  }
  return true;
}

/** The matcher for one PATTERN: a substring without `*`, else a whole-name glob with or without the DNS:/IP: prefix. */
export function sanMatcher(pattern: string): (san: string) => boolean {
  const p = pattern.toLowerCase();
  if (!p.includes('*')) return (s) => s.toLowerCase().includes(p);
  return (s) => {
    const lower = s.toLowerCase();
    return globMatches(p, lower) || (SAN_PREFIX.test(lower) && globMatches(p, lower.replace(SAN_PREFIX, '')));
  };
}
