/**
 * What `certwarden pin` accepts from a file: whatever an operator has at hand
 * when writing a policy's trust.pins, in PEM or DER. A backup pin is
 * mandatory, and the backup key usually exists only as a key or a CSR:
 *
 *  - certificates (X.509);
 *  - public keys: SubjectPublicKeyInfo ("PUBLIC KEY"), PKCS#1 ("RSA PUBLIC KEY");
 *  - private keys: PKCS#8 ("PRIVATE KEY", "ENCRYPTED PRIVATE KEY"), SEC1
 *    ("EC PRIVATE KEY"), PKCS#1 ("RSA PRIVATE KEY"); only the public half is
 *    kept, never the key itself;
 *  - certification requests (PKCS#10), whose self-signature must verify.
 *
 * Keys go through node:crypto, which re-encodes the public key the way a CA
 * and `openssl pkey -pubout` do, so the pin matches the certificate the key
 * will be in.
 */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { parseCsr } from '../ca/csr.ts';
import { CertwardenError, ErrorCode, isCertwardenError } from '../errors.ts';
import { children, readTlv, splitSigned } from '../util/der.ts';
import { parsePemBlocks } from '../util/pem.ts';
import { Certificate } from '../x509/certificate.ts';

export type PinSourceKind = 'certificate' | 'public-key' | 'private-key' | 'certificate-request';

export interface PinSource {
  kind: PinSourceKind;
  /** DER SubjectPublicKeyInfo: what the pin hashes. */
  spkiDer: Uint8Array;
  /** For kind "certificate". */
  certificate?: Certificate;
  /** "ec prime256v1", "rsa 3072", "ed25519". */
  keyDescription: string;
}

export interface PinInputOptions {
  /** For encrypted private keys. */
  passphrase?: string;
}

const CERTIFICATE_LABELS = new Set(['CERTIFICATE', 'TRUSTED CERTIFICATE', 'X509 CERTIFICATE']);
const CSR_LABELS = new Set(['CERTIFICATE REQUEST', 'NEW CERTIFICATE REQUEST']);
const PUBLIC_KEY_LABELS = new Set(['PUBLIC KEY', 'RSA PUBLIC KEY']);
const PRIVATE_KEY_LABELS = new Set(['PRIVATE KEY', 'ENCRYPTED PRIVATE KEY', 'EC PRIVATE KEY', 'RSA PRIVATE KEY']);
const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;

export const ACCEPTED_PIN_INPUTS = 'a certificate, a public key (PUBLIC KEY), a private key (PRIVATE KEY, EC PRIVATE KEY, RSA PRIVATE KEY) or a certificate request, in PEM or DER';

function describeKey(key: KeyObject): string {
  const details = key.asymmetricKeyDetails;
  const size = details?.namedCurve ?? (details?.modulusLength !== undefined ? String(details.modulusLength) : undefined);
  return [key.asymmetricKeyType ?? 'unknown', size].filter(Boolean).join(' ');
}

function fromPublicKey(kind: PinSourceKind, key: KeyObject): PinSource {
  return { kind, spkiDer: key.export({ format: 'der', type: 'spki' }), keyDescription: describeKey(key) };
}

/** A certificate as a pin source (also for certificates read from a live handshake). */
export function certificatePinSource(certificate: Certificate): PinSource {
  let keyDescription: string;
  try {
    keyDescription = describeKey(certificate.publicKey);
  } catch {
    // The pin hashes the SPKI bytes: a key algorithm node:crypto cannot load still has one.
    keyDescription = 'unsupported key algorithm';
  }
  return { kind: 'certificate', spkiDer: certificate.spkiDer, certificate, keyDescription };
}

function fromCsr(der: Uint8Array): PinSource {
  return fromPublicKey('certificate-request', parseCsr(der).publicKey);
}

/** The public half of a private key; node:crypto's own error codes say whether a passphrase is the problem. */
function fromPrivateKey(key: Parameters<typeof createPrivateKey>[0] & object, options: PinInputOptions): PinSource {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ ...key, ...(options.passphrase !== undefined ? { passphrase: options.passphrase } : {}) } as Parameters<typeof createPrivateKey>[0]);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'ERR_MISSING_PASSPHRASE' || (options.passphrase === undefined && code === 'ERR_OSSL_CRYPTO_INTERRUPTED_OR_CANCELLED')) {
      throw new CertwardenError(ErrorCode.PASSPHRASE, 'this private key is encrypted: give its passphrase with --passphrase-file FILE, or pin its public key instead (openssl pkey -in KEY -pubout)', { cause });
    }
    if (options.passphrase !== undefined && code === 'ERR_OSSL_BAD_DECRYPT') {
      throw new CertwardenError(ErrorCode.PASSPHRASE, 'cannot decrypt this private key: wrong passphrase', { cause });
    }
    // node:crypto's message names the failing parser, never key bytes.
    throw new CertwardenError(ErrorCode.PEM, `not a usable private key: ${(cause as Error).message}`, { cause });
  }
  return fromPublicKey('private-key', createPublicKey(privateKey));
}

function fromPemBlock(label: string, text: string, der: Buffer, options: PinInputOptions): PinSource | undefined {
  if (CERTIFICATE_LABELS.has(label)) return certificatePinSource(new Certificate(der));
  if (CSR_LABELS.has(label)) return fromCsr(der);
  if (PUBLIC_KEY_LABELS.has(label)) {
    try {
      return fromPublicKey('public-key', createPublicKey({ key: der, format: 'der', type: label === 'RSA PUBLIC KEY' ? 'pkcs1' : 'spki' }));
    } catch (cause) {
      throw new CertwardenError(ErrorCode.PEM, `the ${label} block is not a usable public key: ${(cause as Error).message}`, { cause });
    }
  }
  // Given as PEM text so that node:crypto sees the encryption headers (Proc-Type, DEK-Info) of legacy encrypted keys.
  if (PRIVATE_KEY_LABELS.has(label)) return fromPrivateKey({ key: text, format: 'pem' }, options);
  return undefined;
}

/**
 * Certificates and CSRs are both SIGNED{...}; told apart by the signed part:
 * a CertificationRequestInfo has at most 4 fields (RFC 2986 §4.1), a
 * TBSCertificate at least 6 (RFC 5280 §4.1). Undefined when `der` is not a
 * signed structure at all (a key).
 */
function signedKind(der: Buffer): 'certificate' | 'certificate-request' | undefined {
  try {
    const { tbs } = splitSigned(der, 'signed object');
    return children(tbs, readTlv(tbs, 0)).length <= 4 ? 'certificate-request' : 'certificate';
  } catch {
    return undefined;
  }
}

/** DER has no label: certificates and CSRs by their structure (so their own errors are reported), keys by trying each encoding. */
function fromDer(der: Buffer, options: PinInputOptions): PinSource {
  const signed = signedKind(der);
  if (signed === 'certificate') return certificatePinSource(new Certificate(der));
  if (signed === 'certificate-request') return fromCsr(der);
  const attempts: Array<() => PinSource> = [
    () => fromPublicKey('public-key', createPublicKey({ key: der, format: 'der', type: 'spki' })),
    () => fromPrivateKey({ key: der, format: 'der', type: 'pkcs8' }, options),
    () => fromPrivateKey({ key: der, format: 'der', type: 'sec1' }, options),
    () => fromPrivateKey({ key: der, format: 'der', type: 'pkcs1' }, options),
    () => fromPublicKey('public-key', createPublicKey({ key: der, format: 'der', type: 'pkcs1' })),
  ];
  for (const attempt of attempts) {
    try {
      return attempt();
    } catch (err) {
      // An encrypted key was recognised: say so instead of "not a key".
      if (isCertwardenError(err) && err.code === ErrorCode.PASSPHRASE) throw err;
    }
  }
  throw new CertwardenError(ErrorCode.PEM, `expected ${ACCEPTED_PIN_INPUTS}; this DER is none of them`);
}

/** Every pinnable object in a file, in order. Throws CW_ERR_PEM (or CW_ERR_PASSPHRASE) when there is none. */
export function pinSourcesFromInput(data: Uint8Array, options: PinInputOptions = {}): PinSource[] {
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (bytes.length === 0) throw new CertwardenError(ErrorCode.PEM, `expected ${ACCEPTED_PIN_INPUTS}, but the input is empty`);
  if (bytes[0] === 0x30) return [fromDer(bytes, options)];
  const text = bytes.toString('latin1');
  const bare = text.replace(/\s+/g, '');
  if (!text.includes('-----BEGIN') && /^[A-Za-z0-9+/]+={0,2}$/.test(bare)) return [fromDer(Buffer.from(bare, 'base64'), options)];
  const sources: PinSource[] = [];
  for (const match of text.matchAll(PEM_BLOCK)) {
    const [block] = parsePemBlocks(match[0]);
    const source = fromPemBlock(match[1]!, match[0], block!.der, options);
    if (source) sources.push(source);
  }
  if (sources.length === 0) throw new CertwardenError(ErrorCode.PEM, `expected ${ACCEPTED_PIN_INPUTS}; found none`);
  return sources;
}
