/**
 * `ca serve --workers N`: N processes (node:cluster) share one listening
 * socket, so OCSP answering uses every core instead of one.
 *
 * Each worker is a complete `startCaServer`: it opens the store, pre-signs
 * every response and polls the store's change sequence every `pollMs`, so a
 * revocation made anywhere is visible in every worker's next answer after at
 * most one poll interval plus one signature (the single-process bound). In
 * delegated mode the primary prepares the responder certificate before
 * forking (responder-cert.ts saves it in the CA home), so every worker starts
 * with the same one; each rotates on its own at half-life.
 *
 * CRLs are the exception: they are published by the primary only, and the
 * workers fetch the current one from it over the cluster IPC channel, so all
 * workers serve the same CRL and cRLNumber never goes backwards between two
 * requests landing on different workers (RFC 5280 §5.2.3).
 */
import cluster, { type Worker } from 'node:cluster';
import { CertwardenError, ErrorCode } from '../errors.ts';
import type { CertificateAuthority } from './ca.ts';
import { CrlPublisher, keepCrlFresh, SERVED_CRL_VALIDITY_MS, type PublishedCrl } from './crl-publisher.ts';
import { watchStore } from './store-watch.ts';

/** More processes than this is a typo, not a deployment. */
export const MAX_WORKERS = 64;
/** A worker asking for the CRL gives up after this long (the primary signs it, which can take a while for big CRLs). */
export const CRL_IPC_TIMEOUT_MS = 30_000;
/** Wait this long before replacing a worker that died, so a crash loop does not spin. */
export const WORKER_RESTART_DELAY_MS = 1_000;
/** Workers that do not stop within this long after SIGTERM are killed. */
export const WORKER_STOP_TIMEOUT_MS = 10_000;

const CRL_MESSAGE = 'certwarden:crl';

interface CrlRequest {
  type: typeof CRL_MESSAGE;
  id: number;
}

interface CrlReply {
  type: typeof CRL_MESSAGE;
  id: number;
  crl?: { der: Uint8Array; number: string; thisUpdate: number; nextUpdate: number; entries: number };
  error?: string;
}

const isCrlMessage = (m: unknown): m is CrlRequest & CrlReply => typeof m === 'object' && m !== null && (m as { type?: unknown }).type === CRL_MESSAGE;

/** Validate `--workers`. */
export function validateWorkers(n: number): number {
  if (!Number.isInteger(n) || n < 1 || n > MAX_WORKERS) throw new CertwardenError(ErrorCode.USAGE, `the number of workers must be a whole number from 1 to ${MAX_WORKERS} (got ${n})`);
  return n;
}

/** In a worker: a CRL source that asks the primary. */
export function crlFromPrimary(timeoutMs = CRL_IPC_TIMEOUT_MS): () => Promise<PublishedCrl> {
  if (!cluster.isWorker || !process.send) throw new CertwardenError(ErrorCode.INTERNAL, 'crlFromPrimary() is for cluster workers');
  let next = 0;
  const pending = new Map<number, { resolve: (c: PublishedCrl) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  process.on('message', (m: unknown) => {
    if (!isCrlMessage(m)) return;
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    clearTimeout(p.timer);
    if (!m.crl) p.reject(new Error(m.error ?? 'no CRL from the primary'));
    else p.resolve({ der: Buffer.from(m.crl.der), number: BigInt(m.crl.number), thisUpdate: new Date(m.crl.thisUpdate), nextUpdate: new Date(m.crl.nextUpdate), entries: m.crl.entries });
  });
  return () =>
    new Promise<PublishedCrl>((resolve, reject) => {
      const id = ++next;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error('the primary did not answer the CRL request in time'));
      }, timeoutMs);
      pending.set(id, { resolve, reject, timer });
      process.send!({ type: CRL_MESSAGE, id } satisfies CrlRequest);
    });
}

export interface CaPrimaryOptions {
  workers: number;
  pollMs?: number;
  crlValidityMs?: number;
  log?: (event: Record<string, unknown>) => void;
}

export interface CaPrimary {
  /** The port the workers listen on (shared). */
  port: number;
  crl: CrlPublisher;
  close(): Promise<void>;
}

/**
 * In the primary: fork the workers (they re-run this program with the same
 * arguments), publish CRLs for them, replace a worker that dies. Resolves once
 * every worker listens; rejects if one exits before it does (e.g. the port is taken).
 */
export async function startCaPrimary(ca: CertificateAuthority, o: CaPrimaryOptions): Promise<CaPrimary> {
  if (!cluster.isPrimary) throw new CertwardenError(ErrorCode.INTERNAL, 'startCaPrimary() runs in the cluster primary');
  const workers = validateWorkers(o.workers);
  const log = o.log ?? (() => {});
  const crl = new CrlPublisher(ca, o.crlValidityMs ?? SERVED_CRL_VALIDITY_MS);
  // Signed in the background only (it takes the store's write lock); workers get the last one at once.
  const keeper = keepCrlFresh(crl, { log, store: ca.store.description });
  try {
    await crl.refresh();
  } catch (err) {
    log({ event: 'ca_crl_failed', error: (err as Error).message });
  }
  const watch = await watchStore(
    ca.store,
    (changed) => {
      if (changed.some((r) => r.revokedAt)) {
        crl.markChanged();
        keeper.kick();
      }
    },
    { ...(o.pollMs !== undefined ? { pollMs: o.pollMs } : {}), log, onPush: () => keeper.kick() },
  );

  // Structured clone over IPC, so the CRL travels as bytes rather than as JSON.
  cluster.setupPrimary({ serialization: 'advanced' });
  let closing = false;
  const live = new Set<Worker>();
  const onMessage = (worker: Worker, m: unknown): void => {
    if (!isCrlMessage(m)) return;
    let reply: CrlReply;
    try {
      const c = crl.latest();
      if (!c) throw new Error('no CRL has been published yet');
      reply = { type: CRL_MESSAGE, id: m.id, crl: { der: c.der, number: c.number.toString(), thisUpdate: c.thisUpdate.getTime(), nextUpdate: c.nextUpdate.getTime(), entries: c.entries } };
    } catch (err) {
      log({ event: 'ca_crl_failed', error: (err as Error).message });
      reply = { type: CRL_MESSAGE, id: m.id, error: 'CRL publication failed' };
    }
    if (worker.isConnected()) worker.send(reply);
  };
  cluster.on('message', onMessage);

  let port = 0;
  const fork = (): Worker => {
    const w = cluster.fork();
    live.add(w);
    w.once('exit', (code, signal) => {
      live.delete(w);
      if (closing) return;
      log({ event: 'ca_worker_exited', pid: w.process.pid, code, signal, restartInMs: WORKER_RESTART_DELAY_MS });
      if (port !== 0) setTimeout(() => !closing && fork(), WORKER_RESTART_DELAY_MS).unref();
    });
    return w;
  };
  const started = Array.from({ length: workers }, () => fork());
  try {
    await Promise.all(
      started.map(
        (w) =>
          new Promise<void>((resolve, reject) => {
            const onExit = (code: number | null): void => reject(new CertwardenError(ErrorCode.IO, `a ca serve worker exited with code ${code} before listening (see its log line above)`));
            w.once('exit', onExit);
            w.once('listening', (address) => {
              w.off('exit', onExit);
              port = address.port;
              resolve();
            });
          }),
      ),
    );
  } catch (err) {
    closing = true;
    for (const w of live) w.process.kill('SIGKILL');
    await watch.stop();
    keeper.stop();
    cluster.off('message', onMessage);
    throw err;
  }
  log({ event: 'ca_workers_started', workers, pids: started.map((w) => w.process.pid) });

  return {
    port,
    crl,
    close: async () => {
      if (closing) return;
      closing = true;
      await watch.stop();
      keeper.stop();
      cluster.off('message', onMessage);
      await Promise.all(
        [...live].map(
          (w) =>
            new Promise<void>((resolve) => {
              if (w.isDead()) return resolve();
              const kill = setTimeout(() => w.process.kill('SIGKILL'), WORKER_STOP_TIMEOUT_MS);
              w.once('exit', () => {
                clearTimeout(kill);
                resolve();
              });
              w.process.kill('SIGTERM');
            }),
        ),
      );
    },
  };
}
