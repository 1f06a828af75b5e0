/** Shared fixtures for policy tests: CA files minted at test time, pins, a loader of inline YAML. */
import { createHash } from 'node:crypto';
import { makeRoot, tempDir, type TestIdentity } from '../helpers/pki.ts';
import { loadPolicy } from '../../src/policy/load.ts';
import type { LoadPolicyOptions, Policy } from '../../src/policy/types.ts';
import { isCertwardenError, type CertwardenError } from '../../src/errors.ts';

export interface Fixture {
  dir: string;
  root: TestIdentity;
  root2: TestIdentity;
  write: (name: string, data: string | Uint8Array) => string;
  /** Write `policy.yaml` (or `name`) and load it. */
  load: (yaml: string, options?: LoadPolicyOptions, name?: string) => Policy;
  /** Write and load, expecting a CW_ERR_POLICY error; returns it. */
  fail: (yaml: string, options?: LoadPolicyOptions, name?: string) => CertwardenError;
  cleanup: () => void;
}

export function fixture(): Fixture {
  const t = tempDir('certwarden-policy-');
  const root = makeRoot('CN=Policy Test Root');
  const root2 = makeRoot('CN=Policy Test Root 2');
  t.write('root.pem', root.certificate.toPem());
  t.write('bundle.pem', root.certificate.toPem() + root2.certificate.toPem());
  t.write('root2.pem', root2.certificate.toPem());
  const load = (yaml: string, options?: LoadPolicyOptions, name = 'policy.yaml'): Policy => loadPolicy(t.write(name, yaml), options);
  const fail = (yaml: string, options?: LoadPolicyOptions, name = 'policy.yaml'): CertwardenError => {
    try {
      load(yaml, options, name);
    } catch (e) {
      if (isCertwardenError(e)) return e;
      throw e;
    }
    throw new Error('expected the policy to be rejected, but it loaded');
  };
  return { dir: t.dir, root, root2, write: t.write, load, fail, cleanup: t.cleanup };
}

/** A syntactically valid pin for arbitrary bytes. */
export function pinOf(seed: string): string {
  return `sha256/${createHash('sha256').update(seed).digest('base64')}`;
}

export const PIN_A = pinOf('a');
export const PIN_B = pinOf('b');
export const PIN_C = pinOf('c');
