/**
 * The shape of a scan check (one module each in checks/): an id, the
 * requirement it proves, what it needs from the target, and `run`, which
 * returns findings and typed details. A check may throw (a connection that
 * cannot be made); the runner turns that into an attempt with a reason and
 * never into a pass.
 */
import type { Finding, Requirement } from './findings.ts';
import type { ScanContext } from './context.ts';

/** Network facts a check may ask of the context (documentation and scheduling). */
export type Need = 'tls12-flight' | 'handshakes' | 'stapling-retries' | 'client-auth-probes' | 'ocsp-crl-fetch';

export interface CheckOutcome<D> {
  findings: Finding[];
  /** Set when the check does not apply to the target (with why). */
  notApplicable?: string;
  details: D;
}

export interface Check<D = unknown> {
  id: string;
  requirement: Requirement;
  title: string;
  needs: readonly Need[];
  run(context: ScanContext): Promise<CheckOutcome<D>>;
}
