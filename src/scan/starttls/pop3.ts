/** POP3 STLS (RFC 2595 §4): greeting +OK, STLS → +OK. */
import type { Socket } from 'node:net';
import { readUntil, refused } from './io.ts';

const line = (d: Buffer): boolean => d.includes(0x0a);

export async function pop3Preamble(socket: Socket): Promise<void> {
  const greeting = (await readUntil(socket, line)).toString('latin1');
  if (!greeting.startsWith('+OK')) throw refused('POP3', greeting);
  socket.write('STLS\r\n');
  const reply = (await readUntil(socket, line)).toString('latin1');
  if (!reply.startsWith('+OK')) throw refused('POP3', reply);
}
