/**
 * Runs every benchmark in this folder, one after the other on the same
 * machine, each printing one JSON line of results with its ratios against
 * OpenSSL. `npm run bench` (about 30 s; loopback and local files only).
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
let failed = false;
for (const name of ['ocsp-verify.ts', 'crl.ts']) {
  process.stderr.write(`== bench/${name}\n`);
  const r = spawnSync(process.execPath, [join(here, name)], { stdio: 'inherit' });
  if (r.status !== 0) failed = true;
}
process.exitCode = failed ? 1 : 0;
