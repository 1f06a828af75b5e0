/**
 * Property: the raw TLS 1.2 first-flight parser (src/scan/tls12-probe.ts),
 * fed any bytes in any chunking, ends in a flight or a typed
 * CertwardenError — never another kind of throw, never a hang, and never
 * more certificates than were sent or than MAX_CERTIFICATES_PER_CHAIN.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isCertwardenError } from '../../src/errors.ts';
import { FlightParser, MAX_CERTIFICATES_PER_CHAIN } from '../../src/scan/tls12-probe.ts';
import { makeLeaf, makeRoot } from '../helpers/pki.ts';
import { apply, mutation } from './mutate.ts';

const RUNS = Number(process.env.CERTWARDEN_FUZZ_RUNS ?? 400);
/** One parse of at most a few KiB: far below this unless a length is trusted over the bytes. */
const MAX_PARSE_MS = 250;

const u24 = (n: number): number[] => [(n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
const message = (type: number, body: number[] | Buffer): Buffer => Buffer.concat([Buffer.from([type, ...u24(body.length)]), Buffer.from(body)]);
function records(fragment: Buffer, size = 16_384): Buffer {
  const out: Buffer[] = [];
  for (let i = 0; i < fragment.length; i += size) {
    const f = fragment.subarray(i, i + size);
    out.push(Buffer.from([0x16, 0x03, 0x03, f.length >> 8, f.length & 0xff]), f);
  }
  return Buffer.concat(out);
}

const root = makeRoot('CN=Fuzz Root');
const leaf = makeLeaf(root, 'fuzz.test');
const certs = [leaf.certificate.der, root.certificate.der].map((d) => Buffer.from(d));
const certList = Buffer.concat(certs.map((c) => Buffer.concat([Buffer.from(u24(c.length)), c])));
/** A plausible first flight: ServerHello, Certificate, CertificateStatus, CertificateRequest, ServerHelloDone. */
const FLIGHT_MESSAGES = Buffer.concat([
  message(2, [0x03, 0x03, ...new Array<number>(32).fill(7), 0, 0xc0, 0x2f, 0]),
  message(11, Buffer.concat([Buffer.from(u24(certList.length)), certList])),
  message(22, [1, ...u24(3), 0x30, 0x01, 0x00]),
  message(13, [1, 1, 0, 2, 4, 3, 0, 6, 0, 4, 0x30, 0x02, 0x31, 0x00]),
  message(14, []),
]);
const FLIGHT = records(FLIGHT_MESSAGES, 1_000);

/** Feed `bytes` split at `cuts`; a flight, a typed error, or (input ended early) an incomplete parse. */
function feed(bytes: Buffer, cuts: number[]): void {
  const p = new FlightParser();
  const points = [...new Set(cuts.map((c) => (bytes.length === 0 ? 0 : c % bytes.length)))].sort((a, b) => a - b);
  let from = 0;
  const t0 = performance.now();
  try {
    for (const at of [...points, bytes.length]) {
      p.push(bytes.subarray(from, at));
      from = at;
    }
  } catch (err) {
    assert.ok(isCertwardenError(err), `untyped error escaped: ${(err as Error)?.stack ?? String(err)}`);
  }
  const ms = performance.now() - t0;
  assert.ok(ms < MAX_PARSE_MS, `parse of ${bytes.length} bytes took ${Math.round(ms)} ms`);
  assert.ok(p.flight.certificates.length <= MAX_CERTIFICATES_PER_CHAIN);
  const sent = p.flight.certificates.reduce((n, c) => n + c.length, 0);
  assert.ok(sent <= bytes.length, `${sent} certificate bytes from ${bytes.length} received`);
}

const cuts = fc.array(fc.nat({ max: 1 << 16 }), { maxLength: 12 });

test('the unmutated flight parses (silent on good input), in any chunking', () => {
  fc.assert(
    fc.property(cuts, (c) => {
      const p = new FlightParser();
      let from = 0;
      for (const at of [...new Set(c.map((x) => x % FLIGHT.length))].sort((a, b) => a - b).concat(FLIGHT.length)) {
        p.push(FLIGHT.subarray(from, at));
        from = at;
      }
      assert.equal(p.done, true);
      assert.equal(p.flight.supported, true);
      assert.deepEqual(p.flight.certificates.map((x) => Buffer.from(x)), certs);
      assert.equal(p.flight.certificateRequested, true);
      assert.equal(p.flight.acceptableCaNames.length, 1);
      assert.equal(p.flight.staple?.length, 3);
    }),
    { numRuns: Math.min(RUNS, 100) },
  );
});

test('random bytes in random chunks: a flight or a typed error, never a hang', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 4096 }), cuts, (bytes, c) => feed(Buffer.from(bytes), c)),
    { numRuns: RUNS },
  );
});

test('records with random headers and handshake messages with random lengths: typed error or a flight', () => {
  // Mostly honest message lengths (so the bodies are parsed), sometimes lies.
  const handshake = fc.record({ type: fc.constantFrom(2, 11, 13, 14, 22, 0, 99), length: fc.option(fc.oneof(fc.nat({ max: 64 }), fc.constantFrom(0xffffff, 0x10000, 0x40000, 0x40001)), { nil: undefined, freq: 3 }), body: fc.uint8Array({ maxLength: 96 }) });
  const rec = fc.record({ type: fc.constantFrom(0x14, 0x15, 0x16, 0x17, 0x16, 0x16), length: fc.option(fc.oneof(fc.nat({ max: 200 }), fc.constantFrom(0, 0x4000, 0x4001, 0xffff)), { nil: undefined }), messages: fc.array(handshake, { maxLength: 4 }) });
  fc.assert(
    fc.property(fc.array(rec, { minLength: 1, maxLength: 6 }), cuts, (recs, c) => {
      const bytes = Buffer.concat(
        recs.map((r) => {
          const fragment = Buffer.concat(r.messages.map((m) => Buffer.concat([Buffer.from([m.type, ...u24(m.length ?? m.body.length)]), Buffer.from(m.body)])));
          const len = r.length ?? fragment.length;
          return Buffer.concat([Buffer.from([r.type, 0x03, 0x03, (len >> 8) & 0xff, len & 0xff]), fragment]);
        }),
      );
      feed(bytes, c);
    }),
    { numRuns: RUNS },
  );
});

test('mutated real flights (bit flips, length-octet tampering, truncation, insertion): typed error or a flight', () => {
  fc.assert(
    fc.property(fc.array(mutation(), { minLength: 1, maxLength: 4 }), cuts, (m, c) => feed(apply(FLIGHT, m), c)),
    { numRuns: RUNS },
  );
});

test('every 16- and 24-bit field of the flight set to a lie, one at a time: typed error or a flight, at once', () => {
  // Exhaustive over positions rather than sampled: the lie that matters (a certificate_list length) is one offset of a thousand.
  for (let at = 0; at + 3 <= FLIGHT_MESSAGES.length; at++) {
    for (const lie of [0xffffff, 0x7fffff, 0x010000, 0x000001, 0]) {
      const lied = Buffer.from(FLIGHT_MESSAGES);
      lied.writeUIntBE(lie, at, 3);
      feed(records(lied, 1_000), []);
      lied.set(FLIGHT_MESSAGES.subarray(at, at + 3), at);
      lied.writeUInt16BE(lie & 0xffff, at);
      feed(records(lied, 1_000), []);
    }
  }
});
