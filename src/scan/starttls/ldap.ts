/**
 * LDAP StartTLS (RFC 4511 §4.14): an ExtendedRequest with requestName
 * 1.3.6.1.4.1.1466.20037; the ExtendedResponse must carry resultCode success (0).
 */
import type { Socket } from 'node:net';
import { readUntil, refused } from './io.ts';

export const LDAP_STARTTLS_OID = '1.3.6.1.4.1.1466.20037';

/** LDAPMessage { messageID 1, [APPLICATION 23] ExtendedRequest { [0] requestName } }. */
export function startTlsRequest(): Buffer {
  const name = Buffer.from(LDAP_STARTTLS_OID, 'latin1');
  const ext = Buffer.concat([Buffer.from([0x80, name.length]), name]);
  const op = Buffer.concat([Buffer.from([0x77, ext.length]), ext]);
  const body = Buffer.concat([Buffer.from([0x02, 0x01, 0x01]), op]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
}

/** Total length of the first BER TLV in `d`, or undefined while incomplete. */
function tlvLength(d: Buffer, at = 0): { header: number; length: number } | undefined {
  if (d.length < at + 2) return undefined;
  const first = d[at + 1]!;
  if (first < 0x80) return { header: 2, length: first };
  const n = first & 0x7f;
  if (n === 0 || n > 4 || d.length < at + 2 + n) return undefined;
  let len = 0;
  for (let i = 0; i < n; i++) len = len * 256 + d[at + 2 + i]!;
  return { header: 2 + n, length: len };
}

export async function ldapPreamble(socket: Socket): Promise<void> {
  socket.write(startTlsRequest());
  const reply = await readUntil(socket, (d) => {
    const t = tlvLength(d);
    return t !== undefined && d.length >= t.header + t.length;
  });
  // SEQUENCE { INTEGER messageID, [APPLICATION 24] { ENUMERATED resultCode, ... } }
  const outer = tlvLength(reply)!;
  let at = outer.header;
  const id = tlvLength(reply, at);
  if (reply[at] !== 0x02 || !id) throw refused('LDAP', 'malformed response');
  at += id.header + id.length;
  const op = tlvLength(reply, at);
  if (reply[at] !== 0x78 || !op) throw refused('LDAP', 'not an ExtendedResponse');
  at += op.header;
  if (reply[at] !== 0x0a) throw refused('LDAP', 'malformed ExtendedResponse');
  const code = reply[at + 2];
  if (code !== 0) throw refused('LDAP', `resultCode ${code}`);
}
