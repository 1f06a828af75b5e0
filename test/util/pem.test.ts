/**
 * The PEM reader (RFC 7468) on hostile text: its work grows linearly with the
 * input. Regression for finding 10.5: a backtracking regex took 13–15 s on 1 MB
 * and 242 s on 4 MB of BEGIN lines without END, and a CRL body over plain HTTP
 * reached it, freezing the event loop.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { decodeDerObjects, parsePemBlocks, toPem } from '../../src/util/pem.ts';
import { isCertwardenError } from '../../src/errors.ts';
import { makeRoot } from '../helpers/pki.ts';

const KIB = 1024;

function repeatTo(unit: string, bytes: number): string {
  return unit.repeat(Math.ceil(bytes / unit.length));
}

/** Milliseconds for `fn`, best of `runs` (the least disturbed by other processes). */
function bestTime(fn: () => void, runs: number): number {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

function attempt(text: string): void {
  try {
    decodeDerObjects(text, ['X509 CRL'], 'CRL');
  } catch (cause) {
    if (!isCertwardenError(cause)) throw cause;
  }
}

/**
 * Linear work means 8x the input costs about 8x the time; the quadratic regex
 * cost 64x (512 KiB: 5 s, 4 MiB: 242 s). The bound (8x, times 3 for noise,
 * plus a floor for timer, GC and shared-CPU jitter on tiny times) separates
 * the two without an absolute time threshold.
 */
function assertLinear(run: (text: string) => void, smallText: string, largeText: string): void {
  run(smallText); // warm up
  const tSmall = bestTime(() => run(smallText), 3);
  const tLarge = bestTime(() => run(largeText), 2);
  assert.ok(tLarge <= 8 * 3 * tSmall + 1000, `4 MiB took ${tLarge.toFixed(1)} ms, 512 KiB took ${tSmall.toFixed(1)} ms: not linear`);
}

const sized = (unit: string): [string, string] => [repeatTo(unit, 512 * KIB), repeatTo(unit, 4096 * KIB)];

test('4 MiB of BEGIN lines without END is refused in linear time', () => {
  assertLinear(attempt, ...sized('-----BEGIN X509 CRL-----\n'));
});

test('4 MiB of BEGIN lines with distinct labels and no END is refused in linear time', () => {
  let i = 0;
  const lines: string[] = [];
  while (lines.length * 30 < 600 * KIB) lines.push(`-----BEGIN L${(i++).toString(36).toUpperCase()}-----`);
  assertLinear(attempt, ...sized(`${lines.join('\n')}\n`));
});

test('one BEGIN followed by 4 MiB of base64 and no END is refused in linear time', () => {
  const [small, large] = sized('QUJDRA==\n');
  const run = (body: string): void => {
    assert.throws(() => parsePemBlocks(`-----BEGIN X509 CRL-----\n${body}`), /no END line/);
  };
  assertLinear(run, small, large);
});

test('a bundle of many blocks is read in linear time', () => {
  assertLinear((text) => void parsePemBlocks(text), ...sized(toPem(Buffer.alloc(600, 0x30), 'CERTIFICATE')));
});

test('PEM blocks are read with their labels, surrounding text and CRLF line ends', () => {
  const a = Buffer.from([0x30, 0x03, 0x02, 0x01, 0x01]);
  const b = Buffer.from([0x30, 0x03, 0x02, 0x01, 0x02]);
  const text = `Subject: explanatory text\n${toPem(a, 'CERTIFICATE')}between\r\n${toPem(b, 'X509 CRL').replace(/\n/g, '\r\n')}trailer`;
  const blocks = parsePemBlocks(text);
  assert.deepEqual(
    blocks.map((x) => [x.label, x.der.toString('hex')]),
    [
      ['CERTIFICATE', a.toString('hex')],
      ['X509 CRL', b.toString('hex')],
    ],
  );
});

test('a real certificate round-trips through PEM, indented lines included', () => {
  const root = makeRoot('CN=PEM Test Root');
  const indented = root.certificate
    .toPem()
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
  const [der] = decodeDerObjects(indented, ['CERTIFICATE'], 'certificate');
  assert.deepEqual(der, Buffer.from(root.certificate.der));
});

test('legacy Proc-Type headers inside a block are skipped', () => {
  const der = Buffer.from([0x30, 0x00]);
  const text = `-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\n${der.toString('base64')}\n-----END RSA PRIVATE KEY-----\n`;
  assert.deepEqual(parsePemBlocks(text)[0]!.der, der);
});

test('malformed PEM is a typed CW_ERR_PEM error', () => {
  const cases: [string, RegExp][] = [
    ['-----BEGIN CERTIFICATE-----\nMAA=\n', /no END line/],
    ['-----BEGIN CERTIFICATE-----\nMAA=\n-----END X509 CRL-----\n', /END line/],
    ['-----BEGIN CERTIFICATE-----\nMA!A=\n-----END CERTIFICATE-----\n', /not base64/],
    ['-----BEGIN CERTIFICATE-----\n-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n', /before its END line/],
  ];
  for (const [text, message] of cases) {
    assert.throws(
      () => parsePemBlocks(text),
      (e: unknown) => isCertwardenError(e) && e.code === 'CW_ERR_PEM' && message.test(e.message),
      text,
    );
  }
});
