/**
 * Validating against the published JSON Schema (ajv) and turning its errors
 * into messages a person can act on: one problem per node, located at the
 * offending value (or key, for unknown keys), with did-you-mean suggestions.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { POLICY_VERSION } from '../defaults.ts';
import { PATTERN_HINTS, POLICY_SCHEMA } from '../schema.ts';
import { suggest } from '../values.ts';
import { fatal, policyError, type Problem } from './problems.ts';
import { formatPath, type Json, type PathSeg, type Source } from './source.ts';

let validator: ValidateFunction | undefined;

function getValidator(): ValidateFunction {
  validator ??= new Ajv({ allErrors: true, strict: true, allowUnionTypes: true, verbose: true }).compile(POLICY_SCHEMA);
  return validator;
}

function decodePointer(pointer: string, data: Json): PathSeg[] {
  if (pointer === '') return [];
  const out: PathSeg[] = [];
  let cur: Json | undefined = data;
  for (const raw of pointer.slice(1).split('/')) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(cur)) {
      out.push(Number(seg));
      cur = cur[Number(seg)];
    } else {
      out.push(seg);
      cur = cur !== null && typeof cur === 'object' ? cur[seg] : undefined;
    }
  }
  return out;
}

function valueAt(data: Json, path: readonly PathSeg[]): Json | undefined {
  let cur: Json | undefined = data;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, Json>)[seg];
  }
  return cur;
}

function describe(value: Json | undefined): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${JSON.stringify(value)}`;
}

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'true or false',
  object: 'a mapping',
  array: 'a list',
  null: 'null',
};

function typeList(type: string | string[]): string {
  const names = (Array.isArray(type) ? type : String(type).split(',')).map((t) => TYPE_NAMES[t] ?? t);
  return names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} or ${names.at(-1)}`;
}

/** The property names the schema allows at the object an error points into. */
function knownKeys(e: ErrorObject): string[] {
  const props = (e.parentSchema as { properties?: Record<string, unknown> } | undefined)?.properties;
  return props ? Object.keys(props).filter((k) => k !== '$schema') : [];
}

function schemaProblem(src: Source, data: Json, e: ErrorObject): Problem {
  const path = decodePointer(e.instancePath, data);
  const value = valueAt(data, path);
  const p = formatPath(path);
  const subject = p === '' ? 'the policy' : p;
  let message: string;
  let at: readonly PathSeg[] = path;
  let where: 'value' | 'key' = 'value';
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      at = [...path, key];
      where = 'key';
      const known = knownKeys(e);
      const guess = suggest(key, known);
      const within = p === '' ? 'at the top level' : `in ${p}`;
      message = guess
        ? `unknown key "${key}" ${within}: did you mean "${guess}"? (unknown keys are errors so that a typo cannot weaken the policy)`
        : `unknown key "${key}" ${within}; known keys: ${known.join(', ')}`;
      break;
    }
    case 'required': {
      const key = String(params.missingProperty);
      message =
        key === 'version'
          ? `missing required key "version": add "version: ${POLICY_VERSION}" at the top`
          : `${p === '' ? '' : `${p}: `}missing required key "${key}"`;
      break;
    }
    case 'type':
      message = `${subject} must be ${typeList(params.type as string | string[])} (got ${describe(value)})`;
      break;
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]).map((v) => JSON.stringify(v));
      const list = allowed.length <= 2 ? allowed.join(' or ') : `one of ${allowed.join(', ')}`;
      const guess = typeof value === 'string' ? suggest(value, (params.allowedValues as unknown[]).map(String)) : undefined;
      message = `${subject} must be ${list} (got ${JSON.stringify(value)})${guess ? `; did you mean "${guess}"?` : ''}`;
      break;
    }
    case 'const':
      message =
        p === 'version'
          ? `version must be ${POLICY_VERSION} (got ${JSON.stringify(value)}): this certwarden reads policy format version ${POLICY_VERSION}`
          : `${subject} must be ${JSON.stringify(params.allowedValue)} (got ${JSON.stringify(value)})`;
      break;
    case 'pattern': {
      const hint = PATTERN_HINTS[String(params.pattern)] ?? `must match ${String(params.pattern)}`;
      message = `${subject} ${hint} (got ${JSON.stringify(value)})`;
      break;
    }
    case 'minimum':
      message = `${subject} must be at least ${String(params.limit)} (got ${JSON.stringify(value)})`;
      break;
    case 'minItems':
      message = `${subject} must list at least ${String(params.limit)} item${params.limit === 1 ? '' : 's'}`;
      break;
    case 'minLength':
      message = `${subject} must not be empty`;
      break;
    case 'uniqueItems': {
      // ajv reports the later duplicate as i, the earlier as j: point at the repeat.
      const i = Number(params.i);
      at = [...path, i];
      message = `${subject} lists ${JSON.stringify((value as Json[])[i])} twice`;
      break;
    }
    default:
      message = `${subject} ${e.message ?? 'is invalid'}`;
  }
  const location = src.locate(at, where);
  return { message, location, offset: location.offset };
}

/** Throw CW_ERR_POLICY listing every schema violation (one per node), unless `data` is valid. */
export function validateSchema(src: Source, data: Json): void {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw fatal(src, `the policy must be a mapping with "version" and "trust" keys (got ${describe(data)})`);
  }
  const validate = getValidator();
  if (validate(data)) return;
  // One problem per node: a type error makes the node's other keyword errors noise.
  const byPath = new Map<string, ErrorObject>();
  for (const e of validate.errors ?? []) {
    const key = e.keyword === 'additionalProperties' ? `${e.instancePath}/${String(e.params.additionalProperty)}` : e.instancePath;
    const seen = byPath.get(key);
    if (!seen || (e.keyword === 'type' && seen.keyword !== 'type')) byPath.set(key, e);
  }
  throw policyError(
    src,
    [...byPath.values()].map((e) => schemaProblem(src, data, e)),
  );
}
