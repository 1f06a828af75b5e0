/**
 * Scan targets: what the user typed (`host[:port]`, `[v6]:port`, an https://
 * URL, one per line in a --targets file) and curl-style `--resolve
 * HOST:PORT:ADDR` overrides (connect to ADDR, send SNI and check the name HOST).
 */
import { isIP } from 'node:net';
import { CertwardenError, ErrorCode } from '../errors.ts';
import { readFileBoundedAsync } from '../util/bounded-read.ts';
import { escapeControl } from '../util/terminal.ts';
import { STARTTLS_PROTOCOLS, STARTTLS_DEFAULT_PORTS, type StarttlsProtocol } from './starttls/index.ts';

/** RFC 2818 / RFC 9110 §4.2.2: https defaults to 443. */
export const DEFAULT_TLS_PORT = 443;

export interface ScanTarget {
  /** The target exactly as given (echoed in reports). */
  input: string;
  /** Name to check the certificate against and to send as SNI (unless an IP literal). */
  host: string;
  port: number;
  /** Address to connect to when pinned by --resolve (else resolved by DNS at scan time). */
  address?: string;
  starttls?: StarttlsProtocol;
  /** Where the target was written, when it came from a --targets file (SARIF locations point there). */
  origin?: { file: string; line: number };
}

export interface ResolveOverride {
  host: string;
  port: number;
  address: string;
}

/** A --targets file holds host names, one a line: 4 MiB is a fleet of over 100,000 targets. */
export const MAX_TARGETS_FILE_BYTES = 4 * 1024 * 1024;
/** Characters of a rejected target echoed in an error: enough to recognise it, not a page of whatever the file held. */
export const MAX_ECHOED_TARGET_CHARS = 120;

/** A target as typed, fit to quote in a one-line error: control characters escaped, long input cut. */
function quoted(input: string): string {
  const cut = input.length > MAX_ECHOED_TARGET_CHARS ? `${input.slice(0, MAX_ECHOED_TARGET_CHARS)}…` : input;
  return `"${escapeControl(cut)}"`;
}

function usage(message: string): CertwardenError {
  return new CertwardenError(ErrorCode.USAGE, message);
}

function parsePort(text: string, input: string): number {
  if (!/^\d{1,5}$/.test(text) || Number(text) < 1 || Number(text) > 65535) throw usage(`invalid port in target ${quoted(input)} (1-65535)`);
  return Number(text);
}

const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62})(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62}))*\.?$/;

function checkHost(host: string, input: string): string {
  if (isIP(host)) return host;
  if (!HOSTNAME.test(host)) throw usage(`invalid host in target ${quoted(input)}`);
  return host.replace(/\.$/, '').toLowerCase();
}

/** Parse one target. Throws CW_ERR_USAGE for anything that is not host[:port] or an https:// URL. */
export function parseTarget(input: string, starttls?: StarttlsProtocol): ScanTarget {
  const text = input.trim();
  const defaultPort = starttls ? STARTTLS_DEFAULT_PORTS[starttls] : DEFAULT_TLS_PORT;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw usage(`invalid URL target ${quoted(input)}`);
    }
    if (url.protocol !== 'https:') throw usage(`only https:// URLs are targets (got ${quoted(input)}); give host:port for other protocols`);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    return { input, host: checkHost(host, input), port: url.port ? Number(url.port) : DEFAULT_TLS_PORT, ...(starttls ? { starttls } : {}) };
  }
  const bracketed = /^\[([0-9A-Fa-f:.]+)\](?::(\d+))?$/.exec(text);
  if (bracketed) {
    if (isIP(bracketed[1]!) !== 6) throw usage(`invalid IPv6 address in target ${quoted(input)}`);
    return { input, host: bracketed[1]!, port: bracketed[2] ? parsePort(bracketed[2], input) : defaultPort, ...(starttls ? { starttls } : {}) };
  }
  if (isIP(text) === 6) return { input, host: text, port: defaultPort, ...(starttls ? { starttls } : {}) };
  const colon = text.lastIndexOf(':');
  const host = colon >= 0 ? text.slice(0, colon) : text;
  const port = colon >= 0 ? parsePort(text.slice(colon + 1), input) : defaultPort;
  if (host === '') throw usage(`target ${quoted(input)} has no host`);
  return { input, host: checkHost(host, input), port, ...(starttls ? { starttls } : {}) };
}

/** `HOST:PORT:ADDR` as in curl's --resolve (ADDR may be an IPv6 literal, bracketed or not). */
export function parseResolve(text: string): ResolveOverride {
  const m = /^([^:\s]+):(\d{1,5}):(.+)$/.exec(text.trim());
  if (!m) throw usage(`--resolve must be HOST:PORT:ADDR (got ${quoted(text)})`);
  const address = m[3]!.replace(/^\[|\]$/g, '');
  if (!isIP(address)) throw usage(`--resolve address must be an IP literal (got ${quoted(m[3]!)})`);
  return { host: checkHost(m[1]!, text), port: parsePort(m[2]!, text), address };
}

/** Apply --resolve overrides (matching host and port) to targets. */
export function applyResolve(targets: ScanTarget[], overrides: readonly ResolveOverride[]): ScanTarget[] {
  return targets.map((t) => {
    const o = overrides.find((r) => r.host === t.host && r.port === t.port);
    return o ? { ...t, address: o.address } : t;
  });
}

/** Targets from a file: one per line, `#` starts a comment, blank lines ignored. */
export async function readTargetsFile(path: string, starttls?: StarttlsProtocol): Promise<ScanTarget[]> {
  const text = (await readFileBoundedAsync(path, { maxBytes: MAX_TARGETS_FILE_BYTES, what: '--targets file' })).toString('utf8');
  const out: ScanTarget[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') return;
    try {
      out.push({ ...parseTarget(line, starttls), origin: { file: path, line: i + 1 } });
    } catch (err) {
      throw usage(`${escapeControl(path)}:${i + 1}: ${(err as Error).message}`);
    }
  });
  return out;
}

export function parseStarttls(value: string | undefined): StarttlsProtocol | undefined {
  if (value === undefined) return undefined;
  if (!(STARTTLS_PROTOCOLS as readonly string[]).includes(value)) throw usage(`--starttls must be one of ${STARTTLS_PROTOCOLS.join(', ')} (got ${quoted(value)})`);
  return value as StarttlsProtocol;
}

/** `host:port` with IPv6 bracketed: the key used in reports and per-endpoint limits. */
export function endpointLabel(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}
