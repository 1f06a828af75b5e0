/**
 * The typed registry of every audit rule, and the two findings that come
 * from reading configurations rather than from a rule. Ids are stable:
 * SARIF rules, suppressions and dashboards key on them (docs/audit.md).
 */
import type { RuleSpec } from './rule.ts';
import { NGINX_RULES } from './nginx/index.ts';
import { APACHE_RULES } from './apache/index.ts';
import { HAPROXY_RULES } from './haproxy/index.ts';
import { TOMCAT_RULES } from './tomcat/index.ts';
import { CODE_RULES } from './code/index.ts';
import { ENVOY_RULES } from './envoy/index.ts';
import { CADDY_RULES } from './caddy/index.ts';
import { AWS_ELB_RULES } from './aws-elb/index.ts';
import { TRUST_RULES } from './trust/index.ts';
import { LIVE_RULES } from '../live/rules.ts';

/** An include that names nothing readable: part of the configuration was not audited. */
export const INCLUDE_MISSING: RuleSpec = {
  id: 'include-missing',
  requirement: 'V9.2.1',
  severity: 'medium',
  dialect: 'any',
  title: 'An include names a file that cannot be read (or forms a cycle): part of the configuration was not audited',
  fix: 'Run the audit where the included files exist (or on `nginx -T` output), or fix the include path.',
  source: 'https://nginx.org/en/docs/ngx_core_module.html#include',
};

export const ALL_RULES: readonly RuleSpec[] = [...NGINX_RULES, ...APACHE_RULES, ...HAPROXY_RULES, ...TOMCAT_RULES, ...CODE_RULES, ...ENVOY_RULES, ...CADDY_RULES, ...AWS_ELB_RULES, ...TRUST_RULES, INCLUDE_MISSING, ...LIVE_RULES];

export const RULES_BY_ID: ReadonlyMap<string, RuleSpec> = new Map(ALL_RULES.map((r) => [r.id, r]));

export { NGINX_RULES, APACHE_RULES, HAPROXY_RULES, TOMCAT_RULES, CODE_RULES, ENVOY_RULES, CADDY_RULES, AWS_ELB_RULES, TRUST_RULES, LIVE_RULES };
