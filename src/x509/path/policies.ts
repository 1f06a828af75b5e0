/**
 * Certificate policy processing, RFC 5280 §6.1.2-§6.1.5 (valid_policy_tree).
 *
 * Policy qualifiers are not tracked (no relying-party use). The tree is
 * capped in size (MAX_NODES) so that crafted policy mappings cannot make it
 * grow exponentially (CVE-2023-0464 class); hitting the cap rejects.
 */
import { children, readTlv, TAG, value } from '../../util/der.ts';
import type { Certificate } from '../certificate.ts';
import { OID } from '../oids.ts';
import { decodeOid } from '../signature.ts';

export interface PolicySettings {
  /** user-initial-policy-set: OIDs, or ['anyPolicy'] / [OID.anyPolicy] (the default). */
  initialPolicySet: string[];
  initialExplicitPolicy: boolean;
  initialPolicyMappingInhibit: boolean;
  initialAnyPolicyInhibit: boolean;
}

export type PolicyOutcome = { ok: true; policies: string[] } | { ok: false; message: string; index?: number };

const ANY = OID.anyPolicy;
const MAX_NODES = 10_000;

interface Node {
  valid: string;
  expected: Set<string>;
  parent: Node | undefined;
  children: Node[];
  depth: number;
}

function parseOidSeq(der: Uint8Array): string[] {
  const seq = readTlv(der, 0);
  if (seq.tag !== TAG.SEQUENCE || seq.end !== der.length) throw new Error('malformed certificatePolicies');
  const out: string[] = [];
  for (const pi of children(der, seq)) {
    const oidTlv = children(der, pi)[0];
    if (!oidTlv || oidTlv.tag !== TAG.OID) throw new Error('malformed PolicyInformation');
    const oid = decodeOid(value(der, oidTlv));
    if (out.includes(oid)) throw new Error(`policy ${oid} appears twice in certificatePolicies`);
    out.push(oid);
  }
  if (out.length === 0) throw new Error('empty certificatePolicies');
  return out;
}

function parseMappings(der: Uint8Array): [string, string][] {
  const seq = readTlv(der, 0);
  if (seq.tag !== TAG.SEQUENCE) throw new Error('malformed policyMappings');
  const out = children(der, seq).map((m) => {
    const [a, b] = children(der, m);
    if (!a || !b || a.tag !== TAG.OID || b.tag !== TAG.OID) throw new Error('malformed policyMappings entry');
    return [decodeOid(value(der, a)), decodeOid(value(der, b))] as [string, string];
  });
  if (out.length === 0) throw new Error('empty policyMappings');
  return out;
}

function smallInt(v: Uint8Array): number {
  if (v.length === 0 || v.length > 4 || (v[0]! & 0x80)) throw new Error('policy skip count out of range');
  let n = 0;
  for (const b of v) n = n * 256 + b;
  return n;
}

function parseConstraints(der: Uint8Array): { require?: number; inhibit?: number } {
  const seq = readTlv(der, 0);
  if (seq.tag !== TAG.SEQUENCE) throw new Error('malformed policyConstraints');
  const out: { require?: number; inhibit?: number } = {};
  const parts = children(der, seq);
  if (parts.length === 0) throw new Error('empty policyConstraints');
  for (const c of parts) {
    if (c.tag === 0x80) out.require = smallInt(value(der, c));
    else if (c.tag === 0x81) out.inhibit = smallInt(value(der, c));
    else throw new Error('malformed policyConstraints');
  }
  return out;
}

function parseInhibitAny(der: Uint8Array): number {
  const t = readTlv(der, 0);
  if (t.tag !== TAG.INTEGER) throw new Error('malformed inhibitAnyPolicy');
  return smallInt(value(der, t));
}

/** Run RFC 5280 policy processing over `path` (leaf first, anchor last; the anchor is not processed). */
export function processPolicies(path: readonly Certificate[], settings: Partial<PolicySettings> = {}): PolicyOutcome {
  const userSet = (settings.initialPolicySet ?? [ANY]).map((p) => (p === 'anyPolicy' ? ANY : p));
  const n = path.length - 1;
  if (n === 0) return { ok: true, policies: ['anyPolicy'] };
  let explicit = settings.initialExplicitPolicy ? 0 : n + 1;
  let inhibitAny = settings.initialAnyPolicyInhibit ? 0 : n + 1;
  let mapping = settings.initialPolicyMappingInhibit ? 0 : n + 1;
  const root: Node = { valid: ANY, expected: new Set([ANY]), parent: undefined, children: [], depth: 0 };
  let tree: Node | undefined = root;
  let count = 1;
  const levels = (d: number): Node[] => {
    const out: Node[] = [];
    const walk = (x: Node): void => {
      if (x.depth === d) out.push(x);
      else for (const c of x.children) walk(c);
    };
    if (tree) walk(tree);
    return out;
  };
  const addChild = (parent: Node, valid: string, expected: Set<string>): void => {
    if (++count > MAX_NODES) throw new Error('policy tree too large');
    parent.children.push({ valid, expected, parent, children: [], depth: parent.depth + 1 });
  };
  const remove = (x: Node): void => {
    if (!x.parent) {
      tree = undefined;
      return;
    }
    x.parent.children = x.parent.children.filter((c) => c !== x);
  };
  const prune = (depth: number): void => {
    for (let d = depth - 1; d >= 0; d--) {
      for (const x of levels(d)) if (x.children.length === 0) remove(x);
      if (!tree) return;
    }
  };

  try {
    for (let i = 1; i <= n; i++) {
      const cert = path[n - i]!;
      const index = n - i;
      const selfIssued = cert.isSelfIssued;
      const cpExt = cert.getExtension(OID.certificatePolicies);
      // (d)/(e)
      if (cpExt && tree) {
        const policies = parseOidSeq(cpExt.value);
        const prev = levels(i - 1);
        for (const p of policies) {
          if (p === ANY) continue;
          let matched = false;
          for (const x of prev) {
            if (x.expected.has(p)) {
              addChild(x, p, new Set([p]));
              matched = true;
            }
          }
          if (!matched) {
            const anyNode = prev.find((x) => x.valid === ANY);
            if (anyNode) addChild(anyNode, p, new Set([p]));
          }
        }
        if (policies.includes(ANY) && (inhibitAny > 0 || (i < n && selfIssued))) {
          for (const x of prev) {
            for (const e of x.expected) {
              if (!x.children.some((c) => c.valid === e)) addChild(x, e, new Set([e]));
            }
          }
        }
        prune(i);
      } else if (!cpExt) {
        tree = undefined;
      }
      // (f)
      if (explicit <= 0 && !tree) return { ok: false, message: 'no valid certificate policy while an explicit policy is required', index };
      if (i === n) break;
      // Preparation for the next certificate (§6.1.4).
      const pmExt = cert.getExtension(OID.policyMappings);
      if (pmExt) {
        const maps = parseMappings(pmExt.value);
        if (maps.some(([a, b]) => a === ANY || b === ANY)) return { ok: false, message: 'policyMappings maps to or from anyPolicy', index };
        const byIssuer = new Map<string, Set<string>>();
        for (const [a, b] of maps) {
          const s = byIssuer.get(a) ?? new Set<string>();
          s.add(b);
          byIssuer.set(a, s);
        }
        for (const [idp, subjects] of byIssuer) {
          const level = levels(i);
          if (mapping > 0) {
            const hits = level.filter((x) => x.valid === idp);
            if (hits.length > 0) for (const x of hits) x.expected = new Set(subjects);
            else {
              const anyNode = level.find((x) => x.valid === ANY);
              if (anyNode && anyNode.parent) addChild(anyNode.parent, idp, new Set(subjects));
            }
          } else {
            for (const x of level.filter((y) => y.valid === idp)) remove(x);
            prune(i);
          }
        }
      }
      if (!selfIssued) {
        if (explicit > 0) explicit--;
        if (mapping > 0) mapping--;
        if (inhibitAny > 0) inhibitAny--;
      }
      const pcExt = cert.getExtension(OID.policyConstraints);
      if (pcExt) {
        const pc = parseConstraints(pcExt.value);
        if (pc.require !== undefined) explicit = Math.min(explicit, pc.require);
        if (pc.inhibit !== undefined) mapping = Math.min(mapping, pc.inhibit);
      }
      const iaExt = cert.getExtension(OID.inhibitAnyPolicy);
      if (iaExt) inhibitAny = Math.min(inhibitAny, parseInhibitAny(iaExt.value));
    }
    // Wrap-up (§6.1.5).
    const leaf = path[0]!;
    if (explicit > 0) explicit--;
    const pcLeaf = leaf.getExtension(OID.policyConstraints);
    if (pcLeaf && parseConstraints(pcLeaf.value).require === 0) explicit = 0;
    if (tree && !userSet.includes(ANY)) {
      // Nodes whose parent is anyPolicy: the valid_policy_node_set.
      const nodeSet: Node[] = [];
      const walk = (x: Node): void => {
        for (const c of x.children) {
          if (x.valid === ANY) nodeSet.push(c);
          walk(c);
        }
      };
      walk(tree);
      for (const x of nodeSet) if (x.valid !== ANY && !userSet.includes(x.valid)) remove(x);
      const anyLeaf = levels(n).find((x) => x.valid === ANY);
      if (anyLeaf && anyLeaf.parent) {
        const present = new Set(nodeSet.filter((x) => x.valid !== ANY).map((x) => x.valid));
        for (const p of userSet) if (!present.has(p)) addChild(anyLeaf.parent, p, new Set([p]));
        remove(anyLeaf);
      }
      prune(n);
    }
    const leaves = tree ? levels(n) : [];
    // Report each leaf's policy in the anchor's domain: its ancestor whose parent is anyPolicy (the valid_policy_node_set).
    const top = (x: Node): string => {
      let cur = x;
      while (cur.parent && cur.parent.valid !== ANY) cur = cur.parent;
      return cur.valid === ANY ? 'anyPolicy' : cur.valid;
    };
    const policies = [...new Set(leaves.map(top))];
    if (explicit > 0 || leaves.length > 0) return { ok: true, policies: tree ? policies : [] };
    return { ok: false, message: 'no valid certificate policy for the user-initial-policy-set while an explicit policy is required', index: 0 };
  } catch (e) {
    return { ok: false, message: `policy processing failed: ${(e as Error).message}` };
  }
}
