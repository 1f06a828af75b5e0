/**
 * Limbo ids, details and descriptions come from the --limbo file: hostile
 * text. Text output escapes them (no raw control character reaches the
 * terminal), HTML escapes them, and JUnit keeps them inside attributes.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PLAIN_PALETTE } from '../../src/core/io.ts';
import { renderProbeText } from '../../src/probe/render/text.ts';
import { renderProbeHtml } from '../../src/probe/render/html.ts';
import { renderProbeJunit } from '../../src/probe/render/junit.ts';
import { summarizeProbe, type ProbeReport, type ProbeResult } from '../../src/probe/report.ts';

const HOSTILE = 'evil::\u001b[2J\u001b]0;pwned\u0007<script>"';

function report(): ProbeReport {
  const id = `limbo:${HOSTILE}` as const;
  const result: ProbeResult = {
    target: 'curl {url}',
    command: ['curl', '{url}'],
    pinning: false,
    suites: ['limbo'],
    requirements: {
      'V9.2.1': { status: 'fail', findings: [{ id: `client-accepts-${id}`, severity: 'high', message: `the client accepted ${id}`, check: 'probe', details: { case: id } }] },
      'V9.2.4': { status: 'na', findings: [], reason: 'no case of this requirement was in the selected suites' },
    },
    cases: [{ id, requirement: 'V9.2.1', expected: 'reject', got: 'accepted', verdict: 'wrong', exitStatus: 0, signal: null, server: { handshakes: 1, requests: 1 }, stderrTail: '', durationMs: 5 }],
    notServable: [],
    limbo: { file: `limbo\u001b[31m.json`, testcases: 2, applied: 1, skippedByReason: [{ reason: 'no-leaf-key', count: 1, text: 'no key' }], skipped: [{ id: `limbo:${HOSTILE}2`, reason: 'no-leaf-key', detail: HOSTILE }] },
    durationMs: 10,
  };
  return { version: 1, tool: { name: 'certwarden', version: '0' }, at: '2026-12-02T00:00:00.000Z', results: [result], summary: summarizeProbe([result]) };
}

describe('limbo text in the renderers', () => {
  test('text output (verbose, so every skipped vector is listed) has no raw control character', () => {
    const text = renderProbeText(report(), PLAIN_PALETTE, { verbose: true });
    assert.doesNotMatch(text, /[\u0000-\u0008\u000b-\u001f\u007f]/);
    assert.match(text, /WRONG limbo:evil::/);
    assert.match(text, /skipped limbo:evil::.*: no-leaf-key/);
  });

  test('HTML and JUnit escape it', () => {
    assert.doesNotMatch(renderProbeHtml(report()), /<script>/);
    const junit = renderProbeJunit(report());
    assert.doesNotMatch(junit, /<script>|[\u0000-\u0008\u000b-\u001f]/);
    assert.match(junit, /skipped="1"/);
  });
});
