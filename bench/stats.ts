/** Small statistics shared by the benchmarks. */

/** The median of `xs` (NaN for none): benchmarks report medians because they resist noisy neighbours. */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
