/** Apache httpd with mod_ssl as a TLS endpoint, stapling OCSP responses it fetches itself (SSLUseStapling). */
import { launch, readLog, type RunningServer } from './process.ts';

const MODULES = '/usr/lib/apache2/modules';

export interface ApacheOptions {
  /** Leaf then intermediates, PEM (SSLCertificateFile; mod_ssl reads the chain from it since 2.4.8). */
  certChain: string;
  key: string;
  /** SSLUseStapling. Unlike nginx, mod_ssl fetches on a cache miss during the handshake, so the first handshake is stapled. */
  SSLUseStapling: boolean;
  /** SSLCACertificateFile, PEM: where mod_ssl finds the issuer when the chain does not hold it (e.g. a leaf issued by the root). */
  caCert?: string;
  /** SSLStaplingForceURL: overrides the AIA OCSP URL. */
  staplingForceUrl?: string;
  /** SSLVerifyClient with SSLCACertificateFile = `caCert`. */
  sslVerifyClient?: 'require' | 'optional' | 'optional_no_ca';
  /** ServerName of the virtual host (the name a client sends as SNI). */
  serverName?: string;
}

export function startApache(o: ApacheOptions): Promise<RunningServer> {
  if (o.sslVerifyClient && o.sslVerifyClient !== 'optional_no_ca' && !o.caCert) throw new Error('startApache: sslVerifyClient needs caCert');
  return launch({
    command: '/usr/sbin/apache2',
    prefix: 'certwarden-apache-',
    prepare: (port, write, dir) => {
      write('chain.pem', o.certChain);
      write('key.pem', o.key);
      if (o.caCert) write('ca.pem', o.caCert);
      write('index.html', 'ok\n');
      write(
        'httpd.conf',
        [
          `ServerRoot ${dir}`,
          `DefaultRuntimeDir ${dir}`,
          `PidFile ${dir}/httpd.pid`,
          `ErrorLog ${dir}/error.log`,
          'LogLevel warn ssl:info',
          `Mutex file:${dir} default`,
          'ServerName localhost',
          `DocumentRoot ${dir}`,
          ...['mpm_event', 'authz_core', 'socache_shmcb', 'ssl'].map((m) => `LoadModule ${m}_module ${MODULES}/mod_${m}.so`),
          // One process, few threads: enough for tests and quick to start and stop.
          'StartServers 1',
          'ServerLimit 1',
          'ThreadsPerChild 16',
          'MaxRequestWorkers 16',
          `Listen 127.0.0.1:${port}`,
          `SSLStaplingCache shmcb:${dir}/stapling(65536)`,
          `SSLSessionCache none`,
          `<VirtualHost 127.0.0.1:${port}>`,
          '  SSLEngine on',
          ...(o.serverName ? [`  ServerName ${o.serverName}`] : []),
          `  SSLCertificateFile ${dir}/chain.pem`,
          `  SSLCertificateKeyFile ${dir}/key.pem`,
          ...(o.caCert ? [`  SSLCACertificateFile ${dir}/ca.pem`] : []),
          `  SSLUseStapling ${o.SSLUseStapling ? 'on' : 'off'}`,
          // Do not staple tryLater answers of our own making when the responder is down.
          '  SSLStaplingReturnResponderErrors off',
          '  SSLStaplingFakeTryLater off',
          '  SSLStaplingResponderTimeout 5',
          ...(o.staplingForceUrl ? [`  SSLStaplingForceURL ${o.staplingForceUrl}`] : []),
          ...(o.sslVerifyClient ? [`  SSLVerifyClient ${o.sslVerifyClient}`, '  SSLVerifyDepth 2'] : []),
          '</VirtualHost>',
          '',
        ].join('\n'),
      );
    },
    args: (_port, dir) => ['-f', `${dir}/httpd.conf`, '-DFOREGROUND'],
    diagnostics: (dir) => readLog(`${dir}/error.log`),
  });
}
