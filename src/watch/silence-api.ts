/**
 * The API's only writes: POST /api/silences (create), DELETE
 * /api/silences/:id (expire now), and GET /api/silences (list). A write
 * needs the admin token (`admin-token-file`) on every address, loopback
 * included: the read token sits in scrapers' configurations, and whoever can
 * read metrics must not be able to mute alerts. Without an admin token the
 * service refuses every write (403). Bodies are JSON, bounded, and checked by
 * `validateSilence` (typed errors → 400 with the field).
 */
import type http from 'node:http';
import { CertwardenError, ErrorCode, isCertwardenError } from '../errors.ts';
import { MAX_OPEN_SILENCES, MAX_SILENCE_BODY_BYTES, newSilenceId, silenceState, validateSilence, type Silence, type SilenceInput } from './silences.ts';
import type { WatchStore } from './store.ts';

export interface SilenceApiContext {
  store: WatchStore;
  now: () => number;
  /** Called after a silence was expired: held alerts can be released at once. */
  onEnded?: () => void;
}

type Reply = (status: number, body: unknown) => void;

/** A silence as the API shows it: with its state at `now`. */
export function silenceView(s: Silence, now: number): Silence & { state: string } {
  return { ...s, state: silenceState(s, now) };
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > MAX_SILENCE_BODY_BYTES) return reject(new CertwardenError(ErrorCode.WATCH_SILENCE, `the request body is larger than ${MAX_SILENCE_BODY_BYTES} bytes`, { details: { field: 'body' } }));
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_SILENCE_BODY_BYTES) {
        req.destroy();
        reject(new CertwardenError(ErrorCode.WATCH_SILENCE, `the request body is larger than ${MAX_SILENCE_BODY_BYTES} bytes`, { details: { field: 'body' } }));
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

const STATUS_OF: Partial<Record<string, number>> = { [ErrorCode.WATCH_SILENCE]: 400, [ErrorCode.WATCH_NOT_FOUND]: 404, [ErrorCode.STATE]: 409 };

/** Create a silence from a JSON body; throws typed errors. */
export async function createSilence(ctx: SilenceApiContext, body: string): Promise<Silence> {
  let input: SilenceInput;
  try {
    input = JSON.parse(body) as SilenceInput;
  } catch {
    throw new CertwardenError(ErrorCode.WATCH_SILENCE, 'the body is not JSON', { details: { field: 'body' } });
  }
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new CertwardenError(ErrorCode.WATCH_SILENCE, 'the body must be a JSON object', { details: { field: 'body' } });
  const now = ctx.now();
  const valid = validateSilence(input, now);
  if ((await ctx.store.silences(now)).length >= MAX_OPEN_SILENCES) throw new CertwardenError(ErrorCode.WATCH_SILENCE, `${MAX_OPEN_SILENCES} silences are pending or active already: expire some first`, { details: { field: 'body' } });
  const silence: Silence = { id: newSilenceId(), ...valid, createdAt: new Date(now).toISOString() };
  await ctx.store.addSilence(silence);
  return silence;
}

/** End a silence now. */
export async function expireSilence(ctx: SilenceApiContext, id: string): Promise<Silence> {
  const s = await ctx.store.silence(id);
  if (!s) throw new CertwardenError(ErrorCode.WATCH_NOT_FOUND, `no silence has the id ${id.slice(0, 64)}`);
  const now = ctx.now();
  if (silenceState(s, now) === 'expired') throw new CertwardenError(ErrorCode.STATE, `silence ${id} has ended already`);
  const at = new Date(Math.max(now, Date.parse(s.startsAt))).toISOString();
  const ended: Silence = { ...s, endsAt: at, expiredAt: new Date(now).toISOString() };
  await ctx.store.updateSilence(ended);
  ctx.onEnded?.();
  return ended;
}

/**
 * Handle /api/silences[/:id]. `admin` is whether the request carries the
 * admin token (checked by the server). Returns false when the path is not
 * this API's.
 */
export function handleSilences(req: http.IncomingMessage, path: string, admin: boolean | 'not-configured', ctx: SilenceApiContext, reply: Reply): Promise<void> | false {
  const one = /^\/api\/silences\/([0-9a-f]{1,64})$/.exec(path);
  if (path !== '/api/silences' && !one) return false;
  const run = async (): Promise<void> => {
    const write = req.method === 'POST' || req.method === 'DELETE';
    if (write && admin !== true) {
      if (admin === 'not-configured') return reply(403, { error: 'writes are disabled: set admin-token-file in the watch configuration' });
      return reply(401, { error: 'the admin bearer token is required' });
    }
    try {
      if (path === '/api/silences' && req.method === 'POST') {
        if (!/^application\/json\b/.test(req.headers['content-type'] ?? '')) return reply(415, { error: 'the body must be application/json' });
        return reply(201, { silence: silenceView(await createSilence(ctx, await readBody(req)), ctx.now()) });
      }
      if (one && req.method === 'DELETE') return reply(200, { silence: silenceView(await expireSilence(ctx, one[1]!), ctx.now()) });
      if (req.method === 'GET' || req.method === 'HEAD') {
        const now = ctx.now();
        if (one) {
          const s = await ctx.store.silence(one[1]!);
          return s ? reply(200, { silence: silenceView(s, now) }) : reply(404, { error: 'no such silence' });
        }
        return reply(200, { silences: (await ctx.store.silences()).map((s) => silenceView(s, now)) });
      }
      return reply(405, { error: 'method not allowed' });
    } catch (err) {
      if (isCertwardenError(err) && STATUS_OF[err.code]) return reply(STATUS_OF[err.code]!, { error: err.message, code: err.code, ...err.details });
      throw err;
    }
  };
  return run();
}
