/**
 * Trust stores a configuration names, classified certificate by certificate
 * against the policy: the organisation's anchor, a pinned certificate, a
 * public root (Node's `tls.rootCertificates`), or unknown. Unknown is never
 * taken for the organisation's own.
 */
import { spawnSync } from 'node:child_process';
import { statSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { systemAnchors } from '../policy/match.ts';
import type { Policy } from '../policy/types.ts';
import { readFileBounded } from '../util/bounded-read.ts';
import { Certificate } from '../x509/certificate.ts';

export type CertificateClass = 'anchor' | 'pinned' | 'public' | 'unknown';

export interface ClassifiedCertificate {
  subject: string;
  sha256: string;
  class: CertificateClass;
}

export type TrustStore = { ok: true; certificates: ClassifiedCertificate[] } | { ok: false; reason: string };

/** A CA bundle larger than this is not a trust store (the whole Mozilla bundle is about 220 KB). */
export const MAX_TRUST_STORE_BYTES = 4 * 1024 * 1024;
/** Certificates read from a CA folder (SSLCACertificatePath style) at most. */
export const MAX_FOLDER_CERTIFICATES = 2_000;

function policyAnchors(policy: Policy): { fingerprints: Set<string>; spkis: Set<string> } {
  const fingerprints = new Set<string>();
  const spkis = new Set<string>();
  const add = (t: Policy['trust']): void => {
    for (const a of t.anchors) fingerprints.add(a.fingerprint256);
    for (const p of t.pins) spkis.add(p.sha256);
  };
  add(policy.trust);
  for (const d of policy.destinations) add(d.trust);
  if (policy.inbound) {
    add(policy.inbound.trust);
    for (const l of policy.inbound.listeners?.values() ?? []) add(l.trust);
  }
  return { fingerprints, spkis };
}

/** keytool starts a JVM (about a second on a loaded machine); a store that takes longer than this is not read. */
export const KEYTOOL_TIMEOUT_MS = 30_000;
/** keytool's PEM listing of a store of MAX_FOLDER_CERTIFICATES certificates is about 4 MB. */
export const MAX_KEYTOOL_OUTPUT_BYTES = 8 * 1024 * 1024;
/** Environment variable that hands keytool the store password (`-storepass:env`): never on the command line, where `ps` shows it. */
const KEYTOOL_PASSWORD_ENV = 'CERTWARDEN_KEYSTORE_PASS';

export class TrustStoreReader {
  readonly #cache = new Map<string, TrustStore>();
  readonly #policy: ReturnType<typeof policyAnchors> | undefined;
  #publicRoots: Set<string> | undefined;

  constructor(policy?: Policy) {
    this.#policy = policy ? policyAnchors(policy) : undefined;
  }

  classify(c: Certificate): CertificateClass {
    if (this.#policy?.fingerprints.has(c.fingerprint256)) return 'anchor';
    if (this.#policy?.spkis.has(c.spkiSha256)) return 'pinned';
    this.#publicRoots ??= new Set(systemAnchors().map((r) => r.fingerprint256));
    return this.#publicRoots.has(c.fingerprint256) ? 'public' : 'unknown';
  }

  /** The runtime's public roots as a store (HAProxy `@system-ca`). */
  system(): TrustStore {
    return { ok: true, certificates: systemAnchors().map((c) => ({ subject: c.subject, sha256: c.fingerprint256, class: this.classify(c) })) };
  }

  read(path: string): TrustStore {
    const cached = this.#cache.get(path);
    if (cached) return cached;
    const store = this.#read(path);
    this.#cache.set(path, store);
    return store;
  }

  /**
   * A JKS or PKCS#12 store, listed with the JDK's `keytool -list -rfc`.
   * Without keytool, or when it cannot open the store, the store is not
   * classified (a finding), never taken as good.
   */
  readKeystore(path: string, options: { type?: string; password?: string } = {}): TrustStore {
    const key = `keystore\u0000${path}\u0000${options.type ?? ''}\u0000${options.password ?? ''}`;
    const cached = this.#cache.get(key);
    if (cached) return cached;
    const store = this.#readKeystore(path, options);
    this.#cache.set(key, store);
    return store;
  }

  #readKeystore(path: string, options: { type?: string; password?: string }): TrustStore {
    try {
      if (!statSync(path).isFile()) return { ok: false, reason: 'not a regular file' };
      // Bounded like a PEM store: keytool is not handed a file larger than any trust store.
      readFileBounded(path, { maxBytes: MAX_TRUST_STORE_BYTES, what: 'keystore' });
    } catch (err) {
      return { ok: false, reason: (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message };
    }
    const args = ['-list', '-rfc', '-keystore', path, ...(options.type ? ['-storetype', options.type] : []), ...(options.password !== undefined ? ['-storepass:env', KEYTOOL_PASSWORD_ENV] : [])];
    const run = spawnSync('keytool', args, {
      // Without a password keytool asks for one on stdin: an empty answer lists a JKS store without checking its integrity.
      input: '\n',
      timeout: KEYTOOL_TIMEOUT_MS,
      maxBuffer: MAX_KEYTOOL_OUTPUT_BYTES,
      env: { ...process.env, ...(options.password !== undefined ? { [KEYTOOL_PASSWORD_ENV]: options.password } : {}), LC_ALL: 'C' },
    });
    if (run.error) {
      const code = (run.error as NodeJS.ErrnoException).code;
      return { ok: false, reason: code === 'ENOENT' ? 'keytool (JDK) is not installed: the keystore could not be classified' : `keytool failed (${code ?? run.error.message}): the keystore could not be classified` };
    }
    if (run.status !== 0) return { ok: false, reason: `keytool could not list it (${firstLine(run.stdout.toString('utf8') + run.stderr.toString('utf8'))}): the keystore could not be classified` };
    let certs: Certificate[];
    try {
      certs = Certificate.parseAll(run.stdout.toString('utf8'));
    } catch (err) {
      return { ok: false, reason: `keytool's listing did not parse: ${(err as Error).message}` };
    }
    if (certs.length === 0) return { ok: false, reason: 'it holds no certificate' };
    return { ok: true, certificates: certs.slice(0, MAX_FOLDER_CERTIFICATES).map((c) => ({ subject: c.subject, sha256: c.fingerprint256, class: this.classify(c) })) };
  }

  #read(path: string): TrustStore {
    try {
      let certs: Certificate[];
      if (statSync(path).isDirectory()) {
        certs = [];
        for (const n of readdirSync(path).sort()) {
          if (certs.length >= MAX_FOLDER_CERTIFICATES) break;
          try {
            certs.push(...Certificate.parseAll(readFileBounded(join(path, n), { maxBytes: MAX_TRUST_STORE_BYTES, what: 'CA file' })));
          } catch {
            // Hash links and CRLs share CA folders; a file that is no certificate is skipped.
          }
        }
      } else certs = Certificate.parseAll(readFileBounded(path, { maxBytes: MAX_TRUST_STORE_BYTES, what: 'CA file' }));
      if (certs.length === 0) return { ok: false, reason: 'it holds no certificate' };
      return { ok: true, certificates: certs.map((c) => ({ subject: c.subject, sha256: c.fingerprint256, class: this.classify(c) })) };
    } catch (err) {
      return { ok: false, reason: (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message };
    }
  }
}

function firstLine(text: string): string {
  return (text.split('\n').find((l) => /error|exception/i.test(l)) ?? text.split('\n')[0] ?? '').trim().slice(0, 200);
}
