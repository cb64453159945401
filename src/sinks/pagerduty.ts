// PagerDuty Events API v2 receiver: one event per alert. Firing → trigger, resolved → resolve,
// with a dedup_key stable per alert (the enrichment's alertKey: Alertmanager's fingerprint, or
// the group key plus a labels hash), so re-deliveries collapse into one PagerDuty alert and a
// resolve closes it. Everything but the routing key is redacted before it leaves.
import type { EnrichedAlert, EnrichedGroup } from '../alertmanager/enrich.ts';
import { isZeroTime } from '../alertmanager/webhook-payload.ts';
import { redactDeep } from '../redact/redact.ts';
import { viewAlert, type AlertLink } from './alert-view.ts';
import type { OutboundRequest, Sink } from './sink.ts';

export const DEFAULT_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';
/** PagerDuty's documented limits: the whole event, and payload.summary. */
export const MAX_EVENT_BYTES = 512 * 1024;
export const MAX_SUMMARY_CHARS = 1024;
const MAX_TIMELINE = 50;

export type PagerDutySeverity = 'critical' | 'error' | 'warning' | 'info';

export interface PagerDutyPayload {
  summary: string;
  source: string;
  severity: PagerDutySeverity;
  timestamp?: string;
  component?: string;
  group?: string;
  class?: string;
  custom_details?: Record<string, unknown>;
}

export interface PagerDutyEvent {
  routing_key: string;
  event_action: 'trigger' | 'resolve';
  dedup_key: string;
  client?: string;
  client_url?: string;
  payload?: PagerDutyPayload;
  links?: AlertLink[];
}

const SEVERITY: Record<string, PagerDutySeverity> = {
  critical: 'critical', crit: 'critical', page: 'critical', emergency: 'critical', fatal: 'critical', p1: 'critical',
  error: 'error', err: 'error', high: 'error', major: 'error', p2: 'error',
  warning: 'warning', warn: 'warning', medium: 'warning', minor: 'warning', p3: 'warning',
  info: 'info', informational: 'info', notice: 'info', low: 'info', none: 'info', debug: 'info', p4: 'info', p5: 'info',
};

/** The alert's `severity` label in PagerDuty's terms; unknown or missing → error (Alertmanager's own default). */
export function pagerdutySeverity(label: string | undefined): PagerDutySeverity {
  return SEVERITY[(label ?? '').trim().toLowerCase()] ?? 'error';
}

const truncate = (s: string, max: number) => (s.length <= max ? s : `${s.slice(0, max - 1)}…`);
const byteLength = (s: string) => new TextEncoder().encode(s).length;

/** The event without its routing key (redacted by the caller, then the key is added). */
export function pagerdutyEvent(group: EnrichedGroup, alert: EnrichedAlert): Omit<PagerDutyEvent, 'routing_key'> {
  const dedup_key = alert.kubetriage.alertKey;
  if (alert.status === 'resolved') return { event_action: 'resolve', dedup_key };
  const view = viewAlert(group, alert);
  const k = alert.kubetriage;
  const d = k.diagnosis;
  const headline = d ? `${d.title}: ${view.object}` : `${view.alertname}: ${view.object}`;
  const detail = d?.summary ?? alert.annotations['summary'] ?? alert.annotations['description'] ?? '';
  const source = [view.cluster, view.namespace, view.target ? `${view.target.kind.toLowerCase()}/${view.target.name}` : undefined].filter(Boolean).join('/') || view.alertname;
  const custom_details: Record<string, unknown> = {
    ...(d ? { diagnosis: { id: d.id, title: d.title, layer: d.layer, confidence: d.confidence, summary: d.summary } } : {}),
    ...(view.target ? { target: view.target } : {}),
    evidence: (d?.evidence ?? []).map((e) => `${e.source}: ${e.text}`),
    next_steps: (d?.nextSteps ?? []).map((s) => `[${s.safety}] ${s.command} — ${s.why}`),
    timeline: k.timeline.slice(-MAX_TIMELINE).map((e) => `${e.at}${e.count > 1 ? ` ×${e.count}` : ''} ${e.object.kind}/${e.object.name} ${e.reason}: ${e.message}`),
    ...(k.alternatives.length > 0 ? { alternatives: k.alternatives.map((a) => `${a.id} (${a.confidence.toFixed(2)}): ${a.summary}`) } : {}),
    ...(k.partial ? { partial: true, evidence_errors: k.errors.map((e) => `${e.resource}: ${e.message}`) } : {}),
    // The labels let the PagerDuty webhook side find the object again (src/pagerduty/).
    labels: alert.labels,
  };
  const timestamp = typeof alert.startsAt === 'string' && !isZeroTime(alert.startsAt) && !Number.isNaN(Date.parse(alert.startsAt)) ? alert.startsAt : undefined;
  return {
    event_action: 'trigger',
    dedup_key,
    client: 'kubetriage',
    ...(typeof group.externalURL === 'string' && URL.canParse(group.externalURL) ? { client_url: group.externalURL } : {}),
    payload: {
      summary: truncate(detail ? `${headline} — ${detail}` : headline, MAX_SUMMARY_CHARS),
      source: truncate(source, 255),
      severity: pagerdutySeverity(alert.labels['severity']),
      ...(timestamp ? { timestamp } : {}),
      ...(view.workload ? { component: view.workload } : {}),
      ...(view.namespace ? { group: view.namespace } : {}),
      ...(d ? { class: d.id } : {}),
      custom_details,
    },
    ...(view.links.length > 0 ? { links: view.links } : {}),
  };
}

const marker = (removed: number) => ` … [truncated by kubetriage: ${removed} characters removed to keep the PagerDuty event under 512 KB]`;

/**
 * Keeps the serialized event under MAX_EVENT_BYTES by cutting the largest evidence line (then
 * the largest other detail) with a visible marker, as often as needed.
 */
export function fitEvent<E extends { payload?: PagerDutyPayload }>(event: E, maxBytes = MAX_EVENT_BYTES): E {
  let size = byteLength(JSON.stringify(event));
  if (size < maxBytes || !event.payload?.custom_details) return event;
  const out = structuredClone(event);
  const details = out.payload!.custom_details!;
  // Every string slot in custom_details, evidence first.
  const slots = (evidenceOnly: boolean) => {
    const found: Array<{ get: () => string; set: (v: string) => void }> = [];
    const walk = (holder: Record<string, unknown> | unknown[], key: string | number, path: string) => {
      const v = (holder as Record<string, unknown>)[key];
      if (typeof v === 'string') {
        if (!evidenceOnly || path.startsWith('evidence')) found.push({ get: () => (holder as Record<string, unknown>)[key] as string, set: (s) => { (holder as Record<string, unknown>)[key] = s; } });
      } else if (Array.isArray(v)) v.forEach((_, i) => walk(v, i, path));
      else if (v && typeof v === 'object') for (const kk of Object.keys(v)) walk(v as Record<string, unknown>, kk, path);
    };
    for (const kk of Object.keys(details)) walk(details, kk, kk);
    return found;
  };
  for (const evidenceOnly of [true, false]) {
    for (let round = 0; round < 1000 && size >= maxBytes; round++) {
      const largest = slots(evidenceOnly).sort((a, b) => b.get().length - a.get().length)[0];
      if (!largest || largest.get().length <= 400) break; // shorter ones would not shrink by much once marked
      const text = largest.get();
      const excess = size - maxBytes + 1;
      // Cut at least what is over (escaped JSON may count more bytes than characters) and at most half.
      const keep = Math.max(100, Math.min(Math.floor(text.length / 2), text.length - excess - 200));
      largest.set(text.slice(0, keep) + marker(text.length - keep));
      size = byteLength(JSON.stringify(out));
    }
  }
  if (size >= maxBytes) {
    // Only many small strings are left (say, thousands of labels): keep what identifies the problem.
    out.payload!.custom_details = { diagnosis: details['diagnosis'], target: details['target'], note: 'custom_details removed: the event would exceed 512 KB' };
  }
  return out;
}

export interface PagerDutySinkOptions {
  name?: string;
  /** The 32-character integration (routing) key. Never logged. */
  routingKey: string;
  /** Default: PagerDuty's enqueue endpoint (override for the EU service region and tests). */
  eventsUrl?: string;
}

export function pagerdutySink(o: PagerDutySinkOptions): Sink {
  const url = o.eventsUrl ?? DEFAULT_EVENTS_URL;
  return {
    name: o.name ?? 'pagerduty',
    kind: 'pagerduty',
    render: (group, alerts): OutboundRequest[] => {
      const safeGroup = redactDeep({ ...group, alerts: [] });
      return alerts.map((alert) => {
        // Redact what came from the cluster before rendering (so the limits hold) and the result
        // again (joined strings can take a secret's shape); the routing key is added last, as
        // redaction would mask it.
        const { dedup_key: _, ...rest } = redactDeep(pagerdutyEvent(safeGroup, redactDeep(alert)));
        if (rest.payload) {
          rest.payload.summary = truncate(rest.payload.summary, MAX_SUMMARY_CHARS);
          rest.payload.source = truncate(rest.payload.source, 255);
        }
        const event = fitEvent({ routing_key: o.routingKey, dedup_key: alert.kubetriage.alertKey, ...rest });
        return { url, method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(event), deliveryKey: alert.kubetriage.deliveryKey };
      });
    },
  };
}
