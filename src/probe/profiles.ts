/**
 * Ready-made client command lines (`--profile NAME`). A profile is a command
 * with placeholders, plus what it needs once per run: files written to the
 * run's work folder (`{dir}`), setup commands (compile a Java client, build a
 * truststore with keytool) and the standard input of each run.
 *
 * Every profile trusts exactly `{ca}`; none trusts the system store.
 */
import { fileURLToPath } from 'node:url';
import { JAVA_CLIENT_CLASS, JAVA_CLIENT_SOURCE } from './clients/java-client.ts';
import { PYTHON_REQUESTS_CLIENT, PYTHON_URLLIB_CLIENT } from './clients/python-clients.ts';

export interface Profile {
  readonly description: string;
  /** The command, with placeholders ({url} {host} {port} {ca} {pin} {pin-host}, and {dir}). */
  readonly command: readonly string[];
  /** Files to write into {dir} before the setup. */
  readonly files?: Readonly<Record<string, string>>;
  /** Commands run once, in order, after the farm is up ({ca} and {dir} replaced). A failure is an operational error. */
  readonly setup?: readonly (readonly string[])[];
  /** Standard input of each run (placeholders replaced). */
  readonly stdin?: string;
}

/** The request line the raw TLS clients (openssl, gnutls-cli) send. */
const RAW_REQUEST = 'GET / HTTP/1.0\r\nHost: {host}\r\n\r\n';

/** The Node client beside this module (.ts in a checkout, .js in the build). */
function nodeClient(): string {
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  return fileURLToPath(new URL(`./clients/node-client${ext}`, import.meta.url));
}

/** The truststore the Java profiles use: {ca} imported with keytool at run time. */
const TRUSTSTORE_PASSWORD = 'certwarden-probe';
const javaSetup: readonly (readonly string[])[] = [
  ['javac', '-d', '{dir}', '{dir}/ProbeClient.java'],
  ['keytool', '-importcert', '-noprompt', '-alias', 'certwarden-probe-ca', '-file', '{ca}', '-keystore', '{dir}/truststore.p12', '-storetype', 'PKCS12', '-storepass', TRUSTSTORE_PASSWORD],
];
/**
 * JVM start-up dominates a run (one JVM per case): the client tier of the JIT
 * and the serial collector start fastest, and nothing here runs long.
 */
const javaFastStart = ['-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC', '-Xshare:auto'];
const javaTrust = [...javaFastStart, '-Djavax.net.ssl.trustStore={dir}/truststore.p12', '-Djavax.net.ssl.trustStoreType=PKCS12', `-Djavax.net.ssl.trustStorePassword=${TRUSTSTORE_PASSWORD}`];

/**
 * curl connects to the farm's address ({addr}) whatever the URL's name, and
 * still checks the certificate against the URL's name: limbo vectors for names
 * that are not loopback run without anything resolving them (runner.ts FARM_ADDRESS).
 */
const curlRoute = ['--connect-to', '::{addr}:'];

export function profiles(): Readonly<Record<string, Profile>> {
  const node = process.execPath;
  const nc = nodeClient();
  const certwardenPins = ['--pin', '{pin}', '--pin-host', '{pin-host}'];
  return {
    curl: { description: 'curl --cacert {ca} (OpenSSL; no revocation checks); --connect-to routes limbo vectors', command: ['curl', '-sS', '--fail', '-o', '/dev/null', '--max-time', '15', ...curlRoute, '--cacert', '{ca}', '{url}'] },
    'curl-cert-status': { description: 'curl --cacert {ca} --cert-status (requires a good staple); --connect-to routes limbo vectors', command: ['curl', '-sS', '--fail', '-o', '/dev/null', '--max-time', '15', ...curlRoute, '--cert-status', '--cacert', '{ca}', '{url}'] },
    wget: { description: 'wget --ca-certificate={ca} (Debian: GnuTLS)', command: ['wget', '-q', '-O', '/dev/null', '--no-config', '--timeout=15', '--tries=1', '--ca-certificate={ca}', '{url}'] },
    'python-urllib': { description: 'python3 urllib with ssl.create_default_context(cafile={ca})', command: ['python3', '-c', PYTHON_URLLIB_CLIENT, '{ca}', '{url}'] },
    'python-requests': { description: 'python3 requests.get(verify={ca})', command: ['python3', '-c', PYTHON_REQUESTS_CLIENT, '{ca}', '{url}'] },
    java: { description: 'Java 17+ HttpClient, truststore with {ca} built by keytool; JDK defaults (no revocation)', command: ['java', ...javaTrust, '-cp', '{dir}', JAVA_CLIENT_CLASS, '{url}'], files: { 'ProbeClient.java': JAVA_CLIENT_SOURCE }, setup: javaSetup },
    'java-revocation': {
      description: 'Java HttpClient as `java`, with revocation on: checkRevocation, ocsp.enable, CRL DP, status_request',
      command: ['java', ...javaTrust, '-Dprobe.revocation=true', '-cp', '{dir}', JAVA_CLIENT_CLASS, '{url}'],
      files: { 'ProbeClient.java': JAVA_CLIENT_SOURCE },
      setup: javaSetup,
    },
    'node-https': { description: 'Node https.get with ca: {ca}; --connect {addr} routes limbo vectors', command: [node, nc, 'https', '--ca', '{ca}', '--connect', '{addr}', '{url}'] },
    'node-fetch': { description: 'undici fetch with connect: { ca: {ca} }; --connect {addr} routes limbo vectors', command: [node, nc, 'fetch', '--ca', '{ca}', '--connect', '{addr}', '{url}'] },
    'node-certwarden-agent': { description: 'Node https.get with certwarden createAgent: trusts {ca}, hard-fail, pins {pin} for {pin-host}', command: [node, nc, 'certwarden-agent', '--ca', '{ca}', ...certwardenPins, '{url}'] },
    'node-certwarden-dispatcher': { description: 'undici fetch with certwarden createDispatcher: trusts {ca}, hard-fail, pins {pin} for {pin-host}', command: [node, nc, 'certwarden-dispatcher', '--ca', '{ca}', ...certwardenPins, '{url}'] },
    openssl: {
      description: 'openssl s_client -connect {addr}:{port} -verify_return_error -verify_hostname {host} -CAfile {ca}',
      command: ['openssl', 's_client', '-connect', '{addr}:{port}', '-servername', '{host}', '-verify_return_error', '-verify_hostname', '{host}', '-CAfile', '{ca}', '-quiet', '-no_ign_eof'],
      stdin: RAW_REQUEST,
    },
    'gnutls-cli': {
      description: 'gnutls-cli --x509cafile={ca} --verify-hostname={host} to {addr} (GnuTLS; no OCSP unless --ocsp)',
      command: ['gnutls-cli', '--x509cafile={ca}', '--sni-hostname={host}', '--verify-hostname={host}', '--port={port}', '{addr}'],
      stdin: RAW_REQUEST,
    },
  };
}

export function profileNames(): string[] {
  return Object.keys(profiles());
}
