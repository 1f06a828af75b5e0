/**
 * Fake STARTTLS servers for the scan tests: a plaintext dialogue scripted per
 * connection, then (on `upgrade`) a real TLS server on the same socket
 * (tls.TLSSocket), serving a chain minted by the test.
 */
import net from 'node:net';
import tls from 'node:tls';
import type { AddressInfo } from 'node:net';

/** The server side of one connection's plaintext dialogue. */
export interface Dialogue {
  /** The next line the client sent, without CRLF. */
  line(): Promise<string>;
  /** The next `n` bytes the client sent. */
  bytes(n: number): Promise<Buffer>;
  send(data: string | Buffer): Promise<void>;
  /** Write the go-ahead, then speak TLS on the same socket. */
  upgrade(goAhead: string | Buffer): Promise<void>;
  readonly socket: net.Socket;
}

export type Script = (d: Dialogue) => Promise<void>;

export interface TlsIdentity {
  context: tls.SecureContext;
  /** Never listening: it only answers the upgraded sockets' OCSPRequest events (see tlsIdentity). */
  server: tls.Server;
}

/** The TLS side of the fakes: a chain and, when given, the OCSP response it staples (RFC 6066 §8). */
export function tlsIdentity(certPem: string, keyPem: string, staple?: Buffer): TlsIdentity {
  const server = tls.createServer({ cert: certPem, key: keyPem });
  if (staple) server.on('OCSPRequest', (_c: Buffer, _i: Buffer, cb: (e: Error | null, r?: Buffer) => void) => cb(null, staple));
  return { context: tls.createSecureContext({ cert: certPem, key: keyPem }), server };
}

class ConnectionDialogue implements Dialogue {
  #buffer = Buffer.alloc(0);
  #wake: (() => void) | undefined;
  #closed = false;
  readonly socket: net.Socket;
  readonly #identity: TlsIdentity;

  constructor(socket: net.Socket, identity: TlsIdentity) {
    this.socket = socket;
    this.#identity = identity;
    socket.on('data', this.#onData);
    socket.on('close', () => {
      this.#closed = true;
      this.#wake?.();
    });
  }

  readonly #onData = (chunk: Buffer): void => {
    this.#buffer = Buffer.concat([this.#buffer, chunk]);
    this.#wake?.();
  };

  async #until<T>(take: () => T | undefined): Promise<T> {
    for (;;) {
      const v = take();
      if (v !== undefined) return v;
      if (this.#closed) throw new Error('client closed');
      await new Promise<void>((r) => (this.#wake = r));
    }
  }

  line(): Promise<string> {
    return this.#until(() => {
      const lf = this.#buffer.indexOf(0x0a);
      if (lf < 0) return undefined;
      const l = this.#buffer.toString('latin1', 0, lf).replace(/\r$/, '');
      this.#buffer = this.#buffer.subarray(lf + 1);
      return l;
    });
  }

  bytes(n: number): Promise<Buffer> {
    return this.#until(() => {
      if (this.#buffer.length < n) return undefined;
      const b = this.#buffer.subarray(0, n);
      this.#buffer = this.#buffer.subarray(n);
      return b;
    });
  }

  send(data: string | Buffer): Promise<void> {
    return new Promise((resolve) => {
      if (this.socket.destroyed) return resolve();
      this.socket.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data, () => resolve());
    });
  }

  async upgrade(goAhead: string | Buffer): Promise<void> {
    // Stop reading plaintext so the ClientHello stays in the kernel for the TLS layer.
    this.socket.pause();
    this.socket.off('data', this.#onData);
    await this.send(goAhead);
    if (this.socket.destroyed) return;
    // A bare TLSSocket emits no OCSPRequest: Node asks the `server` it belongs to.
    const t = new tls.TLSSocket(this.socket, { isServer: true, secureContext: this.#identity.context, server: this.#identity.server });
    t.on('error', () => {});
  }
}

export class FakeServers {
  readonly #servers: net.Server[] = [];
  readonly #sockets = new Set<net.Socket>();
  /** Connections each server still has open, by port (to prove the scanner let go). */
  readonly open = new Map<number, Set<net.Socket>>();
  readonly #identity: TlsIdentity;

  constructor(identity: TlsIdentity) {
    this.#identity = identity;
  }

  /** A loopback server running `script` on every connection; resolves with its port. */
  async start(script: Script): Promise<number> {
    const mine = new Set<net.Socket>();
    const server = net.createServer((socket) => {
      this.#sockets.add(socket);
      mine.add(socket);
      socket.on('error', () => {});
      socket.on('close', () => {
        this.#sockets.delete(socket);
        mine.delete(socket);
      });
      script(new ConnectionDialogue(socket, this.#identity)).catch(() => socket.destroy());
    });
    this.#servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    this.open.set(port, mine);
    return port;
  }

  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await Promise.all(this.#servers.map((s) => new Promise((r) => s.close(r))));
  }
}

/** A BER TLV with a long-form 4-octet length, as OpenLDAP's liblber writes them (RFC 4511 §5.1 allows it). */
export function berLong(tag: number, ...content: Buffer[]): Buffer {
  const body = Buffer.concat(content);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(body.length);
  return Buffer.concat([Buffer.from([tag, 0x84]), len, body]);
}

/** A BER TLV with a short-form length. */
export function ber(tag: number, ...content: Buffer[]): Buffer {
  const body = Buffer.concat(content);
  if (body.length > 0x7f) throw new RangeError('short form only');
  return Buffer.concat([Buffer.from([tag, body.length]), body]);
}

/** RFC 4511 §4.12 ExtendedResponse in an LDAPMessage; `resultCode` is the raw ENUMERATED content. */
export function ldapExtendedResponse(o: { messageId?: number; resultCode: Buffer; diagnostic?: string; responseName?: string; long?: boolean }): Buffer {
  const t = o.long ? berLong : ber;
  const fields = [ber(0x0a, o.resultCode), ber(0x04, Buffer.alloc(0)), ber(0x04, Buffer.from(o.diagnostic ?? '', 'utf8'))];
  if (o.responseName !== undefined) fields.push(ber(0x8a, Buffer.from(o.responseName, 'latin1')));
  return t(0x30, ber(0x02, Buffer.from([o.messageId ?? 1])), t(0x78, ...fields));
}

/** Whether `data` is the LDAP StartTLS ExtendedRequest (RFC 4511 §4.14.1). */
export function isLdapStartTls(data: Buffer): boolean {
  return data.includes(Buffer.from('1.3.6.1.4.1.1466.20037', 'latin1')) && data[0] === 0x30;
}
