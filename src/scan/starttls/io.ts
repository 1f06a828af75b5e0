/**
 * Reading a plaintext STARTTLS preamble.
 *
 * One reader owns the socket for the whole preamble: it keeps what a read did
 * not consume (a server may put two replies in one segment, or split one over
 * several), caps the bytes a server can make the scanner buffer, and answers
 * as soon as the peer closes. The time bound is the caller's: every preamble
 * runs inside `bounded()` (connect.ts), whose deadline or abort destroys the
 * socket, and a destroyed socket ends any read pending here.
 */
import type { Socket } from 'node:net';
import { AttemptReason, scanFailure } from '../failure.ts';

/**
 * Bytes a whole preamble may bring in. No legitimate STARTTLS exchange comes
 * near it (RFC 5321 §4.5.3.1.5 caps an SMTP reply line at 512 octets; IMAP
 * and POP3 capability lists are a few hundred), so more is a hostile or
 * broken server, stopped before it can make the scanner buffer without end.
 */
export const MAX_PREAMBLE_BYTES = 64 * 1024;

/** How much of a server's text goes into an error message. */
const MAX_DETAIL_CHARS = 200;

/** A parser over the unread bytes: the value and how many bytes it used, or undefined while incomplete. Throws when malformed. */
export type Parse<T> = (data: Buffer) => { value: T; used: number } | undefined;

/**
 * A server's text made safe for a report: it may come from a hostile peer
 * and lands in terminals (text format), so control characters (ANSI escapes)
 * are replaced and the length is capped.
 */
export function printable(text: string): string {
  const flat = text
    .replace(/\r?\n/g, ' | ')
    .replace(/[^\x20-\x7e]/g, '?')
    .trim();
  return flat.length > MAX_DETAIL_CHARS ? `${flat.slice(0, MAX_DETAIL_CHARS)}...` : flat;
}

/** The server declined the upgrade or does not offer it: the endpoint is not what the scan was told. */
export function refused(protocol: string, detail: string): Error {
  return scanFailure(AttemptReason.USAGE, `${protocol} STARTTLS refused: ${detail}`);
}

/** The server's first answer is not this protocol at all (wrong --starttls, or not that service). */
export function notProtocol(protocol: string, detail: string): Error {
  return scanFailure(AttemptReason.USAGE, `the server does not speak ${protocol} (is --starttls right for this port?): ${detail}`);
}

/** The server speaks the protocol but breaks it. */
export function violation(protocol: string, detail: string): Error {
  return scanFailure(AttemptReason.CONNECTIVITY, `${protocol} STARTTLS: ${detail}`);
}

export class PreambleReader {
  readonly #socket: Socket;
  readonly #protocol: string;
  #buffer: Buffer = Buffer.alloc(0);
  #received = 0;
  #failure: Error | undefined;
  #wake: (() => void) | undefined;

  constructor(socket: Socket, protocol: string) {
    this.#socket = socket;
    this.#protocol = protocol;
    socket.on('data', this.#onData);
    socket.on('end', this.#onEnd);
    socket.on('close', this.#onEnd);
    socket.on('error', this.#onError);
    socket.resume();
  }

  readonly #onData = (chunk: Buffer): void => {
    if (this.#failure) return;
    this.#received += chunk.length;
    if (this.#received > MAX_PREAMBLE_BYTES) {
      // Stop reading at once; the caller destroys the socket on the rejection.
      this.#socket.pause();
      this.#fail(violation(this.#protocol, `the server sent more than ${MAX_PREAMBLE_BYTES} bytes without completing the preamble`));
      return;
    }
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    this.#notify();
  };

  readonly #onEnd = (): void => this.#fail(scanFailure(AttemptReason.CONNECTIVITY, `the server closed the connection during the ${this.#protocol} STARTTLS preamble`));

  readonly #onError = (err: Error): void => this.#fail(scanFailure(AttemptReason.CONNECTIVITY, `${this.#protocol} STARTTLS preamble: ${err.message}`, err));

  #fail(err: Error): void {
    this.#failure ??= err;
    this.#notify();
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  send(data: string | Buffer): void {
    if (!this.#failure) this.#socket.write(typeof data === 'string' ? `${data}\r\n` : data);
  }

  /**
   * The next value `parse` finds. What arrived before a close is still read,
   * so a server that answers "no" and hangs up is reported by its answer.
   */
  async read<T>(parse: Parse<T>): Promise<T> {
    for (;;) {
      const r = parse(this.#buffer);
      if (r) {
        this.#buffer = this.#buffer.subarray(r.used);
        return r.value;
      }
      if (this.#failure) throw this.#failure;
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
  }

  /**
   * End of the preamble: the next bytes belong to TLS. A server says nothing
   * between its go-ahead and the client's ClientHello, so anything buffered
   * is plaintext the TLS layer would never authenticate (the STARTTLS
   * response-injection class, e.g. CVE-2021-23222): an error, not a guess.
   */
  finish(): void {
    this.release();
    if (this.#failure) throw this.#failure;
    if (this.#buffer.length > 0) {
      throw violation(this.#protocol, `${this.#buffer.length} byte(s) arrived after the server's go-ahead, before the TLS handshake (possible plaintext injection)`);
    }
  }

  /** Stop listening and leave the socket paused for the TLS layer. */
  release(): void {
    this.#socket.off('data', this.#onData);
    this.#socket.off('end', this.#onEnd);
    this.#socket.off('close', this.#onEnd);
    this.#socket.off('error', this.#onError);
    this.#socket.pause();
  }
}

/** Run a preamble's dialogue on `socket`; resolves when the next byte may be a ClientHello. */
export async function converse(socket: Socket, protocol: string, dialogue: (reader: PreambleReader) => Promise<void>): Promise<void> {
  const reader = new PreambleReader(socket, protocol);
  try {
    await dialogue(reader);
  } catch (err) {
    reader.release();
    throw err;
  }
  reader.finish();
}

/** One line (LF-terminated; CR before it dropped), latin1. */
export const line: Parse<string> = (data) => {
  const lf = data.indexOf(0x0a);
  if (lf < 0) return undefined;
  const end = lf > 0 && data[lf - 1] === 0x0d ? lf - 1 : lf;
  return { value: data.toString('latin1', 0, end), used: lf + 1 };
};

export interface NumericReply {
  code: number;
  /** The text of each line after the code and its separator. */
  lines: string[];
}

/**
 * A numeric reply (SMTP RFC 5321 §4.2.1, FTP RFC 959 §4.2): "ddd-text" lines
 * continue it and it ends at the line with the same code followed by a space
 * or the line end. In SMTP every line carries the code (`strict`); in FTP the
 * lines between may be any text. Read line by line, so a long reply costs
 * one scan of each byte, not one per arriving segment.
 */
export async function readNumericReply(reader: PreambleReader, protocol: string, strict: boolean): Promise<NumericReply> {
  const first = await reader.read(line);
  const m = /^(\d{3})([ -]|$)(.*)$/.exec(first);
  if (!m) throw notProtocol(protocol, `"${printable(first)}" is not a numeric reply`);
  const code = m[1]!;
  const lines = [m[3]!];
  let more = m[2] === '-';
  while (more) {
    const l = await reader.read(line);
    const c = /^(\d{3})([ -]|$)(.*)$/.exec(l);
    if (c && c[1] === code) {
      lines.push(c[3]!);
      more = c[2] === '-';
    } else if (strict) {
      throw violation(protocol, `"${printable(l)}" inside a ${code} reply (every line carries the code, RFC 5321 §4.2.1)`);
    } else lines.push(l);
  }
  return { code: Number(code), lines };
}

/** A reply as a person reads it in an error message. */
export function describeReply(r: NumericReply): string {
  return printable(`${r.code} ${r.lines.join(' / ')}`);
}

/** Exactly `n` bytes. */
export function bytes(n: number): Parse<Buffer> {
  return (data) => (data.length >= n ? { value: Buffer.from(data.subarray(0, n)), used: n } : undefined);
}
