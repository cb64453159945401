// Indexes an evidence bundle once so every rule reads it in O(1): objects by kind and name,
// events normalised from both API groups, logs per container, and the pods in scope of the target.
import type { EvidenceBundle, IgnoredObject, KubeObject, LogTail, ObjectRef, Target, AlertContext } from './types.ts';
import { timeOf, type Meta, type NormalizedEvent, type Pod, type Workload } from './kube.ts';
import { shapeProblem } from './shape.ts';

/** Kinds the core understands. Anything else is ignored and listed back to the caller. */
export const KNOWN_KINDS = new Set([
  'Pod', 'Event', 'ReplicaSet', 'Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob', 'Node',
  'PersistentVolumeClaim', 'PersistentVolume', 'StorageClass', 'Service', 'EndpointSlice', 'Endpoints',
  'ResourceQuota', 'LimitRange', 'NetworkPolicy', 'Namespace', 'HorizontalPodAutoscaler', 'PodDisruptionBudget',
]);

const CLUSTER_SCOPED = new Set(['Node', 'PersistentVolume', 'StorageClass', 'Namespace']);

export interface Snapshot {
  target: Target;
  alert?: AlertContext;
  /** Pods the target covers: the pod itself, a workload's pods, a Service's selected pods, a PVC's users. */
  scopePods: Pod[];
  /** The target object itself, when the bundle has it. */
  targetObject?: KubeObject;
  events: NormalizedEvent[];
  logs: LogTail[];
  ignored: IgnoredObject[];
  get<T = KubeObject>(kind: string, namespace: string | undefined, name: string | undefined): T | undefined;
  list<T = KubeObject>(kind: string, namespace?: string): T[];
  eventsFor(ref: ObjectRef): NormalizedEvent[];
  logLines(pod: ObjectRef, container: string, previous: boolean): string[] | undefined;
  podsOf(workload: ObjectRef): Pod[];
}

export function metaOf(obj: { metadata?: unknown } | undefined): Meta {
  return (obj?.metadata ?? {}) as Meta;
}

export function refOf(obj: KubeObject | Pod | Workload): ObjectRef {
  const m = metaOf(obj);
  const ref: ObjectRef = { kind: String(obj.kind ?? ''), name: m.name ?? '' };
  if (m.namespace) ref.namespace = m.namespace;
  return ref;
}

export function refKey(ref: { kind: string; namespace?: string | undefined; name: string }): string {
  return `${ref.kind}/${CLUSTER_SCOPED.has(ref.kind) ? '' : (ref.namespace ?? '')}/${ref.name}`;
}

export function formatRef(ref: ObjectRef): string {
  const kind = ref.kind.toLowerCase();
  return ref.namespace && !CLUSTER_SCOPED.has(ref.kind) ? `${kind} ${ref.namespace}/${ref.name}` : `${kind} ${ref.name}`;
}

/** True when labels satisfy a LabelSelector (matchLabels + matchExpressions) or a plain map selector. */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{ key?: string; operator?: string; values?: string[] }>;
}

export function matchesSelector(labels: Record<string, string> | undefined, selector: LabelSelector | Record<string, string> | undefined): boolean {
  if (!selector) return false;
  const l = labels ?? {};
  const sel = selector as LabelSelector;
  const isLabelSelector = 'matchLabels' in sel || 'matchExpressions' in sel;
  const equal = isLabelSelector ? (sel.matchLabels ?? {}) : (selector as Record<string, string>);
  const exprs = isLabelSelector ? (sel.matchExpressions ?? []) : [];
  if (Object.keys(equal).length === 0 && exprs.length === 0) return false;
  for (const [k, v] of Object.entries(equal)) if (l[k] !== v) return false;
  for (const e of exprs) {
    const key = e.key ?? '';
    const has = Object.hasOwn(l, key);
    const vals = e.values ?? [];
    switch (e.operator) {
      case 'In': if (!has || !vals.includes(l[key]!)) return false; break;
      case 'NotIn': if (has && vals.includes(l[key]!)) return false; break;
      case 'Exists': if (!has) return false; break;
      case 'DoesNotExist': if (has) return false; break;
      default: return false;
    }
  }
  return true;
}

function canonicalKind(obj: KubeObject): string {
  const kind = String(obj.kind ?? '');
  return kind;
}

export function normalizeEvent(obj: KubeObject): NormalizedEvent | undefined {
  const e = obj as Record<string, any>;
  const involved = e.regarding ?? e.involvedObject;
  if (!involved || typeof involved !== 'object' || !involved.name) return undefined;
  const meta = metaOf(obj);
  const first = timeOf(e.firstTimestamp) ?? timeOf(e.deprecatedFirstTimestamp) ?? timeOf(e.eventTime) ?? timeOf(meta.creationTimestamp);
  const last = timeOf(e.series?.lastObservedTime) ?? timeOf(e.lastTimestamp) ?? timeOf(e.deprecatedLastTimestamp) ?? first;
  const count = Number(e.series?.count ?? e.count ?? e.deprecatedCount ?? 1) || 1;
  const ev: NormalizedEvent = {
    regarding: {
      kind: String(involved.kind ?? ''),
      name: String(involved.name),
      ...(involved.namespace ? { namespace: String(involved.namespace) } : meta.namespace ? { namespace: meta.namespace } : {}),
      ...(involved.uid ? { uid: String(involved.uid) } : {}),
      ...(involved.fieldPath ? { fieldPath: String(involved.fieldPath) } : {}),
    },
    reason: String(e.reason ?? ''),
    message: String(e.note ?? e.message ?? ''),
    type: String(e.type ?? 'Normal'),
    count,
  };
  if (meta.uid) ev.uid = meta.uid;
  if (first) ev.firstTime = first;
  if (last) ev.lastTime = last;
  const source = e.reportingController ?? e.source?.component ?? e.reportingComponent;
  if (source) ev.source = String(source);
  return ev;
}

function flatten(objects: unknown[], out: Array<{ obj: KubeObject; index: number }>, ignored: IgnoredObject[]): void {
  objects.forEach((raw, index) => {
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
      ignored.push({ index, reason: 'not a Kubernetes object' });
      return;
    }
    const obj = raw as KubeObject;
    if (Array.isArray((obj as { items?: unknown }).items) && String(obj.kind ?? 'List').endsWith('List')) {
      flatten((obj as { items: unknown[] }).items, out, ignored);
      return;
    }
    out.push({ obj, index });
  });
}

export function buildSnapshot(bundle: EvidenceBundle): Snapshot {
  const ignored: IgnoredObject[] = [];
  const flat: Array<{ obj: KubeObject; index: number }> = [];
  flatten(bundle.objects, flat, ignored);

  const byKey = new Map<string, KubeObject>();
  const byKind = new Map<string, KubeObject[]>();
  const events: NormalizedEvent[] = [];
  const seenEvents = new Set<string>();

  for (const { obj, index } of flat) {
    const kind = canonicalKind(obj);
    const meta = metaOf(obj);
    if (kind === 'Secret' || kind === 'ConfigMap') {
      ignored.push({ index, kind, ...(meta.name ? { name: meta.name } : {}), reason: `${kind} contents are never read` });
      continue;
    }
    if (!KNOWN_KINDS.has(kind)) {
      ignored.push({ index, ...(obj.apiVersion ? { apiVersion: obj.apiVersion } : {}), ...(kind ? { kind } : {}), ...(meta.name ? { name: meta.name } : {}), reason: kind ? `kind ${kind} is not used by the diagnosis core` : 'object has no kind' });
      continue;
    }
    // Inline evidence can be any JSON: an object whose fields contradict the kind's shape is not read.
    const malformed = shapeProblem(kind, obj);
    if (malformed) {
      ignored.push({ index, kind, ...(typeof meta.name === 'string' && meta.name ? { name: meta.name } : {}), reason: `malformed: ${malformed}` });
      continue;
    }
    if (kind === 'Event') {
      const ev = normalizeEvent(obj);
      if (!ev) {
        ignored.push({ index, kind, reason: 'event without an involved object' });
        continue;
      }
      // The same event can arrive through core/v1 and events.k8s.io/v1: keep it once.
      const key = ev.uid ?? `${refKey(ev.regarding)}|${ev.reason}|${ev.message}|${ev.firstTime ?? ''}`;
      if (seenEvents.has(key)) continue;
      seenEvents.add(key);
      events.push(ev);
      continue;
    }
    if (!meta.name) {
      ignored.push({ index, kind, reason: 'object has no metadata.name' });
      continue;
    }
    byKey.set(refKey({ kind, namespace: meta.namespace, name: meta.name }), obj);
    let list = byKind.get(kind);
    if (!list) byKind.set(kind, (list = []));
    list.push(obj);
  }

  const logs = bundle.logs ?? [];
  const eventsByObject = new Map<string, NormalizedEvent[]>();
  for (const ev of events) {
    const key = refKey(ev.regarding);
    let list = eventsByObject.get(key);
    if (!list) eventsByObject.set(key, (list = []));
    list.push(ev);
  }

  const get = <T,>(kind: string, namespace: string | undefined, name: string | undefined): T | undefined =>
    name ? (byKey.get(refKey({ kind, namespace, name })) as T | undefined) : undefined;
  const list = <T,>(kind: string, namespace?: string): T[] => {
    const all = (byKind.get(kind) ?? []) as T[];
    return namespace === undefined ? all : all.filter((o) => metaOf(o as KubeObject).namespace === namespace);
  };

  const podsOf = (workload: ObjectRef): Pod[] => {
    const pods = list<Pod>('Pod', workload.namespace);
    const owned = (ownerKind: string, ownerName: string) => (p: Pod) =>
      (metaOf(p).ownerReferences ?? []).some((o) => o.kind === ownerKind && o.name === ownerName);
    const wl = get<Workload>(workload.kind, workload.namespace, workload.name);
    if (workload.kind === 'Deployment') {
      const rsNames = list<Workload>('ReplicaSet', workload.namespace)
        .filter((rs) => (metaOf(rs).ownerReferences ?? []).some((o) => o.kind === 'Deployment' && o.name === workload.name))
        .map((rs) => metaOf(rs).name ?? '');
      const viaOwners = pods.filter((p) => rsNames.some((rs) => owned('ReplicaSet', rs)(p)));
      if (viaOwners.length > 0) return viaOwners;
    } else if (['ReplicaSet', 'StatefulSet', 'DaemonSet', 'Job'].includes(workload.kind)) {
      const viaOwners = pods.filter(owned(workload.kind, workload.name));
      if (viaOwners.length > 0) return viaOwners;
    }
    if (workload.kind === 'Service') {
      const svc = wl as { spec?: { selector?: Record<string, string> } } | undefined;
      return svc?.spec?.selector ? pods.filter((p) => matchesSelector(metaOf(p).labels, svc.spec!.selector)) : [];
    }
    const selector = wl?.spec?.selector;
    return selector ? pods.filter((p) => matchesSelector(metaOf(p).labels, selector)) : [];
  };

  const target = bundle.target;
  let scopePods: Pod[] = [];
  if (target.kind === 'Pod') {
    const pod = get<Pod>('Pod', target.namespace, target.name);
    scopePods = pod ? [pod] : [];
  } else if (target.kind === 'PersistentVolumeClaim') {
    scopePods = list<Pod>('Pod', target.namespace).filter((p) =>
      (p.spec?.volumes ?? []).some((v) => v.persistentVolumeClaim?.claimName === target.name));
  } else if (target.kind === 'Node') {
    scopePods = [];
  } else {
    scopePods = podsOf(target);
  }

  const snapshot: Snapshot = {
    target,
    scopePods,
    events,
    logs,
    ignored,
    get,
    list,
    eventsFor: (ref) => eventsByObject.get(refKey(ref)) ?? [],
    logLines: (pod, container, previous) => {
      const match = logs.find((l) => l.container === container && l.previous === previous &&
        (l.pod === undefined || l.pod === pod.name) && (l.namespace === undefined || l.namespace === pod.namespace));
      return match?.lines;
    },
    podsOf,
  };
  const targetObject = get<KubeObject>(target.kind, target.namespace, target.name);
  if (targetObject) snapshot.targetObject = targetObject;
  if (bundle.alert) snapshot.alert = bundle.alert;
  return snapshot;
}
