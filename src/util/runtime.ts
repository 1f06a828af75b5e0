/**
 * The Node.js versions certwarden supports, checked at first use (never at
 * import: importing the package has no side effects), so a project on an
 * end-of-life Node gets one sentence instead of a raw module or syntax error
 * from deep inside.
 */
import { createRequire } from 'node:module';
import { CertwardenError, ErrorCode } from '../errors.ts';

/** package.json `engines.node` (">=22"): Node 20 reached end-of-life in April 2026. */
export const MIN_NODE_MAJOR = 22;

const ADVICE = `certwarden needs Node.js ${MIN_NODE_MAJOR} or newer; install a current LTS (e.g. add "node": "^24" to your devDependencies, or pin it with nvm/volta)`;

let checked = false;

/** Throws CW_ERR_UNSUPPORTED_RUNTIME on a Node older than {@link MIN_NODE_MAJOR}. */
export function assertSupportedNode(version: string = process.versions.node): void {
  if (version === process.versions.node && checked) return;
  const major = Number(version.split('.')[0]);
  if (!(major >= MIN_NODE_MAJOR)) {
    throw new CertwardenError(ErrorCode.UNSUPPORTED_RUNTIME, `Node.js ${version} is not supported: ${ADVICE}.`, { details: { node: version, required: `>=${MIN_NODE_MAJOR}` } });
  }
  if (version === process.versions.node) checked = true;
}

/**
 * Load `node:sqlite` on demand: it exists (without a flag) from Node 22.13,
 * and a static import would break `import 'certwarden'` for every user who
 * never opens a CA.
 */
export function loadSqlite(): typeof import('node:sqlite') {
  assertSupportedNode();
  try {
    return createRequire(import.meta.url)('node:sqlite') as typeof import('node:sqlite');
  } catch (cause) {
    throw new CertwardenError(ErrorCode.UNSUPPORTED_RUNTIME, `the CA store needs node:sqlite, which Node.js ${process.versions.node} does not provide without a flag: use Node.js 22.13 or newer (24 recommended)`, {
      cause,
      details: { node: process.versions.node },
    });
  }
}
