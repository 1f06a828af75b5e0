/**
 * People-facing output rules of `certwarden scan`: colour only on a TTY with
 * NO_COLOR honoured (https://no-color.org), and a progress bar on stderr only
 * on a TTY and only for enough targets to be worth it.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { colorEnabled, palette, type Io } from '../../src/cli/output.ts';
import { progressReporter, PROGRESS_MIN_TARGETS } from '../../src/scan/progress.ts';

function io(tty: boolean, env: NodeJS.ProcessEnv = {}): Io & { err: () => string } {
  const stdout = Object.assign(new PassThrough(), { isTTY: tty });
  const stderr = Object.assign(new PassThrough(), { isTTY: tty });
  let err = '';
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  return { stdout, stderr, env, err: () => err };
}

describe('colour', () => {
  test('on a TTY only; NO_COLOR turns it off, FORCE_COLOR on', () => {
    assert.equal(colorEnabled(io(true)), true);
    assert.equal(colorEnabled(io(false)), false);
    assert.equal(colorEnabled(io(true, { NO_COLOR: '1' })), false);
    assert.equal(colorEnabled(io(false, { FORCE_COLOR: '1' })), true);
    assert.equal(colorEnabled(io(true, { NO_COLOR: '1', FORCE_COLOR: '1' })), false, 'NO_COLOR wins');
    assert.equal(palette(io(false)).bad('x'), 'x');
    assert.match(palette(io(true)).bad('x'), /^\x1b\[31mx\x1b\[39m$/);
  });
});

describe('progress bar', () => {
  test('drawn on a TTY for many targets, ending with a newline', () => {
    const t = io(true);
    const report = progressReporter(t, 10);
    assert.ok(report);
    for (let i = 1; i <= 10; i++) report(i, 10);
    assert.match(t.err(), /\r\[#{30}\] 10\/10\n$/);
  });
  test('never on a pipe, nor for a handful of targets', () => {
    assert.equal(progressReporter(io(false), 100), undefined);
    assert.equal(progressReporter(io(true), PROGRESS_MIN_TARGETS - 1), undefined);
  });
});
