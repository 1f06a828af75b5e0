/** SMTP STARTTLS (RFC 3207): greeting 220, EHLO, STARTTLS → 220. */
import type { Socket } from 'node:net';
import { command, refused } from './io.ts';

/** RFC 5321 §4.1.1.1: the EHLO argument; a reserved name (RFC 2606) since the scanner has none. */
const EHLO_NAME = 'certwarden.invalid';

export async function smtpPreamble(socket: Socket): Promise<void> {
  const greeting = await command(socket, undefined);
  if (greeting.code !== 220) throw refused('SMTP', greeting.text);
  const ehlo = await command(socket, `EHLO ${EHLO_NAME}`);
  if (ehlo.code !== 250) throw refused('SMTP', ehlo.text);
  if (!/^250[ -]STARTTLS\s*$/im.test(ehlo.text)) throw refused('SMTP', 'the server does not advertise STARTTLS');
  const start = await command(socket, 'STARTTLS');
  if (start.code !== 220) throw refused('SMTP', start.text);
}
