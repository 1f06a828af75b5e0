/**
 * Serial-number indexes for CRL lookups (RFC 5280 §5.1.2.6).
 *
 * Serial numbers are INTEGERs and compare as integers: a leading 0x00 octet
 * that only marks a positive sign (or any redundant leading zero octet from a
 * sloppy encoder) is not significant, and a negative serial (PKITS 4.4.14/15)
 * is not the same integer as the positive one with the same magnitude octets.
 *
 * The default index ({@link HashSerialIndex}) is an open-addressing hash table
 * in two typed arrays that points back into the CRL's DER: no string and no
 * object per revoked entry, ~8 bytes per entry, O(1) lookups. {@link MapSerialIndex}
 * (a Map keyed by canonical hex) is kept for comparison in bench/crl.ts.
 */

/**
 * Canonical text form of an INTEGER's content octets. Non-negative values
 * give the same string as util/der.ts integerHex (lowercase hex, leading zero
 * octets dropped); negative values are prefixed with "-" and keep their
 * minimal two's-complement octets, so that 128 (00 80) and -128 (80) differ.
 */
export function canonicalSerialHex(content: Uint8Array): string {
  const [start, negative] = canonicalStart(content, 0, content.length);
  const hex = Buffer.from(content.buffer, content.byteOffset + start, content.length - start).toString('hex');
  return negative ? `-${hex}` : hex;
}

/**
 * Where the significant octets of an INTEGER's content [from, to) begin, and
 * its sign. Redundant sign-extension octets (0x00 before a positive value,
 * 0xff before a negative one whose next octet has its top bit set) are skipped.
 */
export function canonicalStart(buf: Uint8Array, from: number, to: number): [number, boolean] {
  if (to <= from) return [from, false];
  const negative = (buf[from]! & 0x80) !== 0;
  let i = from;
  if (negative) {
    while (i < to - 1 && buf[i] === 0xff && (buf[i + 1]! & 0x80) !== 0) i++;
  } else {
    while (i < to - 1 && buf[i] === 0) i++;
  }
  return [i, negative];
}

/** Look up by the content octets of a serial INTEGER; returns the stored value or -1. */
export interface SerialIndex {
  readonly size: number;
  /** Add a serial found at buf[from, to) with `value` (e.g. the entry's offset). Keeps the first of duplicates. */
  add(buf: Uint8Array, from: number, to: number, value: number): void;
  get(serialContent: Uint8Array): number;
}

/** The sign of a stored serial rides in the top bit of its end offset (CRLs are far below 2 GiB). */
const SIGN_BIT = 0x80000000;
const END_MASK = 0x7fffffff;

function hashBytes(buf: Uint8Array, from: number, to: number, negative: boolean): number {
  // FNV-1a, 32-bit, seeded with the sign.
  let h = negative ? 0x811c9dc5 ^ 0x5bd1e995 : 0x811c9dc5;
  for (let i = from; i < to; i++) {
    h ^= buf[i]!;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * Open-addressing (linear probing) hash index over serials that live in one
 * backing buffer (the CRL's DER). Slots hold the canonical start of the serial
 * plus one (0 = empty); a parallel array holds its end and one more the value.
 */
export class HashSerialIndex implements SerialIndex {
  #buf: Uint8Array;
  #mask: number;
  #starts: Uint32Array;
  #ends: Uint32Array;
  #values: Uint32Array;
  #size = 0;

  /** @param buf the buffer all added serials live in; @param expected a size hint. */
  constructor(buf: Uint8Array, expected = 16) {
    this.#buf = buf;
    let cap = 16;
    while (cap < expected * 2) cap *= 2;
    this.#mask = cap - 1;
    this.#starts = new Uint32Array(cap);
    this.#ends = new Uint32Array(cap);
    this.#values = new Uint32Array(cap);
  }

  get size(): number {
    return this.#size;
  }

  add(buf: Uint8Array, from: number, to: number, value: number): void {
    if (buf !== this.#buf) throw new RangeError('HashSerialIndex: serials must live in the indexed buffer');
    if ((this.#size + 1) * 2 > this.#mask + 1) this.#grow();
    const [start, negative] = canonicalStart(buf, from, to);
    let slot = hashBytes(buf, start, to, negative) & this.#mask;
    for (;;) {
      const s = this.#starts[slot]!;
      if (s === 0) break;
      if (this.#equals(s - 1, this.#ends[slot]!, buf, start, to, negative)) return;
      slot = (slot + 1) & this.#mask;
    }
    this.#starts[slot] = start + 1;
    this.#ends[slot] = negative ? (to | SIGN_BIT) >>> 0 : to;
    this.#values[slot] = value;
    this.#size++;
  }

  get(serialContent: Uint8Array): number {
    const [start, negative] = canonicalStart(serialContent, 0, serialContent.length);
    const to = serialContent.length;
    let slot = hashBytes(serialContent, start, to, negative) & this.#mask;
    for (;;) {
      const s = this.#starts[slot]!;
      if (s === 0) return -1;
      if (this.#equals(s - 1, this.#ends[slot]!, serialContent, start, to, negative)) return this.#values[slot]!;
      slot = (slot + 1) & this.#mask;
    }
  }

  #equals(aStart: number, aEndAndSign: number, b: Uint8Array, bStart: number, bEnd: number, bNegative: boolean): boolean {
    if ((aEndAndSign >= SIGN_BIT) !== bNegative) return false;
    const aEnd = aEndAndSign & END_MASK;
    if (aEnd - aStart !== bEnd - bStart) return false;
    const a = this.#buf;
    for (let i = 0; i < aEnd - aStart; i++) if (a[aStart + i] !== b[bStart + i]) return false;
    return true;
  }

  #grow(): void {
    const oldStarts = this.#starts;
    const oldEnds = this.#ends;
    const oldValues = this.#values;
    const cap = (this.#mask + 1) * 2;
    this.#mask = cap - 1;
    this.#starts = new Uint32Array(cap);
    this.#ends = new Uint32Array(cap);
    this.#values = new Uint32Array(cap);
    for (let i = 0; i < oldStarts.length; i++) {
      const s = oldStarts[i]!;
      if (s === 0) continue;
      const start = s - 1;
      const endAndSign = oldEnds[i]!;
      const negative = endAndSign >= SIGN_BIT;
      let slot = hashBytes(this.#buf, start, endAndSign & END_MASK, negative) & this.#mask;
      while (this.#starts[slot] !== 0) slot = (slot + 1) & this.#mask;
      this.#starts[slot] = s;
      this.#ends[slot] = endAndSign;
      this.#values[slot] = oldValues[i]!;
    }
  }
}

/** A Map keyed by canonical hex: simpler, ~10x the memory; kept for the benchmark. */
export class MapSerialIndex implements SerialIndex {
  #map = new Map<string, number>();

  get size(): number {
    return this.#map.size;
  }

  add(buf: Uint8Array, from: number, to: number, value: number): void {
    const key = canonicalSerialHex(buf.subarray(from, to));
    if (!this.#map.has(key)) this.#map.set(key, value);
  }

  get(serialContent: Uint8Array): number {
    return this.#map.get(canonicalSerialHex(serialContent)) ?? -1;
  }
}
