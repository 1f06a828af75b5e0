/**
 * The raw TLS 1.2 first-flight parser against lying lengths: every length
 * field a server sends is bounded by the bytes actually received and by the
 * protocol's maxima, so a few hostile bytes cost microseconds and a typed
 * failure, never a loop over what the length claims.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isCertwardenError } from '../../src/errors.ts';
import { FlightParser, MAX_CERTIFICATES_PER_CHAIN, MAX_HANDSHAKE_MESSAGE_BYTES, MAX_PLAINTEXT_RECORD_BYTES } from '../../src/scan/tls12-probe.ts';

function u24(n: number): number[] {
  return [(n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
}
/** One handshake record holding `messages`. */
function record(fragment: number[] | Buffer, type = 0x16): Buffer {
  const body = Buffer.from(fragment);
  return Buffer.concat([Buffer.from([type, 0x03, 0x03, body.length >> 8, body.length & 0xff]), body]);
}
function message(type: number, body: number[] | Buffer): Buffer {
  const b = Buffer.from(body);
  return Buffer.concat([Buffer.from([type, ...u24(b.length)]), b]);
}
const serverHello = message(2, [0x03, 0x03, ...new Array(32).fill(7), 0, 0xc0, 0x2f, 0]);
const done = message(14, []);

/** Parse, expecting a typed failure; returns how long it took. */
function refuses(bytes: Buffer, pattern: RegExp): number {
  const t0 = performance.now();
  const p = new FlightParser();
  assert.throws(
    () => p.push(bytes),
    (e: unknown) => isCertwardenError(e) && pattern.test((e as Error).message),
  );
  return performance.now() - t0;
}

describe('raw TLS 1.2 flight parser: lying lengths', () => {
  test('a 13-byte Certificate message claiming a 16 MiB certificate_list is refused at once (was 5.6 M empty certificates, 40 s, 2 GB)', () => {
    // type 11, length 9: certificate_list length 0xffffff, then one 3-byte entry length and 3 bytes.
    const cert = message(11, [...u24(0xffffff), ...u24(3), 1, 2, 3]);
    assert.equal(cert.length, 13);
    const ms = refuses(record(Buffer.concat([serverHello, cert, done])), /certificate_list/);
    assert.ok(ms < 1_000, `took ${ms} ms`);
  });
  test('a certificate entry longer than the list that holds it is refused', () => {
    refuses(record(Buffer.concat([serverHello, message(11, [...u24(6), ...u24(200), 1, 2, 3]), done])), /certificate/);
  });
  test('empty certificate entries are refused (RFC 5246 §7.4.2: ASN.1Cert<1..2^24-1>)', () => {
    refuses(record(Buffer.concat([serverHello, message(11, [...u24(6), ...u24(0), ...u24(0)]), done])), /empty certificate/);
  });
  test(`more than MAX_CERTIFICATES_PER_CHAIN (${MAX_CERTIFICATES_PER_CHAIN}) certificates are refused`, () => {
    const one = [...u24(1), 0x30];
    const entries = Array.from({ length: MAX_CERTIFICATES_PER_CHAIN + 1 }, () => one).flat();
    refuses(record(Buffer.concat([serverHello, message(11, [...u24(entries.length), ...entries]), done])), /certificates/);
  });
  test('a chain of MAX_CERTIFICATES_PER_CHAIN small entries is read (silent on good input)', () => {
    const one = [...u24(1), 0x30];
    const entries = Array.from({ length: MAX_CERTIFICATES_PER_CHAIN }, () => one).flat();
    const p = new FlightParser();
    p.push(record(Buffer.concat([serverHello, message(11, [...u24(entries.length), ...entries]), done])));
    assert.equal(p.done, true);
    assert.equal(p.flight.supported, true);
    assert.equal(p.flight.certificates.length, MAX_CERTIFICATES_PER_CHAIN);
  });
  test('a handshake message claiming more than MAX_HANDSHAKE_MESSAGE_BYTES is refused before its bytes arrive', () => {
    refuses(record(Buffer.from([11, ...u24(MAX_HANDSHAKE_MESSAGE_BYTES + 1)])), /handshake message/);
  });
  test(`a record over MAX_PLAINTEXT_RECORD_BYTES (${MAX_PLAINTEXT_RECORD_BYTES}, RFC 5246 §6.2.1) is refused from its header`, () => {
    refuses(Buffer.from([0x16, 0x03, 0x03, 0xff, 0xff]), /record/);
  });
  test('a zero-length handshake record is refused (RFC 5246 §6.2.1)', () => {
    refuses(record([]), /zero-length/);
  });
  test('a CertificateStatus whose OCSP response length exceeds the message is refused', () => {
    refuses(record(Buffer.concat([serverHello, message(22, [1, ...u24(5000), 0x30]), done])), /CertificateStatus/);
  });
  test('a CertificateRequest whose lengths exceed the message is refused', () => {
    refuses(record(Buffer.concat([serverHello, message(13, [1, 1, 0, 2, 4, 3, 0xff, 0xff, 0, 3]), done])), /CertificateRequest/);
    refuses(record(Buffer.concat([serverHello, message(13, [200]), done])), /CertificateRequest/);
  });
  test('a truncated ServerHello and a one-byte alert are typed failures, not RangeErrors', () => {
    refuses(record(message(2, [3])), /ServerHello/);
    refuses(record([2], 0x15), /alert/);
  });
  test('a flight drip-fed one byte per chunk is parsed in linear time', () => {
    const cert = Buffer.alloc(1500, 0x30);
    const flight = record(Buffer.concat([serverHello, message(11, [...u24(cert.length + 3), ...u24(cert.length), ...cert]), message(13, [1, 1, 0, 2, 4, 3, 0, 0]), done]));
    const p = new FlightParser();
    for (const b of flight) p.push(Buffer.from([b]));
    assert.equal(p.done, true);
    assert.equal(p.flight.certificates.length, 1);
    assert.equal(p.flight.certificates[0]!.length, cert.length);
    assert.equal(p.flight.certificateRequested, true);
  });
  test('handshake messages split across many records are reassembled', () => {
    const whole = Buffer.concat([serverHello, message(11, [...u24(4), ...u24(1), 0x30]), done]);
    const p = new FlightParser();
    for (let i = 0; i < whole.length; i += 3) p.push(record(whole.subarray(i, i + 3)));
    assert.equal(p.done, true);
    assert.deepEqual(p.flight.certificates.map((c) => c.length), [1]);
  });
});
