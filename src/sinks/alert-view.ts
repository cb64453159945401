// What every chat/paging sink needs to say about one enriched alert: the object it is about
// (from the enrichment, or from the labels when the alert is resolved and was not diagnosed),
// the workload, and the links (runbooks, the alert's source, an Alertmanager silence).
import type { EnrichedAlert, EnrichedGroup } from '../alertmanager/enrich.ts';
import type { Target } from '../core/types.ts';
import { resolveTarget } from '../alerts/resolve-target.ts';

export interface AlertLink {
  href: string;
  text: string;
}

export interface AlertView {
  firing: boolean;
  alertname: string;
  target?: Target;
  /** "Pod shop/cart-1", or the alert name when no object is known. */
  object: string;
  namespace?: string;
  cluster?: string;
  /** The workload behind the object (Deployment, StatefulSet... name), best effort. */
  workload?: string;
  links: AlertLink[];
}

export function describeObject(t: Target): string {
  return `${t.kind} ${t.namespace ? `${t.namespace}/` : ''}${t.name}`;
}

// ReplicaSet pods: <deployment>-<pod-template-hash>-<5 chars>; DaemonSet/Job pods: <name>-<5 chars>;
// StatefulSet pods: <name>-<ordinal>. The hash alphabet avoids vowels (k8s.io/apimachinery rand).
const DEPLOYMENT_POD = /^(.+)-[bcdfghjklmnpqrstvwxz2456789]{6,10}-[bcdfghjklmnpqrstvwxz2456789]{5}$/;
const STATEFUL_POD = /^(.+)-\d+$/;
const GENERATED_POD = /^(.+)-[bcdfghjklmnpqrstvwxz2456789]{5}$/;
const WORKLOAD_LABELS = ['deployment', 'statefulset', 'daemonset', 'job_name', 'cronjob', 'replicaset', 'created_by_name', 'owner_name', 'workload'];

export function workloadOf(t: Target | undefined, labels: Record<string, string>): string | undefined {
  for (const l of WORKLOAD_LABELS) {
    const v = labels[`exported_${l}`] ?? labels[l];
    if (v) return v;
  }
  if (!t) return undefined;
  if (t.kind !== 'Pod') return t.name;
  return DEPLOYMENT_POD.exec(t.name)?.[1] ?? STATEFUL_POD.exec(t.name)?.[1] ?? GENERATED_POD.exec(t.name)?.[1] ?? t.name;
}

/** Alertmanager's "new silence" page pre-filled with the alert's labels (as its own templates link it). */
export function silenceUrl(externalURL: string | undefined, labels: Record<string, string>): string | undefined {
  if (!externalURL || !URL.canParse(externalURL)) return undefined;
  const matchers = Object.keys(labels).sort().map((k) => `${k}="${labels[k]!.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`);
  return `${externalURL.replace(/\/+$/, '')}/#/silences/new?filter=${encodeURIComponent(`{${matchers.join(',')}}`)}`;
}

const isHttpUrl = (s: string | undefined): s is string => !!s && URL.canParse(s) && /^https?:$/.test(new URL(s).protocol);

/** "Runbook: kubepodcrashlooping": the last path segment says which page it is. */
function runbookTitle(href: string): string {
  const u = new URL(href);
  const last = u.pathname.split('/').filter(Boolean).pop();
  return `Runbook: ${last ?? u.hostname}`;
}

export function viewAlert(group: EnrichedGroup, alert: EnrichedAlert): AlertView {
  const k = alert.kubetriage;
  const resolved = k.target ? undefined : resolveTarget(alert.labels);
  const target = k.target ?? resolved?.target;
  const alertname = alert.labels['alertname'] ?? 'alert';
  const links: AlertLink[] = [];
  const seen = new Set<string>();
  const add = (href: string | undefined, text: string) => {
    if (!isHttpUrl(href) || seen.has(href)) return;
    seen.add(href);
    links.push({ href, text });
  };
  for (const r of k.diagnosis?.runbooks ?? []) add(r, runbookTitle(r));
  add(alert.annotations['runbook_url'], 'Runbook');
  add(typeof alert.generatorURL === 'string' ? alert.generatorURL : undefined, 'Alert source');
  add(silenceUrl(typeof group.externalURL === 'string' ? group.externalURL : undefined, alert.labels), 'Silence in Alertmanager');
  const namespace = target?.namespace ?? alert.labels['namespace'];
  const cluster = alert.labels['cluster'];
  const workload = workloadOf(target, alert.labels);
  return {
    firing: alert.status === 'firing',
    alertname,
    ...(target ? { target } : {}),
    object: target ? describeObject(target) : alertname,
    ...(namespace ? { namespace } : {}),
    ...(cluster ? { cluster } : {}),
    ...(workload ? { workload } : {}),
    links,
  };
}
