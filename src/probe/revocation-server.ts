/**
 * The farm's OCSP responder and CRL server, one loopback HTTP listener for
 * every issuer of the farm, plus a "down" listener that resets every
 * connection (the responder-down case).
 *
 * Each issuer signs its own OCSP answers (RFC 6960 §4.2.2.2: the CA itself is
 * authorised) and its CRL, with the project's builders. Answers come from a
 * per-issuer status table: a serial the table does not hold is `unknown`,
 * never `good`.
 */
import http from 'node:http';
import net, { type AddressInfo, type Socket } from 'node:net';
import type { KeyObject } from 'node:crypto';
import type { Certificate } from '../x509/certificate.ts';
import { buildErrorResponse, buildOcspResponse } from '../ocsp/builder.ts';
import { parseOcspRequest, MAX_OCSP_REQUEST_BYTES } from '../ocsp/request-parse.ts';
import { certIdHashByOid, issuerKeyHash } from '../ocsp/cert-id.ts';
import { buildCrl } from '../crl/builder.ts';

export type SerialStatus = 'good' | 'revoked' | 'unknown';

export interface FarmIssuer {
  /** Path segment in the URLs: letters, digits, dashes. */
  name: string;
  certificate: Certificate;
  privateKey: KeyObject;
}

/** Revocation time written in revoked answers: an hour ago, so it precedes every staple's thisUpdate. */
export const REVOKED_AGO_MS = 3_600_000;
/** CRLs and good answers are valid for a day (RFC 5019 §2.2.4 style); a probe run lasts seconds. */
export const ANSWER_VALIDITY_MS = 86_400_000;
/** thisUpdate a minute in the past absorbs small clock differences between the farm and a client. */
const BACKDATE_MS = 60_000;

interface IssuerEntry {
  issuer: FarmIssuer;
  statuses: Map<string, SerialStatus>;
  crl?: Buffer;
}

export class RevocationServer {
  readonly #issuers = new Map<string, IssuerEntry>();
  readonly #server: http.Server;
  readonly #down: net.Server;
  readonly #sockets = new Set<Socket>();
  #port = 0;
  #downPort = 0;
  /** Requests answered, by kind (bench and tests look at them). */
  readonly counts = { ocsp: 0, crl: 0 };

  constructor() {
    this.#server = http.createServer((req, res) => this.#handle(req, res));
    this.#down = net.createServer((s) => s.resetAndDestroy());
    for (const srv of [this.#server, this.#down]) {
      srv.on('connection', (s: Socket) => {
        this.#sockets.add(s);
        s.on('close', () => this.#sockets.delete(s));
        s.on('error', () => {});
      });
    }
  }

  async start(): Promise<void> {
    const listen = (srv: net.Server): Promise<number> =>
      new Promise((resolve, reject) => {
        srv.once('error', reject);
        srv.listen(0, '127.0.0.1', () => resolve((srv.address() as AddressInfo).port));
      });
    this.#port = await listen(this.#server);
    this.#downPort = await listen(this.#down);
  }

  ocspUrl(issuer: string): string {
    return `http://127.0.0.1:${this.#port}/ocsp/${issuer}`;
  }
  crlUrl(issuer: string): string {
    return `http://127.0.0.1:${this.#port}/crl/${issuer}.crl`;
  }
  downOcspUrl(): string {
    return `http://127.0.0.1:${this.#downPort}/ocsp`;
  }
  downCrlUrl(): string {
    return `http://127.0.0.1:${this.#downPort}/crl.crl`;
  }

  addIssuer(issuer: FarmIssuer): void {
    this.#issuers.set(issuer.name, { issuer, statuses: new Map() });
  }

  /** Record a certificate's status with its issuer (the CRL is re-signed on the next fetch). */
  setStatus(issuerName: string, serialHex: string, status: SerialStatus): void {
    const e = this.#issuers.get(issuerName)!;
    e.statuses.set(serialHex, status);
    delete e.crl;
  }

  /** A signed OCSP answer about `cert` from its issuer, for staples (`at` shifts the validity window). */
  staple(issuerName: string, cert: Certificate, status: SerialStatus, at: Date = new Date()): Buffer {
    const { issuer } = this.#issuers.get(issuerName)!;
    return buildOcspResponse({
      issuer: issuer.certificate,
      signer: issuer,
      producedAt: at,
      responses: [{ certificate: cert, status, thisUpdate: new Date(at.getTime() - BACKDATE_MS), ...(status === 'revoked' ? { revocationTime: new Date(at.getTime() - REVOKED_AGO_MS), reason: 'keyCompromise' as const } : {}) }],
    });
  }

  #answer(body: Buffer): Buffer {
    let request;
    try {
      request = parseOcspRequest(body);
    } catch {
      return buildErrorResponse('malformedRequest');
    }
    const id = request.certIds[0];
    if (!id) return buildErrorResponse('malformedRequest');
    const hash = certIdHashByOid(id.hashAlgorithmOid);
    const entry = hash ? [...this.#issuers.values()].find((e) => issuerKeyHash(e.issuer.certificate, hash).equals(id.issuerKeyHash)) : undefined;
    if (!entry || !hash) return buildErrorResponse('unauthorized');
    const status = entry.statuses.get(id.serialHex) ?? 'unknown';
    const now = new Date();
    return buildOcspResponse({
      issuer: entry.issuer.certificate,
      signer: entry.issuer,
      hashAlgorithm: hash,
      responses: [
        {
          serial: id.serialBytes,
          status,
          thisUpdate: new Date(now.getTime() - BACKDATE_MS),
          ...(status === 'revoked' ? { revocationTime: new Date(now.getTime() - REVOKED_AGO_MS), reason: 'keyCompromise' as const } : {}),
        },
      ],
      ...(request.nonce ? { nonce: request.nonce } : {}),
    });
  }

  #crl(entry: IssuerEntry): Buffer {
    if (!entry.crl) {
      const now = Date.now();
      entry.crl = buildCrl({
        issuer: entry.issuer,
        thisUpdate: new Date(now - BACKDATE_MS),
        nextUpdate: new Date(now + ANSWER_VALIDITY_MS),
        entries: [...entry.statuses].filter(([, s]) => s === 'revoked').map(([serial]) => ({ serial, revocationDate: new Date(now - REVOKED_AGO_MS), reason: 'keyCompromise' as const })),
      });
    }
    return entry.crl;
  }

  #handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const send = (status: number, type: string, body: Buffer): void => {
      res.writeHead(status, { 'content-type': type, 'content-length': body.length, 'cache-control': 'no-store', connection: 'close' });
      res.end(body);
    };
    const url = req.url ?? '/';
    const crl = /^\/crl\/([a-z0-9-]+)\.crl$/.exec(url);
    const ocsp = /^\/ocsp\/([a-z0-9-]+)(?:\/(.+))?$/.exec(url);
    if (req.method === 'GET' && crl) {
      const entry = this.#issuers.get(crl[1]!);
      if (!entry) return send(404, 'text/plain', Buffer.from('no such CRL\n'));
      this.counts.crl++;
      return send(200, 'application/pkix-crl', this.#crl(entry));
    }
    if (ocsp && req.method === 'GET' && ocsp[2]) {
      let der: Buffer;
      try {
        der = Buffer.from(decodeURIComponent(ocsp[2]), 'base64');
      } catch {
        // A malformed %-escape (URIError): RFC 6960 §2.3 malformedRequest, not a crash of the farm.
        return send(200, 'application/ocsp-response', buildErrorResponse('malformedRequest'));
      }
      this.counts.ocsp++;
      return send(200, 'application/ocsp-response', this.#answer(der));
    }
    if (ocsp && req.method === 'POST') {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_OCSP_REQUEST_BYTES) req.destroy();
        else chunks.push(chunk);
      });
      req.on('end', () => {
        this.counts.ocsp++;
        send(200, 'application/ocsp-response', this.#answer(Buffer.concat(chunks)));
      });
      return;
    }
    send(404, 'text/plain', Buffer.from('not found\n'));
  }

  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await Promise.all([this.#server, this.#down].map((srv) => new Promise<void>((resolve) => srv.close(() => resolve()))));
  }
}
