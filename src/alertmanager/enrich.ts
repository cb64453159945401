// Enriches every alert of an Alertmanager group: resolve the target from its labels, collect
// evidence (one session per cluster, so the alerts of a group share fetches), diagnose with the
// core, and annotate. Never drops an alert: whatever fails becomes `partial` with a reason.
import type { Diagnosis, DiagnoseOptions, Target, TimelineEntry } from '../core/types.ts';
import { unresolvedDiagnosis } from '../core/diagnose.ts';
import { classify } from '../telemetry/classify.ts';
import type { Metrics } from '../telemetry/metrics.ts';
import { resolveTarget } from '../alerts/resolve-target.ts';
import type { CollectedEvidence, EvidenceError, EvidenceSession } from '../evidence/source.ts';
import { isZeroTime, type WebhookAlert, type WebhookPayload } from './webhook-payload.ts';

export interface KubetriageEnrichment {
  /** fingerprint (or a hash of the labels), status and startsAt: one notification of one alert. */
  deliveryKey: string;
  /** Stable per alert across notifications (for PagerDuty's dedup_key). */
  alertKey: string;
  target?: Target;
  diagnosis?: Diagnosis;
  alternatives: Diagnosis[];
  timeline: TimelineEntry[];
  partial: boolean;
  errors: EvidenceError[];
  /** Why no diagnosis was attempted (a resolved alert needs none). */
  skipped?: 'resolved';
}

export type EnrichedAlert = WebhookAlert & { status: 'firing' | 'resolved'; annotations: Record<string, string>; kubetriage: KubetriageEnrichment };
export type EnrichedGroup = Omit<WebhookPayload, 'alerts'> & { alerts: EnrichedAlert[] };

export interface EnrichDeps {
  /** `targets`: every target of the group the session will read, so shared reads are made once. */
  openSession(options: { cluster?: string; signal: AbortSignal; targets: Target[] }): EvidenceSession;
  diagnoseOptions?: DiagnoseOptions;
  signal: AbortSignal;
  /** Applied to every enrichment before it leaves the process. */
  redact?: <T>(value: T) => T;
  metrics?: Metrics;
  /** Where an unexpected error in one alert's diagnosis is reported. */
  onError?: (err: unknown) => void;
}

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

export async function alertKeyOf(alert: WebhookAlert, groupKey: string | undefined): Promise<string> {
  if (alert.fingerprint) return alert.fingerprint;
  const labels = Object.keys(alert.labels).sort().map((k) => `${k}=${alert.labels[k]}`).join(',');
  return `h${(await sha256Hex(`${groupKey ?? ''}|${labels}`)).slice(0, 32)}`;
}

/** Resolves when the evidence arrives or the deadline passes, whichever is first. */
export function withinDeadline(collect: Promise<CollectedEvidence>, signal: AbortSignal, what: string): Promise<CollectedEvidence> {
  const timedOut = (): CollectedEvidence => ({ objects: [], logs: [], partial: true, errors: [{ reason: 'timeout', resource: what, message: `evidence for ${what} did not arrive before the deadline` }] });
  if (signal.aborted) return Promise.resolve(timedOut());
  return new Promise((resolve) => {
    const onAbort = () => resolve(timedOut());
    signal.addEventListener('abort', onAbort, { once: true });
    collect.then(
      (v) => { signal.removeEventListener('abort', onAbort); resolve(v); },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        resolve({ objects: [], logs: [], partial: true, errors: [{ reason: 'server-error', resource: what, message: `evidence could not be read: ${(err as Error)?.message ?? String(err)}` }] });
      },
    );
  });
}

export async function enrichGroup(payload: WebhookPayload, deps: EnrichDeps): Promise<EnrichedGroup> {
  const statusOf = (alert: WebhookAlert) => alert.status ?? (isZeroTime(alert.endsAt) ? payload.status ?? 'firing' : 'resolved');
  // Targets first, so each cluster's session knows the group's targets before the first read.
  const resolvedTargets = payload.alerts.map((alert) => (statusOf(alert) === 'resolved' ? undefined : resolveTarget(alert.labels)));
  const sessions = new Map<string, EvidenceSession>();
  const sessionFor = (cluster: string | undefined) => {
    const key = cluster ?? '';
    let s = sessions.get(key);
    if (!s) {
      const targets = resolvedTargets.flatMap((r) => (r?.target && (r.cluster ?? '') === key ? [r.target] : []));
      sessions.set(key, (s = deps.openSession({ ...(cluster ? { cluster } : {}), signal: deps.signal, targets })));
    }
    return s;
  };
  const redact = deps.redact ?? (<T,>(v: T) => v);

  const alerts = await Promise.all(payload.alerts.map(async (alert, i): Promise<EnrichedAlert> => {
    const status = statusOf(alert);
    const alertKey = await alertKeyOf(alert, payload.groupKey);
    const base: KubetriageEnrichment = { deliveryKey: `${alertKey}|${status}|${alert.startsAt ?? ''}`, alertKey, alternatives: [], timeline: [], partial: false, errors: [] };
    const annotations = { ...alert.annotations };
    if (status === 'resolved') return { ...alert, status, annotations, kubetriage: { ...base, skipped: 'resolved' } };

    const resolved = resolvedTargets[i]!;
    const alertContext = { labels: alert.labels, annotations: alert.annotations };
    let enrichment: KubetriageEnrichment;
    if (!resolved.target) {
      const summary = `No Kubernetes object could be resolved from the alert labels: ${resolved.problems.join('; ')}.`;
      enrichment = { ...base, diagnosis: unresolvedDiagnosis(summary, alert.labels, alert.annotations['runbook_url']), partial: true,
        errors: resolved.problems.map((p) => ({ reason: 'invalid-target' as const, resource: 'alert labels', message: p })) };
    } else {
      const t = resolved.target;
      const what = `${t.kind.toLowerCase()} ${t.namespace ? `${t.namespace}/` : ''}${t.name}`;
      const evidence = await withinDeadline(sessionFor(resolved.cluster).collect(t), deps.signal, what);
      try {
        const result = classify({ target: t, objects: evidence.objects, logs: evidence.logs, alert: alertContext }, deps.diagnoseOptions, deps.metrics);
        enrichment = { ...base, target: t, diagnosis: result.diagnosis, alternatives: result.alternatives, timeline: result.timeline, partial: evidence.partial, errors: evidence.errors };
      } catch (err) {
        // A bug in one rule must not fail the whole group (Alertmanager would retry it forever):
        // this alert goes out as unknown, saying why, and the error is reported.
        deps.onError?.(err);
        const summary = `The diagnosis of ${what} failed inside kubetriage; the alert is passed on unenriched.`;
        enrichment = { ...base, target: t, diagnosis: unresolvedDiagnosis(summary, alert.labels, alert.annotations['runbook_url']), partial: true,
          errors: [...evidence.errors, { reason: 'internal-error', resource: 'diagnosis', message: `the diagnosis failed: ${(err as Error)?.message ?? String(err)}` }] };
      }
    }
    const d = enrichment.diagnosis!;
    deps.metrics?.diagnosis(d.id, enrichment.partial);
    for (const e of enrichment.errors) deps.metrics?.evidenceError(e.reason);
    annotations['kubetriage_diagnosis'] = d.id;
    annotations['kubetriage_summary'] = d.summary;
    if (!annotations['runbook_url'] && d.runbooks[0]) annotations['runbook_url'] = d.runbooks[0];
    if (enrichment.partial) annotations['kubetriage_partial'] = enrichment.errors.map((e) => e.message).join('; ').slice(0, 1000);
    return { ...alert, status, annotations, kubetriage: enrichment };
  }));
  // The group's own fields (commonAnnotations, commonLabels, groupKey, externalURL) repeat what the
  // alerts carry and leave with them, to the caller and the sinks: redacted like the alerts, in
  // the same call (redactDeep redacts each distinct string of the group once, not once per alert).
  const { alerts: _, ...groupFields } = payload;
  return redact({ ...groupFields, alerts });
}
