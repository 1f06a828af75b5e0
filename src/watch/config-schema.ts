/**
 * The watch configuration's JSON Schema (draft-07). This object is the single
 * source: schema/watch-config.schema.json is a copy of it
 * (test/watch/config.test.ts fails when they differ), and the loader validates
 * with it through ajv, so what an editor accepts and what the service accepts
 * cannot drift.
 */
import { DURATION_PATTERN } from '../policy/schema.ts';
import { STARTTLS_PROTOCOLS } from '../scan/starttls/index.ts';

const duration = (description: string) => ({ type: 'string', pattern: DURATION_PATTERN, description: `${description} A string of digits and a unit: "s", "m", "h" or "d" (e.g. "30s", "5m").` });

/** A bare address (no display name, no whitespace or control character: nothing that could end a header). */
const ADDRESS_PATTERN = '^[^\\s@<>()",;:\\\\]+@[A-Za-z0-9.-]+$';

export const WATCH_CONFIG_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://github.com/certwarden/certwarden/schema/watch-config.schema.json',
  title: 'certwarden watch configuration',
  description: 'What `certwarden watch` scans, how often, where it keeps history and where it sends alerts. Unknown keys are errors. Reference: docs/watch.md.',
  type: 'object',
  additionalProperties: false,
  required: ['version', 'policy', 'targets'],
  properties: {
    $schema: { type: 'string', description: 'URL or path of this schema, for editors. Ignored.' },
    version: { type: 'integer', const: 1, description: 'Configuration format version. Must be 1.' },
    policy: { type: 'string', minLength: 1, description: 'The policy file (the same as `certwarden scan --policy`), relative to this file.' },
    every: duration('Default interval between two scans of a target (default 5m).'),
    jitter: { type: 'number', minimum: 0, maximum: 0.5, description: 'Fraction of the interval by which each run is spread at random (default 0.1).' },
    concurrency: { type: 'integer', minimum: 1, maximum: 1000, description: 'Targets scanned at once (default 20).' },
    listen: { type: 'string', pattern: '^(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9.-]+):[0-9]{1,5}$', description: 'HOST:PORT of /metrics, /healthz and /api (default 127.0.0.1:9464). Any address other than loopback requires token-file.' },
    'token-file': { type: 'string', minLength: 1, description: 'File holding the bearer token that /metrics and /api require (mandatory off loopback).' },
    'admin-token-file': { type: 'string', minLength: 1, description: 'File holding the admin bearer token that writes (creating and expiring silences) require, on loopback too. Without it the API stays read-only.' },
    store: { type: 'string', minLength: 1, description: 'Folder of the history database (SQLite; default ./watch-data, relative to this file), or a postgres:// URL (history in Postgres, scans as jobs for `certwarden watch worker`). Default: $CERTWARDEN_WATCH_STORE, else ./watch-data.' },
    'job-expiry': duration('Postgres store: a scan job held this long by a worker that died is handed to another (default 2m; must outlast a scan).'),
    retention: duration('How long scans are kept in the history (default 30d).'),
    repeat: duration('How often an alert is sent again while its condition lasts (default 24h).'),
    targets: { type: 'array', minItems: 1, items: { $ref: '#/definitions/target' }, description: 'What to watch.' },
    alerts: { type: 'array', items: { $ref: '#/definitions/alert' }, description: 'Where alerts go.' },
  },
  definitions: {
    target: {
      description: 'host:port, or an object with one of target, file or ca.',
      type: ['string', 'object'],
      minLength: 1,
      additionalProperties: false,
      properties: {
        target: { type: 'string', minLength: 1, description: 'host:port (as `certwarden scan` takes it); the label of the target everywhere.' },
        resolve: { type: 'string', minLength: 1, description: 'Address to connect to instead of resolving the host (as `scan --resolve`).' },
        every: duration('Interval for this target.'),
        zone: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$', description: 'The network zone whose workers scan this target (`certwarden watch worker --zone NAME`, Postgres store); default: the service itself.' },
        starttls: { enum: [...STARTTLS_PROTOCOLS], description: 'STARTTLS preamble before the handshake.' },
        file: { type: 'string', minLength: 1, description: 'A targets file, one target a line (as `scan --targets`).' },
        ca: { type: 'string', minLength: 1, description: 'A `certwarden ca` home: its inventory of issued and revoked certificates is compared with what the targets serve.' },
      },
    },
    alert: {
      description: 'One channel: a webhook or an email (exactly one of the two).',
      type: 'object',
      additionalProperties: false,
      properties: {
        webhook: { type: 'string', pattern: '^https?://', description: 'URL the alert is POSTed to.' },
        'secret-file': { type: 'string', minLength: 1, description: 'File with the HMAC-SHA256 key; the signature goes in the X-Certwarden-Signature header (webhook only).' },
        format: { enum: ['certwarden', 'slack'], description: 'certwarden: the alert as JSON (default); slack: a Slack-compatible {"text": ...} payload (webhook only).' },
        email: { $ref: '#/definitions/email' },
        name: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$', description: 'The channel name in metrics and logs (default webhook, webhook-2, ... or email, email-2, ...).' },
      },
    },
    email: {
      description: 'Send each alert as a text email over SMTP.',
      type: 'object',
      additionalProperties: false,
      required: ['to', 'from', 'smtp'],
      properties: {
        to: { type: 'array', minItems: 1, maxItems: 100, items: { type: 'string', pattern: ADDRESS_PATTERN }, description: 'Recipient addresses (bare addresses: name@domain).' },
        from: { type: 'string', pattern: ADDRESS_PATTERN, description: 'Sender address (a bare address: name@domain).' },
        smtp: { type: 'string', pattern: '^smtps?://[^/?#]+/?$', description: 'The relay: smtp://HOST:PORT (plain, then STARTTLS; default port 587) or smtps://HOST:PORT (TLS from the first byte; default port 465). No credentials in the URL.' },
        starttls: { enum: ['required', 'opportunistic'], description: 'smtp: only. required: never send without STARTTLS (default off loopback); opportunistic: use it when offered (default on loopback).' },
        user: { type: 'string', minLength: 1, maxLength: 256, pattern: '^[^\\r\\n]+$', description: 'SMTP AUTH user; needs password-file.' },
        'password-file': { type: 'string', minLength: 1, description: 'File holding the SMTP AUTH password (read at start, never logged).' },
        'ca-file': { type: 'string', minLength: 1, description: "PEM bundle of the CAs the relay's certificate must chain to (instead of the system's CAs), for a relay with a private certificate." },
      },
    },
  },
} as const;
