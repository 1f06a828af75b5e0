/**
 * STARTTLS preambles: the plaintext exchange that precedes the TLS handshake
 * on protocols that upgrade a cleartext connection. Each preamble runs on an
 * already connected socket and resolves when the next byte the client sends
 * may be a ClientHello.
 */
import type { Socket } from 'node:net';
import { smtpPreamble } from './smtp.ts';
import { imapPreamble } from './imap.ts';
import { pop3Preamble } from './pop3.ts';
import { ftpPreamble } from './ftp.ts';
import { ldapPreamble } from './ldap.ts';
import { postgresPreamble } from './postgres.ts';

export const STARTTLS_PROTOCOLS = ['smtp', 'imap', 'pop3', 'ftp', 'ldap', 'postgres'] as const;
export type StarttlsProtocol = (typeof STARTTLS_PROTOCOLS)[number];

/** IANA well-known ports of the cleartext services that upgrade with STARTTLS. */
export const STARTTLS_DEFAULT_PORTS: Readonly<Record<StarttlsProtocol, number>> = {
  smtp: 25, // RFC 3207 (587 for submission also works: give the port)
  imap: 143, // RFC 3501 §6.2.1
  pop3: 110, // RFC 2595 §4
  ftp: 21, // RFC 4217
  ldap: 389, // RFC 4511 §4.14
  postgres: 5432, // PostgreSQL protocol §55.2.10 SSLRequest
};

export type Preamble = (socket: Socket) => Promise<void>;

export const PREAMBLES: Readonly<Record<StarttlsProtocol, Preamble>> = {
  smtp: smtpPreamble,
  imap: imapPreamble,
  pop3: pop3Preamble,
  ftp: ftpPreamble,
  ldap: ldapPreamble,
  postgres: postgresPreamble,
};
