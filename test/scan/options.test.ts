/**
 * Numeric scan options are validated before any connection, on the CLI and
 * in the runScan API: out of range is CW_ERR_USAGE with a message naming the
 * accepted range (was: --staple-attempts 1000000000 → CW_ERR_INTERNAL, and
 * --timeout 99999999999 → a TimeoutOverflowWarning and a 1 ms budget).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertOneLineError, runCli } from '../helpers/cli.ts';
import { makeRoot, tempDir } from '../helpers/pki.ts';
import { loadPolicy } from '../../src/policy/load.ts';
import { replayScan, runScan } from '../../src/scan/runner.ts';
import { parseTarget } from '../../src/scan/target.ts';
import { SCAN_OPTION_LIMITS } from '../../src/scan/options.ts';
import type { Policy } from '../../src/policy/types.ts';

const dir = tempDir('certwarden-scan-options-');
let policyFile: string;
let policy: Policy;

before(() => {
  dir.write('root.pem', makeRoot().certificate.toPem());
  policyFile = dir.write('policy.yaml', 'version: 1\ntrust:\n  cas: [root.pem]\n');
  policy = loadPolicy(policyFile);
});
after(() => dir.cleanup());

/** A target nothing listens on: validation must refuse before any connection is tried. */
const target = () => ({ ...parseTarget('opts.test:9'), address: '127.0.0.1' });

describe('scan options: ranges (CLI)', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['--staple-attempts', '1000000000', /--staple-attempts must be between 1 and \d+/],
    ['--timeout', '99999999999', /--timeout must be between [\d.]+ and \d+ seconds/],
    ['--timeout', '0.001', /--timeout must be between/],
    ['--concurrency', '100000000', /--concurrency must be between 1 and \d+/],
    ['--staple-retry-delay', '100000', /--staple-retry-delay must be between 0 and \d+ seconds/],
    ['--timeout', '1e3', /--timeout must be a number of seconds/],
  ];
  for (const [flag, value, message] of cases) {
    test(`${flag} ${value} is a usage error naming the accepted range`, async () => {
      const r = await runCli(['scan', 'opts.test:9', '--resolve', 'opts.test:9:127.0.0.1', '--policy', policyFile, flag, value]);
      assertOneLineError(r, 'CW_ERR_USAGE');
      assert.match(r.stderr, message);
      assert.doesNotMatch(r.stderr, /TimeoutOverflowWarning/);
    });
  }
});

describe('scan options: ranges (runScan API)', () => {
  const cases: Array<[string, Parameters<typeof runScan>[0] extends infer O ? Partial<O> : never, RegExp]> = [
    ['stapleAttempts 1e9', { settings: { stapleAttempts: 1_000_000_000 } }, /stapleAttempts must be between 1 and/],
    ['targetTimeoutMs 1e14', { targetTimeoutMs: 99_999_999_999_000 }, /targetTimeoutMs must be between/],
    ['targetTimeoutMs NaN', { targetTimeoutMs: Number.NaN }, /targetTimeoutMs must be between/],
    ['concurrency 0', { concurrency: 0 }, /concurrency must be between 1 and/],
    ['concurrency 1.5', { concurrency: 1.5 }, /concurrency must be a whole number/],
    ['connectionsPerEndpoint 1e6', { connectionsPerEndpoint: 1_000_000 }, /connectionsPerEndpoint must be between/],
    ['connectTimeoutMs -1', { settings: { connectTimeoutMs: -1 } }, /connectTimeoutMs must be between/],
    ['clientAuthSettleMs 1e12', { settings: { clientAuthSettleMs: 1e12 } }, /clientAuthSettleMs must be between/],
    ['stapleRetryDelayMs Infinity', { settings: { stapleRetryDelayMs: Number.POSITIVE_INFINITY } }, /stapleRetryDelayMs must be between/],
  ];
  for (const [name, options, message] of cases) {
    test(`${name} is CW_ERR_USAGE`, async () => {
      await assert.rejects(runScan({ policy, targets: [target()], ...options }), (e: Error & { code?: string }) => e.code === 'CW_ERR_USAGE' && message.test(e.message));
    });
  }
  test('replayScan: settings out of range are CW_ERR_USAGE before the evidence is read', async () => {
    await assert.rejects(replayScan('/nonexistent-evidence', policy, { settings: { stapleAttempts: 1e9 } }), { code: 'CW_ERR_USAGE' });
  });
  test('in-range values pass validation (silent on good input): the scan runs and reports', async () => {
    const report = await runScan({ policy, targets: [target()], concurrency: 1, targetTimeoutMs: 2_000, connectionsPerEndpoint: 1, settings: { stapleAttempts: 1, stapleRetryDelayMs: 0, clientAuthSettleMs: 0, connectTimeoutMs: 1_000 } });
    assert.equal(report.results.length, 1);
  });
  test('every limit is a range a Node timer can hold', () => {
    for (const [name, l] of Object.entries(SCAN_OPTION_LIMITS)) {
      assert.ok(l.min <= l.max, name);
      if (l.unit === 'ms') assert.ok(l.max <= 2 ** 31 - 1, `${name}: ${l.max} overflows setTimeout`);
    }
  });
});
