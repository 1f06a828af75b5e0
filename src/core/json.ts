/** JSON as every report and command writes it (the one serializer, so reports cannot drift). */

/**
 * Characters JSON.stringify leaves raw but a terminal may act on: DEL and the
 * C1 controls (0x9b is CSI), line/paragraph separators, bidi overrides. They
 * can only occur inside JSON strings, so writing them as \uXXXX is lossless:
 * a parser gets the exact value back, a terminal showing the JSON sees text.
 */
// eslint-disable-next-line no-control-regex
const JSON_UNSAFE = /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** JSON with Dates as ISO strings and bytes as base64; terminal-unsafe characters as \u escapes. */
export function toJson(value: unknown): string {
  return JSON.stringify(
    value,
    (_key, v: unknown) => {
      if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
      if (v && typeof v === 'object' && (v as { type?: string }).type === 'Buffer' && Array.isArray((v as { data?: unknown }).data)) {
        return Buffer.from((v as { data: number[] }).data).toString('base64');
      }
      return v;
    },
    2,
  ).replace(JSON_UNSAFE, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
