/** Where the peer conformance suites live: ../shared/testsuites beside the checkout. */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The path of a suite, or undefined when ../shared is absent (tests then skip cleanly). */
export function sharedSuite(name: string): string | undefined {
  const candidates = [process.env.CERTWARDEN_SHARED && join(process.env.CERTWARDEN_SHARED, 'testsuites', name), join(root, '..', 'shared', 'testsuites', name)];
  return candidates.find((p): p is string => !!p && existsSync(p));
}

export const projectRoot = root;
