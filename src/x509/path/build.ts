/**
 * Issuer lookup for path building: certificates indexed by normalized
 * subject name (RFC 5280 §7.1 comparison), with AKI/SKI used only to order
 * candidates, never to exclude one.
 */
import type { Certificate } from '../certificate.ts';
import { nameKey } from '../name.ts';

export class IssuerIndex {
  readonly #bySubject = new Map<string, Certificate[]>();
  readonly #der = new Set<string>();

  constructor(certs: Iterable<Certificate>, exclude?: ReadonlySet<string>) {
    for (const c of certs) {
      const fp = c.fingerprint256;
      if (this.#der.has(fp) || exclude?.has(fp)) continue;
      this.#der.add(fp);
      const key = nameKey(c.subjectDer);
      const list = this.#bySubject.get(key);
      if (list) list.push(c);
      else this.#bySubject.set(key, [c]);
    }
  }

  has(cert: Certificate): boolean {
    return this.#der.has(cert.fingerprint256);
  }

  get fingerprints(): ReadonlySet<string> {
    return this.#der;
  }

  /** Candidate issuers of `child`, best first: AKI/SKI match, then valid at `at`, then input order. */
  candidates(child: Certificate, at: number): Certificate[] {
    const list = this.#bySubject.get(nameKey(child.issuerDer));
    if (!list || list.length === 0) return [];
    let aki: Uint8Array | undefined;
    try {
      aki = child.authorityKeyIdentifier;
    } catch {
      aki = undefined;
    }
    const score = (c: Certificate): number => {
      let s = 0;
      try {
        const ski = c.subjectKeyIdentifier;
        if (aki && ski) s += Buffer.compare(aki, ski) === 0 ? 0 : 2;
      } catch {
        s += 2;
      }
      if (at < c.notBefore.getTime() || at > c.notAfter.getTime()) s += 1;
      return s;
    };
    return list
      .map((c, i) => ({ c, i, s: score(c) }))
      .sort((a, b) => a.s - b.s || a.i - b.i)
      .map((x) => x.c);
  }
}
