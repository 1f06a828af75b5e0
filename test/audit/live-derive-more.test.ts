/**
 * `audit --live` listeners derived from Tomcat connectors, Caddy servers and
 * Envoy listeners, without a connection: address forms, the SNI name chosen,
 * all addresses scanned on 127.0.0.1, what is declared (stapling, required
 * client certificates), and a non-loopback listener that opens no socket
 * unless `--live-resolve` maps it (Node's `net.client.socket` channel counts
 * the sockets). Envoy is not installed here: its derivation is proved only
 * by these tests.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { loadPolicy } from '../../src/policy/load.ts';
import { runAudit } from '../../src/audit/run.ts';
import { auditLive } from '../../src/audit/live/run.ts';
import type { LiveDeclaration } from '../../src/audit/live/listen.ts';
import { tomcatDeclaration } from '../../src/audit/live/tomcat.ts';
import { caddyDeclaration, parseCaddyListen } from '../../src/audit/live/caddy.ts';
import { envoyDeclaration } from '../../src/audit/live/envoy.ts';
import type { ResolveOverride } from '../../src/scan/target.ts';
import { keyPem, makeLeaf, makeRoot, tempDir } from '../helpers/pki.ts';

const scratch = tempDir('certwarden-audit-listen3-');
after(() => scratch.cleanup());
/** tempDir's write, creating the folders on the way (Tomcat reads CATALINA_BASE/bin beside conf/). */
const tmp = {
  write(name: string, data: string): string {
    mkdirSync(dirname(join(scratch.dir, name)), { recursive: true });
    return scratch.write(name, data);
  },
};

const root = makeRoot('CN=Live Derive Root');
const withOcsp = makeLeaf(root, 'api.caddy.test', { ocspUrls: ['http://127.0.0.1:9/ocsp'] });
const withoutOcsp = makeLeaf(root, 'api.caddy.test');
const policy = loadPolicy({ version: 1, trust: { cas: [root.certificate.toPem()] } }, { baseDir: process.cwd() });

type Row = [string, number, string | undefined, { address: string } | 'skip'];
function rows(d: LiveDeclaration | undefined): Row[] {
  return (d?.listeners ?? []).map((l) => [l.declared, l.port, l.serverName, 'skip' in l.connect ? 'skip' : l.connect]);
}

function declarations(file: string, derive: (unit: never, o: readonly ResolveOverride[]) => LiveDeclaration | undefined, overrides: readonly ResolveOverride[] = []): (LiveDeclaration | undefined)[] {
  return [...runAudit({ paths: [file] }).liveUnits.values()].map((u) => derive(u.unit as never, overrides));
}

/** Count the TCP sockets Node opens while `fn` runs. */
async function socketsDuring<T>(fn: () => Promise<T>): Promise<{ value: T; sockets: number }> {
  let sockets = 0;
  const onSocket = (): void => void sockets++;
  subscribe('net.client.socket', onSocket);
  try {
    return { value: await fn(), sockets };
  } finally {
    unsubscribe('net.client.socket', onSocket);
  }
}

describe('audit --live: listeners derived from Tomcat connectors', () => {
  const xml = (connectors: string[]): string => ['<?xml version="1.0" encoding="UTF-8"?>', '<Server port="-1">', '  <Service name="Catalina">', ...connectors.map((c) => `    ${c}`), '  </Service>', '</Server>', ''].join('\n');

  test('no address is all addresses (127.0.0.1); SNI from hostName, none for _default_ or a wildcard; ::1 as written; ${port} and plain HTTP connectors derive nothing', () => {
    const conf = tmp.write('tomcat/conf/server.xml', xml([
      '<Connector port="8443" SSLEnabled="true" protocol="org.apache.coyote.http11.Http11NioProtocol">',
      '  <SSLHostConfig hostName="API.tomcat.test" certificateVerification="required"><Certificate certificateFile="a.pem"/></SSLHostConfig>',
      '  <SSLHostConfig><Certificate certificateFile="b.pem"/></SSLHostConfig>',
      '  <SSLHostConfig hostName="*.wild.tomcat.test" certificateVerification="optional"><Certificate certificateFile="c.pem"/></SSLHostConfig>',
      '</Connector>',
      '<Connector address="::1" port="9443" SSLEnabled="true" clientAuth="true" keystoreFile="k.jks"/>',
      '<Connector port="${https.port}" SSLEnabled="true"><SSLHostConfig><Certificate certificateFile="d.pem"/></SSLHostConfig></Connector>',
      '<Connector port="8080" protocol="HTTP/1.1"/>',
    ]));
    const [named, fallback, wild, legacy, property, ...rest] = declarations(conf, tomcatDeclaration as never);
    assert.equal(rest.length, 0, 'the HTTP connector is not a TLS unit');
    assert.deepEqual(rows(named), [['*', 8443, 'api.tomcat.test', { address: '127.0.0.1' }]]);
    assert.deepEqual(rows(fallback), [['*', 8443, undefined, { address: '127.0.0.1' }]]);
    assert.deepEqual(rows(wild), [['*', 8443, undefined, { address: '127.0.0.1' }]]);
    assert.deepEqual(rows(legacy), [['::1', 9443, undefined, { address: '::1' }]]);
    assert.deepEqual(rows(property), [], '${https.port} is substituted by Tomcat at start-up: not guessed at');
    const n = named!.listeners[0]!;
    assert.equal(n.refusal, 'handshake');
    assert.equal(n.clientAuthRequired?.at.key, 'SSLHostConfig');
    assert.match(n.clientAuthRequired!.says, /certificateVerification="required"/);
    assert.equal(n.at.key, 'Connector', 'findings about the listener point at the Connector');
    assert.equal(fallback!.listeners[0]!.clientAuthRequired, undefined);
    assert.equal(wild!.listeners[0]!.clientAuthRequired, undefined, 'optional is not required');
    assert.equal(legacy!.listeners[0]!.clientAuthRequired?.at.key, 'Connector', 'the legacy clientAuth="true" on the Connector');
    assert.match(legacy!.listeners[0]!.clientAuthRequired!.says, /clientAuth="true"/);
    assert.equal(n.stapling, undefined, 'no setenv.sh: JSSE staples nothing, so no stapling is declared');
  });

  test('stapling is declared for JSSE only with -Djdk.tls.server.enableStatusRequestExtension=true in setenv.sh, never for the OpenSSL implementation', () => {
    tmp.write('stapled/bin/setenv.sh', 'CATALINA_OPTS="$CATALINA_OPTS -Djdk.tls.server.enableStatusRequestExtension=true"\n');
    const conf = tmp.write('stapled/conf/server.xml', xml([
      '<Connector address="127.0.0.1" port="8443" SSLEnabled="true"><SSLHostConfig><Certificate certificateFile="a.pem"/></SSLHostConfig></Connector>',
      '<Connector address="127.0.0.1" port="8444" SSLEnabled="true" sslImplementationName="org.apache.tomcat.util.net.openssl.OpenSSLImplementation"><SSLHostConfig><Certificate certificateFile="a.pem"/></SSLHostConfig></Connector>',
    ]));
    const [jsse, openssl] = declarations(conf, tomcatDeclaration as never);
    assert.equal(jsse!.listeners[0]!.stapling?.at.file.endsWith('setenv.sh'), true, 'the finding points at the property');
    assert.equal(openssl!.listeners[0]!.stapling, undefined);
    tmp.write('off/bin/setenv.sh', 'CATALINA_OPTS="-Djdk.tls.server.enableStatusRequestExtension=false"\n');
    const [off] = declarations(tmp.write('off/conf/server.xml', xml(['<Connector port="8443" SSLEnabled="true"><SSLHostConfig><Certificate certificateFile="a.pem"/></SSLHostConfig></Connector>'])), tomcatDeclaration as never);
    assert.equal(off!.listeners[0]!.stapling, undefined);
  });

  test('a connector on 10.1.2.3 is skipped with the reason, mapped by its hostName with --live-resolve', () => {
    const conf = tmp.write('remote/conf/server.xml', xml(['<Connector address="10.1.2.3" port="8443" SSLEnabled="true"><SSLHostConfig hostName="api.tomcat.test"><Certificate certificateFile="a.pem"/></SSLHostConfig></Connector>']));
    const [skipped] = declarations(conf, tomcatDeclaration as never);
    assert.match((skipped!.listeners[0]!.connect as { skip: string }).skip, /10\.1\.2\.3:8443.*not a loopback address.*--live-resolve api\.tomcat\.test:8443:ADDR/);
    const [mapped] = declarations(conf, tomcatDeclaration as never, [{ host: 'api.tomcat.test', port: 8443, address: '127.0.0.5' }]);
    assert.deepEqual(mapped!.listeners[0]!.connect, { address: '127.0.0.5' });
  });
});

describe('audit --live: listeners derived from Caddy servers', () => {
  test('listen address forms: networks, IPv6, ranges and placeholders', () => {
    assert.deepEqual(parseCaddyListen(':8443'), { address: '*', port: 8443 });
    assert.deepEqual(parseCaddyListen('tcp/127.0.0.2:8443'), { address: '127.0.0.2', port: 8443 });
    assert.deepEqual(parseCaddyListen('tcp6/[::1]:8443'), { address: '::1', port: 8443 });
    assert.deepEqual(parseCaddyListen('0.0.0.0:443'), { address: '0.0.0.0', port: 443 });
    assert.deepEqual(parseCaddyListen('localhost:443'), { address: 'localhost', port: 443 });
    for (const t of ['udp/:443', 'unix//run/caddy.sock', ':8000-8010', '{env.ADDR}:443', '127.0.0.1', 'tcp/:0']) assert.equal(parseCaddyListen(t), undefined, t);
  });

  test('JSON: TLS servers only (connection policies, or the HTTPS port with automatic HTTPS); SNI from route hosts; client auth from the policy the SNI selects; stapling from loaded certificates with an OCSP URL', () => {
    tmp.write('caddy/cert.pem', withOcsp.certificate.toPem());
    tmp.write('caddy/key.pem', keyPem(withOcsp.privateKey));
    const config = {
      apps: {
        tls: { certificates: { load_files: [{ certificate: 'cert.pem', key: 'key.pem' }] } },
        http: {
          servers: {
            api: {
              listen: [':8443', 'tcp/127.0.0.2:8444', 'udp/:8443', 'unix//run/caddy.sock'],
              routes: [{ match: [{ host: ['*.wild.caddy.test', 'API.caddy.test'] }], handle: [{ handler: 'static_response', body: 'ok' }] }],
              tls_connection_policies: [{ match: { sni: ['other.caddy.test'] } }, { match: { sni: ['api.caddy.test'] }, client_authentication: { trusted_ca_certs_pem_files: ['ca.pem'] } }, {}],
            },
            auto: { listen: ['10.1.2.3:443'] },
            disabled: { listen: [':443'], automatic_https: { disable: true } },
            plain: { listen: [':8080'] },
            optional: { listen: ['[::1]:8445'], tls_connection_policies: [{ client_authentication: { mode: 'verify_if_given', trusted_ca_certs_pem_files: ['ca.pem'] } }] },
          },
        },
      },
    };
    const file = tmp.write('caddy/caddy.json', `${JSON.stringify(config, null, 2)}\n`);
    const [d] = declarations(file, caddyDeclaration as never);
    assert.deepEqual(rows(d), [
      ['*', 8443, 'api.caddy.test', { address: '127.0.0.1' }],
      ['127.0.0.2', 8444, 'api.caddy.test', { address: '127.0.0.2' }],
      ['10.1.2.3', 443, undefined, 'skip'],
      ['::1', 8445, undefined, { address: '::1' }],
    ]);
    const [api, , auto, optional] = d!.listeners;
    assert.ok(api!.clientAuthRequired, 'trusted CAs without a mode: Caddy requires and verifies');
    assert.match(api!.clientAuthRequired!.says, /require_and_verify/);
    assert.equal(api!.refusal, 'handshake');
    assert.ok(api!.stapling, 'the loaded certificate covers the SNI and has an OCSP URL');
    assert.equal(api!.stapling!.at.line, readFileSync(file, 'utf8').split('\n').findIndex((l) => l.includes('"certificate": "cert.pem"')), 'points at the load_files entry');
    assert.equal(auto!.clientAuthRequired, undefined);
    assert.equal(optional!.clientAuthRequired, undefined, 'verify_if_given is not required');
    assert.ok(optional!.stapling, 'no SNI name: every loaded certificate has an OCSP URL');
    const [mapped] = declarations(file, caddyDeclaration as never, [{ host: '10.1.2.3', port: 443, address: '127.0.0.1' }]);
    assert.deepEqual(mapped!.listeners[2]!.connect, { address: '127.0.0.1' }, 'mapped by its address (no SNI name)');
  });

  test('stapling is not declared when it is disabled, when the certificate has no OCSP URL, or when no certificate is loaded from files', () => {
    const server = { listen: ['127.0.0.1:8443'], routes: [{ match: [{ host: ['api.caddy.test'] }] }], tls_connection_policies: [{}] };
    const write = (name: string, tls: object): string => tmp.write(`caddy/${name}.json`, JSON.stringify({ apps: { tls, http: { servers: { s: server } } } }, null, 2));
    tmp.write('caddy/plain.pem', withoutOcsp.certificate.toPem());
    const cases = {
      disabled: { disable_ocsp_stapling: true, certificates: { load_files: [{ certificate: 'cert.pem', key: 'key.pem' }] } },
      policyDisabled: { automation: { policies: [{ disable_ocsp_stapling: true }] }, certificates: { load_files: [{ certificate: 'cert.pem', key: 'key.pem' }] } },
      noUrl: { certificates: { load_files: [{ certificate: 'plain.pem', key: 'key.pem' }] } },
      missing: { certificates: { load_files: [{ certificate: 'absent.pem', key: 'key.pem' }] } },
      managed: {},
    };
    for (const [name, tls] of Object.entries(cases)) {
      const [d] = declarations(write(name, tls), caddyDeclaration as never);
      assert.equal(d!.listeners.length, 1, name);
      assert.equal(d!.listeners[0]!.stapling, undefined, name);
    }
    const [inline] = declarations(write('inline', { certificates: { load_pem: [{ certificate: withOcsp.certificate.toPem(), key: 'unused' }] } }), caddyDeclaration as never);
    assert.ok(inline!.listeners[0]!.stapling, 'an inline PEM certificate with an OCSP URL');
  });
});

describe('audit --live: listeners derived from Envoy listeners', () => {
  const yaml = (listenerAddress: string, port: number | string, protocol = 'TCP'): string => [
    'static_resources:',
    '  listeners:',
    '  - name: https',
    '    address:',
    `      socket_address: { address: "${listenerAddress}", port_value: ${port}, protocol: ${protocol} }`,
    '    additional_addresses:',
    '    - address:',
    '        socket_address: { address: "::1", port_value: 10444 }',
    '    - address:',
    '        pipe: { path: /run/envoy.sock }',
    '    filter_chains:',
    '    - filter_chain_match:',
    '        server_names: ["*.wild.envoy.test", "API.envoy.test"]',
    '      transport_socket:',
    '        name: envoy.transport_sockets.tls',
    '        typed_config:',
    '          "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext',
    '          require_client_certificate: true',
    '          ocsp_staple_policy: MUST_STAPLE',
    '          common_tls_context:',
    '            tls_certificates:',
    '            - certificate_chain: { filename: /etc/envoy/cert.pem }',
    '              private_key: { filename: /etc/envoy/key.pem }',
    '              ocsp_staple: { filename: /etc/envoy/cert.ocsp }',
    '            validation_context:',
    '              trusted_ca: { filename: /etc/envoy/ca.pem }',
    '    default_filter_chain:',
    '      transport_socket:',
    '        name: envoy.transport_sockets.tls',
    '        typed_config:',
    '          "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext',
    '          common_tls_context:',
    '            tls_certificates:',
    '            - certificate_chain: { filename: /etc/envoy/cert.pem }',
    '              private_key: { filename: /etc/envoy/key.pem }',
    '  clusters:',
    '  - name: backend',
    '    transport_socket:',
    '      name: envoy.transport_sockets.tls',
    '      typed_config:',
    '        "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext',
    '        sni: backend.envoy.test',
    '',
  ].join('\n');

  test('0.0.0.0 is scanned on 127.0.0.1, additional addresses too (pipes left out); SNI from the chain\'s server_names, none for the default chain; require_client_certificate and ocsp_staple declared; upstream contexts declare nothing', () => {
    const file = tmp.write('envoy/envoy.yaml', yaml('0.0.0.0', 10443));
    const [chain, fallback, upstream] = declarations(file, envoyDeclaration as never);
    assert.deepEqual(rows(chain), [['0.0.0.0', 10443, 'api.envoy.test', { address: '127.0.0.1' }], ['::1', 10444, 'api.envoy.test', { address: '::1' }]]);
    assert.deepEqual(rows(fallback), [['0.0.0.0', 10443, undefined, { address: '127.0.0.1' }], ['::1', 10444, undefined, { address: '::1' }]]);
    assert.equal(upstream, undefined);
    const l = chain!.listeners[0]!;
    assert.equal(l.refusal, 'handshake');
    assert.equal(l.clientAuthRequired?.at.line, 18, 'points at require_client_certificate');
    assert.match(l.stapling!.says, /ocsp_staple_policy MUST_STAPLE/);
    assert.equal(l.at.line, 5, 'the listener points at its socket_address');
    assert.equal(fallback!.listeners[0]!.clientAuthRequired, undefined);
    assert.equal(fallback!.listeners[0]!.stapling, undefined, 'a certificate without ocsp_staple: Envoy staples nothing');
  });

  test('UDP and named ports are left out; 10.1.2.3 is skipped unless mapped', () => {
    const [udp] = declarations(tmp.write('envoy/udp.yaml', yaml('0.0.0.0', 10443, 'UDP')), envoyDeclaration as never);
    assert.deepEqual(rows(udp), [['::1', 10444, 'api.envoy.test', { address: '::1' }]]);
    const [remote] = declarations(tmp.write('envoy/remote.yaml', yaml('10.1.2.3', 10443)), envoyDeclaration as never);
    assert.equal(rows(remote)[0]![3], 'skip');
    const [mapped] = declarations(tmp.write('envoy/remote.yaml', yaml('10.1.2.3', 10443)), envoyDeclaration as never, [{ host: '10.1.2.3', port: 10443, address: '127.0.0.1' }]);
    assert.deepEqual(mapped!.listeners[0]!.connect, { address: '127.0.0.1' });
  });
});

test('audit --live opens no socket for non-loopback Tomcat, Caddy and Envoy listeners: each is na with the reason', async () => {
  const tomcat = tmp.write('none/tomcat/conf/server.xml', '<Server port="-1"><Service name="C"><Connector address="10.1.2.3" port="8443" SSLEnabled="true"><SSLHostConfig hostName="api.tomcat.test" certificateVerification="required"><Certificate certificateFile="a.pem"/></SSLHostConfig></Connector></Service></Server>\n');
  const caddy = tmp.write('none/caddy.json', JSON.stringify({ apps: { http: { servers: { s: { listen: ['192.0.2.1:443', 'tcp/[2001:db8::1]:8443'], routes: [{ match: [{ host: ['api.caddy.test'] }] }] } } } } }));
  const envoy = tmp.write('none/envoy.yaml', [
    'static_resources:',
    '  listeners:',
    '  - address: { socket_address: { address: 10.1.2.3, port_value: 443 } }',
    '    filter_chains:',
    '    - transport_socket:',
    '        typed_config:',
    '          "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext',
    '          require_client_certificate: true',
    '',
  ].join('\n'));
  for (const file of [tomcat, caddy, envoy]) {
    const run = runAudit({ paths: [file], policy });
    const { value, sockets } = await socketsDuring(() => auditLive(run, { policy }));
    assert.equal(sockets, 0, file);
    const live = value.results.flatMap((r) => r.live ?? []);
    assert.ok(live.length > 0, file);
    for (const l of live) {
      assert.equal(l.status, 'na', file);
      assert.equal(l.address, null);
      assert.match(l.reason!, /not a loopback address/);
    }
    assert.deepEqual(value.results.flatMap((r) => [...r.requirements['V9.2.1'].findings, ...r.requirements['V9.2.4'].findings]).filter((f) => f.id.startsWith('live-')), []);
  }
});
