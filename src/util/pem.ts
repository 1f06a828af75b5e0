/**
 * PEM (RFC 7468) and raw DER input handling.
 *
 * Users hand us files in whatever form their tools wrote: PEM with one or many
 * blocks, raw DER, or (for OCSP responses from some tools) bare base64. These
 * helpers turn any of those into DER buffers, labelled, or fail with a typed
 * error that says what was expected.
 */
import { CertwardenError, ErrorCode } from '../errors.ts';

export interface PemBlock {
  label: string;
  der: Buffer;
}

const BASE64_BODY = /^[A-Za-z0-9+/=]*$/;
const BEGIN = '-----BEGIN ';
const END = '-----END ';
const DASHES = '-----';
/** RFC 7468 §3: a label is printable ASCII; the labels we accept are short upper-case words. */
const LABEL = /^[A-Z0-9 ]+$/;

function pemError(message: string): CertwardenError {
  return new CertwardenError(ErrorCode.PEM, message);
}

/** The label of an encapsulation boundary line (`-----BEGIN X-----`), or undefined. */
function boundaryLabel(line: string, marker: string): string | undefined {
  if (!line.startsWith(marker) || !line.endsWith(DASHES) || line.length < marker.length + DASHES.length + 1) return undefined;
  const label = line.slice(marker.length, line.length - DASHES.length);
  return LABEL.test(label) ? label : undefined;
}

/** The base64 text of a block's lines, without RFC 1421 headers ("Proc-Type: ...", then a blank line). */
function blockBase64(lines: readonly string[]): string {
  let from = 0;
  if (lines.some((l) => l.includes(':'))) {
    // Without the blank line there is no header section, and the ':' fails the base64 check.
    from = lines.lastIndexOf('') + 1;
  }
  return lines.slice(from).join('').replace(/\s+/g, '');
}

/**
 * All PEM blocks in `text`, in order (RFC 7468, lax: lines are trimmed, and
 * text between blocks is ignored). Headers inside a block (RFC 1421 style) are
 * skipped.
 *
 * One forward pass over the lines: each byte is looked at a bounded number of
 * times, so hostile text costs linear time (the backtracking regex this
 * replaces was quadratic on many BEGIN lines without END). A block without an
 * END line, an END line with another label, or a BEGIN inside a block is an
 * error rather than something to search past.
 */
export function parsePemBlocks(text: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  let label: string | undefined;
  let body: string[] = [];
  let pos = 0;
  while (pos <= text.length) {
    let next = text.indexOf('\n', pos);
    if (next < 0) next = text.length;
    const line = text.slice(pos, next).trim();
    pos = next + 1;
    if (label === undefined) {
      label = boundaryLabel(line, BEGIN);
      body = [];
      continue;
    }
    if (line.startsWith(END)) {
      if (boundaryLabel(line, END) !== label) throw pemError(`PEM block "${label}" ends with an END line that does not name "${label}"`);
      const base64 = blockBase64(body);
      if (!BASE64_BODY.test(base64)) throw pemError(`PEM block "${label}" contains characters that are not base64`);
      blocks.push({ label, der: Buffer.from(base64, 'base64') });
      label = undefined;
      continue;
    }
    if (line.startsWith(BEGIN)) throw pemError(`PEM block "${label}" has another BEGIN line before its END line`);
    body.push(line);
  }
  if (label !== undefined) throw pemError(`PEM block "${label}" has no END line (truncated input?)`);
  return blocks;
}

function looksLikeText(data: Uint8Array): boolean {
  const n = Math.min(data.length, 64);
  for (let i = 0; i < n; i++) {
    const c = data[i]!;
    if (c !== 0x09 && c !== 0x0a && c !== 0x0d && (c < 0x20 || c > 0x7e)) return false;
  }
  return true;
}

/**
 * Decode one or more DER objects from PEM, DER or bare base64 input.
 * @param labels PEM labels accepted (e.g. ["CERTIFICATE"]); others are ignored.
 * @param what   What the caller expects, for error messages ("certificate").
 */
export function decodeDerObjects(data: Uint8Array | string, labels: readonly string[], what: string): Buffer[] {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (bytes.length === 0) throw new CertwardenError(ErrorCode.PEM, `expected a ${what}, but the input is empty`);
  if (bytes[0] === 0x30) return [bytes];
  if (!looksLikeText(bytes)) {
    throw new CertwardenError(ErrorCode.PEM, `expected a ${what} in PEM or DER form, but the input is neither`);
  }
  const text = bytes.toString('utf8');
  if (text.includes('-----BEGIN')) {
    const blocks = parsePemBlocks(text).filter((b) => labels.includes(b.label));
    if (blocks.length === 0) {
      throw new CertwardenError(ErrorCode.PEM, `expected a PEM block labelled ${labels.join(' or ')} holding a ${what}, found none`);
    }
    return blocks.map((b) => b.der);
  }
  const compact = text.replace(/\s+/g, '');
  if (compact.length > 0 && /^[A-Za-z0-9+/]+={0,2}$/.test(compact)) {
    const der = Buffer.from(compact, 'base64');
    if (der[0] === 0x30) return [der];
  }
  throw new CertwardenError(ErrorCode.PEM, `expected a ${what} in PEM or DER form, but the input is neither`);
}

/** Encode DER as one PEM block. */
export function toPem(der: Uint8Array, label: string): string {
  const b64 = Buffer.from(der).toString('base64');
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}
