/**
 * The policy file's JSON Schema (draft-07, the draft editors support best).
 *
 * This object is the single source: schema/policy.schema.json is a copy of it
 * (test/policy/schema.test.ts fails when they differ and prints the command
 * that regenerates the file), and the loader validates with it through ajv, so
 * what an editor accepts and what the loader accepts cannot drift.
 *
 * Union types (`["string", "object"]`) are used instead of `oneOf` so that a
 * mistake produces one precise error rather than one per alternative.
 */

import { CRL_NUMBER_KEY, CRL_NUMBER_SCHEMA } from './crl-number.ts';

const DURATION_DESCRIPTION = 'A duration: an integer number of seconds, or a string of digits followed by a unit: "ms", "s", "m", "h" or "d" (e.g. "30s", "5m", "2h", "1d").';

/** Pattern of a pin string: `sha256/` and the base64 of a 32-byte SHA-256. */
export const PIN_PATTERN = '^sha256/[A-Za-z0-9+/]{43}=$';
export const DURATION_PATTERN = '^(0|[1-9][0-9]{0,11})(ms|s|m|h|d)$';
/** Listener names: a word, so they read well in logs and never collide with object internals. */
export const LISTENER_NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$';
/** `expiry.staple.warn` / `expiry.crl.warn`: a percentage (1-99%) or a duration. */
export const EXPIRY_REMAINING_PATTERN = '^(?:[1-9][0-9]?%|(0|[1-9][0-9]{0,11})(ms|s|m|h|d))$';
export const DATE_PATTERN = '^[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]+)?)?(Z|[+-][0-9]{2}:[0-9]{2}))?$';
const LABEL = '[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?';
export const HOST_PATTERN_PATTERN = `^(?:(?:\\*\\*?\\.)?(?:${LABEL}\\.)*${LABEL}\\.?|\\[[0-9A-Fa-f:.]+\\])(?::[0-9]{1,5})?$`;

const duration = (description: string, example: string | number) => ({
  $ref: '#/definitions/duration',
  description: `${description} ${DURATION_DESCRIPTION}`,
  examples: [example],
});

/** A non-empty list of client-certificate anchors (inbound and its listeners). */
const clientCas = (description: string) => ({ type: 'array', minItems: 1, items: { $ref: '#/definitions/caList/items' }, description }) as const;

export const POLICY_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://github.com/certwarden/certwarden/schema/policy.schema.json',
  title: 'certwarden policy',
  description:
    'Which certificates certwarden trusts (OWASP ASVS V9.2.1) and how it checks revocation (V9.2.4). Unknown keys are errors. Reference: docs/policy.md.',
  type: 'object',
  additionalProperties: false,
  required: ['version', 'trust'],
  properties: {
    $schema: { type: 'string', description: 'URL or path of this schema, for editors. Ignored by certwarden.' },
    version: { type: 'integer', const: 1, description: 'Policy format version. Must be 1.' },
    trust: { $ref: '#/definitions/trust', description: 'Trust anchors and pins for outbound connections (destinations without a more specific rule).' },
    revocation: { $ref: '#/definitions/revocation', description: 'How revocation is checked for outbound connections. Every key has a strict default.' },
    purpose: { $ref: '#/definitions/purpose', description: 'The extended key usage the peer certificate must allow. Default "serverAuth".', default: 'serverAuth' },
    'clock-skew': duration('Tolerance for clock differences when judging validity periods and revocation response times. At most 1h. Default "5m".', '5m'),
    destinations: {
      type: 'array',
      description:
        'Per-destination rules. The most specific matching rule applies (exact host, then the longest wildcard suffix, then a rule with a port); the rule overrides the top level key by key.',
      items: { $ref: '#/definitions/destination' },
    },
    inbound: { $ref: '#/definitions/inbound', description: 'Verification of client certificates on mTLS listeners.' },
    expiry: { $ref: '#/definitions/expiry', description: 'When a scan warns or fails about certificates, staples and CRLs close to their end (docs/policy.md#expiry).' },
  },
  definitions: {
    expiry: {
      type: 'object',
      additionalProperties: false,
      properties: {
        leaf: { $ref: '#/definitions/expiryWindows', description: 'Time left before the server certificate\'s notAfter. Default warn "30d", fail "7d".' },
        chain: { $ref: '#/definitions/expiryWindows', description: 'Time left before an intermediate\'s or the anchor\'s notAfter. Default warn "60d", fail "14d".' },
        staple: { $ref: '#/definitions/remainingWindow', description: 'Time left before a good staple\'s nextUpdate. Default "25%" of its validity window.' },
        crl: { $ref: '#/definitions/remainingWindow', description: 'Time left before a CRL\'s nextUpdate. Default "25%" of its validity window.' },
      },
    },
    expiryWindows: {
      type: 'object',
      additionalProperties: false,
      properties: {
        warn: duration('Warn (medium finding) when less than this is left. At most 3650d.', '30d'),
        fail: duration('Fail (high finding) when less than this is left; not longer than warn. At most 3650d.', '7d'),
      },
    },
    remainingWindow: {
      type: 'object',
      additionalProperties: false,
      properties: {
        warn: {
          type: ['string', 'integer'],
          pattern: EXPIRY_REMAINING_PATTERN,
          description: `Warn (medium finding) when less than this is left: a percentage of the thisUpdate..nextUpdate window ("25%", 1% to 99%) or a duration. ${DURATION_DESCRIPTION}`,
          examples: ['25%', '1d'],
        },
      },
    },
    duration: {
      type: ['string', 'integer'],
      pattern: DURATION_PATTERN,
      minimum: 0,
      description: DURATION_DESCRIPTION,
    },
    purpose: {
      type: 'string',
      enum: ['serverAuth', 'clientAuth'],
      description: 'Extended key usage (RFC 5280 §4.2.1.12): "serverAuth" for servers, "clientAuth" for clients.',
    },
    caList: {
      type: 'array',
      items: {
        type: 'string',
        minLength: 1,
        description: 'Path of a PEM (or DER) file holding one or more CA certificates, relative to the policy file; or an inline PEM string ("-----BEGIN CERTIFICATE-----...").',
      },
    },
    pin: {
      type: ['string', 'object'],
      pattern: PIN_PATTERN,
      description: 'A pin: "sha256/<base64 SHA-256 of the DER SubjectPublicKeyInfo>" (`certwarden pin FILE` prints it), or an object { pin, expires, note }.',
      additionalProperties: false,
      required: ['pin'],
      properties: {
        pin: { type: 'string', pattern: PIN_PATTERN, description: 'The pin: "sha256/<base64 SHA-256 of the DER SubjectPublicKeyInfo>".' },
        expires: {
          type: 'string',
          pattern: DATE_PATTERN,
          description: 'ISO 8601 date ("2026-12-31", meaning 00:00 UTC that day) or date-time with zone. From then on the pin is ignored, with a warning.',
        },
        note: { type: 'string', description: 'Free text: whose key this is, where the backup key is kept.' },
      },
    },
    trust: {
      type: 'object',
      additionalProperties: false,
      properties: {
        cas: {
          $ref: '#/definitions/caList',
          description: 'Trust anchors: PEM files (each may hold several certificates) or inline PEM strings. Read when the policy loads; a missing or malformed file is an error.',
        },
        'self-signed': {
          type: 'array',
          description:
            'Specific self-signed certificates trusted as their own anchors, beside cas (trust, not a restriction): a peer is accepted when its certificate is one of these (a PEM file or inline PEM, a "sha256-cert/<hex>" certificate pin) or is self-signed with a listed key ("sha256/<base64>" SPKI pin). Each anchors only itself. An empty list trusts no self-signed certificate.',
          items: {
            type: 'string',
            minLength: 1,
            description: 'A PEM (or DER) file of the self-signed certificate, relative to the policy file; an inline PEM string; "sha256/<base64 SPKI SHA-256>"; or "sha256-cert/<hex SHA-256 of the certificate>".',
          },
        },
        pins: {
          type: 'array',
          description:
            'SPKI pins: a restriction on every chain (HPKP style), not trust. A chain, CA-issued or self-signed, is accepted only if one of its certificates has a pinned key (a pinned self-signed certificate is also its own anchor). To trust a self-signed certificate beside cas, use self-signed. At least two pins (one a backup key not yet in use) unless allow-single-pin is true. An empty list means no pinning.',
          items: { $ref: '#/definitions/pin' },
        },
        'allow-single-pin': {
          type: 'boolean',
          description: 'Accept a single pin with no backup. Default false: losing the only pinned key would lock clients out (the HPKP lesson).',
          default: false,
        },
        system: {
          type: 'boolean',
          description: "Also trust the runtime's public roots (Node's tls.rootCertificates). Default false.",
          default: false,
        },
      },
    },
    timeouts: {
      type: 'object',
      additionalProperties: false,
      description: 'Time budgets for network work. Each at most 5m.',
      properties: {
        ocsp: duration('Budget for one OCSP request, connection included. Default "5s".', '5s'),
        crl: duration('Budget for one CRL download, connection included. Default "10s".', '10s'),
        connect: duration('Budget for opening a connection to a responder or distribution point. Default "5s".', '5s'),
      },
    },
    maxResponseBytes: {
      type: ['integer', 'object'],
      minimum: 1,
      description: 'Size cap for fetched revocation data, in bytes: one integer for both, or { ocsp, crl }. Defaults: ocsp 1048576 (1 MiB), crl 33554432 (32 MiB).',
      additionalProperties: false,
      properties: {
        ocsp: { type: 'integer', minimum: 1, description: 'Cap for an OCSP response, in bytes. Default 1048576.' },
        crl: { type: 'integer', minimum: 1, description: 'Cap for a CRL, in bytes. Default 33554432.' },
      },
    },
    revocationSource: {
      type: 'string',
      enum: ['staple', 'ocsp', 'crl'],
      description: '"staple": the OCSP response the server stapled; "ocsp": query the responder in the certificate\'s AIA; "crl": fetch the CRL from its distribution point.',
    },
    revocation: {
      type: 'object',
      additionalProperties: false,
      properties: {
        mode: {
          type: 'string',
          enum: ['hard-fail', 'soft-fail'],
          description:
            'hard-fail: a certificate whose status cannot be established is rejected. soft-fail: admitted only when every source was unreachable, and the result says softFailed; revoked, unknown, invalid or stale answers are always rejected. Default "hard-fail".',
          default: 'hard-fail',
        },
        'require-staple': {
          type: 'boolean',
          description: 'The server must staple a valid OCSP response for its certificate (missing staple = rejected, in either mode). Needs "staple" in sources. Default false.',
          default: false,
        },
        check: {
          type: 'string',
          enum: ['leaf', 'chain'],
          description: '"chain": check every certificate below the anchor; "leaf": the end-entity certificate only. Default "chain".',
          default: 'chain',
        },
        [CRL_NUMBER_KEY]: CRL_NUMBER_SCHEMA,
        sources: {
          type: 'array',
          description: 'Revocation sources, tried in this order until one gives a definitive answer. Default [staple, ocsp, crl].',
          minItems: 1,
          uniqueItems: true,
          items: { $ref: '#/definitions/revocationSource' },
        },
        'max-response-age': duration('Reject OCSP responses and CRLs whose thisUpdate is older than this, even if nextUpdate is later. Default "7d".', '7d'),
        'max-staleness': duration(
          'Longest time a good revocation answer is believed without asking again: a stapled response from its thisUpdate (older: not believed, the next source is asked), a cached OCSP answer or CRL from when it was fetched (older: fetched again). The worst-case time from a revocation to its refusal. At most 366d. Default "1h".',
          '1h',
        ),
        timeouts: { $ref: '#/definitions/timeouts', description: 'Time budgets for OCSP, CRL and connections.' },
        'max-response-bytes': { $ref: '#/definitions/maxResponseBytes', description: 'Size cap for fetched OCSP responses and CRLs.' },
        'ocsp-get': {
          type: 'boolean',
          description: 'Send OCSP requests with HTTP GET when they fit (RFC 5019 §5, cacheable), else POST. Default true.',
          default: true,
        },
      },
    },
    inboundRevocation: {
      type: 'object',
      additionalProperties: false,
      description: 'Revocation checking of client certificates. Keys not given are taken from the top-level revocation section (clients do not staple: "staple" is removed from inherited sources).',
      properties: {
        mode: { $ref: '#/definitions/revocation/properties/mode' },
        check: { $ref: '#/definitions/revocation/properties/check' },
        [CRL_NUMBER_KEY]: { $ref: '#/definitions/revocation/properties/crl-number' },
        sources: {
          type: 'array',
          description: 'Revocation sources for client certificates, in order. Default: the top-level sources without "staple".',
          minItems: 1,
          uniqueItems: true,
          items: { type: 'string', enum: ['ocsp', 'crl'], description: '"ocsp" or "crl".' },
        },
        'max-response-age': { $ref: '#/definitions/revocation/properties/max-response-age' },
        'max-staleness': { $ref: '#/definitions/revocation/properties/max-staleness' },
        timeouts: { $ref: '#/definitions/revocation/properties/timeouts' },
        'max-response-bytes': { $ref: '#/definitions/revocation/properties/max-response-bytes' },
        'ocsp-get': { $ref: '#/definitions/revocation/properties/ocsp-get' },
      },
    },
    hostPattern: {
      type: 'string',
      pattern: HOST_PATTERN_PATTERN,
      description:
        'Host pattern: an exact host or IP literal ("api.example.com", "10.0.0.5", "[2001:db8::1]"), "*.suffix" (exactly one label before suffix) or "**.suffix" (one or more labels), optionally followed by ":port". Case-insensitive; IP literals only match exact patterns.',
    },
    destination: {
      type: 'object',
      additionalProperties: false,
      required: ['match'],
      description: 'A rule for the destinations it matches. Keys given here replace the top-level ones (lists are replaced, not appended); keys not given are inherited.',
      properties: {
        match: {
          type: ['string', 'array'],
          pattern: HOST_PATTERN_PATTERN,
          minItems: 1,
          items: { $ref: '#/definitions/hostPattern' },
          description: 'One host pattern or a list of them. See hostPattern.',
          examples: ['*.payments.internal', 'ledger.payments.internal:8443'],
        },
        name: { type: 'string', minLength: 1, description: 'Label for this rule in evidence and logs. Default: the first pattern.' },
        trust: { $ref: '#/definitions/trust', description: 'Overrides of the top-level trust keys for these destinations.' },
        revocation: { $ref: '#/definitions/revocation', description: 'Overrides of the top-level revocation keys for these destinations.' },
        purpose: { $ref: '#/definitions/purpose', description: 'Override of the top-level purpose.' },
        'clock-skew': duration('Override of the top-level clock-skew.', '5m'),
      },
    },
    inbound: {
      type: 'object',
      additionalProperties: false,
      required: ['client-cas'],
      properties: {
        'client-cas': clientCas('Anchors for client certificates: PEM files or inline PEM strings. Separate from trust.cas on purpose: the CAs you trust for servers are not the ones allowed to issue client identities.'),
        revocation: { $ref: '#/definitions/inboundRevocation', description: 'Revocation checking of client certificates.' },
        purpose: { $ref: '#/definitions/purpose', description: 'The extended key usage client certificates must allow. Default "clientAuth".', default: 'clientAuth' },
        'clock-skew': duration('Clock tolerance for client certificates. Default: the top-level clock-skew.', '5m'),
        listeners: {
          type: 'object',
          description: 'Named mTLS listeners with client CAs (and revocation, purpose, clock skew) of their own, e.g. an admin port that accepts only the operators\' CA; createServerOptions(policy, { listener: NAME }) selects one. Keys a listener leaves out are taken from inbound.',
          propertyNames: { pattern: LISTENER_NAME_PATTERN },
          additionalProperties: { $ref: '#/definitions/inboundListener' },
        },
      },
    },
    inboundListener: {
      type: 'object',
      additionalProperties: false,
      description: 'One named mTLS listener: the inbound keys it overrides.',
      properties: {
        'client-cas': clientCas('Anchors for this listener\'s client certificates; they replace inbound.client-cas (not added to them).'),
        revocation: { $ref: '#/definitions/inboundRevocation', description: 'Overrides of inbound.revocation for this listener.' },
        purpose: { $ref: '#/definitions/purpose', description: 'Override of inbound.purpose.' },
        'clock-skew': duration('Override of inbound.clock-skew.', '5m'),
      },
    },
  },
} as const;

const PIN_HINT =
  'must be "sha256/" followed by 44 base64 characters ending in "=" (the base64 SHA-256 of the DER SubjectPublicKeyInfo; `certwarden pin FILE` prints it)';

/**
 * What a value should look like, keyed by the pattern it failed, so a pattern
 * error says how to fix it instead of quoting a regular expression.
 */
export const PATTERN_HINTS: Readonly<Record<string, string>> = {
  [DURATION_PATTERN]: 'must be a duration: integer seconds or a string like "30s", "5m", "2h", "1d"',
  [PIN_PATTERN]: PIN_HINT,
  [EXPIRY_REMAINING_PATTERN]: 'must be a percentage of the validity window from "1%" to "99%", or a duration like "12h", "1d"',
  [DATE_PATTERN]: 'must be an ISO 8601 date like "2026-12-31" or a date-time with zone like "2026-12-31T12:00:00Z"',
  [LISTENER_NAME_PATTERN]: 'must be a listener name: letters, digits, ".", "_" or "-", starting with a letter or digit (at most 64 characters)',
  [HOST_PATTERN_PATTERN]: 'must be a host pattern: "host", "*.suffix" or "**.suffix", optionally with ":port" (IPv6 in brackets)',
};
