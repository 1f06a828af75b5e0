/**
 * Tomcat units: one per TLS `SSLHostConfig` of a `server.xml` (or per TLS
 * `Connector` using the pre-8.5 attributes on the Connector itself), each
 * with the JVM options of its instance; and one per JVM option file
 * (`setenv.sh`, `catalina.sh`, a java.security override) audited on its own.
 *
 * The JVM options of a server.xml are read from CATALINA_BASE/bin/setenv.sh
 * (the file's folder's `../bin/`), following `-Djava.security.properties`.
 * When none is found the options are unknown and stapling is judged off:
 * JSSE's server-side stapling is off by default (JDK 17
 * `SSLContextImpl`: `jdk.tls.server.enableStatusRequestExtension` defaults to false).
 */
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, normalize } from 'node:path';
import { isCertwardenError } from '../../../errors.ts';
import { readFileBounded } from '../../../util/bounded-read.ts';
import { MAX_CONFIG_FILE_BYTES, walk, type Directive } from '../../config/model.ts';
import { parseTomcat } from '../../config/tomcat.ts';
import type { LoadedConfig } from '../../load.ts';
import type { Edit } from '../rule.ts';
import { setAttribute } from './edit.ts';

/** The JVM options that apply: System properties (`-D` in shell files) and Security properties (java.security overrides). */
export interface JvmOptions {
  /** `-Dname=value` words, by line. */
  system: Directive[];
  /** Lines of java.security override files. */
  security: Directive[];
  /** The option files read (as reported); empty when none was found. */
  files: string[];
}

export type TomcatUnit =
  | { kind: 'host'; config: LoadedConfig; connector: Directive; host?: Directive; jvm: JvmOptions }
  | { kind: 'jvm'; config: LoadedConfig; jvm: JvmOptions };

export const TOMCAT_DOCS = {
  sslHostConfig: 'https://tomcat.apache.org/tomcat-10.1-doc/config/http.html#SSL_Support_-_SSLHostConfig',
  /** Java SE 17 Security Developer's Guide, "JSSE Reference Guide": "Client-Driven OCSP and OCSP Stapling", "Setting up a Java Server to Use OCSP Stapling". */
  jsse: 'https://docs.oracle.com/en/java/javase/17/security/java-secure-socket-extension-jsse-reference-guide.html',
  /** Java SE 17 Security Developer's Guide, "Java PKI Programmer's Guide": "Appendix C: On-Line Certificate Status Protocol (OCSP) Support", "Support for the CRL Distribution Points Extension". */
  pki: 'https://docs.oracle.com/en/java/javase/17/security/java-pki-programmers-guide.html',
} as const;

/** Is a Tomcat boolean attribute on (Tomcat's IntrospectionUtils: "true", case-insensitive). */
export function isTrue(value: string | undefined): boolean {
  return value !== undefined && value.trim().toLowerCase() === 'true';
}

/** A TLS connector: `SSLEnabled="true"` or any `SSLHostConfig` child. */
function isTlsConnector(c: Directive): boolean {
  return isTrue(c.attrs?.SSLEnabled) || (c.children ?? []).some((x) => x.key === 'SSLHostConfig');
}

export function tomcatUnits(config: LoadedConfig): TomcatUnit[] {
  const directives = config.file.directives;
  if (directives.length > 0 && directives.every((d) => d.attrs === undefined)) {
    return [{ kind: 'jvm', config, jvm: optionsOf(directives, [config.file.display]) }];
  }
  const units: TomcatUnit[] = [];
  let jvm: JvmOptions | undefined;
  for (const connector of walk(directives)) {
    if (connector.key !== 'Connector' || !isTlsConnector(connector)) continue;
    jvm ??= instanceOptions(config);
    const hosts = (connector.children ?? []).filter((x) => x.key === 'SSLHostConfig');
    if (hosts.length === 0) units.push({ kind: 'host', config, connector, jvm });
    for (const host of hosts) units.push({ kind: 'host', config, connector, host, jvm });
  }
  return units;
}

export function tomcatTarget(u: TomcatUnit): string {
  if (u.kind === 'jvm') return `${u.config.file.display} JVM options`;
  const at = u.host ?? u.connector;
  return `${at.file}:${at.line} Connector ${u.connector.attrs?.port ?? '?'}${u.host ? ` SSLHostConfig ${u.host.attrs?.hostName ?? '_default_'}` : ''}`;
}

/** An SSLHostConfig attribute, else its pre-8.5 Connector equivalent (Tomcat copies those to the default SSLHostConfig). */
export function hostAttr(u: Extract<TomcatUnit, { kind: 'host' }>, name: string, legacy?: string): string | undefined {
  const own = (u.host ?? u.connector).attrs?.[name];
  return own ?? (legacy ? u.connector.attrs?.[legacy] : undefined);
}

/** Client certificate verification as Tomcat reads it: `certificateVerification` (8.5+) or the Connector's `clientAuth`. */
export function clientVerification(u: Extract<TomcatUnit, { kind: 'host' }>): 'none' | 'optional' | 'optionalNoCA' | 'required' {
  const v = (hostAttr(u, 'certificateVerification', 'clientAuth') ?? 'none').trim().toLowerCase();
  if (v === 'required' || v === 'require' || v === 'true' || v === 'yes' || v === 'on') return 'required';
  if (v === 'optional' || v === 'want') return 'optional';
  if (v === 'optionalnoca') return 'optionalNoCA';
  return 'none';
}

/**
 * The edit that makes client certificates required: `certificateVerification`
 * where it is written (the SSLHostConfig, or the Connector for its default
 * host), else the Connector's legacy `clientAuth="true"`, else a new
 * `certificateVerification="required"` on the element the finding points at.
 */
export function requireClientCertificates(u: Extract<TomcatUnit, { kind: 'host' }>): Edit[] | undefined {
  const own = hostAt(u);
  const text = u.config.file.text;
  if (own.attrs?.certificateVerification !== undefined || u.connector.attrs?.clientAuth === undefined) return setAttribute(text, own, ['certificateVerification'], 'required');
  return setAttribute(text, u.connector, ['clientAuth'], 'true');
}

/**
 * The connector runs Tomcat's OpenSSL implementation: `sslImplementationName`
 * names it, or the APR protocol. Otherwise it is JSSE as far as the file
 * shows (with an AprLifecycleListener and tcnative installed Tomcat may pick
 * OpenSSL itself; that cannot be seen here, so JSSE's rules apply: fail closed).
 */
export function usesOpenSsl(u: Extract<TomcatUnit, { kind: 'host' }>): boolean {
  const impl = hostAttr(u, 'sslImplementationName') ?? u.connector.attrs?.sslImplementationName ?? '';
  return /openssl/i.test(impl) || /Apr/.test(u.connector.attrs?.protocol ?? '');
}

/** The element a host finding points at. */
export function hostAt(u: Extract<TomcatUnit, { kind: 'host' }>): Directive {
  return u.host ?? u.connector;
}

/** The last value of a System property, or undefined. */
export function systemProperty(jvm: JvmOptions, name: string): Directive | undefined {
  return jvm.system.filter((d) => d.key === name).pop();
}

export function securityProperty(jvm: JvmOptions, name: string): Directive | undefined {
  return jvm.security.filter((d) => d.key === name).pop();
}

/** Options from parsed JVM files: `-D` words are System properties; included java.security overrides are Security properties. */
function optionsOf(directives: readonly Directive[], files: string[]): JvmOptions {
  const system: Directive[] = [];
  const security: Directive[] = [];
  const shown = new Set(files);
  for (const d of directives) {
    const isShell = /\.sh$|(^|\/)(setenv|catalina)$/.test(d.file);
    (isShell ? system : security).push(d);
    for (const x of d.included ? walk(d.included) : []) {
      security.push(x);
      shown.add(x.file);
    }
  }
  return { system, security, files: [...shown] };
}

/** CATALINA_BASE/bin/setenv.sh next to CATALINA_BASE/conf/server.xml, with its java.security override; unknown (empty) when absent. */
function instanceOptions(config: LoadedConfig): JvmOptions {
  const candidates = [join(config.baseDir, '..', 'bin', 'setenv.sh'), join(config.baseDir, 'setenv.sh')];
  const path = candidates.find((p) => existsSync(p));
  if (!path) return { system: [], security: [], files: [] };
  const display = normalize(join(config.displayBase, path === candidates[0] ? join('..', 'bin', 'setenv.sh') : 'setenv.sh'));
  try {
    const system = parseTomcat(readFileBounded(path, { maxBytes: MAX_CONFIG_FILE_BYTES, what: `JVM options ${display}` }).toString('utf8'), display, 'shell');
    const files = [display];
    const security: Directive[] = [];
    const override = system.filter((d) => d.key === 'java.security.properties').pop()?.args[0]?.replace(/^=/, '');
    if (override) {
      const p = isAbsolute(override) ? override : join(dirname(path), override);
      try {
        security.push(...parseTomcat(readFileBounded(p, { maxBytes: MAX_CONFIG_FILE_BYTES, what: `java.security override ${override}` }).toString('utf8'), override, 'properties'));
        files.push(override);
      } catch (err) {
        if (!isCertwardenError(err)) throw err;
      }
    }
    return { system, security, files };
  } catch (err) {
    if (!isCertwardenError(err)) throw err;
    return { system: [], security: [], files: [] };
  }
}
