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

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;
const BASE64_BODY = /^[A-Za-z0-9+/=\s]*$/;

/** All PEM blocks in `text`, in order. Headers inside a block (RFC 1421 style) are skipped. */
export function parsePemBlocks(text: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  for (const match of text.matchAll(PEM_BLOCK)) {
    const label = match[1]!;
    let body = match[2]!;
    // Legacy encrypted PEM carries "Proc-Type:" headers followed by a blank line.
    if (body.includes(':')) body = body.split(/\r?\n\r?\n/).pop() ?? '';
    if (!BASE64_BODY.test(body)) {
      throw new CertwardenError(ErrorCode.PEM, `PEM block "${label}" contains characters that are not base64`);
    }
    blocks.push({ label, der: Buffer.from(body.replace(/\s+/g, ''), 'base64') });
  }
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
