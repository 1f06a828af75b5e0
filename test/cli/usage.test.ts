/**
 * CLI paper cuts seen in a trial: group help, unknown options with a
 * suggestion, one clear line for a refused connection, "Run with --help" only
 * for usage errors, complete usage texts, and user-named files read with a
 * cap from regular files only (`pin /dev/zero` once grew to 16.7 GB).
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { execFileSync } from 'node:child_process';
import { truncateSync, writeFileSync } from 'node:fs';
import { makeIntermediate, makeLeaf, makeRoot, tempDir } from '../helpers/pki.ts';
import { assertOneLineError, runCli } from '../helpers/cli.ts';
import { closestOption } from '../../src/cli/args.ts';
import { describeConnectError } from '../../src/net/connect-error.ts';
import { freshCa, PASSPHRASE } from '../ca/fixtures.ts';

const tmp = tempDir('certwarden-usage-');
after(() => tmp.cleanup());

const root = makeRoot();
const inter = makeIntermediate(root);
const leaf = makeLeaf(inter, 'usage.test');
const files = {
  leaf: tmp.write('leaf.pem', leaf.certificate.toPem()),
  inter: tmp.write('inter.pem', inter.certificate.toPem()),
  chain: tmp.write('chain.pem', leaf.certificate.toPem() + inter.certificate.toPem()),
  policy: tmp.write('policy.yaml', 'version: 1\ntrust:\n  cas: [root.pem]\n'),
  root: tmp.write('root.pem', root.certificate.toPem()),
};

describe('command groups: `certwarden ca --help` lists the group', () => {
  for (const [group, commands] of [
    ['ca', ['ca init', 'ca issue', 'ca renew', 'ca revoke', 'ca list', 'ca crl', 'ca serve']],
    ['ocsp', ['ocsp verify', 'ocsp check']],
    ['crl', ['crl verify']],
  ] as const) {
    test(`${group} --help and ${group} -h list its commands with summaries (exit 0)`, async () => {
      for (const flag of ['--help', '-h']) {
        const r = await runCli([group, flag]);
        assert.equal(r.code, 0, r.stderr);
        assert.doesNotMatch(r.stderr, /unknown command/);
        for (const c of commands) assert.match(r.stdout, new RegExp(`^  ${c} +\\S`, 'm'));
      }
    });
  }
  test('`certwarden ca` alone lists the group and exits 2 (no command given)', async () => {
    const r = await runCli(['ca']);
    assert.equal(r.code, 2);
    assert.match(r.stdout, /^ {2}ca revoke +revoke/m);
  });
  test('an unknown command of a group is still unknown, with the group\'s commands as hints', async () => {
    const r = await runCli(['ca', 'frobnicate']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown command "ca frobnicate".*ca init/);
  });
});

describe('unknown options: a clear CW_ERR_USAGE with the closest known option', () => {
  test('a typo suggests the option meant', async () => {
    const r = await runCli(['verify', '--polcy', files.policy, '--chain', files.chain]);
    assertOneLineError(r, 'CW_ERR_USAGE');
    assert.match(r.stderr, /unknown option --polcy \(did you mean --policy\?\)/);
    assert.doesNotMatch(r.stderr, /To specify a positional argument/);
  });
  test('every command gets it (ocsp verify, pin)', async () => {
    assert.match((await runCli(['ocsp', 'verify', '--respnse', 'x'])).stderr, /did you mean --response\?/);
    assert.match((await runCli(['pin', files.leaf, '--formt', 'json'])).stderr, /did you mean --format\?/);
  });
  test('nothing close: no suggestion', async () => {
    const r = await runCli(['verify', '--frobnicate']);
    assertOneLineError(r, 'CW_ERR_USAGE');
    assert.match(r.stderr, /unknown option --frobnicate\n/);
  });
  test('a missing value is named', async () => {
    const r = await runCli(['verify', '--policy']);
    assertOneLineError(r, 'CW_ERR_USAGE');
    assert.match(r.stderr, /--policy needs a value/);
  });
  test('closestOption: typos within a third of the name, nothing for strangers', () => {
    const known = ['policy', 'chain', 'host', 'no-revocation', 'staple', 'format'];
    assert.equal(closestOption('--polcy', known), 'policy');
    assert.equal(closestOption('--no-revokation', known), 'no-revocation');
    assert.equal(closestOption('--stapel', known), 'staple');
    assert.equal(closestOption('--zzzzzz', known), undefined);
    assert.equal(closestOption('-x', known), undefined);
  });
});

describe('a refused connection is said once, with host:port', () => {
  test('pin 127.0.0.1:1: ECONNREFUSED once', async () => {
    const r = await runCli(['pin', '127.0.0.1:1']);
    assertOneLineError(r, 'CW_ERR_FETCH');
    assert.equal(r.stderr.match(/ECONNREFUSED/g)?.length, 1, r.stderr);
    assert.match(r.stderr, /127\.0\.0\.1:1: connection refused \(ECONNREFUSED\)/);
    assert.doesNotMatch(r.stderr, /Run with --help/);
  });
  test('scan of a closed port: ECONNREFUSED at most once per line (it was five times on one line)', { timeout: 60_000 }, async () => {
    const r = await runCli(['scan', '--policy', files.policy, '127.0.0.1:1']);
    assert.equal(r.code, 2, r.stderr + r.stdout);
    for (const line of r.stdout.split('\n')) assert.ok((line.match(/ECONNREFUSED/g)?.length ?? 0) <= 1, line);
    // Every failed check is still named.
    for (const check of ['trust-chain', 'key-strength', 'client-auth', 'stapling', 'revocation-status']) assert.match(r.stdout, new RegExp(check));
  });
  test('ocsp check against a closed port: the reason says connection refused, once', async () => {
    const aia = makeLeaf(inter, 'aia.test', { ocspUrls: ['http://127.0.0.1:1/ocsp'] });
    const r = await runCli(['ocsp', 'check', '--cert', tmp.write('aia.pem', aia.certificate.toPem()), '--issuer', files.inter]);
    assert.equal(r.code, 2, r.stderr + r.stdout);
    assert.equal(r.stdout.match(/ECONNREFUSED/g)?.length, 1, r.stdout);
    assert.match(r.stdout, /connection refused \(ECONNREFUSED\)/);
  });
  test('a name with several addresses (AggregateError, empty message) is one phrase naming each address', async () => {
    // Real connection attempts to two closed loopback ports through a lookup that returns both addresses.
    const err = await new Promise<Error>((resolve) => {
      const socket = net.connect({
        host: 'two-addresses.test',
        port: 1,
        autoSelectFamily: true,
        lookup: ((_h: string, o: { all?: boolean }, cb: (e: null, a: unknown, f?: number) => void) =>
          o.all ? cb(null, [{ address: '127.0.0.1', family: 4 }, { address: '127.0.0.2', family: 4 }]) : cb(null, '127.0.0.1', 4)) as never,
      });
      socket.on('error', resolve);
    });
    assert.ok(err instanceof AggregateError, 'Node reports several failed addresses as an AggregateError');
    assert.equal(err.message, '');
    assert.equal(describeConnectError(err), 'connection refused (ECONNREFUSED) on each of 127.0.0.1, 127.0.0.2');
  });
});

describe('"Run with --help for usage." only for usage errors', () => {
  test('a usage error gets it', async () => {
    assert.match((await runCli(['verify', '--policy', files.policy])).stderr, /Run with --help for usage\./);
  });
  test('an operational error does not', async () => {
    const r = await runCli(['verify', '--policy', files.policy, '--chain', `${tmp.dir}/missing.pem`]);
    assertOneLineError(r, 'CW_ERR_IO');
    assert.doesNotMatch(r.stderr, /Run with --help/);
  });
  test('`ca revoke` of a certificate already revoked is CW_ERR_STATE, without the usage hint', async () => {
    const f = await freshCa();
    try {
      const issued = await f.ca.issue({ profile: 'server', sans: ['DNS:revoked-twice.test'] });
      await f.ca.close();
      const env = { CERTWARDEN_CA_PASSPHRASE: PASSPHRASE, CERTWARDEN_CA_DIR: f.dir };
      const serial = issued.certificate.serialHex;
      const first = await runCli(['ca', 'revoke', serial, '--reason', 'superseded'], env);
      assert.equal(first.code, 0, first.stderr);
      const again = await runCli(['ca', 'revoke', serial, '--reason', 'superseded'], env);
      assertOneLineError(again, 'CW_ERR_STATE');
      assert.match(again.stderr, /already revoked/);
      assert.doesNotMatch(again.stderr, /Run with --help/);
    } finally {
      f.cleanup();
    }
  });
});

describe('usage texts are complete', () => {
  const expected: Record<string, string[]> = {
    verify: ['--policy', '--chain', '--host', '--at', '--staple', '--no-revocation', '--allow-file-crl', '--format'],
    'ocsp check': ['--cert', '--issuer', '--url', '--timeout', '--post', '--nonce', '--at', '--format'],
    'ocsp verify': ['--response', '--cert', '--issuer', '--at', '--max-age', '--format'],
    'crl verify': ['--crl', '--issuer', '--cert', '--at', '--max-age', '--format'],
    pin: ['--servername', '--passphrase-file', '--all', '--format'],
  };
  for (const [command, options] of Object.entries(expected)) {
    test(`${command} --help names every option it accepts`, async () => {
      const r = await runCli([...command.split(' '), '--help']);
      assert.equal(r.code, 0);
      const usageLine = r.stdout.split('\n')[0]!;
      for (const o of options) assert.ok(usageLine.includes(o), `${command} usage line lacks ${o}: ${usageLine}`);
    });
  }
});

describe('user-named files: capped, regular files only', () => {
  const big = tmp.write('big.pem', '');
  truncateSync(big, 5 * 1024 * 1024); // sparse: no disk used
  const fifo = `${tmp.dir}/fifo`;
  execFileSync('mkfifo', [fifo]);

  const readers: Array<[string, (path: string) => string[]]> = [
    ['pin FILE', (p) => ['pin', p]],
    ['verify --chain', (p) => ['verify', '--policy', files.policy, '--chain', p]],
    ['verify --staple', (p) => ['verify', '--policy', files.policy, '--chain', files.chain, '--staple', p]],
    ['ocsp verify --response', (p) => ['ocsp', 'verify', '--response', p, '--cert', files.leaf, '--issuer', files.inter]],
    ['ocsp verify --cert', (p) => ['ocsp', 'verify', '--response', files.leaf, '--cert', p, '--issuer', files.inter]],
    ['crl verify --crl', (p) => ['crl', 'verify', '--crl', p, '--cert', files.leaf, '--issuer', files.inter]],
    ['crl verify --issuer', (p) => ['crl', 'verify', '--crl', files.leaf, '--cert', files.leaf, '--issuer', p]],
    ['ocsp check --cert', (p) => ['ocsp', 'check', '--cert', p, '--issuer', files.inter]],
  ];
  for (const [name, argv] of readers) {
    test(`${name}: /dev/zero and a FIFO are refused at once (not a regular file)`, { timeout: 30_000 }, async () => {
      for (const p of ['/dev/zero', fifo]) {
        const r = await runCli(argv(p));
        assertOneLineError(r, 'CW_ERR_IO');
        assert.match(r.stderr, /is not a regular file/);
        assert.doesNotMatch(r.stderr, /Run with --help/);
      }
    });
  }
  test('a certificate file above the cap is refused before it is read whole', async () => {
    const r = await runCli(['verify', '--policy', files.policy, '--chain', big]);
    assertOneLineError(r, 'CW_ERR_IO');
    assert.match(r.stderr, /larger than \d+ bytes/);
  });
  test('a CRL gets the larger CRL cap: 5 MiB is parsed (and found malformed), not refused for size', async () => {
    const r = await runCli(['crl', 'verify', '--crl', big, '--cert', files.leaf, '--issuer', files.inter, '--format', 'json']);
    assert.doesNotMatch(r.stderr, /larger than/);
    assert.ok(r.code === 1 || r.code === 2, r.stderr);
  });
  test('a CRL above the CRL cap is refused', async () => {
    const huge = tmp.write('huge.crl', '');
    truncateSync(huge, 200 * 1024 * 1024);
    const r = await runCli(['crl', 'verify', '--crl', huge, '--cert', files.leaf, '--issuer', files.inter]);
    assertOneLineError(r, 'CW_ERR_IO');
    assert.match(r.stderr, /larger than/);
  });
  test('ordinary files still read (silent on good input)', async () => {
    writeFileSync(`${tmp.dir}/again.pem`, leaf.certificate.toPem());
    const r = await runCli(['pin', `${tmp.dir}/again.pem`]);
    assert.equal(r.code, 0, r.stderr);
  });
});

describe('--help after -- belongs to the probed command', () => {
  test('probe --suite nope -- curl -h: the suite is judged (usage error), probe usage is not printed instead', async () => {
    const r = await runCli(['probe', '--suite', 'nope', '--', 'curl', '-h']);
    assert.equal(r.code, 2);
    assert.doesNotMatch(r.stdout, /Usage|usage:/);
    assert.match(r.stderr, /CW_ERR_USAGE/);
  });
});
