/**
 * `certwarden watch` as a service: the configuration's policy, history store,
 * CA inventories, alert channels, scheduler and HTTP server, started
 * together and stopped together. Background work never throws into nowhere:
 * failures are logged as structured lines (never with a secret) and retried.
 */
import { loadPolicy } from '../policy/load.ts';
import type { Policy } from '../policy/types.ts';
import { CertwardenError, ErrorCode } from '../errors.ts';
import { readFileBounded } from '../util/bounded-read.ts';
import { MAX_CA_FILE_BYTES } from '../policy/read-files.ts';
import { AlertDeliverer, MAX_SECRET_BYTES, type Sender } from './alerts.ts';
import type { WatchConfig, WatchTarget } from './config.ts';
import { EmailTransport } from './email.ts';
import { WatchEngine } from './engine.ts';
import { startJobScheduling, type JobScheduling } from './dispatch.ts';
import { CaInventory } from './inventory.ts';
import { Scheduler, systemClock, type Clock } from './scheduler.ts';
import { startWatchServer, type WatchServer } from './server.ts';
import { openWatchStore, type WatchStore } from './store.ts';
import type { ScanOptions } from '../scan/runner.ts';

/** The outbox is looked at this often for retries that became due. */
export const OUTBOX_POLL_MS = 5_000;
/** Old history is pruned hourly: retention is days, so an hour late is nothing. */
export const PRUNE_EVERY_MS = 3_600_000;
/** A bearer token: at least 16 characters (guessing must be hopeless), at most 4 KiB. */
export const MIN_TOKEN_CHARS = 16;

export interface RunningWatch {
  engine: WatchEngine;
  /** With a Postgres store: the job scheduling (slots sent). */
  jobs?: JobScheduling;
  store: WatchStore;
  server: WatchServer;
  deliverer: AlertDeliverer;
  stop(): Promise<void>;
}

export interface StartWatchOptions {
  clock?: Clock;
  log?: (entry: Record<string, unknown>) => void;
  scan?: Pick<ScanOptions, 'targetTimeoutMs' | 'settings' | 'connectionsPerEndpoint'>;
  /** Override the configured listen port (tests: 0). */
  port?: number;
  /** The policy, already loaded (the CLI loads it to print its warnings); default: loaded from the configuration's `policy`. */
  policy?: Policy;
}

function readSecret(path: string, what: string): Buffer {
  const raw = readFileBounded(path, { maxBytes: MAX_SECRET_BYTES, what });
  const text = raw.toString('utf8').trim();
  if (text.length === 0) throw new CertwardenError(ErrorCode.WATCH_CONFIG, `${what} ${path} is empty`);
  return Buffer.from(text, 'utf8');
}

/** A PEM bundle of CAs; one without a certificate would trust nothing, silently: refused at start instead. */
function readCaFile(path: string, what: string): string {
  const text = readFileBounded(path, { maxBytes: MAX_CA_FILE_BYTES, what }).toString('utf8');
  if (!text.includes('-----BEGIN CERTIFICATE-----')) throw new CertwardenError(ErrorCode.WATCH_CONFIG, `${what} ${path} holds no PEM certificate`);
  return text;
}

export async function startWatch(config: WatchConfig, o: StartWatchOptions = {}): Promise<RunningWatch> {
  const log = o.log ?? (() => {});
  const clock = o.clock ?? systemClock;
  const policy = o.policy ?? loadPolicy(config.policyFile);
  const token = config.tokenFile ? readSecret(config.tokenFile, 'the watch token file').toString('utf8') : undefined;
  if (token !== undefined && token.length < MIN_TOKEN_CHARS) throw new CertwardenError(ErrorCode.WATCH_CONFIG, `the token in ${config.tokenFile} is shorter than ${MIN_TOKEN_CHARS} characters`);
  const adminToken = config.adminTokenFile ? readSecret(config.adminTokenFile, 'the watch admin token file').toString('utf8') : undefined;
  if (adminToken !== undefined && adminToken.length < MIN_TOKEN_CHARS) throw new CertwardenError(ErrorCode.WATCH_CONFIG, `the token in ${config.adminTokenFile} is shorter than ${MIN_TOKEN_CHARS} characters`);
  if (adminToken !== undefined && adminToken === token) throw new CertwardenError(ErrorCode.WATCH_CONFIG, 'admin-token-file and token-file hold the same token: the admin token must differ, or every reader could silence alerts');
  const senders: Sender[] = config.alerts.map((a): Sender => {
    if ('email' in a) {
      const password = a.email.passwordFile ? readSecret(a.email.passwordFile, `the password file of alert channel ${a.name}`).toString('utf8') : undefined;
      const ca = a.email.caFile ? readCaFile(a.email.caFile, `the CA file of alert channel ${a.name}`) : undefined;
      return { name: a.name, email: new EmailTransport(a.email, { ...(password !== undefined ? { password } : {}), ...(ca !== undefined ? { ca } : {}) }) };
    }
    return { name: a.name, format: a.format, url: a.url, ...(a.secretFile ? { secret: readSecret(a.secretFile, `the secret file of alert channel ${a.name}`) } : {}) };
  });
  const store = await openWatchStore(config);
  let inventory: CaInventory | undefined;
  let server: WatchServer | undefined;
  try {
    inventory = config.caHomes.length > 0 ? await CaInventory.open(config.caHomes) : undefined;
    const engine = new WatchEngine({ policy, targets: config.targets, store, ...(inventory ? { inventory } : {}), channels: senders.map((s) => s.name), repeatMs: config.repeatMs, now: () => clock.now(), ...(o.scan ? { scan: o.scan } : {}) });
    const deliverer = new AlertDeliverer(store, senders, log, () => clock.now());
    server = await startWatchServer({ engine, store, host: config.listen.host, port: o.port ?? config.listen.port, ...(token !== undefined ? { token } : {}), ...(adminToken !== undefined ? { adminToken } : {}), now: () => clock.now(), onSilenceEnded: () => void deliverer.deliverDue(), log });
    // With Postgres, scans are jobs on pg-boss for workers in every zone (dispatch.ts); else the in-process scheduler.
    const jobs = config.storeUrl !== undefined ? await startJobScheduling({ config, engine, store, clock, log, onEvents: () => void deliverer.deliverDue() }) : undefined;
    const scheduler = new Scheduler<WatchTarget & { id: string }>({
      jobs: config.targets.map((t) => ({ ...t, id: t.label })),
      concurrency: config.concurrency,
      jitter: config.jitter,
      clock,
      run: async (t) => {
        const { snapshot, events } = await engine.scanTarget(t, new Date(clock.now()));
        log({ msg: 'watch_scan', target: t.label, up: snapshot.up, v921: snapshot.statuses['V9.2.1'], v924: snapshot.statuses['V9.2.4'], events: events.map((e) => e.event), ms: snapshot.durationMs });
        if (events.length > 0) void deliverer.deliverDue();
      },
      onError: (t, err) => log({ msg: 'watch_scan_failed', target: t.label, error: (err as Error).message }),
    });
    if (!jobs) scheduler.start();
    let stopped = false;
    const poll = (): void => {
      if (stopped) return;
      void deliverer.deliverDue().finally(() => {
        if (!stopped) cancelPoll = clock.setTimer(poll, OUTBOX_POLL_MS);
      });
    };
    let cancelPoll = clock.setTimer(poll, 0); // a restart delivers what the last run left in the outbox
    const prune = (): void => {
      const before = clock.now() - config.retentionMs;
      void store
        .prune(before)
        .then(async (n) => {
          if (n > 0) log({ msg: 'watch_pruned', scans: n });
          await store.pruneSilences(before);
        })
        .catch((err: unknown) => log({ msg: 'watch_prune_failed', error: (err as Error).message }))
        .finally(() => {
          if (!stopped) cancelPrune = clock.setTimer(prune, PRUNE_EVERY_MS);
        });
    };
    let cancelPrune = clock.setTimer(prune, 0);
    log({ msg: 'watch_started', url: server.url, store: store.description, targets: config.targets.length, channels: senders.map((s) => s.name), cas: config.caHomes.length });
    const running = server;
    const inv = inventory;
    return {
      engine,
      ...(jobs ? { jobs } : {}),
      store,
      server: running,
      deliverer,
      async stop() {
        stopped = true;
        cancelPoll();
        cancelPrune();
        await scheduler.stop();
        await jobs?.stop();
        await deliverer.settled(); // what is not delivered stays in the outbox for the next start
        deliverer.close();
        await running.close();
        await inv?.close();
        await store.close();
        log({ msg: 'watch_stopped' });
      },
    };
  } catch (err) {
    await server?.close();
    await inventory?.close();
    await store.close();
    throw err;
  }
}
