/**
 * The bad-server farm: one loopback HTTPS server per case (Node https), the
 * revocation server, and the files a client is pointed at. Servers are
 * started once per run and reused by every client run against them; each
 * records, server side, whether a handshake completed and whether an HTTP
 * request arrived, so the runner can compare that with the client's exit
 * status.
 *
 * One client run at a time per case ({@link Farm.acquire}): the counters are
 * then the run's own.
 */
import https from 'node:https';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo, Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { spkiPin } from '../x509/pin.ts';
import { CASES, type CaseId, type CaseSpec } from './cases.ts';
import { mintFarmPki, PIN_HOST, type CaseMaterial, type FarmPki } from './farm-pki.ts';
import { RevocationServer } from './revocation-server.ts';

/** What the server saw during one client run. */
export interface ServerObservation {
  /** TLS handshakes that completed. */
  handshakes: number;
  /** HTTP requests that arrived (after a completed handshake, by construction). */
  requests: number;
  /** --proxy: tunnels the proxy opened to the case server during the run. */
  tunnels?: number;
}

export interface CaseEndpoint {
  id: CaseId;
  host: string;
  port: number;
  url: string;
}

/** Body of every answer: short, so a client's download is instant. */
const RESPONSE_BODY = 'certwarden probe: connection accepted\n';
/** OpenSSL cipher string that lets a server load an RSA-1024 or SHA-1 certificate (security level 0). */
const WEAK_SERVER_CIPHERS = 'DEFAULT:@SECLEVEL=0';

interface CaseServer {
  endpoint: CaseEndpoint;
  server: https.Server;
  seen: ServerObservation;
  /** Resolves when the current holder releases the case. */
  busy: Promise<void>;
}

export interface FarmOptions {
  /** Folder for ca.pem and the case chains; default a temporary folder removed on close. */
  dir?: string;
}

export class Farm {
  readonly #rev: RevocationServer;
  readonly #servers = new Map<CaseId, CaseServer>();
  readonly #sockets = new Set<Socket>();
  readonly #ownsDir: boolean;
  readonly dir: string;
  readonly caPath: string;
  readonly pin: string;
  readonly pinHost = PIN_HOST;
  readonly pki: FarmPki;

  private constructor(rev: RevocationServer, pki: FarmPki, dir: string, ownsDir: boolean) {
    this.#rev = rev;
    this.pki = pki;
    this.dir = dir;
    this.#ownsDir = ownsDir;
    this.caPath = join(dir, 'ca.pem');
    this.pin = spkiPin(pki.pinned.certificate);
  }

  /** Mint the PKI and start the revocation server and one server per servable case. */
  static async start(options: FarmOptions = {}): Promise<Farm> {
    const rev = new RevocationServer();
    await rev.start();
    const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'certwarden-probe-')));
    if (options.dir) await mkdir(dir, { recursive: true });
    const farm = new Farm(rev, mintFarmPki(rev), dir, options.dir === undefined);
    try {
      await writeFile(farm.caPath, farm.pki.root.certificate.toPem());
      await writeFile(join(dir, 'pinned.pem'), farm.pki.pinned.certificate.toPem());
      for (const spec of CASES as readonly CaseSpec[]) {
        const material = farm.pki.cases.get(spec.id as CaseId);
        if (!material) continue;
        await writeFile(join(dir, `${spec.id}.chain.pem`), material.chain.map((c) => c.toPem()).join(''));
        farm.#servers.set(spec.id as CaseId, await farm.#serve(spec.id as CaseId, material));
      }
    } catch (err) {
      await farm.close();
      throw err;
    }
    return farm;
  }

  async #serve(id: CaseId, m: CaseMaterial): Promise<CaseServer> {
    const seen: ServerObservation = { handshakes: 0, requests: 0 };
    const server = https.createServer(
      {
        cert: m.chain.map((c) => c.toPem()).join(''),
        key: m.key.export({ format: 'pem', type: 'pkcs8' }),
        ...(m.weakTls ? { ciphers: WEAK_SERVER_CIPHERS } : {}),
      },
      (req, res) => {
        seen.requests++;
        req.resume();
        res.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(RESPONSE_BODY), connection: 'close' });
        res.end(RESPONSE_BODY);
      },
    );
    if (m.staple) {
      const staple = m.staple;
      server.on('OCSPRequest', (_cert: Buffer, _issuer: Buffer, done: (err: Error | null, response?: Buffer) => void) => done(null, staple));
    }
    server.on('secureConnection', (s: TLSSocket) => {
      seen.handshakes++;
      s.on('error', () => {});
    });
    server.on('connection', (s: Socket) => {
      this.#sockets.add(s);
      s.on('close', () => this.#sockets.delete(s));
    });
    server.on('tlsClientError', () => {});
    server.on('clientError', (_err, s) => s.destroy());
    const host = m.host;
    const port = await new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
    });
    return { endpoint: { id, host, port, url: `https://${host}:${port}/` }, server, seen, busy: Promise.resolve() };
  }

  endpoint(id: CaseId): CaseEndpoint | undefined {
    return this.#servers.get(id)?.endpoint;
  }

  /** Hold a case for one client run: waits for the previous holder, resets the counters; call the returned release when done. */
  async acquire(id: CaseId): Promise<{ endpoint: CaseEndpoint; seen: () => ServerObservation; release: () => void }> {
    const s = this.#servers.get(id);
    if (!s) throw new Error(`case ${id} is not served`);
    const previous = s.busy;
    let release!: () => void;
    s.busy = new Promise<void>((resolve) => (release = resolve));
    await previous;
    s.seen.handshakes = 0;
    s.seen.requests = 0;
    return { endpoint: s.endpoint, seen: () => ({ ...s.seen }), release };
  }

  /** OCSP and CRL requests the revocation server answered so far. */
  revocationCounts(): { ocsp: number; crl: number } {
    return { ...this.#rev.counts };
  }

  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await Promise.all([...this.#servers.values()].map((s) => new Promise<void>((resolve) => s.server.close(() => resolve()))));
    await this.#rev.close();
    if (this.#ownsDir) await rm(this.dir, { recursive: true, force: true });
  }
}
