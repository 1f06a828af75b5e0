import { defineRule } from '../rule.ts';
import { ELB_DOCS, type ElbUnit } from './unit.ts';

export default defineRule<ElbUnit>({
  id: 'aws-elb-no-stapling',
  requirement: 'V9.2.4',
  severity: 'low',
  dialect: 'aws-elb',
  title: 'An HTTPS/TLS listener cannot staple OCSP: Elastic Load Balancing has no OCSP stapling setting (guides that say "Enable OCSP stapling" in the listener are wrong)',
  fix: 'Nothing to switch on at the load balancer: use short-lived certificates (ACM renews them), or terminate TLS on a server that staples (nginx, Apache, HAProxy, Caddy) behind a TCP listener.',
  source: ELB_DOCS.listener,
  check(u) {
    return [{ message: 'Elastic Load Balancing does not staple OCSP responses; clients must fetch revocation status themselves', file: u.listener.file, line: u.listener.line }];
  },
});
