/**
 * The dialect registry: every name `--dialect` accepts, whether it is
 * audited yet, and how a file of it is recognised. Adding a dialect touches
 * this table, a parser under config/ and a rules folder under rules/.
 */
import { CertwardenError, ErrorCode } from '../errors.ts';
import { codeLanguage } from './config/code/index.ts';
import { isCaddyfile } from './config/caddy.ts';

export const DIALECTS = ['nginx', 'apache', 'haproxy', 'tomcat', 'caddy', 'envoy', 'aws-elb', 'code'] as const;
export type DialectName = (typeof DIALECTS)[number];
export const SUPPORTED_DIALECTS = ['nginx', 'apache', 'haproxy', 'tomcat', 'code', 'envoy', 'caddy', 'aws-elb'] as const;
export type Dialect = (typeof SUPPORTED_DIALECTS)[number];

export function isSupported(d: DialectName): d is Dialect {
  return (SUPPORTED_DIALECTS as readonly string[]).includes(d);
}

/** `--dialect` value → a supported dialect, or CW_ERR_USAGE. */
export function parseDialect(value: string): Dialect {
  if (!(DIALECTS as readonly string[]).includes(value)) {
    throw new CertwardenError(ErrorCode.USAGE, `--dialect must be one of ${DIALECTS.join(', ')} (got "${value}")`);
  }
  if (!isSupported(value as DialectName)) {
    throw new CertwardenError(ErrorCode.USAGE, `--dialect ${value} is not yet supported: audit reads ${SUPPORTED_DIALECTS.join(', ')} today (see docs/audit.md)`);
  }
  return value as Dialect;
}

/** Markers that count towards a dialect when the file name does not decide it. */
const MARKERS: Readonly<Record<Dialect, readonly RegExp[]>> = {
  nginx: [/^\s*(server|location|http|upstream|events|stream)\s*[^\n{;]*\{/m, /^\s*(listen|server_name|proxy_pass|ssl_certificate|ssl_stapling|add_header|root|include)\s+[^\n]*;\s*(#.*)?$/m, /^\s*(proxy_set_header|proxy_ssl_\w+|location)\b/m, /^\s*[a-z][a-z0-9_]*\s+[^\n;{}]*;\s*(#.*)?$/m],
  apache: [
    /^\s*<(VirtualHost|IfModule|Directory|Location|Files|FilesMatch|IfDefine)\b/im,
    /^\s*(SSLEngine|SSLCertificateFile|ServerName|DocumentRoot|RewriteEngine|Header|LoadModule|Options|AddType|SSLProxyEngine|ProxyPass|ErrorDocument|ServerSignature|ServerTokens|FileETag|AddDefaultCharset|AddOutputFilterByType|ExpiresActive|TraceEnable)\s/im,
    // Apache's Include has no trailing `;` (nginx's does), and is capitalised by convention.
    /^\s*Include(Optional)?\s+[^;\n]+$/m,
  ],
  // Tomcat's server.xml elements; JVM option files are recognised by name only.
  tomcat: [/^\s*<(Server|Service|Connector|SSLHostConfig|Engine)\b/m, /<Connector\b[^>]*\bport\s*=/],
  // Source and deployment files are recognised by name only (src/audit/config/code/index.ts).
  code: [],
  // Envoy YAML/JSON is recognised by content (before code: both are .yaml).
  envoy: [],
  // Caddyfile by name, Caddy JSON by its `apps` object.
  caddy: [],
  // AWS CLI exports are recognised by their top-level keys.
  'aws-elb': [],
  haproxy: [/^\s*(frontend|backend|listen|defaults|global)(\s|$)/m, /^\s*(bind|server|default_backend|use_backend|mode|balance|timeout)\s/m],
};

/** An Envoy bootstrap or discovery file: its top-level resources or its TLS transport socket types. */
const ENVOY_MARKER = /^\s*"?static_resources"?\s*:|envoy\.extensions\.transport_sockets\.tls\.v3\.|^\s*"?resources"?\s*:[\s\S]*envoy\.config\.(listener|cluster)\.v3\./m;

/** `aws elbv2 describe-listeners` / `describe-trust-stores` / `describe-trust-store-revocations` output. */
const AWS_ELB_MARKER = /^\s*\{\s*"(Listeners|TrustStores|TrustStoreRevocations)"\s*:/;

/** Caddy's native JSON: a top-level `apps` object with the http or tls app. */
const CADDY_JSON_MARKER = /^\s*\{\s*("admin"[\s\S]*)?"apps"\s*:\s*\{[\s\S]*"(http|tls)"\s*:/;

/** The dialect a file is in, from its name and then its content; undefined when nothing matches. */
export function detectDialect(path: string, text: string): Dialect | undefined {
  const name = path.toLowerCase().split('/').pop() ?? '';
  if (name === '.htaccess' || name === 'httpd.conf' || name === 'apache2.conf' || name.endsWith('.htaccess')) return 'apache';
  if (name === 'server.xml' || name === 'setenv.sh' || name === 'catalina.sh' || name === 'java.security' || name.endsWith('.security')) return 'tomcat';
  if (name === 'haproxy.cfg' || name.endsWith('.cfg')) return 'haproxy';
  if (/\.(ya?ml|json)$/.test(name) && ENVOY_MARKER.test(text)) return 'envoy';
  if (name.endsWith('.json') && AWS_ELB_MARKER.test(text)) return 'aws-elb';
  if (isCaddyfile(name) || (name.endsWith('.json') && CADDY_JSON_MARKER.test(text))) return 'caddy';
  if (codeLanguage(name)) return 'code';
  if (name === 'nginx.conf' || /\.(subdomain|subfolder)\.conf\.sample$/.test(name)) return 'nginx';
  let best: Dialect | undefined;
  let bestScore = 0;
  for (const d of SUPPORTED_DIALECTS) {
    const score = MARKERS[d].filter((re) => re.test(text)).length;
    if (score > bestScore) {
      best = d;
      bestScore = score;
    }
  }
  return best;
}
