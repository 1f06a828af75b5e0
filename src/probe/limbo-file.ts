/**
 * Reading an x509-limbo file (C2SP/x509-limbo, `limbo.json`) for
 * `probe --suite limbo --limbo FILE`. The file is hostile input: read with a
 * cap, parsed once, and every field the probe uses checked for its type
 * before anything is served. A file that is not limbo-shaped is refused
 * whole (CW_ERR_LIMBO_FILE, with the first offending path), never run in
 * part: a half-read suite would look like a smaller pass.
 *
 * Only the fields the probe reads are validated; unknown fields are ignored
 * (limbo adds fields between versions).
 */
import { CertwardenError, ErrorCode } from '../errors.ts';
import { readFileBoundedAsync } from '../util/bounded-read.ts';

/**
 * The largest limbo file read. The regenerated suite is 1.4 MB; upstream's
 * full file with the BetterTLS namespace (about 9,000 more cases) is tens of
 * megabytes. JSON.parse holds several times the file in memory, so the cap
 * stays well below what a small machine can afford.
 */
export const MAX_LIMBO_FILE_BYTES = 128 * 1024 * 1024;
/** The limbo schema version the probe understands (`version` at the top of the file). */
export const LIMBO_SCHEMA_VERSION = 1;

export type LimboPeerName = { kind: 'DNS' | 'IP' | 'RFC822'; value: string };
export type LimboImportance = 'undetermined' | 'low' | 'medium' | 'high' | 'critical';

/** One limbo testcase, reduced to what the probe uses. */
export interface LimboTestcase {
  id: string;
  description: string;
  features: string[];
  importance: LimboImportance;
  conflictsWith: string[];
  validationKind: 'SERVER' | 'CLIENT';
  trustedCerts: string[];
  untrustedIntermediates: string[];
  peerCertificate: string;
  /** PEM private key of the leaf; absent in some cases (the `online` namespace, malformed keys). */
  peerCertificateKey?: string;
  validationTime?: Date;
  extendedKeyUsage: string[];
  expectedResult: 'SUCCESS' | 'FAILURE';
  expectedPeerName?: LimboPeerName;
  expectedPeerNames: LimboPeerName[];
  maxChainDepth?: number;
  crls: string[];
}

export interface LimboFile {
  path: string;
  testcases: LimboTestcase[];
}

const IMPORTANCE = new Set(['undetermined', 'low', 'medium', 'high', 'critical']);

function malformed(path: string, where: string, what: string): CertwardenError {
  return new CertwardenError(ErrorCode.LIMBO_FILE, `--limbo ${path} is not an x509-limbo file: ${where} ${what}`, { details: { path, where } });
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Field readers that name the offending path in their error. */
function fields(path: string, where: string, o: Obj) {
  const bad = (k: string, what: string): CertwardenError => malformed(path, `${where}.${k}`, what);
  const str = (k: string): string => {
    const v = o[k];
    if (typeof v !== 'string') throw bad(k, 'must be a string');
    return v;
  };
  const strs = (k: string, optional = false): string[] => {
    const v = o[k];
    if (optional && (v === undefined || v === null)) return [];
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw bad(k, 'must be an array of strings');
    return v as string[];
  };
  const oneOf = <T extends string>(k: string, allowed: readonly T[]): T => {
    const v = str(k);
    if (!allowed.includes(v as T)) throw bad(k, `must be one of ${allowed.join(', ')}`);
    return v as T;
  };
  const name = (v: unknown, at: string): LimboPeerName => {
    if (!isObj(v) || typeof v.value !== 'string' || !['DNS', 'IP', 'RFC822'].includes(v.kind as string)) throw malformed(path, `${where}.${at}`, 'must be { kind: DNS|IP|RFC822, value: string }');
    return { kind: v.kind as LimboPeerName['kind'], value: v.value };
  };
  return { str, strs, oneOf, name, bad };
}

function testcase(path: string, index: number, v: unknown): LimboTestcase {
  const where = `testcases[${index}]`;
  if (!isObj(v)) throw malformed(path, where, 'must be an object');
  const f = fields(path, where, v);
  const id = f.str('id');
  if (id === '') throw f.bad('id', 'must not be empty');
  const importance = v.importance === undefined ? 'undetermined' : f.str('importance');
  if (!IMPORTANCE.has(importance)) throw f.bad('importance', `must be one of ${[...IMPORTANCE].join(', ')}`);
  const t: LimboTestcase = {
    id,
    description: typeof v.description === 'string' ? v.description : '',
    features: f.strs('features', true),
    importance: importance as LimboImportance,
    conflictsWith: f.strs('conflicts_with', true),
    validationKind: f.oneOf('validation_kind', ['SERVER', 'CLIENT'] as const),
    trustedCerts: f.strs('trusted_certs'),
    untrustedIntermediates: f.strs('untrusted_intermediates'),
    peerCertificate: f.str('peer_certificate'),
    extendedKeyUsage: f.strs('extended_key_usage', true),
    expectedResult: f.oneOf('expected_result', ['SUCCESS', 'FAILURE'] as const),
    expectedPeerNames: v.expected_peer_names === undefined || v.expected_peer_names === null ? [] : Array.isArray(v.expected_peer_names) ? v.expected_peer_names.map((n, i) => f.name(n, `expected_peer_names[${i}]`)) : [f.name(undefined, 'expected_peer_names')],
    crls: f.strs('crls', true),
  };
  if (v.peer_certificate_key !== undefined && v.peer_certificate_key !== null) t.peerCertificateKey = f.str('peer_certificate_key');
  if (v.validation_time !== undefined && v.validation_time !== null) {
    const at = new Date(f.str('validation_time'));
    if (Number.isNaN(at.getTime())) throw f.bad('validation_time', 'must be an RFC 3339 date-time');
    t.validationTime = at;
  }
  if (v.expected_peer_name !== undefined && v.expected_peer_name !== null) t.expectedPeerName = f.name(v.expected_peer_name, 'expected_peer_name');
  if (v.max_chain_depth !== undefined && v.max_chain_depth !== null) {
    if (!Number.isInteger(v.max_chain_depth) || (v.max_chain_depth as number) < 0) throw f.bad('max_chain_depth', 'must be a whole number or null');
    t.maxChainDepth = v.max_chain_depth as number;
  }
  return t;
}

/** Validate a parsed limbo document; throws CW_ERR_LIMBO_FILE naming the first bad field. */
export function parseLimbo(path: string, doc: unknown): LimboFile {
  if (!isObj(doc)) throw malformed(path, 'the top level', 'must be an object with "version" and "testcases"');
  if (doc.version !== LIMBO_SCHEMA_VERSION) throw malformed(path, 'version', `must be ${LIMBO_SCHEMA_VERSION} (got ${JSON.stringify(doc.version)?.slice(0, 40)})`);
  if (!Array.isArray(doc.testcases)) throw malformed(path, 'testcases', 'must be an array');
  if (doc.testcases.length === 0) throw malformed(path, 'testcases', 'is empty: nothing to run');
  const testcases = doc.testcases.map((t, i) => testcase(path, i, t));
  const seen = new Set<string>();
  for (const [i, t] of testcases.entries()) {
    if (seen.has(t.id)) throw malformed(path, `testcases[${i}].id`, `repeats "${t.id.slice(0, 200)}" (ids must be unique: they are case and finding ids)`);
    seen.add(t.id);
  }
  return { path, testcases };
}

/** Read and validate the file given to --limbo (bounded, regular files only). */
export async function readLimboFile(path: string): Promise<LimboFile> {
  const bytes = await readFileBoundedAsync(path, { maxBytes: MAX_LIMBO_FILE_BYTES, what: 'limbo file', code: ErrorCode.LIMBO_FILE });
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (cause) {
    throw new CertwardenError(ErrorCode.LIMBO_FILE, `--limbo ${path} is not JSON: ${(cause as Error).message}`, { cause, details: { path } });
  }
  return parseLimbo(path, doc);
}
