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
import { BoundedReader, ByteQueue, malformed } from './tls-bytes.ts';

/**
 * A server's first flight (certificates included) is far below this; anything
 * bigger is refused. It bounds the memory one target's probe can take, and
 * (each record being at least 6 bytes) the number of records parsed.
 */
export const MAX_FIRST_FLIGHT_BYTES = 512 * 1024;
/** RFC 5246 §6.2.1, RFC 8446 §5.1: a plaintext record's fragment is at most 2^14 bytes (record_overflow beyond). */
export const MAX_PLAINTEXT_RECORD_BYTES = 2 ** 14;
/**
 * One handshake message (a Certificate message, in practice the largest) is
 * refused past this before its bytes are awaited. The protocol allows 2^24-1
 * (RFC 5246 §7.4); OpenSSL's default cap on a peer's certificate list is
 * 100 KiB (SSL_CTX_set_max_cert_list), and real chains are a few KiB.
 */
export const MAX_HANDSHAKE_MESSAGE_BYTES = 256 * 1024;
/**
 * Certificates accepted in one Certificate message. Real chains are 2-4;
 * a misconfigured server sending a whole CA bundle reaches a dozen or two.
 * Each is parsed and path-built later, so the count is capped.
 */
export const MAX_CERTIFICATES_PER_CHAIN = 32;
/** CA names accepted in one CertificateRequest (RFC 5246 §7.4.4): real lists are a handful, large ones a few hundred. */
export const MAX_ACCEPTABLE_CA_NAMES = 1024;

const RECORD_HEADER_BYTES = 5;
const HANDSHAKE_HEADER_BYTES = 4;

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

/**
 * RFC 5246 §7.4.2 / RFC 8446 §4.4.2: certificate_list<0..2^24-1> of
 * ASN.1Cert<1..2^24-1>. The list length must match the message exactly and
 * each certificate must fit inside it.
 */
function parseCertificateList(body: Buffer): Uint8Array[] {
  const message = new BoundedReader(body, 'Certificate');
  const list = message.vector(3, 'certificate_list');
  if (message.remaining !== 0) throw malformed(`Certificate: ${message.remaining} bytes after the certificate_list`);
  const out: Uint8Array[] = [];
  while (list.remaining > 0) {
    if (out.length === MAX_CERTIFICATES_PER_CHAIN) throw malformed(`Certificate: more than ${MAX_CERTIFICATES_PER_CHAIN} certificates`);
    const len = list.u24('certificate length');
    if (len === 0) throw malformed('Certificate: an empty certificate entry');
    out.push(new Uint8Array(list.bytes(len, 'certificate')));
  }
  return out;
}

/** RFC 5246 §7.4.4: certificate_types<1..2^8-1>, supported_signature_algorithms<2..2^16-2>, certificate_authorities<0..2^16-1>. */
function parseCertificateRequest(body: Buffer): Uint8Array[] {
  const message = new BoundedReader(body, 'CertificateRequest');
  message.vector(1, 'certificate_types');
  message.vector(2, 'supported_signature_algorithms');
  const authorities = message.vector(2, 'certificate_authorities');
  const names: Uint8Array[] = [];
  while (authorities.remaining > 0) {
    if (names.length === MAX_ACCEPTABLE_CA_NAMES) throw malformed(`CertificateRequest: more than ${MAX_ACCEPTABLE_CA_NAMES} CA names`);
    names.push(new Uint8Array(authorities.opaque(2, 'DistinguishedName')));
  }
  return names;
}

/** RFC 6066 §8: CertificateStatus { status_type; OCSPResponse ocsp_response<1..2^24-1> }. */
function parseCertificateStatus(body: Buffer): Uint8Array | undefined {
  const message = new BoundedReader(body, 'CertificateStatus');
  if (message.u8('status_type') !== STATUS_TYPE_OCSP) return undefined;
  const response = message.u24('ocsp_response length');
  if (response === 0) throw malformed('CertificateStatus: an empty OCSP response');
  return new Uint8Array(message.bytes(response, 'ocsp_response'));
}

/** RFC 5246 §7.4.1.3: ServerHello starts with server_version. */
function serverVersion(body: Buffer): number {
  return new BoundedReader(body, 'ServerHello').u16('server_version');
}

/**
 * Feed received bytes; the flight is complete once ServerHelloDone (or an
 * alert) is seen. Every length is checked against the protocol's maxima
 * before any byte it claims is awaited, and against the bytes received
 * before it is used; anything else is a typed failure (tls-bytes.ts).
 */
export class FlightParser {
  readonly #records = new ByteQueue();
  readonly #handshake = new ByteQueue();
  /** Bytes the next record needs in all (header + fragment), once its header was read. */
  #recordNeeds = 0;
  #recordType = 0;
  /** Bytes the next handshake message needs in all (header + body), once its header was read. */
  #messageNeeds = 0;
  readonly flight: Tls12Flight = { supported: false, certificates: [], certificateRequested: false, acceptableCaNames: [] };
  done = false;

  push(chunk: Buffer): void {
    if (this.done) return;
    this.#records.push(chunk);
    while (!this.done) {
      if (this.#recordNeeds === 0) {
        if (this.#records.length < RECORD_HEADER_BYTES) return;
        const header = this.#records.peek(RECORD_HEADER_BYTES);
        const type = header[0]!;
        // RFC 5246 §6.2.1: content types 20-23, protocol major version 3. Anything else is not TLS (e.g. plain HTTP).
        if (type < 0x14 || type > 0x17 || header[1] !== 0x03) throw scanFailure(AttemptReason.USAGE, 'the server does not speak TLS on this port (not a TLS record)');
        const len = header.readUInt16BE(3);
        if (len > MAX_PLAINTEXT_RECORD_BYTES) throw malformed(`a ${len}-byte record (a plaintext record is at most ${MAX_PLAINTEXT_RECORD_BYTES}, RFC 5246 §6.2.1)`);
        // RFC 5246 §6.2.1: no zero-length handshake or alert fragments (and application data has no place in a first flight).
        if (len === 0) throw malformed('a zero-length record (RFC 5246 §6.2.1)');
        this.#recordType = type;
        this.#recordNeeds = RECORD_HEADER_BYTES + len;
      }
      if (this.#records.length < this.#recordNeeds) return;
      const fragment = this.#records.take(this.#recordNeeds).subarray(RECORD_HEADER_BYTES);
      this.#recordNeeds = 0;
      if (this.#recordType === RECORD_ALERT) {
        // RFC 5246 §7.2: struct { AlertLevel level; AlertDescription description; }.
        if (fragment.length < 2) throw malformed(`a ${fragment.length}-byte alert`);
        this.flight.alert = fragment[1];
        this.done = true;
      } else if (this.#recordType === RECORD_HANDSHAKE) {
        this.#handshake.push(fragment);
        this.#messages();
      } else {
        throw scanFailure(AttemptReason.USAGE, `unexpected TLS record type ${this.#recordType} before ServerHelloDone`);
      }
    }
  }

  #messages(): void {
    while (!this.done) {
      if (this.#messageNeeds === 0) {
        if (this.#handshake.length < HANDSHAKE_HEADER_BYTES) return;
        const header = this.#handshake.peek(HANDSHAKE_HEADER_BYTES);
        const len = header.readUIntBE(1, 3);
        if (len > MAX_HANDSHAKE_MESSAGE_BYTES) throw malformed(`a handshake message (type ${header[0]}) claims ${len} bytes, over the ${MAX_HANDSHAKE_MESSAGE_BYTES}-byte cap`);
        this.#messageNeeds = HANDSHAKE_HEADER_BYTES + len;
      }
      if (this.#handshake.length < this.#messageNeeds) return;
      const message = this.#handshake.take(this.#messageNeeds);
      this.#messageNeeds = 0;
      const type = message[0]!;
      const body = message.subarray(HANDSHAKE_HEADER_BYTES);
      if (type === HS_SERVER_HELLO) this.flight.supported = serverVersion(body) === 0x0303;
      else if (type === HS_CERTIFICATE) this.flight.certificates = parseCertificateList(body);
      else if (type === HS_CERTIFICATE_STATUS) {
        const staple = parseCertificateStatus(body);
        if (staple) this.flight.staple = staple;
      } else if (type === HS_CERTIFICATE_REQUEST) {
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
