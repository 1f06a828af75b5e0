/**
 * The normalised policy model: what {@link loadPolicy} returns and what the
 * enforcement layers read. Every value here is resolved: durations are
 * milliseconds, anchors are parsed certificates, pins are parsed, defaults are
 * applied, and each destination rule already holds its merged settings.
 *
 * The file format these come from is documented in docs/policy.md and
 * published as schema/policy.schema.json.
 */
import type { Certificate } from '../x509/certificate.ts';
import type { RevocationSource } from '../core/revocation-vocabulary.ts';
import type { CrlNumberRule } from '../crl/verify.ts';

export type RevocationMode = 'hard-fail' | 'soft-fail';
/** Which certificates revocation is checked for: the leaf only, or every non-anchor certificate in the path. */
export type RevocationCheck = 'leaf' | 'chain';
/** The extended key usage a certificate must allow (RFC 5280 §4.2.1.12 names). */
export type Purpose = 'serverAuth' | 'clientAuth';
/** What soft-fail tolerates. Only unreachable sources, never revoked/unknown/invalid answers. */
export type SoftFailTolerance = 'unreachable';

/** Where a value came from in the policy source, for messages and evidence. */
export interface SourceLocation {
  /** Policy file, when loaded from a file. */
  file?: string;
  /** 1-based line, when known (YAML/JSON text input). */
  line?: number;
  /** 1-based column, when known. */
  column?: number;
  /** Dotted path of the node, e.g. `destinations[0].trust.pins[1]`. */
  path: string;
}

/** A pinned SubjectPublicKeyInfo (RFC 7469 style, SHA-256). */
export interface Pin {
  /** As written: `sha256/<base64>`. */
  value: string;
  /** The 32-byte SHA-256 of the DER SubjectPublicKeyInfo, as base64 (compare with `Certificate.spkiSha256`). */
  sha256: string;
  /** After this instant the pin is no longer honoured (absent: never expires). */
  expires?: Date;
  note?: string;
  location: SourceLocation;
}

/** One entry of `trust.cas` / `inbound.client-cas`, read and parsed at load time. */
export interface CaSource {
  /** Absolute file path, or `inline` for a PEM string written in the policy. */
  source: string;
  /** `file` or `inline`. */
  kind: 'file' | 'inline';
  certificates: readonly Certificate[];
  location: SourceLocation;
}

/**
 * One entry of `trust.self-signed`: a specific self-signed certificate trusted
 * as its own anchor (ASVS V9.2.1), beside the CAs. It anchors only itself: a
 * peer whose leaf *is* this certificate (or, for an SPKI pin, a self-signed
 * leaf with this key), never certificates it might have issued.
 */
export interface SelfSignedEntry {
  /** `file` / `inline`: certificates read at load; `spki`: `sha256/` pin; `certificate`: `sha256-cert/` pin. */
  kind: 'file' | 'inline' | 'spki' | 'certificate';
  /** As written (absolute path for files). */
  source: string;
  /** `file` / `inline`: the certificates, each checked to be self-signed at load. */
  certificates: readonly Certificate[];
  /** `spki`: base64 SHA-256 of the SubjectPublicKeyInfo; `certificate`: lowercase hex SHA-256 of the DER certificate. */
  sha256?: string;
  location: SourceLocation;
}

export interface TrustSettings {
  /** Every certificate from every CA source, in order (duplicates by fingerprint removed). */
  anchors: readonly Certificate[];
  caSources: readonly CaSource[];
  /** `trust.self-signed`: specific self-signed certificates trusted as their own anchors, beside `anchors`. */
  selfSigned: readonly SelfSignedEntry[];
  /** All configured pins, including ones that expire later (or have expired: see `expires`). Pins restrict every chain. */
  pins: readonly Pin[];
  allowSinglePin: boolean;
  /** Also trust the runtime's public roots (`tls.rootCertificates`). */
  system: boolean;
}

export interface RevocationTimeouts {
  ocspMs: number;
  crlMs: number;
  connectMs: number;
}

export interface MaxResponseBytes {
  ocsp: number;
  crl: number;
}

export interface RevocationSettings {
  mode: RevocationMode;
  /**
   * What the mode tolerates: `[]` under hard-fail, `['unreachable']` under
   * soft-fail. Revoked, unknown, invalid and stale answers are never tolerated,
   * and a certificate admitted by soft-fail must be reported `softFailed: true`.
   */
  tolerates: readonly SoftFailTolerance[];
  requireStaple: boolean;
  check: RevocationCheck;
  /** `revocation.crl-number`: whether a CRL without cRLNumber may be used (`optional`, reported) or is refused (`required`). */
  crlNumber: CrlNumberRule;
  /** Sources to consult, in order. */
  sources: readonly RevocationSource[];
  /** Reject OCSP responses and CRLs whose thisUpdate is older than this. */
  maxResponseAgeMs: number;
  /**
   * `max-staleness`: the longest a `good` answer is believed without asking
   * again: a staple from its thisUpdate, a cached OCSP answer or CRL from
   * when it was fetched. Bounds the time from a revocation to its refusal.
   */
  maxStalenessMs: number;
  timeouts: RevocationTimeouts;
  maxResponseBytes: MaxResponseBytes;
  /** Use HTTP GET for OCSP requests that fit (RFC 5019 §5), else POST. */
  ocspGet: boolean;
}

/** A parsed host pattern from a destination rule's `match`. */
export interface HostPattern {
  /** As written. */
  source: string;
  /** `exact`: the host itself; `one-label`: `*.suffix`; `any-depth`: `**.suffix`. */
  kind: 'exact' | 'one-label' | 'any-depth';
  /** Normalised (lowercase ASCII, no trailing dot, IPv6 without brackets) host or suffix. */
  host: string;
  port?: number;
  /** The host is an IP literal (exact patterns only). */
  ip: boolean;
}

/** Settings that apply to one destination once top level and rule are merged. */
export interface DestinationSettings {
  trust: TrustSettings;
  revocation: RevocationSettings;
  purpose: Purpose;
  clockSkewMs: number;
}

export interface DestinationRule extends DestinationSettings {
  /** `name` from the file, or the first pattern when no name was given. */
  name: string;
  /** Position in `destinations`. */
  index: number;
  patterns: readonly HostPattern[];
  /** Dotted keys this rule set explicitly (e.g. `trust.pins`, `revocation.mode`), for evidence. */
  overrides: readonly string[];
  location: SourceLocation;
}

export interface InboundSettings {
  trust: TrustSettings;
  revocation: RevocationSettings;
  purpose: Purpose;
  clockSkewMs: number;
  /** `inbound.listeners`: per-listener settings, each already merged over these. */
  listeners?: ReadonlyMap<string, InboundSettings>;
}

export interface PolicyWarning {
  /** `file:line:column: text`, like a CW_ERR_POLICY message. */
  message: string;
  /** What is wrong, without the position (for callers that print the position their own way). */
  text: string;
  location: SourceLocation;
}

/** `expiry.leaf` / `expiry.chain`: time left before a certificate's notAfter. */
export interface ExpiryWindows {
  warnMs: number;
  /** Never longer than warnMs. */
  failMs: number;
}

/** `expiry.staple` / `expiry.crl`: time left before nextUpdate, fixed or as a share of thisUpdate..nextUpdate. */
export type RemainingWindow = { ms: number } | { fraction: number };

/** The `expiry:` section (src/policy/expiry.ts); defaults applied. */
export interface ExpirySettings {
  leaf: ExpiryWindows;
  chain: ExpiryWindows;
  staple: RemainingWindow;
  crl: RemainingWindow;
}

export interface Policy {
  version: 1;
  /** Absolute path of the policy file, when loaded from one. */
  file?: string;
  /** Folder relative paths were resolved from. */
  baseDir: string;
  trust: TrustSettings;
  revocation: RevocationSettings;
  purpose: Purpose;
  clockSkewMs: number;
  destinations: readonly DestinationRule[];
  inbound?: InboundSettings;
  /** Expiry warning and failure windows for scans (`expiry:`). */
  expiry: ExpirySettings;
  /** Non-fatal findings (expired pins, lost backup pin). */
  warnings: readonly PolicyWarning[];
  /** Canonical JSON of the source document (sorted keys, no comments): what the hash covers. */
  canonical: string;
  /** `policyHash(policy)`, computed at load. */
  hash: string;
}

export interface LoadPolicyOptions {
  /** For object input: folder relative CA paths resolve from (default: cwd). */
  baseDir?: string;
  /** Name used in messages for object input (default `<policy>`). */
  sourceName?: string;
  /** The instant pin expiry is judged against at load (default: now). */
  now?: Date;
  /** Called for each warning, in addition to `policy.warnings`. */
  onWarning?: (warning: PolicyWarning) => void;
}

/** What {@link resolveDestination} returns. */
export interface ResolvedDestination {
  host: string;
  port?: number;
  /** The matched rule, or `null` when the top level applies. */
  rule: { name: string; index: number; pattern: string } | null;
  /** Configured anchors plus, when `system` is on, the runtime's public roots. */
  anchors: readonly Certificate[];
  /** Configured anchors only (from `cas`). */
  configuredAnchors: readonly Certificate[];
  /** `trust.self-signed`: leaves trusted as their own anchors. */
  selfSigned: readonly SelfSignedEntry[];
  system: boolean;
  /** Pins in force at the resolution instant (expired ones removed). */
  pins: readonly Pin[];
  /**
   * `none`: no pins configured; `active`: `pins` must be satisfied;
   * `all-expired`: pins were configured but all have expired, so the
   * destination must be rejected (fail closed) until the policy is updated.
   */
  pinState: 'none' | 'active' | 'all-expired';
  revocation: RevocationSettings;
  purpose: Purpose;
  clockSkewMs: number;
}
