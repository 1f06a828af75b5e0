/** FTP AUTH TLS (RFC 4217 §4): greeting 220, AUTH TLS → 234. */
import type { Socket } from 'node:net';
import { command, refused } from './io.ts';

export async function ftpPreamble(socket: Socket): Promise<void> {
  const greeting = await command(socket, undefined);
  if (greeting.code !== 220) throw refused('FTP', greeting.text);
  const auth = await command(socket, 'AUTH TLS');
  if (auth.code !== 234) throw refused('FTP', auth.text);
}
