/**
 * `certwarden pin FILE|host:port`: print the SPKI pin of a certificate, a
 * public or private key, or a CSR, ready to paste into a policy's
 * `trust.pins` (a backup pin usually exists only as a key or a CSR).
 *
 * From host:port the certificate is read from a live handshake WITHOUT
 * verifying it (that is the point: you are about to decide to trust it), so
 * the output says so; compare the fingerprint out of band. Everything the
 * server chose (subjects, issuers) is escaped before it reaches the terminal,
 * so a hostile name cannot hide the real pin line or print a fake one.
 */
import { MAX_PASSPHRASE_FILE_BYTES } from './ca-passphrase.ts';
import { connect } from 'node:tls';
import { existsSync } from 'node:fs';
import { CertwardenError, ErrorCode } from '../../errors.ts';
import { Certificate } from '../../x509/certificate.ts';
import { spkiPinOfDer } from '../../x509/pin.ts';
import { escapeControl } from '../../util/terminal.ts';
import { parseCommandArgs, readInputFile, parseFormat, usageError, optionalString, type ParsedArgs } from '../args.ts';
import type { Command } from '../command.ts';
import { ExitCode } from '../exit-codes.ts';
import { summarizeCertificate } from '../certificate-summary.ts';
import { describeConnectError } from '../../net/connect-error.ts';
import { writeJson, type Io } from '../output.ts';
import { certificatePinSource, pinSourcesFromInput, type PinSource } from '../pin-input.ts';

const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;

/** A handshake that has not completed in 10 s is not going to: say so rather than hang. */
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
    socket.once('error', (err) => fail(describeConnectError(err), err));
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

async function readPassphrase(args: ParsedArgs): Promise<string | undefined> {
  const file = optionalString(args, 'passphrase-file');
  if (file === undefined) return undefined;
  const text = (await readInputFile(file, 'passphrase file', MAX_PASSPHRASE_FILE_BYTES)).toString('utf8');
  return text.split(/\r?\n/)[0]!;
}

async function loadTarget(target: string, args: ParsedArgs): Promise<{ sources: PinSource[]; live: boolean }> {
  if (existsSync(target)) {
    const passphrase = await readPassphrase(args);
    return { sources: pinSourcesFromInput(await readInputFile(target, 'file'), passphrase !== undefined ? { passphrase } : {}), live: false };
  }
  const m = HOST_PORT.exec(target);
  if (!m) throw usageError(`"${target}" is neither a readable file nor host:port`);
  const chain = await fetchPeerChain(m[1]!, Number(m[2]), optionalString(args, 'servername'));
  return { sources: chain.map(certificatePinSource), live: true };
}

const KIND_TEXT: Record<PinSource['kind'], string> = {
  certificate: 'certificate',
  'public-key': 'public key',
  'private-key': 'public key of a private key (the private key is not shown)',
  'certificate-request': 'public key of a certificate request',
};

/** Text for one source. Certificate fields are chosen by whoever made the certificate: escaped. */
function renderText(source: PinSource): string {
  const pin = spkiPinOfDer(source.spkiDer);
  const c = source.certificate;
  if (!c) return `# ${KIND_TEXT[source.kind]} (${source.keyDescription})\n${pin}\n`;
  return `# ${escapeControl(c.subject)} (issuer: ${escapeControl(c.issuer)}, expires ${c.notAfter.toISOString()})\n${pin}\ncertificate sha256: ${c.fingerprint256}\n`;
}

const command: Command = {
  summary: 'print the sha256 SPKI pin of a certificate, key or CSR file, or of a live server',
  usage: `Usage: certwarden pin FILE|host:port [--servername NAME] [--passphrase-file FILE] [--all] [--format text|json]

Prints "sha256/<base64 SHA-256 of the DER SubjectPublicKeyInfo>" (the value for
a policy's trust.pins). FILE may hold, in PEM or DER:
  a certificate (one or more; its SHA-256 fingerprint is printed too),
  a public key (PUBLIC KEY, RSA PUBLIC KEY),
  a private key (PRIVATE KEY, EC PRIVATE KEY, RSA PRIVATE KEY; only the public
    pin is printed, never key material; an encrypted key needs
    --passphrase-file FILE, or pin its public key instead),
  a certificate request (PKCS#10; its signature must verify).
Pin a backup key too: a policy's pins need one that is not in use yet.
--all prints every object of a bundle or of the served chain; by default only
the first (the leaf). From host:port the certificate is NOT verified: compare
the fingerprint with the server's owner before you pin it.`,
  async run(argv, io: Io) {
    const args = parseCommandArgs(argv, { servername: { type: 'string' }, 'passphrase-file': { type: 'string' }, all: { type: 'boolean' }, format: { type: 'string' } }, true);
    const format = parseFormat(args, ['text', 'json'] as const, 'text');
    if (args.positionals.length !== 1) throw usageError('pin takes exactly one FILE or host:port');
    const { sources, live } = await loadTarget(args.positionals[0]!, args);
    const shown = args.values.all ? sources : sources.slice(0, 1);
    if (format === 'json') {
      writeJson(io, {
        source: args.positionals[0],
        verified: false,
        pins: shown.map((s) => ({ kind: s.kind, spkiPin: spkiPinOfDer(s.spkiDer), key: s.keyDescription })),
        certificates: shown.flatMap((s) => (s.certificate ? [summarizeCertificate(s.certificate)] : [])),
      });
    } else {
      if (live) io.stderr.write('note: read from a live handshake without verification; confirm the fingerprint out of band before pinning.\n');
      for (const s of shown) io.stdout.write(renderText(s));
    }
    return ExitCode.OK;
  },
};

export default command;
