/**
 * Reading what a TLS server sends, with every length checked against the
 * bytes actually received.
 *
 * A server's length fields are claims. Read naively (a 24-bit length used as
 * a loop bound over a buffer that is shorter) they turn a few bytes into
 * millions of iterations; read into `Buffer.concat` on every chunk they turn
 * a server dripping one byte per segment into quadratic copying. Here a
 * queue keeps received chunks and copies each byte a bounded number of
 * times, and a reader over one complete message refuses any length that
 * runs past its end.
 */
import { AttemptReason, scanFailure } from './failure.ts';
import type { CertwardenError } from '../errors.ts';

/** A malformed flight is the server breaking the protocol: a connectivity failure of the target, not a bug. */
export function malformed(message: string): CertwardenError {
  return scanFailure(AttemptReason.CONNECTIVITY, `malformed TLS from the server: ${message}`);
}

/** Received bytes in arrival order, consumed from the front. */
export class ByteQueue {
  #chunks: Buffer[] = [];
  #length = 0;

  get length(): number {
    return this.#length;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.#chunks.push(chunk);
    this.#length += chunk.length;
  }

  /** The first `n` bytes (n ≤ length), not consumed; copies at most `n` bytes. */
  peek(n: number): Buffer {
    const first = this.#chunks[0]!;
    if (first.length >= n) return first.subarray(0, n);
    const parts: Buffer[] = [];
    let have = 0;
    for (const c of this.#chunks) {
      parts.push(c);
      have += c.length;
      if (have >= n) break;
    }
    return Buffer.concat(parts, have).subarray(0, n);
  }

  /** Remove and return the first `n` bytes (n ≤ length); copies at most `n` bytes. */
  take(n: number): Buffer {
    if (n > this.#length) throw new RangeError(`take(${n}) of ${this.#length} bytes`);
    this.#length -= n;
    const first = this.#chunks[0];
    if (first && first.length >= n) {
      if (first.length === n) this.#chunks.shift();
      else this.#chunks[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    const parts: Buffer[] = [];
    let need = n;
    while (need > 0) {
      const c = this.#chunks[0]!;
      if (c.length <= need) {
        parts.push(c);
        this.#chunks.shift();
        need -= c.length;
      } else {
        parts.push(c.subarray(0, need));
        this.#chunks[0] = c.subarray(need);
        need = 0;
      }
    }
    return Buffer.concat(parts, n);
  }
}

/** Sequential reads over one complete message; a length past its end is a typed failure naming `what`. */
export class BoundedReader {
  readonly #b: Buffer;
  readonly #what: string;
  #at = 0;

  constructor(bytes: Buffer, what: string) {
    this.#b = bytes;
    this.#what = what;
  }

  get remaining(): number {
    return this.#b.length - this.#at;
  }

  #need(n: number, field: string): void {
    if (n > this.remaining) throw malformed(`${this.#what}: ${field} needs ${n} bytes, ${this.remaining} remain`);
  }

  u8(field: string): number {
    this.#need(1, field);
    return this.#b[this.#at++]!;
  }

  u16(field: string): number {
    this.#need(2, field);
    const v = this.#b.readUInt16BE(this.#at);
    this.#at += 2;
    return v;
  }

  u24(field: string): number {
    this.#need(3, field);
    const v = this.#b.readUIntBE(this.#at, 3);
    this.#at += 3;
    return v;
  }

  bytes(n: number, field: string): Buffer {
    this.#need(n, field);
    const v = this.#b.subarray(this.#at, this.#at + n);
    this.#at += n;
    return v;
  }

  /** The bytes of a vector with a `width`-byte length prefix (RFC 5246 §4.3). */
  opaque(width: 1 | 2 | 3, field: string): Buffer {
    const n = width === 1 ? this.u8(`${field} length`) : width === 2 ? this.u16(`${field} length`) : this.u24(`${field} length`);
    return this.bytes(n, field);
  }

  /** A vector with a `width`-byte length prefix, as a reader of its own. */
  vector(width: 1 | 2 | 3, field: string): BoundedReader {
    return new BoundedReader(this.opaque(width, field), `${this.#what} ${field}`);
  }
}
