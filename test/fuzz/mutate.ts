/**
 * Mutations of valid DER for property tests: bit flips, byte replacements,
 * truncation, insertion, deletion, and length-octet tampering (the classic
 * source of over-reads and hangs in ASN.1 parsers).
 */
import fc from 'fast-check';

export type Mutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'set'; at: number; value: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'insert'; at: number; bytes: number[] }
  | { kind: 'delete'; at: number; count: number }
  | { kind: 'append'; bytes: number[] };

export function mutation(): fc.Arbitrary<Mutation> {
  const pos = fc.nat({ max: 1 << 20 });
  const byte = fc.integer({ min: 0, max: 255 });
  return fc.oneof(
    fc.record({ kind: fc.constant('flip' as const), at: pos, bit: fc.integer({ min: 0, max: 7 }) }),
    fc.record({ kind: fc.constant('set' as const), at: pos, value: fc.constantFrom(0x00, 0x7f, 0x80, 0x81, 0x82, 0x84, 0xff, 0x30, 0x05) }),
    fc.record({ kind: fc.constant('truncate' as const), at: pos }),
    fc.record({ kind: fc.constant('insert' as const), at: pos, bytes: fc.array(byte, { minLength: 1, maxLength: 8 }) }),
    fc.record({ kind: fc.constant('delete' as const), at: pos, count: fc.integer({ min: 1, max: 16 }) }),
    fc.record({ kind: fc.constant('append' as const), bytes: fc.array(byte, { minLength: 1, maxLength: 8 }) }),
  );
}

export function apply(input: Uint8Array, mutations: Mutation[]): Buffer {
  let b = Buffer.from(input);
  for (const m of mutations) {
    if (b.length === 0) break;
    const at = 'at' in m ? m.at % b.length : 0;
    switch (m.kind) {
      case 'flip':
        b[at]! ^= 1 << m.bit;
        break;
      case 'set':
        b[at] = m.value;
        break;
      case 'truncate':
        b = b.subarray(0, at);
        break;
      case 'insert':
        b = Buffer.concat([b.subarray(0, at), Buffer.from(m.bytes), b.subarray(at)]);
        break;
      case 'delete':
        b = Buffer.concat([b.subarray(0, at), b.subarray(at + m.count)]);
        break;
      case 'append':
        b = Buffer.concat([b, Buffer.from(m.bytes)]);
        break;
    }
  }
  return b;
}
