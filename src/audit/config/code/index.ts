/**
 * The `code` dialect: source files and deployment files, each read by the
 * best parser available for its language (see the files beside this one).
 */
import { parseError, type Directive } from '../model.ts';
import { parseDockerfile, parseEnvFile, parseManifest } from './deploy.ts';
import { parseJavaScript } from './javascript.ts';
import { parsePython } from './python.ts';
import { parseGo, parseJava } from './tokens.ts';

export type CodeLanguage = 'javascript' | 'python' | 'go' | 'java' | 'env' | 'dockerfile' | 'manifest';

/** The language of a file, from its name (and, for YAML, nothing else: every YAML file is read as a manifest). */
export function codeLanguage(path: string): CodeLanguage | undefined {
  const name = path.split('/').pop() ?? '';
  const lower = name.toLowerCase();
  if (/\.(c|m)?(j|t)sx?$/.test(lower)) return 'javascript';
  if (lower.endsWith('.py')) return 'python';
  if (lower.endsWith('.go')) return 'go';
  if (lower.endsWith('.java')) return 'java';
  if (lower === '.env' || lower.startsWith('.env.') || lower.endsWith('.env')) return 'env';
  if (lower === 'dockerfile' || lower.startsWith('dockerfile.') || lower.endsWith('.dockerfile') || lower === 'containerfile') return 'dockerfile';
  if (/\.ya?ml$/.test(lower)) return 'manifest';
  return undefined;
}

export function parseCode(text: string, file: string): Directive[] {
  const lang = codeLanguage(file);
  switch (lang) {
    case 'javascript':
      return parseJavaScript(text, file);
    case 'python':
      return parsePython(text, file);
    case 'go':
      return parseGo(text, file);
    case 'java':
      return parseJava(text, file);
    case 'env':
      return parseEnvFile(text, file);
    case 'dockerfile':
      return parseDockerfile(text, file);
    case 'manifest':
      return parseManifest(text, file);
    default:
      throw parseError(file, 1, 'not a source or deployment file the code dialect reads (.js/.ts, .py, .go, .java, .env, Dockerfile, Kubernetes YAML)');
  }
}
