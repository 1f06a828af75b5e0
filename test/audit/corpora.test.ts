/**
 * Real-world configurations written by others (../shared/corpora/configs:
 * nginx, Apache, HAProxy): every file is audited on its own and every folder
 * as a tree, without a crash or a hang; a file that cannot be parsed is a
 * typed CW_ERR_CONFIG_PARSE with file and line. Skips cleanly when ../shared
 * is absent. docs/audit.md quotes the numbers these tests print.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { isCertwardenError } from '../../src/errors.ts';
import { runAudit } from '../../src/audit/run.ts';
import { projectRoot } from '../helpers/shared.ts';

const CORPORA = [process.env.CERTWARDEN_SHARED && join(process.env.CERTWARDEN_SHARED, 'corpora', 'configs'), join(projectRoot, '..', 'shared', 'corpora', 'configs')].find((p): p is string => !!p && existsSync(p));

/** The whole corpus (about 600 files) audits in well under a second here; a minute means a hang. */
const CORPUS_BUDGET_MS = 60_000;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

describe('audit on the shared configuration corpora', { skip: !CORPORA && '../shared/corpora/configs is absent' }, () => {
  test('every file audits on its own without a crash or hang; failures are typed with file and line', (t) => {
    const started = Date.now();
    let parsed = 0;
    const failed: string[] = [];
    for (const file of files(CORPORA!).filter((f) => !/(LICENSE(\.txt)?|README\.md)$/.test(f))) {
      try {
        const { report } = runAudit({ paths: [file] });
        parsed++;
        for (const r of report.results) {
          for (const q of Object.values(r.requirements)) {
            if (q.status === 'error') {
              failed.push(`${r.file}:${r.line} ${q.reason}`);
              assert.match(q.reason ?? '', /^CW_ERR_(CONFIG_PARSE|USAGE|IO): .+/);
              assert.ok(r.line >= 1);
            }
          }
        }
      } catch (err) {
        assert.ok(isCertwardenError(err), `untyped error on ${file}: ${(err as Error)?.stack}`);
      }
    }
    const ms = Date.now() - started;
    t.diagnostic(`${parsed} files in ${ms} ms (${((parsed / ms) * 1000).toFixed(0)} files/s); ${failed.length} results in error`);
    for (const f of failed.slice(0, 10)) t.diagnostic(f);
    assert.ok(ms < CORPUS_BUDGET_MS, `took ${ms} ms`);
  });

  test('linuxserver reverse proxies: every https/grpcs upstream lacks proxy_ssl_verify, and the audit finds each one', (t) => {
    const dir = join(CORPORA!, 'nginx', 'linuxserver-reverse-proxy-confs');
    const { report } = runAudit({ paths: [dir] });
    const unverified = new Set(report.results.flatMap((r) => r.requirements['V9.2.1'].findings.filter((f) => f.id === 'nginx-upstream-verify-off').map((f) => f.file)));
    // 20 samples set `$upstream_proto https` or use grpcs://; the 2 templates say `<http or https>` and are not guessed at.
    assert.equal(unverified.size, 20);
    assert.equal(report.summary.rules['nginx-upstream-verify-off'], report.summary.rules['nginx-upstream-trust-missing']);
    assert.equal(report.summary.errors, 0);
    t.diagnostic(JSON.stringify(report.summary.rules));
  });

  for (const sub of ['nginx', 'apache', 'haproxy']) {
    test(`${sub} folder audits as a tree with no result in error`, (t) => {
      const { report } = runAudit({ paths: [join(CORPORA!, sub)] });
      t.diagnostic(`${report.summary.files} files, ${report.summary.targets} results: ${JSON.stringify(report.summary.requirements)} ${JSON.stringify(report.summary.rules)}`);
      assert.equal(report.summary.errors, 0, JSON.stringify(report.results.filter((r) => r.requirements['V9.2.1'].status === 'error').map((r) => r.requirements['V9.2.1'].reason).slice(0, 3)));
    });
  }
});
