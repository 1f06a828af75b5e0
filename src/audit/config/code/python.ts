/**
 * Python through Python's own `ast` module, in a `python3` subprocess with a
 * timeout (the source goes in on stdin, facts come back as JSON). Without
 * python3 a Python file is a typed error for its result, never a pass.
 */
import { spawnSync } from 'node:child_process';
import { parseError, type Directive } from '../model.ts';
import { fact, FACTS, type Fact } from './facts.ts';

/** One file's parse and walk; CPython parses megabytes in well under a second, so this only stops a stuck interpreter. */
export const PYTHON_TIMEOUT_MS = 20_000;
/** JSON facts returned at most (a file cannot hold more facts than this without being generated). */
export const MAX_PYTHON_OUTPUT_BYTES = 4 * 1024 * 1024;

/** Calls of these modules' request functions go to servers with the module's default trust (certifi's public roots). */
const SCRIPT = String.raw`
import ast, json, sys
src = sys.stdin.buffer.read().decode('utf-8', 'replace')
def out(o):
    sys.stdout.write(json.dumps(o)); sys.exit(0)
try:
    tree = ast.parse(src)
except SyntaxError as e:
    out({"error": "syntax error: %s" % (e.msg,), "line": e.lineno or 1})
except (RecursionError, MemoryError, ValueError) as e:
    out({"error": "cannot be parsed: %s" % (type(e).__name__,), "line": 1})
lines = src.split('\n')
facts = []
def add(kind, node):
    ln = getattr(node, 'lineno', 1) or 1
    facts.append([kind, ln, lines[ln - 1] if ln - 1 < len(lines) else ''])
HTTP = {'get', 'post', 'put', 'patch', 'delete', 'head', 'options', 'request', 'stream'}
try:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            kws = {k.arg: k.value for k in node.keywords if k.arg}
            v = kws.get('verify')
            if isinstance(v, ast.Constant) and v.value is False:
                add('verify-false', node)
            f = node.func
            if isinstance(f, ast.Attribute) and f.attr in HTTP and isinstance(f.value, ast.Name) and f.value.id in ('requests', 'httpx') and 'verify' not in kws and not any(k.arg is None for k in node.keywords):
                add('requests-without-ca', node)
        elif isinstance(node, ast.Attribute) and node.attr in ('_create_unverified_context', 'CERT_NONE'):
            add('unverified-context', node)
        elif isinstance(node, ast.Name) and node.id in ('_create_unverified_context', 'CERT_NONE') and isinstance(node.ctx, ast.Load):
            add('unverified-context', node)
        elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and node.value.value is False and any(isinstance(t, ast.Attribute) and t.attr == 'check_hostname' for t in node.targets):
            add('unverified-context', node)
        elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and node.value.value in ('0', 0) and any(isinstance(t, ast.Subscript) and isinstance(t.slice, ast.Constant) and t.slice.value in ('NODE_TLS_REJECT_UNAUTHORIZED', 'PYTHONHTTPSVERIFY') for t in node.targets):
            add('env-verify-off', node)
except RecursionError:
    out({"error": "nested too deeply", "line": 1})
out({"facts": facts})
`;

export function parsePython(text: string, file: string): Directive[] {
  const run = spawnSync('python3', ['-I', '-S', '-c', SCRIPT], { input: text, timeout: PYTHON_TIMEOUT_MS, maxBuffer: MAX_PYTHON_OUTPUT_BYTES, env: { PATH: process.env.PATH ?? '', LC_ALL: 'C.UTF-8' } });
  if (run.error) {
    const code = (run.error as NodeJS.ErrnoException).code;
    throw parseError(file, 1, code === 'ENOENT' ? 'python3 is not installed: Python files cannot be audited' : `python3 did not finish (${code ?? run.error.message})`);
  }
  let result: { error?: string; line?: number; facts?: [string, number, string][] };
  try {
    result = JSON.parse(run.stdout.toString('utf8')) as typeof result;
  } catch {
    throw parseError(file, 1, `python3 exited ${run.status} without a result${run.stderr.length > 0 ? `: ${run.stderr.toString('utf8').trim().split('\n').pop()}` : ''}`);
  }
  if (result.error !== undefined) throw parseError(file, Math.max(1, Number(result.line) || 1), result.error);
  return (result.facts ?? []).filter(([k]) => (FACTS as readonly string[]).includes(k)).map(([k, line, src]) => fact(k as Fact, file, Math.max(1, Number(line) || 1), String(src)));
}
