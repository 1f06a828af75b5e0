/**
 * Scan scenarios against real servers: each scenario starts one server on
 * loopback with its own DNS name, all of a suite are scanned in one
 * `certwarden scan` run, and each requirement's verdict is its own test so a
 * known scanner disagreement can be marked `todo` without hiding the other.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertRequirement, resultFor, scanJson, writePolicy, type Expectation, type ScanReport } from './scan-cli.ts';
import { startTestPki, type TestPki } from './test-pki.ts';

export type Requirement = 'V9.2.1' | 'V9.2.4';

export interface Scenario {
  /** DNS name of the server (SNI and hostname check): also the scenario's title. */
  name: string;
  /** What the server is and why the verdicts follow. */
  about: string;
  start: (pki: TestPki) => Promise<{ port: number; stop: () => Promise<void> }>;
  expect: Record<Requirement, Expectation>;
  /** Known scanner disagreements, per requirement: the reason (shown as node:test todo). */
  todo?: Partial<Record<Requirement, string>>;
}

export interface SuiteOptions {
  /** Extra top-level YAML lines for the policy (after `revocation: mode: hard-fail`). */
  policy?: string[];
  /** Extra scan arguments. */
  args?: string[];
}

function describeExpectation(e: Expectation): string {
  const status = typeof e.status === 'string' ? e.status : `not ${e.status.not.join('/')}`;
  return e.ids?.length ? `${status} (${e.ids.join(', ')})` : status;
}

export function scanSuite(title: string, scenarios: Scenario[], o: SuiteOptions = {}): void {
  describe(title, () => {
    let pki: TestPki;
    const servers: { stop: () => Promise<void> }[] = [];
    const ports = new Map<string, number>();
    let report: ScanReport;
    let code: number;
    let policy: { path: string; cleanup: () => void } | undefined;

    before(async () => {
      pki = await startTestPki();
      await Promise.all(
        scenarios.map(async (s) => {
          const server = await s.start(pki);
          servers.push(server);
          ports.set(s.name, server.port);
        }),
      );
      policy = writePolicy(pki.rootPem, o.policy);
      ({ report, code } = await scanJson(
        scenarios.map((s) => ({ name: s.name, port: ports.get(s.name)! })),
        policy.path,
        ['--timeout', '10', ...(o.args ?? [])],
      ));
    });
    after(async () => {
      await Promise.all(servers.map((s) => s.stop()));
      policy?.cleanup();
      await pki?.stop();
    });

    // docs/scan.md: the default --fail-on is `high`, the severity that fails a requirement.
    test('exit code is 1 when any requirement fails, 0 otherwise', () => {
      const anyFail = report.results.some((r) => Object.values(r.requirements).some((q) => q.status === 'fail'));
      assert.equal(code, anyFail ? 1 : 0);
    });

    for (const s of scenarios) {
      for (const req of ['V9.2.1', 'V9.2.4'] as const) {
        const reason = s.todo?.[req];
        test(`${s.name}: ${s.about} → ${req} ${describeExpectation(s.expect[req])}`, reason ? { todo: reason } : {}, () => {
          assertRequirement(resultFor(report, { name: s.name, port: ports.get(s.name)! }), req, s.expect[req]);
        });
      }
    }
  });
}
