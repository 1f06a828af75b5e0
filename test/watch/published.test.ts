/** Events and metric names are declared once in code; docs/watch.md publishes them. This keeps the two in step. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EVENTS } from '../../src/watch/events.ts';
import { METRICS } from '../../src/watch/metrics.ts';

const doc = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'watch.md'), 'utf8');

function between(begin: string, end: string): string {
  return doc.slice(doc.indexOf(begin) + begin.length, doc.indexOf(end)).trim();
}

test('docs/watch.md lists every event with its kind, severity, title and fix', () => {
  const rows = Object.entries(EVENTS).map(([id, e]) => `| \`${id}\` | ${e.kind} | ${e.severity} | ${e.title} | ${e.fix} |`);
  assert.equal(between('<!-- events:begin -->', '<!-- events:end -->'), ['| event | kind | severity | what happened | fix |', '| --- | --- | --- | --- | --- |', ...rows].join('\n'));
});

test('docs/watch.md lists every metric with its type and help', () => {
  const rows = Object.entries(METRICS).map(([name, m]) => `| \`${name}\` | ${m.type} | ${m.help} |`);
  assert.equal(between('<!-- metrics:begin -->', '<!-- metrics:end -->'), ['| metric | type | help |', '| --- | --- | --- |', ...rows].join('\n'));
});
