/**
 * Name constraints (RFC 5280 §4.2.1.10, §6.1.3 b-c, §6.1.4 g).
 *
 * Each CA's constraints are kept as their own set and every name below it is
 * checked against every set (this is the intersection the RFC's state
 * machine computes, without having to compute it). Name forms processed:
 * dNSName, iPAddress, rfc822Name (SAN and the subject's emailAddress),
 * uniformResourceIdentifier (by host) and directoryName (subject and SAN).
 * A constraint on any other form (otherName, x400Address, ediPartyName,
 * registeredID) cannot be processed: if a name of that form appears below it,
 * the certificate is rejected, as §4.2.1.10 requires.
 *
 * Malformed constraints (no subtrees, empty subtrees, minimum/maximum set,
 * DNS constraints with wildcards or a leading period, IP constraints that are
 * not address+contiguous mask, invalid rfc822 forms) make the CA's certificate
 * malformed. A name that is syntactically invalid (bad DNS name, IP of the
 * wrong length, broken e-mail address) cannot be shown to lie in a permitted
 * subtree or outside an excluded one, so it violates any constraint of its form.
 */
import { parseGeneralName, type GeneralNameValue } from '../certificate.ts';
import { children, readTlv } from '../../util/der.ts';
import { rdnKeys } from '../name.ts';
import { OID } from '../oids.ts';
import { parseName } from '../name.ts';
import { normalizeDnsName } from '../hostname.ts';
import type { Certificate } from '../certificate.ts';

export interface NameConstraintSet {
  permitted: GeneralNameValue[];
  excluded: GeneralNameValue[];
}

export class NameConstraintError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NameConstraintError';
  }
}

export class NameConstraintBudgetError extends Error {
  constructor() {
    super('name-constraint work budget exceeded');
    this.name = 'NameConstraintBudgetError';
  }
}

const DNS = 0x82;
const IP = 0x87;
const EMAIL = 0x81;
const URI = 0x86;
const DIR = 0xa4;

function tagOf(n: GeneralNameValue): number {
  switch (n.type) {
    case 'email':
      return EMAIL;
    case 'dns':
      return DNS;
    case 'uri':
      return URI;
    case 'ip':
      return IP;
    case 'directory':
      return DIR;
    case 'other':
      return n.tag;
  }
}

function validDnsConstraint(c: string): boolean {
  return c === '' || normalizeDnsName(c) !== undefined && !c.endsWith('.');
}

function validEmailConstraint(c: string): boolean {
  const at = c.split('@');
  if (at.length > 2) return false;
  if (at.length === 2) return at[0]!.length > 0 && normalizeDnsName(at[1]!) !== undefined;
  if (c.startsWith('.')) return normalizeDnsName(c.slice(1)) !== undefined;
  return normalizeDnsName(c) !== undefined;
}

function validIpConstraint(v: Uint8Array): boolean {
  if (v.length !== 8 && v.length !== 32) return false;
  const mask = v.subarray(v.length / 2);
  let seenZero = false;
  for (const byte of mask) {
    for (let bit = 7; bit >= 0; bit--) {
      const one = (byte >> bit) & 1;
      if (one && seenZero) return false;
      if (!one) seenZero = true;
    }
  }
  return true;
}

function validUriConstraint(c: string): boolean {
  const host = c.startsWith('.') ? c.slice(1) : c;
  return normalizeDnsName(host) !== undefined;
}

/** Parse and validate a nameConstraints extension value. Throws NameConstraintError when malformed. */
export function parseNameConstraints(der: Uint8Array): NameConstraintSet {
  const out: NameConstraintSet = { permitted: [], excluded: [] };
  let seq;
  try {
    seq = readTlv(der, 0);
  } catch (e) {
    throw new NameConstraintError(`malformed nameConstraints: ${(e as Error).message}`);
  }
  if (seq.tag !== 0x30 || seq.end !== der.length) throw new NameConstraintError('malformed nameConstraints');
  const parts = children(der, seq);
  if (parts.length === 0) throw new NameConstraintError('nameConstraints has neither permittedSubtrees nor excludedSubtrees');
  for (const part of parts) {
    if (part.tag !== 0xa0 && part.tag !== 0xa1) throw new NameConstraintError('unexpected field in nameConstraints');
    const list = part.tag === 0xa0 ? out.permitted : out.excluded;
    const subtrees = children(der, part);
    if (subtrees.length === 0) throw new NameConstraintError('nameConstraints has an empty subtree list');
    for (const st of subtrees) {
      if (st.tag !== 0x30) throw new NameConstraintError('malformed GeneralSubtree');
      const [base, ...rest] = children(der, st);
      if (!base) throw new NameConstraintError('GeneralSubtree without a base');
      // RFC 5280: minimum MUST be zero (absent), maximum MUST be absent.
      if (rest.length > 0) throw new NameConstraintError('GeneralSubtree with minimum or maximum set');
      const gn = parseGeneralName(der, base);
      switch (gn.type) {
        case 'dns':
          if (!validDnsConstraint(gn.value)) throw new NameConstraintError(`invalid dNSName constraint "${gn.value}"`);
          gn.value = gn.value.toLowerCase();
          break;
        case 'email':
          if (!validEmailConstraint(gn.value)) throw new NameConstraintError(`invalid rfc822Name constraint "${gn.value}"`);
          break;
        case 'ip':
          if (!validIpConstraint(gn.value)) throw new NameConstraintError('invalid iPAddress constraint (must be address and contiguous mask, 8 or 32 bytes)');
          break;
        case 'uri':
          if (!validUriConstraint(gn.value)) throw new NameConstraintError(`invalid URI constraint "${gn.value}"`);
          break;
        case 'directory':
          parseName(gn.value);
          break;
        default:
          break;
      }
      list.push(gn);
    }
  }
  return out;
}

/** Names of a certificate subject to constraints: the subject (if non-empty), its emailAddress attributes, all SAN entries. */
export function constrainedNames(cert: Certificate): GeneralNameValue[] {
  const names: GeneralNameValue[] = [];
  if (cert.subjectDer.length > 2) {
    names.push({ type: 'directory', value: cert.subjectDer });
    for (const rdn of parseName(cert.subjectDer)) {
      for (const a of rdn) {
        if (a.type === OID.emailAddress) names.push({ type: 'email', value: Buffer.from(a.raw).toString('latin1') });
      }
    }
  }
  for (const n of cert.subjectAltNames ?? []) names.push(n);
  return names;
}

type Prepared =
  | { kind: 'dns'; name: string; wildcardBase?: string }
  | { kind: 'ip'; bytes: Uint8Array }
  | { kind: 'email'; local: string; host: string }
  | { kind: 'uri'; host: string }
  | { kind: 'dir'; rdns: string[] }
  | { kind: 'invalid' }
  | { kind: 'other' };

function prepare(n: GeneralNameValue): Prepared {
  switch (n.type) {
    case 'dns': {
      const norm = normalizeDnsName(n.value, true);
      if (!norm || n.value.endsWith('.')) return { kind: 'invalid' };
      return norm.startsWith('*.') ? { kind: 'dns', name: norm, wildcardBase: norm.slice(2) } : { kind: 'dns', name: norm };
    }
    case 'ip':
      return n.value.length === 4 || n.value.length === 16 ? { kind: 'ip', bytes: n.value } : { kind: 'invalid' };
    case 'email': {
      const parts = n.value.split('@');
      if (parts.length !== 2 || !parts[0] || !normalizeDnsName(parts[1]!)) return { kind: 'invalid' };
      return { kind: 'email', local: parts[0], host: parts[1]!.toLowerCase() };
    }
    case 'uri': {
      const m = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/(?:[^@/?#]*@)?([^:/?#[\]]+)(?::\d*)?(?:[/?#]|$)/.exec(n.value);
      const host = m && normalizeDnsName(m[1]!);
      return host ? { kind: 'uri', host } : { kind: 'invalid' };
    }
    case 'directory':
      try {
        return { kind: 'dir', rdns: rdnKeys(n.value) };
      } catch {
        return { kind: 'invalid' };
      }
    default:
      return { kind: 'other' };
  }
}

function dnsWithin(name: string, c: string): boolean {
  return c === '' || name === c || name.endsWith(`.${c}`);
}

/** Whether every name `p` stands for lies within constraint `c` (permitted check). */
function within(p: Prepared, c: GeneralNameValue): boolean {
  switch (p.kind) {
    case 'dns':
      if (c.type !== 'dns') return false;
      return dnsWithin(p.wildcardBase ?? p.name, c.value);
    case 'ip': {
      if (c.type !== 'ip' || c.value.length !== p.bytes.length * 2) return false;
      const len = p.bytes.length;
      for (let i = 0; i < len; i++) if ((p.bytes[i]! & c.value[len + i]!) !== (c.value[i]! & c.value[len + i]!)) return false;
      return true;
    }
    case 'email': {
      if (c.type !== 'email') return false;
      const v = c.value;
      const at = v.indexOf('@');
      if (at >= 0) return p.local === v.slice(0, at) && p.host === v.slice(at + 1).toLowerCase();
      if (v.startsWith('.')) return p.host.endsWith(v.toLowerCase());
      return p.host === v.toLowerCase();
    }
    case 'uri': {
      if (c.type !== 'uri') return false;
      const v = c.value.toLowerCase();
      return v.startsWith('.') ? p.host.endsWith(v) : p.host === v;
    }
    case 'dir': {
      if (c.type !== 'directory') return false;
      const ck = rdnKeys(c.value);
      if (ck.length > p.rdns.length) return false;
      return ck.every((k, i) => k === p.rdns[i]);
    }
    default:
      return false;
  }
}

/** Whether some name `p` stands for lies within excluded constraint `c`. */
function intersects(p: Prepared, c: GeneralNameValue): boolean {
  if (p.kind === 'dns' && p.wildcardBase !== undefined && c.type === 'dns') {
    if (dnsWithin(p.wildcardBase, c.value)) return true;
    // "*.example.com" can stand for "bar.example.com" itself.
    return c.value.endsWith(`.${p.wildcardBase}`) && !c.value.slice(0, -(p.wildcardBase.length + 1)).includes('.');
  }
  return within(p, c);
}

/**
 * Check the names of `cert` against each constraint set. Returns the first
 * violation's message, or undefined. `budget.left` is decremented per
 * comparison; NameConstraintBudgetError when it runs out.
 */
export function checkNameConstraints(cert: Certificate, sets: readonly NameConstraintSet[], budget: { left: number }): string | undefined {
  if (sets.length === 0) return undefined;
  const names = constrainedNames(cert);
  for (const name of names) {
    const tag = tagOf(name);
    const p = prepare(name);
    for (const set of sets) {
      const permitted = set.permitted.filter((c) => tagOf(c) === tag);
      const excluded = set.excluded.filter((c) => tagOf(c) === tag);
      if (permitted.length === 0 && excluded.length === 0) continue;
      budget.left -= permitted.length + excluded.length;
      if (budget.left < 0) throw new NameConstraintBudgetError();
      const label = describeName(name);
      if (p.kind === 'other') return `${label}: a name form whose constraints certwarden cannot process`;
      if (p.kind === 'invalid') return `${label} is malformed and cannot be checked against the name constraints`;
      if (permitted.length > 0 && !permitted.some((c) => within(p, c))) return `${label} is outside the permitted subtrees`;
      const hit = excluded.find((c) => intersects(p, c));
      if (hit) return `${label} falls within an excluded subtree`;
    }
  }
  return undefined;
}

function describeName(n: GeneralNameValue): string {
  switch (n.type) {
    case 'dns':
      return `dNSName "${n.value}"`;
    case 'email':
      return `rfc822Name "${n.value}"`;
    case 'uri':
      return `URI "${n.value}"`;
    case 'ip':
      return `iPAddress ${Buffer.from(n.value).toString('hex')}`;
    case 'directory':
      return 'directoryName';
    case 'other':
      return `GeneralName [tag 0x${n.tag.toString(16)}]`;
  }
}
