/**
 * The scan context of one target: the only way checks reach the network.
 *
 * Network facts (the TLS 1.2 first flight, handshakes per version and
 * attempt, client-auth probes) are asked by key, computed once, each by one
 * connection through the runner's per-endpoint limiter, and logged. In replay
 * the same keys are answered from the evidence, with no network. The trust
 * verdict and the revocation caches live here too, so checks share them.
 */
import type tls from 'node:tls';
import { Certificate } from '../x509/certificate.ts';
import type { Policy, ResolvedDestination } from '../policy/types.ts';
import { resolveDestination } from '../policy/match.ts';
import { evaluateTrust, type TrustVerdict } from '../trust/evaluate.ts';
import { OcspCache } from '../ocsp/cache.ts';
import { CrlCache } from '../crl/cache.ts';
import { tlsHandshake, type AfterOutcome, type Endpoint, type TlsVersion } from './connect.ts';
import { readTls12Flight } from './tls12-probe.ts';
import { AttemptReason, messageOf, reasonOf, scanFailure } from './failure.ts';
import { b64, flightKey, handshakeKey, unb64, type FlightObservation, type HandshakeObservation, type ObservationLog, type Outcome } from './observations.ts';
import type { EndpointLimiter } from './limiter.ts';
import type { MintedCredential, ProbeCredential } from './credentials.ts';
import type { ScanTarget } from './target.ts';
import { ReplayOcspCache, type EvidenceRecorder } from './evidence.ts';
import { ParsedCertificates } from './caches.ts';
import type { FetchOptions, FetchResult } from '../net/http-fetch.ts';

/** Tunables of a scan; defaults in runner.ts. */
export interface ScanSettings {
  /** Budget of one connection (never more than what is left of the target's budget). */
  connectTimeoutMs: number;
  /** Handshakes tried per TLS version before a missing staple is reported (nginx staples only once its cache is warm); see staple-retry.ts. */
  stapleAttempts: number;
  /** Wait before the first staple retry; later waits back off (staple-retry.ts). */
  stapleRetryDelayMs: number;
  /** How long a client-auth probe watches a completed handshake for a late rejection (TLS 1.3 alerts come after the client's Finished). */
  clientAuthSettleMs: number;
}

/** Where network facts come from. */
export interface ObservationSource {
  get(key: string, compute: () => Promise<FlightObservation | HandshakeObservation>): Promise<Outcome<FlightObservation | HandshakeObservation>>;
  /** Whether `key` can be answered: always live; in replay only when it was recorded. */
  has(key: string): boolean;
}

/** Live: compute through the limiter and log. */
export class LiveSource implements ObservationSource {
  readonly log: ObservationLog = {};
  readonly #limiter: EndpointLimiter;
  readonly #endpointKey: string;
  constructor(limiter: EndpointLimiter, endpointKey: string) {
    this.#limiter = limiter;
    this.#endpointKey = endpointKey;
  }
  async get(key: string, compute: () => Promise<FlightObservation | HandshakeObservation>): Promise<Outcome<FlightObservation | HandshakeObservation>> {
    let out: Outcome<FlightObservation | HandshakeObservation>;
    try {
      out = { ok: true, value: await this.#limiter.run(this.#endpointKey, compute) };
    } catch (err) {
      out = { ok: false, reason: reasonOf(err), message: messageOf(err) };
    }
    this.log[key] = out;
    return out;
  }
  has(): boolean {
    return true;
  }
}

/** Replay: answer from the evidence; anything not recorded is an error, never a guess. */
export class RecordedSource implements ObservationSource {
  readonly log: ObservationLog;
  constructor(log: ObservationLog) {
    this.log = log;
  }
  async get(key: string): Promise<Outcome<FlightObservation | HandshakeObservation>> {
    return this.log[key] ?? { ok: false, reason: AttemptReason.USAGE, message: `${key} is not in the evidence (it was not observed when the evidence was recorded)` };
  }
  has(key: string): boolean {
    return key in this.log;
  }
}

export interface TrustView {
  /** The chain as served (parsed), leaf first. */
  served: Certificate[];
  /** Whether `served` is in the exact order sent (from the raw TLS 1.2 flight). */
  orderKnown: boolean;
  /** Served certificates that did not parse. */
  malformed: string[];
  verdict: TrustVerdict;
  resolved: ResolvedDestination;
  /** The validated path, or a best-effort issuer walk when untrusted: what revocation is judged on. */
  revocationPath: Certificate[];
}

export interface ContextInit {
  target: ScanTarget;
  endpoint: Endpoint;
  policy: Policy;
  at: Date;
  settings: ScanSettings;
  source: ObservationSource;
  signal: AbortSignal;
  ocspCache: OcspCache;
  crlCache: CrlCache;
  /** Credentials for client-auth probes (live only). */
  credentials?: () => Record<Exclude<ProbeCredential, 'none'>, MintedCredential>;
  replay: boolean;
  recorder: EvidenceRecorder;
  /** Parsed certificates shared by the scan's targets. */
  certificates?: ParsedCertificates;
  /** How OCSP requests are sent (live: through the target's fetch budget, fetch-gate.ts). */
  ocspFetch?: (url: string, options: FetchOptions) => Promise<FetchResult>;
}

const HTTP_PROBE_PORTS = new Set([443, 8443, 4443, 9443]);

/** What the client-auth probes offer by ALPN: HTTP/1.1 only, the one application protocol the probe can speak. */
const PROBE_ALPN = ['http/1.1'] as const;

/** OpenSSL's words for a peer's no_application_protocol alert (RFC 7301 §3.2, alert 120). */
const ALPN_REFUSED = /no.application.protocol|alert number 120/i;

export class ScanContext {
  readonly target: ScanTarget;
  readonly endpoint: Endpoint;
  readonly policy: Policy;
  readonly at: Date;
  readonly settings: ScanSettings;
  readonly signal: AbortSignal;
  readonly ocspCache: OcspCache;
  readonly crlCache: CrlCache;
  readonly replay: boolean;
  readonly recorder: EvidenceRecorder;
  readonly ocspFetch: ContextInit['ocspFetch'];
  readonly #source: ObservationSource;
  readonly #credentials: ContextInit['credentials'];
  readonly #certificates: ParsedCertificates;
  #trust?: Promise<TrustView>;

  constructor(init: ContextInit) {
    this.target = init.target;
    this.endpoint = init.endpoint;
    this.policy = init.policy;
    this.at = init.at;
    this.settings = init.settings;
    this.signal = init.signal;
    this.ocspCache = init.ocspCache;
    this.crlCache = init.crlCache;
    this.replay = init.replay;
    this.recorder = init.recorder;
    this.ocspFetch = init.ocspFetch;
    this.#source = init.source;
    this.#credentials = init.credentials;
    this.#certificates = init.certificates ?? new ParsedCertificates(0);
  }

  #memo = new Map<string, Promise<Outcome<FlightObservation | HandshakeObservation>>>();
  /** Whether the live TLS 1.2 flight gave the served chain (then handshakes need not read it). */
  #flightHasChain: boolean | undefined;

  #get<T extends FlightObservation | HandshakeObservation>(key: string, compute: () => Promise<T>): Promise<T> {
    let p = this.#memo.get(key);
    if (!p) {
      p = this.#source.get(key, compute);
      this.#memo.set(key, p);
    }
    return p.then((o) => {
      if (!o.ok) throw scanFailure(o.reason, o.message);
      return o.value as T;
    });
  }

  #connect() {
    return { signal: this.signal, timeoutMs: this.settings.connectTimeoutMs };
  }

  /** Whether the observation `key` can be had (in replay: whether it was recorded). */
  observable(key: string): boolean {
    return this.#memo.has(key) || this.#source.has(key);
  }

  /** The TLS 1.2 first flight (raw, see tls12-probe.ts); `attempt` > 0 are the stapling check's cold-cache retries. */
  flight(attempt = 0): Promise<FlightObservation> {
    return this.#get(flightKey(attempt), async () => {
      const f = await readTls12Flight(this.endpoint, this.#connect());
      if (attempt === 0) this.#flightHasChain = f.supported && f.certificates.length > 0;
      return {
        supported: f.supported,
        ...(f.alert !== undefined ? { alert: f.alert } : {}),
        certificates: f.certificates.map(b64),
        ...(f.staple ? { staple: b64(f.staple) } : {}),
        certificateRequested: f.certificateRequested,
        acceptableCaNames: f.acceptableCaNames.map(b64),
      };
    });
  }

  /**
   * A handshake pinned to `version` asking for a staple; `attempt` > 0 are
   * the cold-cache retries (scheduled by staple-retry.ts, not here). The
   * peer chain is read only where it can matter: attempt 0, when the TLS 1.2
   * flight has not (yet) given the chain as served (trust falls back to it).
   */
  handshake(version: TlsVersion, attempt = 0): Promise<HandshakeObservation> {
    return this.#get(handshakeKey(version, attempt), async () => toObservation(await tlsHandshake(this.endpoint, { ...this.#connect(), version, requestOCSP: true, peerChain: attempt === 0 && this.#flightHasChain !== true })));
  }

  /** A handshake presenting `credential` (or none), then a watch for a late rejection. */
  probe(version: TlsVersion, credential: ProbeCredential): Promise<HandshakeObservation> {
    return this.#get(`probe:${version}:${credential}`, async () => {
      const cred = credential === 'none' ? undefined : this.#credentials?.()[credential];
      if (credential !== 'none' && !cred) throw scanFailure(AttemptReason.BUG, 'no probe credentials');
      const httpPort = !this.endpoint.starttls && HTTP_PROBE_PORTS.has(this.endpoint.port);
      const host = this.endpoint.serverName ?? this.endpoint.address;
      const attempt = (alpn: boolean) =>
        tlsHandshake(this.endpoint, {
          ...this.#connect(),
          version,
          ...(cred ? { credential: cred } : {}),
          ...(alpn ? { alpn: [...PROBE_ALPN] } : {}),
          // A server that selects http/1.1 by ALPN speaks HTTP whatever its port: ask it, so a check at the HTTP layer is seen.
          after: (s) => watchAfterHandshake(s, this.settings.clientAuthSettleMs, httpPort || s.alpnProtocol === 'http/1.1' ? host : undefined),
        });
      // Off STARTTLS the probes offer ALPN http/1.1 (RFC 7301). A server that refuses the offer (alert 120,
      // no_application_protocol) has not judged the credential: the probe is repeated without ALPN, so the
      // refusal can never pass for a rejected certificate.
      let r = await attempt(!this.endpoint.starttls);
      if (!r.ok && r.error && ALPN_REFUSED.test(r.error)) r = await attempt(false);
      return toObservation(r);
    });
  }

  /** Served chain, trust verdict (revocation skipped: the V9.2.4 checks do it) and the path revocation is judged on. */
  trust(): Promise<TrustView> {
    this.#trust ??= this.#evaluate();
    return this.#trust;
  }

  async #evaluate(): Promise<TrustView> {
    let ders: string[] = [];
    let orderKnown = false;
    const errors: string[] = [];
    const reasons = new Set<AttemptReason>();
    try {
      const f = await this.flight();
      if (f.supported && f.certificates.length > 0) {
        ders = f.certificates;
        orderKnown = true;
      }
    } catch (err) {
      errors.push(messageOf(err));
      reasons.add(reasonOf(err));
    }
    if (ders.length === 0) {
      for (const v of ['TLSv1.3', 'TLSv1.2'] as const) {
        try {
          const h = await this.handshake(v);
          if (h.ok && h.chain.length > 0) {
            ders = h.chain;
            break;
          }
          if (h.error) errors.push(`${v}: ${h.error}`);
        } catch (err) {
          errors.push(messageOf(err));
          reasons.add(reasonOf(err));
        }
      }
    }
    if (ders.length === 0) {
      // Thrown failures carry their reason; a failed handshake is only a message from Node or OpenSSL.
      const connectivity = reasons.has(AttemptReason.CONNECTIVITY) || errors.some((e) => /ECONNREFUSED|EHOSTUNREACH|ENETUNREACH|no answer within|time budget|ECONNRESET|closed/.test(e));
      throw scanFailure(connectivity ? AttemptReason.CONNECTIVITY : AttemptReason.USAGE, `no TLS handshake completed with ${this.target.input}: ${[...new Set(errors)].join('; ') || 'no certificate was sent'}`);
    }
    const served: Certificate[] = [];
    const malformed: string[] = [];
    const parsed = new Set<string>();
    for (const d of ders) {
      try {
        served.push(this.#certificates.get(d, () => unb64(d), parsed.has(d)));
        parsed.add(d);
      } catch (err) {
        malformed.push(messageOf(err));
      }
    }
    const resolved = resolveDestination(this.policy, this.target.host, this.target.port, { at: this.at });
    const verdict = await evaluateTrust(served, { policy: this.policy, host: this.target.host, port: this.target.port, at: this.at, skipRevocation: true });
    const revocationPath = verdict.trusted ? verdict.path : issuerWalk(served, resolved.anchors);
    if (this.ocspCache instanceof ReplayOcspCache) {
      this.ocspCache.prime(revocationPath, { at: this.at, clockSkewMs: resolved.clockSkewMs, maxAgeMs: resolved.revocation.maxResponseAgeMs });
    }
    return { served, orderKnown, malformed, verdict, resolved, revocationPath };
  }
}

function toObservation(r: Awaited<ReturnType<typeof tlsHandshake>>): HandshakeObservation {
  return {
    ok: r.ok,
    ...(r.protocol ? { protocol: r.protocol } : {}),
    chain: r.chain.map(b64),
    ...(r.staple ? { staple: b64(r.staple) } : {}),
    ...(r.error ? { error: r.error } : {}),
    ...(r.after ? { after: r.after } : {}),
  };
}

/**
 * Leaf, then each issuer found by name among the served certificates and the
 * anchors: the best path available when validation failed, so that the
 * revocation of an untrusted chain can still be reported.
 */
export function issuerWalk(served: readonly Certificate[], anchors: readonly Certificate[]): Certificate[] {
  const leaf = served[0];
  if (!leaf) return [];
  const path = [leaf];
  const pool = [...served.slice(1), ...anchors];
  let current = leaf;
  while (!current.isSelfIssued && path.length < 10) {
    const issuer = pool.find((c) => c.subject === current.issuer && !path.includes(c));
    if (!issuer) break;
    path.push(issuer);
    current = issuer;
  }
  return path;
}

/** Longest answer read from a probed server: enough for a status line and a short error page. */
const MAX_PROBE_ANSWER_BYTES = 4096;

/**
 * Watch a completed handshake for a rejection that comes late: in TLS 1.3
 * the server checks the client's certificate after the client's Finished
 * (RFC 8446 §4.4.2.4), so its alert arrives after 'secureConnect'. Some
 * servers (nginx `ssl_verify_client on`) complete the handshake and refuse at
 * the HTTP layer with a 400 naming the certificate; on HTTPS ports a GET is
 * sent to see it. An alert, a close without an answer, or such a 400 is a
 * rejection; an answer, or a connection kept open, is acceptance.
 *
 * Each probe is decided as soon as the protocol allows, so a single-threaded
 * server (openssl s_server serves one connection at a time) is not held for
 * the settle time per probe: off HTTPS ports, TLS 1.2 is decided by the
 * completed handshake itself (the server's Finished follows its reading of
 * the client's Certificate and CertificateVerify, RFC 5246 §7.4.8-7.4.9; a
 * refusal is an alert instead), and TLS 1.3 by a NewSessionTicket, which a
 * server sends only after the client's Finished, hence after the
 * certificate (RFC 8446 §4.6.1). The settle time is the bound for servers
 * that send neither an answer, an alert nor a ticket.
 */
export function watchAfterHandshake(socket: tls.TLSSocket, settleMs: number, httpHost?: string): Promise<AfterOutcome> {
  const protocol = socket.getProtocol();
  if (!httpHost && protocol === 'TLSv1.2') {
    return Promise.resolve({ accepted: true, detail: 'handshake completed: the server sent its Finished after the client\'s certificate message (RFC 5246 §7.4.9)' });
  }
  return new Promise<AfterOutcome>((resolve) => {
    if (!httpHost && protocol === 'TLSv1.3') {
      socket.once('session', () => done({ accepted: true, detail: 'the server sent a session ticket after the client\'s certificate and Finished (RFC 8446 §4.6.1)' }));
    }
    let answer = Buffer.alloc(0);
    const done = (o: AfterOutcome): void => {
      clearTimeout(timer);
      socket.removeAllListeners('data');
      resolve(o);
    };
    const judge = (): AfterOutcome => {
      const text = answer.toString('latin1');
      const status = /^HTTP\/\d(?:\.\d)? (\d{3})/.exec(text)?.[1];
      if (status === '400' && /certificate/i.test(text)) return { accepted: false, detail: `HTTP 400 naming the client certificate (${text.split('\r\n')[0]})` };
      if (status === '495' || status === '496') return { accepted: false, detail: `HTTP ${status}` };
      return { accepted: true, detail: `the server answered: ${JSON.stringify(text.split(/\r?\n/)[0]!.slice(0, 80))}` };
    };
    const timer = setTimeout(() => done(answer.length > 0 ? judge() : { accepted: true, detail: `the connection stayed open for ${settleMs} ms` }), settleMs);
    let judging = false;
    socket.on('data', (chunk: Buffer) => {
      if (judging || answer.length >= MAX_PROBE_ANSWER_BYTES) return;
      answer = Buffer.concat([answer, chunk.subarray(0, MAX_PROBE_ANSWER_BYTES - answer.length)]);
      if (!httpHost || /\r\n\r\n/.test(answer.toString('latin1'))) {
        // Wait for the end of the headers (and a little body) before judging; one wait, however many chunks follow.
        judging = true;
        setTimeout(() => done(judge()), 50);
      }
    });
    socket.once('error', (err) => done({ accepted: false, detail: `alert after the handshake: ${err.message}` }));
    socket.once('close', () => done(answer.length > 0 ? judge() : { accepted: false, detail: 'the server closed the connection without answering' }));
    if (httpHost) socket.write(`GET / HTTP/1.1\r\nHost: ${httpHost}\r\nUser-Agent: certwarden-scan\r\nConnection: close\r\n\r\n`);
  });
}
