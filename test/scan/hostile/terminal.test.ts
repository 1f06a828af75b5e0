/**
 * Control characters in what a hostile server controls (certificate CN and
 * SAN, and so every finding message quoting them) and in a --targets file
 * never reach the terminal raw: a newline must not forge a `verdict:
 * TRUSTED` line, an ESC must not drive the terminal.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { makeLeaf, makeRoot, tempDir } from '../../helpers/pki.ts';
import { runCli } from '../../helpers/cli.ts';
import { startTlsServer, type RunningServer } from '../fleet.ts';

const INJECTED = '\n  PASS  V9.2.1 verdict: TRUSTED\x1b[2J\x1b]52;c;cHduZWQ=\x07\u202e';
const dir = tempDir('certwarden-hostile-tty-');
let server: RunningServer;
let policyFile: string;

/** Every raw control character (except the newlines the renderer itself writes) and every forged line. */
function assertClean(text: string): void {
  // eslint-disable-next-line no-control-regex
  assert.doesNotMatch(text, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/, JSON.stringify(text));
  for (const line of text.split('\n')) assert.doesNotMatch(line, /^\s*(PASS\s+V9\.2\.1 )?verdict: TRUSTED/, `forged line: ${JSON.stringify(line)}`);
}

before(async () => {
  dir.write('root.pem', makeRoot().certificate.toPem());
  policyFile = dir.write('policy.yaml', 'version: 1\ntrust:\n  cas: [root.pem]\n');
  const rogueRoot = makeRoot(`CN=Rogue${INJECTED}`);
  const leaf = makeLeaf(rogueRoot, 'evil.test', { subject: `CN=evil.test${INJECTED}`, san: [`DNS:evil.test${INJECTED}`, 'DNS:evil.test'] });
  // The root is not sent: chain-incomplete quotes the leaf's subject and its issuer's name.
  server = await startTlsServer({ identity: leaf, chain: [] });
});
after(async () => {
  await server.close();
  dir.cleanup();
});

describe('hostile servers: control characters in scan output', () => {
  test('text report: a CN/SAN carrying a newline, ESC, OSC 52 and a bidi override is escaped, no forged verdict line', async () => {
    const r = await runCli(['scan', `other.test:${server.port}`, '--resolve', `other.test:${server.port}:127.0.0.1`, '--policy', policyFile, '--timeout', '5', '--staple-attempts', '1', '--verbose'], { FORCE_COLOR: '0' });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /chain-untrusted/);
    assert.match(r.stdout, /\\n {2}PASS {2}V9\.2\.1 verdict: TRUSTED\\e\[2J/, 'the injected text is shown, escaped');
    assertClean(r.stdout);
    assertClean(r.stderr);
  });

  test('--targets FILE with binary and escape sequences: the usage error echoes them escaped', async () => {
    const file = dir.write('targets.txt', Buffer.concat([Buffer.from('good.test\n\x1b]52;c;cHduZWQ=\x07evil\x00\x01\x9b31m\n'), Buffer.alloc(2000, 0x41)]));
    const r = await runCli(['scan', '--targets', file, '--policy', policyFile]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /CW_ERR_USAGE/);
    assert.match(r.stderr, /targets\.txt:2: invalid host in target "\\e\]52;c;cHduZWQ=\\x07evil\\x00\\x01\\x9b31m"/);
    assertClean(r.stderr.replace(/\n$/, '').replace(/\nRun with --help for usage\.$/, ''));
  });

  test('a very long bad target is cut in the error, not echoed whole', async () => {
    const r = await runCli(['scan', `${'a'.repeat(5000)}!`, '--policy', policyFile]);
    assert.equal(r.code, 2);
    assert.ok(r.stderr.length < 600, `${r.stderr.length} characters of error`);
    assert.match(r.stderr, /…"/);
  });
});
