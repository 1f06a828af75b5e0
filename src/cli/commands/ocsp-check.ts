/**
 * `certwarden ocsp check`: ask the certificate's OCSP responder (AIA, or
 * --url) for its status now, and verify the answer.
 */
import { lstatSync } from 'node:fs';
import { Certificate } from '../../x509/certificate.ts';
import { queryOcsp, type OcspQueryResult } from '../../ocsp/fetch.ts';
import { PUBLIC_FILE_MODE, writeFileSafely } from '../../ca/safe-write.ts';
import { CertwardenError, ErrorCode } from '../../errors.ts';
import { optionalString, parseAt, parseCommandArgs, parseFormat, parseSecondsMs, readInputFile, requireString, usageError } from '../args.ts';
import type { Command } from '../command.ts';
import { ExitCode } from '../exit-codes.ts';
import { palette, writeJson, type Io } from '../output.ts';
import { pickIssuer, renderStatusText } from './status-output.ts';

const command: Command = {
  summary: 'query the OCSP responder of a certificate live and verify the answer',
  usage: `Usage: certwarden ocsp check --cert FILE --issuer FILE [--url URL] [--timeout SECONDS] [--post] [--nonce] [--at ISO-8601] [--out FILE] [--format json|text]

Queries the responder named in the certificate's Authority Information Access
(or --url), by GET when the request fits (RFC 5019) unless --post, and verifies
the answer with every RFC 6960 check (as of --at instead of now, if given).
Status: good | revoked | unknown | error (unreachable or invalid answer; the
reasons say which). Exit 0 only for good.

--out FILE writes the DER response to FILE (mode 0644, through a temporary
file and a rename) only when it verified as good now; on any other answer FILE
is left as it was. A symlink or anything but a regular file at FILE is refused.
This is the stapling step for servers that load a response from a file
(HAProxy < 2.8: CERT.ocsp beside the certificate; push it without a reload with
\`set ssl ocsp-response <base64>\` on the runtime API).`,
  async run(argv, io: Io) {
    const args = parseCommandArgs(argv, {
      cert: { type: 'string' },
      issuer: { type: 'string' },
      url: { type: 'string' },
      timeout: { type: 'string' },
      post: { type: 'boolean' },
      nonce: { type: 'boolean' },
      at: { type: 'string' },
      format: { type: 'string' },
      out: { type: 'string' },
    });
    const out = optionalString(args, 'out');
    // A response verified as of another time may already be stale (or not yet valid) now: never stapled.
    if (out && args.values.at !== undefined) throw usageError('--out writes only a response verified now; drop --at');
    if (out) refuseUnsafeTarget(out);
    const format = parseFormat(args, ['text', 'json'] as const, 'text');
    const certificate = Certificate.parse(await readInputFile(requireString(args, 'cert'), 'certificate'));
    const issuers = Certificate.parseAll(await readInputFile(requireString(args, 'issuer'), 'issuer certificate'));
    const { issuer, candidates } = pickIssuer(certificate, issuers);
    const url = optionalString(args, 'url');
    if (!url && certificate.ocspUrls.length === 0) throw usageError('the certificate names no OCSP responder; give one with --url');
    const timeoutMs = parseSecondsMs(args, 'timeout');
    const r = await queryOcsp({
      certificate,
      issuer,
      issuerCandidates: candidates,
      at: parseAt(args),
      preferGet: args.values.post !== true,
      nonce: args.values.nonce === true,
      ...(url ? { url } : {}),
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    });
    const v = r.verification;
    const info = {
      status: r.status,
      reasons: r.reasons,
      url: r.url,
      method: r.method,
      certificate: { subject: certificate.subject, serial: certificate.serialHex },
      producedAt: v?.producedAt,
      thisUpdate: v?.thisUpdate,
      nextUpdate: v?.nextUpdate,
      revocationTime: r.revocationTime,
      revocationReason: r.revocationReason,
      signer: v?.signer,
    };
    const written = out !== undefined && stapleIfGood(out, r);
    const shown = { ...info, ...(out ? { written, file: out } : {}) };
    if (format === 'json') writeJson(io, shown);
    else {
      io.stdout.write(renderStatusText(palette(io), `OCSP (${r.url ?? '?'})`, info));
      if (out) io.stdout.write(written ? `wrote ${out}\n` : `not written: ${out} left as it was\n`);
    }
    if (r.status === 'good') return ExitCode.OK;
    // An answer we could not get is an operational error; a bad or negative answer is a rejection.
    const unreachable = r.reasons.length > 0 && r.reasons.every((x) => /^ocsp-(fetch|http-status|status-try-later|status-internal-error)/.test(x.code));
    return unreachable ? ExitCode.ERROR : ExitCode.REJECTED;
  },
};

/**
 * Write the response to `out` only when it passed every RFC 6960 check as
 * good: a revoked, unknown or invalid answer stapled would be served to every
 * client. Returns whether it was written.
 */
function stapleIfGood(out: string, r: OcspQueryResult): boolean {
  if (r.status !== 'good' || r.verification?.status !== 'good') return false;
  const der = r.evidence[0]?.der;
  if (!der) throw new CertwardenError(ErrorCode.INTERNAL, `the good response was not kept; nothing written to ${out}`);
  // Checked again right before the rename: something may have been planted there during the query.
  refuseUnsafeTarget(out);
  writeFileSafely(out, der, { mode: PUBLIC_FILE_MODE, overwrite: true });
  return true;
}

/** The file to be replaced must be a regular file or absent: a symlink there is refused, not followed or replaced. */
function refuseUnsafeTarget(path: string): void {
  let st;
  try {
    st = lstatSync(path);
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new CertwardenError(ErrorCode.IO, `cannot inspect ${path}: ${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}`, { cause });
  }
  if (st.isSymbolicLink()) throw new CertwardenError(ErrorCode.IO, `${path} is a symlink; refusing to write through it (name the real file)`);
  if (!st.isFile()) throw new CertwardenError(ErrorCode.IO, `${path} is not a regular file; refusing to replace it`);
}

export default command;
