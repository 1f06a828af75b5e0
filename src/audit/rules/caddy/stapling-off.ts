import { defineRule, type Hit } from '../rule.ts';
import { child, value } from '../../config/structured.ts';
import { CADDY_DOCS, lineEdit, locate, type CaddyUnit } from './unit.ts';
import type { Directive } from '../../config/model.ts';

export default defineRule<CaddyUnit>({
  id: 'caddy-stapling-off',
  requirement: 'V9.2.4',
  severity: 'high',
  dialect: 'caddy',
  title: 'Caddy\'s OCSP stapling (on by default) is turned off: `disable_ocsp_stapling` in the tls app or an automation policy (Caddyfile `ocsp_stapling off`)',
  fix: 'Remove `disable_ocsp_stapling: true` (Caddyfile: the global `ocsp_stapling off` option); Caddy staples and refreshes responses itself.',
  source: CADDY_DOCS.automation,
  check(u) {
    const tls = child(child(u.root, 'apps'), 'tls');
    const hits: Hit[] = [];
    // One hit, with an edit for every place that turns stapling off (the tls app and each automation policy).
    const all = [child(tls, 'disable_ocsp_stapling'), ...(child(child(tls, 'automation'), 'policies')?.children ?? []).map((p) => child(p, 'disable_ocsp_stapling'))].filter((d): d is Directive => value(d) === 'true');
    const removals = all.map((d) => lineEdit(u, locate(u, d, /\bocsp_stapling\s+off\b/), { caddyfile: /^ocsp_stapling\s+off$/, json: /^"disable_ocsp_stapling"\s*:\s*true$/ }, { caddyfile: [], json: [] }));
    const edits = removals.every((e) => e !== undefined) ? removals.flat() as NonNullable<Hit['edits']> : undefined;
    const off = child(tls, 'disable_ocsp_stapling');
    if (value(off) === 'true') hits.push({ message: 'the tls app disables OCSP stapling', ...locate(u, off!, /\bocsp_stapling\s+off\b/), ...(edits ? { edits } : {}) });
    for (const p of child(child(tls, 'automation'), 'policies')?.children ?? []) {
      const d = child(p, 'disable_ocsp_stapling');
      if (value(d) === 'true' && hits.length === 0) hits.push({ message: 'an automation policy disables OCSP stapling', ...locate(u, d!, /\bocsp_stapling\s+off\b/), ...(edits ? { edits } : {}) });
    }
    return hits;
  },
});
