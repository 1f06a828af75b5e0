/**
 * STARTTLS: small fake servers that speak each protocol's plaintext preamble
 * and then upgrade the same socket to a real TLS server (tls.TLSSocket) with a
 * chain minted at test time (starttls-fakes.ts). Every protocol must reach the
 * chain (V9.2.1 pass); every refusal, missing capability, malformed or
 * hostile answer must be an `error`, never a pass, and bounded in bytes and time.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { keyPem } from '../helpers/pki.ts';
import { runCli } from '../helpers/cli.ts';
import { runScan } from '../../src/scan/runner.ts';
import { parseTarget } from '../../src/scan/target.ts';
import type { TargetResult } from '../../src/scan/report.ts';
import { MAX_PREAMBLE_BYTES } from '../../src/scan/starttls/io.ts';
import type { StarttlsProtocol } from '../../src/scan/starttls/index.ts';
import { FAST, makePki, type Pki } from './fleet.ts';
import { FakeServers, isLdapStartTls, ldapExtendedResponse, tlsIdentity, type Dialogue, type Script } from './starttls-fakes.ts';

const TARGET_TIMEOUT_MS = 3_000;
const STARTTLS_OID = '1.3.6.1.4.1.1466.20037';

// ---- SMTP (RFC 3207, RFC 5321) ----

const EHLO_WITH_STARTTLS = '250-mx.test greets certwarden.invalid\r\n250-PIPELINING\r\n250-STARTTLS\r\n250 8BITMIME\r\n';

async function smtpUntilStarttls(d: Dialogue, ehlo = EHLO_WITH_STARTTLS): Promise<void> {
  // A multi-line greeting (RFC 5321 §4.2.1), and the EHLO reply split over two segments.
  await d.send('220-mx.test ESMTP fake\r\n220 no UCE\r\n');
  assert.match(await d.line(), /^EHLO \S+$/);
  const cut = ehlo.indexOf('250-', 5);
  await d.send(ehlo.slice(0, cut));
  await new Promise((r) => setTimeout(r, 20));
  await d.send(ehlo.slice(cut));
  assert.equal(await d.line(), 'STARTTLS');
}

const smtp: Script = async (d) => {
  await smtpUntilStarttls(d);
  await d.upgrade('220 2.0.0 Ready to start TLS\r\n');
};
const smtpRefused: Script = async (d) => {
  await smtpUntilStarttls(d);
  // The escape sequence must not reach a terminal through the report.
  await d.send('454 4.7.0 \x1b[2JTLS not available due to temporary reason\r\n');
};
const smtpNoStarttls: Script = async (d) => {
  await d.send('220 mx.test ESMTP\r\n');
  await d.line();
  await d.send('250-mx.test\r\n250-STARTTLSX\r\n250 SIZE 1000\r\n');
  await d.line().then(() => d.send('502 5.5.1 unrecognized\r\n'));
};
const smtpInjection: Script = async (d) => {
  await smtpUntilStarttls(d);
  // CVE-2011-0411-style: plaintext after the go-ahead the client might take as protected.
  await d.upgrade('220 go ahead\r\n250 injected\r\n');
};
const smtpFlood: Script = async (d) => {
  const chunk = Buffer.alloc(16 * 1024, 0x41);
  for (let i = 0; i < 64 && !d.socket.destroyed; i++) await d.send(chunk);
};
const smtpFloodLines: Script = async (d) => {
  const chunk = Buffer.from('220-hello\r\n'.repeat(1_000), 'latin1');
  for (let i = 0; i < 64 && !d.socket.destroyed; i++) await d.send(chunk);
};
const smtpDrip: Script = async (d) => {
  while (!d.socket.destroyed) {
    await d.send('220-still here\r\n');
    await new Promise((r) => setTimeout(r, 50));
  }
};

// ---- IMAP (RFC 9051, RFC 3501) ----

const imap: Script = async (d) => {
  await d.send('* OK fake IMAP4rev1 ready\r\n');
  assert.equal(await d.line(), 'cw1 CAPABILITY');
  // A literal whose bytes contain a line end (RFC 9051 §4.3), then the capabilities.
  await d.send('* ID ("name" {10}\r\nfake\r\nimap)\r\n* CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED\r\ncw1 OK CAPABILITY completed\r\n');
  assert.equal(await d.line(), 'cw2 STARTTLS');
  await d.upgrade('cw2 OK Begin TLS negotiation now\r\n');
};
const imapGreetingCaps: Script = async (d) => {
  await d.send('* OK [CAPABILITY IMAP4rev2 STARTTLS LOGINDISABLED] ready\r\n');
  assert.equal(await d.line(), 'cw2 STARTTLS');
  await d.upgrade('cw2 OK Begin TLS negotiation now\r\n');
};
const imapRefused: Script = async (d) => {
  await d.send('* OK [CAPABILITY IMAP4rev1 STARTTLS] ready\r\n');
  await d.line();
  await d.send('cw2 NO [UNAVAILABLE] TLS is not configured\r\n');
};
const imapNoStarttls: Script = async (d) => {
  await d.send('* OK ready\r\n');
  await d.line();
  await d.send('* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\ncw1 OK done\r\n');
  await d.line().then(() => d.send('cw2 BAD unknown command\r\n'));
};
const imapPreauth: Script = async (d) => {
  await d.send('* PREAUTH [CAPABILITY IMAP4rev1 STARTTLS] logged in as you\r\n');
  await d.line().then(() => d.upgrade('cw2 OK go\r\n'));
};

// ---- POP3 (RFC 2595, RFC 2449, RFC 1939) ----

const pop3: Script = async (d) => {
  await d.send('+OK fake POP3 ready\r\n');
  assert.equal(await d.line(), 'CAPA');
  await d.send('+OK Capability list follows\r\nUSER\r\nSTLS\r\n..dot-stuffed\r\nUIDL\r\n.\r\n');
  assert.equal(await d.line(), 'STLS');
  await d.upgrade('+OK Begin TLS negotiation\r\n');
};
const pop3Refused: Script = async (d) => {
  await d.send('+OK fake POP3 ready\r\n');
  await d.line();
  await d.send('-ERR CAPA not supported\r\n'); // RFC 1939-only: the STLS answer decides
  assert.equal(await d.line(), 'STLS');
  await d.send('-ERR Command not permitted when TLS active\r\n');
};
const pop3NoStls: Script = async (d) => {
  await d.send('+OK fake POP3 ready\r\n');
  await d.line();
  await d.send('+OK\r\nUSER\r\nSTLSX\r\nSASL PLAIN\r\n.\r\n');
  await d.line().then(() => d.upgrade('+OK go\r\n'));
};

// ---- FTP (RFC 4217, RFC 959) ----

const ftp: Script = async (d) => {
  // RFC 959 §5.4: 120 first; a multi-line 220 whose middle line is free text (§4.2).
  await d.send('120 ready in 0 minutes\r\n220-Welcome to the fake FTP\r\n  230 is not the end of this reply\r\n220 ready\r\n');
  assert.equal(await d.line(), 'AUTH TLS');
  await d.upgrade('234 AUTH TLS successful\r\n');
};
const ftpRefused: Script = async (d) => {
  await d.send('220 ready\r\n');
  await d.line();
  await d.send('534 Policy requires plain FTP\r\n');
};
const ftpNoAuth: Script = async (d) => {
  await d.send('220 ready\r\n');
  await d.line();
  await d.send('502 Command not implemented\r\n');
};

// ---- LDAP (RFC 4511 §4.14, RFC 4513 §3) ----

function ldapScript(answer: Buffer | ((d: Dialogue) => Promise<void>), upgrade = true): Script {
  return async (d) => {
    const head = await d.bytes(2);
    const request = Buffer.concat([head, await d.bytes(head[1]!)]);
    assert.ok(isLdapStartTls(request));
    if (typeof answer === 'function') return answer(d);
    if (upgrade) await d.upgrade(answer);
    else await d.send(answer);
  };
}
const SUCCESS = Buffer.from([0x00]);
// OpenLDAP style: 0x84 four-octet lengths, responseName present (RFC 4511 §4.14.2).
const ldap = ldapScript(ldapExtendedResponse({ resultCode: SUCCESS, responseName: STARTTLS_OID, long: true }));
const ldapRefused = ldapScript(ldapExtendedResponse({ resultCode: Buffer.from([0x02]), diagnostic: 'unsupported extended operation' }), false);
// Regression: a BER ENUMERATED with a leading zero octet (53, unwillingToPerform)
// was read as its first octet, 0 = success: a refusal turned into a pass.
const ldapNonMinimalRefusal = ldapScript(ldapExtendedResponse({ resultCode: Buffer.from([0x00, 0x35]) }));
const ldapNotice = ldapScript(ldapExtendedResponse({ messageId: 0, resultCode: Buffer.from([0x34]), responseName: '1.3.6.1.4.1.1466.20036', diagnostic: 'shutting down' }), false);
const ldapHuge = ldapScript(async (d) => {
  // Declares a 2 GiB message, then dribbles: refused on the header, not after 2 GiB.
  await d.send(Buffer.from([0x30, 0x84, 0x7f, 0xff, 0xff, 0xff, 0x02, 0x01, 0x01]));
  while (!d.socket.destroyed) {
    await d.send(Buffer.alloc(1024));
    await new Promise((r) => setTimeout(r, 20));
  }
});
const ldapWrongId = ldapScript(ldapExtendedResponse({ messageId: 7, resultCode: SUCCESS }));

// ---- PostgreSQL (protocol §55.2.10) ----

function postgresScript(answer: string): Script {
  return async (d) => {
    const m = await d.bytes(8);
    assert.equal(m.readInt32BE(0), 8);
    assert.equal(m.readInt32BE(4), 80877103);
    if (answer.startsWith('S')) await d.upgrade(answer);
    else await d.send(answer);
  };
}

interface Case {
  protocol: StarttlsProtocol;
  script: Script;
}

const GOOD: Record<string, Case> = {
  smtp: { protocol: 'smtp', script: smtp },
  imap: { protocol: 'imap', script: imap },
  'imap-greeting-capabilities': { protocol: 'imap', script: imapGreetingCaps },
  pop3: { protocol: 'pop3', script: pop3 },
  ftp: { protocol: 'ftp', script: ftp },
  ldap: { protocol: 'ldap', script: ldap },
  postgres: { protocol: 'postgres', script: postgresScript('S') },
};

/** Each must end in `error` for both requirements, with an attempt message matching `why`. */
const BAD: Record<string, Case & { why: RegExp }> = {
  'smtp-refused': { protocol: 'smtp', script: smtpRefused, why: /SMTP STARTTLS refused: STARTTLS answered 454 4\.7\.0 \?\[2JTLS not available/ },
  'smtp-no-starttls': { protocol: 'smtp', script: smtpNoStarttls, why: /does not advertise STARTTLS/ },
  'smtp-injection': { protocol: 'smtp', script: smtpInjection, why: /14 byte\(s\) arrived after the server's go-ahead/ },
  'smtp-flood': { protocol: 'smtp', script: smtpFlood, why: new RegExp(`more than ${MAX_PREAMBLE_BYTES} bytes`) },
  'smtp-flood-lines': { protocol: 'smtp', script: smtpFloodLines, why: new RegExp(`more than ${MAX_PREAMBLE_BYTES} bytes`) },
  'smtp-drip': { protocol: 'smtp', script: smtpDrip, why: /no answer within|budget ran out/ },
  'imap-refused': { protocol: 'imap', script: imapRefused, why: /IMAP STARTTLS refused: STARTTLS answered cw2 NO \[UNAVAILABLE\]/ },
  'imap-no-starttls': { protocol: 'imap', script: imapNoStarttls, why: /does not advertise the STARTTLS capability/ },
  'imap-preauth': { protocol: 'imap', script: imapPreauth, why: /PREAUTH/ },
  'pop3-refused': { protocol: 'pop3', script: pop3Refused, why: /POP3 STARTTLS refused: STLS answered -ERR/ },
  'pop3-no-stls': { protocol: 'pop3', script: pop3NoStls, why: /does not advertise STLS/ },
  'ftp-refused': { protocol: 'ftp', script: ftpRefused, why: /FTP STARTTLS refused: AUTH TLS answered 534/ },
  'ftp-no-auth-tls': { protocol: 'ftp', script: ftpNoAuth, why: /AUTH TLS answered 502/ },
  'ldap-refused': { protocol: 'ldap', script: ldapRefused, why: /LDAP STARTTLS refused: resultCode 2 \(protocolError\): unsupported extended operation/ },
  'ldap-non-minimal-refusal': { protocol: 'ldap', script: ldapNonMinimalRefusal, why: /resultCode 53 \(unwillingToPerform\)/ },
  'ldap-notice-of-disconnection': { protocol: 'ldap', script: ldapNotice, why: /Notice of Disconnection, resultCode 52 \(unavailable\): shutting down/ },
  'ldap-huge-length': { protocol: 'ldap', script: ldapHuge, why: /declares \d+ bytes, over the/ },
  'ldap-wrong-message-id': { protocol: 'ldap', script: ldapWrongId, why: /messageID 7 answers no request/ },
  'postgres-no-ssl': { protocol: 'postgres', script: postgresScript('N'), why: /answered N/ },
  'postgres-injection': { protocol: 'postgres', script: postgresScript('SELECT 1;'), why: /8 byte\(s\) arrived after the server's go-ahead/ },
  'smtp-to-imap': { protocol: 'smtp', script: imap, why: /does not speak SMTP/ },
};

let pki: Pki;
let fakes: FakeServers;
const ports = new Map<string, number>();
let results: Map<string, TargetResult>;
let policyFile: string;

before(async () => {
  pki = await makePki();
  const leaf = pki.leaf('mx.test');
  fakes = new FakeServers(tlsIdentity(leaf.certificate.toPem() + pki.inter.certificate.toPem(), keyPem(leaf.privateKey), pki.staple(leaf)));
  for (const [name, c] of Object.entries({ ...GOOD, ...BAD })) ports.set(name, await fakes.start(c.script));
  policyFile = pki.policyFile('revocation:\n  check: leaf\n');
  const pgPort = ports.get('postgres')!;
  const report = await runScan({
    policy: pki.policy('revocation:\n  check: leaf\n'),
    targets: [
      ...Object.entries({ ...GOOD, ...BAD }).map(([name, c]) => ({ ...parseTarget(`mx.test:${ports.get(name)}`, c.protocol), address: '127.0.0.1', input: name })),
      { ...parseTarget(`mx.test:${pgPort}`, 'smtp'), address: '127.0.0.1', input: 'wrong-protocol' },
    ],
    settings: FAST,
    targetTimeoutMs: TARGET_TIMEOUT_MS,
    concurrency: 64,
  });
  // The report as the JSON format writes it.
  results = new Map((JSON.parse(JSON.stringify(report)) as typeof report).results.map((r) => [r.target, r]));
});

after(async () => {
  await fakes.close();
  await pki.close();
});

function summary(r: TargetResult | undefined): string {
  return JSON.stringify({ req: r?.requirements, attempts: r?.attempts.map((a) => `${a.check}:${a.status}:${a.reason ?? ''}:${a.message ?? ''}`) });
}

describe('certwarden scan --starttls: each protocol reaches the TLS chain', () => {
  for (const name of Object.keys(GOOD)) {
    test(`${name}: preamble, upgrade, chain judged (V9.2.1 pass)`, () => {
      const r = results.get(name);
      assert.equal(r?.requirements['V9.2.1'].status, 'pass', summary(r));
      assert.ok(r.attempts.every((a) => a.status !== 'error'), summary(r));
      assert.equal(r.starttls, GOOD[name]!.protocol);
    });
  }
  test('the stapled response is seen through the upgrade (V9.2.4 pass)', () => {
    for (const name of Object.keys(GOOD)) assert.equal(results.get(name)?.requirements['V9.2.4'].status, 'pass', `${name}: ${summary(results.get(name))}`);
  });
});

describe('certwarden scan --starttls: refusals and hostile servers are errors, never a pass', () => {
  for (const [name, c] of Object.entries(BAD)) {
    test(`${name}: error (${c.why.source.slice(0, 60)})`, () => {
      const r = results.get(name);
      assert.equal(r?.requirements['V9.2.1'].status, 'error', summary(r));
      assert.equal(r.requirements['V9.2.4'].status, 'error', summary(r));
      const failed = r.attempts.filter((a) => a.status === 'error');
      assert.ok(failed.length > 0, summary(r));
      assert.ok(failed.some((a) => c.why.test(a.message ?? '')), summary(r));
      assert.ok(failed.every((a) => a.reason === 'usage' || a.reason === 'connectivity'), summary(r));
      assert.ok(r.attempts.every((a) => !/\x1b/.test(a.message ?? '')), 'no control characters from the server');
    });
  }
  test('the wrong preamble for the endpoint is an error, never a pass', () => {
    assert.equal(results.get('wrong-protocol')?.requirements['V9.2.1'].status, 'error');
    assert.equal(results.get('wrong-protocol')?.requirements['V9.2.4'].status, 'error');
  });
  test('a flood is cut at the byte cap, well before the time budget', () => {
    for (const name of ['smtp-flood', 'smtp-flood-lines', 'ldap-huge-length']) {
      const r = results.get(name)!;
      assert.ok(r.durationMs < TARGET_TIMEOUT_MS / 2, `${name} took ${r.durationMs} ms`);
    }
  });
  test('a server that drips lines forever costs at most the time budget, and its connections are released', async () => {
    const r = results.get('smtp-drip')!;
    assert.ok(r.durationMs <= TARGET_TIMEOUT_MS + 500, `took ${r.durationMs} ms`);
    const open = fakes.open.get(ports.get('smtp-drip')!)!;
    for (let i = 0; i < 50 && open.size > 0; i++) await new Promise((res) => setTimeout(res, 20));
    assert.equal(open.size, 0, 'the scanner closed every connection');
  });
});

describe('certwarden scan --starttls (CLI): a refusal exits 2 with the requirements in error', () => {
  const fast = ['--staple-attempts', String(FAST.stapleAttempts), '--staple-retry-delay', '0.02', '--timeout', '5', '--format', 'json'];
  const pairs: Array<[StarttlsProtocol, string, string]> = [
    ['smtp', 'smtp', 'smtp-refused'],
    ['imap', 'imap', 'imap-refused'],
    ['pop3', 'pop3', 'pop3-refused'],
    ['ftp', 'ftp', 'ftp-refused'],
    ['ldap', 'ldap', 'ldap-refused'],
    ['postgres', 'postgres', 'postgres-no-ssl'],
  ];
  test('per protocol: the good server passes V9.2.1, the refusing one is error, exit 2', async () => {
    await Promise.all(
      pairs.map(async ([protocol, good, bad]) => {
        const g = `mx.test:${ports.get(good)}`;
        const b = `mx.test:${ports.get(bad)}`;
        const r = await runCli(['scan', g, b, '--starttls', protocol, '--resolve', `${g}:127.0.0.1`, '--resolve', `${b}:127.0.0.1`, '--policy', policyFile, ...fast]);
        assert.equal(r.code, 2, `${protocol}: ${r.stderr}${r.stdout.slice(0, 2000)}`);
        const j = JSON.parse(r.stdout) as { results: TargetResult[] };
        const by = new Map(j.results.map((x) => [x.target, x]));
        assert.equal(by.get(g)?.requirements['V9.2.1'].status, 'pass', `${protocol} good: ${summary(by.get(g))}`);
        assert.equal(by.get(b)?.requirements['V9.2.1'].status, 'error', `${protocol} refused: ${summary(by.get(b))}`);
        assert.equal(by.get(b)?.requirements['V9.2.4'].status, 'error');
      }),
    );
  });
});
