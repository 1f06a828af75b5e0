/**
 * What the code and deployment-file readers report: facts about TLS
 * verification found at a line, as directives (`key` = the fact, `args[0]` =
 * the source text it was found in). Rules under rules/code/ judge them.
 */
import type { Directive } from '../model.ts';

export const FACTS = [
  /** JS/TS `rejectUnauthorized: false` (object literal or assignment). */
  'reject-unauthorized-false',
  /** NODE_TLS_REJECT_UNAUTHORIZED=0 or PYTHONHTTPSVERIFY=0: in code, an env file, a Dockerfile or a Kubernetes manifest. */
  'env-verify-off',
  /** JS/TS `checkServerIdentity` that returns nothing: every name matches. */
  'check-server-identity-noop',
  /** JS/TS `new https.Agent({...})` without `ca`: the runtime's public roots decide. */
  'agent-without-ca',
  /** Python `verify=False`. */
  'verify-false',
  /** Python `ssl._create_unverified_context`, `CERT_NONE`, `check_hostname = False`. */
  'unverified-context',
  /** Python `requests.get(...)`/`httpx.get(...)` (and friends) without `verify=`: certifi's public roots decide. */
  'requests-without-ca',
  /** Go `InsecureSkipVerify: true`. */
  'insecure-skip-verify',
  /** Java `checkServerTrusted` with an empty body, or a HostnameVerifier that returns true. */
  'java-trust-all',
] as const;
export type Fact = (typeof FACTS)[number];

export function fact(kind: Fact, file: string, line: number, text: string): Directive {
  return { name: kind, key: kind, args: [text.trim().slice(0, MAX_FACT_TEXT)], file, line, endLine: line };
}

/** Source text kept per fact (for the message): one line of code is enough to recognise it. */
export const MAX_FACT_TEXT = 160;
