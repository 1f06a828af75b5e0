/**
 * Deployment files (configuration, not code): env files and Dockerfile
 * `ENV`/`ARG` lines are read line by line; Kubernetes manifests are parsed
 * with the yaml package (every document; positions kept) and their container
 * `env` entries judged.
 */
import { LineCounter, parseAllDocuments, isMap, isSeq, isScalar, type Node as YamlNode } from 'yaml';
import { parseError, type Directive } from '../model.ts';
import { fact } from './facts.ts';

/** Variables that turn certificate verification off when set to 0. */
export const VERIFY_OFF_VARIABLES = new Set(['NODE_TLS_REJECT_UNAUTHORIZED', 'PYTHONHTTPSVERIFY']);
/** YAML nodes visited at most per file. */
export const MAX_YAML_NODES = 1_000_000;

const unquote = (v: string): string => v.trim().replace(/^(["'])(.*)\1$/, '$2').trim();

/** `.env` files: `[export] NAME=VALUE`, `#` comments. */
export function parseEnvFile(text: string, file: string): Directive[] {
  const out: Directive[] = [];
  text.split('\n').forEach((raw, i) => {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*(?:\s#.*)?$/.exec(raw);
    if (m && VERIFY_OFF_VARIABLES.has(m[1]!) && unquote(m[2]!) === '0') out.push(fact('env-verify-off', file, i + 1, raw));
  });
  return out;
}

/** Dockerfile `ENV NAME=VALUE ...`, `ENV NAME VALUE`, `ARG NAME=VALUE` (continued lines joined, positions of the instruction kept). */
export function parseDockerfile(text: string, file: string): Directive[] {
  const out: Directive[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    const parts = [lines[i]!.replace(/\r$/, '')];
    while (/\\\s*$/.test(parts[parts.length - 1]!) && i + 1 < lines.length) {
      parts[parts.length - 1] = parts[parts.length - 1]!.replace(/\\\s*$/, ' ');
      parts.push(lines[++i]!.replace(/\r$/, ''));
    }
    const line = parts.join('');
    const m = /^\s*(ENV|ARG)\s+(.*)$/i.exec(line);
    if (!m) continue;
    const body = m[2]!.trim();
    const legacy = /^([A-Za-z_][A-Za-z0-9_]*)\s+([^=\s].*)$/.exec(body);
    const pairs: [string, string][] = legacy && !body.includes('=') ? [[legacy[1]!, legacy[2]!]] : [...body.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|'[^']*'|\S*)/g)].map((p) => [p[1]!, p[2]!]);
    for (const [name, value] of pairs) if (VERIFY_OFF_VARIABLES.has(name) && unquote(value) === '0') out.push(fact('env-verify-off', file, start + 1, lines[start]!));
  }
  return out;
}

/** Kubernetes (or Compose) YAML: any `env` list entry `{ name: X, value: "0" }` and any mapping `X: "0"` under an `environment` key. */
export function parseManifest(text: string, file: string): Directive[] {
  const counter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: counter, uniqueKeys: false });
  const list = Array.isArray(docs) ? docs : [docs];
  for (const d of list) {
    const e = d.errors[0];
    if (e) throw parseError(file, counter.linePos(e.pos[0]).line, `YAML: ${e.message.split('\n')[0]}`);
  }
  const out: Directive[] = [];
  const lines = text.split('\n');
  const lineOf = (n: YamlNode): number => counter.linePos(n.range?.[0] ?? 0).line;
  let visited = 0;
  // The syntax tree is walked as written: aliases stay alias nodes, never expanded ("billion laughs" cannot grow it).
  const stack: YamlNode[] = [];
  for (const d of list) if (d.contents) stack.push(d.contents as YamlNode);
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (++visited > MAX_YAML_NODES) throw parseError(file, lineOf(n), `more than ${MAX_YAML_NODES} YAML nodes`);
    if (isMap(n)) {
      const get = (k: string): unknown => {
        const v = n.get(k, true);
        return isScalar(v) ? v.value : undefined;
      };
      const name = get('name');
      if (typeof name === 'string' && VERIFY_OFF_VARIABLES.has(name) && String(get('value')).trim() === '0') out.push(fact('env-verify-off', file, lineOf(n), lines[lineOf(n) - 1] ?? ''));
      for (const pair of n.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
        if (key === 'environment' && isMap(pair.value)) {
          for (const ev of pair.value.items) {
            if (isScalar(ev.key) && VERIFY_OFF_VARIABLES.has(String(ev.key.value)) && isScalar(ev.value) && String(ev.value.value).trim() === '0') out.push(fact('env-verify-off', file, lineOf(ev.key), lines[lineOf(ev.key) - 1] ?? ''));
          }
        }
        if (pair.value && typeof pair.value === 'object') stack.push(pair.value as YamlNode);
      }
    } else if (isSeq(n)) {
      for (const item of n.items) {
        if (isScalar(item) && typeof item.value === 'string') {
          // Compose's list form: `- NODE_TLS_REJECT_UNAUTHORIZED=0`.
          const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(item.value);
          if (m && VERIFY_OFF_VARIABLES.has(m[1]!) && unquote(m[2]!) === '0') out.push(fact('env-verify-off', file, lineOf(item), lines[lineOf(item) - 1] ?? ''));
        } else if (item && typeof item === 'object') stack.push(item as YamlNode);
      }
    }
  }
  return out.sort((a, b) => a.line - b.line);
}
