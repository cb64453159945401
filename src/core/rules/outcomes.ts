// The two outcomes that are not failures: a healthy target, and "unknown" when no rule fires.
// unknown never guesses: it lists what was seen so the engineer starts from facts.
import type { EvidenceLine, Finding, RuleDefinition, RuleFamily } from '../types.ts';
import type { Node, Pod, Workload } from '../kube.ts';
import { formatRef, type Snapshot } from '../snapshot.ts';
import { containersOf, eventEvidence, fieldEvidence, podRef, statusPath } from '../pod-view.ts';
import { kubectl } from '../next-steps.ts';
import { DOCS } from '../docs-links.ts';

export const healthy: RuleDefinition = {
  id: 'healthy',
  title: 'Healthy',
  layer: 'application',
  meaning: 'The target is running and ready now; the alert may have resolved or be about something the object does not show.',
  evidenceNeeded: 'A pod in phase Running with every container ready, or a workload with all replicas available.',
  docs: DOCS.debugPods,
  nextSteps: (f) => [kubectl.describe(f.subject), kubectl.events(f.subject, 'Recent events, in case the failure was transient')],
};

export const unknown: RuleDefinition = {
  id: 'unknown',
  title: 'No known failure pattern',
  layer: 'application',
  meaning: 'No rule matched the evidence; the diagnosis lists what was seen instead of guessing.',
  evidenceNeeded: 'Nothing: this is the answer when no other rule fires.',
  docs: DOCS.debugPods,
  nextSteps: (f) => [
    kubectl.describe(f.subject),
    kubectl.events(f.subject),
    ...(f.subject.kind === 'Pod' ? [kubectl.logs(f.subject, f.subject.container, false)] : []),
  ],
};

function podIsHealthy(pod: Pod): boolean {
  const statuses = pod.status?.containerStatuses ?? [];
  return pod.status?.phase === 'Running' && statuses.length > 0 && statuses.every((s) => s.ready === true);
}

function workloadHealthy(w: Workload): boolean | undefined {
  const s = w.status;
  if (!s) return undefined;
  if (w.kind === 'DaemonSet') return s.desiredNumberScheduled !== undefined && s.numberReady === s.desiredNumberScheduled;
  if (w.kind === 'Job') return (s.succeeded ?? 0) > 0 && (s.failed ?? 0) === 0 && (s.active ?? 0) === 0;
  const want = w.spec?.replicas ?? 1;
  return (s.availableReplicas ?? s.readyReplicas ?? 0) >= want && (s.unavailableReplicas ?? 0) === 0;
}

function detect(snap: Snapshot): Finding[] {
  const t = snap.target;
  if (t.kind === 'Pod') {
    const pod = snap.scopePods[0];
    if (!pod || !podIsHealthy(pod)) return [];
    return [{
      id: 'healthy', confidence: 0.9, subject: t,
      summary: `Pod ${t.namespace}/${t.name} is Running with all containers ready.`,
      evidence: [fieldEvidence(podRef(pod), 'status.phase', 'Running'),
        ...containersOf(pod).filter((c) => !c.init).map((c) => fieldEvidence(c.pod, `${statusPath(c)}.ready`, `true (restarts: ${c.status.restartCount ?? 0})`))],
    }];
  }
  if (t.kind === 'Node') {
    const node = snap.get<Node>('Node', undefined, t.name);
    const ready = node?.status?.conditions?.find((c) => c.type === 'Ready');
    const pressure = node?.status?.conditions?.some((c) => c.type !== 'Ready' && c.status === 'True');
    if (!node || ready?.status !== 'True' || pressure || node.spec?.unschedulable) return [];
    return [{ id: 'healthy', confidence: 0.85, subject: t, summary: `Node ${t.name} is Ready with no pressure conditions.`,
      evidence: [fieldEvidence(t, 'status.conditions[Ready]', `True: ${ready.message ?? ready.reason ?? ''}`)] }];
  }
  if (['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job'].includes(t.kind)) {
    const w = snap.targetObject as Workload | undefined;
    const ok = w ? workloadHealthy(w) : undefined;
    const pods = snap.scopePods;
    if (ok === false || (ok === undefined && (pods.length === 0 || !pods.every(podIsHealthy)))) return [];
    if (ok === undefined && !w) return [];
    return [{ id: 'healthy', confidence: 0.85, subject: t, summary: `${formatRef(t)} has all replicas available.`,
      evidence: [fieldEvidence(t, 'status', JSON.stringify(w?.status ?? {}).slice(0, 300))] }];
  }
  return [];
}

/** What the engine reports when no rule fires: phase, container states and warning events as seen. */
export function describeWhatWasSeen(snap: Snapshot): Finding {
  const evidence: EvidenceLine[] = [];
  for (const pod of snap.scopePods.slice(0, 3)) {
    evidence.push(fieldEvidence(podRef(pod), 'status.phase', `${pod.status?.phase ?? 'unknown'}${pod.status?.reason ? ` (${pod.status.reason})` : ''}`));
    for (const c of containersOf(pod)) {
      const s = c.status.state ?? {};
      const state = s.waiting ? `waiting: ${s.waiting.reason ?? ''} ${s.waiting.message ?? ''}` : s.terminated ? `terminated: ${s.terminated.reason ?? ''} exit ${s.terminated.exitCode ?? '?'}` : s.running ? 'running' : 'no state';
      evidence.push(fieldEvidence(c.pod, `${statusPath(c)}.state`, `${state.trim()} (ready: ${c.status.ready ?? false}, restarts: ${c.status.restartCount ?? 0})`));
    }
  }
  const warnings = snap.events.filter((e) => e.type === 'Warning').slice(-5);
  evidence.push(...warnings.map(eventEvidence));
  const where = formatRef(snap.target);
  const found = snap.targetObject || snap.scopePods.length > 0;
  return {
    id: 'unknown', confidence: 0, subject: snap.target, evidence,
    summary: found
      ? `No known failure pattern matched ${where}; ${evidence.length} facts seen are listed as evidence.`
      : `No evidence about ${where} was available, so nothing can be concluded.`,
  };
}

export const outcomes: RuleFamily = { name: 'outcomes', rules: [healthy, unknown], detect };
