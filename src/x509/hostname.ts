/**
 * RFC 6125 server identity checks, webpki profile:
 *  - only subjectAltName is consulted (no fallback to the subject CN);
 *  - DNS names compare case-insensitively (ASCII), an absolute name's single
 *    trailing dot is ignored, names must be in preferred name syntax (LDH);
 *  - a wildcard is accepted only as the whole leftmost label ("*.example.com"),
 *    it matches exactly one non-empty label, and never over a public suffix:
 *    "*.com", "*.co.uk" and "*.s3.amazonaws.com" never match (CA/B BRs
 *    §3.2.2.6; the Public Suffix List, ICANN and private sections, from the
 *    maintained `tldts` package);
 *  - IP literals match iPAddress SAN entries only, by bytes (never dNSName,
 *    never a wildcard).
 */
import { createRequire } from 'node:module';
import { isIPv4, isIPv6 } from 'node:net';
import type { Certificate } from './certificate.ts';

type Tldts = typeof import('tldts');
let tldts: Tldts | undefined;

/** The Public Suffix List, loaded on first use (no work at import time). */
function publicSuffixList(): Tldts {
  tldts ??= createRequire(import.meta.url)('tldts') as Tldts;
  return tldts;
}

/**
 * Whether `name` (normalised: lowercase, no trailing dot) is itself a public
 * suffix: an ICANN or private rule of the Public Suffix List, or a single label
 * (the list's implicit "*" rule, which keeps "*.internal" from matching while
 * "*.corp.internal" still does).
 */
export function isPublicSuffix(name: string): boolean {
  if (!name.includes('.')) return true;
  const suffix = publicSuffixList().getPublicSuffix(name, { allowPrivateDomains: true, extractHostname: false, validateHostname: false });
  return suffix === name;
}

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** Parse an IPv4 dotted quad or IPv6 literal (optionally in brackets) to bytes; undefined if not an IP literal. */
export function parseIpLiteral(text: string): Uint8Array | undefined {
  const s = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  if (isIPv4(s)) {
    // node:net accepts only canonical decimal dotted quads (no hex, no leading zeros), which is what we want.
    return Uint8Array.from(s.split('.').map(Number));
  }
  if (isIPv6(s) && !s.includes('%')) {
    let head = s;
    let v4tail: number[] = [];
    const lastColon = s.lastIndexOf(':');
    if (s.slice(lastColon + 1).includes('.')) {
      v4tail = s.slice(lastColon + 1).split('.').map(Number);
      head = `${s.slice(0, lastColon + 1)}0:0`;
    }
    const [l, r] = head.split('::') as [string, string | undefined];
    const left = l ? l.split(':') : [];
    const right = r === undefined ? [] : r ? r.split(':') : [];
    const groups = r === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
    if (groups.length !== 8) return undefined;
    const out = new Uint8Array(16);
    groups.forEach((g, i) => {
      const v = parseInt(g, 16);
      out[2 * i] = v >> 8;
      out[2 * i + 1] = v & 0xff;
    });
    if (v4tail.length === 4) out.set(v4tail, 12);
    return out;
  }
  return undefined;
}

/** Lowercase and drop one trailing dot; undefined if the result is not a valid DNS host name (LDH labels, <= 253 chars). */
export function normalizeDnsName(name: string, allowWildcard = false): string | undefined {
  let s = name.toLowerCase();
  if (s.endsWith('.')) s = s.slice(0, -1);
  if (s.length === 0 || s.length > 253) return undefined;
  const labels = s.split('.');
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i]!;
    if (i === 0 && allowWildcard && label === '*') continue;
    if (!LABEL.test(label)) return undefined;
  }
  return s;
}

function dnsMatches(presented: string, reference: string): boolean {
  const p = normalizeDnsName(presented, true);
  if (!p) return false;
  if (!p.startsWith('*.')) return p === reference;
  const base = p.slice(2);
  // A wildcard directly over a public suffix ("*.com", "*.co.uk") never matches.
  if (isPublicSuffix(base)) return false;
  const dot = reference.indexOf('.');
  if (dot <= 0) return false;
  return reference.slice(dot + 1) === base;
}

/**
 * Whether `cert` is valid for `hostname` (DNS name or IP literal), by its
 * subjectAltName only. Never throws: a certificate whose SAN does not parse
 * matches nothing.
 */
export function matchesHostname(cert: Certificate, hostname: string): boolean {
  let sans;
  try {
    sans = cert.subjectAltNames;
  } catch {
    return false;
  }
  if (!sans) return false;
  const ip = parseIpLiteral(hostname);
  if (ip) {
    return sans.some((n) => n.type === 'ip' && Buffer.compare(Buffer.from(n.value), Buffer.from(ip)) === 0);
  }
  const reference = normalizeDnsName(hostname);
  if (!reference) return false;
  return sans.some((n) => n.type === 'dns' && dnsMatches(n.value, reference));
}

/** Whether `hostname` is something matchesHostname can ever match (valid DNS name or IP literal). */
export function isValidReferenceHostname(hostname: string): boolean {
  return parseIpLiteral(hostname) !== undefined || normalizeDnsName(hostname) !== undefined;
}
