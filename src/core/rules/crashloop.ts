// Crash loops and container lifecycle failures, read from container state, lastState, exit
// codes, probe events and the previous logs. The root cause wins: OOMKilled and liveness kills
// are named as such rather than as a generic crash loop.
import type { Finding, RuleDefinition, RuleFamily } from '../types.ts';
import type { ContainerStateTerminated, Pod } from '../kube.ts';
import type { Snapshot } from '../snapshot.ts';
import { containerEvents, containersOf, eventEvidence, fieldEvidence, logEvidence, ownerWorkload, statusPath, tellingLines, workloadArg, type ContainerView } from '../pod-view.ts';
import { kubectl } from '../next-steps.ts';
import { DOCS } from '../docs-links.ts';

const podSteps = (f: Finding, previous = true) => [
  kubectl.describe({ kind: 'Pod', namespace: f.subject.namespace!, name: f.subject.name }),
  kubectl.logs({ kind: 'Pod', namespace: f.subject.namespace!, name: f.subject.name }, f.subject.container, previous),
];
const owner = (f: Finding) => f.vars?.['owner'];
const undo = (f: Finding) => {
  const o = owner(f);
  return o?.startsWith('deployment/') || o?.startsWith('statefulset/') || o?.startsWith('daemonset/')
    ? [kubectl.rolloutHistory({ kind: o.split('/')[0]!, namespace: f.subject.namespace!, name: o.split('/')[1]! }),
       kubectl.rolloutUndo({ kind: o.split('/')[0]!, namespace: f.subject.namespace!, name: o.split('/')[1]! }, 'Roll back if the crash started with the latest revision')]
    : [];
};

export const appError: RuleDefinition = {
  id: 'crashloop.app-error', title: 'Crash loop: the application exits with an error', layer: 'application',
  meaning: 'The container starts, then the process exits non-zero on its own; the cause is in the application or its inputs.',
  evidenceNeeded: 'CrashLoopBackOff or restarts, lastState.terminated with a non-zero exit code other than OOM, ideally the previous logs.',
  runbookAlert: 'KubePodCrashLooping', docs: DOCS.podFailureReason,
  nextSteps: (f) => [...podSteps(f), kubectl.events({ kind: 'Pod', namespace: f.subject.namespace!, name: f.subject.name }), ...undo(f)],
};

export const oom: RuleDefinition = {
  id: 'crashloop.oom', title: 'Crash loop: the container is OOMKilled', layer: 'application',
  meaning: 'The container is killed by the kernel for exceeding its memory limit, again and again.',
  evidenceNeeded: 'lastState.terminated.reason OOMKilled (exit 137) on a container that restarts or is in CrashLoopBackOff.',
  runbookAlert: 'KubePodCrashLooping', docs: DOCS.memory,
  nextSteps: (f) => {
    const pod = { kind: 'Pod', namespace: f.subject.namespace!, name: f.subject.name };
    const o = owner(f);
    return [
      kubectl.describe(pod),
      kubectl.topPod(pod, 'Memory use against the limit right now'),
      kubectl.logs(pod, f.subject.container, true, 'What the process was doing when it was killed'),
      ...(o ? [kubectl.custom(`kubectl -n ${f.subject.namespace} set resources ${o} -c ${f.subject.container} --limits=memory=${f.vars?.['suggestedLimit'] ?? '<higher>'}`,
        'Raise the memory limit if the working set legitimately grew (revert with the previous value)', 'reversible')] : []),
      ...undo(f),
    ];
  },
};

export const badCommand: RuleDefinition = {
  id: 'crashloop.bad-command', title: 'Crash loop: the command cannot be executed', layer: 'application',
  meaning: 'The container command or entrypoint is missing or not executable (exit 126/127, StartError), so the process never runs.',
  evidenceNeeded: 'Exit code 126 or 127, or a StartError / ContainerCannotRun message such as "executable file not found in $PATH".',
  runbookAlert: 'KubePodCrashLooping', docs: DOCS.podFailureReason,
  nextSteps: (f) => [...podSteps(f),
    kubectl.jsonpath({ kind: 'Pod', namespace: f.subject.namespace!, name: f.subject.name }, `{.spec.containers[?(@.name=="${f.subject.container}")].command}`, 'The command and args the container runs'), ...undo(f)],
};

export const exitedZero: RuleDefinition = {
  id: 'crashloop.exited-zero', title: 'Crash loop: the process exits successfully', layer: 'application',
  meaning: 'The main process finishes with exit code 0, but the pod restartPolicy is Always, so it is restarted forever; it should run in the foreground or be a Job.',
  evidenceNeeded: 'lastState.terminated with exit code 0 (reason Completed) on a restarting container.',
  runbookAlert: 'KubePodCrashLooping', docs: DOCS.podLifecycle,
  nextSteps: (f) => [...podSteps(f), kubectl.jsonpath({ kind: 'Pod', namespace: f.subject.namespace!, name: f.subject.name }, '{.spec.containers[*].command}', 'Check whether the command daemonises or exits')],
};

export const livenessProbe: RuleDefinition = {
  id: 'crashloop.liveness-probe', title: 'Crash loop: the liveness probe kills the container', layer: 'application',
  meaning: 'The kubelet kills the container because its liveness probe fails; the app may be slow to start, overloaded, or the probe may be wrong.',
  evidenceNeeded: 'Exit code 137 (or 143) without OOMKilled, plus "Liveness probe failed" / "failed liveness probe, will be restarted" events.',
  runbookAlert: 'KubePodCrashLooping', docs: DOCS.probes,
  nextSteps: (f) => [...podSteps(f),
    kubectl.jsonpath({ kind: 'Pod', namespace: f.subject.namespace!, name: f.subject.name }, `{.spec.containers[?(@.name=="${f.subject.container}")].livenessProbe}`, 'The probe definition: path, port, timeouts, thresholds'),
    ...undo(f)],
};

export const oomKilled: RuleDefinition = {
  id: 'container.oom-killed', title: 'Container was OOMKilled', layer: 'application',
  meaning: 'A container was killed for exceeding its memory limit, but it is not (yet) crash-looping.',
  evidenceNeeded: 'state or lastState.terminated.reason OOMKilled without CrashLoopBackOff.',
  runbookAlert: 'KubePodCrashLooping', docs: DOCS.memory,
  nextSteps: (f) => [kubectl.describe({ kind: 'Pod', namespace: f.subject.namespace!, name: f.subject.name }),
    kubectl.topPod({ kind: 'Pod', namespace: f.subject.namespace!, name: f.subject.name })],
};

export const createFailed: RuleDefinition = {
  id: 'container.create-failed', title: 'The runtime cannot create or start the container', layer: 'node',
  meaning: 'The container runtime fails to create or start the container (CreateContainerError, RunContainerError, StartError) for a reason other than configuration references.',
  evidenceNeeded: 'state.waiting.reason CreateContainerError or RunContainerError, or a Failed event from the kubelet with the runtime message.',
  runbookAlert: 'KubeContainerWaiting', docs: DOCS.debugPods,
  nextSteps: (f) => [kubectl.describe({ kind: 'Pod', namespace: f.subject.namespace!, name: f.subject.name }),
    kubectl.events({ kind: 'Pod', namespace: f.subject.namespace!, name: f.subject.name })],
};

export const initFailing: RuleDefinition = {
  id: 'init-container.failing', title: 'An init container keeps failing', layer: 'application',
  meaning: 'An init container exits non-zero (or crash-loops), so the app containers never start.',
  evidenceNeeded: 'initContainerStatuses with a non-zero terminated exit code, restarts or CrashLoopBackOff.',
  runbookAlert: 'KubePodCrashLooping', docs: DOCS.initContainers,
  nextSteps: (f) => [...podSteps(f)],
};

const CRASH_WAITING = new Set(['CrashLoopBackOff']);
const LIVENESS = /liveness probe/i;
const NOT_EXECUTABLE = /executable file not found|no such file or directory|permission denied|exec format error|not a directory/i;

function lastTermination(c: ContainerView): { t: ContainerStateTerminated; field: string } | undefined {
  if (c.status.lastState?.terminated) return { t: c.status.lastState.terminated, field: `${statusPath(c)}.lastState.terminated` };
  if (c.status.state?.terminated) return { t: c.status.state.terminated, field: `${statusPath(c)}.state.terminated` };
  return undefined;
}

function describeTermination(t: ContainerStateTerminated): string {
  return `reason=${t.reason ?? '?'} exitCode=${t.exitCode ?? '?'}${t.finishedAt ? ` finishedAt=${t.finishedAt}` : ''}${t.message ? ` message=${JSON.stringify(t.message.slice(0, 300))}` : ''}`;
}

function findingFor(snap: Snapshot, pod: Pod, c: ContainerView): Finding | undefined {
  const waiting = c.status.state?.waiting;
  const restarts = c.status.restartCount ?? 0;
  const term = lastTermination(c);
  const looping = CRASH_WAITING.has(waiting?.reason ?? '');
  if (waiting?.reason === 'CreateContainerError' || (waiting?.reason === 'RunContainerError' && !NOT_EXECUTABLE.test(waiting.message ?? ''))) {
    const events = containerEvents(snap, c, /^Failed$/).filter((e) => !/ErrImagePull|ImagePullBackOff|pull/i.test(e.message));
    return { id: 'container.create-failed', confidence: 0.85, subject: { kind: 'Pod', namespace: c.pod.namespace, name: c.pod.name, container: c.name },
      evidence: [fieldEvidence(c.pod, `${statusPath(c)}.state.waiting`, `${waiting.reason}: ${waiting.message ?? ''}`), ...events.slice(-2).map(eventEvidence)],
      summary: `The runtime cannot create container ${c.name} of pod ${c.pod.namespace}/${c.pod.name}: ${(waiting.message ?? waiting.reason).slice(0, 200)}.` };
  }
  if (!term && !looping) return undefined;
  const t = term?.t;
  const failed = t !== undefined && (t.exitCode !== 0 || t.reason === 'OOMKilled');
  if (!looping && restarts === 0 && !(failed && c.status.state?.terminated)) return undefined;

  const owner = workloadArg(ownerWorkload(snap, pod));
  const subject = { kind: 'Pod', namespace: c.pod.namespace, name: c.pod.name, container: c.name };
  const where = `container ${c.name} of pod ${c.pod.namespace}/${c.pod.name}`;
  const evidence = [
    ...(waiting?.reason ? [fieldEvidence(c.pod, `${statusPath(c)}.state.waiting`, `${waiting.reason}${waiting.message ? `: ${waiting.message}` : ''}`)] : []),
    ...(term ? [fieldEvidence(c.pod, term.field, describeTermination(term.t))] : []),
    fieldEvidence(c.pod, `${statusPath(c)}.restartCount`, String(restarts)),
  ];
  const vars: Record<string, string> = owner ? { owner } : {};
  const base = { subject, vars };
  const restartsText = restarts > 0 ? `, ${restarts} restarts` : '';

  if (c.init && (looping || failed)) {
    return { ...base, id: 'init-container.failing', confidence: 0.9, evidence,
      summary: `Init ${where} fails (${t?.reason ?? waiting?.reason ?? 'error'}, exit ${t?.exitCode ?? '?'}${restartsText}), so the app containers never start.`,
      supersedes: ['crashloop.app-error', 'crashloop.oom', 'crashloop.bad-command'] };
  }

  if (t?.reason === 'OOMKilled') {
    const limit = c.spec?.resources?.limits?.['memory'];
    if (limit) {
      evidence.push(fieldEvidence(c.pod, `spec.containers[${c.name}].resources.limits.memory`, limit));
      vars['suggestedLimit'] = suggestLimit(limit);
    }
    const at = limit ? ` at its ${limit} memory limit` : '';
    if (looping || restarts >= 2) {
      return { ...base, id: 'crashloop.oom', confidence: 0.95, evidence,
        summary: `${cap(where)} is crash-looping: OOMKilled (exit 137)${at}${restartsText}.`, supersedes: ['crashloop.app-error', 'container.oom-killed'] };
    }
    return { ...base, id: 'container.oom-killed', confidence: 0.8, evidence,
      summary: `${cap(where)} was OOMKilled (exit 137)${at}${restartsText}.` };
  }

  const events = containerEvents(snap, c);
  const liveness = events.filter((e) => (e.reason === 'Unhealthy' || e.reason === 'Killing') && LIVENESS.test(e.message));
  if (t && (t.exitCode === 137 || t.exitCode === 143) && liveness.length > 0) {
    return { ...base, id: 'crashloop.liveness-probe', confidence: 0.88, evidence: [...evidence, ...liveness.slice(-3).map(eventEvidence)],
      summary: `${cap(where)} is killed by its failing liveness probe (exit ${t.exitCode}${restartsText}).`, supersedes: ['crashloop.app-error'] };
  }

  const startMessage = `${t?.message ?? ''} ${waiting?.message ?? ''}`;
  if (t && (t.exitCode === 126 || t.exitCode === 127 || ((t.reason === 'StartError' || t.reason === 'ContainerCannotRun') && NOT_EXECUTABLE.test(startMessage)) ||
      (waiting?.reason === 'RunContainerError' && NOT_EXECUTABLE.test(startMessage)))) {
    return { ...base, id: 'crashloop.bad-command', confidence: 0.9, evidence,
      summary: `${cap(where)} cannot run its command (exit ${t.exitCode}${t.reason ? `, ${t.reason}` : ''}${restartsText}).`, supersedes: ['crashloop.app-error', 'container.create-failed'] };
  }

  if (t && t.exitCode === 0) {
    // A clean exit now and then (a restart after a node drain) is not a loop.
    if (!looping && restarts < 3) return undefined;
    return { ...base, id: 'crashloop.exited-zero', confidence: 0.85, evidence,
      summary: `${cap(where)} exits with code 0 and is restarted (restartPolicy Always)${restartsText}.` };
  }

  const lines = tellingLines(snap.logLines(c.pod, c.name, true) ?? snap.logLines(c.pod, c.name, false));
  const sigkill = t?.exitCode === 137 ? ' (SIGKILL without OOMKilled: check node memory pressure and probes)' : '';
  return { ...base, id: 'crashloop.app-error', confidence: lines.length > 0 ? 0.8 : 0.7,
    evidence: [...evidence, ...lines.map((l) => logEvidence(c, true, l))],
    summary: `${cap(where)} is crash-looping: the process exits with code ${t?.exitCode ?? '?'}${sigkill}${restartsText}${lines[0] ? `; last error: ${lines.at(-1)!.slice(0, 160)}` : ''}.` };
}

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** Doubles a memory quantity, keeping its unit, as a starting point for a new limit. */
export function suggestLimit(limit: string): string {
  const m = /^(\d+(?:\.\d+)?)([A-Za-z]*)$/.exec(limit.trim());
  return m ? `${Number(m[1]) * 2}${m[2]}` : limit;
}

function detect(snap: Snapshot): Finding[] {
  // An evicted pod's containers show exit 137 / ContainerStatusUnknown: that is pod.evicted's to explain.
  return snap.scopePods.filter((pod) => pod.status?.reason !== 'Evicted').flatMap((pod) => containersOf(pod).map((c) => findingFor(snap, pod, c)).filter((f): f is Finding => f !== undefined));
}

export const crashloop: RuleFamily = {
  name: 'crashloop',
  rules: [appError, oom, badCommand, exitedZero, livenessProbe, oomKilled, createFailed, initFailing],
  detect,
};
