/** The shared report model: the status ranking and the summary every report (scan, audit, probe) uses. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { judgeRequirement, resultStatus, summarize, type ReportFinding, type Result } from '../../src/report/model.ts';

const f = (severity: ReportFinding['severity']): ReportFinding => ({ id: `x-${severity}`, severity, message: 'm' });

test('judgeRequirement: a failing finding beats an error, an error beats a warning, a warning beats na, na beats pass', () => {
  assert.deepEqual(judgeRequirement([f('high'), f('medium')], 'down', 'nothing'), { status: 'fail' });
  assert.deepEqual(judgeRequirement([f('critical')]), { status: 'fail' });
  assert.deepEqual(judgeRequirement([f('medium')], 'down', 'nothing'), { status: 'error', reason: 'down' });
  assert.deepEqual(judgeRequirement([f('low')], undefined, 'nothing'), { status: 'warn' });
  assert.deepEqual(judgeRequirement([f('info')], undefined, 'nothing'), { status: 'na', reason: 'nothing' });
  assert.deepEqual(judgeRequirement([f('info')]), { status: 'pass' });
  assert.deepEqual(judgeRequirement([]), { status: 'pass' });
});

test('an error is never a pass, even with an empty reason', () => {
  assert.equal(judgeRequirement([], '').status, 'error');
});

test('summarize counts statuses and severities per requirement, failed and errored results', () => {
  const results: Result[] = [
    { target: 'a', requirements: { 'V9.2.1': { status: 'fail', findings: [f('high'), f('info')] }, 'V9.2.4': { status: 'pass', findings: [] } } },
    { target: 'b', requirements: { 'V9.2.1': { status: 'warn', findings: [f('medium')] }, 'V9.2.4': { status: 'error', findings: [], reason: 'r' } } },
    { target: 'c', requirements: { 'V9.2.1': { status: 'na', findings: [], reason: 'r' }, 'V9.2.4': { status: 'na', findings: [], reason: 'r' } } },
  ];
  const s = summarize(results);
  assert.equal(s.targets, 3);
  assert.deepEqual(s.requirements['V9.2.1'], { pass: 0, fail: 1, warn: 1, na: 1, error: 0 });
  assert.deepEqual(s.requirements['V9.2.4'], { pass: 1, fail: 0, warn: 0, na: 1, error: 1 });
  assert.deepEqual(s.findings, { critical: 0, high: 1, medium: 1, low: 0, info: 1 });
  assert.equal(s.failed, 1);
  assert.equal(s.errors, 1);
  assert.deepEqual(results.map(resultStatus), ['fail', 'error', 'na']);
});
