/**
 * TLS sessions for resumption, bound to the verdict that admitted them.
 *
 * A resumed handshake exchanges no certificate and no staple (RFC 8446 §2.2,
 * RFC 5077), so nothing can be checked on it. A session is therefore offered
 * only while the verdict that admitted its peer is still in the verdict cache;
 * once that verdict expires (revocation answer stale, or the cap reached) the
 * session is dropped and the next connection makes a full handshake, with a
 * fresh staple and revocation check.
 */
import type { TrustVerdict } from '../trust/evaluate.ts';
import type { VerdictCache } from './verdict-cache.ts';

interface StoredSession {
  session: Buffer;
  verdictKey: string;
}

/** One session per target (host, port, SNI name): what Node's https.Agent keeps too. */
export const DEFAULT_MAX_SESSIONS = 100;

export class SessionStore {
  readonly #verdicts: VerdictCache;
  readonly #max: number;
  readonly #sessions = new Map<string, StoredSession>();

  constructor(verdicts: VerdictCache, max = DEFAULT_MAX_SESSIONS) {
    this.#verdicts = verdicts;
    this.#max = max;
  }

  /**
   * The session to offer and the verdict that admitted it, only while that
   * verdict is valid. A resumed handshake carries no certificate (Node's
   * getPeerCertificate() is empty on a resumed TLS 1.3 client), so the
   * caller admits it on this verdict, taken when the connection started.
   */
  get(target: string): { session: Buffer; verdictKey: string; verdict: TrustVerdict } | undefined {
    const s = this.#sessions.get(target);
    if (!s) return undefined;
    const verdict = this.#verdicts.get(s.verdictKey);
    if (!verdict) {
      this.#sessions.delete(target);
      return undefined;
    }
    return { session: s.session, verdictKey: s.verdictKey, verdict };
  }

  set(target: string, session: Buffer, verdictKey: string): void {
    this.#sessions.delete(target);
    while (this.#sessions.size >= this.#max) {
      const oldest = this.#sessions.keys().next().value;
      if (oldest === undefined) break;
      this.#sessions.delete(oldest);
    }
    this.#sessions.set(target, { session, verdictKey });
  }

  delete(target: string): void {
    this.#sessions.delete(target);
  }

  clear(): void {
    this.#sessions.clear();
  }
}
