/** `certwarden ca serve`: OCSP responder, CRL and CA certificates over HTTP. */
import { startCaServer } from '../../ca/server.ts';
import type { Command } from '../command.ts';
import { optionalString, parseCommandArgs, usageError } from '../args.ts';
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

const command: Command = {
  summary: 'serve OCSP (pre-signed), the CRL and the CA certificates over HTTP',
  usage: `Usage: certwarden ca serve --listen HOST:PORT [--poll-ms N] [--response-validity SECONDS]
       [--responder-validity SECONDS] [--responder delegated|issuer] [--crl-days N]

Routes: GET /ocsp/<base64>, POST /ocsp, GET /crl (DER), GET /ca.der, GET /ca.pem.
Revocations made by other processes are picked up every --poll-ms (default 200).
Logs one JSON object per event on stderr. Stops cleanly on SIGTERM or SIGINT.

${CA_COMMON_USAGE}`,
  async run(argv, io: Io) {
    const args = parseCommandArgs(argv, {
      ...CA_COMMON_OPTIONS,
      listen: { type: 'string' },
      'poll-ms': { type: 'string' },
      'response-validity': { type: 'string' },
      'responder-validity': { type: 'string' },
      responder: { type: 'string' },
      'crl-days': { type: 'string' },
    });
    const { host, port } = parseListen(optionalString(args, 'listen') ?? '127.0.0.1:8080');
    const pollMs = positiveInt(optionalString(args, 'poll-ms'), 'poll-ms');
    const responseValidity = positiveInt(optionalString(args, 'response-validity'), 'response-validity');
    const responderValidity = positiveInt(optionalString(args, 'responder-validity'), 'responder-validity');
    const crlDays = positiveInt(optionalString(args, 'crl-days'), 'crl-days');
    const mode = optionalString(args, 'responder');
    if (mode !== undefined && mode !== 'delegated' && mode !== 'issuer') throw usageError(`--responder must be delegated or issuer (got "${mode}")`);
    const ca = openCa(args, io);
    const log = (e: Record<string, unknown>): void => void io.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), ...e })}\n`);
    let server;
    try {
      server = await startCaServer(ca, {
        host,
        port,
        log,
        ...(pollMs ? { pollMs } : {}),
        ...(responseValidity ? { responseValidityMs: responseValidity * 1000 } : {}),
        ...(responderValidity ? { responderValidityMs: responderValidity * 1000 } : {}),
        ...(crlDays ? { crlValidityMs: crlDays * 86_400_000 } : {}),
        ...(mode ? { mode } : {}),
      });
    } catch (err) {
      ca.close();
      throw err;
    }
    io.stdout.write(`listening on ${server.url} (OCSP ${server.url}/ocsp, CRL ${server.url}/crl)\n`);
    const signal = await new Promise<string>((resolve) => {
      process.once('SIGTERM', () => resolve('SIGTERM'));
      process.once('SIGINT', () => resolve('SIGINT'));
    });
    log({ event: 'ca_serve_stopping', signal });
    await server.close();
    ca.close();
    return ExitCode.OK;
  },
};

export default command;
