/**
 * /metrics in the Prometheus text exposition format (0.0.4), after
 * blackbox_exporter and x509-certificate-exporter: base units with the unit
 * as suffix, `_total` counters, labels for identity, a state as one series
 * per state with 1 on the current one. Series come from the stored snapshots,
 * so they are emitted when a verification fails and when a target is down
 * (the certificate dates are then the last ones seen).
 */
import { REQUIREMENTS } from '../scan/findings.ts';
import type { RequirementStatus } from '../scan/report.ts';
import type { Snapshot } from './snapshot.ts';

export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
const STATUSES: readonly RequirementStatus[] = ['pass', 'fail', 'warn', 'na', 'error'];
/** Scan durations: a good target takes tens of ms, a cold staple retry ~1 s, the per-target budget is 30 s. */
export const SCAN_DURATION_BUCKETS_S = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] as const;

/** The metric names, declared once (docs/watch.md lists them; a test keeps it in step). */
export const METRICS = {
  certwarden_requirement_status: { type: 'gauge', help: 'Status of an ASVS requirement on a target: 1 for the current status, 0 for the others.' },
  certwarden_cert_not_after_timestamp_seconds: { type: 'gauge', help: 'notAfter of each served certificate (position 0 is the leaf), as a Unix timestamp.' },
  certwarden_ocsp_staple_next_update_timestamp_seconds: { type: 'gauge', help: 'nextUpdate of the stapled OCSP response (the earliest across TLS versions), as a Unix timestamp.' },
  certwarden_target_up: { type: 'gauge', help: 'Whether the last scan reached the target and got a certificate (1) or not (0).' },
  certwarden_target_last_scan_timestamp_seconds: { type: 'gauge', help: 'Time of the last scan of the target, as a Unix timestamp.' },
  certwarden_scan_duration_seconds: { type: 'histogram', help: 'Duration of one target\'s scan.' },
  certwarden_alerts_sent_total: { type: 'counter', help: 'Alerts delivered, per channel and event.' },
  certwarden_alerts_pending: { type: 'gauge', help: 'Alerts in the outbox not delivered yet (being retried).' },
  certwarden_silenced_events_total: { type: 'counter', help: 'Events recorded but held back from the alert channels by a silence, per event.' },
  certwarden_silences_active: { type: 'gauge', help: 'Silences in effect now.' },
} as const;

/** Exposition format: a label value escapes backslash, double quote and line feed. */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function labels(l: Record<string, string | number>): string {
  return `{${Object.entries(l).map(([k, v]) => `${k}="${escapeLabelValue(String(v))}"`).join(',')}}`;
}

const seconds = (iso: string): number => Math.floor(Date.parse(iso) / 1000);

export class DurationHistogram {
  readonly counts: number[] = SCAN_DURATION_BUCKETS_S.map(() => 0);
  count = 0;
  sum = 0;

  observe(s: number): void {
    this.count++;
    this.sum += s;
    SCAN_DURATION_BUCKETS_S.forEach((b, i) => {
      if (s <= b) this.counts[i]!++;
    });
  }
}

export interface MetricsInput {
  targets: Array<{ label: string; latest: Snapshot | undefined; lastUp: Snapshot | undefined }>;
  durations: DurationHistogram;
  alertCounts: Array<{ channel: string; event: string; n: number }>;
  pending: number;
  /** Silences (silences.ts): held events per event id, and silences in effect. */
  silenced?: Array<{ event: string; n: number }>;
  activeSilences?: number;
}

export function renderMetrics(m: MetricsInput): string {
  const out: string[] = [];
  const head = (name: keyof typeof METRICS): void => {
    out.push(`# HELP ${name} ${METRICS[name].help}`, `# TYPE ${name} ${METRICS[name].type}`);
  };
  const scanned = m.targets.filter((t) => t.latest);
  head('certwarden_requirement_status');
  for (const t of scanned) for (const q of REQUIREMENTS) for (const s of STATUSES) out.push(`certwarden_requirement_status${labels({ target: t.label, requirement: q, status: s })} ${t.latest!.statuses[q] === s ? 1 : 0}`);
  head('certwarden_cert_not_after_timestamp_seconds');
  for (const t of m.targets) for (const c of t.lastUp?.chain ?? []) out.push(`certwarden_cert_not_after_timestamp_seconds${labels({ target: t.label, position: c.position })} ${seconds(c.notAfter)}`);
  head('certwarden_ocsp_staple_next_update_timestamp_seconds');
  for (const t of scanned) if (t.latest!.stapleNextUpdate) out.push(`certwarden_ocsp_staple_next_update_timestamp_seconds${labels({ target: t.label })} ${seconds(t.latest!.stapleNextUpdate)}`);
  head('certwarden_target_up');
  for (const t of scanned) out.push(`certwarden_target_up${labels({ target: t.label })} ${t.latest!.up ? 1 : 0}`);
  head('certwarden_target_last_scan_timestamp_seconds');
  for (const t of scanned) out.push(`certwarden_target_last_scan_timestamp_seconds${labels({ target: t.label })} ${seconds(t.latest!.at)}`);
  head('certwarden_scan_duration_seconds');
  SCAN_DURATION_BUCKETS_S.forEach((b, i) => out.push(`certwarden_scan_duration_seconds_bucket${labels({ le: b })} ${m.durations.counts[i]}`));
  out.push(`certwarden_scan_duration_seconds_bucket${labels({ le: '+Inf' })} ${m.durations.count}`, `certwarden_scan_duration_seconds_sum ${m.durations.sum}`, `certwarden_scan_duration_seconds_count ${m.durations.count}`);
  head('certwarden_alerts_sent_total');
  for (const a of m.alertCounts) out.push(`certwarden_alerts_sent_total${labels({ channel: a.channel, event: a.event })} ${a.n}`);
  head('certwarden_alerts_pending');
  out.push(`certwarden_alerts_pending ${m.pending}`);
  head('certwarden_silenced_events_total');
  for (const a of m.silenced ?? []) out.push(`certwarden_silenced_events_total${labels({ event: a.event })} ${a.n}`);
  head('certwarden_silences_active');
  out.push(`certwarden_silences_active ${m.activeSilences ?? 0}`);
  return `${out.join('\n')}\n`;
}
