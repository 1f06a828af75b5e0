/**
 * `certwarden pin FILE|host:port`: print the SPKI pin and certificate hash of
 * a certificate, ready to paste into a policy's `trust.pins`.
 *
 * From host:port the certificate is read from a live handshake WITHOUT
 * verifying it (that is the point: you are about to decide to trust it), so
 * the output says so; compare the fingerprint out of band.
 */
import { connect } from 'node:tls';
import { existsSync } from 'node:fs';
import { CertwardenError, ErrorCode } from '../../errors.ts';
import { Certificate } from '../../x509/certificate.ts';
import { parseCommandArgs, readInputFile, parseFormat, usageError, optionalString, type ParsedArgs } from '../args.ts';
import type { Command } from '../command.ts';
import { ExitCode } from '../exit-codes.ts';
import { summarizeCertificate } from '../certificate-summary.ts';
import { writeJson, type Io } from '../output.ts';

const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;

export const PIN_HANDSHAKE_TIMEOUT_MS = 10_000;

function fetchPeerChain(host: string, port: number, servername: string | undefined): Promise<Certificate[]> {
  return new Promise((resolve, reject) => {
    const bare = host.replace(/^\[|\]$/g, '');
    const sni = servername ?? (/^[\d.]+$|:/.test(bare) ? undefined : bare);
    const socket = connect({ host: bare, port, ...(sni ? { servername: sni } : {}), rejectUnauthorized: false, timeout: PIN_HANDSHAKE_TIMEOUT_MS });
    const fail = (message: string, cause?: unknown): void => {
      socket.destroy();
      reject(new CertwardenError(ErrorCode.FETCH, `${host}:${port}: ${message}`, { cause }));
    };
    socket.once('timeout', () => fail(`no TLS handshake within ${PIN_HANDSHAKE_TIMEOUT_MS} ms`));
    socket.once('error', (err) => fail(err.message, err));
    socket.once('secureConnect', () => {
      const chain: Certificate[] = [];
      let peer = socket.getPeerCertificate(true);
      const seen = new Set<string>();
      while (peer && peer.raw && !seen.has(peer.fingerprint256)) {
        seen.add(peer.fingerprint256);
        chain.push(new Certificate(peer.raw));
        peer = peer.issuerCertificate;
      }
      socket.end();
      if (chain.length === 0) fail('the server sent no certificate');
      else resolve(chain);
    });
  });
}

async function loadTarget(target: string, args: ParsedArgs): Promise<{ certs: Certificate[]; live: boolean }> {
  if (existsSync(target)) return { certs: Certificate.parseAll(await readInputFile(target, 'certificate file')), live: false };
  const m = HOST_PORT.exec(target);
  if (!m) throw usageError(`"${target}" is neither a readable file nor host:port`);
  return { certs: await fetchPeerChain(m[1]!, Number(m[2]), optionalString(args, 'servername')), live: true };
}

const command: Command = {
  summary: 'print the sha256 SPKI pin of a certificate file or a live server',
  usage: `Usage: certwarden pin FILE|host:port [--servername NAME] [--all] [--format text|json]

Prints "sha256/<base64 SHA-256 of the DER SubjectPublicKeyInfo>" (the value for
a policy's trust.pins) and the certificate's SHA-256 fingerprint. FILE may be
PEM (one or more certificates) or DER. --all prints every certificate of a
bundle or of the served chain; by default only the first (the leaf).
From host:port the certificate is NOT verified: compare the fingerprint with
the server's owner before you pin it.`,
  async run(argv, io: Io) {
    const args = parseCommandArgs(argv, { servername: { type: 'string' }, all: { type: 'boolean' }, format: { type: 'string' } }, true);
    const format = parseFormat(args, ['text', 'json'] as const, 'text');
    if (args.positionals.length !== 1) throw usageError('pin takes exactly one FILE or host:port');
    const { certs, live } = await loadTarget(args.positionals[0]!, args);
    const shown = args.values.all ? certs : certs.slice(0, 1);
    if (format === 'json') {
      writeJson(io, { source: args.positionals[0], verified: false, certificates: shown.map(summarizeCertificate) });
    } else {
      if (live) io.stderr.write('note: read from a live handshake without verification; confirm the fingerprint out of band before pinning.\n');
      for (const c of shown) {
        io.stdout.write(`# ${c.subject} (issuer: ${c.issuer}, expires ${c.notAfter.toISOString()})\nsha256/${c.spkiSha256}\ncertificate sha256: ${c.fingerprint256}\n`);
      }
    }
    return ExitCode.OK;
  },
};

export default command;
