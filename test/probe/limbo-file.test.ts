/**
 * Reading the --limbo file: a limbo-shaped file is read whole; anything else
 * is refused whole with CW_ERR_LIMBO_FILE naming the first bad field, before
 * a server starts (a half-read suite would look like a smaller pass).
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isCertwardenError } from '../../src/errors.ts';
import { parseLimbo, readLimboFile } from '../../src/probe/limbo-file.ts';
import { tempDir } from '../helpers/pki.ts';
import { limboTestcase } from './limbo-fixture.ts';

const limboError = (pattern: RegExp) => (e: unknown) => isCertwardenError(e) && e.code === 'CW_ERR_LIMBO_FILE' && pattern.test(e.message);

describe('limbo file', () => {
  const tmp = tempDir('certwarden-limbo-file-');
  after(() => tmp.cleanup());

  test('a limbo-shaped file is read with every field the probe uses (and unknown fields ignored)', async () => {
    const path = tmp.write('ok.json', JSON.stringify({ version: 1, testcases: [limboTestcase({ validation_time: '2024-01-01T00:00:00Z', max_chain_depth: 2, crls: ['x'], extra_field: true })] }));
    const f = await readLimboFile(path);
    assert.equal(f.testcases.length, 1);
    const t = f.testcases[0]!;
    assert.equal(t.id, 'fixture::good');
    assert.equal(t.validationTime?.toISOString(), '2024-01-01T00:00:00.000Z');
    assert.equal(t.maxChainDepth, 2);
    assert.deepEqual(t.crls, ['x']);
    assert.deepEqual(t.expectedPeerName, { kind: 'DNS', value: 'localhost' });
  });

  test('malformed files are refused whole with CW_ERR_LIMBO_FILE naming the bad field', async () => {
    const cases: [string, unknown, RegExp][] = [
      ['top level not an object', [1, 2], /the top level must be an object/],
      ['wrong version', { version: 2, testcases: [limboTestcase()] }, /version must be 1/],
      ['no testcases', { version: 1 }, /testcases must be an array/],
      ['empty testcases', { version: 1, testcases: [] }, /testcases is empty/],
      ['testcase not an object', { version: 1, testcases: ['x'] }, /testcases\[0\] must be an object/],
      ['missing peer_certificate', { version: 1, testcases: [limboTestcase({ peer_certificate: undefined })] }, /testcases\[0\]\.peer_certificate must be a string/],
      ['trusted_certs not strings', { version: 1, testcases: [limboTestcase({ trusted_certs: [1] })] }, /trusted_certs must be an array of strings/],
      ['bad validation_kind', { version: 1, testcases: [limboTestcase({ validation_kind: 'PEER' })] }, /validation_kind must be one of SERVER, CLIENT/],
      ['bad expected_result', { version: 1, testcases: [limboTestcase({ expected_result: 'MAYBE' })] }, /expected_result must be one of SUCCESS, FAILURE/],
      ['bad peer name', { version: 1, testcases: [limboTestcase({ expected_peer_name: { kind: 'URI', value: 'x' } })] }, /expected_peer_name must be/],
      ['bad validation_time', { version: 1, testcases: [limboTestcase({ validation_time: 'yesterday' })] }, /validation_time must be an RFC 3339/],
      ['negative max_chain_depth', { version: 1, testcases: [limboTestcase({ max_chain_depth: -1 })] }, /max_chain_depth must be a whole number/],
      ['repeated id', { version: 1, testcases: [limboTestcase(), limboTestcase()] }, /testcases\[1\]\.id repeats "fixture::good"/],
    ];
    for (const [name, doc, pattern] of cases) {
      assert.throws(() => parseLimbo('f.json', doc), limboError(pattern), name);
      await assert.rejects(readLimboFile(tmp.write(`${name.replaceAll(' ', '-')}.json`, JSON.stringify(doc))), limboError(pattern), name);
    }
  });

  test('not JSON, a missing file and a device are CW_ERR_LIMBO_FILE too', async () => {
    await assert.rejects(readLimboFile(tmp.write('broken.json', '{"version": 1, "testcases": [')), limboError(/is not JSON/));
    await assert.rejects(readLimboFile(tmp.write('empty.json', '')), limboError(/is not JSON/));
    await assert.rejects(readLimboFile(`${tmp.dir}/absent.json`), limboError(/cannot read limbo file/));
    await assert.rejects(readLimboFile('/dev/zero'), limboError(/not a regular file/));
  });
});
