/** `openssl s_server` as a TLS endpoint: a fixed staple (-status_file) and optional client-certificate checks. */
import { launch, type RunningServer } from './process.ts';

export interface OpensslServerOptions {
  /** Leaf certificate, PEM. */
  cert: string;
  /** Its private key, PEM. */
  key: string;
  /** Intermediates to send after the leaf, PEM (-cert_chain). */
  chain?: string;
  /** DER OCSP response stapled to every handshake that asks for one (-status_file). */
  statusFile?: Uint8Array;
  /**
   * Client certificates: `strict` requires one that verifies against `caFile`
   * (-Verify 1 -verify_return_error); `lax` asks for one but accepts any
   * certificate, or none (-verify 1: s_server logs verify errors and carries on).
   */
  verify?: 'strict' | 'lax';
  /** CAs for client certificates, PEM (-CAfile); also the names sent in CertificateRequest. */
  caFile?: string;
}

export function startOpensslServer(o: OpensslServerOptions): Promise<RunningServer> {
  if (o.verify && !o.caFile) throw new Error('startOpensslServer: verify needs caFile');
  return launch({
    command: 'openssl',
    prefix: 'certwarden-s_server-',
    prepare: (_port, write) => {
      write('cert.pem', o.cert);
      write('key.pem', o.key);
      if (o.chain) write('chain.pem', o.chain);
      if (o.statusFile) write('status.der', o.statusFile);
      if (o.caFile) write('ca.pem', o.caFile);
    },
    args: (port) => [
      's_server',
      '-accept', `127.0.0.1:${port}`,
      '-cert', 'cert.pem',
      '-key', 'key.pem',
      ...(o.chain ? ['-cert_chain', 'chain.pem'] : []),
      ...(o.statusFile ? ['-status_file', 'status.der'] : []),
      ...(o.caFile ? ['-CAfile', 'ca.pem'] : []),
      ...(o.verify === 'strict' ? ['-Verify', '1', '-verify_return_error'] : o.verify === 'lax' ? ['-verify', '1'] : []),
      // -www answers one HTTP request per connection and serves connections one
      // after another until killed; without it s_server echoes stdin and stops at EOF.
      '-www',
      '-quiet',
    ],
  });
}
