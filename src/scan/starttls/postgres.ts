/**
 * PostgreSQL SSLRequest (protocol §55.2.10): an 8-byte message (length 8,
 * code 80877103); the server answers one byte, 'S' to proceed with TLS or 'N'.
 */
import type { Socket } from 'node:net';
import { readUntil, refused } from './io.ts';

export const POSTGRES_SSL_REQUEST_CODE = 80877103;

export async function postgresPreamble(socket: Socket): Promise<void> {
  const msg = Buffer.alloc(8);
  msg.writeInt32BE(8, 0);
  msg.writeInt32BE(POSTGRES_SSL_REQUEST_CODE, 4);
  socket.write(msg);
  const reply = await readUntil(socket, (d) => d.length >= 1);
  if (reply[0] !== 0x53 /* 'S' */) throw refused('PostgreSQL', reply[0] === 0x4e ? 'the server answered N (no SSL)' : 'unexpected answer');
  if (reply.length > 1) throw refused('PostgreSQL', 'bytes after the SSLRequest answer (possible injection, CVE-2021-23222)');
}
