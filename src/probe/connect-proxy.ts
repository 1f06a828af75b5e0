/**
 * `--proxy`: a loopback HTTP CONNECT proxy (RFC 9110 §9.3.6) in front of the
 * farm, for clients that reach the network only through a proxy. TLS stays
 * end to end (the proxy relays bytes), so the client must still judge the
 * case server's certificate; the proxy counts tunnels per case port so the
 * runner can tell a client that went around it.
 *
 * It tunnels only to the farm's own ports on loopback: any other target is
 * refused with 403, so a client can never be led off the machine. The name
 * in the CONNECT line is never resolved: a farm port is reached at
 * 127.0.0.1 whatever the name, which is how `--suite limbo` serves a vector
 * for example.com to a client that honours HTTPS_PROXY.
 */
import net, { type AddressInfo, type Socket } from 'node:net';

/** A CONNECT request head larger than this is refused: real ones are a few hundred bytes. */
export const MAX_CONNECT_HEAD_BYTES = 8 * 1024;
/** A client that has not sent its CONNECT head in this long is dropped. */
export const CONNECT_HEAD_TIMEOUT_MS = 10_000;

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

export class ConnectProxy {
  readonly #server: net.Server;
  readonly #sockets = new Set<Socket>();
  readonly #allowedPorts: ReadonlySet<number>;
  /** Ports opened for one case under its own names (limbo: the vector's peer name). */
  readonly #namedPorts = new Map<number, ReadonlySet<string>>();
  readonly #tunnels = new Map<number, number>();
  #port = 0;

  constructor(allowedPorts: Iterable<number>) {
    this.#allowedPorts = new Set(allowedPorts);
    this.#server = net.createServer((s) => this.#accept(s));
  }

  async start(): Promise<void> {
    this.#port = await new Promise<number>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(0, '127.0.0.1', () => resolve((this.#server.address() as AddressInfo).port));
    });
  }

  get url(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  /**
   * Let CONNECT reach `port` under `names` (lower case; IPv6 in brackets)
   * until {@link disallow}: a limbo vector's server, under its peer name.
   */
  allow(port: number, names: Iterable<string>): void {
    this.#namedPorts.set(port, new Set([...names].map((n) => n.toLowerCase())));
  }

  disallow(port: number): void {
    this.#namedPorts.delete(port);
  }

  #allowed(host: string, port: number): boolean {
    if (this.#namedPorts.get(port)?.has(host)) return true;
    return LOOPBACK_NAMES.has(host) && this.#allowedPorts.has(port);
  }

  /** Tunnels opened to a case port so far. */
  tunnels(port: number): number {
    return this.#tunnels.get(port) ?? 0;
  }

  #track(s: Socket): void {
    this.#sockets.add(s);
    s.on('close', () => this.#sockets.delete(s));
    s.on('error', () => s.destroy());
  }

  #accept(client: Socket): void {
    this.#track(client);
    let head = Buffer.alloc(0);
    const timer = setTimeout(() => client.destroy(), CONNECT_HEAD_TIMEOUT_MS);
    const refuse = (status: string): void => {
      clearTimeout(timer);
      client.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
    };
    const onData = (chunk: Buffer): void => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) {
        if (head.length > MAX_CONNECT_HEAD_BYTES) refuse('431 Request Header Fields Too Large');
        return;
      }
      client.off('data', onData);
      const line = head.subarray(0, head.indexOf('\r\n')).toString('latin1');
      const rest = head.subarray(end + 4);
      const m = /^CONNECT (\[[0-9a-fA-F:.]+\]|[A-Za-z0-9_.-]+):(\d{1,5}) HTTP\/1\.[01]$/.exec(line);
      if (!m) return refuse('405 Method Not Allowed');
      const host = m[1]!.toLowerCase();
      const port = Number(m[2]);
      if (!this.#allowed(host, port)) return refuse('403 Forbidden');
      clearTimeout(timer);
      const upstream = net.connect(port, '127.0.0.1');
      this.#track(upstream);
      upstream.once('connect', () => {
        this.#tunnels.set(port, this.tunnels(port) + 1);
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        if (rest.length > 0) upstream.write(rest);
        client.pipe(upstream);
        upstream.pipe(client);
      });
      upstream.once('error', () => refuse('502 Bad Gateway'));
      client.once('close', () => upstream.destroy());
      upstream.once('close', () => client.destroy());
    };
    client.on('data', onData);
  }

  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
