/**
 * The dashboard's JSON: the fleet at a glance (/api/overview) and the
 * certificate inventory (/api/inventory), filtered, sorted and paged on the
 * server so a browser never receives, nor renders, a thousand rows at once.
 * Pure functions over rows the engine reads from the store; the query
 * parsers refuse what they do not know (CW_ERR_USAGE → 400).
 */
import { CertwardenError, ErrorCode } from '../../errors.ts';
import { REQUIREMENTS, type Requirement } from '../../scan/findings.ts';
import type { RequirementStatus } from '../../scan/report.ts';
import { EVENTS, EVENT_IDS, type EventId } from '../events.ts';
import type { Snapshot } from '../snapshot.ts';

/** Rows per page of the fleet and the inventory: a screenful, and a bounded DOM whatever the fleet's size. */
export const DASHBOARD_PAGE_SIZE = 50;
/** The search text: a label, a name or a fragment of a subject; 200 characters is plenty. */
export const MAX_DASHBOARD_QUERY_CHARS = 200;
/** Pages beyond this are refused (50,000 rows): a bound on what a request may ask to skip. */
export const MAX_DASHBOARD_PAGE = 1000;

const DAY_MS = 86_400_000;
const STATUSES: readonly RequirementStatus[] = ['pass', 'fail', 'warn', 'na', 'error'];
/** A status filter: a requirement status, or the target's reachability. */
export const STATUS_FILTERS = [...STATUSES, 'down', 'unscanned'] as const;
export type StatusFilter = (typeof STATUS_FILTERS)[number];

/** What the engine hands over per configured target. */
export interface FleetInput {
  target: string;
  zone?: string;
  latest: Snapshot | undefined;
  lastUp: Snapshot | undefined;
  conditions: Array<{ event: EventId; since: string }>;
}

export interface FleetRow {
  target: string;
  zone?: string;
  lastScan: string | null;
  up: boolean | null;
  statuses: Record<Requirement, RequirementStatus> | null;
  downReason?: string;
  leaf: { subject: string; issuer: string | null; sans: string[]; notAfter: string; daysLeft: number } | null;
  conditions: Array<{ event: EventId; since: string; severity: string }>;
  /** 0 needs attention first (see attentionRank). */
  attention: number;
}

export interface FleetQuery {
  status?: StatusFilter;
  requirement?: Requirement;
  event?: EventId;
  q?: string;
  page: number;
}

const bad = (message: string): CertwardenError => new CertwardenError(ErrorCode.USAGE, message);

function page(params: URLSearchParams): number {
  const p = params.get('page');
  if (p === null || p === '') return 1;
  if (!/^[1-9][0-9]{0,5}$/.test(p) || Number(p) > MAX_DASHBOARD_PAGE) throw bad(`page must be 1 to ${MAX_DASHBOARD_PAGE}`);
  return Number(p);
}

function text(params: URLSearchParams): string | undefined {
  const q = params.get('q');
  if (q === null || q.trim() === '') return undefined;
  if (q.length > MAX_DASHBOARD_QUERY_CHARS) throw bad(`q is longer than ${MAX_DASHBOARD_QUERY_CHARS} characters`);
  return q.trim().toLowerCase();
}

function oneOf<T extends string>(params: URLSearchParams, name: string, allowed: readonly T[]): T | undefined {
  const v = params.get(name);
  if (v === null || v === '') return undefined;
  if (!allowed.includes(v as T)) throw bad(`${name} must be one of ${allowed.join(', ')}`);
  return v as T;
}

export function parseFleetQuery(params: URLSearchParams): FleetQuery {
  const q = text(params);
  const status = oneOf(params, 'status', STATUS_FILTERS);
  const requirement = oneOf(params, 'requirement', REQUIREMENTS);
  const event = oneOf(params, 'event', EVENT_IDS);
  return { page: page(params), ...(q ? { q } : {}), ...(status ? { status } : {}), ...(requirement ? { requirement } : {}), ...(event ? { event } : {}) };
}

const SEVERE = new Set(['critical', 'high']);

/**
 * Which targets come first: the ranking, in one place.
 * 0 down (nothing is known while it is), 1 a requirement fails, 2 a check
 * errs (unknown is not good), 3 a critical or high condition is open,
 * 4 a warning or any other condition, 5 never scanned, 6 all well.
 */
export function attentionRank(r: Omit<FleetRow, 'attention'>): number {
  const statuses = Object.values(r.statuses ?? {});
  if (r.up === false) return 0;
  if (statuses.includes('fail')) return 1;
  if (statuses.includes('error')) return 2;
  if (r.conditions.some((c) => SEVERE.has(c.severity))) return 3;
  if (statuses.includes('warn') || r.conditions.length > 0) return 4;
  if (r.up === null) return 5;
  return 6;
}

export function daysLeft(notAfter: string, now: number): number {
  return Math.floor((Date.parse(notAfter) - now) / DAY_MS);
}

export function fleetRow(t: FleetInput, now: number): FleetRow {
  const s = t.latest;
  const leaf = (s?.up ? s : t.lastUp)?.chain[0];
  const row: Omit<FleetRow, 'attention'> = {
    target: t.target,
    ...(t.zone ? { zone: t.zone } : {}),
    lastScan: s?.at ?? null,
    up: s?.up ?? null,
    statuses: s?.statuses ?? null,
    ...(s?.downReason ? { downReason: s.downReason } : {}),
    leaf: leaf ? { subject: leaf.subject, issuer: leaf.issuer ?? null, sans: leaf.sans ?? [], notAfter: leaf.notAfter, daysLeft: daysLeft(leaf.notAfter, now) } : null,
    conditions: t.conditions.map((c) => ({ event: c.event, since: c.since, severity: EVENTS[c.event].severity })),
  };
  return { ...row, attention: attentionRank(row) };
}

function matchesStatus(r: FleetRow, status: StatusFilter | undefined, requirement: Requirement | undefined): boolean {
  if (status === 'down') return r.up === false;
  if (status === 'unscanned') return r.up === null;
  if (status === undefined) return requirement === undefined || r.statuses !== null;
  if (!r.statuses) return false;
  return requirement ? r.statuses[requirement] === status : Object.values(r.statuses).includes(status);
}

function matchesText(r: FleetRow, q: string | undefined): boolean {
  if (!q) return true;
  const hay = [r.target, r.leaf?.subject ?? '', r.leaf?.issuer ?? '', ...(r.leaf?.sans ?? []), r.downReason ?? ''];
  return hay.some((h) => h.toLowerCase().includes(q));
}

export interface FleetCounts {
  targets: number;
  up: number;
  down: number;
  unscanned: number;
  requirements: Record<Requirement, Record<RequirementStatus, number>>;
  events: Partial<Record<EventId, number>>;
}

export function fleetCounts(rows: readonly FleetRow[]): FleetCounts {
  const requirements = Object.fromEntries(REQUIREMENTS.map((q) => [q, Object.fromEntries(STATUSES.map((s) => [s, 0]))])) as FleetCounts['requirements'];
  const events: FleetCounts['events'] = {};
  let up = 0;
  let down = 0;
  for (const r of rows) {
    if (r.up === true) up++;
    if (r.up === false) down++;
    if (r.statuses) for (const q of REQUIREMENTS) requirements[q][r.statuses[q]]++;
    for (const c of new Set(r.conditions.map((c) => c.event))) events[c] = (events[c] ?? 0) + 1;
  }
  return { targets: rows.length, up, down, unscanned: rows.length - up - down, requirements, events };
}

export interface Paged<T> {
  page: number;
  pages: number;
  pageSize: number;
  matched: number;
  rows: T[];
}

function paged<T>(all: readonly T[], n: number): Paged<T> {
  const pages = Math.max(1, Math.ceil(all.length / DASHBOARD_PAGE_SIZE));
  const p = Math.min(n, pages);
  return { page: p, pages, pageSize: DASHBOARD_PAGE_SIZE, matched: all.length, rows: all.slice((p - 1) * DASHBOARD_PAGE_SIZE, p * DASHBOARD_PAGE_SIZE) };
}

/** The answer of /api/overview: counts over the whole fleet, then one page of the matching targets, failures first. */
export function fleetPage(inputs: readonly FleetInput[], query: FleetQuery, now: number): { counts: FleetCounts; eventIds: readonly EventId[]; statusFilters: readonly StatusFilter[] } & Omit<Paged<FleetRow>, 'rows'> & { targets: FleetRow[] } {
  const rows = inputs.map((t) => fleetRow(t, now));
  const matching = rows
    .filter((r) => matchesStatus(r, query.status, query.requirement) && (!query.event || r.conditions.some((c) => c.event === query.event)) && matchesText(r, query.q))
    .sort((a, b) => a.attention - b.attention || (a.target < b.target ? -1 : a.target > b.target ? 1 : 0));
  const { rows: targets, ...rest } = paged(matching, query.page);
  return { counts: fleetCounts(rows), eventIds: EVENT_IDS, statusFilters: STATUS_FILTERS, ...rest, targets };
}

export const INVENTORY_SORTS = ['expiry', '-expiry', 'target'] as const;
export type InventorySort = (typeof INVENTORY_SORTS)[number];

export interface InventoryQuery {
  q?: string;
  sort: InventorySort;
  /** Only leaves (position 0), or the whole served chains. */
  leavesOnly: boolean;
  page: number;
}

export function parseInventoryQuery(params: URLSearchParams): InventoryQuery {
  const q = text(params);
  const position = oneOf(params, 'position', ['leaf', 'all'] as const);
  return { page: page(params), sort: oneOf(params, 'sort', INVENTORY_SORTS) ?? 'expiry', leavesOnly: position === 'leaf', ...(q ? { q } : {}) };
}

export interface InventoryRow {
  target: string;
  position: number;
  subject: string;
  issuer: string | null;
  sans: string[];
  notAfter: string;
  daysLeft: number;
  sha256: string;
}

/** The certificates served by the fleet (each target's last chain seen while up), soonest expiry first by default. */
export function inventoryPage(inputs: readonly FleetInput[], query: InventoryQuery, now: number): Omit<Paged<InventoryRow>, 'rows'> & { certificates: InventoryRow[]; sorts: readonly InventorySort[] } {
  const all: InventoryRow[] = [];
  for (const t of inputs) {
    for (const c of t.lastUp?.chain ?? []) {
      if (query.leavesOnly && c.position !== 0) continue;
      all.push({ target: t.target, position: c.position, subject: c.subject, issuer: c.issuer ?? null, sans: c.sans ?? [], notAfter: c.notAfter, daysLeft: daysLeft(c.notAfter, now), sha256: c.sha256 });
    }
  }
  const q = query.q;
  const matching = q ? all.filter((r) => [r.target, r.subject, r.issuer ?? '', ...r.sans].some((h) => h.toLowerCase().includes(q))) : all;
  const byTarget = (a: InventoryRow, b: InventoryRow): number => (a.target < b.target ? -1 : a.target > b.target ? 1 : a.position - b.position);
  const byExpiry = (a: InventoryRow, b: InventoryRow): number => Date.parse(a.notAfter) - Date.parse(b.notAfter) || byTarget(a, b);
  matching.sort(query.sort === 'target' ? byTarget : query.sort === '-expiry' ? (a, b) => byExpiry(b, a) : byExpiry);
  const { rows, ...rest } = paged(matching, query.page);
  return { ...rest, certificates: rows, sorts: INVENTORY_SORTS };
}
