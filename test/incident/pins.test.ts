/**
 * Which policy entries an incident makes stale: pins of retired keys and
 * anchors holding retired CAs, at the top level and in destination rules
 * (each named once, where it is written), and nothing when no retired key or
 * CA appears (silent on a good policy).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadPolicy } from '../../src/policy/load.ts';
import { staleAnchors, stalePins } from '../../src/incident/pins.ts';
import { makeLeaf, makeRoot, tempDir } from '../helpers/pki.ts';

const root = makeRoot('CN=Retired Root');
const other = makeRoot('CN=Other Root');
const leaf = makeLeaf(root, 'web.test');
const backup = Buffer.alloc(32, 9).toString('base64');

function policyFile(): { file: string; cleanup: () => void } {
  const tmp = tempDir('certwarden-incident-pins-');
  const rootFile = tmp.write('root.pem', root.certificate.toPem());
  const otherFile = tmp.write('other.pem', other.certificate.toPem());
  const file = tmp.write(
    'policy.yaml',
    [
      'version: 1',
      'trust:',
      `  cas: [${otherFile}]`,
      'destinations:',
      '  - name: web',
      '    match: web.test',
      '    trust:',
      `      cas: [${rootFile}]`,
      '      pins:',
      `        - "sha256/${leaf.certificate.spkiSha256}"`,
      `        - "sha256/${backup}"`,
      '',
    ].join('\n'),
  );
  return { file, cleanup: tmp.cleanup };
}

test('a destination rule\'s pin of a retired key and its anchor holding a retired CA are named with file:line and scope', () => {
  const p = policyFile();
  try {
    const policy = loadPolicy(p.file);
    const pins = stalePins(policy, new Map([[leaf.certificate.spkiSha256, 'the compromised key']]));
    assert.deepEqual(pins.map((x) => [x.scope, x.pin, x.names]), [['destinations[web]', `sha256/${leaf.certificate.spkiSha256}`, 'the compromised key']]);
    assert.match(pins[0]!.where, /policy\.yaml:10$/);
    const anchors = staleAnchors(policy, new Map([[root.certificate.fingerprint256, 'the retired root']]));
    assert.deepEqual(anchors.map((a) => [a.scope, a.names]), [['destinations[web].trust.cas', 'the retired root']]);
  } finally {
    p.cleanup();
  }
});

test('silent when no retired key or CA is in the policy', () => {
  const p = policyFile();
  try {
    const policy = loadPolicy(p.file);
    assert.deepEqual(stalePins(policy, new Map([[Buffer.alloc(32, 1).toString('base64'), 'x']])), []);
    assert.deepEqual(staleAnchors(policy, new Map([['00'.repeat(32), 'x']])), []);
  } finally {
    p.cleanup();
  }
});
