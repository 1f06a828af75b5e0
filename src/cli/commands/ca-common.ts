/**
 * What every `certwarden ca ...` command shares: the CA home (--dir or
 * CERTWARDEN_CA_DIR), the key passphrase (CERTWARDEN_CA_PASSPHRASE or
 * --passphrase-file; never a flag value, which would land in shell history
 * and `ps`), and writing issued certificates to PREFIX.* files.
 */
import { writeFileSync } from 'node:fs';
import { CertificateAuthority, type IssueResult } from '../../ca/ca.ts';
import { resolvePassphrase, writePrivateFile } from '../../ca/keys.ts';
import { CertwardenError, ErrorCode } from '../../errors.ts';
import { Certificate } from '../../x509/certificate.ts';
import { optionalString, readInputFile, usageError, type OptionSpec, type ParsedArgs } from '../args.ts';
import type { Io } from '../output.ts';

export const CA_DIR_ENV = 'CERTWARDEN_CA_DIR';

export const CA_COMMON_OPTIONS: OptionSpec = {
  dir: { type: 'string' },
  'passphrase-file': { type: 'string' },
};

export const CA_COMMON_USAGE = `Common options:
  --dir DIR               CA home (default: $${CA_DIR_ENV})
  --passphrase-file FILE  CA key passphrase (default: $CERTWARDEN_CA_PASSPHRASE; required)`;

export function caDir(args: ParsedArgs, io: Io): string {
  const dir = optionalString(args, 'dir') ?? io.env[CA_DIR_ENV];
  if (!dir) throw usageError(`--dir DIR is required (or set ${CA_DIR_ENV})`);
  return dir;
}

export function passphrase(args: ParsedArgs, io: Io): string {
  return resolvePassphrase(io.env, optionalString(args, 'passphrase-file'));
}

export function openCa(args: ParsedArgs, io: Io): CertificateAuthority {
  const pass = passphrase(args, io);
  return CertificateAuthority.open(caDir(args, io), pass);
}

/** A serial (hex, colons allowed) or the path of a certificate file. */
export async function serialOrCertificate(arg: string | undefined): Promise<string | Certificate> {
  if (arg === undefined) throw usageError('a SERIAL or certificate FILE argument is required');
  if (/^(0x)?[0-9a-f:]+$/i.test(arg)) return arg;
  return Certificate.parse(await readInputFile(arg, 'certificate'));
}

export function parseDays(args: ParsedArgs): number | undefined {
  const v = optionalString(args, 'days');
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw usageError(`--days must be a whole number (got "${v}")`);
  return Number(v);
}

/** PREFIX.pem (certificate), PREFIX.chain.pem (certificate + issuing CA: what TLS servers send), PREFIX.key (0600, when generated). */
export function writeIssued(prefix: string, r: IssueResult): string[] {
  const written: string[] = [];
  try {
    writeFileSync(`${prefix}.pem`, r.certificate.toPem());
    written.push(`${prefix}.pem`);
    writeFileSync(`${prefix}.chain.pem`, [r.certificate, ...r.chain.slice(0, -1)].map((c) => c.toPem()).join(''));
    written.push(`${prefix}.chain.pem`);
  } catch (cause) {
    throw new CertwardenError(ErrorCode.IO, `cannot write ${prefix}.*: ${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}`, { cause });
  }
  if (r.privateKey) {
    writePrivateFile(`${prefix}.key`, r.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string, true);
    written.push(`${prefix}.key`);
  }
  return written;
}

export function describeIssued(r: IssueResult, files: string[]): Record<string, unknown> {
  return {
    serial: r.certificate.serialHex,
    subject: r.certificate.subject,
    sans: r.record.sans,
    notBefore: r.certificate.notBefore,
    notAfter: r.certificate.notAfter,
    mustStaple: r.certificate.mustStaple,
    files,
  };
}
