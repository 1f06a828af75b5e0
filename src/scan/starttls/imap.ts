/**
 * IMAP STARTTLS (RFC 9051 §6.2.1, RFC 3501 §6.2.1): greeting "* OK",
 * CAPABILITY listing STARTTLS, "tag STARTTLS" → tagged OK.
 */
import type { Socket } from 'node:net';
import { bytes, converse, line, MAX_PREAMBLE_BYTES, notProtocol, printable, refused, violation, type PreambleReader } from './io.ts';

const TAG_CAPABILITY = 'cw1';
const TAG_STARTTLS = 'cw2';

/** RFC 9051 §4.3: a literal announces its length as {n} (literal8 as ~{n}) at the end of a line. */
const LITERAL = /~?\{(\d{1,10})\}$/;

/** One response, literals inlined: a literal's bytes may contain line ends. */
async function readResponse(r: PreambleReader): Promise<string> {
  let text = '';
  for (;;) {
    const l = await r.read(line);
    text += l;
    const lit = LITERAL.exec(l);
    if (!lit) return text;
    const n = Number(lit[1]);
    if (n > MAX_PREAMBLE_BYTES) throw violation('IMAP', `a literal of ${n} bytes in the preamble`);
    text += (await r.read(bytes(n))).toString('latin1');
  }
}

/** RFC 9051 §7.2.2: the capability atoms of a CAPABILITY response or [CAPABILITY ...] response code, upper-cased. */
function capabilities(text: string): Set<string> | undefined {
  const m = /^\* CAPABILITY\s+(.*)$/i.exec(text) ?? /\[CAPABILITY\s+([^\]]*)\]/i.exec(text);
  return m ? new Set(m[1]!.trim().toUpperCase().split(/\s+/)) : undefined;
}

/** Send a command and read up to its tagged completion; the untagged responses before it are returned too. */
async function command(r: PreambleReader, tag: string, command: string): Promise<{ status: string; text: string; untagged: string[] }> {
  r.send(`${tag} ${command}`);
  const untagged: string[] = [];
  for (;;) {
    const res = await readResponse(r);
    if (res.startsWith('* ')) {
      // RFC 9051 §7.1.5: BYE, untagged, means the server is closing the connection.
      if (/^\* BYE(\s|$)/i.test(res)) throw refused('IMAP', `${command} answered ${printable(res)}`);
      untagged.push(res);
      continue;
    }
    const m = /^(\S+) (OK|NO|BAD)(?:\s|$)/i.exec(res);
    if (m && m[1] === tag) return { status: m[2]!.toUpperCase(), text: res, untagged };
    // Neither CAPABILITY nor STARTTLS takes a continuation ("+"), and no other tag is outstanding.
    throw violation('IMAP', `unexpected "${printable(res)}" in answer to ${command}`);
  }
}

export async function imapPreamble(socket: Socket): Promise<void> {
  await converse(socket, 'IMAP', async (r) => {
    const greeting = await readResponse(r);
    const g = /^\* (OK|PREAUTH|BYE)(\s|$)/i.exec(greeting);
    if (!g) throw notProtocol('IMAP', `"${printable(greeting)}" is not an IMAP greeting`);
    const kind = g[1]!.toUpperCase();
    if (kind === 'BYE') throw refused('IMAP', `the greeting is ${printable(greeting)}`);
    // RFC 9051 §6.2.1: STARTTLS is valid only in the not-authenticated state, which PREAUTH skips (§7.1.4).
    if (kind === 'PREAUTH') throw refused('IMAP', 'the server greets with PREAUTH (already authenticated), where STARTTLS is not allowed (RFC 9051 §6.2.1)');
    let caps = capabilities(greeting);
    if (!caps) {
      const c = await command(r, TAG_CAPABILITY, 'CAPABILITY');
      if (c.status !== 'OK') throw refused('IMAP', `CAPABILITY answered ${printable(c.text)}`);
      caps = new Set(c.untagged.flatMap((u) => [...(capabilities(u) ?? [])]));
    }
    // RFC 9051 §6.1.1, §6.2.1: the STARTTLS command is offered through the STARTTLS capability.
    if (!caps.has('STARTTLS')) throw refused('IMAP', 'the server does not advertise the STARTTLS capability (RFC 9051 §6.2.1)');
    const start = await command(r, TAG_STARTTLS, 'STARTTLS');
    if (start.status !== 'OK') throw refused('IMAP', `STARTTLS answered ${printable(start.text)}`);
  });
}
