// Pods the scheduler cannot place: read from PodScheduled=False (Unschedulable) and FailedScheduling
// events in both the old and the 1.24+ message formats, plus cluster-autoscaler NotTriggerScaleUp
// events. The primary is the reason that blocks the most nodes; nodes excluded by design (the
// control-plane taint, a DaemonSet pod's pinning to its own node) never count as the cause.
import type { EvidenceLine, Finding, NextStep, RuleDefinition, RuleFamily } from '../types.ts';
import { compareTimes, type Node, type NormalizedEvent, type PersistentVolumeClaim, type Pod } from '../kube.ts';
import { metaOf, type Snapshot } from '../snapshot.ts';
import { eventEvidence, fieldEvidence, ownerWorkload, podEvents, podRef, workloadArg } from '../pod-view.ts';
import { kubectl } from '../next-steps.ts';
import { DOCS } from '../docs-links.ts';
import {
  parseSchedulerMessage, rankKinds, EXPECTED_TAINT_KEYS,
  type RankedKind, type SchedulerMessage, type SchedulingKind, type SchedulingReason, type Taint,
} from '../scheduler-message.ts';

// ---------------------------------------------------------------------------------------------
// Next steps
// ---------------------------------------------------------------------------------------------

const podOf = (f: Finding) => ({ kind: 'Pod', namespace: f.subject.namespace ?? '', name: f.subject.name });
const nsFlag = (f: Finding) => (f.subject.namespace ? `-n ${f.subject.namespace} ` : '');
const describePod = (f: Finding) => kubectl.describe(podOf(f), 'The scheduler\'s latest FailedScheduling message and the pod\'s requests, tolerations and affinity');
const allocatable = kubectl.custom(
  'kubectl get nodes -o custom-columns=NAME:.metadata.name,CPU:.status.allocatable.cpu,MEMORY:.status.allocatable.memory,PODS:.status.allocatable.pods,UNSCHEDULABLE:.spec.unschedulable,TAINTS:.spec.taints[*].key',
  'What each node can offer (allocatable), and which nodes are cordoned or tainted');
const describeNodes = kubectl.custom('kubectl describe nodes', 'Per node, "Allocated resources": requests already placed against allocatable');
const topNodes = kubectl.custom('kubectl top nodes', 'Actual use per node (requests, not use, decide scheduling)');
const taints = kubectl.custom('kubectl get nodes -o custom-columns=NAME:.metadata.name,TAINTS:.spec.taints', 'Every node\'s taints (key=value:effect)');
const podField = (f: Finding, path: string, why: string) => kubectl.jsonpath(podOf(f), path, why);
const podRequests = (f: Finding) => podField(f, '{range .spec.containers[*]}{.name}{"\\t"}{.resources.requests}{"\\n"}{end}', 'The requests of each container: the scheduler needs them free on one node');

function ownerOf(f: Finding): { kind: string; name: string; arg: string } | undefined {
  const o = f.vars?.['owner'];
  const [kind, name] = o ? o.split('/') : [];
  return kind && name ? { kind, name, arg: o! } : undefined;
}

function lowerRequests(f: Finding, resource: string): NextStep[] {
  const o = ownerOf(f);
  if (!o || o.kind === 'job' || o.kind === 'pod') return [];
  const container = f.vars?.['container'] ?? f.subject.container;
  return [kubectl.custom(`kubectl ${nsFlag(f)}set resources ${o.arg}${container ? ` -c ${container}` : ''} --requests=${resource}=<lower>`,
    `Lower the ${resource} request on the owner so the pod fits a node (revert with the previous value)`, 'reversible')];
}

const ownerTemplate = (f: Finding, path: string, why: string): NextStep[] => {
  const o = ownerOf(f);
  return o ? [kubectl.custom(`kubectl ${nsFlag(f)}get ${o.arg} -o jsonpath='${path}'`, why)] : [];
};

const capacitySteps = (resource: string) => (f: Finding): NextStep[] => [
  describePod(f), podRequests(f), allocatable, describeNodes, topNodes, ...lowerRequests(f, f.vars?.['resource'] ?? resource),
];

// ---------------------------------------------------------------------------------------------
// Rules
// ---------------------------------------------------------------------------------------------

const rule = (id: SchedulingKind, title: string, meaning: string, evidenceNeeded: string, docs: string, nextSteps: (f: Finding) => NextStep[], runbookAlert?: string): RuleDefinition =>
  ({ id: `scheduling.${id}`, title, layer: 'scheduling', meaning, evidenceNeeded, docs, nextSteps, ...(runbookAlert ? { runbookAlert } : {}) });

const SCHEDULER_EVIDENCE = 'A Pending, unscheduled pod whose PodScheduled=False (Unschedulable) condition or FailedScheduling event';

export const insufficientCpu = rule('insufficient-cpu', 'Unschedulable: not enough CPU on any node',
  'No node has enough unrequested allocatable CPU for the pod\'s CPU requests, so it stays Pending.',
  `${SCHEDULER_EVIDENCE} reports "Insufficient cpu" for most nodes.`, DOCS.resources, capacitySteps('cpu'), 'KubePodNotReady');

export const insufficientMemory = rule('insufficient-memory', 'Unschedulable: not enough memory on any node',
  'No node has enough unrequested allocatable memory for the pod\'s memory requests, so it stays Pending.',
  `${SCHEDULER_EVIDENCE} reports "Insufficient memory" for most nodes.`, DOCS.resources, capacitySteps('memory'), 'KubePodNotReady');

export const insufficientResource = rule('insufficient-resource', 'Unschedulable: not enough of another resource',
  'No node has enough of a requested resource other than CPU and memory (ephemeral-storage, GPUs or other extended resources, or pod slots: "Too many pods").',
  `${SCHEDULER_EVIDENCE} reports "Insufficient <resource>" (not cpu/memory) or "Too many pods" for most nodes.`, DOCS.resources,
  (f) => [describePod(f), podRequests(f), allocatable,
    kubectl.custom(`kubectl get nodes -o custom-columns=NAME:.metadata.name,ALLOCATABLE:.status.allocatable`, 'Every allocatable resource per node, extended resources (GPUs) included'),
    describeNodes, ...(f.vars?.['resource'] && f.vars['resource'] !== 'pods' && !f.vars['resource'].includes(' ') ? lowerRequests(f, f.vars['resource']) : [])],
  'KubePodNotReady');

export const untoleratedTaint = rule('untolerated-taint', 'Unschedulable: nodes have taints the pod does not tolerate',
  'The candidate nodes carry taints (dedicated pools, NotReady/unreachable nodes, control plane) that the pod has no toleration for.',
  `${SCHEDULER_EVIDENCE} reports "node(s) had untolerated taint" / "had taint {...}, that the pod didn't tolerate" for most nodes.`, DOCS.taints,
  (f) => [describePod(f), taints, podField(f, '{.spec.tolerations}', 'The tolerations the pod has'),
    ...(f.vars?.['node'] ? [kubectl.describe({ kind: 'Node', name: f.vars['node'] }, 'The tainted node: its conditions explain NotReady/unreachable/pressure taints')] : []),
    ...ownerTemplate(f, '{.spec.template.spec.tolerations}', 'The tolerations in the owner\'s pod template, where a missing toleration is added')],
  'KubePodNotReady');

export const nodeSelectorMismatch = rule('node-selector-mismatch', 'Unschedulable: no node matches the node selector or affinity',
  'The pod\'s nodeSelector or required node affinity matches no (schedulable) node\'s labels.',
  `${SCHEDULER_EVIDENCE} reports "didn't match node selector" / "didn't match Pod's node affinity/selector" for most nodes.`, DOCS.assignPod,
  (f) => [describePod(f), podField(f, '{.spec.nodeSelector}{"\\n"}{.spec.affinity.nodeAffinity}', 'What the pod requires of a node'),
    kubectl.custom('kubectl get nodes --show-labels', 'The labels the nodes actually have'),
    ...ownerTemplate(f, '{.spec.template.spec.nodeSelector}', 'The node selector in the owner\'s pod template, where it is corrected')],
  'KubePodNotReady');

export const podAffinity = rule('pod-affinity', 'Unschedulable: pod affinity or anti-affinity cannot be satisfied',
  'Required inter-pod affinity or anti-affinity rules (often one replica per node with more replicas than nodes) leave no node.',
  `${SCHEDULER_EVIDENCE} reports "didn't match pod affinity/anti-affinity rules" or "didn't satisfy existing pods anti-affinity rules" for most nodes.`, DOCS.assignPod,
  (f) => [describePod(f), podField(f, '{.spec.affinity.podAffinity}{"\\n"}{.spec.affinity.podAntiAffinity}', 'The required affinity / anti-affinity terms'),
    kubectl.list('pods', f.subject.namespace, '-o wide --show-labels', 'Where the pods the rules refer to run now'),
    kubectl.custom('kubectl get nodes -L topology.kubernetes.io/zone', 'Nodes and zones available as topology domains')],
  'KubePodNotReady');

export const topologySpread = rule('topology-spread', 'Unschedulable: topology spread constraints cannot be satisfied',
  'A DoNotSchedule topology spread constraint would exceed its maxSkew on every node, or nodes lack the topology label.',
  `${SCHEDULER_EVIDENCE} reports "didn't match pod topology spread constraints" for most nodes.`, DOCS.topologySpread,
  (f) => [describePod(f), podField(f, '{.spec.topologySpreadConstraints}', 'The constraints: topologyKey, maxSkew, whenUnsatisfiable'),
    kubectl.custom('kubectl get nodes -L topology.kubernetes.io/zone,kubernetes.io/hostname', 'Which nodes carry the topology labels'),
    kubectl.list('pods', f.subject.namespace, '-o wide', 'How the matching pods are spread now')],
  'KubePodNotReady');

const claimSteps = (f: Finding): NextStep[] => {
  const claim = f.vars?.['claim'];
  return [kubectl.list('pvc', f.subject.namespace, '', 'The pod\'s claims and whether they are Bound'),
    ...(claim ? [kubectl.describe({ kind: 'PersistentVolumeClaim', namespace: f.subject.namespace ?? '', name: claim }, 'Why the claim is not bound (events from the PV controller/provisioner)')] : []),
    kubectl.custom('kubectl get storageclass', 'Available StorageClasses, the default, and their volumeBindingMode')];
};

export const unboundPvc = rule('unbound-pvc', 'Unschedulable: the pod\'s PersistentVolumeClaim is not bound',
  'The pod uses a PersistentVolumeClaim with Immediate binding that is not bound (or does not exist), so the scheduler will not place it.',
  `${SCHEDULER_EVIDENCE} reports "pod has unbound immediate PersistentVolumeClaims" or a missing claim.`, DOCS.persistentVolumes,
  (f) => [describePod(f), ...claimSteps(f)], 'KubePodNotReady');

export const volumeNodeAffinityConflict = rule('volume-node-affinity-conflict', 'Unschedulable: the volume is pinned to other nodes or zones',
  'A bound PersistentVolume\'s node affinity (its zone or local node) excludes every node the pod may use.',
  `${SCHEDULER_EVIDENCE} reports "node(s) had volume node affinity conflict" for most nodes.`, DOCS.persistentVolumes,
  (f) => [describePod(f), ...claimSteps(f),
    ...(f.vars?.['volume'] ? [kubectl.jsonpath({ kind: 'PersistentVolume', name: f.vars['volume'] }, '{.spec.nodeAffinity}', 'The zone/node the volume is pinned to')] : []),
    kubectl.custom('kubectl get nodes -L topology.kubernetes.io/zone', 'The zones the nodes are in')],
  'KubePodNotReady');

export const nodeUnschedulable = rule('node-unschedulable', 'Unschedulable: nodes are cordoned',
  'The nodes that could run the pod are marked unschedulable (cordoned, e.g. during a drain or upgrade).',
  `${SCHEDULER_EVIDENCE} reports "node(s) were unschedulable" for most nodes.`, DOCS.debugCluster,
  (f) => [describePod(f), kubectl.list('nodes', undefined, '', 'Cordoned nodes show SchedulingDisabled'),
    ...(f.vars?.['node'] ? [kubectl.describe({ kind: 'Node', name: f.vars['node'] }, 'Why the node was cordoned (events, annotations of the drain tool)'),
      kubectl.custom(`kubectl uncordon ${f.vars['node']}`, 'Only if the cordon is left over from finished maintenance (re-cordon to revert)', 'reversible')] : [])],
  'KubePodNotReady');

export const autoscalerMax = rule('autoscaler-max', 'Unschedulable and the cluster autoscaler cannot add nodes',
  'The pod does not fit the current nodes and the cluster autoscaler will not add one because the node groups that could fit it are at their maximum size (or a cluster-wide limit).',
  'A NotTriggerScaleUp event from cluster-autoscaler saying "max node group size reached" (or a max cluster limit) on a Pending pod.', DOCS.resources,
  (f) => [describePod(f), podRequests(f),
    kubectl.custom('kubectl -n kube-system get configmap cluster-autoscaler-status -o yaml', 'Per node group: current, min and max size as the autoscaler sees them'),
    kubectl.custom('kubectl get nodes -L node.kubernetes.io/instance-type,topology.kubernetes.io/zone', 'Which node groups/instance types exist now'),
    ...lowerRequests(f, f.vars?.['resource'] ?? 'cpu')],
  'KubePodNotReady');

export const portConflict = rule('port-conflict', 'Unschedulable: the requested host port is taken',
  'The pod asks for a hostPort that is already used on the candidate nodes (often more replicas than nodes, or a DaemonSet with the same port).',
  `${SCHEDULER_EVIDENCE} reports "node(s) didn't have free ports for the requested pod ports" for most nodes.`, DOCS.assignPod,
  (f) => [describePod(f), podField(f, '{range .spec.containers[*]}{.name}{"\\t"}{.ports}{"\\n"}{end}', 'The hostPorts the pod asks for'),
    kubectl.custom(`kubectl get pods -A -o jsonpath='{range .items[*]}{.spec.nodeName}{"\\t"}{.metadata.namespace}/{.metadata.name}{"\\t"}{.spec.containers[*].ports[*].hostPort}{"\\n"}{end}'`, 'Which pods already hold host ports on each node')],
  'KubePodNotReady');


// ---------------------------------------------------------------------------------------------
// Quantities
// ---------------------------------------------------------------------------------------------

const SUFFIX: Record<string, number> = {
  n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

/** A Kubernetes resource quantity ("500m", "1.5", "2Gi", "1e3", 4) as a number of base units. */
export function parseQuantity(q: unknown): number | undefined {
  if (typeof q === 'number') return Number.isFinite(q) ? q : undefined;
  if (typeof q !== 'string') return undefined;
  const m = /^\s*([+-]?(?:\d+(?:\.\d*)?|\.\d+))(?:[eE]([+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E))?\s*$/.exec(q);
  if (!m) return undefined;
  const base = Number(m[1]);
  if (m[2] !== undefined) return base * 10 ** Number(m[2]);
  return base * (SUFFIX[m[3] ?? ''] ?? 1);
}

const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;

/** Formats a quantity for a summary: cores/millicores for cpu, Mi/Gi for bytes, plain otherwise. */
export function formatQuantity(resource: string, value: number): string {
  if (resource === 'cpu') return value < 1 ? `${Math.round(value * 1000)}m` : String(round(value, 3));
  if (resource === 'memory' || resource === 'ephemeral-storage' || resource.startsWith('hugepages-')) {
    if (value >= 2 ** 30) return `${round(value / 2 ** 30, 2)}Gi`;
    if (value >= 2 ** 20) return `${round(value / 2 ** 20, 1)}Mi`;
    if (value >= 2 ** 10) return `${round(value / 2 ** 10, 1)}Ki`;
    return String(value);
  }
  return String(round(value, 3));
}

interface LooseContainer {
  name?: string;
  restartPolicy?: string;
  resources?: { requests?: Record<string, unknown>; limits?: Record<string, unknown> };
  ports?: Array<{ containerPort?: number; hostPort?: number; protocol?: string }>;
}

interface LoosePodSpec {
  containers?: LooseContainer[];
  initContainers?: LooseContainer[];
  overhead?: Record<string, unknown>;
  nodeSelector?: Record<string, string>;
  affinity?: { nodeAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: unknown }; podAffinity?: unknown; podAntiAffinity?: unknown };
  topologySpreadConstraints?: Array<{ maxSkew?: number; topologyKey?: string; whenUnsatisfiable?: string }>;
  tolerations?: Array<{ key?: string; operator?: string; value?: string; effect?: string }>;
  volumes?: Array<{ name?: string; persistentVolumeClaim?: { claimName?: string } }>;
}

interface Request {
  value: number;
  /** The quantity as written, when one container holds the whole request. */
  raw?: string;
  /** The container with the largest share. */
  container?: string;
  field?: string;
}

/** The pod's effective request for a resource: app containers (and sidecars) summed, init containers at their max, plus overhead. Requests default to limits. */
export function podRequest(pod: Pod, resource: string): Request | undefined {
  const spec = (pod.spec ?? {}) as LoosePodSpec;
  const of = (c: LooseContainer) => {
    const raw = c.resources?.requests?.[resource] ?? c.resources?.limits?.[resource];
    const value = parseQuantity(raw);
    return value === undefined ? undefined : { value, raw: String(raw), name: c.name ?? '' };
  };
  const app = [...(spec.containers ?? []), ...(spec.initContainers ?? []).filter((c) => c.restartPolicy === 'Always')]
    .map((c) => ({ c, q: of(c) })).filter((x) => x.q !== undefined);
  const init = (spec.initContainers ?? []).filter((c) => c.restartPolicy !== 'Always').map((c) => ({ c, q: of(c) })).filter((x) => x.q !== undefined);
  const overhead = parseQuantity(spec.overhead?.[resource]) ?? 0;
  const sum = app.reduce((n, x) => n + x.q!.value, 0);
  const maxInit = init.reduce((best, x) => (best && best.q!.value >= x.q!.value ? best : x), undefined as (typeof init)[number] | undefined);
  if (app.length === 0 && !maxInit) return undefined;
  const useInit = maxInit !== undefined && maxInit.q!.value > sum;
  const value = (useInit ? maxInit.q!.value : sum) + overhead;
  const top = useInit ? maxInit : app.reduce((best, x) => (best && best.q!.value >= x.q!.value ? best : x));
  const single = (useInit || app.length === 1) && overhead === 0;
  const kind = useInit ? 'initContainers' : 'containers';
  return {
    value,
    ...(single && top ? { raw: top.q!.raw } : {}),
    ...(top?.c.name ? { container: top.c.name, field: `spec.${kind}[${top.c.name}].resources.${top.c.resources?.requests?.[resource] !== undefined ? 'requests' : 'limits'}.${resource}` } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// Detection
// ---------------------------------------------------------------------------------------------

const byTime = (a: NormalizedEvent, b: NormalizedEvent) => compareTimes(a.lastTime ?? a.firstTime ?? '', b.lastTime ?? b.firstTime ?? '');
const CAPACITY = new Set<SchedulingKind>(['insufficient-cpu', 'insufficient-memory', 'insufficient-resource']);

function tolerates(tolerations: LoosePodSpec['tolerations'], taint: { key?: string; value?: string; effect?: string }): boolean {
  return (tolerations ?? []).some((t) => {
    if (t.effect && t.effect !== taint.effect) return false;
    if (t.operator === 'Exists') return !t.key || t.key === taint.key;
    return t.key === taint.key && (t.value ?? '') === (taint.value ?? '');
  });
}

function taintText(t: Taint, effect?: string): string {
  return `${t.key}${t.value ? `=${t.value}` : ''}${effect ? `:${effect}` : ''}`;
}

interface Ctx {
  snap: Snapshot;
  pod: Pod;
  spec: LoosePodSpec;
  ref: { kind: string; namespace: string; name: string };
  nodes: Node[];
  msg: SchedulerMessage | undefined;
  base: EvidenceLine[];
  owner: string | undefined;
  /** What the message counts: nodes (scheduler) or node groups (autoscaler). */
  unit: string;
}

/**
 * Marks reasons that are exclusions by design: taints with no key whose tainted nodes (from the
 * Node objects) are all control-plane nodes, and node-affinity misses of a DaemonSet pod, which is
 * pinned to one node on purpose.
 */
function markExpected(ctx: Ctx, msg: SchedulerMessage): SchedulerMessage {
  const daemon = (metaOf(ctx.pod).ownerReferences ?? []).some((o) => o.kind === 'DaemonSet');
  const untolerated = ctx.nodes.map((n) => ({ n, bad: (n.spec?.taints ?? []).filter((t) => (t.effect === 'NoSchedule' || t.effect === 'NoExecute') && !tolerates(ctx.spec.tolerations, t)) }))
    .filter((x) => x.bad.length > 0);
  const onlyControlPlane = untolerated.length > 0 && untolerated.every((x) => x.bad.every((t) => EXPECTED_TAINT_KEYS.has(t.key ?? '')));
  const reasons = msg.reasons.map((r): SchedulingReason => {
    if (r.kind === 'node-selector-mismatch' && daemon) return { ...r, expected: true };
    if (r.kind === 'untolerated-taint' && !r.taint && onlyControlPlane) return { ...r, expected: true };
    return r;
  });
  return { ...msg, reasons };
}

function findingsForPod(snap: Snapshot, pod: Pod): Finding[] {
  if (pod.spec?.nodeName) return [];
  const phase = pod.status?.phase;
  if (phase && phase !== 'Pending') return [];
  if (metaOf(pod).deletionTimestamp) return [];
  const ref = podRef(pod);
  const cond = (pod.status?.conditions ?? []).find((c) => c.type === 'PodScheduled' && c.status === 'False');
  const condMsg = cond?.message ? parseSchedulerMessage(cond.message) : undefined;
  const schedEvents = podEvents(snap, ref, /^FailedScheduling$/).filter((e) => parseSchedulerMessage(e.message)?.source === 'scheduler').sort(byTime);
  const latest = schedEvents.at(-1);
  const raw = condMsg?.source === 'scheduler' ? condMsg : latest ? parseSchedulerMessage(latest.message) : undefined;

  const base: EvidenceLine[] = [];
  if (cond && condMsg?.source === 'scheduler') base.push(fieldEvidence(ref, 'status.conditions[PodScheduled]', `False ${cond.reason ?? ''}: ${cond.message}`.replace(/\s+:/, ':')));
  if (latest) base.push(eventEvidence(latest));

  const owner = workloadArg(ownerWorkload(snap, pod));
  const ctx: Ctx = { snap, pod, spec: (pod.spec ?? {}) as LoosePodSpec, ref, nodes: snap.list<Node>('Node'), msg: undefined, base, owner, unit: 'node' };
  const msg = raw ? markExpected(ctx, raw) : undefined;
  ctx.msg = msg;

  const findings: Finding[] = [];
  const ranked = msg ? rankKinds(msg) : [];
  const primary = ranked[0];
  const exact = cond && condMsg?.source === 'scheduler' ? 0.9 : 0.85;
  ranked.forEach((rk, i) => {
    const total = msg!.total ?? 0;
    const share = total > 0 ? rk.nodes / total : 0.5;
    const confidence = i === 0 ? exact : rk.expectedOnly ? 0.3 : Math.min(0.7, 0.5 + 0.2 * share);
    findings.push(findingFor(ctx, rk, confidence, i === 0));
  });

  // The cluster autoscaler's view: why adding a node would not help.
  const scaleUp = podEvents(snap, ref, /^NotTriggerScaleUp$/).sort(byTime).at(-1);
  if (scaleUp) {
    const parsed = parseSchedulerMessage(scaleUp.message)
      ?? (/max node group size reached|limit reached/i.test(scaleUp.message) ? parseSchedulerMessage(`pod didn't trigger scale-up: ${scaleUp.message}`) : undefined);
    const max = parsed?.reasons.filter((r) => r.kind === 'autoscaler-max') ?? [];
    if (parsed && max.length > 0) {
      const capacity = !primary || CAPACITY.has(primary.kind);
      findings.push(autoscalerFinding(ctx, parsed, primary, scaleUp, capacity ? 0.92 : 0.7));
    }
    // Node-group reasons the scheduler message does not already give (e.g. its events expired).
    const seen = new Set(ranked.map((r) => r.kind));
    for (const rk of parsed ? rankKinds(parsed) : []) {
      if (rk.kind === 'autoscaler-max' || seen.has(rk.kind) || rk.expectedOnly) continue;
      findings.push(findingFor({ ...ctx, msg: parsed, base: [eventEvidence(scaleUp)], unit: 'node group' }, rk, msg ? 0.55 : 0.75, !msg));
    }
  }
  return findings;
}

function subjectOf(ctx: Ctx): Finding['subject'] {
  return { kind: 'Pod', namespace: ctx.ref.namespace, name: ctx.ref.name };
}

function nodesText(msg: SchedulerMessage | undefined, n: number, unit = 'node'): string {
  return msg?.total !== undefined ? `${n}/${msg.total} ${unit}s` : unit === 'node' ? `${n} node${n === 1 ? '' : 's'}` : `${n} ${unit}(s)`;
}

function reasonList(rk: RankedKind): string {
  return rk.reasons.map((r) => `${r.count} ${r.text}`).join(', ');
}

function findingFor(ctx: Ctx, rk: RankedKind, confidence: number, primary: boolean): Finding {
  const { ref, spec, nodes, snap } = ctx;
  const who = `Pod ${ref.namespace}/${ref.name} is Pending`;
  const n = nodesText(ctx.msg, rk.nodes, ctx.unit);
  const evidence = [...ctx.base];
  const vars: Record<string, string> = ctx.owner ? { owner: ctx.owner } : {};
  const finding = (summary: string): Finding => ({
    id: `scheduling.${rk.kind}`, confidence, subject: subjectOf(ctx), summary, evidence, vars,
  });
  const expectedNote = !rk.expectedOnly ? '' : primary
    ? ': these are control-plane nodes, so no worker node is available to the pod'
    : ' (control-plane nodes, excluded by design)';

  switch (rk.kind) {
    case 'insufficient-cpu':
    case 'insufficient-memory':
    case 'insufficient-resource': {
      const resources = [...new Set(rk.reasons.map((r) => r.resource ?? 'unknown'))];
      // Compare with the nodes the pod could use: not cordoned, no taint it does not tolerate.
      const usable = nodes.filter((x) => !x.spec?.unschedulable && (x.spec?.taints ?? []).every((t) =>
        (t.effect !== 'NoSchedule' && t.effect !== 'NoExecute') || tolerates(spec.tolerations, t)));
      const candidates = usable.length > 0 ? usable : nodes;
      const parts: string[] = [];
      for (const res of resources) {
        if (res === 'pods') {
          const maxPods = largestAllocatable(candidates, 'pods');
          parts.push(`pod slots are used up (Too many pods${maxPods ? `; largest node allows ${maxPods.raw} pods` : ''})`);
          vars['resource'] ??= 'pods';
          continue;
        }
        const req = podRequest(ctx.pod, res);
        const largest = largestAllocatable(candidates, res);
        vars['resource'] ??= res;
        if (req?.container) vars['container'] ??= req.container;
        if (req?.field) evidence.push(fieldEvidence(ref, req.field, req.raw ?? formatQuantity(res, req.value)));
        if (largest) evidence.push(fieldEvidence({ kind: 'Node', name: metaOf(largest.node).name ?? '' }, `status.allocatable.${res}`, largest.raw));
        const reqText = req ? `requests ${res} ${req.raw ?? formatQuantity(res, req.value)}` : undefined;
        let nodeText: string | undefined;
        if (largest) nodeText = `largest node allocatable ${largest.raw}`;
        else if (nodes.length > 0 && !['cpu', 'memory', 'ephemeral-storage'].includes(res)) nodeText = `no node offers ${res}`;
        const verdict = !req || !largest ? '' : req.value > largest.value ? ': no node is big enough'
          : `: what other pods already request leaves less than that free on each node`;
        const detail = [reqText, nodeText].filter(Boolean).join(', ');
        parts.push(`Insufficient ${res}${detail ? ` (${detail}${verdict})` : ''}`);
      }
      return finding(`${who}: ${n} have ${parts.join('; ')}.`);
    }
    case 'untolerated-taint': {
      const texts = rk.reasons.filter((r) => !r.expected || rk.expectedOnly).map((r) => {
        if (!r.taint) return `${r.count} ${ctx.unit}${r.count === 1 ? '' : 's'} with untolerated taint(s)`;
        const node = nodes.find((x) => (x.spec?.taints ?? []).some((t) => t.key === r.taint!.key));
        const effect = node?.spec?.taints?.find((t) => t.key === r.taint!.key)?.effect;
        const name = metaOf(node).name;
        if (name && !vars['node']) vars['node'] = name;
        vars['taint'] ??= r.taint.key;
        const why = /not-ready|unreachable/.test(r.taint.key) ? ' (the node is NotReady/unreachable)' : /pressure/.test(r.taint.key) ? ' (the node is under resource pressure)' : '';
        return `${r.count} ${ctx.unit}${r.count === 1 ? '' : 's'} with taint ${taintText(r.taint, effect)}${why}`;
      });
      if (!vars['node']) {
        const tainted = nodes.find((x) => (x.spec?.taints ?? []).some((t) => (t.effect === 'NoSchedule' || t.effect === 'NoExecute') && !tolerates(spec.tolerations, t) && !EXPECTED_TAINT_KEYS.has(t.key ?? '')));
        const name = metaOf(tainted).name;
        if (name) vars['node'] = name;
      }
      const tol = spec.tolerations?.length ? `; it tolerates ${spec.tolerations.map((t) => t.key ?? '*').join(', ')}` : '; it has no tolerations';
      return finding(`${who}: ${n} have taints the pod does not tolerate (${texts.join(', ')})${tol}${expectedNote}.`);
    }
    case 'node-selector-mismatch': {
      const sel = spec.nodeSelector ?? {};
      const selText = Object.entries(sel).map(([k, v]) => `${k}=${v}`).join(',');
      if (selText) evidence.push(fieldEvidence(ref, 'spec.nodeSelector', JSON.stringify(sel)));
      const required = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
      if (required) evidence.push(fieldEvidence(ref, 'spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution', JSON.stringify(required).slice(0, 300)));
      const what = [selText ? `nodeSelector ${selText}` : '', required ? 'required node affinity' : ''].filter(Boolean).join(' and ');
      const noneHas = selText && nodes.length > 0 && !nodes.some((x) => Object.entries(sel).every(([k, v]) => metaOf(x).labels?.[k] === v));
      return finding(`${who}: ${n} don't match its ${what || 'node selector/affinity'}${noneHas ? ` (no node has label ${selText})` : ''}${rk.expectedOnly ? ' (a DaemonSet pod is pinned to one node by design)' : ''}.`);
    }
    case 'pod-affinity': {
      const anti = spec.affinity?.podAntiAffinity ? 'anti-affinity' : spec.affinity?.podAffinity ? 'affinity' : 'affinity/anti-affinity';
      if (spec.affinity?.podAntiAffinity) evidence.push(fieldEvidence(ref, 'spec.affinity.podAntiAffinity', JSON.stringify(spec.affinity.podAntiAffinity).slice(0, 300)));
      return finding(`${who}: ${n} fail its required pod ${anti} rules (${reasonList(rk)}).`);
    }
    case 'topology-spread': {
      const tsc = spec.topologySpreadConstraints ?? [];
      if (tsc.length) evidence.push(fieldEvidence(ref, 'spec.topologySpreadConstraints', JSON.stringify(tsc).slice(0, 300)));
      const text = tsc.map((c) => `${c.topologyKey ?? '?'} maxSkew ${c.maxSkew ?? '?'} ${c.whenUnsatisfiable ?? 'DoNotSchedule'}`).join('; ');
      return finding(`${who}: ${n} would violate its topology spread constraints${text ? ` (${text})` : ''}.`);
    }
    case 'unbound-pvc':
    case 'volume-node-affinity-conflict': {
      const missing = rk.reasons.map((r) => /persistentvolumeclaim "([^"]+)"/.exec(r.text)?.[1]).find(Boolean);
      const claims = (spec.volumes ?? []).map((v) => v.persistentVolumeClaim?.claimName).filter((c): c is string => !!c);
      const pvcs = claims.map((c) => ({ c, pvc: snap.get<PersistentVolumeClaim>('PersistentVolumeClaim', ref.namespace, c) }));
      const unbound = pvcs.find((x) => x.pvc && x.pvc.status?.phase !== 'Bound');
      const claim = missing ?? (rk.kind === 'unbound-pvc' ? unbound?.c : undefined) ?? pvcs.find((x) => x.pvc?.spec?.volumeName)?.c ?? claims[0];
      if (claim) vars['claim'] = claim;
      const pvc = claim ? snap.get<PersistentVolumeClaim>('PersistentVolumeClaim', ref.namespace, claim) : undefined;
      if (pvc) evidence.push(fieldEvidence({ kind: 'PersistentVolumeClaim', namespace: ref.namespace, name: claim! }, 'status.phase', pvc.status?.phase ?? '(none)'));
      if (pvc?.spec?.volumeName) vars['volume'] = pvc.spec.volumeName;
      if (rk.kind === 'unbound-pvc') {
        const state = missing ? `does not exist` : pvc ? `is ${pvc.status?.phase ?? 'not bound'}` : 'is not bound';
        return finding(`${who}: its PersistentVolumeClaim ${claim ?? '(unknown)'} ${state} (${rk.reasons[0]!.text}).`);
      }
      return finding(`${who}: ${n} conflict with the node affinity of its volume${vars['volume'] ? ` ${vars['volume']}` : ''}${claim ? ` (claim ${claim})` : ''}: the volume is pinned to a zone or node the pod cannot use.`);
    }
    case 'node-unschedulable': {
      const cordoned = nodes.filter((x) => x.spec?.unschedulable).map((x) => metaOf(x).name ?? '');
      if (cordoned[0]) vars['node'] = cordoned[0];
      for (const c of cordoned.slice(0, 3)) evidence.push(fieldEvidence({ kind: 'Node', name: c }, 'spec.unschedulable', 'true'));
      return finding(`${who}: ${n} are cordoned (unschedulable)${cordoned.length ? `: ${cordoned.slice(0, 5).join(', ')}` : ''}.`);
    }
    case 'port-conflict': {
      const ports = (spec.containers ?? []).flatMap((c) => (c.ports ?? []).filter((p) => p.hostPort).map((p) => ({ c: c.name ?? '', p: p.hostPort! })));
      if (ports[0]) vars['hostPort'] = String(ports[0].p);
      for (const x of ports.slice(0, 2)) evidence.push(fieldEvidence(ref, `spec.containers[${x.c}].ports.hostPort`, String(x.p)));
      return finding(`${who}: ${n} have no free host port for it${ports.length ? ` (hostPort ${ports.map((x) => x.p).join(', ')})` : ''}.`);
    }
    case 'autoscaler-max':
      return finding(`${who}: ${reasonList(rk)}.`);
  }
}

function largestAllocatable(nodes: Node[], resource: string): { node: Node; value: number; raw: string } | undefined {
  let best: { node: Node; value: number; raw: string } | undefined;
  for (const node of nodes) {
    const raw = node.status?.allocatable?.[resource];
    const value = parseQuantity(raw);
    if (value === undefined || value <= 0) continue;
    if (!best || value > best.value) best = { node, value, raw: String(raw) };
  }
  return best;
}

function autoscalerFinding(ctx: Ctx, parsed: SchedulerMessage, primary: RankedKind | undefined, ev: NormalizedEvent, confidence: number): Finding {
  const max = parsed.reasons.filter((r) => r.kind === 'autoscaler-max').map((r) => `${r.count} ${r.text}`).join(', ');
  const vars: Record<string, string> = ctx.owner ? { owner: ctx.owner } : {};
  let scheduler = '';
  if (primary && ctx.msg) {
    scheduler = `; the scheduler reports ${nodesText(ctx.msg, primary.nodes)} ${primary.reasons.map((r) => r.text).join(', ')}`;
    const res = primary.reasons.find((r) => r.resource && r.resource !== 'pods')?.resource;
    if (res) {
      vars['resource'] = res;
      const req = podRequest(ctx.pod, res);
      if (req) {
        scheduler += ` (requests ${res} ${req.raw ?? formatQuantity(res, req.value)})`;
        if (req.container) vars['container'] = req.container;
      }
    }
  }
  return {
    id: 'scheduling.autoscaler-max', confidence, subject: subjectOf(ctx), vars,
    summary: `Pod ${ctx.ref.namespace}/${ctx.ref.name} is Pending and the cluster autoscaler will not add a node: ${max}${scheduler}.`,
    evidence: [eventEvidence(ev), ...ctx.base],
  };
}

function detect(snap: Snapshot): Finding[] {
  return snap.scopePods.flatMap((pod) => findingsForPod(snap, pod));
}

export const scheduling: RuleFamily = {
  name: 'scheduling',
  rules: [insufficientCpu, insufficientMemory, insufficientResource, untoleratedTaint, nodeSelectorMismatch, podAffinity,
    topologySpread, unboundPvc, volumeNodeAffinityConflict, nodeUnschedulable, autoscalerMax, portConflict],
  detect,
};
