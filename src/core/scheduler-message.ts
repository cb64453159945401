// Parses the messages the kube-scheduler (FailedScheduling events, PodScheduled=False conditions)
// and the cluster-autoscaler (NotTriggerScaleUp events) print into counted, classified reasons.
//
// Formats recognised, as the components print them:
//   old (≤1.23)  0/5 nodes are available: 1 node(s) had taint {node-role.kubernetes.io/master: }, that the pod didn't tolerate, 4 Insufficient memory.
//   new (1.24+)  0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 Insufficient memory. preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.
//   PreFilter    0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.
//   ancient      No nodes are available that match all of the predicates: Insufficient cpu (2), PodToleratesNodeTaints (1).
//   autoscaler   pod didn't trigger scale-up: 1 node(s) had untolerated taint {dedicated: gpu}, 2 max node group size reached
// The `preemption:` tail only says whether evicting lower-priority pods would help; it is not counted.

export const SCHEDULING_KINDS = [
  'insufficient-cpu', 'insufficient-memory', 'insufficient-resource', 'untolerated-taint', 'node-selector-mismatch',
  'pod-affinity', 'topology-spread', 'unbound-pvc', 'volume-node-affinity-conflict', 'node-unschedulable',
  'autoscaler-max', 'port-conflict',
] as const;
export type SchedulingKind = (typeof SCHEDULING_KINDS)[number];

export interface Taint {
  key: string;
  value: string;
  effect?: string;
}

export interface SchedulingReason {
  /** What the reason means, or 'other' for text this parser does not classify. */
  kind: SchedulingKind | 'other';
  /** Nodes (scheduler) or node groups (autoscaler) rejected for this reason; the total when the message gives no count. */
  count: number;
  /** The reason as printed, without its count. */
  text: string;
  /** The resource of an Insufficient X / Too many pods reason ('pods' for the latter). */
  resource?: string;
  /** The taint of a taint reason. */
  taint?: Taint;
  /** True for the control-plane / master taint: excluding those nodes is by design, never the fix. */
  expected?: boolean;
}

export interface SchedulerMessage {
  source: 'scheduler' | 'autoscaler';
  /** N of "0/N nodes are available" (scheduler only). */
  total?: number;
  available?: number;
  reasons: SchedulingReason[];
  /** The preemption tail as printed, when there is one. */
  preemption?: string;
}

/** Taints whose nodes are excluded on purpose: a pod not tolerating them is normal. */
export const EXPECTED_TAINT_KEYS = new Set(['node-role.kubernetes.io/control-plane', 'node-role.kubernetes.io/master']);

const SCHEDULER = /(\d+)\/(\d+) nodes are available(?::\s*([\s\S]*))?/;
const ANCIENT = /No nodes are available that match all of the (?:following )?predicates:+\s*([\s\S]*)/i;
const AUTOSCALER = /pod didn't trigger scale-up(?:\s*\([^)]*\))?:\s*([\s\S]*)/i;

/** Parses one scheduler or autoscaler message; undefined when the text is neither. */
export function parseSchedulerMessage(message: string): SchedulerMessage | undefined {
  const text = message.trim();
  const scheduler = SCHEDULER.exec(text);
  if (scheduler) {
    const total = Number(scheduler[2]);
    let body = scheduler[3] ?? '';
    let preemption: string | undefined;
    const cut = /\.?\s*preemption:\s*/i.exec(body);
    if (cut) {
      preemption = body.slice(cut.index + cut[0].length).trim();
      body = body.slice(0, cut.index);
    }
    const out: SchedulerMessage = { source: 'scheduler', total, available: Number(scheduler[1]), reasons: splitReasons(body, total) };
    if (preemption) out.preemption = preemption;
    return out;
  }
  const ancient = ANCIENT.exec(text);
  if (ancient) {
    const reasons = (ancient[1] ?? '').replace(/\.\s*$/, '').split(/,\s*(?=[A-Za-z])/).map((item) => {
      const m = /^(.*?)\s*\((\d+)\)\s*$/.exec(item.trim());
      return classify(m ? m[1]! : item.trim(), m ? Number(m[2]) : 0);
    }).filter((r) => r.text.length > 0);
    return { source: 'scheduler', reasons };
  }
  const autoscaler = AUTOSCALER.exec(text);
  if (autoscaler) return { source: 'autoscaler', reasons: splitReasons(autoscaler[1] ?? '', 0) };
  return undefined;
}

/** Splits "1 a, 2 b {k: v}, that ..., c" at commas that start a new counted reason. */
function splitReasons(body: string, total: number): SchedulingReason[] {
  const trimmed = body.trim().replace(/\.+\s*$/, '');
  if (!trimmed) return [];
  return trimmed.split(/,\s+(?=\d+\s)/).map((item) => {
    const m = /^(\d+)\s+([\s\S]*)$/.exec(item.trim());
    return m ? classify(m[2]!.trim(), Number(m[1])) : classify(item.trim(), total);
  }).filter((r) => r.text.length > 0);
}

const PLUGIN_KINDS: Record<string, SchedulingKind> = {
  NodeAffinity: 'node-selector-mismatch', NodeName: 'node-selector-mismatch', MatchNodeSelector: 'node-selector-mismatch',
  InterPodAffinity: 'pod-affinity', MatchInterPodAffinity: 'pod-affinity', PodTopologySpread: 'topology-spread',
  VolumeBinding: 'unbound-pvc', VolumeZone: 'volume-node-affinity-conflict', NoVolumeZoneConflict: 'volume-node-affinity-conflict',
  NodePorts: 'port-conflict', PodFitsHostPorts: 'port-conflict', NodeUnschedulable: 'node-unschedulable',
  TaintToleration: 'untolerated-taint', PodToleratesNodeTaints: 'untolerated-taint',
};

/** Classifies one reason text (without its count). */
export function classify(text: string, count: number): SchedulingReason {
  const r = (kind: SchedulingReason['kind'], extra: Partial<SchedulingReason> = {}): SchedulingReason => ({ kind, count, text, ...extra });
  let m: RegExpExecArray | null;

  if ((m = /^Insufficient\s+(\S+)/i.exec(text))) {
    const resource = m[1]!;
    return r(resource === 'cpu' ? 'insufficient-cpu' : resource === 'memory' ? 'insufficient-memory' : 'insufficient-resource', { resource });
  }
  if (/Too many pods/i.test(text)) return r('insufficient-resource', { resource: 'pods' });
  if (/exceed max volume count/i.test(text)) return r('insufficient-resource', { resource: 'attachable volumes' });
  if (/did not have enough free storage/i.test(text)) return r('insufficient-resource', { resource: 'storage capacity' });

  if ((m = /had (?:untolerated )?taints?\s*\{([^}]*)\}/i.exec(text))) {
    const taint = parseTaint(m[1]!);
    if (taint.key === 'node.kubernetes.io/unschedulable') return r('node-unschedulable', { taint });
    return r('untolerated-taint', { taint, ...(EXPECTED_TAINT_KEYS.has(taint.key) ? { expected: true } : {}) });
  }
  if (/had (?:untolerated )?taint|didn't tolerate|PodToleratesNodeTaints/i.test(text)) return r('untolerated-taint');
  if ((m = /node\(s\) had (memory|disk|pid) pressure/i.exec(text))) {
    return r('untolerated-taint', { taint: { key: `node.kubernetes.io/${m[1]!.toLowerCase()}-pressure`, value: '' } });
  }
  if (/\b(?:were|was|is|are) unschedulable|NodeUnschedulable/i.test(text)) return r('node-unschedulable');

  if (/node affinity\/selector|didn't match (?:the )?node selector|didn't match pod'?s node affinity|didn't match node affinity|didn't match the requested (?:node ?name|hostname)|MatchNodeSelector/i.test(text)) {
    return r('node-selector-mismatch');
  }
  if (/topology spread/i.test(text)) return r('topology-spread');
  if (/pod affinity|anti-affinity|affinity\/anti-affinity|MatchInterPodAffinity/i.test(text)) return r('pod-affinity');

  if (/volume node affinity conflict|no available volume zone|volume zone conflict|NoVolumeZoneConflict/i.test(text)) return r('volume-node-affinity-conflict');
  if (/unbound (?:immediate )?PersistentVolumeClaims|didn't find available persistent volumes to bind|persistentvolumeclaim "[^"]*" (?:not found|is being deleted)|bound to non-existent pv/i.test(text)) {
    return r('unbound-pvc');
  }

  if (/free ports|host ?ports?|PodFitsHostPorts/i.test(text)) return r('port-conflict');
  if (/max node group size reached|max (?:cluster )?[\w ,]*limit reached|max limit reached/i.test(text)) return r('autoscaler-max');

  if ((m = /didn't satisfy plugins?(?:\(s\))?\s*\[?([^\]]*)\]?/i.exec(text))) {
    const kind = m[1]!.split(/[\s,]+/).map((p) => PLUGIN_KINDS[p]).find((k) => k !== undefined);
    if (kind) return r(kind);
  }
  return r('other');
}

/** "{key: value}" (scheduler) or "key=value:Effect" → Taint. */
export function parseTaint(inner: string): Taint {
  const s = inner.trim();
  const colon = s.indexOf(':');
  if (colon < 0) return { key: s, value: '' };
  return { key: s.slice(0, colon).trim(), value: s.slice(colon + 1).trim() };
}

/** Reasons of one kind, with their nodes summed but never more than the message's total. */
export function nodesFor(msg: SchedulerMessage, kind: SchedulingKind, opts: { excludeExpected?: boolean } = {}): number {
  const sum = msg.reasons.filter((r) => r.kind === kind && !(opts.excludeExpected && r.expected)).reduce((n, r) => n + r.count, 0);
  return msg.total !== undefined && msg.total > 0 ? Math.min(sum, msg.total) : sum;
}

/** The kinds in order of how likely each is to be the fix, used to break ties in node counts. */
export const FIX_PRIORITY: readonly SchedulingKind[] = [
  'insufficient-cpu', 'insufficient-memory', 'insufficient-resource', 'unbound-pvc', 'volume-node-affinity-conflict',
  'node-selector-mismatch', 'pod-affinity', 'topology-spread', 'port-conflict', 'node-unschedulable', 'untolerated-taint', 'autoscaler-max',
];

export interface RankedKind {
  kind: SchedulingKind;
  /** Nodes this kind blocks, not counting nodes excluded by expected (control-plane) taints. */
  nodes: number;
  /** True when every reason of this kind is an expected exclusion. */
  expectedOnly: boolean;
  reasons: SchedulingReason[];
}

/**
 * The classified kinds of a message, the one blocking the most nodes first. Nodes excluded by the
 * control-plane taint do not count (excluding them is by design), so "1 control-plane taint, 1
 * Insufficient cpu" ranks insufficient cpu first; ties go to the kind most likely to be the fix.
 */
export function rankKinds(msg: SchedulerMessage): RankedKind[] {
  const kinds = new Map<SchedulingKind, SchedulingReason[]>();
  for (const r of msg.reasons) {
    if (r.kind === 'other') continue;
    const list = kinds.get(r.kind) ?? [];
    list.push(r);
    kinds.set(r.kind, list);
  }
  return [...kinds.entries()].map(([kind, reasons]) => {
    const expectedOnly = reasons.every((r) => r.expected);
    return { kind, reasons, expectedOnly, nodes: expectedOnly ? nodesFor(msg, kind) : nodesFor(msg, kind, { excludeExpected: true }) };
  }).sort((a, b) => Number(a.expectedOnly) - Number(b.expectedOnly) || b.nodes - a.nodes || FIX_PRIORITY.indexOf(a.kind) - FIX_PRIORITY.indexOf(b.kind));
}
