/**
 * The live declaration of a Tomcat TLS `<Connector>` as one `SSLHostConfig`
 * sees it: the connector's `address` (absent: all addresses) and `port`.
 * SNI is the SSLHostConfig's `hostName` when it is a plain name (not
 * `_default_`, not a wildcard); the default host is reached without one.
 * Client certificates are required by `certificateVerification="required"`
 * (or the legacy `clientAuth="true"`); JSSE and OpenSSL both refuse a client
 * without one in the handshake. Stapling is declared only where the
 * `tomcat-stapling-off` rule is satisfied: a JSSE connector with
 * `-Djdk.tls.server.enableStatusRequestExtension=true` in the instance's
 * setenv.sh (JSSE staples nothing without it; the OpenSSL implementation is
 * not judged, so no claim is made there).
 */
import { clientVerification, hostAt, isTrue, systemProperty, usesOpenSsl, type TomcatUnit } from '../rules/tomcat/unit.ts';
import type { ResolveOverride } from '../../scan/target.ts';
import { decide, plainHostName, tcpPort, type LiveDeclaration } from './listen.ts';

/** Tomcat's name for the SSLHostConfig used when SNI matches no other (and when the client sends none). */
const DEFAULT_HOST_NAME = '_default_';

/** The live declaration of a TLS connector's SSLHostConfig; undefined for JVM option files. */
export function tomcatDeclaration(u: TomcatUnit, overrides: readonly ResolveOverride[]): LiveDeclaration | undefined {
  if (u.kind !== 'host') return undefined;
  const attrs = u.connector.attrs ?? {};
  // `${port}` (a system property substituted at start-up) is not guessed at: no listener is derived.
  const port = tcpPort(attrs.port?.trim());
  if (!port) return { listeners: [] };
  const address = (attrs.address ?? '').trim() || '*';
  const host = (u.host?.attrs?.hostName ?? DEFAULT_HOST_NAME).trim();
  const serverName = host.toLowerCase() === DEFAULT_HOST_NAME ? undefined : plainHostName(host);
  // The element that says it: the SSLHostConfig's (or Connector's) certificateVerification, else the Connector's legacy clientAuth.
  const own = hostAt(u);
  const verifyAt = own.attrs?.certificateVerification !== undefined ? { at: own, says: `certificateVerification="${own.attrs.certificateVerification}"` } : { at: u.connector, says: `clientAuth="${u.connector.attrs?.clientAuth ?? ''}"` };
  const staples = !usesOpenSsl(u) && systemProperty(u.jvm, 'jdk.tls.server.enableStatusRequestExtension');
  return {
    listeners: [{
      at: u.connector,
      declared: address,
      port,
      ...(serverName ? { serverName } : {}),
      connect: decide(address, port, serverName, overrides),
      refusal: 'handshake',
      ...(staples && isTrue(staples.args[0]) ? { stapling: { at: staples, says: '-Djdk.tls.server.enableStatusRequestExtension=true is set for this JSSE connector' } } : {}),
      ...(clientVerification(u) === 'required' ? { clientAuthRequired: { at: verifyAt.at, says: `${verifyAt.at.name} requires client certificates (${verifyAt.says})` } } : {}),
    }],
  };
}
