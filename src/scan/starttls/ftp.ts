/** FTP AUTH TLS (RFC 4217 §4): greeting 220, AUTH TLS → 234. */
import type { Socket } from 'node:net';
import { converse, describeReply, readNumericReply, refused } from './io.ts';

/** RFC 959 §5.4: "120 service ready in nnn minutes" may precede the 220. */
const REPLY_READY_SOON = 120;
const REPLY_READY = 220;
/** RFC 4217 §4.1: 234 accepts AUTH TLS; 334 would start an ADAT exchange (not TLS); 431, 500, 502, 504, 534 refuse it. */
const REPLY_AUTH_ACCEPTED = 234;
/** A server announcing delays without end is stopped here, long before the byte cap. */
const MAX_DELAY_REPLIES = 3;

export async function ftpPreamble(socket: Socket): Promise<void> {
  await converse(socket, 'FTP', async (r) => {
    let greeting = await readNumericReply(r, 'FTP', false);
    for (let i = 0; greeting.code === REPLY_READY_SOON && i < MAX_DELAY_REPLIES; i++) greeting = await readNumericReply(r, 'FTP', false);
    if (greeting.code !== REPLY_READY) throw refused('FTP', `the greeting is ${describeReply(greeting)}`);
    r.send('AUTH TLS');
    const auth = await readNumericReply(r, 'FTP', false);
    if (auth.code !== REPLY_AUTH_ACCEPTED) throw refused('FTP', `AUTH TLS answered ${describeReply(auth)}`);
  });
}
