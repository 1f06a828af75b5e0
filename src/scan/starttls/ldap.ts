/**
 * LDAP StartTLS (RFC 4511 §4.14, RFC 4513 §3): an ExtendedRequest with
 * requestName 1.3.6.1.4.1.1466.20037; the ExtendedResponse must carry
 * resultCode success (0). The answer is BER (RFC 4511 §5.1), read with every
 * length checked against its container and the preamble's byte cap.
 */
import type { Socket } from 'node:net';
import { converse, MAX_PREAMBLE_BYTES, notProtocol, printable, refused, violation, type Parse } from './io.ts';

export const LDAP_STARTTLS_OID = '1.3.6.1.4.1.1466.20037';
/** RFC 4511 §4.4.1: the Notice of Disconnection, sent unsolicited with messageID 0. */
const NOTICE_OF_DISCONNECTION_OID = '1.3.6.1.4.1.1466.20036';

const MESSAGE_ID = 1;
const TAG_SEQUENCE = 0x30;
const TAG_INTEGER = 0x02;
const TAG_ENUMERATED = 0x0a;
const TAG_OCTET_STRING = 0x04;
/** RFC 4511 §4.12: ExtendedRequest ::= [APPLICATION 23], ExtendedResponse ::= [APPLICATION 24], both constructed. */
const TAG_EXTENDED_REQUEST = 0x77;
const TAG_EXTENDED_RESPONSE = 0x78;
const TAG_REQUEST_NAME = 0x80; // [0]
const TAG_REFERRAL = 0xa3; // [3], LDAPResult
const TAG_RESPONSE_NAME = 0x8a; // [10]
const RESULT_SUCCESS = 0;

/** RFC 4511 §4.1.9 names of the result codes a StartTLS refusal uses (§4.14.2). */
const RESULT_NAMES: Readonly<Record<number, string>> = {
  1: 'operationsError',
  2: 'protocolError',
  3: 'timeLimitExceeded',
  8: 'strongerAuthRequired',
  11: 'adminLimitExceeded',
  50: 'insufficientAccessRights',
  51: 'busy',
  52: 'unavailable',
  53: 'unwillingToPerform',
  80: 'other',
};

function tlv(tag: number, content: Buffer): Buffer {
  if (content.length > 0x7f) throw new RangeError('StartTLS request parts are short');
  return Buffer.concat([Buffer.from([tag, content.length]), content]);
}

/** LDAPMessage { messageID 1, [APPLICATION 23] ExtendedRequest { [0] requestName } } (RFC 4511 §4.14.1). */
export function startTlsRequest(): Buffer {
  const name = tlv(TAG_REQUEST_NAME, Buffer.from(LDAP_STARTTLS_OID, 'latin1'));
  return tlv(TAG_SEQUENCE, Buffer.concat([tlv(TAG_INTEGER, Buffer.from([MESSAGE_ID])), tlv(TAG_EXTENDED_REQUEST, name)]));
}

interface Tlv {
  tag: number;
  valueStart: number;
  end: number;
}

const malformed = (detail: string): Error => violation('LDAP', `malformed response: ${detail}`);

/**
 * The TLV header at `at`, or undefined while the header is incomplete. RFC
 * 4511 §5.1: definite lengths only. Long-form lengths need not be minimal
 * (OpenLDAP sends 0x84 and four octets).
 */
function header(d: Buffer, at: number): { tag: number; valueStart: number; length: number } | undefined {
  if (d.length < at + 2) return undefined;
  const tag = d[at]!;
  if ((tag & 0x1f) === 0x1f) throw malformed('multi-byte tag');
  const first = d[at + 1]!;
  if (first < 0x80) return { tag, valueStart: at + 2, length: first };
  const n = first & 0x7f;
  if (n === 0) throw malformed('indefinite length (RFC 4511 §5.1 allows definite lengths only)');
  if (n > 4) throw malformed(`a length of ${n} octets`);
  if (d.length < at + 2 + n) return undefined;
  let length = 0;
  for (let i = 0; i < n; i++) length = length * 256 + d[at + 2 + i]!;
  return { tag, valueStart: at + 2 + n, length };
}

/** A complete TLV at `at` inside `[at, limit)`. */
function child(d: Buffer, at: number, limit: number, what: string): Tlv {
  if (at >= limit) throw malformed(`${what} missing`);
  const h = header(d.subarray(0, limit), at);
  if (!h || h.valueStart + h.length > limit) throw malformed(`${what} runs past its container`);
  return { tag: h.tag, valueStart: h.valueStart, end: h.valueStart + h.length };
}

/** An INTEGER or ENUMERATED (two's complement, up to 4 octets: RFC 4511 maxInt is 2^31 - 1). */
function integer(d: Buffer, t: Tlv, what: string): number {
  const len = t.end - t.valueStart;
  if (len < 1 || len > 4) throw malformed(`${what} of ${len} octets`);
  return d.readIntBE(t.valueStart, len);
}

/** One whole LDAPMessage (RFC 4511 §4.2): a SEQUENCE, read once its declared length has arrived. */
const ldapMessage: Parse<Buffer> = (d) => {
  const h = header(d, 0);
  if (!h) return undefined;
  if (h.tag !== TAG_SEQUENCE) throw notProtocol('LDAP', `the answer starts with 0x${h.tag.toString(16).padStart(2, '0')}, not an LDAPMessage`);
  const total = h.valueStart + h.length;
  // Refuse at once rather than wait for bytes the cap would refuse anyway.
  if (total > MAX_PREAMBLE_BYTES) throw violation('LDAP', `the response declares ${total} bytes, over the ${MAX_PREAMBLE_BYTES}-byte cap`);
  return d.length >= total ? { value: Buffer.from(d.subarray(0, total)), used: total } : undefined;
};

export async function ldapPreamble(socket: Socket): Promise<void> {
  await converse(socket, 'LDAP', async (r) => {
    r.send(startTlsRequest());
    const msg = await r.read(ldapMessage);
    const outer = child(msg, 0, msg.length, 'LDAPMessage');
    const id = child(msg, outer.valueStart, outer.end, 'messageID');
    if (id.tag !== TAG_INTEGER) throw malformed('no messageID');
    const messageId = integer(msg, id, 'messageID');
    const op = child(msg, id.end, outer.end, 'protocolOp');
    if (op.tag !== TAG_EXTENDED_RESPONSE) throw malformed(`protocolOp 0x${op.tag.toString(16)} is not an ExtendedResponse`);
    // ExtendedResponse: COMPONENTS OF LDAPResult { resultCode, matchedDN, diagnosticMessage, referral [3] OPTIONAL }, responseName [10] OPTIONAL, ...
    const rc = child(msg, op.valueStart, op.end, 'resultCode');
    if (rc.tag !== TAG_ENUMERATED) throw malformed('no resultCode');
    const code = integer(msg, rc, 'resultCode');
    const dn = child(msg, rc.end, op.end, 'matchedDN');
    const diag = child(msg, dn.end, op.end, 'diagnosticMessage');
    if (dn.tag !== TAG_OCTET_STRING || diag.tag !== TAG_OCTET_STRING) throw malformed('LDAPResult without matchedDN and diagnosticMessage');
    const diagnostic = msg.toString('utf8', diag.valueStart, diag.end);
    const after = (t: Tlv): Tlv | undefined => (t.end < op.end ? child(msg, t.end, op.end, 'ExtendedResponse field') : undefined);
    let next = after(diag);
    if (next?.tag === TAG_REFERRAL) next = after(next);
    const responseName = next?.tag === TAG_RESPONSE_NAME ? msg.toString('latin1', next.valueStart, next.end) : undefined;
    const because = `resultCode ${code}${RESULT_NAMES[code] ? ` (${RESULT_NAMES[code]})` : ''}${diagnostic ? `: ${printable(diagnostic)}` : ''}`;
    // RFC 4511 §4.4.1: messageID 0 is unsolicited; the Notice of Disconnection means the server is leaving.
    if (messageId === 0) throw refused('LDAP', `the server sent ${responseName === NOTICE_OF_DISCONNECTION_OID ? 'a Notice of Disconnection' : 'an unsolicited notification'}, ${because}`);
    if (messageId !== MESSAGE_ID) throw malformed(`messageID ${messageId} answers no request (ours is ${MESSAGE_ID})`);
    // RFC 4511 §4.14.2: anything but success leaves the session without TLS.
    if (code !== RESULT_SUCCESS) throw refused('LDAP', because);
    // RFC 4511 §4.14.2: the responseName, when present, is the StartTLS OID.
    if (responseName !== undefined && responseName !== LDAP_STARTTLS_OID) throw malformed(`responseName ${printable(responseName)} is not StartTLS`);
  });
}
