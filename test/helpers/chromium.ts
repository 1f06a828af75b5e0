/**
 * Headless Chromium driven over the DevTools protocol on a pipe
 * (--remote-debugging-pipe: NUL-terminated JSON on fds 3 and 4; no port, no
 * WebSocket library). Chromium gets no network at all: as root it runs in a
 * network namespace of its own (`unshare -n`), and every request the page
 * makes is intercepted (Fetch domain) and answered by this process, which
 * forwards only requests for the origin under test to that loopback server;
 * anything else fails and is recorded in `blocked`. Its resolver is mapped to
 * nothing as well, so it asks no DNS server either way.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';

/** One protocol call: Chromium answers in milliseconds; 20 s means it is stuck. */
export const CDP_CALL_TIMEOUT_MS = 20_000;

export function chromiumPath(): string | undefined {
  const r = spawnSync('which', ['chromium']);
  const path = r.stdout?.toString().trim();
  return r.status === 0 && path ? path : undefined;
}

interface Pending {
  resolve: (v: Record<string, unknown>) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

type Listener = (params: Record<string, unknown>, sessionId: string | undefined) => void;

export class Chromium {
  readonly #child: ChildProcess;
  readonly #in: Writable;
  readonly #profile: string;
  #nextId = 1;
  readonly #pending = new Map<number, Pending>();
  readonly #listeners = new Map<string, Listener[]>();
  #buffer = '';

  private constructor(child: ChildProcess, profile: string) {
    this.#child = child;
    this.#profile = profile;
    this.#in = child.stdio[3] as Writable;
    (child.stdio[4] as Readable).on('data', (chunk: Buffer) => this.#receive(chunk.toString('utf8')));
    child.on('exit', () => {
      for (const p of this.#pending.values()) p.reject(new Error('chromium exited'));
      this.#pending.clear();
    });
  }

  static async launch(binary: string): Promise<Chromium> {
    const profile = mkdtempSync(join(tmpdir(), 'cw-chromium-'));
    const args = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-domain-reliability', '--dns-prefetch-disable', '--host-resolver-rules=MAP * ~NOTFOUND', '--disable-extensions', `--user-data-dir=${profile}`, '--remote-debugging-pipe', 'about:blank'];
    const isolated = process.getuid?.() === 0 && spawnSync('unshare', ['-n', 'true']).status === 0;
    const child = isolated ? spawn('unshare', ['-n', binary, ...args], { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] }) : spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] });
    child.stderr?.resume();
    const c = new Chromium(child, profile);
    await c.send('Browser.getVersion');
    return c;
  }

  #receive(text: string): void {
    this.#buffer += text;
    let end: number;
    while ((end = this.#buffer.indexOf('\0')) >= 0) {
      const message = JSON.parse(this.#buffer.slice(0, end)) as { id?: number; result?: Record<string, unknown>; error?: { message: string }; method?: string; params?: Record<string, unknown>; sessionId?: string };
      this.#buffer = this.#buffer.slice(end + 1);
      if (message.id !== undefined) {
        const p = this.#pending.get(message.id);
        if (!p) continue;
        this.#pending.delete(message.id);
        clearTimeout(p.timer);
        if (message.error) p.reject(new Error(`CDP: ${message.error.message}`));
        else p.resolve(message.result ?? {});
      } else if (message.method) {
        for (const l of this.#listeners.get(message.method) ?? []) l(message.params ?? {}, message.sessionId);
      }
    }
  }

  send(method: string, params: Record<string, unknown> = {}, sessionId?: string): Promise<Record<string, unknown>> {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`CDP: ${method} got no answer in ${CDP_CALL_TIMEOUT_MS} ms`));
      }, CDP_CALL_TIMEOUT_MS);
      this.#pending.set(id, { resolve, reject, timer });
      this.#in.write(`${JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) })}\0`);
    });
  }

  on(method: string, listener: Listener): void {
    this.#listeners.set(method, [...(this.#listeners.get(method) ?? []), listener]);
  }

  /** A new tab whose every request is answered by `origin` (a loopback server), through this process. */
  async newPage(origin: string): Promise<Page> {
    const { targetId } = (await this.send('Target.createTarget', { url: 'about:blank' })) as { targetId: string };
    const { sessionId } = (await this.send('Target.attachToTarget', { targetId, flatten: true })) as { sessionId: string };
    const page = new Page(this, sessionId, origin);
    await page.init();
    return page;
  }

  async close(): Promise<void> {
    const exited = new Promise<void>((r) => {
      if (this.#child.exitCode !== null || this.#child.signalCode !== null) r();
      else this.#child.once('exit', () => r());
    });
    await this.send('Browser.close').catch(() => {});
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
    rmSync(this.#profile, { recursive: true, force: true });
  }
}

export class Page {
  readonly #browser: Chromium;
  readonly sessionId: string;
  readonly #origin: string;
  /** URLs the page asked for outside the origin under test (refused). */
  readonly blocked: string[] = [];
  /** JavaScript dialogs (alert, confirm) the page opened: an injected script would show here. */
  readonly dialogs: string[] = [];
  /** Uncaught exceptions and console/log errors (a CSP violation is logged as an error). */
  readonly errors: string[] = [];
  /** Response headers of the requests forwarded, by URL path. */
  readonly responses = new Map<string, Record<string, string>>();

  constructor(browser: Chromium, sessionId: string, origin: string) {
    this.#browser = browser;
    this.sessionId = sessionId;
    this.#origin = origin;
  }

  send(method: string, params: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    return this.#browser.send(method, params, this.sessionId);
  }

  async init(): Promise<void> {
    const mine = (sid: string | undefined): boolean => sid === this.sessionId;
    this.#browser.on('Fetch.requestPaused', (p, sid) => {
      if (mine(sid)) void this.#forward(p as { requestId: string; request: { url: string; method: string; headers: Record<string, string>; postData?: string } });
    });
    this.#browser.on('Page.javascriptDialogOpening', (p, sid) => {
      if (!mine(sid)) return;
      this.dialogs.push(String(p.message));
      void this.send('Page.handleJavaScriptDialog', { accept: false });
    });
    this.#browser.on('Runtime.exceptionThrown', (p, sid) => {
      if (mine(sid)) this.errors.push(JSON.stringify((p.exceptionDetails as { exception?: { description?: string } }).exception?.description ?? p));
    });
    this.#browser.on('Log.entryAdded', (p, sid) => {
      const e = p.entry as { level: string; text: string };
      if (mine(sid) && e.level === 'error') this.errors.push(e.text);
    });
    await this.send('Fetch.enable', { patterns: [{ urlPattern: '*' }] });
    await this.send('Page.enable');
    await this.send('Runtime.enable');
    await this.send('Log.enable');
  }

  async #forward(p: { requestId: string; request: { url: string; method: string; headers: Record<string, string>; postData?: string } }): Promise<void> {
    const url = new URL(p.request.url);
    if (url.origin !== this.#origin) {
      this.blocked.push(p.request.url);
      await this.send('Fetch.failRequest', { requestId: p.requestId, errorReason: 'BlockedByClient' }).catch(() => {});
      return;
    }
    try {
      const res = await fetch(p.request.url, { method: p.request.method, headers: p.request.headers, ...(p.request.postData !== undefined ? { body: p.request.postData } : {}), redirect: 'manual' });
      const body = Buffer.from(await res.arrayBuffer());
      const headers: Record<string, string> = {};
      res.headers.forEach((v, k) => (headers[k] = v));
      this.responses.set(url.pathname, headers);
      await this.send('Fetch.fulfillRequest', { requestId: p.requestId, responseCode: res.status, responseHeaders: Object.entries(headers).map(([name, value]) => ({ name, value })), body: body.toString('base64') });
    } catch {
      await this.send('Fetch.failRequest', { requestId: p.requestId, errorReason: 'ConnectionRefused' }).catch(() => {});
    }
  }

  async evaluate<T>(expression: string): Promise<T> {
    const r = (await this.send('Runtime.evaluate', { expression, returnByValue: true, awaitPromise: true })) as { result: { value?: T }; exceptionDetails?: { text: string } };
    if (r.exceptionDetails) throw new Error(`evaluate: ${r.exceptionDetails.text}: ${expression}`);
    return r.result.value as T;
  }

  /** Poll until `expression` is truthy (the dashboard sets body[data-rendered] after each view). */
  async waitFor(expression: string, timeoutMs = 15_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      if (await this.evaluate<boolean>(`Boolean(${expression})`).catch(() => false)) return;
      if (Date.now() > end) throw new Error(`timed out waiting for ${expression}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Navigate and wait for the dashboard's next completed render. */
  async goto(url: string): Promise<void> {
    await this.evaluate('window.__leaving = true');
    await this.send('Page.navigate', { url });
    await this.waitFor(`!window.__leaving && document.readyState === 'complete' && document.body && document.body.getAttribute('data-rendered')`);
  }

  rendered(): Promise<number> {
    return this.evaluate<number>(`Number(document.body.getAttribute('data-rendered') || 0)`);
  }

  /** A real mouse click in the middle of the element (Input domain), as a person would. */
  async click(selector: string): Promise<void> {
    const box = await this.evaluate<{ x: number; y: number } | null>(`(() => { const e = document.querySelector(${JSON.stringify(selector)}); if (!e) return null; e.scrollIntoView({ block: 'center' }); const r = e.getBoundingClientRect(); return { x: r.left + r.width / 2, y: r.top + r.height / 2 }; })()`);
    if (!box) throw new Error(`no element matches ${selector}`);
    for (const type of ['mouseMoved', 'mousePressed', 'mouseReleased']) await this.send('Input.dispatchMouseEvent', { type, x: box.x, y: box.y, button: 'left', clickCount: 1 });
  }

  /** Focus a field and type into it (Input.insertText), replacing what it held. */
  async type(selector: string, text: string): Promise<void> {
    await this.evaluate(`(() => { const e = document.querySelector(${JSON.stringify(selector)}); e.focus(); e.select && e.select(); })()`);
    await this.send('Input.insertText', { text });
  }

  /** Choose an option of a <select> (as the keyboard would: value, then a change event). */
  async choose(selector: string, value: string): Promise<void> {
    await this.evaluate(`(() => { const e = document.querySelector(${JSON.stringify(selector)}); e.value = ${JSON.stringify(value)}; e.dispatchEvent(new Event('change', { bubbles: true })); })()`);
  }

  /** Run `action` and wait for the dashboard to finish the render it causes. */
  async andRender(action: () => Promise<void>): Promise<void> {
    const before = await this.rendered();
    await action();
    await this.waitFor(`Number(document.body.getAttribute('data-rendered') || 0) > ${before}`);
  }
}
