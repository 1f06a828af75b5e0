/**
 * Real clients against the farm, per-case verdicts asserted exactly: curl,
 * Python (urllib; requests when installed), Java (HttpClient, JDK defaults
 * and with revocation on), openssl s_client, gnutls-cli, wget. A client
 * that is not installed skips with the package to install
 * (scripts/test-servers.sh installs them).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { Farm } from '../../src/probe/farm.ts';
import { available, EXPECTED_WRONG, runProfile, wrongCases } from './profiles.ts';

let farm: Farm;
before(async () => {
  farm = await Farm.start();
});
after(async () => {
  await farm.close();
});

/**
 * CI budget: where two profiles share an engine, each runs only the suite
 * where it differs. java and java-revocation differ only on V9.2.4 (java
 * checks no revocation at all: the V9.2.4 cases would only add JVM starts);
 * python-requests uses the same ssl module as python-urllib. Their other
 * verdicts are in the measured table (docs/probe.md, bench/probe.ts).
 */
const SUITE_OF: Readonly<Record<string, string[]>> = { java: ['v9.2.1'], 'java-revocation': ['v9.2.4'], 'python-requests': ['v9.2.1'] };

const cases: [profile: string, pkg: string, check?: string[]][] = [
  ['curl', 'curl'],
  ['curl-cert-status', 'curl'],
  ['python-urllib', 'python3', ['-c', 'import ssl']],
  ['python-requests', 'python3-requests', ['-c', 'import requests']],
  ['openssl', 'openssl', ['version']],
  ['gnutls-cli', 'gnutls-bin'],
  ['wget', 'wget'],
  ['java', 'default-jdk-headless', ['-version']],
  ['java-revocation', 'default-jdk-headless', ['-version']],
];

describe('probe: real clients', () => {
  for (const [profile, pkg, check] of cases) {
    const installed = available(profile, check) && (!profile.startsWith('java') || spawnSync('javac', ['-version'], { stdio: 'ignore' }).status === 0);
    test(`${profile}: gets exactly the measured cases wrong`, { skip: installed ? false : `${pkg} is not installed` }, async () => {
      const suites = SUITE_OF[profile] ?? [];
      const r = await runProfile(profile, farm, profile.startsWith('java') ? 6 : 4, suites);
      const ran = new Set(r.cases.map((c) => c.id));
      const expected = EXPECTED_WRONG[profile]!.filter((id) => ran.has(id));
      assert.deepEqual(wrongCases(r), expected, `${profile}: ${JSON.stringify(r.cases.filter((c) => c.verdict !== 'ok').map((c) => [c.id, c.stderrTail.slice(-200)]))}`);
      assert.equal(r.cases.find((c) => c.id === 'control')!.verdict, 'ok');
      if (!suites.includes('v9.2.1') || suites.includes('v9.2.4')) assert.equal(r.requirements['V9.2.4'].status, 'fail', 'no client but certwarden\'s passes V9.2.4');
    });
  }
});
