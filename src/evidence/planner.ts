// What to read from the Kubernetes API for one target, as data. PURE: no I/O, no clock.
//
// The reader calls planRound(target, 1, results), fetches those in parallel, then
// planRound(target, 2, results) with everything fetched so far, and so on until a round is
// empty or maxRounds(kind) is reached. Each round may only use what earlier rounds returned,
// so the number of rounds is the number of sequential API round trips on the critical path.
//
// Scope rules (kept by construction, asserted by the tests):
//   - never a cluster-wide pod list: pods are read by name, by a workload's/Service's label
//     selector in its namespace, on one node (`spec.nodeName=X`, Node targets only), or the
//     pods of one namespace with a limit (PVC targets only: a claim's users cannot be selected
//     by label or field);
//   - never Secrets or ConfigMaps (the kubelet's messages name them; their contents are not read);
//   - every list is namespaced or field/label-selected, and bounded by `limit`.
//
// Events are read through both API groups for the target: core/v1
// (`involvedObject.name=X,involvedObject.kind=K`) and events.k8s.io/v1 (`regarding.name=X,
// regarding.kind=K`). Both serve the same stored events (the reader drops duplicates by uid);
// the pair exists because RBAC often grants only one of them and events.k8s.io/v1 needs
// Kubernetes >= 1.19, where the apiserver maps `regarding.*` field labels onto
// `involvedObject.*` (pkg/apis/events/v1 conversion). They form an "anyOf" pair: an error is
// reported only when both fail. Events of related objects (owners, consumer pods) are read
// through core/v1 only, which every cluster serves.
//
// A group's pods (GroupContext). The alerts of one Alertmanager group are read in one session, and
// a storm names many pods of one ReplicaSet. The planner is told the group's Pod targets and reads
// what they share once:
//   - pods whose names give the same ReplicaSet (`cart-7d9f8b6c5d-*`, 2 or more in the group; not
//     a CronJob's Job pods) are read with one list by `pod-template-hash=7d9f8b6c5d` in their
//     namespace (limit 200), not one GET each; each session keeps only its group's pods of it. A
//     pod the list lacks, or all of them when the list fails, is read by name in round 2 (the
//     list and the GET are one anyOf per pod), and its follow-ups take a third round;
//   - in a namespace with 10 or more of the group's pods, its events are read with one list per
//     API group (limit 500), not two per pod plus one per owner, and its EndpointSlices with one
//     list (limit 200), not one per Service. The group's workload targets in that namespace
//     (`deployment="cart"` beside its pods' alerts) read their events from the same lists, not
//     their own pair and the namespace's Warning events: each keeps its own events and the Warning
//     ones, and the lists keep the events of pods named after them (`cart-*`) even when the group
//     does not name those pods. When the server has more events than the limit, each pod's own
//     (and its owners') are read in round 2, and each workload's own reads too (their quota hints
//     then read in round 3);
//   - one previous log for the OOM-killed pods of a batch: pods of one ReplicaSet OOMKilled the
//     same way (container, exit code) read the log of the first of them by name. Their diagnosis
//     comes from the pod's status; every other failure reads the pod's own logs, as the rules that
//     read logs (application errors, DNS, connections, permissions) read only the pod's own. When
//     the shared log does not come (its node gone, its kubelet down, the pod or its previous
//     instance gone since the list), each pod reads its own in a third round, in one anyOf.
// Each target's evidence keeps only its own items of these shared lists (itemsFor).
//
// Rounds per target kind:
//   Pod (2; 3 for a batched pod read by name in round 2, or whose shared log did not come):
//              1 = the pod, its events (both groups), owners guessed from the name
//                  (cart-7d9f8b6c5d-x2x9k → ReplicaSet cart-7d9f8b6c5d + Deployment cart;
//                  postgres-0 → StatefulSet postgres; a 404 on a guess is silent), the
//                  namespace's Services.
//              2 = logs (previous for restarted containers; current for a crash-looping or
//                  failed container without a previous instance), the Node, mounted PVCs +
//                  the StorageClass list, EndpointSlices of the Services selecting the pod,
//                  ResourceQuotas on a FailedCreate/quota hint, owners the guesses missed
//                  (from ownerReferences), and core events of the owners (the Deployment's
//                  rollouts; a bare ReplicaSet's, StatefulSet's, DaemonSet's or Job's own).
//   Deployment / StatefulSet / DaemonSet / ReplicaSet / Job / CronJob (3):
//              1 = the object, its events (both groups), the namespace's Warning events
//                  (`type=Warning`, limit 500), or the namespace's events when the group reads
//                  them (above; if those were cut or failed, its own reads come in round 2 and
//                  the quota hints in them are read in round 3); CronJob: + the namespace's Jobs
//                  (limit 100).
//              2 = pods by the workload's selector (limit 200), ReplicaSets by selector
//                  (Deployment), the owning Deployment (ReplicaSet), claims of the first
//                  StatefulSet ordinals + StorageClasses, ResourceQuotas/LimitRanges on a
//                  FailedCreate hint; CronJob: pods of its newest Job.
//              3 = logs of up to 3 failing pods, one per distinct failure. Workloads alone get
//                  a third round: their failing pods are only known once listed.
//   Service (2): 1 = service, events, EndpointSlices (`kubernetes.io/service-name`) + Endpoints;
//                2 = pods by the Service's selector; EndpointSlices through discovery.k8s.io/v1beta1
//                when v1 is not served (Kubernetes <= 1.20), in the same anyOf.
//   Node (1):  node, events (all namespaces, field-selected), pods on it (`spec.nodeName`, limit 200).
//   PersistentVolumeClaim (2): 1 = claim, events, StorageClasses, pods of the namespace (limit 200);
//                2 = the bound PersistentVolume, core events of up to 3 pods using the claim.
//   PersistentVolume (2): 1 = volume, events, StorageClasses; 2 = the claim it is bound to.
//   ResourceQuota (1): quota, events, namespace Warning events (FailedCreate shows there).
//   HorizontalPodAutoscaler (2): 1 = HPA (autoscaling/v2), events; 2 = its scale target.
//   PodDisruptionBudget (2): 1 = PDB (policy/v1), events; 2 = pods by its selector.
import type { KubeObject, Target } from '../core/types.ts';
import type { EvidenceErrorReason } from './source.ts';

// ---------------------------------------------------------------------------------------------
// Resource table

export interface ResourceType {
  group: string;
  version: string;
  resource: string;
  kind: string;
  namespaced: boolean;
}

const rt = (gv: string, resource: string, kind: string, namespaced: boolean): ResourceType => {
  const slash = gv.indexOf('/');
  return { group: slash < 0 ? '' : gv.slice(0, slash), version: slash < 0 ? gv : gv.slice(slash + 1), resource, kind, namespaced };
};

export const RESOURCES = {
  pods: rt('v1', 'pods', 'Pod', true),
  events: rt('v1', 'events', 'Event', true),
  eventsV1: rt('events.k8s.io/v1', 'events', 'Event', true),
  nodes: rt('v1', 'nodes', 'Node', false),
  services: rt('v1', 'services', 'Service', true),
  endpoints: rt('v1', 'endpoints', 'Endpoints', true),
  endpointSlices: rt('discovery.k8s.io/v1', 'endpointslices', 'EndpointSlice', true),
  endpointSlicesV1beta1: rt('discovery.k8s.io/v1beta1', 'endpointslices', 'EndpointSlice', true),
  persistentVolumeClaims: rt('v1', 'persistentvolumeclaims', 'PersistentVolumeClaim', true),
  persistentVolumes: rt('v1', 'persistentvolumes', 'PersistentVolume', false),
  storageClasses: rt('storage.k8s.io/v1', 'storageclasses', 'StorageClass', false),
  resourceQuotas: rt('v1', 'resourcequotas', 'ResourceQuota', true),
  limitRanges: rt('v1', 'limitranges', 'LimitRange', true),
  deployments: rt('apps/v1', 'deployments', 'Deployment', true),
  replicaSets: rt('apps/v1', 'replicasets', 'ReplicaSet', true),
  statefulSets: rt('apps/v1', 'statefulsets', 'StatefulSet', true),
  daemonSets: rt('apps/v1', 'daemonsets', 'DaemonSet', true),
  jobs: rt('batch/v1', 'jobs', 'Job', true),
  cronJobs: rt('batch/v1', 'cronjobs', 'CronJob', true),
  horizontalPodAutoscalers: rt('autoscaling/v2', 'horizontalpodautoscalers', 'HorizontalPodAutoscaler', true),
  podDisruptionBudgets: rt('policy/v1', 'poddisruptionbudgets', 'PodDisruptionBudget', true),
} as const satisfies Record<string, ResourceType>;

const BY_KIND = new Map<string, ResourceType>(
  Object.values(RESOURCES).filter((r) => r !== RESOURCES.eventsV1 && r !== RESOURCES.endpointSlicesV1beta1).map((r) => [r.kind, r]),
);

/** The resource type a target kind is read through, if kubetriage can read it. */
export function resourceForKind(kind: string): ResourceType | undefined {
  return BY_KIND.get(kind);
}

// ---------------------------------------------------------------------------------------------
// Fetches and results

/**
 * - target:   the alert's object; a 404 means it is gone (reported, other evidence still returned).
 * - required: supporting evidence; every failure is reported.
 * - optional: a guess (an owner derived from a name); a 404 is silent, other failures are reported.
 */
export type FetchRole = 'target' | 'required' | 'optional';

export interface FetchSpec {
  /** Identity of the request (method + path + query): equal keys are fetched once per session. */
  key: string;
  kind: 'get' | 'list' | 'log';
  group: string;
  version: string;
  /** Plural resource (pods for a log; the subresource is implied by kind 'log'). */
  resource: string;
  /** Kind of the object(s) returned, set on list items (the API omits it there). */
  objectKind: string;
  namespace?: string;
  name?: string;
  fieldSelector?: string;
  labelSelector?: string;
  limit?: number;
  log?: { container: string; previous: boolean; node?: string };
  role: FetchRole;
  /** Fetches sharing an anyOf id are alternatives: failures are reported only if all fail. */
  anyOf?: string;
  /**
   * Items a session keeps of a list: these pods, the events about them, and the events about any
   * object that is not a Pod (owners). A namespace's events and a ReplicaSet's pods are mostly
   * about pods the group does not name; a session keeps only its own. Not part of the key: the
   * answer is the same, and within a session every spec with this key comes from the same group.
   */
  onlyPods?: readonly string[];
  /**
   * With `onlyPods`: pods whose names start with one of these are kept too. A workload target of
   * the group (`cart-`) reads its pods' Warning events from the namespace's list, as it would from
   * the namespace's Warning events on its own, including pods the group does not name.
   */
  podPrefixes?: readonly string[];
  /** Why this is read (for tests and debugging). */
  why: string;
}

export type FetchResult =
  | { state: 'object'; object: KubeObject }
  | { state: 'list'; items: KubeObject[]; /** the server had more than `limit` */ more: boolean }
  | { state: 'log'; lines: string[]; truncated: boolean }
  /** Nothing there: 404 on the object, no previous container instance, a pod without a node. */
  | { state: 'absent'; status?: number; message?: string }
  | { state: 'failed'; reason: EvidenceErrorReason; message: string; status?: number };

export type Results = ReadonlyMap<string, FetchResult>;

// ---------------------------------------------------------------------------------------------
// Limits

export const LIMITS = {
  services: 200,
  events: 200,
  namespaceWarnings: 500,
  podsBySelector: 200,
  podsOnNode: 200,
  podsInNamespace: 200,
  replicaSets: 100,
  jobs: 100,
  storageClasses: 100,
  small: 100,
  /** Events of a namespace, when the group reads them with one list. */
  namespaceEvents: 500,
  /** EndpointSlices of a namespace, when the group reads them with one list. */
  namespaceEndpointSlices: 200,
  /** Pod targets of one ReplicaSet that are read with one list. */
  batchPods: 2,
  /**
   * Pod targets of one namespace whose events and EndpointSlices are read with one list each. A
   * namespace list holds every pod's events (up to 500), so it pays only when the group names
   * many of them: a storm split into groups of 20 over large namespaces would otherwise parse
   * ten times the events it keeps (the 1000-alert storm ran the shipped 56 MiB heap out).
   */
  batchNamespace: 10,
  /** Containers of one pod whose logs are read. */
  logContainers: 4,
  /** Failing pods of a workload whose logs are read (one per distinct failure). */
  failingPods: 3,
  pvcsPerPod: 5,
  servicesPerPod: 5,
  statefulSetClaims: 3,
  consumerPods: 3,
} as const;

// ---------------------------------------------------------------------------------------------
// Paths

function basePath(r: { group: string; version: string }): string {
  return r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
}

/**
 * The request path and query of a fetch, e.g. `/api/v1/namespaces/shop/pods/cart-1/log?container=app&previous=true`.
 * `extra` query parameters (tailLines, limitBytes) are appended after the spec's own.
 */
export function fetchPath(spec: Omit<FetchSpec, 'key' | 'role' | 'why'>, extra: Record<string, string> = {}): string {
  let path = basePath(spec);
  if (spec.namespace !== undefined) path += `/namespaces/${encodeURIComponent(spec.namespace)}`;
  path += `/${spec.resource}`;
  if (spec.name !== undefined) path += `/${encodeURIComponent(spec.name)}`;
  if (spec.kind === 'log') path += '/log';
  const q = new URLSearchParams();
  if (spec.log) {
    q.set('container', spec.log.container);
    if (spec.log.previous) q.set('previous', 'true');
  }
  if (spec.fieldSelector) q.set('fieldSelector', spec.fieldSelector);
  if (spec.labelSelector) q.set('labelSelector', spec.labelSelector);
  if (spec.limit !== undefined) q.set('limit', String(spec.limit));
  for (const [k, v] of Object.entries(extra)) q.set(k, v);
  const qs = q.toString();
  return qs ? `${path}?${qs}` : path;
}

function make(
  kind: FetchSpec['kind'],
  r: ResourceType,
  role: FetchRole,
  why: string,
  opts: Partial<Pick<FetchSpec, 'namespace' | 'name' | 'fieldSelector' | 'labelSelector' | 'limit' | 'log' | 'anyOf'>> = {},
): FetchSpec {
  const spec: FetchSpec = { key: '', kind, group: r.group, version: r.version, resource: r.resource, objectKind: r.kind, role, why };
  if (opts.namespace !== undefined && r.namespaced) spec.namespace = opts.namespace;
  if (opts.name !== undefined) spec.name = opts.name;
  if (opts.fieldSelector) spec.fieldSelector = opts.fieldSelector;
  if (opts.labelSelector) spec.labelSelector = opts.labelSelector;
  if (opts.limit !== undefined) spec.limit = opts.limit;
  if (opts.log) spec.log = opts.log;
  if (opts.anyOf) spec.anyOf = opts.anyOf;
  spec.key = `${kind} ${fetchPath(spec)}`;
  return spec;
}

export const getSpec = (r: ResourceType, namespace: string | undefined, name: string, role: FetchRole, why: string, anyOf?: string): FetchSpec =>
  make('get', r, role, why, { ...(namespace !== undefined ? { namespace } : {}), name, ...(anyOf ? { anyOf } : {}) });

export const listSpec = (
  r: ResourceType,
  namespace: string | undefined,
  role: FetchRole,
  why: string,
  opts: { fieldSelector?: string; labelSelector?: string; limit?: number; anyOf?: string } = {},
): FetchSpec => make('list', r, role, why, { ...(namespace !== undefined ? { namespace } : {}), ...opts });

export const logSpec = (namespace: string, pod: string, container: string, previous: boolean, node: string | undefined, why: string): FetchSpec =>
  make('log', RESOURCES.pods, 'required', why, { namespace, name: pod, log: { container, previous, ...(node ? { node } : {}) } });

/**
 * Events of one object. `both`: core/v1 and events.k8s.io/v1 as an anyOf pair (the target);
 * `core`: core/v1 only (related objects). Cluster-scoped objects: all namespaces, field-selected.
 */
export function eventSpecs(kind: string, namespace: string | undefined, name: string, groups: 'both' | 'core', role: FetchRole = 'required'): FetchSpec[] {
  const anyOf = groups === 'both' ? `events ${kind} ${namespace ?? ''}/${name}` : undefined;
  const core = listSpec(RESOURCES.events, namespace, role, `events of ${kind} ${name}`, {
    fieldSelector: `involvedObject.name=${name},involvedObject.kind=${kind}`,
    limit: LIMITS.events,
    ...(anyOf ? { anyOf } : {}),
  });
  if (groups === 'core') return [core];
  const v1 = listSpec(RESOURCES.eventsV1, namespace, role, `events of ${kind} ${name} (events.k8s.io)`, {
    fieldSelector: `regarding.name=${name},regarding.kind=${kind}`,
    limit: LIMITS.events,
    anyOf: anyOf!,
  });
  return [core, v1];
}

// ---------------------------------------------------------------------------------------------
// Helpers over loosely-typed objects

interface OwnerRef {
  kind?: string;
  name?: string;
  controller?: boolean;
}
interface LooseMeta {
  name?: string;
  namespace?: string;
  labels?: Record<string, string>;
  ownerReferences?: OwnerRef[];
  creationTimestamp?: string;
}
interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{ key?: string; operator?: string; values?: string[] }>;
}
interface ContainerStatus {
  name?: string;
  restartCount?: number;
  state?: { waiting?: { reason?: string }; running?: unknown; terminated?: { reason?: string; exitCode?: number } };
  lastState?: { terminated?: { reason?: string; exitCode?: number } };
}

const meta = (o: KubeObject | undefined): LooseMeta => (o?.metadata ?? {}) as LooseMeta;
const rec = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
const arr = <T>(v: unknown): T[] => (Array.isArray(v) ? (v as T[]) : []);

function objectOf(results: Results, spec: FetchSpec): KubeObject | undefined {
  const r = results.get(spec.key);
  return r?.state === 'object' ? r.object : undefined;
}

function itemsOf(results: Results, spec: FetchSpec): KubeObject[] {
  const r = results.get(spec.key);
  return r?.state === 'list' ? r.items : [];
}

/** The pod-template-hash / pod-name suffix alphabet (k8s.io/apimachinery rand.SafeEncodeString). */
const SAFE = '[bcdfghjklmnpqrstvwxz2456789]';
const DEPLOYMENT_POD = new RegExp(`^(.+)-(${SAFE}{1,10})-(${SAFE}{5})$`);
const STATEFULSET_POD = /^(.+)-(\d+)$/;
const CRONJOB_JOB = /^(.+)-(\d{8,})$/;

/** Owners a pod name suggests: `cart-7d9f8b6c5d-x2x9k` → ReplicaSet + Deployment; `postgres-0` → StatefulSet. */
export function guessPodOwners(podName: string): Array<{ kind: 'ReplicaSet' | 'Deployment' | 'StatefulSet'; name: string }> {
  const out: Array<{ kind: 'ReplicaSet' | 'Deployment' | 'StatefulSet'; name: string }> = [];
  const d = DEPLOYMENT_POD.exec(podName);
  if (d) out.push({ kind: 'ReplicaSet', name: `${d[1]}-${d[2]}` }, { kind: 'Deployment', name: d[1]! });
  const s = STATEFULSET_POD.exec(podName);
  if (s) out.push({ kind: 'StatefulSet', name: s[1]! });
  return out;
}

/** A LabelSelector (or a Service's plain map) as a labelSelector query string; undefined when it selects nothing usable. */
export function selectorString(selector: unknown): string | undefined {
  const sel = rec(selector);
  const isLabelSelector = 'matchLabels' in sel || 'matchExpressions' in sel;
  const equal = isLabelSelector ? rec((sel as LabelSelector).matchLabels) : sel;
  const parts: string[] = [];
  for (const k of Object.keys(equal).sort()) {
    const v = equal[k];
    if (typeof v === 'string') parts.push(`${k}=${v}`);
  }
  if (isLabelSelector) {
    const exprs = arr<{ key?: string; operator?: string; values?: string[] }>((sel as LabelSelector).matchExpressions);
    for (const e of [...exprs].sort((a, b) => String(a.key).localeCompare(String(b.key)))) {
      if (!e.key) continue;
      const values = [...(e.values ?? [])].sort();
      switch (e.operator) {
        case 'In': parts.push(`${e.key} in (${values.join(',')})`); break;
        case 'NotIn': parts.push(`${e.key} notin (${values.join(',')})`); break;
        case 'Exists': parts.push(e.key); break;
        case 'DoesNotExist': parts.push(`!${e.key}`); break;
        default: return undefined;
      }
    }
  }
  return parts.length > 0 ? parts.join(',') : undefined;
}

function matchesMap(labels: Record<string, string> | undefined, selector: unknown): boolean {
  const sel = rec(selector);
  const keys = Object.keys(sel);
  if (keys.length === 0) return false;
  return keys.every((k) => labels?.[k] === sel[k]);
}

function controllerRef(o: KubeObject | undefined): OwnerRef | undefined {
  const refs = meta(o).ownerReferences ?? [];
  return refs.find((r) => r.controller) ?? refs[0];
}

const QUOTA_HINT = /exceeded quota|quota|FailedCreate/i;
const LIMITRANGE_HINT = /LimitRange|maximum (cpu|memory|storage)|minimum (cpu|memory|storage)|max limit to request ratio/i;

/** FailedCreate / quota hints in conditions of objects and in events. */
function hints(objects: KubeObject[], events: KubeObject[]): { quota: boolean; limitRange: boolean } {
  const texts: string[] = [];
  for (const o of objects) {
    for (const c of arr<{ type?: string; reason?: string; message?: string; status?: string }>(rec(o['status'])['conditions'])) {
      if (c.type === 'ReplicaFailure' || c.reason === 'FailedCreate' || /quota/i.test(c.message ?? '')) texts.push(`${c.reason ?? ''} ${c.message ?? ''}`);
    }
  }
  for (const e of events) {
    const reason = String(e['reason'] ?? '');
    const msg = String(e['message'] ?? e['note'] ?? '');
    if (reason === 'FailedCreate' || /exceeded quota/i.test(msg)) texts.push(`${reason} ${msg}`);
  }
  const all = texts.join('\n');
  return { quota: QUOTA_HINT.test(all), limitRange: LIMITRANGE_HINT.test(all) };
}

function statusesOf(pod: KubeObject): ContainerStatus[] {
  const st = rec(pod['status']);
  return [...arr<ContainerStatus>(st['initContainerStatuses']), ...arr<ContainerStatus>(st['containerStatuses'])];
}

/** Which logs of a pod tell why it fails: previous instance of restarted containers, current of crash-looping/failed ones without one. */
export function podLogPlan(pod: KubeObject, preferContainer?: string): Array<{ container: string; previous: boolean }> {
  const out: Array<{ container: string; previous: boolean }> = [];
  const statuses = statusesOf(pod);
  for (const c of statuses) {
    if (!c.name) continue;
    const restarts = c.restartCount ?? 0;
    const waiting = c.state?.waiting?.reason;
    const terminated = c.state?.terminated;
    if (restarts > 0 || c.lastState?.terminated) out.push({ container: c.name, previous: true });
    else if (waiting === 'CrashLoopBackOff' || (terminated && (terminated.exitCode ?? 0) !== 0)) out.push({ container: c.name, previous: false });
  }
  if (preferContainer && !out.some((l) => l.container === preferContainer)) {
    const c = statuses.find((s) => s.name === preferContainer);
    // The alert's own container, running but unhealthy (e.g. not ready): its current log.
    if (c && (c.state?.running || c.state?.terminated)) out.push({ container: preferContainer, previous: false });
  }
  out.sort((a, b) => Number(b.container === preferContainer) - Number(a.container === preferContainer));
  return out.slice(0, LIMITS.logContainers);
}

/** A pod's failure signature (first failing container + reasons), or undefined when healthy. */
export function failureSignature(pod: KubeObject): string | undefined {
  for (const c of statusesOf(pod)) {
    const restarts = c.restartCount ?? 0;
    const waiting = c.state?.waiting?.reason;
    const term = c.state?.terminated;
    const failing = restarts > 0 || waiting === 'CrashLoopBackOff' || (term && (term.exitCode ?? 0) !== 0);
    if (!failing) continue;
    const last = c.lastState?.terminated ?? term;
    return `${c.name}|${waiting ?? term?.reason ?? ''}|${last?.reason ?? ''}|${last?.exitCode ?? ''}`;
  }
  return undefined;
}

function restartsOf(pod: KubeObject): number {
  return statusesOf(pod).reduce((n, c) => n + (c.restartCount ?? 0), 0);
}

function claimNames(pod: KubeObject): string[] {
  const podName = meta(pod).name ?? '';
  const names: string[] = [];
  for (const v of arr<Record<string, unknown>>(rec(pod['spec'])['volumes'])) {
    const claim = rec(v['persistentVolumeClaim'])['claimName'];
    if (typeof claim === 'string') names.push(claim);
    else if (v['ephemeral'] && typeof v['name'] === 'string') names.push(`${podName}-${v['name']}`);
  }
  return [...new Set(names)];
}

// ---------------------------------------------------------------------------------------------
// Targets

const WORKLOADS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'CronJob']);

/** Kinds the planner can read. */
export const PLANNABLE_KINDS = [
  'Pod', 'Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'CronJob', 'Service', 'Node',
  'PersistentVolumeClaim', 'PersistentVolume', 'ResourceQuota', 'HorizontalPodAutoscaler', 'PodDisruptionBudget',
] as const;

/**
 * How many sequential rounds a target kind may take (the critical path). A Pod takes 2; a third
 * only for a batched pod its batch's list did not give (read by name in round 2), or whose shared
 * previous log did not come.
 */
export function maxRounds(kind: string): number {
  if (WORKLOADS.has(kind) || kind === 'Pod') return 3;
  if (kind === 'Node' || kind === 'ResourceQuota') return 1;
  return 2;
}

/** Why a target cannot be planned, or undefined when it can. */
export function targetProblem(target: Target): string | undefined {
  const r = resourceForKind(target.kind);
  if (!r || !(PLANNABLE_KINDS as readonly string[]).includes(target.kind)) {
    return `kubetriage cannot read ${target.kind} targets; use one of ${PLANNABLE_KINDS.join(', ')}`;
  }
  if (!target.name) return `the ${target.kind} target has no name`;
  if (r.namespaced && !target.namespace) return `${target.kind} ${target.name} needs a namespace`;
  return undefined;
}

/** The fetch of the target object itself. */
export function targetSpec(target: Target): FetchSpec | undefined {
  const r = resourceForKind(target.kind);
  if (!r) return undefined;
  return getSpec(r, r.namespaced ? target.namespace : undefined, target.name, 'target', `the ${target.kind} the alert is about`);
}

function namespaceWarnings(ns: string): FetchSpec {
  return listSpec(RESOURCES.events, ns, 'required', `Warning events of namespace ${ns}`, { fieldSelector: 'type=Warning', limit: LIMITS.namespaceWarnings });
}

function quotaSpecs(ns: string, h: { quota: boolean; limitRange: boolean }): FetchSpec[] {
  const out: FetchSpec[] = [];
  if (h.quota) out.push(listSpec(RESOURCES.resourceQuotas, ns, 'required', 'FailedCreate/quota hint', { limit: LIMITS.small }));
  if (h.limitRange) out.push(listSpec(RESOURCES.limitRanges, ns, 'required', 'FailedCreate/LimitRange hint', { limit: LIMITS.small }));
  return out;
}

function eventsIn(results: Results, specs: FetchSpec[]): KubeObject[] {
  return specs.flatMap((s) => itemsOf(results, s));
}

// --- Pod -------------------------------------------------------------------------------------

/**
 * The Pod targets of the group a target is read with (one reader session): which of them share a
 * ReplicaSet list, and in which namespaces their events are read with one list. Computed once per
 * session, so planning a group stays linear in its size.
 */
export interface GroupContext {
  /** `namespace/pod` → the batch the pod is read in. */
  batches: ReadonlyMap<string, PodBatch>;
  /**
   * Namespaces whose events and EndpointSlices the group's pods read with shared lists. The
   * group's workload targets in such a namespace read their events from the same lists.
   */
  namespaces: ReadonlyMap<string, NamespaceReads>;
}

interface NamespaceReads {
  /** All events of the namespace, core/v1 and events.k8s.io/v1 (an anyOf pair). */
  events: FetchSpec[];
  endpointSlices: FetchSpec;
}

/** A target read on its own. */
export const SOLO: GroupContext = { batches: new Map(), namespaces: new Map() };

export interface PodBatch {
  /** The group's pods of the ReplicaSet, sorted. */
  members: string[];
  list: FetchSpec;
}

function replicaSetOfName(podName: string): { name: string; hash: string } | undefined {
  const d = DEPLOYMENT_POD.exec(podName);
  return d ? { name: `${d[1]}-${d[2]}`, hash: d[2]! } : undefined;
}

export function groupContext(targets: readonly Target[]): GroupContext {
  const podsByNs = new Map<string, Set<string>>();
  const workloadsByNs = new Map<string, Set<string>>();
  for (const t of targets) {
    if (!t.namespace || !t.name) continue;
    const byNs = t.kind === 'Pod' ? podsByNs : WORKLOADS.has(t.kind) ? workloadsByNs : undefined;
    if (!byNs) continue;
    let names = byNs.get(t.namespace);
    if (!names) byNs.set(t.namespace, (names = new Set()));
    names.add(t.name);
  }
  const batches = new Map<string, PodBatch>();
  const namespaces = new Map<string, NamespaceReads>();
  for (const [ns, names] of podsByNs) {
    if (names.size >= LIMITS.batchNamespace) namespaces.set(ns, namespaceReads(ns, [...names].sort(), [...(workloadsByNs.get(ns) ?? [])].sort()));
    const byReplicaSet = new Map<string, { hash: string; members: string[] }>();
    for (const name of [...names].sort()) {
      const rs = replicaSetOfName(name);
      // A CronJob's Job pod (`backup-29245678-bcdfg`) can look like a ReplicaSet's.
      if (!rs || CRONJOB_JOB.test(rs.name)) continue;
      const entry = byReplicaSet.get(rs.name) ?? { hash: rs.hash, members: [] };
      entry.members.push(name);
      byReplicaSet.set(rs.name, entry);
    }
    for (const [replicaSet, { hash, members }] of byReplicaSet) {
      if (members.length < LIMITS.batchPods) continue;
      const list: FetchSpec = {
        ...listSpec(RESOURCES.pods, ns, 'required', `pods of ReplicaSet ${replicaSet} (the group names several)`, {
          labelSelector: `pod-template-hash=${hash}`,
          limit: LIMITS.podsBySelector,
        }),
        onlyPods: members,
      };
      const batch = { members, list };
      for (const m of members) batches.set(`${ns}/${m}`, batch);
    }
  }
  return { batches, namespaces };
}

/** The batch a pod target is read in, when the group names enough pods of its ReplicaSet. */
function podBatch(t: Target, ns: string, group: GroupContext): PodBatch | undefined {
  return group.batches.get(`${ns}/${t.name}`);
}

/**
 * How the names of a workload's pods (and ReplicaSets, Jobs) begin: `cart-`. The API server cuts
 * a generated name's base to 58 characters, so a long workload name is cut the same way.
 */
const generatedPrefix = (workload: string): string => `${workload}-`.slice(0, 58);

function namespaceReads(ns: string, pods: string[], workloads: string[]): NamespaceReads {
  const anyOf = `events of namespace ${ns}`;
  const kept = { onlyPods: pods, ...(workloads.length > 0 ? { podPrefixes: workloads.map(generatedPrefix) } : {}) };
  return {
    events: [
      { ...listSpec(RESOURCES.events, ns, 'required', `events of namespace ${ns} (the group names several of its pods)`, { limit: LIMITS.namespaceEvents, anyOf }), ...kept },
      { ...listSpec(RESOURCES.eventsV1, ns, 'required', `events of namespace ${ns} (events.k8s.io)`, { limit: LIMITS.namespaceEvents, anyOf }), ...kept },
    ],
    // Optional, as a Service's own EndpointSlices are for a pod: no pod rule needs them.
    endpointSlices: listSpec(RESOURCES.endpointSlices, ns, 'optional', `EndpointSlices of namespace ${ns}`, { limit: LIMITS.namespaceEndpointSlices }),
  };
}

/** The shared reads of a pod or workload target's namespace, when the group names enough of its pods. */
function sharedReads(t: Target, ns: string, group: GroupContext): NamespaceReads | undefined {
  return t.kind === 'Pod' || WORKLOADS.has(t.kind) ? group.namespaces.get(ns) : undefined;
}

/** The namespace's events as read whole (not cut at the limit), so per-object event reads can be skipped. */
function sharedEventsWhole(t: Target, ns: string, group: GroupContext, results: Results): boolean {
  const shared = sharedReads(t, ns, group);
  return !!shared && namespaceEvents(shared.events, results) === 'whole';
}

/**
 * What the namespace's event lists gave: `cut` when each answered list was cut at the limit;
 * `failed` when none answered, for a reason a per-object read may not share (a timeout, a 5xx, a
 * 429); otherwise `whole` (a list in full, no answer yet, or a refusal: a 401/403 would refuse the
 * per-object reads too).
 */
function namespaceEvents(specs: FetchSpec[], results: Results): 'whole' | 'cut' | 'failed' {
  const answers = specs.map((s) => results.get(s.key)).filter((r): r is FetchResult => r !== undefined);
  const lists = answers.filter((r): r is Extract<FetchResult, { state: 'list' }> => r.state === 'list');
  if (lists.length > 0) return lists.every((r) => r.more) ? 'cut' : 'whole';
  return answers.some((r) => r.state === 'failed' && r.reason !== 'forbidden' && r.reason !== 'unauthorized') ? 'failed' : 'whole';
}

/**
 * A target's own event pair, read when the namespace's lists did not give every event. After
 * lists that failed it joins their anyOf: their failure is not reported once its own events came.
 */
function ownEventReads(shared: FetchSpec[], state: 'cut' | 'failed', kind: string, ns: string, name: string): FetchSpec[] {
  const own = eventSpecs(kind, ns, name, 'both');
  return state === 'failed' ? own.map((s) => ({ ...s, anyOf: shared[0]!.anyOf! })) : own;
}

/** The pod event reads of a target: its own pair, or the namespace's (plus its own when those did not give every event). */
function podEventSpecs(t: Target, ns: string, group: GroupContext, results?: Results): FetchSpec[] {
  const shared = sharedReads(t, ns, group)?.events;
  if (!shared) return eventSpecs('Pod', ns, t.name, 'both');
  const state = results ? namespaceEvents(shared, results) : 'whole';
  return state === 'whole' ? shared : [...shared, ...ownEventReads(shared, state, 'Pod', ns, t.name)];
}

/** The object an event is about, through either API group's field. */
export const involved = (e: KubeObject): Record<string, unknown> => rec(e['involvedObject'] ?? e['regarding']);

/** `Kind/name` of the object an event is about. */
const aboutKey = (e: KubeObject): string => `${String(involved(e)['kind'])}/${String(involved(e)['name'])}`;

/** The pod itself: read by name, or found in its batch's list. */
function podOf(t: Target, ns: string, results: Results, batch: PodBatch | undefined): KubeObject | undefined {
  return objectOf(results, targetSpec(t)!) ?? (batch ? itemsOf(results, batch.list).find((p) => meta(p).name === t.name) : undefined);
}

/**
 * Whose previous log is read for the pod: for a batched pod OOMKilled (the alert about that
 * container, or naming none), the first pod of its batch by name, present in the batch's list,
 * OOMKilled the same way; else the pod itself.
 */
function logSubject(t: Target, pod: KubeObject, results: Results, batch: PodBatch | undefined): { name: string; pod: KubeObject; container?: string } {
  const own = { name: t.name, pod, ...(t.container ? { container: t.container } : {}) };
  const sig = batch ? failureSignature(pod) : undefined;
  const [container, , lastReason] = sig?.split('|') ?? [];
  // Only OOM kills share a log: their diagnosis comes from the pod's status, while the rules that
  // read logs (application errors, DNS, connections, permissions) read the pod's own.
  if (!batch || lastReason !== 'OOMKilled' || (t.container && t.container !== container)) return own;
  const listed = new Map(itemsOf(results, batch.list).map((p) => [meta(p).name, p] as const));
  for (const name of batch.members) {
    const p = listed.get(name);
    if (p && failureSignature(p) === sig) return { name, pod: p, ...(t.container ? { container: t.container } : {}) };
  }
  return own;
}

/** A batched pod is read from its batch's list or, failing that, by name: one anyOf per pod. */
const podAnyOf = (ns: string, name: string) => `pod ${ns}/${name}`;

function podRound1(t: Target, ns: string, group: GroupContext): FetchSpec[] {
  const batch = podBatch(t, ns, group);
  const specs = [batch ? { ...batch.list, anyOf: podAnyOf(ns, t.name) } : targetSpec(t)!, ...podEventSpecs(t, ns, group)];
  for (const g of guessPodOwners(t.name)) {
    specs.push(getSpec(resourceForKind(g.kind)!, ns, g.name, 'optional', `owner guessed from the pod name`));
  }
  specs.push(listSpec(RESOURCES.services, ns, 'required', 'Services that may select the pod', { limit: LIMITS.services }));
  return specs;
}

function podRound2(t: Target, ns: string, results: Results, group: GroupContext): FetchSpec[] {
  const batch = podBatch(t, ns, group);
  const events = podEventSpecs(t, ns, group, results);
  const pod = podOf(t, ns, results, batch);
  // Batched, and not in the list: read it by name (gone, or labelled unlike its name); the rest follows in round 3.
  if (!pod) return batch ? [{ ...targetSpec(t)!, anyOf: podAnyOf(ns, t.name) }, ...events] : [];
  return [...events, ...podFollowUps(t, ns, pod, results, group, batch)];
}

function podRound3(t: Target, ns: string, results: Results, group: GroupContext): FetchSpec[] {
  const batch = podBatch(t, ns, group);
  if (!batch) return [];
  const byName = objectOf(results, targetSpec(t)!);
  if (byName) return podFollowUps(t, ns, byName, results, group, undefined);
  // The log it shared did not come (that pod's node gone, its kubelet down, the pod or its previous
  // instance gone since the list): its own, now.
  const pod = podOf(t, ns, results, batch);
  if (!pod) return [];
  const subject = logSubject(t, pod, results, batch);
  const missed = logSpecs(t, ns, subject).some((s) => {
    const r = results.get(s.key);
    return r !== undefined && r.state !== 'log';
  });
  if (subject.name === t.name || !missed) return [];
  return logSpecs(t, ns, { name: t.name, pod, ...(t.container ? { container: t.container } : {}) });
}

/**
 * The log reads for a pod target: of the pod itself, or of the batch's pod it shares an OOM kill
 * with. They form one anyOf per container of the target, so a shared log that did not come is not
 * reported once the pod's own was read in its place (round 3).
 */
function logSpecs(t: Target, ns: string, subject: { name: string; pod: KubeObject; container?: string }): FetchSpec[] {
  const node = rec(subject.pod['spec'])['nodeName'];
  return podLogPlan(subject.pod, subject.container)
    .map((l) => {
      const why = subject.name !== t.name
        ? `previous instance of ${l.container} in ${subject.name}, OOMKilled like this pod (same ReplicaSet)`
        : l.previous ? 'previous instance of a restarted container' : 'current log of a failing container';
      return { ...logSpec(ns, subject.name, l.container, l.previous, typeof node === 'string' && node ? node : undefined, why), anyOf: `log of ${l.container} for pod ${ns}/${t.name}` };
    });
}

/** Owners guessed from the pod's name that the API confirmed. */
function guessedOwners(t: Target, ns: string, results: Results): Map<string, KubeObject> {
  const guessed = new Map<string, KubeObject>();
  for (const g of guessPodOwners(t.name)) {
    const o = objectOf(results, getSpec(resourceForKind(g.kind)!, ns, g.name, 'optional', ''));
    if (o) guessed.set(`${g.kind}/${g.name}`, o);
  }
  return guessed;
}

/**
 * The pod's owners (its controller, and the Deployment or CronJob above it), each with whether its
 * events are worth reading: the Deployment's rollouts ("Scaled up replica set ..."); a ReplicaSet
 * under a Deployment only says "Created pod", and its FailedCreate is already in its conditions.
 */
function podOwners(pod: KubeObject, guessed: Map<string, KubeObject>): Array<{ kind: string; name: string; events: boolean }> {
  const owners: Array<{ kind: string; name: string }> = [];
  const ref = controllerRef(pod);
  if (ref?.kind && ref.name) {
    owners.push({ kind: ref.kind, name: ref.name });
    if (ref.kind === 'ReplicaSet') {
      const rs = guessed.get(`ReplicaSet/${ref.name}`);
      const rsOwner = rs ? controllerRef(rs) : undefined;
      const hash = meta(pod).labels?.['pod-template-hash'];
      const deployment = rsOwner?.kind === 'Deployment' && rsOwner.name
        ? rsOwner.name
        : !rs && hash && ref.name.endsWith(`-${hash}`) ? ref.name.slice(0, -(hash.length + 1)) : undefined;
      if (deployment) owners.push({ kind: 'Deployment', name: deployment });
    } else if (ref.kind === 'Job') {
      const cj = CRONJOB_JOB.exec(ref.name);
      if (cj) owners.push({ kind: 'CronJob', name: cj[1]! });
    }
  }
  const hasDeployment = owners.some((o) => o.kind === 'Deployment');
  return owners.map((o) => ({ ...o, events: !(o.kind === 'CronJob' || (o.kind === 'ReplicaSet' && hasDeployment)) }));
}

/** Names of the Services of the namespace that select the pod (at most servicesPerPod). */
function selectingServices(pod: KubeObject, ns: string, results: Results): string[] {
  return itemsOf(results, listSpec(RESOURCES.services, ns, 'required', '', { limit: LIMITS.services }))
    .filter((s) => matchesMap(meta(pod).labels, rec(s['spec'])['selector']))
    .map((s) => meta(s).name)
    .filter((n): n is string => !!n)
    .sort()
    .slice(0, LIMITS.servicesPerPod);
}

/** What the pod's own object leads to: logs, node, owners, claims, Services' EndpointSlices, quota. */
function podFollowUps(t: Target, ns: string, pod: KubeObject, results: Results, group: GroupContext, batch: PodBatch | undefined): FetchSpec[] {
  const out: FetchSpec[] = [];
  const spec = rec(pod['spec']);
  const node = typeof spec['nodeName'] === 'string' && spec['nodeName'] ? (spec['nodeName'] as string) : undefined;

  // Logs: the pod's own, or those of the batch's first pod OOMKilled the same way.
  out.push(...logSpecs(t, ns, logSubject(t, pod, results, batch)));
  // Node.
  if (node) out.push(getSpec(RESOURCES.nodes, undefined, node, 'required', 'the node the pod runs on'));

  // Owners: confirm guesses, fetch what they missed, and read the owners' events (unless the
  // namespace's events were read whole).
  const guessed = guessedOwners(t, ns, results);
  const ownEvents = !sharedEventsWhole(t, ns, group, results);
  for (const o of podOwners(pod, guessed)) {
    const r = resourceForKind(o.kind);
    if (!r) continue;
    if (!guessed.has(`${o.kind}/${o.name}`)) out.push(getSpec(r, ns, o.name, 'optional', `owner of the pod (ownerReferences)`));
    if (o.events && ownEvents) out.push(...eventSpecs(o.kind, ns, o.name, 'core'));
  }

  // Storage: claims the pod mounts, and the StorageClasses (small, cluster-scoped) in the same round.
  const claims = claimNames(pod).slice(0, LIMITS.pvcsPerPod);
  for (const c of claims) out.push(getSpec(RESOURCES.persistentVolumeClaims, ns, c, 'required', 'a claim the pod mounts'));
  if (claims.length > 0) out.push(listSpec(RESOURCES.storageClasses, undefined, 'required', 'StorageClasses of the claims', { limit: LIMITS.storageClasses }));

  // Networking: EndpointSlices of the Services that select this pod (or the namespace's, shared by
  // the group). Optional: no pod rule needs them, and before 1.21 discovery.k8s.io/v1 is not
  // served (a 404 here is not worth a partial).
  const services = selectingServices(pod, ns, results);
  const shared = sharedReads(t, ns, group);
  if (shared && services.length > 0) out.push(shared.endpointSlices);
  else for (const s of services) {
    out.push(listSpec(RESOURCES.endpointSlices, ns, 'optional', `EndpointSlices of Service ${s}`, { labelSelector: `kubernetes.io/service-name=${s}`, limit: LIMITS.small }));
  }

  // Quota: a FailedCreate/quota hint in round 1 (pod events, owner conditions).
  const events = eventsIn(results, podEventSpecs(t, ns, group, results)).filter((e) => involved(e)['name'] === t.name);
  out.push(...quotaSpecs(ns, hints([...guessed.values()], events)));
  return out;
}

// --- Workloads -------------------------------------------------------------------------------

/**
 * A workload's event reads: its own pair and the namespace's Warning events, or the namespace's
 * events the group reads (plus its own reads when those did not give every event).
 */
function workloadEventSpecs(t: Target, ns: string, group: GroupContext, results?: Results): FetchSpec[] {
  const shared = sharedReads(t, ns, group)?.events;
  if (!shared) return [...eventSpecs(t.kind, ns, t.name, 'both'), namespaceWarnings(ns)];
  const state = results ? namespaceEvents(shared, results) : 'whole';
  return state === 'whole' ? shared : [...shared, ...ownEventReads(shared, state, t.kind, ns, t.name), namespaceWarnings(ns)];
}

/** The workload's own events and the Warning events about it or objects named after it (its pods, ReplicaSets, Jobs). */
function workloadEvents(t: Target, ns: string, results: Results, group: GroupContext): KubeObject[] {
  const own = `${t.kind}/${t.name}`;
  const prefix = generatedPrefix(t.name);
  return eventsIn(results, workloadEventSpecs(t, ns, group, results)).filter((e) => {
    if (aboutKey(e) === own) return true;
    const name = String(involved(e)['name'] ?? '');
    return e['type'] === 'Warning' && (name === t.name || name.startsWith(prefix));
  });
}

/** Quota and LimitRange reads when the workload's conditions or events hint at them. */
function workloadQuotaSpecs(t: Target, ns: string, results: Results, group: GroupContext): FetchSpec[] {
  const wl = objectOf(results, targetSpec(t)!);
  return wl ? quotaSpecs(ns, hints([wl], workloadEvents(t, ns, results, group))) : [];
}

function workloadRound1(t: Target, ns: string, group: GroupContext): FetchSpec[] {
  const out = [targetSpec(t)!, ...workloadEventSpecs(t, ns, group)];
  if (t.kind === 'CronJob') out.push(listSpec(RESOURCES.jobs, ns, 'required', 'Jobs of the namespace (owned by the CronJob?)', { limit: LIMITS.jobs }));
  return out;
}

function newestOwnedJob(t: Target, results: Results, ns: string): KubeObject | undefined {
  const jobs = itemsOf(results, listSpec(RESOURCES.jobs, ns, 'required', '', { limit: LIMITS.jobs }))
    .filter((j) => (meta(j).ownerReferences ?? []).some((o) => o.kind === 'CronJob' && o.name === t.name));
  return jobs.sort((a, b) => String(meta(b).creationTimestamp ?? '').localeCompare(String(meta(a).creationTimestamp ?? '')))[0];
}

function workloadPodsSpec(t: Target, ns: string, results: Results): FetchSpec | undefined {
  let selector: string | undefined;
  let why = `pods selected by ${t.kind} ${t.name}`;
  if (t.kind === 'CronJob') {
    const job = newestOwnedJob(t, results, ns);
    if (!job) return undefined;
    selector = selectorString(rec(job['spec'])['selector']) ?? (meta(job).name ? `job-name=${meta(job).name}` : undefined);
    why = `pods of Job ${meta(job).name}, the newest of CronJob ${t.name}`;
  } else {
    const wl = objectOf(results, targetSpec(t)!);
    if (!wl) return undefined;
    selector = selectorString(rec(wl['spec'])['selector']);
  }
  return selector ? listSpec(RESOURCES.pods, ns, 'required', why, { labelSelector: selector, limit: LIMITS.podsBySelector }) : undefined;
}

function workloadRound2(t: Target, ns: string, results: Results, group: GroupContext): FetchSpec[] {
  const wl = objectOf(results, targetSpec(t)!);
  // The workload's own event reads, when the namespace's were cut or failed.
  // A copy: the specs may be the group's shared lists, and this round adds to it. (planRound leaves
  // out what was already read: the shared lists, or the own reads of round 1.)
  const out: FetchSpec[] = [...workloadEventSpecs(t, ns, group, results)];
  const pods = workloadPodsSpec(t, ns, results);
  if (pods) out.push(pods);
  if (!wl) return out;
  const spec = rec(wl['spec']);
  if (t.kind === 'Deployment') {
    const sel = selectorString(spec['selector']);
    if (sel) out.push(listSpec(RESOURCES.replicaSets, ns, 'required', `ReplicaSets of Deployment ${t.name}`, { labelSelector: sel, limit: LIMITS.replicaSets }));
  }
  if (t.kind === 'ReplicaSet') {
    const ref = controllerRef(wl);
    if (ref?.kind === 'Deployment' && ref.name) {
      out.push(getSpec(RESOURCES.deployments, ns, ref.name, 'optional', 'the Deployment owning the ReplicaSet'));
      if (!sharedEventsWhole(t, ns, group, results)) out.push(...eventSpecs('Deployment', ns, ref.name, 'core'));
    }
  }
  if (t.kind === 'StatefulSet') {
    const templates = arr<KubeObject>(spec['volumeClaimTemplates']).map((c) => meta(c).name).filter((n): n is string => !!n);
    const replicas = Math.min(typeof spec['replicas'] === 'number' ? (spec['replicas'] as number) : 1, LIMITS.statefulSetClaims);
    for (const tpl of templates) {
      for (let i = 0; i < replicas; i++) {
        out.push(getSpec(RESOURCES.persistentVolumeClaims, ns, `${tpl}-${t.name}-${i}`, 'optional', `claim of ordinal ${i} (volumeClaimTemplate ${tpl})`));
      }
    }
    if (templates.length > 0) out.push(listSpec(RESOURCES.storageClasses, undefined, 'required', 'StorageClasses of the claim templates', { limit: LIMITS.storageClasses }));
  }
  out.push(...workloadQuotaSpecs(t, ns, results, group));
  return out;
}

function workloadRound3(t: Target, ns: string, results: Results, group: GroupContext): FetchSpec[] {
  // Quota hints in the events the workload read itself in round 2 (the namespace's were cut or failed).
  const ownReadsInRound2 = !!sharedReads(t, ns, group) && !sharedEventsWhole(t, ns, group, results);
  const quota = ownReadsInRound2 ? workloadQuotaSpecs(t, ns, results, group) : [];
  const podsSpec = workloadPodsSpec(t, ns, results);
  if (!podsSpec) return quota;
  const pods = [...itemsOf(results, podsSpec)].sort((a, b) => restartsOf(b) - restartsOf(a) || String(meta(a).name).localeCompare(String(meta(b).name)));
  const seen = new Set<string>();
  const out: FetchSpec[] = [];
  for (const pod of pods) {
    if (seen.size >= LIMITS.failingPods) break;
    const sig = failureSignature(pod);
    const name = meta(pod).name;
    if (!sig || !name || seen.has(sig)) continue;
    seen.add(sig);
    const node = rec(pod['spec'])['nodeName'];
    const container = sig.split('|')[0]!;
    const plan = podLogPlan(pod, container).filter((l) => l.container === container);
    for (const l of plan) {
      out.push(logSpec(ns, name, l.container, l.previous, typeof node === 'string' ? node : undefined, `log of failing pod ${name} (${sig})`));
    }
  }
  return [...out, ...quota];
}

// --- Other targets ---------------------------------------------------------------------------

const serviceEndpointsAnyOf = (t: Target, ns: string) => `endpoints of Service ${ns}/${t.name}`;
const serviceSlices = (t: Target, ns: string, r: ResourceType): FetchSpec =>
  listSpec(r, ns, 'required', `EndpointSlices of Service ${t.name}`, { labelSelector: `kubernetes.io/service-name=${t.name}`, limit: LIMITS.small, anyOf: serviceEndpointsAnyOf(t, ns) });

function serviceRound1(t: Target, ns: string): FetchSpec[] {
  return [
    targetSpec(t)!,
    ...eventSpecs('Service', ns, t.name, 'both'),
    serviceSlices(t, ns, RESOURCES.endpointSlices),
    getSpec(RESOURCES.endpoints, ns, t.name, 'optional', `Endpoints of Service ${t.name}`, serviceEndpointsAnyOf(t, ns)),
  ];
}

function serviceRound2(t: Target, ns: string, results: Results): FetchSpec[] {
  const out: FetchSpec[] = [];
  const svc = objectOf(results, targetSpec(t)!);
  const sel = svc ? selectorString(rec(rec(svc['spec'])['selector'])) : undefined;
  if (sel) out.push(listSpec(RESOURCES.pods, ns, 'required', `pods selected by Service ${t.name}`, { labelSelector: sel, limit: LIMITS.podsBySelector }));
  // A list answered 404 means the group/version is not served: before 1.21 EndpointSlices were
  // discovery.k8s.io/v1beta1 only, and the Endpoints alternative is often not granted.
  const v1 = results.get(serviceSlices(t, ns, RESOURCES.endpointSlices).key);
  if (v1?.state === 'failed' && v1.status === 404) out.push(serviceSlices(t, ns, RESOURCES.endpointSlicesV1beta1));
  return out;
}

function nodeRound1(t: Target): FetchSpec[] {
  return [
    targetSpec(t)!,
    ...eventSpecs('Node', undefined, t.name, 'both'),
    listSpec(RESOURCES.pods, undefined, 'required', `pods on node ${t.name}`, { fieldSelector: `spec.nodeName=${t.name}`, limit: LIMITS.podsOnNode }),
  ];
}

// A claim's users cannot be selected by label or field: the namespace's pods, bounded.
const namespacePods = (ns: string): FetchSpec =>
  listSpec(RESOURCES.pods, ns, 'required', `pods of namespace ${ns} (which mount the claim)`, { limit: LIMITS.podsInNamespace });

function pvcRound1(t: Target, ns: string): FetchSpec[] {
  return [
    targetSpec(t)!,
    ...eventSpecs('PersistentVolumeClaim', ns, t.name, 'both'),
    listSpec(RESOURCES.storageClasses, undefined, 'required', 'StorageClasses', { limit: LIMITS.storageClasses }),
    namespacePods(ns),
  ];
}

function pvcRound2(t: Target, ns: string, results: Results): FetchSpec[] {
  const out: FetchSpec[] = [];
  const pvc = objectOf(results, targetSpec(t)!);
  const volume = pvc ? rec(pvc['spec'])['volumeName'] : undefined;
  if (typeof volume === 'string' && volume) out.push(getSpec(RESOURCES.persistentVolumes, undefined, volume, 'required', 'the volume bound to the claim'));
  const users = itemsOf(results, namespacePods(ns))
    .filter((p) => claimNames(p).includes(t.name))
    .map((p) => meta(p).name)
    .filter((n): n is string => !!n)
    .sort()
    .slice(0, LIMITS.consumerPods);
  for (const u of users) out.push(...eventSpecs('Pod', ns, u, 'core'));
  return out;
}

function pvRound1(t: Target): FetchSpec[] {
  return [
    targetSpec(t)!,
    ...eventSpecs('PersistentVolume', undefined, t.name, 'both'),
    listSpec(RESOURCES.storageClasses, undefined, 'required', 'StorageClasses', { limit: LIMITS.storageClasses }),
  ];
}

function pvRound2(t: Target, results: Results): FetchSpec[] {
  const pv = objectOf(results, targetSpec(t)!);
  const claim = rec(rec(pv?.['spec'])['claimRef']);
  return typeof claim['name'] === 'string' && typeof claim['namespace'] === 'string'
    ? [getSpec(RESOURCES.persistentVolumeClaims, claim['namespace'], claim['name'], 'optional', 'the claim bound to the volume')]
    : [];
}

function hpaRound2(t: Target, ns: string, results: Results): FetchSpec[] {
  const hpa = objectOf(results, targetSpec(t)!);
  const ref = rec(rec(hpa?.['spec'])['scaleTargetRef']);
  const r = typeof ref['kind'] === 'string' ? resourceForKind(ref['kind']) : undefined;
  return r && r.namespaced && typeof ref['name'] === 'string' ? [getSpec(r, ns, ref['name'], 'required', 'the HPA scale target')] : [];
}

function pdbRound2(t: Target, ns: string, results: Results): FetchSpec[] {
  const pdb = objectOf(results, targetSpec(t)!);
  const sel = pdb ? selectorString(rec(pdb['spec'])['selector']) : undefined;
  return sel ? [listSpec(RESOURCES.pods, ns, 'required', `pods selected by PodDisruptionBudget ${t.name}`, { labelSelector: sel, limit: LIMITS.podsBySelector })] : [];
}

// ---------------------------------------------------------------------------------------------
// Entry point

/**
 * The fetches of `round` (1-based) for `target`, given every result so far. Returns [] when
 * there is nothing more to read. Fetches already in `results` are left out.
 */
export function planRound(target: Target, round: number, results: Results, group: GroupContext = SOLO): FetchSpec[] {
  if (targetProblem(target) || round < 1 || round > maxRounds(target.kind)) return [];
  const ns = target.namespace ?? '';
  let specs: FetchSpec[] = [];
  const k = target.kind;
  if (k === 'Pod') specs = round === 1 ? podRound1(target, ns, group) : round === 2 ? podRound2(target, ns, results, group) : podRound3(target, ns, results, group);
  else if (WORKLOADS.has(k)) specs = round === 1 ? workloadRound1(target, ns, group) : round === 2 ? workloadRound2(target, ns, results, group) : workloadRound3(target, ns, results, group);
  else if (k === 'Service') specs = round === 1 ? serviceRound1(target, ns) : serviceRound2(target, ns, results);
  else if (k === 'Node') specs = nodeRound1(target);
  else if (k === 'PersistentVolumeClaim') specs = round === 1 ? pvcRound1(target, ns) : pvcRound2(target, ns, results);
  else if (k === 'PersistentVolume') specs = round === 1 ? pvRound1(target) : pvRound2(target, results);
  else if (k === 'ResourceQuota') specs = [targetSpec(target)!, ...eventSpecs('ResourceQuota', ns, target.name, 'both'), namespaceWarnings(ns)];
  else if (k === 'HorizontalPodAutoscaler') specs = round === 1 ? [targetSpec(target)!, ...eventSpecs(k, ns, target.name, 'both')] : hpaRound2(target, ns, results);
  else if (k === 'PodDisruptionBudget') specs = round === 1 ? [targetSpec(target)!, ...eventSpecs(k, ns, target.name, 'both')] : pdbRound2(target, ns, results);
  const seen = new Set<string>();
  return specs.filter((s) => {
    if (results.has(s.key) || seen.has(s.key)) return false;
    seen.add(s.key);
    return true;
  });
}

/**
 * The items of a list that belong to `target`'s evidence. Lists a group shares (a batch's pods,
 * a namespace's events and EndpointSlices) hold other alerts' objects too: a pod keeps itself and
 * the pod whose log it reads, its own and its owners' events, and the EndpointSlices of the
 * Services that select it; a workload keeps its own events and the Warning ones (workloadItems).
 * Other lists are kept whole.
 */
export function itemsFor(target: Target, spec: FetchSpec, items: KubeObject[], results: Results, group: GroupContext = SOLO): KubeObject[] {
  if (!target.namespace || spec.kind !== 'list') return items;
  if (WORKLOADS.has(target.kind)) return workloadItems(target, target.namespace, spec, items, results, group);
  if (target.kind !== 'Pod') return items;
  const ns = target.namespace;
  const batch = podBatch(target, ns, group);
  const pod = podOf(target, ns, results, batch);
  if (batch && spec.key === batch.list.key) {
    const subject = pod ? logSubject(target, pod, results, batch).name : target.name;
    return items.filter((p) => meta(p).name === target.name || meta(p).name === subject);
  }
  const shared = sharedReads(target, ns, group);
  if (!shared) return items;
  if (shared.events.some((s) => s.key === spec.key)) {
    // Its own events, and those of the owners whose events it would read on its own.
    const about = new Set([`Pod/${target.name}`]);
    if (pod) for (const o of podOwners(pod, guessedOwners(target, ns, results))) if (o.events) about.add(`${o.kind}/${o.name}`);
    return items.filter((e) => about.has(aboutKey(e)));
  }
  if (spec.key === shared.endpointSlices.key) {
    const services = new Set(pod ? selectingServices(pod, ns, results) : []);
    return items.filter((slice) => services.has(meta(slice).labels?.['kubernetes.io/service-name'] ?? ''));
  }
  return items;
}

/**
 * A workload keeps of the namespace's shared events what it reads on its own: its events, the
 * Deployment's above a ReplicaSet, and the Warning events (as the namespace's Warning list).
 */
function workloadItems(t: Target, ns: string, spec: FetchSpec, items: KubeObject[], results: Results, group: GroupContext): KubeObject[] {
  const shared = sharedReads(t, ns, group);
  if (!shared?.events.some((s) => s.key === spec.key)) return items;
  const about = new Set([`${t.kind}/${t.name}`]);
  const owner = t.kind === 'ReplicaSet' ? controllerRef(objectOf(results, targetSpec(t)!)) : undefined;
  if (owner?.kind === 'Deployment' && owner.name) about.add(`Deployment/${owner.name}`);
  return items.filter((e) => e['type'] === 'Warning' || about.has(aboutKey(e)));
}
