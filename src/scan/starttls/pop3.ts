/** POP3 STLS (RFC 2595 §4): greeting +OK, CAPA listing STLS, STLS → +OK. */
import type { Socket } from 'node:net';
import { converse, line, notProtocol, printable, refused, violation, type PreambleReader } from './io.ts';

const isOk = (l: string): boolean => /^\+OK(\s|$)/i.test(l);
const isErr = (l: string): boolean => /^-ERR(\s|$)/i.test(l);

/** RFC 1939 §3: a multi-line response ends with a line of a single ".". */
async function readMultiLine(r: PreambleReader): Promise<string[]> {
  const lines: string[] = [];
  for (;;) {
    const l = await r.read(line);
    if (l === '.') return lines;
    // RFC 1939 §3: a line starting with "." is byte-stuffed.
    lines.push(l.startsWith('.') ? l.slice(1) : l);
  }
}

export async function pop3Preamble(socket: Socket): Promise<void> {
  await converse(socket, 'POP3', async (r) => {
    const greeting = await r.read(line);
    if (isErr(greeting)) throw refused('POP3', `the greeting is ${printable(greeting)}`);
    if (!isOk(greeting)) throw notProtocol('POP3', `"${printable(greeting)}" is not a POP3 greeting`);
    // RFC 2595 §4 / RFC 2449 §5: STLS is advertised in the CAPA list. A server
    // without CAPA (-ERR) may still accept STLS: its answer below decides.
    r.send('CAPA');
    const capa = await r.read(line);
    if (isOk(capa)) {
      const caps = await readMultiLine(r);
      if (!caps.some((c) => /^STLS(\s|$)/i.test(c))) throw refused('POP3', 'the CAPA list does not advertise STLS (RFC 2595 §4)');
    } else if (!isErr(capa)) throw violation('POP3', `CAPA answered "${printable(capa)}"`);
    r.send('STLS');
    const reply = await r.read(line);
    if (!isOk(reply)) throw refused('POP3', `STLS answered ${printable(reply)}`);
  });
}
