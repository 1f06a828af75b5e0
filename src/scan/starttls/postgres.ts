/**
 * PostgreSQL SSLRequest (protocol §55.2.10): an 8-byte message (length 8,
 * code 80877103); the server answers one byte, 'S' to proceed with TLS or 'N'.
 */
import type { Socket } from 'node:net';
import { bytes, converse, notProtocol, refused } from './io.ts';

export const POSTGRES_SSL_REQUEST_CODE = 80877103;

const ANSWER_SSL = 0x53; // 'S'
const ANSWER_NO_SSL = 0x4e; // 'N'
/** Protocol §55.2.10: only a server that predates SSL support answers with an ErrorResponse. */
const ANSWER_ERROR = 0x45; // 'E'

export async function postgresPreamble(socket: Socket): Promise<void> {
  // Bytes after the 'S' (CVE-2021-23222) are refused by converse().
  await converse(socket, 'PostgreSQL', async (r) => {
    const msg = Buffer.alloc(8);
    msg.writeInt32BE(8, 0);
    msg.writeInt32BE(POSTGRES_SSL_REQUEST_CODE, 4);
    r.send(msg);
    const [answer] = await r.read(bytes(1));
    if (answer === ANSWER_SSL) return;
    if (answer === ANSWER_NO_SSL) throw refused('PostgreSQL', 'the server answered N: it does not accept SSL connections');
    if (answer === ANSWER_ERROR) throw refused('PostgreSQL', 'the server answered with an ErrorResponse: it predates SSL support');
    throw notProtocol('PostgreSQL', `unexpected answer 0x${answer!.toString(16).padStart(2, '0')} to the SSLRequest`);
  });
}
