/**
 * Typed errors with stable codes.
 *
 * Every error certwarden raises on purpose is a {@link CertwardenError} with a
 * `code` from {@link ErrorCode}. Callers branch on the code (or the type guard
 * {@link isCertwardenError}), never on the message: messages are for people and
 * may be reworded. The brand is a `Symbol.for` so that two installed copies of
 * certwarden recognise each other's errors (undici does the same).
 */

const kCertwardenError = Symbol.for('certwarden.error');

/** Stable error codes. Adding one is fine; renaming one is a breaking change. */
export const ErrorCode = {
  /** Input is not PEM or DER of the expected kind. */
  PEM: 'CW_ERR_PEM',
  /** A certificate could not be parsed (malformed DER, bad structure). */
  CERTIFICATE_PARSE: 'CW_ERR_CERTIFICATE_PARSE',
  /** An OCSP request or response could not be parsed. */
  OCSP_PARSE: 'CW_ERR_OCSP_PARSE',
  /** A CRL could not be parsed. */
  CRL_PARSE: 'CW_ERR_CRL_PARSE',
  /** A CSR could not be parsed. */
  CSR_PARSE: 'CW_ERR_CSR_PARSE',
  /** Generic DER decoding failure (truncated, bad length, trailing data). */
  DER: 'CW_ERR_DER',
  /** A signature or key algorithm certwarden does not implement. */
  UNSUPPORTED_ALGORITHM: 'CW_ERR_UNSUPPORTED_ALGORITHM',
  /** The policy file is missing, unreadable or invalid. */
  POLICY: 'CW_ERR_POLICY',
  /** A server configuration (nginx, Apache, HAProxy) could not be parsed; details carry file and line. */
  CONFIG_PARSE: 'CW_ERR_CONFIG_PARSE',
  /** A network fetch (OCSP, CRL, AIA) failed. */
  FETCH: 'CW_ERR_FETCH',
  /** A network fetch exceeded its time budget. */
  FETCH_TIMEOUT: 'CW_ERR_FETCH_TIMEOUT',
  /** A network response exceeded its size cap. */
  FETCH_TOO_LARGE: 'CW_ERR_FETCH_TOO_LARGE',
  /** A URL scheme or address certwarden refuses to fetch. */
  FETCH_UNSUPPORTED: 'CW_ERR_FETCH_UNSUPPORTED',
  /** Bad command-line usage or bad API arguments. */
  USAGE: 'CW_ERR_USAGE',
  /** Well-formed request that conflicts with the current state (a certificate already revoked). */
  STATE: 'CW_ERR_STATE',
  /** A key passphrase (a CA key, an encrypted key given to `pin`) is missing, too short or wrong. */
  PASSPHRASE: 'CW_ERR_PASSPHRASE',
  /** A file could not be read or written. */
  IO: 'CW_ERR_IO',
  /** `certwarden watch`: the watch configuration file is missing or invalid (message has file:line:column). */
  WATCH_CONFIG: 'CW_ERR_WATCH_CONFIG',
  /** `certwarden watch`: a silence request is invalid (unknown event id, end before start, text too long); details name the field. */
  WATCH_SILENCE: 'CW_ERR_WATCH_SILENCE',
  /** `certwarden watch`: the running service does not know that silence (or target). */
  WATCH_NOT_FOUND: 'CW_ERR_WATCH_NOT_FOUND',
  /** `certwarden watch worker`: a scan job this worker cannot run (a target its configuration lacks, or of another zone). */
  WATCH_JOB: 'CW_ERR_WATCH_JOB',
  /** The CA store is locked by another process's transaction (a write that was asked not to wait, or waited too long). */
  STORE_BUSY: 'CW_ERR_STORE_BUSY',
  /** The CA or watch store cannot be used: unreachable, or its schema is newer than this version of certwarden knows. */
  STORE: 'CW_ERR_STORE',
  /** A serial the CA drew was already in its store (reserved by this or another process); the CA draws another. */
  SERIAL_TAKEN: 'CW_ERR_SERIAL_TAKEN',
  /** `probe --limbo FILE`: the file is missing, too large, not JSON or not x509-limbo-shaped (the message names the first bad field). */
  LIMBO_FILE: 'CW_ERR_LIMBO_FILE',
  /** `certwarden incident`: the certificate named in an incident was not issued by this CA (not in its inventory, or different bytes under that serial). */
  INCIDENT_NOT_ISSUED: 'CW_ERR_INCIDENT_NOT_ISSUED',
  /** `certwarden incident key-compromise`: the replacement would reuse a key that is compromised (the revoked certificate's, or any revoked with keyCompromise). */
  INCIDENT_KEY_REUSE: 'CW_ERR_INCIDENT_KEY_REUSE',
  /** A certificate chain was rejected by policy (used by enforcement layers). */
  UNTRUSTED: 'CW_ERR_UNTRUSTED',
  /** A certificate was found revoked, or its status could not be established under hard-fail. */
  REVOCATION: 'CW_ERR_REVOCATION',
  /** The running Node.js is older than the versions certwarden supports (or lacks a module it needs). */
  UNSUPPORTED_RUNTIME: 'CW_ERR_UNSUPPORTED_RUNTIME',
  /** An internal invariant broke: a bug, please report it. */
  INTERNAL: 'CW_ERR_INTERNAL',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export interface CertwardenErrorOptions {
  cause?: unknown;
  /** Structured context (file, line, field...) safe to log and to print. */
  details?: Record<string, unknown>;
}

export class CertwardenError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: CertwardenErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CertwardenError';
    this.code = code;
    this.details = options.details ?? {};
    Object.defineProperty(this, kCertwardenError, { value: true });
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    return isCertwardenError(value);
  }

  toJSON(): { code: ErrorCode; message: string; details: Record<string, unknown> } {
    return { code: this.code, message: this.message, details: this.details };
  }
}

/** Type guard that works across copies of the package. */
export function isCertwardenError(value: unknown): value is CertwardenError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[kCertwardenError] === true;
}

/** Wrap anything thrown by a third-party parser into a typed parse error. */
export function asParseError(code: ErrorCode, what: string, cause: unknown): CertwardenError {
  if (isCertwardenError(cause)) return cause;
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new CertwardenError(code, `${what}: ${reason}`, { cause });
}
