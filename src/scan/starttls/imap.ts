/** IMAP STARTTLS (RFC 3501 §6.2.1): greeting "* OK", "a1 STARTTLS" → "a1 OK". */
import type { Socket } from 'node:net';
import { readUntil, refused } from './io.ts';

const TAG = 'cw1';

export async function imapPreamble(socket: Socket): Promise<void> {
  const greeting = (await readUntil(socket, (d) => d.includes(0x0a))).toString('latin1');
  if (!/^\* (OK|PREAUTH)/i.test(greeting)) throw refused('IMAP', greeting);
  socket.write(`${TAG} STARTTLS\r\n`);
  const reply = (await readUntil(socket, (d) => new RegExp(`(^|\\n)${TAG} [^\\n]*\\n`).test(d.toString('latin1')))).toString('latin1');
  if (!new RegExp(`(^|\\n)${TAG} OK`, 'i').test(reply)) throw refused('IMAP', reply);
}
