/**
 * certwarden's public API. An explicit list of named exports; importing the
 * package has no side effects.
 */
export { CertwardenError, ErrorCode, isCertwardenError } from './errors.ts';

// X.509
export { Certificate, type GeneralNameValue, type KeyUsageName } from './x509/certificate.ts';
export { createCertificate, signCertificate, type CertificateTemplate, type SignerCertificateTemplate } from './x509/builder.ts';
export { KeyObjectSigner, type Signer } from './x509/signer.ts';
export { generateKeyPair, type KeySpec } from './x509/sign.ts';
export { validatePath, PathReason, type PathValidationOptions, type PathValidationResult, type PathRejection } from './x509/path/validate.ts';
export { matchesHostname } from './x509/hostname.ts';
export { spkiPin, certificatePin, parsePin, chainMatchesPins } from './x509/pin.ts';

// OCSP
export { verifyOcspResponse, type OcspVerification, type VerifyOcspOptions } from './ocsp/verify.ts';
export { buildOcspRequest } from './ocsp/request.ts';
export { parseOcspRequest } from './ocsp/request-parse.ts';
export { parseOcspResponse } from './ocsp/response.ts';
export { queryOcsp, type QueryOcspOptions, type OcspQueryResult } from './ocsp/fetch.ts';
export { OcspCache } from './ocsp/cache.ts';
export { buildOcspResponse, buildErrorResponse, signOcspResponse } from './ocsp/builder.ts';

// CRL
export { Crl, parseCrl } from './crl/parse.ts';
export { checkCrl, verifyCrlForCertificate, type CrlVerifyResult } from './crl/verify.ts';
export { fetchCrl } from './crl/fetch.ts';
export { CrlCache, checkCrlViaDistributionPoints } from './crl/cache.ts';
export { buildCrl, signCrl } from './crl/builder.ts';

// Revocation and verdicts
export type { RevocationResult, RevocationStatus, RevocationEvidence, StatusReason } from './core/revocation-vocabulary.ts';
export { checkChainRevocation, type ChainRevocationResult, type ChainRevocationOptions } from './revocation/checker.ts';
export { evaluateTrust, TrustReason, type TrustVerdict, type EvaluateOptions } from './trust/evaluate.ts';

// Policy
export { loadPolicy } from './policy/load.ts';
export { policyHash } from './policy/hash.ts';
export { resolveDestination, resolveInbound } from './policy/match.ts';
export type { Policy } from './policy/types.ts';

// Internal CA (certwarden ca)
export { CertificateAuthority, CA_FILES, type CaConfig, type InitOptions, type IssueRequest, type IssueResult, type StoreChoice } from './ca/ca.ts';
export type { CaStore, IssuedRecord, ListFilter, RevokedEntry } from './ca/store.ts';
export { SqliteStore } from './ca/sqlite-store.ts';
export type { CaKeyRole, KeyStore } from './ca/key-store.ts';
export { EncryptedKeyStore } from './ca/encrypted-key-store.ts';
export { KEY_STORES, type KeyStoreKind, type KeyStoreContext } from './ca/key-stores.ts';
export { DirFiles, type CaFiles } from './ca/ca-files.ts';
export { PostgresStore, SCHEMA_VERSION as CA_POSTGRES_SCHEMA_VERSION } from './ca/postgres-store.ts';
export { CA_CHANNELS, type CaEventMessages, type CaIssuedEvent, type CaRevokedEvent, type CaCrlPublishedEvent, type CaResponderRotatedEvent, type CaStoreBusyEvent, type CaStoreChangedEvent } from './ca/events.ts';
export { OcspResponder, type OcspResponderOptions, type OcspAnswer } from './ca/ocsp-responder.ts';
export { CrlPublisher, type PublishedCrl } from './ca/crl-publisher.ts';
export { startCaServer, type CaServer, type CaServerOptions } from './ca/server.ts';
export { parseCsr } from './ca/csr.ts';

// Enforce: Node TLS clients and servers (docs/enforce.md)
export { createAgent, CertwardenAgent, type AgentOptions } from './tls/agent.ts';
export { createDispatcher, type DispatcherOptions, type CertwardenDispatcher } from './tls/dispatcher.ts';
export { createTlsConnectOptions, connectVerified, createConnector, type ConnectVerifiedOptions } from './tls/tls-options.ts';
export { VerifiedConnector, type ConnectorOptions, type ConnectTarget, type ClientCertificate } from './tls/connector.ts';
export { verifyTlsSocket, type VerifyTlsSocketOptions } from './tls/verify-connection.ts';
export { EnforcementContext, type EnforcementOptions } from './tls/context.ts';
export { createServerOptions, attachClientVerification, type ServerOptionsInput, type ClientVerificationOptions, type ClientVerification } from './tls/server-options.ts';
export { createStapler, Stapler, type StaplerOptions, type StaplerCertificate, type Timers } from './tls/stapler.ts';
export { FileStapleStorage, MemoryStapleStorage, type StapleStorage } from './tls/stapler-storage.ts';
export { CHANNELS, type VerdictMessage, type StapleMessage, type EnforcementStats, type StaplerStats } from './tls/diagnostics.ts';

// Scan (ASVS V9.2.1 / V9.2.4 audit of endpoints)
export { runScan, replayScan, type ScanOptions } from './scan/runner.ts';
export { parseTarget, parseResolve, type ScanTarget } from './scan/target.ts';
export { FINDINGS, type Finding, type FindingId, type Requirement, type Severity } from './scan/findings.ts';
export type { ScanReport, TargetResult, RequirementResult, RequirementStatus, CheckAttempt } from './scan/report.ts';
export { CHECKS } from './scan/registry.ts';
