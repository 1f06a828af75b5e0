/**
 * A raw TLS 1.2 handshake read, up to ServerHelloDone, over one connection.
 *
 * Why raw: in TLS 1.2 the server's first flight is plaintext (RFC 5246
 * §7.3), so it shows three facts Node's TLS API hides: the certificate list
 * exactly as served (order included; Node reorders it), the CertificateStatus
 * message (RFC 6066 §8) and, above all, whether the server sends a
 * CertificateRequest (RFC 5246 §7.4.4) and with which CA names. The scanner
 * never completes this handshake: it reads the flight and closes.
 * TLS 1.3 encrypts all of this (RFC 8446 §4.3.2); for a TLS 1.3-only server
 * the scanner falls back to Node's reordered chain and cannot tell whether a
 * client certificate is requested (documented in docs/scan.md).
 */
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { bounded, openSocket, type ConnectOptions, type Endpoint } from './connect.ts';
import { AttemptReason, scanFailure } from './failure.ts';

/** A server's first flight (certificates included) is far below this; anything bigger is refused. */
export const MAX_FIRST_FLIGHT_BYTES = 512 * 1024;

const RECORD_HANDSHAKE = 0x16;
const RECORD_ALERT = 0x15;
const HS_SERVER_HELLO = 2;
const HS_CERTIFICATE = 11;
const HS_CERTIFICATE_REQUEST = 13;
const HS_SERVER_HELLO_DONE = 14;
const HS_CERTIFICATE_STATUS = 22;
/** RFC 6066 §8: CertificateStatusType ocsp(1). */
const STATUS_TYPE_OCSP = 1;

/** ECDHE, DHE and RSA suites with AES-GCM, ChaCha20 and AES-CBC: what a TLS 1.2 server of the last decade accepts. */
const CIPHER_SUITES = [0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc009, 0xc013, 0xc00a, 0xc014, 0x009e, 0x009f, 0x009c, 0x009d, 0x002f, 0x0035];
const GROUPS = [0x001d, 0x0017, 0x0018, 0x0019];
const SIGNATURE_ALGORITHMS = [0x0403, 0x0503, 0x0603, 0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601, 0x0807, 0x0808, 0x0203, 0x0201];

export interface Tls12Flight {
  /** Whether the server accepted TLS 1.2 (sent a ServerHello). */
  supported: boolean;
  /** Alert description when the server refused (e.g. 70 protocol_version). */
  alert?: number;
  /** Certificates in the order served, DER. */
  certificates: Uint8Array[];
  staple?: Uint8Array;
  certificateRequested: boolean;
  /** DER Distinguished Names the server lists as acceptable client CAs. */
  acceptableCaNames: Uint8Array[];
}

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}
function vec16(...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  return Buffer.concat([u16(body.length), body]);
}
function ext(type: number, body: Buffer): Buffer {
  return Buffer.concat([u16(type), vec16(body)]);
}

export function clientHello(serverName?: string): Buffer {
  const exts: Buffer[] = [];
  if (serverName) {
    const name = Buffer.from(serverName, 'ascii');
    exts.push(ext(0x0000, vec16(Buffer.from([0]), vec16(name))));
  }
  exts.push(ext(0x0005, Buffer.from([STATUS_TYPE_OCSP, 0, 0, 0, 0])));
  exts.push(ext(0x000a, vec16(...GROUPS.map(u16))));
  exts.push(ext(0x000b, Buffer.from([1, 0])));
  exts.push(ext(0x000d, vec16(...SIGNATURE_ALGORITHMS.map(u16))));
  exts.push(ext(0x0017, Buffer.alloc(0)));
  exts.push(ext(0xff01, Buffer.from([0])));
  const body = Buffer.concat([
    Buffer.from([0x03, 0x03]),
    randomBytes(32),
    Buffer.from([0]),
    vec16(...CIPHER_SUITES.map(u16)),
    Buffer.from([1, 0]),
    vec16(...exts),
  ]);
  const hs = Buffer.concat([Buffer.from([1, (body.length >> 16) & 0xff, (body.length >> 8) & 0xff, body.length & 0xff]), body]);
  return Buffer.concat([Buffer.from([RECORD_HANDSHAKE, 0x03, 0x01]), u16(hs.length), hs]);
}

function u24(b: Buffer, at: number): number {
  return (b[at]! << 16) | (b[at + 1]! << 8) | b[at + 2]!;
}

function parseCertificateList(body: Buffer): Uint8Array[] {
  const total = u24(body, 0);
  const out: Uint8Array[] = [];
  let at = 3;
  while (at < 3 + total) {
    const len = u24(body, at);
    out.push(new Uint8Array(body.subarray(at + 3, at + 3 + len)));
    at += 3 + len;
  }
  return out;
}

function parseCertificateRequest(body: Buffer): Uint8Array[] {
  let at = 1 + body[0]!; // certificate_types
  at += 2 + body.readUInt16BE(at); // supported_signature_algorithms
  const end = at + 2 + body.readUInt16BE(at);
  at += 2;
  const names: Uint8Array[] = [];
  while (at + 2 <= end) {
    const len = body.readUInt16BE(at);
    names.push(new Uint8Array(body.subarray(at + 2, at + 2 + len)));
    at += 2 + len;
  }
  return names;
}

/** Feed records; returns the flight once ServerHelloDone (or an alert) is seen. */
export class FlightParser {
  #records = Buffer.alloc(0);
  #handshake = Buffer.alloc(0);
  readonly flight: Tls12Flight = { supported: false, certificates: [], certificateRequested: false, acceptableCaNames: [] };
  done = false;

  push(chunk: Buffer): void {
    this.#records = Buffer.concat([this.#records, chunk]);
    while (!this.done && this.#records.length >= 5) {
      const type = this.#records[0]!;
      // RFC 5246 §6.2.1: content types 20-23, protocol major version 3. Anything else is not TLS (e.g. plain HTTP).
      if (type < 0x14 || type > 0x17 || this.#records[1] !== 0x03) throw scanFailure(AttemptReason.USAGE, 'the server does not speak TLS on this port (not a TLS record)');
      const len = this.#records.readUInt16BE(3);
      if (this.#records.length < 5 + len) return;
      const fragment = this.#records.subarray(5, 5 + len);
      this.#records = this.#records.subarray(5 + len);
      if (type === RECORD_ALERT) {
        this.flight.alert = fragment[1];
        this.done = true;
      } else if (type === RECORD_HANDSHAKE) {
        this.#handshake = Buffer.concat([this.#handshake, fragment]);
        this.#messages();
      } else {
        throw scanFailure(AttemptReason.USAGE, `unexpected TLS record type ${type} before ServerHelloDone`);
      }
    }
  }

  #messages(): void {
    while (!this.done && this.#handshake.length >= 4) {
      const type = this.#handshake[0]!;
      const len = u24(this.#handshake, 1);
      if (this.#handshake.length < 4 + len) return;
      const body = this.#handshake.subarray(4, 4 + len);
      this.#handshake = this.#handshake.subarray(4 + len);
      if (type === HS_SERVER_HELLO) this.flight.supported = body.readUInt16BE(0) === 0x0303;
      else if (type === HS_CERTIFICATE) this.flight.certificates = parseCertificateList(body);
      else if (type === HS_CERTIFICATE_STATUS && body[0] === STATUS_TYPE_OCSP) this.flight.staple = new Uint8Array(body.subarray(4, 4 + u24(body, 1)));
      else if (type === HS_CERTIFICATE_REQUEST) {
        this.flight.certificateRequested = true;
        this.flight.acceptableCaNames = parseCertificateRequest(body);
      } else if (type === HS_SERVER_HELLO_DONE) this.done = true;
    }
  }
}

/** Read a TLS 1.2 server's first flight. A refusal (alert, close) is `supported: false`, not an exception. */
export function readTls12Flight(endpoint: Endpoint, o: ConnectOptions): Promise<Tls12Flight> {
  const socket = new net.Socket();
  return bounded(
    `TLS 1.2 first flight from ${endpoint.address}:${endpoint.port}`,
    o,
    async () => {
      await openSocket(endpoint, socket.connect({ host: endpoint.address, port: endpoint.port }));
      const parser = new FlightParser();
      return await new Promise<Tls12Flight>((resolve, reject) => {
        let size = 0;
        const finish = (): void => {
          socket.removeAllListeners('data');
          socket.destroy();
          resolve(parser.flight);
        };
        socket.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_FIRST_FLIGHT_BYTES) {
            socket.destroy();
            return reject(scanFailure(AttemptReason.CONNECTIVITY, `the server's first flight exceeded ${MAX_FIRST_FLIGHT_BYTES} bytes`));
          }
          try {
            parser.push(chunk);
          } catch (err) {
            socket.destroy();
            return reject(err);
          }
          if (parser.done) finish();
        });
        socket.once('close', finish);
        socket.once('error', finish);
        socket.resume();
        socket.write(clientHello(endpoint.serverName));
      });
    },
    () => socket.destroy(),
  );
}
