/** SMTP STARTTLS (RFC 3207): greeting 220, EHLO advertising STARTTLS, STARTTLS → 220. */
import type { Socket } from 'node:net';
import { converse, describeReply, readNumericReply, refused } from './io.ts';

/** RFC 5321 §4.1.1.1: the EHLO argument; a reserved name (RFC 2606) since the scanner has none. */
const EHLO_NAME = 'certwarden.invalid';

/** RFC 5321 §3.1: a server that will not serve answers 554 instead of 220. */
const REPLY_READY = 220;
const REPLY_OK = 250;

export async function smtpPreamble(socket: Socket): Promise<void> {
  await converse(socket, 'SMTP', async (r) => {
    const greeting = await readNumericReply(r, 'SMTP', true);
    if (greeting.code !== REPLY_READY) throw refused('SMTP', `the greeting is ${describeReply(greeting)}`);
    r.send(`EHLO ${EHLO_NAME}`);
    const ehlo = await readNumericReply(r, 'SMTP', true);
    // RFC 3207 §4: STARTTLS is a service extension, so only an EHLO reply can offer it (HELO cannot).
    if (ehlo.code !== REPLY_OK) throw refused('SMTP', `EHLO answered ${describeReply(ehlo)}`);
    // RFC 5321 §4.1.1.1: the first line is the server's domain, each following line one keyword and its parameters.
    if (!ehlo.lines.slice(1).some((l) => /^STARTTLS(\s|$)/i.test(l))) throw refused('SMTP', 'the EHLO reply does not advertise STARTTLS (RFC 3207 §4)');
    r.send('STARTTLS');
    // RFC 3207 §4: 220 to go ahead; 454 (TLS not available) or 501 otherwise.
    const go = await readNumericReply(r, 'SMTP', true);
    if (go.code !== REPLY_READY) throw refused('SMTP', `STARTTLS answered ${describeReply(go)}`);
  });
}
