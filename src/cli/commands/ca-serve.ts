/** `certwarden ca serve`: OCSP responder, CRL and CA certificates over HTTP (one process, or `--workers N`). */
import cluster from 'node:cluster';
import { crlFromPrimary, startCaPrimary, validateWorkers } from '../../ca/cluster.ts';
import { startCaServer, type CaServer } from '../../ca/server.ts';
import { ResponderIdentity } from '../../ca/responder-cert.ts';
import { loadRoot, maintainRootCrl } from '../../ca/root-crl.ts';
import type { CertificateAuthority } from '../../ca/ca.ts';
import { publishCaEvent } from '../../ca/events.ts';
import { ErrorCode, isCertwardenError } from '../../errors.ts';
import type { Command } from '../command.ts';
import { optionalString, parseCommandArgs, usageError, type ParsedArgs } from '../args.ts';
import { parseDuration } from '../duration-option.ts';
import { ExitCode } from '../exit-codes.ts';
import type { Io } from '../output.ts';
import { CA_COMMON_OPTIONS, CA_COMMON_USAGE, openCa } from './ca-common.ts';

function parseListen(v: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(v);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw usageError(`--listen must be HOST:PORT, e.g. 127.0.0.1:8080 or [::1]:8080 (got "${v}")`);
  return { host: (m[1] ?? m[2])!, port };
}

function positiveInt(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) < 1) throw usageError(`--${name} must be a positive whole number (got "${v}")`);
  return Number(v);
}

/** A duration option, or its older spelling as a whole number of `legacyUnitMs`; undefined when neither is given. */
function durationOption(args: ParsedArgs, name: string, legacy: string, legacyUnitMs: number): number | undefined {
  const v = optionalString(args, name);
  const old = positiveInt(optionalString(args, legacy), legacy);
  if (v !== undefined && old !== undefined) throw usageError(`--${name} and --${legacy} say the same thing: give one`);
  return v !== undefined ? parseDuration(v, name) : old !== undefined ? old * legacyUnitMs : undefined;
}

/** How often the process that holds the root key looks whether the root's CRL is due (re-signed at half its validity). */
const ROOT_CRL_CHECK_MS = 10 * 60_000;

/**
 * Keep the root's CRL fresh while serving; a no-op when the key store holds
 * no root key (imported CA, offline root). Resolves after the first check,
 * so a server started after it loads a root CRL at once; `onPublished` tells
 * this process's server to reload it (other processes reload on their own).
 */
async function keepRootCrl(ca: CertificateAuthority, validityMs: number | undefined, log: (e: Record<string, unknown>) => void, onPublished: () => void = () => {}): Promise<() => void> {
  if (!ca.config.rootCrlUrls) return () => {};
  const root = await loadRoot(ca);
  if (!root) return () => {};
  let running = false;
  const tick = async (): Promise<void> => {
    if (running) return;
    running = true;
    try {
      // Never wait for another process's write lock here (it would stall the responder): retry at the next check.
      const { crl, published } = await ca.store.withoutWaiting(() => maintainRootCrl(ca, root, validityMs));
      if (published) {
        log({ event: 'ca_root_crl_published', crlNumber: crl.number.toString(), nextUpdate: crl.nextUpdate.toISOString() });
        onPublished();
      }
    } catch (err) {
      // Background work never throws: the old CRL stays served, and the failure is logged.
      if (isCertwardenError(err) && err.code === ErrorCode.STORE_BUSY) publishCaEvent('storeBusy', { task: 'root-crl', store: ca.store.description });
      log({ event: 'ca_root_crl_failed', error: (err as Error).message });
    } finally {
      running = false;
    }
  };
  await tick();
  const timer = setInterval(() => void tick(), ROOT_CRL_CHECK_MS);
  timer.unref();
  return () => clearInterval(timer);
}

const command: Command = {
  summary: 'serve OCSP (pre-signed), the CRL and the CA certificates over HTTP',
  usage: `Usage: certwarden ca serve --listen HOST:PORT [--poll-ms N] [--ocsp-validity DURATION]
       [--crl-validity DURATION] [--responder-validity SECONDS] [--responder delegated|issuer] [--workers N]

Routes: GET /ocsp/<base64>, POST /ocsp, GET /crl (DER), GET /root.crl (the root's
CRL for the issuing CA, re-signed here at half its validity), GET /ca.der, GET /ca.pem.
Revocations made by other processes are picked up every --poll-ms (default 200).
--ocsp-validity: how long an OCSP answer is valid (nextUpdate; default 1h,
re-signed at half of it; a revocation re-signs that serial's answer at once):
the longest a client holding a "good" answer may keep believing it.
--crl-validity: the CRL's nextUpdate window (default 24h, re-signed at half of
it and at once after a revocation). DURATION: 90s, 30m, 1h, 7d.
(--response-validity SECONDS and --crl-days N are the older spellings.)
--workers N: N processes share the port (node:cluster), each polling the store;
the CRL is published by the primary process only.
With --store (Postgres) no --dir is needed, revocations arrive by NOTIFY, and
every server on the store serves the one CRL kept there (signed by one at a time).
Logs one JSON object per event on stderr. Stops cleanly on SIGTERM or SIGINT.

${CA_COMMON_USAGE}`,
  async run(argv, io: Io) {
    const args = parseCommandArgs(argv, {
      ...CA_COMMON_OPTIONS,
      listen: { type: 'string' },
      'poll-ms': { type: 'string' },
      'ocsp-validity': { type: 'string' },
      'response-validity': { type: 'string' },
      'crl-validity': { type: 'string' },
      'responder-validity': { type: 'string' },
      responder: { type: 'string' },
      'crl-days': { type: 'string' },
      workers: { type: 'string' },
    });
    const { host, port } = parseListen(optionalString(args, 'listen') ?? '127.0.0.1:8080');
    const pollMs = positiveInt(optionalString(args, 'poll-ms'), 'poll-ms');
    const responseValidityMs = durationOption(args, 'ocsp-validity', 'response-validity', 1000);
    const responderValidity = positiveInt(optionalString(args, 'responder-validity'), 'responder-validity');
    const crlValidityMs = durationOption(args, 'crl-validity', 'crl-days', 86_400_000);
    const workersArg = positiveInt(optionalString(args, 'workers'), 'workers');
    const workers = workersArg === undefined ? 1 : validateWorkers(workersArg);
    const mode = optionalString(args, 'responder');
    if (mode !== undefined && mode !== 'delegated' && mode !== 'issuer') throw usageError(`--responder must be delegated or issuer (got "${mode}")`);
    const ca = await openCa(args, io);
    const role = workers > 1 ? (cluster.isPrimary ? 'primary' : 'worker') : 'single';
    const log = (e: Record<string, unknown>): void => void io.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), ...(role === 'worker' ? { pid: process.pid } : {}), ...e })}\n`);
    const signal = (): Promise<string> =>
      new Promise<string>((resolve) => {
        process.once('SIGTERM', () => resolve('SIGTERM'));
        process.once('SIGINT', () => resolve('SIGINT'));
        // A worker whose primary went away stops too.
        if (role === 'worker') process.once('disconnect', () => resolve('disconnect'));
      });

    if (role === 'primary') {
      let primary;
      // Before forking: every worker loads the first root CRL when it starts.
      const stopRootCrl = await keepRootCrl(ca, crlValidityMs, log);
      try {
        // One delegated responder certificate for all workers: issued (or reused) and saved here, loaded by each worker.
        const identity = new ResponderIdentity(ca, mode ?? ca.config.responder, responderValidity ? responderValidity * 1000 : undefined);
        await identity.ready();
        if (identity.mode === 'delegated') log({ event: 'ocsp_responder_certificate', serial: identity.signer.certificate.serialHex, reused: identity.reused, notAfter: identity.signer.certificate.notAfter.toISOString() });
        primary = await startCaPrimary(ca, { workers, log, ...(pollMs ? { pollMs } : {}), ...(crlValidityMs ? { crlValidityMs } : {}) });
      } catch (err) {
        stopRootCrl();
        await ca.close();
        throw err;
      }
      const url = `http://${host.includes(':') ? `[${host}]` : host}:${primary.port}`;
      io.stdout.write(`listening on ${url} (OCSP ${url}/ocsp, CRL ${url}/crl; ${workers} workers)\n`);
      log({ event: 'ca_serve_stopping', signal: await signal() });
      stopRootCrl();
      await primary.close();
      await ca.close();
      return ExitCode.OK;
    }

    let server: CaServer | undefined;
    // Before listening: the first root CRL is served from the first request on.
    const stopRootCrl = role === 'single' ? await keepRootCrl(ca, crlValidityMs, log, () => void server?.reloadRootCrl()) : () => {};
    try {
      server = await startCaServer(ca, {
        host,
        port,
        log,
        ...(pollMs ? { pollMs } : {}),
        ...(responseValidityMs ? { responseValidityMs } : {}),
        ...(responderValidity ? { responderValidityMs: responderValidity * 1000 } : {}),
        ...(crlValidityMs ? { crlValidityMs } : {}),
        ...(mode ? { mode } : {}),
        ...(role === 'worker' ? { crlSource: crlFromPrimary() } : {}),
      });
    } catch (err) {
      stopRootCrl();
      await ca.close();
      throw err;
    }
    if (role === 'single') io.stdout.write(`listening on ${server.url} (OCSP ${server.url}/ocsp, CRL ${server.url}/crl)\n`);
    const why = await signal();
    if (role === 'single' || why !== 'disconnect') log({ event: 'ca_serve_stopping', signal: why });
    stopRootCrl();
    await server.close();
    await ca.close();
    if (role === 'worker' && process.connected) process.disconnect();
    return ExitCode.OK;
  },
};

export default command;
