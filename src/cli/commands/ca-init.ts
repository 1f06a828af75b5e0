/** `certwarden ca init`: create a CA home with a root and an issuing CA (or import a CA). */
import { CertificateAuthority } from '../../ca/ca.ts';
import { loadRoot, publishRootCrl } from '../../ca/root-crl.ts';
import { KEY_ALGORITHMS, type KeyAlgorithmName } from '../../ca/profiles.ts';
import type { Command } from '../command.ts';
import { optionalString, parseCommandArgs, parseFormat, requireString, usageError } from '../args.ts';
import { ExitCode } from '../exit-codes.ts';
import { writeJson, type Io } from '../output.ts';
import { escapeControl } from '../../util/terminal.ts';
import { CA_COMMON_OPTIONS, CA_COMMON_USAGE, caDir, caStore, passphrase, readCaInput } from './ca-common.ts';

const command: Command = {
  summary: 'create an internal CA (root + issuing CA, keys encrypted at rest)',
  usage: `Usage: certwarden ca init --name NAME [--ocsp-url URL]... [--crl-url URL]... [--ca-issuers-url URL] [--root-crl-url URL]
       [--key ${KEY_ALGORITHMS.join('|')}] [--responder delegated|issuer]
       [--import-cert FILE --import-key FILE] [--format text|json]

Creates DIR (0700), or uses an existing directory you own that is not
writable by group or others (its mode is never changed), with ca.db, root.pem/root.key, issuing.pem/issuing.key and
chain.pem. Keys are PKCS#8 encrypted with AES-256-CBC under the passphrase,
files 0600. --ocsp-url/--crl-url go into every issued certificate (AIA, CRL
DP); caIssuers defaults to <ocsp origin>/ca.der. The issuing CA certificate
points at the root's CRL (default <crl or ocsp origin>/root.crl, served by
\`ca serve\`), so clients that check the whole chain can. --import-* uses an existing
CA certificate (chain after it) and key instead of minting new ones.
ca.db is written last: an interrupted init can simply be run again.

${CA_COMMON_USAGE}`,
  async run(argv, io: Io) {
    const args = parseCommandArgs(argv, {
      ...CA_COMMON_OPTIONS,
      name: { type: 'string' },
      'ocsp-url': { type: 'string', multiple: true },
      'crl-url': { type: 'string', multiple: true },
      'ca-issuers-url': { type: 'string', multiple: true },
      'root-crl-url': { type: 'string', multiple: true },
      key: { type: 'string' },
      responder: { type: 'string' },
      'import-cert': { type: 'string' },
      'import-key': { type: 'string' },
      format: { type: 'string' },
    });
    const format = parseFormat(args, ['text', 'json'], 'text');
    const pass = passphrase(args, io);
    const urls = (name: string): string[] | undefined => {
      const v = args.values[name] as string[] | undefined;
      for (const u of v ?? []) if (!/^https?:\/\/[^/\s]+/.test(u)) throw usageError(`--${name} must be an http(s) URL (got "${u}")`);
      return v;
    };
    const responder = optionalString(args, 'responder') ?? 'delegated';
    if (responder !== 'delegated' && responder !== 'issuer') throw usageError(`--responder must be delegated or issuer (got "${responder}")`);
    const importCert = optionalString(args, 'import-cert');
    const importKey = optionalString(args, 'import-key');
    const ocspUrls = urls('ocsp-url');
    const crlUrls = urls('crl-url');
    const caIssuersUrls = urls('ca-issuers-url');
    const rootCrlUrls = urls('root-crl-url');
    const name = requireString(args, 'name');
    if (importCert === undefined !== (importKey === undefined)) throw usageError('--import-cert and --import-key go together');
    const store = await caStore(args, io);
    // A CA in a store has no directory: --dir is refused with one (the library says why), $CERTWARDEN_CA_DIR is not consulted.
    let dir: string | undefined;
    try {
      dir = store ? optionalString(args, 'dir') : caDir(args, io);
    } catch (err) {
      await store?.close();
      throw err;
    }
    const ca = await CertificateAuthority.init(dir, pass, {
      name,
      ...(store ? { store } : {}),
      key: (optionalString(args, 'key') ?? 'ec-p256') as KeyAlgorithmName,
      responder,
      ...(ocspUrls ? { ocspUrls } : {}),
      ...(crlUrls ? { crlUrls } : {}),
      ...(caIssuersUrls ? { caIssuersUrls } : {}),
      ...(rootCrlUrls ? { rootCrlUrls } : {}),
      ...(importCert ? { importCert: readCaInput(importCert, 'CA certificate') } : {}),
      ...(importKey ? { importKey: readCaInput(importKey, 'CA key') } : {}),
    });
    // The first root CRL, so the distribution point answers before `ca serve` has ever run.
    const root = ca.config.rootCrlUrls ? (await loadRoot(ca)) : undefined;
    const rootCrl = root ? await publishRootCrl(ca, root) : undefined;
    const out = {
      ...(dir !== undefined ? { dir } : { store: ca.store.description }),
      ...(rootCrl ? { rootCrl: { crlNumber: rootCrl.number.toString(), nextUpdate: rootCrl.nextUpdate } } : {}),
      root: { subject: ca.root.subject, sha256: ca.root.fingerprint256 },
      issuing: { subject: ca.issuing.certificate.subject, serial: ca.issuing.certificate.serialHex, notAfter: ca.issuing.certificate.notAfter },
      config: ca.config,
    };
    await ca.close();
    if (format === 'json') writeJson(io, out);
    else io.stdout.write(`CA created in ${escapeControl(dir ?? ca.store.description)}\n  root:    ${escapeControl(out.root.subject)} (SHA-256 ${out.root.sha256})\n  issuing: ${escapeControl(out.issuing.subject)}\nDistribute ${dir !== undefined ? `${escapeControl(dir)}/root.pem` : 'the root certificate (GET /ca.pem, last in the chain)'} as the trust anchor.\n`);
    return ExitCode.OK;
  },
};

export default command;
