/**
 * Email alerts: a real SMTP conversation with a sink (smtp-server) on
 * 127.0.0.1. An event reaches the sink once, with the event and target in the
 * Subject and the evidence and fix in the body; a refusing or absent relay
 * keeps it in the outbox and a later retry delivers it exactly once (also
 * across a restart); a CR/LF in certificate-derived text never makes a header;
 * STARTTLS required is never downgraded; no email channel, no SMTP.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { SMTPServer } from 'smtp-server';
import { parseWatchConfig, type WatchConfig } from '../../src/watch/config.ts';
import { startWatch, type RunningWatch } from '../../src/watch/service.ts';
import { emailSubject, EmailTransport } from '../../src/watch/email.ts';
import type { WatchEvent } from '../../src/watch/events.ts';
import type { Clock } from '../../src/watch/scheduler.ts';
import { isCertwardenError } from '../../src/errors.ts';
import { freePort, makeWorld, startSink, type World } from './fixtures.ts';
import { keyPem, makeLeaf, makeRoot } from '../helpers/pki.ts';

/** Timers never fire: the test drives scans and deliveries itself. */
class FrozenClock implements Clock {
  t = Date.now();
  now(): number {
    return this.t;
  }
  setTimer(): () => void {
    return () => {};
  }
}

interface Mail {
  from: string;
  to: string[];
  raw: string;
  headers: Array<[string, string]>;
  subject: string;
  body: string;
}

/** Headers of a raw message, unfolded (RFC 5322 §2.2.3), and its body decoded when quoted-printable, with LF line ends. */
function parseMail(raw: string, from: string, to: string[]): Mail {
  const split = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, split).replace(/\r\n[ \t]/g, ' ');
  const headers = head.split('\r\n').map((line): [string, string] => {
    const i = line.indexOf(':');
    return [line.slice(0, i).toLowerCase(), line.slice(i + 1).trim()];
  });
  let body = raw.slice(split + 4);
  if (headers.some(([k, v]) => k === 'content-transfer-encoding' && /quoted-printable/i.test(v))) {
    body = Buffer.from(body.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8');
  }
  return { from, to, raw, headers, subject: headers.find(([k]) => k === 'subject')?.[1] ?? '', body: body.replace(/\r\n/g, '\n') };
}

interface Sink {
  port: number;
  url: string;
  mails: Mail[];
  /** An SMTP reply code to refuse every message with (e.g. 451), or 0 to accept. */
  refuse: number;
  /** Whether each accepted message came over TLS, and who authenticated. */
  secure: boolean[];
  users: string[];
  close(): Promise<void>;
}

/** An SMTP relay on 127.0.0.1 that records what it accepts: plain (no STARTTLS, no AUTH), or with `tls` STARTTLS and AUTH (one account) over it. */
async function startSmtpSink(port = 0, tls?: { key: string; cert: string; user: string; password: string }): Promise<Sink> {
  const sink: Sink = { port: 0, url: '', mails: [], refuse: 0, secure: [], users: [], close: async () => {} };
  const server = new SMTPServer({
    ...(tls ? { key: tls.key, cert: tls.cert, authMethods: ['PLAIN', 'LOGIN'] } : { disabledCommands: ['STARTTLS', 'AUTH'] }),
    logger: false,
    onAuth(auth, _session, cb) {
      if (tls && auth.username === tls.user && auth.password === tls.password) return cb(null, { user: auth.username });
      cb(Object.assign(new Error('bad credentials'), { responseCode: 535 }));
    },
    onRcptTo(_address, _session, cb) {
      if (sink.refuse === 0) return cb();
      const err = Object.assign(new Error('try again later'), { responseCode: sink.refuse });
      cb(err);
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
        sink.mails.push(parseMail(Buffer.concat(chunks).toString('utf8'), from, session.envelope.rcptTo.map((r) => r.address)));
        sink.secure.push(session.secure);
        sink.users.push(String(session.user ?? ''));
        cb();
      });
    },
  });
  server.on('error', () => {});
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  sink.port = (server.server.address() as AddressInfo).port;
  sink.url = `smtp://127.0.0.1:${sink.port}`;
  sink.close = () => new Promise<void>((r) => server.close(() => r()));
  return sink;
}

describe('email alerts', () => {
  let world: World;
  let sink: Sink;
  let deadPort: number;
  const clock = new FrozenClock();
  const running: RunningWatch[] = [];

  const configWith = (alerts: string, store: string): WatchConfig =>
    parseWatchConfig(`version: 1\npolicy: policy.yaml\nstore: ./${store}\ntargets:\n  - { target: dead.test:${deadPort}, resolve: 127.0.0.1 }\n  - { ca: ca }\nalerts:\n${alerts}`, `${world.dir}/watch.yaml`);
  const logs: string[] = [];
  const start = async (c: WatchConfig): Promise<RunningWatch> => {
    const r = await startWatch(c, { clock, port: 0, scan: { settings: { stapleAttempts: 1 } }, log: (e) => logs.push(JSON.stringify(e)) });
    running.push(r);
    return r;
  };
  const stop = async (r: RunningWatch): Promise<void> => {
    await r.stop();
    running.splice(running.indexOf(r), 1);
  };

  before(async () => {
    world = await makeWorld();
    sink = await startSmtpSink();
    deadPort = await freePort();
  });

  after(async () => {
    for (const r of running) await r.stop().catch(() => {});
    await sink?.close();
    await world?.close();
  });

  test('an event reaches the SMTP sink once: event and target in the Subject, evidence and fix in the body', async () => {
    sink.mails.length = 0;
    const w = await start(configWith(`  - email: { to: [ops@example.test, oncall@example.test], from: certwarden@example.test, smtp: "${sink.url}" }\n`, 'once'));
    const r = await w.engine.scanTarget(w.engine.targets[0]!, new Date(clock.t));
    assert.deepEqual(r.events.map((e) => e.event), ['target-unreachable']);
    await w.deliverer.deliverDue();
    await w.deliverer.deliverDue();
    assert.equal(sink.mails.length, 1);
    const m = sink.mails[0]!;
    assert.equal(m.from, 'certwarden@example.test');
    assert.deepEqual(m.to, ['ops@example.test', 'oncall@example.test']);
    assert.equal(m.subject, `[certwarden] HIGH target-unreachable on dead.test:${deadPort}`);
    assert.match(m.body, new RegExp(`^Target: +dead\\.test:${deadPort}$`, 'm'));
    assert.match(m.body, /^Evidence:\n\{/m);
    assert.match(m.body, /^Fix: Check the service is up/m);
    assert.ok(m.headers.some(([k, v]) => k === 'x-certwarden-event-id' && v === r.events[0]!.key));
    assert.ok(m.headers.some(([k, v]) => k === 'message-id' && v === `<${r.events[0]!.key}@certwarden.invalid>`));
    assert.equal(await w.store.pending(), 0);
    assert.match(await w.engine.metrics(), /^certwarden_alerts_sent_total\{channel="email",event="target-unreachable"\} 1$/m);
    await stop(w);
  });

  test('a relay answering 451 keeps the alert in the outbox; a later retry delivers it exactly once, also across a restart', async () => {
    sink.mails.length = 0;
    sink.refuse = 451;
    const config = configWith(`  - email: { to: [ops@example.test], from: certwarden@example.test, smtp: "${sink.url}" }\n    name: mail\n`, 'refused');
    let w = await start(config);
    await w.engine.scanTarget(w.engine.targets[0]!, new Date(clock.t));
    await w.deliverer.deliverDue();
    assert.equal(sink.mails.length, 0);
    assert.equal(await w.store.pending(), 1, 'kept, not lost');
    sink.refuse = 0;
    await w.deliverer.deliverDue(); // its backoff holds it
    assert.equal(sink.mails.length, 0);
    await stop(w);

    clock.t += 60_000;
    w = await start(config);
    await w.deliverer.deliverDue();
    assert.equal(sink.mails.length, 1);
    assert.equal(await w.store.pending(), 0);
    await stop(w);
    w = await start(config);
    clock.t += 3_600_000;
    await w.deliverer.deliverDue();
    assert.equal(sink.mails.length, 1, 'a restart sends no duplicate');
    await stop(w);
  });

  test('a refused connection keeps the alert; once the relay is up, the retry delivers it once', async () => {
    const port = await freePort();
    const w = await start(configWith(`  - email: { to: [ops@example.test], from: certwarden@example.test, smtp: "smtp://127.0.0.1:${port}" }\n`, 'no-relay'));
    await w.engine.scanTarget(w.engine.targets[0]!, new Date(clock.t));
    await w.deliverer.deliverDue();
    assert.equal(await w.store.pending(), 1);
    const late = await startSmtpSink(port);
    try {
      clock.t += 60_000;
      await w.deliverer.deliverDue();
      await w.deliverer.deliverDue();
      assert.equal(late.mails.length, 1);
      assert.equal(await w.store.pending(), 0);
    } finally {
      await stop(w);
      await late.close();
    }
  });

  test('starttls: required never sends in clear to a relay that does not offer STARTTLS', async () => {
    sink.mails.length = 0;
    const w = await start(configWith(`  - email: { to: [ops@example.test], from: certwarden@example.test, smtp: "${sink.url}", starttls: required }\n`, 'tls-required'));
    await w.engine.scanTarget(w.engine.targets[0]!, new Date(clock.t));
    await w.deliverer.deliverDue();
    assert.equal(sink.mails.length, 0);
    assert.equal(await w.store.pending(), 1, 'refused, kept for a retry');
    await stop(w);
  });

  test('a CR/LF in a target or certificate text never creates a header', async () => {
    sink.mails.length = 0;
    const evil: WatchEvent = {
      key: 'f'.repeat(64),
      event: 'served-unknown',
      severity: 'critical',
      target: 'evil.test:443\r\nBcc: victim@example.test\r\nX-Injected: yes',
      at: new Date(clock.t).toISOString(),
      subject: 'CN=x\nX-Injected: subject',
      message: 'serves CN=evil\r\nX-Injected: body\r\n.\r\nMAIL FROM:<forged@example.test>',
      evidence: { subject: 'CN=evil\r\nX-Injected: evidence' },
      fix: 'replace it',
    };
    assert.ok(!/[\r\n]/.test(emailSubject(evil)));
    const transport = new EmailTransport({ to: ['ops@example.test'], from: 'certwarden@example.test', url: sink.url, starttls: 'opportunistic' });
    try {
      await transport.send(evil);
    } finally {
      transport.close();
    }
    assert.equal(sink.mails.length, 1, 'one message: the body cannot end the transaction and start another');
    const m = sink.mails[0]!;
    assert.deepEqual(m.to, ['ops@example.test'], 'no injected recipient');
    assert.ok(!m.headers.some(([k]) => k === 'x-injected' || k === 'bcc'), m.raw);
    assert.match(m.subject, /^\[certwarden\] CRITICAL served-unknown on evil\.test:443\\r\\nBcc: victim@example\.test\\r\\nX-Injected: yes$/);
    assert.ok(!/^X-Injected/m.test(m.body), 'no forged line in the body either');
  });

  test('silent when no email channel is configured: webhook alerts only, no SMTP connection', async () => {
    sink.mails.length = 0;
    const hook = await startSink();
    let connections = 0;
    const counter = new SMTPServer({ logger: false, disabledCommands: ['STARTTLS', 'AUTH'], onConnect: (_s, cb) => (connections++, cb()) });
    await new Promise<void>((r) => counter.listen(0, '127.0.0.1', r));
    try {
      const w = await start(configWith(`  - webhook: ${hook.url}\n`, 'webhook-only'));
      await w.engine.scanTarget(w.engine.targets[0]!, new Date(clock.t));
      await w.deliverer.deliverDue();
      assert.equal(hook.received.length, 1);
      assert.equal(sink.mails.length, 0);
      assert.equal(connections, 0);
      assert.doesNotMatch(await w.engine.metrics(), /channel="email"/);
      await stop(w);
    } finally {
      await hook.close();
      await new Promise<void>((r) => counter.close(() => r()));
    }
  });

  test('the configuration refuses what would weaken or leak: credentials in the URL, a password without TLS, starttls on smtps, both kinds at once', () => {
    const bad: Array<[string, RegExp]> = [
      ['email: { to: [a@b.test], from: c@d.test, smtp: "smtp://u:p@127.0.0.1:25" }', /must not carry credentials/],
      ['email: { to: [a@b.test], from: c@d.test, smtp: "smtp://mail.example.test:587", starttls: opportunistic, user: u, password-file: pw }', /password is not sent to mail\.example\.test without TLS/],
      ['email: { to: [a@b.test], from: c@d.test, smtp: "smtps://mail.example.test", starttls: required }', /starttls applies to smtp:/],
      ['email: { to: [a@b.test], from: c@d.test, smtp: "smtp://127.0.0.1:25", user: u }', /user and password-file go together/],
      ['{ webhook: "http://127.0.0.1:1/h", email: { to: [a@b.test], from: c@d.test, smtp: "smtp://127.0.0.1:25" } }', /exactly one of webhook or email/],
      ['email: { to: ["a@b.test\\r\\nBcc: x@y.test"], from: c@d.test, smtp: "smtp://127.0.0.1:25" }', /to\[0\]/],
      ['email: { to: [a@b.test], from: c@d.test, smtp: "http://127.0.0.1:25" }', /smtp/],
    ];
    for (const [alert, message] of bad) {
      assert.throws(() => parseWatchConfig(`version: 1\npolicy: p.yaml\ntargets: [a.test:443]\nalerts:\n  - ${alert}\n`, '/tmp/w.yaml'), (e: unknown) => isCertwardenError(e) && message.test((e as Error).message), alert);
    }
    const ok = parseWatchConfig(`version: 1\npolicy: p.yaml\ntargets: [a.test:443]\nalerts:\n  - email: { to: [a@b.test], from: c@d.test, smtp: "smtp://mail.example.test:587", user: u, password-file: pw }\n  - email: { to: [a@b.test], from: c@d.test, smtp: "smtp://127.0.0.1:2525" }\n`, '/tmp/w.yaml');
    assert.deepEqual(ok.alerts.map((a) => [a.name, 'email' in a ? a.email.starttls : '']), [['email', 'required'], ['email-2', 'opportunistic']]);
  });

  test('nodemailer is imported on the first email, not by loading the service or building the transport', async () => {
    const port = await freePort();
    const src = (f: string): string => pathToFileURL(`${import.meta.dirname}/../../src/watch/${f}`).href;
    const script = `
      import { registerHooks } from 'node:module';
      let loaded = false;
      registerHooks({ resolve(spec, ctx, next) { if (spec === 'nodemailer') loaded = true; return next(spec, ctx); } });
      await import(${JSON.stringify(src('service.ts'))});
      const { EmailTransport } = await import(${JSON.stringify(src('email.ts'))});
      const t = new EmailTransport({ to: ['a@b.test'], from: 'c@d.test', url: 'smtp://127.0.0.1:${port}', starttls: 'opportunistic' });
      const before = loaded;
      await t.send({ key: 'k', event: 'target-unreachable', severity: 'high', target: 't:1', at: 'x', message: 'm', evidence: {}, fix: 'f' }).catch(() => {});
      t.close();
      console.log(JSON.stringify({ before, after: loaded }));`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout.trim()), { before: false, after: true });
  });

  test('STARTTLS required with ca-file and AUTH: delivered over verified TLS; the relay certificate is refused without its CA; the password is never logged', async () => {
    const root = makeRoot('CN=SMTP Test Root');
    const leaf = makeLeaf(root, 'localhost');
    const password = 'smtp-password-never-logged';
    const tlsSink = await startSmtpSink(0, { key: keyPem(leaf.privateKey), cert: leaf.certificate.toPem(), user: 'alerts', password });
    world.write('smtp-root.pem', root.certificate.toPem());
    world.write('smtp.password', `${password}\n`);
    const channel = (extra: string): string => `  - email: { to: [ops@example.test], from: certwarden@example.test, smtp: "${tlsSink.url}", starttls: required, user: alerts, password-file: smtp.password${extra} }\n`;
    logs.length = 0;
    try {
      const untrusted = await start(configWith(channel(''), 'tls-untrusted'));
      await untrusted.engine.scanTarget(untrusted.engine.targets[0]!, new Date(clock.t));
      await untrusted.deliverer.deliverDue();
      assert.equal(tlsSink.mails.length, 0, 'a relay certificate the system does not trust: nothing sent');
      assert.equal(await untrusted.store.pending(), 1);
      assert.ok(logs.some((l) => /watch_alert_failed.*(certificate|issuer)/.test(l)), `refused for its certificate: ${logs.join('\n')}`);
      await stop(untrusted);

      const trusted = await start(configWith(channel(', ca-file: smtp-root.pem'), 'tls-trusted'));
      await trusted.engine.scanTarget(trusted.engine.targets[0]!, new Date(clock.t));
      await trusted.deliverer.deliverDue();
      assert.equal(tlsSink.mails.length, 1);
      assert.deepEqual(tlsSink.secure, [true]);
      assert.deepEqual(tlsSink.users, ['alerts']);
      assert.equal(await trusted.store.pending(), 0);
      await stop(trusted);
      assert.ok(logs.some((l) => l.includes('watch_alert_failed')) && logs.some((l) => l.includes('watch_alert_sent')));
      assert.ok(!logs.some((l) => l.includes(password)), 'no log line carries the password');
    } finally {
      await tlsSink.close();
    }
  });

  test('a ca-file without a certificate is refused at start (it would trust nothing, silently)', async () => {
    world.write('empty.pem', 'not a certificate\n');
    await assert.rejects(start(configWith(`  - email: { to: [ops@example.test], from: certwarden@example.test, smtp: "${sink.url}", ca-file: empty.pem }\n`, 'bad-ca')), /holds no PEM certificate/);
  });
});
