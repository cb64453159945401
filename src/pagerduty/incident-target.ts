// A PagerDuty incident → the Kubernetes object to diagnose. Incidents that kubetriage created
// carry `target` and `labels` in their alert's custom_details; incidents from Alertmanager's own
// PagerDuty integration carry the labels as text ("Labels:\n - alertname = ...") in `firing`;
// for anything else, configured patterns with named groups are matched on the title or the
// service name, and the groups are read as alert labels.
import * as z from 'zod/mini';
import type { Target } from '../core/types.ts';
import { resolveTarget } from '../alerts/resolve-target.ts';
import { onFirstUse, safeParse } from '../config/schema-parse.ts';
import { targetSchema } from '../diagnose/request.ts';

export interface IncidentTargetPattern {
  field: 'title' | 'service';
  pattern: RegExp;
}

/** `pagerduty.incidentTargets` in the KUBETRIAGE_CONFIG YAML (built when a file is read). */
export const incidentTargetsSchema = onFirstUse(() => z._default(z.array(z.strictObject({
  field: z.enum(['title', 'service']),
  pattern: z.pipe(z.string().check(z.minLength(1)), z.transform((p: string, ctx) => {
    let re: RegExp | undefined;
    try {
      re = new RegExp(p);
    } catch (err) {
      ctx.issues.push({ code: 'custom', message: `not a valid regular expression: ${(err as Error).message}`, input: p });
      return z.NEVER;
    }
    if (!/\(\?<\w+>/.test(p)) ctx.issues.push({ code: 'custom', message: 'needs named groups, e.g. (?<namespace>[a-z0-9-]+)/(?<pod>[a-z0-9.-]+)', input: p });
    return re;
  })),
})), []));

/** The incident as webhooks v3 and the REST API describe it (only what is read here). */
export interface IncidentLike {
  id: string;
  title?: string;
  service?: { summary?: string; name?: string } | null;
}

export interface FoundTarget {
  target?: Target;
  cluster?: string;
  labels: Record<string, string>;
  via?: 'details' | 'pattern';
  problems: string[];
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function stringMap(v: unknown): Record<string, string> | undefined {
  if (!isRecord(v)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v)) if (typeof val === 'string') out[k] = val;
  return Object.keys(out).length > 0 ? out : undefined;
}

/** Alertmanager's default PagerDuty details: the first alert's "Labels:" block of ` - name = value` lines. */
export function labelsFromAlertmanagerText(text: string): Record<string, string> | undefined {
  const start = text.indexOf('Labels:');
  if (start < 0) return undefined;
  const labels: Record<string, string> = {};
  for (const line of text.slice(start + 'Labels:'.length).split('\n').slice(1)) {
    const m = /^\s*-\s+([A-Za-z_][A-Za-z0-9_]*)\s+=\s+(.*?)\s*$/.exec(line);
    if (!m) break;
    labels[m[1]!] = m[2]!;
  }
  return Object.keys(labels).length > 0 ? labels : undefined;
}

/** What one alert body's details say: kubetriage's target and labels, or Alertmanager's labels. */
export function readDetails(details: unknown): { target?: Target; labels?: Record<string, string> } {
  if (typeof details === 'string') {
    try {
      return readDetails(JSON.parse(details));
    } catch {
      const labels = labelsFromAlertmanagerText(details);
      return labels ? { labels } : {};
    }
  }
  if (!isRecord(details)) return {};
  const parsedTarget = safeParse(targetSchema, details['target']);
  const labels = stringMap(details['labels'])
    ?? (typeof details['firing'] === 'string' ? labelsFromAlertmanagerText(details['firing']) : undefined)
    // A custom Alertmanager details template often puts the labels at the top level.
    ?? (typeof details['alertname'] === 'string' ? stringMap(details) : undefined);
  return { ...(parsedTarget.success ? { target: parsedTarget.data as Target } : {}), ...(labels ? { labels } : {}) };
}

const KIND_LABEL: Record<string, string> = {
  pod: 'pod', deployment: 'deployment', statefulset: 'statefulset', daemonset: 'daemonset', job: 'job_name',
  persistentvolumeclaim: 'persistentvolumeclaim', pvc: 'persistentvolumeclaim', service: 'service', node: 'node',
  persistentvolume: 'persistentvolume', horizontalpodautoscaler: 'horizontalpodautoscaler', hpa: 'horizontalpodautoscaler',
};

/** Named groups of every matching pattern, merged; `kind` + `name` become the kind's own label. */
export function labelsFromPatterns(incident: IncidentLike, patterns: readonly IncidentTargetPattern[]): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const p of patterns) {
    const text = p.field === 'title' ? incident.title : incident.service?.summary ?? incident.service?.name;
    const groups = text ? p.pattern.exec(text)?.groups : undefined;
    if (!groups) continue;
    for (const [k, v] of Object.entries(groups)) if (v !== undefined && k !== 'kind' && k !== 'name') labels[k] = v;
    const labelName = groups['kind'] ? KIND_LABEL[groups['kind'].toLowerCase()] : undefined;
    if (labelName && groups['name']) labels[labelName] = groups['name'];
  }
  return labels;
}

/**
 * The object to diagnose: from the first alert details that name one, else from the patterns.
 * `detailsList` holds the details of the incident's alerts (webhook payload or REST API).
 */
export function findIncidentTarget(incident: IncidentLike, detailsList: readonly unknown[], patterns: readonly IncidentTargetPattern[]): FoundTarget {
  const problems: string[] = [];
  for (const details of detailsList) {
    const { target, labels = {} } = readDetails(details);
    const cluster = labels['cluster'];
    if (target) return { target, labels, via: 'details', problems, ...(cluster ? { cluster } : {}) };
    if (Object.keys(labels).length === 0) continue;
    const resolved = resolveTarget(labels);
    if (resolved.target) return { target: resolved.target, labels, via: 'details', problems, ...(resolved.cluster ? { cluster: resolved.cluster } : {}) };
    problems.push(...resolved.problems.map((p) => `alert details: ${p}`));
  }
  const labels = labelsFromPatterns(incident, patterns);
  if (Object.keys(labels).length > 0) {
    const resolved = resolveTarget(labels);
    if (resolved.target) return { target: resolved.target, labels, via: 'pattern', problems, ...(resolved.cluster ? { cluster: resolved.cluster } : {}) };
    problems.push(...resolved.problems.map((p) => `title/service pattern: ${p}`));
  } else {
    problems.push(patterns.length > 0 ? 'no configured pattern matched the title or service' : 'no alert details name an object and no title/service pattern is configured');
  }
  return { labels, problems };
}
