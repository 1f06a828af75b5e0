/**
 * Text for the incident playbooks' reports. Everything a certificate or a
 * server chose (subjects, names, target labels echoed from files) goes
 * through escapeControl; JSON output is the report objects themselves.
 */
import { escapeControl } from '../util/terminal.ts';
import type { Sweep } from './fleet.ts';
import type { StaleAnchor, StalePin } from './pins.ts';

const e = escapeControl;

export function renderSweep(s: Sweep, o: { what: string; source: string; rounds?: number; clean?: boolean; untilClean?: boolean }): string[] {
  const lines = [`Fleet (${e(o.source)}, ${s.endpoints.length} endpoint${s.endpoints.length === 1 ? '' : 's'}, swept at ${s.at}${o.rounds !== undefined && o.rounds > 1 ? `, sweep ${o.rounds}` : ''}):`];
  for (const ep of s.endpoints) {
    if (ep.state === 'affected') lines.push(`  AFFECTED     ${e(ep.target)}: ${e(ep.detail ?? o.what)}`);
    else if (ep.state === 'unreachable') lines.push(`  UNREACHABLE  ${e(ep.target)}: ${e(ep.detail ?? 'not reached')} (not known to be clean)`);
    else lines.push(`  clean        ${e(ep.target)}: serves ${e(ep.chain[0]?.subject ?? '?')} sha256 ${ep.leafSha256}`);
  }
  if (s.affected === 0 && s.unreachable === 0) lines.push(`  No endpoint ${o.what}.`);
  else if (o.untilClean && o.clean === false) lines.push(`  Timed out: ${s.affected} endpoint(s) ${o.what}, ${s.unreachable} not reached.`);
  else lines.push(`  ${s.affected} endpoint(s) ${o.what}; ${s.unreachable} not reached.`);
  return lines;
}

export function renderPins(pins: readonly StalePin[], replacement?: string): string[] {
  if (pins.length === 0) return [];
  const lines = ['Pins to rotate:'];
  for (const p of pins) lines.push(`  ${e(p.where)} (${e(p.scope)}): ${p.pin} names ${e(p.names)}${replacement ? `; add ${replacement} first, then remove it` : ''}`);
  return lines;
}

export function numbered(title: string, items: readonly string[]): string[] {
  return items.length === 0 ? [] : [title, ...items.map((s, i) => `  ${i + 1}. ${s}`)];
}

export function renderAnchors(anchors: readonly StaleAnchor[]): string[] {
  if (anchors.length === 0) return [];
  return ['Trust anchors to replace (add the new root first, remove these after the sweep is clean):', ...anchors.map((a) => `  ${e(a.where)} (${e(a.scope)}): ${e(a.source)} holds ${e(a.names)}`)];
}
