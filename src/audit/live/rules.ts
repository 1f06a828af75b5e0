/**
 * The findings of `audit --live`: where a declared listener (nginx, Apache,
 * HAProxy, Tomcat, Caddy, Envoy) and the live endpoint disagree. Declared once here; the registry, the report schema's
 * id enum and docs/audit.md's rule table are checked against these.
 */
import type { RuleSpec } from '../rules/rule.ts';

const NGINX_SSL = 'https://nginx.org/en/docs/http/ngx_http_ssl_module.html';

/** The configuration staples, the live endpoint staples nothing after the scan's retries. */
export const LIVE_DISAGREES_STAPLING: RuleSpec = {
  id: 'live-disagrees-stapling',
  requirement: 'V9.2.4',
  severity: 'high',
  dialect: 'any',
  title: 'The configuration turns OCSP stapling on but the live endpoint staples nothing',
  fix: 'Reload the server with the audited configuration (or audit the configuration it runs); check its error log for OCSP fetch failures (resolver, responder reachability).',
  source: `${NGINX_SSL}#ssl_stapling`,
};

/** The configuration requires a client certificate, the live endpoint accepts a client without one. */
export const LIVE_DISAGREES_CLIENT_AUTH: RuleSpec = {
  id: 'live-disagrees-client-auth',
  requirement: 'V9.2.1',
  severity: 'high',
  dialect: 'any',
  title: 'The configuration requires client certificates (nginx ssl_verify_client on, Apache SSLVerifyClient require, HAProxy verify required, Tomcat certificateVerification="required", Caddy client_auth mode require/require_and_verify, Envoy require_client_certificate) but the live endpoint accepts a client without one',
  fix: 'Reload the server with the audited configuration (or audit the configuration it runs): the running server does not verify clients.',
  source: `${NGINX_SSL}#ssl_verify_client`,
};

/** A listener the configuration declares where nothing answers. */
export const LIVE_UNREACHABLE: RuleSpec = {
  id: 'live-unreachable',
  requirement: 'V9.2.1',
  severity: 'medium',
  dialect: 'any',
  title: 'A listener the configuration declares does not answer: the running server is not the audited configuration (or is down)',
  fix: 'Start or reload the server with the audited configuration, or run the audit where the listener is reachable (--live-resolve HOST:PORT:ADDR).',
  source: 'https://nginx.org/en/docs/http/ngx_http_core_module.html#listen',
};

export const LIVE_RULES: readonly RuleSpec[] = [LIVE_DISAGREES_STAPLING, LIVE_DISAGREES_CLIENT_AUTH, LIVE_UNREACHABLE];
