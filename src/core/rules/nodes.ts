// Node health and node-pressure evictions: the Node's conditions and taints, its events, and pods
// evicted by the kubelet. Applies to a Node target and to the nodes that the pods in scope run on.
//
// Eviction vs pressure: the eviction is the symptom, the node pressure the root cause. When a pod was
// evicted for a resource and its node still reports the matching pressure condition, the
// node.*-pressure finding supersedes pod.evicted. When the node has recovered (or is not in the
// bundle), pod.evicted stands on its own, naming the resource and the pod's own usage. Evictions
// for exceeding the pod's own ephemeral-storage limits are never blamed on the node.
import type { EvidenceLine, Finding, NextStep, RuleDefinition, RuleFamily } from '../types.ts';
import { compareTimes, type Condition, type NormalizedEvent, type Node, type Pod } from '../kube.ts';
import { metaOf, type Snapshot } from '../snapshot.ts';
import { containersOf, eventEvidence, fieldEvidence, ownerWorkload, podEvents, podRef, workloadArg } from '../pod-view.ts';
import { kubectl } from '../next-steps.ts';
import { DOCS } from '../docs-links.ts';

type PressureId = 'node.memory-pressure' | 'node.disk-pressure' | 'node.pid-pressure';

const nodeOf = (f: Finding) => (f.subject.kind === 'Node' ? f.subject.name : f.vars?.['node'] ?? '<node>');
const nodeRef = (f: Finding) => ({ kind: 'Node', name: nodeOf(f) });
const nodeEvents = (f: Finding) => kubectl.custom(
  `kubectl get events -A --field-selector involvedObject.kind=Node,involvedObject.name=${nodeOf(f)} --sort-by=.lastTimestamp`,
  'Node events: NodeNotReady, pressure transitions, EvictionThresholdMet, image GC');
const podsOnNode = (f: Finding, extra = '') => kubectl.custom(
  `kubectl get pods -A -o wide --field-selector spec.nodeName=${nodeOf(f)}${extra}`,
  extra ? 'Pods on this node in that phase' : 'Pods on this node and their state');
const statsSummary = (f: Finding, why: string) => kubectl.custom(`kubectl get --raw /api/v1/nodes/${nodeOf(f)}/proxy/stats/summary`, why);
const conditions = (f: Finding) => kubectl.jsonpath(nodeRef(f), '{range .status.conditions[*]}{.type}={.status} {.reason}: {.message}{"\\n"}{end}', 'Every node condition with its reason and message');

export const notReady: RuleDefinition = {
  id: 'node.not-ready', title: 'Node is NotReady', layer: 'node',
  meaning: 'The node\'s Ready condition is False or Unknown: the kubelet reports itself unhealthy or stopped posting status, so pods there are not ready and get evicted after the taint timeout.',
  evidenceNeeded: 'Node condition Ready False/Unknown (e.g. "Kubelet stopped posting node status."), NodeNotReady events, node.kubernetes.io/not-ready or unreachable taints; for a pod, its node in that state or a "Node is not ready" event.',
  runbookAlert: 'KubeNodeNotReady', docs: DOCS.nodeConditions,
  nextSteps: (f) => [kubectl.describe(nodeRef(f), 'Conditions, taints, heartbeat times and kubelet events'), conditions(f), nodeEvents(f), podsOnNode(f),
    kubectl.custom(`kubectl get --raw /api/v1/nodes/${nodeOf(f)}/proxy/healthz`, 'Whether the API server can reach the kubelet at all')],
};

const pressureRule = (id: PressureId, what: string, signal: string, stepsWhy: string, extra: (f: Finding) => NextStep[]): RuleDefinition => ({
  id, title: `Node under ${what} pressure`, layer: 'node',
  meaning: `The kubelet reports ${signal} on the node: it taints it, stops admitting pods and evicts pods (lowest priority and biggest over-request first) until usage is back under the threshold.`,
  evidenceNeeded: `Node condition ${id === 'node.memory-pressure' ? 'MemoryPressure' : id === 'node.disk-pressure' ? 'DiskPressure' : 'PIDPressure'}=True, the matching taint, EvictionThresholdMet events or pods evicted with "The node was low on resource: ...".`,
  runbookAlert: 'KubeNodePressure', docs: DOCS.nodePressureEviction,
  nextSteps: (f) => [kubectl.describe(nodeRef(f), 'Conditions, taints, allocated resources and eviction events'), nodeEvents(f),
    statsSummary(f, stepsWhy), ...extra(f), podsOnNode(f, ',status.phase=Failed')],
});

export const memoryPressure = pressureRule('node.memory-pressure', 'memory', 'memory.available below the eviction threshold (MemoryPressure)',
  'Memory working set of the node and of every pod on it',
  (f) => [kubectl.custom(`kubectl top node ${nodeOf(f)}`, 'Current memory use of the node'), kubectl.custom('kubectl top pods -A --sort-by=memory', 'The biggest memory consumers')]);
export const diskPressure = pressureRule('node.disk-pressure', 'disk', 'nodefs/imagefs space or inodes below the eviction threshold (DiskPressure)',
  'Filesystem usage (nodefs, imagefs, per-pod ephemeral storage and logs)',
  (f) => [kubectl.custom(`kubectl debug node/${nodeOf(f)} -it --image=busybox:1.36 -- df -h /host /host/var/lib/containerd /host/var/log`,
    'Which filesystem is full (creates a debug pod; delete it afterwards)', 'reversible')]);
export const pidPressure = pressureRule('node.pid-pressure', 'PID', 'too few free process IDs (PIDPressure)',
  'Process counts of the node and its pods',
  (f) => [kubectl.custom(`kubectl debug node/${nodeOf(f)} -it --image=busybox:1.36 -- sh -c 'cat /host/proc/sys/kernel/pid_max; ls /host/proc | grep -c "^[0-9]"'`,
    'PID limit against processes in use (creates a debug pod; delete it afterwards)', 'reversible')]);

export const networkUnavailable: RuleDefinition = {
  id: 'node.network-unavailable', title: 'Node network is not configured', layer: 'node',
  meaning: 'The node\'s pod network is not set up: the CNI plugin is not initialised or the cloud route for the node\'s pod CIDR is missing, so pods there get no network (sandbox creation fails).',
  evidenceNeeded: 'Node condition NetworkUnavailable=True (e.g. "RouteController failed to create a route"), or Ready=False with "container runtime network not ready: NetworkReady=false ... cni plugin not initialized".',
  runbookAlert: 'KubeNodeNotReady', docs: DOCS.nodeConditions,
  nextSteps: (f) => [kubectl.describe(nodeRef(f), 'Conditions (NetworkUnavailable, Ready) and their messages'), conditions(f),
    kubectl.custom(`kubectl -n kube-system get pods -o wide --field-selector spec.nodeName=${nodeOf(f)}`, 'Whether the CNI DaemonSet pod (calico, cilium, flannel, aws-node...) runs on this node'),
    kubectl.custom('kubectl -n kube-system get daemonsets', 'CNI DaemonSets and how many nodes they are ready on'), nodeEvents(f)],
};

export const evicted: RuleDefinition = {
  id: 'pod.evicted', title: 'Pod was evicted by the kubelet', layer: 'node',
  meaning: 'The kubelet evicted the pod to reclaim a starved node resource (memory, disk, PIDs) or because the pod exceeded its own ephemeral-storage limit; the eviction is the symptom, node pressure or the pod\'s own usage the cause.',
  evidenceNeeded: 'Pod status.phase Failed with reason Evicted and a message like "The node was low on resource: memory. ... Container app was using 1Gi, request is 256Mi", or an Evicted event.',
  runbookAlert: 'KubeNodeEviction', docs: DOCS.nodePressureEviction,
  nextSteps: (f) => {
    const pod = { kind: 'Pod', namespace: f.subject.namespace ?? 'default', name: f.subject.name };
    const [kind, name] = f.vars?.['owner']?.split('/') ?? [];
    const req = f.vars?.['suggestedRequest'];
    const resource = f.vars?.['resource'];
    return [
      kubectl.jsonpath(pod, '{.status.message}', 'The kubelet\'s eviction message: resource, threshold and usage'),
      kubectl.describe(nodeRef(f), 'Whether the node is still under pressure'),
      podsOnNode(f, ',status.phase=Failed'),
      ...(kind && name && req && resource && f.subject.container
        ? [kubectl.custom(`kubectl -n ${pod.namespace} set resources ${kind}/${name} -c ${f.subject.container} --requests=${resource}=${req}`,
          'Request what the container really uses so it is not the first eviction victim (revert with the previous value)', 'reversible')]
        : []),
    ];
  },
};

const PRESSURE: Record<PressureId, { condition: string; taint: string; events: RegExp; reclaim: RegExp; label: string }> = {
  'node.memory-pressure': { condition: 'MemoryPressure', taint: 'node.kubernetes.io/memory-pressure', events: /^(NodeHasInsufficientMemory|SystemOOM)$/, reclaim: /memory/, label: 'memory' },
  'node.disk-pressure': { condition: 'DiskPressure', taint: 'node.kubernetes.io/disk-pressure', events: /^(NodeHasDiskPressure|FreeDiskSpaceFailed|ImageGCFailed)$/, reclaim: /ephemeral-storage|nodefs|imagefs|inodes/, label: 'disk' },
  'node.pid-pressure': { condition: 'PIDPressure', taint: 'node.kubernetes.io/pid-pressure', events: /^NodeHasInsufficientPID$/, reclaim: /pids?\b/, label: 'PID' },
};
const PRESSURE_IDS = Object.keys(PRESSURE) as PressureId[];

/** The eviction resource the kubelet names, mapped to the node condition it comes from. */
const RESOURCE_PRESSURE: Record<string, PressureId> = {
  memory: 'node.memory-pressure', 'ephemeral-storage': 'node.disk-pressure', inodes: 'node.disk-pressure',
  nodefs: 'node.disk-pressure', imagefs: 'node.disk-pressure', pids: 'node.pid-pressure',
};

const CNI_NOT_READY = /NetworkReady=false|NetworkPluginNotReady|cni plugin not initiali[sz]ed|cni config uninitiali[sz]ed|network plugin is not ready/i;
const OWN_LIMIT = /exceeds the total limit of containers|exceeded its local ephemeral storage limit|Usage of EmptyDir volume/i;

const cond = (n: Node, type: string): Condition | undefined => n.status?.conditions?.find((c) => c.type === type);
const condText = (c: Condition) => `${c.status ?? '?'}${c.reason ? ` (${c.reason})` : ''}${c.message ? `: ${c.message}` : ''}${c.lastTransitionTime ? ` since ${c.lastTransitionTime}` : ''}`;
const byTime = (a: NormalizedEvent, b: NormalizedEvent) => compareTimes(a.lastTime ?? '', b.lastTime ?? '');

interface NodeCtx {
  snap: Snapshot;
  node: Node;
  name: string;
  ref: { kind: string; name: string };
  events: NormalizedEvent[];
}

function ctxOf(snap: Snapshot, node: Node): NodeCtx {
  const name = metaOf(node).name ?? '';
  const ref = { kind: 'Node', name };
  return { snap, node, name, ref, events: snap.eventsFor(ref).slice().sort(byTime) };
}

function taintEvidence(ctx: NodeCtx, keys: string[]): EvidenceLine[] {
  return (ctx.node.spec?.taints ?? []).filter((t) => t.key && keys.includes(t.key))
    .map((t) => fieldEvidence(ctx.ref, 'spec.taints', `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect ?? ''}`));
}

/** Evicted pods on the node that the bundle holds, as supporting evidence. */
function evictedOn(ctx: NodeCtx, resource: RegExp): EvidenceLine[] {
  return ctx.snap.list<Pod>('Pod').filter((p) => p.spec?.nodeName === ctx.name && p.status?.reason === 'Evicted' && resource.test(p.status.message ?? ''))
    .slice(0, 3).map((p) => fieldEvidence(podRef(p), 'status.message', `Evicted: ${p.status?.message ?? ''}`));
}

/** Raw node findings with the node as subject; the caller sets confidence and the pod context. */
function nodeFindings(ctx: NodeCtx): Array<Omit<Finding, 'confidence'> & { base: number }> {
  const out: Array<Omit<Finding, 'confidence'> & { base: number }> = [];
  const subject = { kind: 'Node', name: ctx.name };
  const vars = { node: ctx.name };
  const ready = cond(ctx.node, 'Ready');
  const netCond = cond(ctx.node, 'NetworkUnavailable');
  const cniDown = ready?.status === 'False' && CNI_NOT_READY.test(ready.message ?? '');

  if (ready && (ready.status === 'False' || ready.status === 'Unknown')) {
    const unreachable = ready.status === 'Unknown';
    const evs = ctx.events.filter((e) => /^(NodeNotReady|NodeStatusUnknown|Rebooted|ContainerGCFailed)$/.test(e.reason)).slice(-3);
    out.push({ id: 'node.not-ready', base: 0.95, subject, vars,
      evidence: [fieldEvidence(ctx.ref, 'status.conditions[Ready]', condText(ready)),
        ...taintEvidence(ctx, ['node.kubernetes.io/unreachable', 'node.kubernetes.io/not-ready']), ...evs.map(eventEvidence)],
      summary: `Node ${ctx.name} is NotReady (Ready=${ready.status}${ready.message ? `: ${ready.message.slice(0, 200)}` : ''})${unreachable ? '; the kubelet is unreachable' : ''}` });
  }
  if (netCond?.status === 'True' || cniDown) {
    const evidence = [
      ...(netCond?.status === 'True' ? [fieldEvidence(ctx.ref, 'status.conditions[NetworkUnavailable]', condText(netCond))] : []),
      ...(cniDown && ready ? [fieldEvidence(ctx.ref, 'status.conditions[Ready]', condText(ready))] : []),
      ...taintEvidence(ctx, ['node.kubernetes.io/network-unavailable']),
    ];
    const why = cniDown ? 'the CNI plugin is not initialised (NetworkReady=false)' : `NetworkUnavailable=True${netCond?.message ? ` (${netCond.message})` : netCond?.reason ? ` (${netCond.reason})` : ''}`;
    out.push({ id: 'node.network-unavailable', base: 0.95, subject, vars, evidence,
      summary: `Node ${ctx.name} has no working pod network: ${why}`, supersedes: ['node.not-ready'] });
  }
  for (const id of PRESSURE_IDS) {
    const p = PRESSURE[id];
    const c = cond(ctx.node, p.condition);
    if (c?.status !== 'True') continue;
    const evs = ctx.events.filter((e) => p.events.test(e.reason) || (e.reason === 'EvictionThresholdMet' && p.reclaim.test(e.message))).slice(-3);
    out.push({ id, base: 0.9, subject, vars,
      evidence: [fieldEvidence(ctx.ref, `status.conditions[${p.condition}]`, condText(c)), ...taintEvidence(ctx, [p.taint]), ...evs.map(eventEvidence),
        ...evictedOn(ctx, new RegExp(`low on resource: (?:${p.reclaim.source})`))],
      summary: `Node ${ctx.name} is under ${p.label} pressure (${p.condition}=True${c.message ? `: ${c.message}` : ''})` });
  }
  return out;
}

interface Eviction { resource?: string; nodeLevel: boolean; text: string }

function evictionOf(snap: Snapshot, p: Pod): { ev: Eviction; evidence: EvidenceLine[]; confidence: number } | undefined {
  const ref = podRef(p);
  const events = podEvents(snap, ref, /^Evicted$/).sort(byTime);
  const status = p.status?.phase === 'Failed' && p.status.reason === 'Evicted';
  if (!status && events.length === 0) return undefined;
  // An Evicted event on a pod that runs again (a restarted static pod) is history, not the state.
  if (!status && containersOf(p).some((c) => c.status.state?.running)) return undefined;
  const text = (status ? p.status?.message : undefined) ?? events.at(-1)?.message ?? '';
  const resource = /low on resource: ([\w.-]+)\./.exec(text)?.[1];
  return {
    ev: { ...(resource ? { resource } : {}), nodeLevel: !OWN_LIMIT.test(text) && resource !== undefined, text },
    evidence: [...(status ? [fieldEvidence(ref, 'status', `phase=Failed reason=Evicted message=${JSON.stringify(text)}`)] : []), ...events.slice(-1).map(eventEvidence)],
    confidence: status ? 0.95 : 0.85,
  };
}

/** A usage the kubelet printed, usable as a request (a plain quantity such as 1Gi or 1536Mi). */
function quantity(q: string): string | undefined {
  return /^\d+(?:\.\d+)?[A-Za-z]*$/.test(q.trim()) ? q.trim() : undefined;
}

function detect(snap: Snapshot): Finding[] {
  const out: Finding[] = [];
  const key = (f: Finding) => `${f.id}|${f.subject.kind}|${f.subject.namespace ?? ''}|${f.subject.name}`;
  const push = (f: Finding) => {
    const i = out.findIndex((x) => key(x) === key(f));
    if (i < 0) out.push(f);
    else if (out[i]!.confidence < f.confidence) out[i] = f;
  };

  if (snap.target.kind === 'Node') {
    const node = snap.targetObject as Node | undefined;
    if (node) for (const f of nodeFindings(ctxOf(snap, node))) push({ ...withoutBase(f), confidence: f.base, summary: `${f.summary}.` });
  }

  for (const p of snap.scopePods) {
    const ref = podRef(p);
    const nodeName = p.spec?.nodeName;
    const eviction = evictionOf(snap, p);
    const node = nodeName ? snap.get<Node>('Node', undefined, nodeName) : undefined;
    const findings = node ? nodeFindings(ctxOf(snap, node)) : [];
    const podOk = p.status?.phase === 'Running' && containersOf(p).every((c) => c.init || c.status.ready === true);
    const evictedFor = eviction?.ev.nodeLevel && eviction.ev.resource ? RESOURCE_PRESSURE[eviction.ev.resource] : undefined;
    const causeFound = evictedFor !== undefined && findings.some((f) => f.id === evictedFor);

    if (eviction) {
      const ownerArg = workloadArg(ownerWorkload(snap, p));
      const usage = /Container (\S+) was using ([^,\s]+), request is ([^,\s]+)/.exec(eviction.ev.text);
      const threshold = /Threshold quantity: ([^,]+), available: ([^.\s]+(?:\.\d+)?[A-Za-z]*)/.exec(eviction.ev.text);
      const vars: Record<string, string> = { ...(nodeName ? { node: nodeName } : {}), ...(ownerArg ? { owner: ownerArg } : {}), ...(eviction.ev.resource ? { resource: eviction.ev.resource } : {}) };
      const suggested = usage?.[2] ? quantity(usage[2]) : undefined;
      if (suggested && eviction.ev.resource && ['memory', 'ephemeral-storage'].includes(eviction.ev.resource)) vars['suggestedRequest'] = suggested;
      const on = nodeName ? ` from node ${nodeName}` : '';
      const cause = !eviction.ev.nodeLevel
        ? (eviction.ev.text.replace(/\s+$/, '').replace(/\.$/, '') || 'no message')
        : `the node was low on ${eviction.ev.resource}${threshold ? ` (threshold ${threshold[1]!.trim()}, available ${threshold[2]})` : ''}${usage ? `; container ${usage[1]} was using ${usage[2]} ${usage[3] === '0' ? 'with no request' : `against a ${usage[3]} request`}` : ''}`;
      push({ id: 'pod.evicted', confidence: eviction.confidence, subject: { kind: 'Pod', namespace: ref.namespace, name: ref.name, ...(usage?.[1] ? { container: usage[1] } : {}) },
        vars, evidence: eviction.evidence,
        // The evicted pod's containers show exit 137 / ContainerStatusUnknown: that is the eviction, not a crash.
        supersedes: ['crashloop.app-error'],
        summary: `Pod ${ref.namespace}/${ref.name} was evicted${on}: ${cause.slice(0, 260)}${causeFound ? `, and the node still reports ${PRESSURE[evictedFor!].condition}` : ''}.` });
    }

    for (const f of findings) {
      const pod = `pod ${ref.namespace}/${ref.name}`;
      if (f.id === 'node.not-ready') {
        // A pod's status on a NotReady node is stale whatever it says: the node is the finding.
        push({ ...withoutBase(f), confidence: 0.9, evidence: [...f.evidence, ...podNodeEvidence(snap, p)], summary: `${f.summary}; ${pod} runs there.` });
      } else if (f.id === evictedFor) {
        push({ ...withoutBase(f), confidence: 0.9, evidence: [...f.evidence, ...(eviction?.evidence ?? [])],
          summary: `${f.summary}; it evicted ${pod}.`, supersedes: [...(f.supersedes ?? []), 'pod.evicted'] });
      } else if (!podOk) {
        // Pressure or a missing pod network on the node of an unhealthy pod: context, not proof.
        push({ ...withoutBase(f), confidence: f.id === 'node.network-unavailable' ? 0.8 : 0.6, summary: `${f.summary}; ${pod} runs there and is not healthy.` });
      }
    }

    // The node is not in the bundle, but the pod says its node is not ready.
    if (nodeName && !node && !podOk) {
      const evidence = podNodeEvidence(snap, p);
      if (evidence.some((e) => !e.source.includes('TaintManagerEviction'))) {
        push({ id: 'node.not-ready', confidence: p.status?.reason === 'NodeLost' ? 0.85 : 0.8, subject: { kind: 'Node', name: nodeName }, vars: { node: nodeName }, evidence,
          summary: `Node ${nodeName} of pod ${ref.namespace}/${ref.name} is not ready (${evidence[0]!.text.slice(0, 160)}).` });
      }
    }
  }
  return out;
}

function podNodeEvidence(snap: Snapshot, p: Pod): EvidenceLine[] {
  const ref = podRef(p);
  const events = podEvents(snap, ref, /^(NodeNotReady|TaintManagerEviction)$/).sort(byTime);
  return [
    ...(p.status?.reason === 'NodeLost' ? [fieldEvidence(ref, 'status', `reason=NodeLost message=${p.status.message ?? ''}`)] : []),
    ...events.filter((e) => e.reason === 'NodeNotReady').slice(-1).map(eventEvidence),
    ...events.filter((e) => e.reason === 'TaintManagerEviction').slice(-1).map(eventEvidence),
  ];
}

function withoutBase<T extends { base: number }>(f: T): Omit<T, 'base'> {
  const { base: _base, ...rest } = f;
  return rest;
}

export const nodes: RuleFamily = {
  name: 'nodes',
  rules: [notReady, memoryPressure, diskPressure, pidPressure, networkUnavailable, evicted],
  detect,
};
