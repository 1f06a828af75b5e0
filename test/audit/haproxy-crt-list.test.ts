/**
 * HAProxy crt-list lines' own `[verify … ca-file … crl-file …]` override the
 * bind line for the certificates they list (configuration manual §5.1
 * crt-list), so each such line is judged like a bind, with findings on the
 * crt-list file's own line. Each rule is shown firing and silent; the fixed
 * crt-list is accepted by `haproxy -c`.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runAudit } from '../../src/audit/run.ts';
import { applyEdits } from '../../src/audit/fix.ts';
import type { AuditFinding } from '../../src/audit/report.ts';
import { loadPolicy } from '../../src/policy/load.ts';
import type { Policy } from '../../src/policy/types.ts';
import { keyPem, makeLeaf, makeRoot, tempDir } from '../helpers/pki.ts';

const HAPROXY = '/usr/sbin/haproxy';
/** A configuration check takes well under a second; this only stops a hung binary. */
const CHECK_TIMEOUT_MS = 30_000;

describe('HAProxy crt-list lines judged like binds', () => {
  const tmp = tempDir('certwarden-crt-list-');
  let policy: Policy;
  before(() => {
    const root = makeRoot('CN=Crt List Root');
    const leaf = makeLeaf(root, 'api.crtlist.test');
    tmp.write('root.pem', root.certificate.toPem());
    tmp.write('site.pem', leaf.certificate.toPem() + keyPem(leaf.privateKey));
    tmp.write('other.pem', leaf.certificate.toPem() + keyPem(leaf.privateKey));
    policy = loadPolicy(tmp.write('policy.yaml', 'version: 1\ntrust:\n  cas: [root.pem]\n'));
  });
  after(() => tmp.cleanup());

  /** A frontend whose bind says `bindOptions` over a crt-list with `lines`; returns every finding. */
  function audit(name: string, bindOptions: string, lines: string[]): { findings: AuditFinding[]; conf: string; list: string } {
    const list = tmp.write(`${name}.crtlist`, [...lines, ''].join('\n'));
    const conf = tmp.write(`${name}.cfg`, ['global', '    maxconn 10', 'defaults', '    mode http', '    timeout client 5s', '    timeout server 5s', '    timeout connect 5s', 'frontend web', `    bind 127.0.0.1:8446 ssl crt-list ${list} ${bindOptions}`.trimEnd(), '    http-request return status 200', ''].join('\n'));
    const { report } = runAudit({ paths: [conf], policy });
    return { findings: report.results.flatMap((r) => Object.values(r.requirements).flatMap((q) => q.findings)), conf, list };
  }
  const at = (fs: AuditFinding[], id: string): string[] => fs.filter((f) => f.id === id).map((f) => `${f.file.split('/').pop()}:${f.line}`);
  const site = (): string => join(tmp.dir, 'site.pem');
  const other = (): string => join(tmp.dir, 'other.pem');
  const ca = (): string => join(tmp.dir, 'root.pem');

  test('haproxy-bind-verify-optional fires on a crt-list line that says [verify optional] under a bind that says verify required, at the crt-list line', () => {
    const { findings } = audit('optional', `verify required ca-file ${ca()} crl-file /x.crl`, [site(), `${other()} [verify optional] partner.crtlist.test`]);
    assert.deepEqual(at(findings, 'haproxy-bind-verify-optional'), ['optional.crtlist:2']);
  });

  test('haproxy-bind-verify-optional is silent when every line keeps the bind\'s verify required', () => {
    const { findings } = audit('optional-fp', `verify required ca-file ${ca()} crl-file /x.crl`, [site(), `${other()} [ca-file ${ca()}] partner.crtlist.test`]);
    assert.deepEqual(at(findings, 'haproxy-bind-verify-optional'), []);
    assert.deepEqual(at(findings, 'haproxy-bind-ca-missing'), []);
    assert.deepEqual(at(findings, 'haproxy-bind-crl-missing'), []);
  });

  test('haproxy-bind-verify-optional fires at the bind when the crt-list lines set nothing of their own', () => {
    const { findings } = audit('bind-optional', `verify optional ca-file ${ca()} crl-file /x.crl`, [site()]);
    assert.deepEqual(at(findings, 'haproxy-bind-verify-optional'), ['bind-optional.cfg:9']);
  });

  test('vice versa: a [verify required] line under a bind that verifies nothing is judged like a bind: ca-file and crl-file missing at the crt-list line', () => {
    const { findings } = audit('required', '', [site(), `${other()} [verify required] partner.crtlist.test`]);
    assert.deepEqual(at(findings, 'haproxy-bind-ca-missing'), ['required.crtlist:2']);
    assert.deepEqual(at(findings, 'haproxy-bind-crl-missing'), ['required.crtlist:2']);
    assert.deepEqual(at(findings, 'haproxy-crt-list-verify-none'), []);
  });

  test('a [verify required ca-file … crl-file …] line under a plain bind is silent', () => {
    const { findings } = audit('required-fp', '', [site(), `${other()} [verify required ca-file ${ca()} crl-file /x.crl] partner.crtlist.test`]);
    for (const id of ['haproxy-bind-ca-missing', 'haproxy-bind-crl-missing', 'haproxy-bind-verify-optional', 'haproxy-crt-list-verify-none']) assert.deepEqual(at(findings, id), [], id);
  });

  test('haproxy-bind-ca-missing fires at the bind when the bind verifies without ca-file and only some lines bring their own', () => {
    const { findings } = audit('ca-bind', 'verify required crl-file /x.crl', [site(), `${other()} [ca-file ${ca()}] partner.crtlist.test`]);
    assert.deepEqual(at(findings, 'haproxy-bind-ca-missing'), ['ca-bind.cfg:9']);
  });

  test('haproxy-crt-list-verify-none fires on [verify none] under verify required; silent under a bind that verifies nothing', () => {
    const { findings } = audit('none', `verify required ca-file ${ca()} crl-file /x.crl`, [site(), `${other()} [verify none] legacy.crtlist.test`]);
    assert.deepEqual(at(findings, 'haproxy-crt-list-verify-none'), ['none.crtlist:2']);
    assert.deepEqual(audit('none-fp', '', [site(), `${other()} [verify none] legacy.crtlist.test`]).findings.filter((f) => f.id === 'haproxy-crt-list-verify-none'), []);
  });

  test('the client CA a crt-list line names is read as a trust store (trust-store-unreadable at the crt-list line)', () => {
    const { findings } = audit('ca-unreadable', '', [`${site()} [verify required ca-file /nonexistent/partner-ca.pem crl-file /x.crl]`]);
    assert.deepEqual(at(findings, 'trust-store-unreadable'), ['ca-unreadable.crtlist:1']);
  });

  test('fixes inside the crt-list brackets (verify required, ca-file from the policy) are accepted by haproxy -c and silence the rules', { skip: !existsSync(HAPROXY) && 'haproxy not installed' }, () => {
    const { conf, list } = audit('fix', `verify required ca-file ${ca()}`, [`${site()} [verify optional] api.crtlist.test`, `${other()} [verify none] legacy.crtlist.test`]);
    const check = (): ReturnType<typeof spawnSync> => spawnSync(HAPROXY, ['-c', '-f', conf], { encoding: 'utf8', timeout: CHECK_TIMEOUT_MS });
    const before = check();
    assert.equal(before.status, 0, `${before.stdout}${before.stderr}`);
    const run = runAudit({ paths: [conf], policy });
    const changed = applyEdits(run.edits, run.load.texts, run.load.diskPaths);
    const fixedList = changed.find((c) => c.file.endsWith('fix.crtlist'));
    assert.ok(fixedList, JSON.stringify(changed.map((c) => c.file)));
    assert.equal(fixedList.after, `${site()} [verify required] api.crtlist.test\n${other()} [verify required] legacy.crtlist.test\n`);
    writeFileSync(list, fixedList.after);
    const after = check();
    assert.equal(after.status, 0, `${after.stdout}${after.stderr}`);
    const ids = runAudit({ paths: [conf], policy }).report.results.flatMap((r) => Object.values(r.requirements).flatMap((q) => q.findings.map((f) => f.id)));
    for (const id of ['haproxy-bind-verify-optional', 'haproxy-crt-list-verify-none', 'haproxy-bind-ca-missing']) assert.ok(!ids.includes(id), `${id} still fires`);
  });
});
