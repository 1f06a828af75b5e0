/**
 * Apache Tomcat 10 (Debian's `tomcat10-common`, which `tomcat10` depends on:
 * CATALINA_HOME /usr/share/tomcat10)
 * in the foreground with a temporary CATALINA_BASE, for the audit's server.xml
 * fixes: the given server.xml is written to CATALINA_BASE/conf with `@PORT@`
 * and `@BASE@` replaced, and `catalina.sh run` is started. The caller's
 * server.xml should bind the connector to 127.0.0.1 and disable the
 * shutdown port (`<Server port="-1">`).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { launch, readLog, type RunningServer } from './process.ts';

export const CATALINA_HOME = '/usr/share/tomcat10';
export const CATALINA_SH = join(CATALINA_HOME, 'bin', 'catalina.sh');

export function hasTomcat(): boolean {
  return existsSync(CATALINA_SH);
}

export interface TomcatOptions {
  /** server.xml with `@PORT@` (the loopback port) and `@BASE@` (CATALINA_BASE) placeholders. */
  serverXml: string;
  /** Other files under CATALINA_BASE (PEM certificates and keys), by relative path. */
  files?: Record<string, string>;
}

export function startTomcat(o: TomcatOptions): Promise<RunningServer> {
  return launch({
    // env(1) hands CATALINA_BASE to catalina.sh, which execs java in the foreground (`run`).
    command: '/usr/bin/env',
    prefix: 'certwarden-tomcat-',
    prepare: (port, write, dir) => {
      for (const sub of ['conf', 'logs', 'temp', 'webapps', 'work']) mkdirSync(join(dir, sub), { recursive: true });
      for (const [name, data] of Object.entries(o.files ?? {})) write(name, data);
      write('conf/server.xml', o.serverXml.replaceAll('@PORT@', String(port)).replaceAll('@BASE@', dir));
    },
    args: (_port, dir) => [
      `CATALINA_HOME=${CATALINA_HOME}`,
      `CATALINA_BASE=${dir}`,
      `CATALINA_TMPDIR=${dir}/temp`,
      // A small, quick JVM: the tests need one connector, not throughput.
      'JAVA_OPTS=-Xmx128m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Djava.security.egd=file:/dev/urandom',
      CATALINA_SH,
      'run',
    ],
    diagnostics: (dir) => readLog(join(dir, 'logs', `catalina.${new Date().toISOString().slice(0, 10)}.log`)),
  });
}
