/** A plain Node TLS client that reports what a server sent: its certificate chain and its staple. */
import { connect, type PeerCertificate } from 'node:tls';

export interface ProbeResult {
  /** DER of each certificate the server sent, leaf first. */
  chain: Buffer[];
  /** The stapled OCSP response, or undefined when none was sent. */
  staple: Buffer | undefined;
  /** Whether the handshake completed. */
  connected: boolean;
  error?: string;
}

export interface ProbeOptions {
  port: number;
  servername?: string;
  /** Client certificate and key to present, PEM. */
  cert?: string;
  key?: string;
}

/** Handshake once, asking for a staple, accepting any certificate (the probe reports, it does not judge). */
export function probeTls(o: ProbeOptions): Promise<ProbeResult> {
  return new Promise((resolve) => {
    let staple: Buffer | undefined;
    const socket = connect({
      host: '127.0.0.1',
      port: o.port,
      servername: o.servername ?? 'localhost',
      requestOCSP: true,
      rejectUnauthorized: false,
      ...(o.cert ? { cert: o.cert, key: o.key } : {}),
    });
    // Node emits null when the server sent no staple.
    socket.on('OCSPResponse', (r: Buffer | null) => (staple = r ?? undefined));
    socket.once('secureConnect', () => {
      const chain: Buffer[] = [];
      let c: PeerCertificate | undefined = socket.getPeerCertificate(true);
      while (c && c.raw && !chain.some((d) => d.equals(c!.raw))) {
        chain.push(c.raw);
        c = (c as PeerCertificate & { issuerCertificate?: PeerCertificate }).issuerCertificate;
      }
      // TLS 1.3 servers can reject a client certificate after the handshake: read to find out.
      socket.write('GET / HTTP/1.0\r\n\r\n');
      let answered = false;
      socket.on('data', () => (answered = true));
      socket.once('error', (err) => finish({ chain, staple, connected: false, error: err.message }));
      socket.once('close', () => finish({ chain, staple, connected: answered, ...(answered ? {} : { error: 'closed without an answer' }) }));
    });
    socket.once('error', (err) => finish({ chain: [], staple, connected: false, error: err.message }));
    let done = false;
    const finish = (r: ProbeResult): void => {
      if (done) return;
      done = true;
      socket.destroy();
      resolve(r);
    };
  });
}
