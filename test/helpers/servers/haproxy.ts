/**
 * HAProxy as a TLS endpoint. It staples the DER OCSP response it finds in
 * `<crt>.ocsp` beside the certificate file at start-up (it never fetches one
 * itself in 2.6), and refuses to start when that response does not match the
 * certificate, so only well-formed staples can be served.
 */
import { launch, type RunningServer } from './process.ts';

export interface HaproxyOptions {
  /** Leaf then intermediates, PEM. HAProxy needs the issuer here (or in `issuer`) to match the OCSP response. */
  certChain: string;
  key: string;
  /** DER OCSP response, written as site.pem.ocsp. */
  ocspFile?: Uint8Array;
  /** Issuer certificate, PEM, written as site.pem.issuer: for a leaf issued by a root that the chain does not carry. */
  issuer?: string;
  /** `verify required ca-file` on the bind, with this client CA (PEM). */
  requireClientCertificate?: { caCert: string };
}

export function startHaproxy(o: HaproxyOptions): Promise<RunningServer> {
  return launch({
    command: '/usr/sbin/haproxy',
    prefix: 'certwarden-haproxy-',
    prepare: (port, write, dir) => {
      write('site.pem', `${o.certChain.trimEnd()}\n${o.key}`);
      if (o.ocspFile) write('site.pem.ocsp', o.ocspFile);
      if (o.issuer) write('site.pem.issuer', o.issuer);
      if (o.requireClientCertificate) write('client-ca.pem', o.requireClientCertificate.caCert);
      write(
        'haproxy.cfg',
        [
          'global',
          '  maxconn 256',
          '  nbthread 1',
          'defaults',
          '  mode http',
          '  timeout connect 5s',
          '  timeout client 10s',
          '  timeout server 10s',
          'frontend tls',
          `  bind 127.0.0.1:${port} ssl crt ${dir}/site.pem${o.requireClientCertificate ? ` verify required ca-file ${dir}/client-ca.pem` : ''}`,
          '  http-request return status 200 content-type text/plain string ok',
          // HAProxy otherwise builds a `default` resolvers section from /etc/resolv.conf and
          // connects a socket to the machine's nameserver at start-up: keep everything on loopback.
          'resolvers default',
          '  nameserver loopback 127.0.0.1:53',
          '',
        ].join('\n'),
      );
    },
    args: (_port, dir) => ['-f', `${dir}/haproxy.cfg`, '-db'],
  });
}
