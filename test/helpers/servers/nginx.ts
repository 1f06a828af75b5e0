/** nginx as a TLS endpoint, stapling OCSP responses it fetches itself from the leaf's AIA responder. */
import { launch, readLog, type RunningServer } from './process.ts';

export interface NginxOptions {
  /** Leaf then intermediates, PEM (ssl_certificate). */
  certChain: string;
  key: string;
  /** ssl_stapling. nginx fetches lazily: the first handshake after start carries no staple. */
  stapling: boolean;
  /** ssl_stapling_verify: verify fetched responses against `trustedCert` before stapling them. */
  staplingVerify?: boolean;
  /** ssl_trusted_certificate, PEM: the issuer when the chain does not hold it, and the anchors for staplingVerify. */
  trustedCert?: string;
  /** ssl_stapling_responder: overrides the AIA OCSP URL. */
  staplingResponder?: string;
  /** ssl_verify_client with ssl_client_certificate = `clientCa`. */
  sslVerifyClient?: 'on' | 'optional' | 'optional_no_ca';
  clientCa?: string;
  /** ssl_stapling_file: staple these DER bytes (needs `stapling`) instead of fetching. */
  staplingFile?: Uint8Array;
  /** ssl_protocols, e.g. "TLSv1.2 TLSv1.3" (nginx 1.22 stops at TLS 1.2 by default). */
  protocols?: string;
  /** worker_processes (default 1). */
  workers?: number;
  /** error_log level (default info, for start-up diagnostics; benchmarks want warn). */
  logLevel?: 'info' | 'warn';
}

export function startNginx(o: NginxOptions): Promise<RunningServer> {
  if (o.staplingFile && !o.stapling) throw new Error('startNginx: staplingFile needs stapling');
  if (o.sslVerifyClient && o.sslVerifyClient !== 'optional_no_ca' && !o.clientCa) throw new Error('startNginx: sslVerifyClient needs clientCa');
  return launch({
    command: '/usr/sbin/nginx',
    prefix: 'certwarden-nginx-',
    prepare: (port, write, dir) => {
      write('chain.pem', o.certChain);
      write('key.pem', o.key);
      if (o.trustedCert) write('trusted.pem', o.trustedCert);
      if (o.clientCa) write('client-ca.pem', o.clientCa);
      if (o.staplingFile) write('staple.der', o.staplingFile);
      const server = [
        `listen 127.0.0.1:${port} ssl;`,
        `ssl_certificate ${dir}/chain.pem;`,
        `ssl_certificate_key ${dir}/key.pem;`,
        `ssl_stapling ${o.stapling ? 'on' : 'off'};`,
        ...(o.staplingVerify ? ['ssl_stapling_verify on;'] : []),
        ...(o.trustedCert ? [`ssl_trusted_certificate ${dir}/trusted.pem;`] : []),
        ...(o.staplingResponder ? [`ssl_stapling_responder ${o.staplingResponder};`] : []),
        ...(o.staplingFile ? [`ssl_stapling_file ${dir}/staple.der;`] : []),
        ...(o.protocols ? [`ssl_protocols ${o.protocols};`] : []),
        ...(o.sslVerifyClient ? [`ssl_verify_client ${o.sslVerifyClient};`] : []),
        ...(o.clientCa ? [`ssl_client_certificate ${dir}/client-ca.pem;`] : []),
        'location / { return 200 "ok\\n"; }',
      ];
      write(
        'nginx.conf',
        [
          `worker_processes ${o.workers ?? 1};`,
          `pid ${dir}/nginx.pid;`,
          `error_log ${dir}/error.log ${o.logLevel ?? 'info'};`,
          'events { worker_connections 1024; }',
          'http {',
          '  access_log off;',
          ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${dir}/${t}_temp;`),
          `  server { ${server.join(' ')} }`,
          '}',
          '',
        ].join('\n'),
      );
    },
    args: (_port, dir) => ['-p', dir, '-c', `${dir}/nginx.conf`, '-g', 'daemon off; user root;', '-e', `${dir}/error.log`],
    diagnostics: (dir) => readLog(`${dir}/error.log`),
  });
}
