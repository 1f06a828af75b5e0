import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const here = import.meta.dirname;
const hasPromtool = spawnSync('promtool', ['--version'], { stdio: 'ignore' }).status === 0;
const skip = !hasPromtool && 'promtool not installed (scripts/test-servers.sh installs the Debian prometheus package)';

test('examples/watch.rules.yml is valid (promtool check rules)', { skip }, () => {
  const r = spawnSync('promtool', ['check', 'rules', join(here, '..', '..', 'examples', 'watch.rules.yml')], { encoding: 'utf8' });
  assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
});

test('the alert rules fire on failing, down and expiring targets and stay silent on good ones (promtool test rules)', { skip }, () => {
  const r = spawnSync('promtool', ['test', 'rules', 'rules-test.yml'], { cwd: here, encoding: 'utf8' });
  assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
});
