/** Shared pieces of the `ocsp` and `crl` commands: issuer selection and text rendering. */
import { namesEqual } from '../../x509/name.ts';
import type { StatusReason } from '../../core/revocation-vocabulary.ts';
import type { Palette } from '../output.ts';
import { Certificate as Cert } from '../../x509/certificate.ts';
import { parseAt, parseCommandArgs, parseFormat, parseSecondsMs, readInputFile, requireString } from '../args.ts';
import { DEFAULT_OCSP_MAX_BYTES } from '../../ocsp/fetch.ts';
import { DEFAULT_CRL_MAX_BYTES } from '../../crl/fetch.ts';
import { escapeControl } from '../../util/terminal.ts';

/**
 * A file cap that accepts, in PEM or base64, any DER object the network cap
 * accepts: base64 is 4/3 of the bytes, plus a line break every 64 characters
 * (RFC 7468 §2) and the BEGIN/END lines.
 */
export function armouredCap(derCap: number): number {
  const base64 = Math.ceil(derCap / 3) * 4;
  return base64 + Math.ceil(base64 / 64) * 2 + 1024;
}

/** An OCSP response file (`ocsp verify --response`, `verify --staple`): the cap of a fetched response. */
export const MAX_OCSP_RESPONSE_FILE_BYTES = armouredCap(DEFAULT_OCSP_MAX_BYTES);

/** A CRL file (`crl verify --crl`): the cap of a fetched CRL; CRLs of large CAs run to megabytes. */
export const MAX_CRL_FILE_BYTES = armouredCap(DEFAULT_CRL_MAX_BYTES);

export interface OfflineStatusInputs {
  format: 'text' | 'json';
  at: Date;
  maxAgeMs?: number;
  /** The bytes of the object to check (--response or --crl). */
  objectDer: Buffer;
  certificate: Cert;
  issuer: Cert;
  candidates: Cert[];
}

/**
 * The common arguments of `ocsp verify` and `crl verify`: the object to check
 * (`--<objectFlag>`), --cert, --issuer (possibly several), --at, --max-age, --format.
 */
export async function readOfflineStatusInputs(argv: readonly string[], objectFlag: 'response' | 'crl', what: string, maxBytes: number): Promise<OfflineStatusInputs> {
  const args = parseCommandArgs(argv, {
    [objectFlag]: { type: 'string' },
    cert: { type: 'string' },
    issuer: { type: 'string' },
    at: { type: 'string' },
    'max-age': { type: 'string' },
    format: { type: 'string' },
  });
  const format = parseFormat(args, ['text', 'json'] as const, 'text');
  const at = parseAt(args);
  const maxAgeMs = parseSecondsMs(args, 'max-age');
  const objectDer = await readInputFile(requireString(args, objectFlag), what, maxBytes);
  const certificate = Cert.parse(await readInputFile(requireString(args, 'cert'), 'certificate'));
  const issuers = Cert.parseAll(await readInputFile(requireString(args, 'issuer'), 'issuer certificate'));
  const { issuer, candidates } = pickIssuer(certificate, issuers);
  return { format, at, ...(maxAgeMs !== undefined ? { maxAgeMs } : {}), objectDer, certificate, issuer, candidates };
}

/**
 * From an --issuer bundle, the certificate named as the issuer first (and
 * every other one as a candidate for key rollover).
 */
export function pickIssuer(certificate: Cert, issuers: Cert[]): { issuer: Cert; candidates: Cert[] } {
  const named = issuers.filter((i) => namesEqual(i.subjectDer, certificate.issuerDer));
  const ordered = [...named, ...issuers.filter((i) => !named.includes(i))];
  return { issuer: ordered[0]!, candidates: ordered.slice(1) };
}

export interface StatusView {
  status: string;
  reasons: readonly StatusReason[];
  certificate: { subject: string; serial: string };
  thisUpdate?: Date | undefined;
  nextUpdate?: Date | undefined;
  producedAt?: Date | undefined;
  revocationTime?: Date | undefined;
  revocationReason?: string | undefined;
  signer?: string | undefined;
}

/** The text status. Subjects, signer names and reasons come from certificates and responders: escaped (src/util/terminal.ts). */
export function renderStatusText(p: Palette, what: string, v: StatusView): string {
  const e = escapeControl;
  const colour = v.status === 'good' ? p.ok : v.status === 'revoked' || v.status === 'invalid' ? p.bad : p.warn;
  const lines = [`${p.bold(e(what))} for ${e(v.certificate.subject)} (serial ${e(v.certificate.serial)}): ${colour(e(v.status.toUpperCase()))}`];
  const field = (k: string, val: Date | string | undefined): void => {
    if (val !== undefined) lines.push(`  ${k.padEnd(16)} ${val instanceof Date ? val.toISOString() : e(val)}`);
  };
  field('produced at', v.producedAt);
  field('this update', v.thisUpdate);
  field('next update', v.nextUpdate);
  field('revoked at', v.revocationTime);
  field('reason', v.revocationReason);
  field('signed by', v.signer);
  for (const r of v.reasons) lines.push(`  ${p.dim(`[${e(r.code)}]`)} ${e(r.message)}`);
  return `${lines.join('\n')}\n`;
}
