// Readiness and startup probe failures, read from container ready/started flags and the kubelet's
// `Unhealthy` events ("Readiness probe failed: ...", "Startup probe failed: ..."). Liveness kills are
// crashloop.liveness-probe (crashloop.ts) and are not repeated here.
import type { Finding, RuleDefinition, RuleFamily } from '../types.ts';
import { compareTimes, type NormalizedEvent, type Pod, type Probe } from '../kube.ts';
import type { Snapshot } from '../snapshot.ts';
import { containerEvents, containersOf, eventEvidence, fieldEvidence, ownerWorkload, statusPath, workloadArg, type ContainerView } from '../pod-view.ts';
import { kubectl } from '../next-steps.ts';
import { DOCS } from '../docs-links.ts';

const podOf = (f: Finding) => ({ kind: 'Pod', namespace: f.subject.namespace ?? 'default', name: f.subject.name });
const probeSpec = (f: Finding, field: string, why: string) => kubectl.jsonpath(podOf(f),
  f.subject.container ? `{.spec.containers[?(@.name=="${f.subject.container}")].${field}}` : `{.spec.containers[*].${field}}`, why);
const ownerRef = (f: Finding) => {
  const [kind, name] = f.vars?.['owner']?.split('/') ?? [];
  return kind && name ? { kind, namespace: f.subject.namespace ?? 'default', name } : undefined;
};

export const readinessFailing: RuleDefinition = {
  id: 'probe.readiness-failing', title: 'Readiness probe failing: the pod gets no traffic', layer: 'application',
  meaning: 'The container runs but its readiness probe fails, so the pod is removed from Service endpoints; the app is unhealthy, overloaded, waiting on a dependency, or the probe is wrong.',
  evidenceNeeded: 'A running container with ready=false plus "Readiness probe failed: ..." Unhealthy events (or, without events, a KubePodNotReady alert and a defined readinessProbe).',
  runbookAlert: 'KubePodNotReady', docs: DOCS.probes,
  nextSteps: (f) => {
    const o = ownerRef(f);
    return [
      kubectl.describe(podOf(f), 'Readiness state, the probe definition and the Unhealthy events'),
      probeSpec(f, 'readinessProbe', 'The probe: path, port, timeoutSeconds, periodSeconds, failureThreshold'),
      kubectl.logs(podOf(f), f.subject.container, false, 'What the app logs while the probe fails'),
      kubectl.custom(`kubectl -n ${f.subject.namespace ?? 'default'} get endpointslices -o wide`, 'Whether the pod is listed as not ready in its Service endpoints'),
      ...(o && ['deployment', 'statefulset', 'daemonset'].includes(o.kind) ? [kubectl.rolloutHistory(o, 'Whether a new revision started failing readiness')] : []),
    ];
  },
};

export const startupFailing: RuleDefinition = {
  id: 'probe.startup-failing', title: 'Startup probe failing: the container never finishes starting', layer: 'application',
  meaning: 'The startup probe never succeeds within failureThreshold × periodSeconds, so the kubelet keeps killing and restarting the container before it counts as started.',
  evidenceNeeded: 'A container with started=false plus "Startup probe failed: ..." Unhealthy events or "failed startup probe, will be restarted" Killing events.',
  runbookAlert: 'KubePodNotReady', docs: DOCS.probes,
  nextSteps: (f) => [
    kubectl.describe(podOf(f), 'Started flag, restarts, the probe definition and the Unhealthy events'),
    probeSpec(f, 'startupProbe', 'The probe: path, port and failureThreshold × periodSeconds (the start-up budget)'),
    kubectl.logs(podOf(f), f.subject.container, true, 'How far the previous instance got before it was killed'),
    kubectl.logs(podOf(f), f.subject.container, false, 'What the current instance is doing while starting'),
  ],
};

const READINESS = /^Readiness probe (?:failed|errored): ?(.*)$/s;
const STARTUP = /^Startup probe (?:failed|errored): ?(.*)$/s;
const STARTUP_KILL = /failed startup probe, will be restarted/;
const LIVENESS_KILL = /failed liveness probe|^Liveness probe failed/;
/** Probe errors that only mean the container was already stopping. */
const STOPPING = /container (?:is )?not running|container not found|cannot exec in a stopped|No such container/i;

/** The telling part of a probe failure: HTTP status, refused, timeout, or the output itself. */
export function probeDetail(output: string, probe: Probe | undefined): string {
  const status = /statuscode: (\d{3})/.exec(output);
  if (status) return `HTTP ${status[1]}`;
  const where = /(?:dial tcp|connect to) ((?:\[[0-9a-f:]+\]|[\w.-]+):\d+)/i.exec(output)?.[1];
  if (/connection refused/i.test(output)) return `connection refused${where ? ` on ${where}` : ''}`;
  if (/context deadline exceeded|Client\.Timeout exceeded|i\/o timeout|timed out|timeout:/i.test(output)) {
    return `timeout${probe?.timeoutSeconds ? ` after ${probe.timeoutSeconds}s` : ''}${where ? ` on ${where}` : ''}`;
  }
  if (/no route to host/i.test(output)) return `no route to host${where ? ` on ${where}` : ''}`;
  if (/connection reset by peer/i.test(output)) return 'connection reset by peer';
  const text = output.trim().replace(/\s+/g, ' ');
  return text.length > 0 ? `"${text.slice(0, 160)}"` : 'no output';
}

function describeProbe(p: Probe | undefined): string | undefined {
  if (!p) return undefined;
  const how = p.httpGet ? `httpGet ${p.httpGet.path ?? '/'} port ${p.httpGet.port ?? '?'}`
    : p.tcpSocket ? `tcpSocket port ${p.tcpSocket.port ?? '?'}`
    : p.grpc ? `grpc port ${p.grpc.port ?? '?'}`
    : p.exec ? `exec ${JSON.stringify(p.exec.command ?? [])}` : 'probe';
  return `${how} timeoutSeconds=${p.timeoutSeconds ?? 1} periodSeconds=${p.periodSeconds ?? 10} failureThreshold=${p.failureThreshold ?? 3}${p.initialDelaySeconds ? ` initialDelaySeconds=${p.initialDelaySeconds}` : ''}`;
}

const byTime = (a: NormalizedEvent, b: NormalizedEvent) => compareTimes(a.lastTime ?? '', b.lastTime ?? '');
const total = (events: NormalizedEvent[]) => events.reduce((n, e) => n + e.count, 0);

function readinessFinding(snap: Snapshot, p: Pod, c: ContainerView): Finding | undefined {
  if (!c.status.state?.running || c.status.ready !== false) return undefined;
  if (c.status.started === false) return undefined; // still starting: the startup probe gates readiness
  const events = containerEvents(snap, c, /^Unhealthy$/).filter((e) => READINESS.test(e.message) && !STOPPING.test(e.message)).sort(byTime);
  const probe = c.spec?.readinessProbe;
  const alert = snap.alert?.labels['alertname'];
  const byAlert = events.length === 0 && probe !== undefined && (alert === 'KubePodNotReady' || alert === 'KubeDeploymentReplicasMismatch' || alert === 'KubeStatefulSetReplicasMismatch');
  if (events.length === 0 && !byAlert) return undefined;

  const subject = { kind: 'Pod', namespace: c.pod.namespace, name: c.pod.name, container: c.name };
  const ownerArg = workloadArg(ownerWorkload(snap, p));
  const vars = ownerArg ? { owner: ownerArg } : undefined;
  const spec = describeProbe(probe);
  const evidence = [
    fieldEvidence(c.pod, `${statusPath(c)}.ready`, `false (state running, restarts: ${c.status.restartCount ?? 0})`),
    ...events.slice(-3).map(eventEvidence),
    ...(spec ? [fieldEvidence(c.pod, `spec.containers[${c.name}].readinessProbe`, spec)] : []),
  ];
  const where = `Container ${c.name} of pod ${c.pod.namespace}/${c.pod.name}`;
  if (byAlert) {
    return { id: 'probe.readiness-failing', confidence: 0.6, subject, evidence: [...evidence, { source: 'alert', text: `alertname=${alert}` }], ...(vars ? { vars } : {}),
      summary: `${where} is running but not ready (readiness probe ${spec ?? ''} not passing; no probe events were available).` };
  }
  const last = events.at(-1)!;
  const detail = probeDetail(READINESS.exec(last.message)?.[1] ?? '', probe);
  // A container that the liveness probe also kills is a crash loop first (crashloop.liveness-probe).
  const livenessKills = containerEvents(snap, c).some((e) => (e.reason === 'Killing' || e.reason === 'Unhealthy') && LIVENESS_KILL.test(e.message));
  const n = total(events);
  // Failing readiness is why the Service endpoints are not ready and why a rollout does not progress.
  return { id: 'probe.readiness-failing', confidence: livenessKills ? 0.7 : 0.85, subject, evidence, ...(vars ? { vars } : {}),
    supersedes: ['service.endpoints-not-ready', 'rollout.stuck'],
    summary: `${where} is running but not ready: the readiness probe${probe?.httpGet ? ` (GET ${probe.httpGet.path ?? '/'} port ${probe.httpGet.port ?? '?'})` : ''} fails with ${detail}${n > 1 ? ` (${n} failures)` : ''}.` };
}

function startupFinding(snap: Snapshot, p: Pod, c: ContainerView): Finding | undefined {
  if (c.status.started === true || c.status.state?.terminated) return undefined;
  const events = containerEvents(snap, c).filter((e) => (e.reason === 'Unhealthy' && STARTUP.test(e.message) && !STOPPING.test(e.message)) || (e.reason === 'Killing' && STARTUP_KILL.test(e.message))).sort(byTime);
  const failures = events.filter((e) => e.reason === 'Unhealthy');
  if (events.length === 0) return undefined;
  const probe = c.spec?.startupProbe;
  const subject = { kind: 'Pod', namespace: c.pod.namespace, name: c.pod.name, container: c.name };
  const ownerArg = workloadArg(ownerWorkload(snap, p));
  const restarts = c.status.restartCount ?? 0;
  const waiting = c.status.state?.waiting;
  const spec = describeProbe(probe);
  const evidence = [
    fieldEvidence(c.pod, `${statusPath(c)}.started`, `${c.status.started ?? 'unset'} (restarts: ${restarts}${waiting?.reason ? `, waiting: ${waiting.reason}` : ''})`),
    ...events.slice(-3).map(eventEvidence),
    ...(spec ? [fieldEvidence(c.pod, `spec.containers[${c.name}].startupProbe`, spec)] : []),
  ];
  const last = failures.at(-1);
  const detail = last ? probeDetail(STARTUP.exec(last.message)?.[1] ?? '', probe) : undefined;
  const budget = probe ? ` within ${(probe.failureThreshold ?? 3) * (probe.periodSeconds ?? 10)}s (failureThreshold × periodSeconds)` : '';
  const kills = events.some((e) => e.reason === 'Killing');
  // A process that exits on its own (not SIGKILL/SIGTERM from the kubelet) is a crash, not a probe kill.
  const exit = c.status.lastState?.terminated?.exitCode;
  const selfExit = !kills && exit !== undefined && exit !== 137 && exit !== 143;
  if (selfExit) {
    return { id: 'probe.startup-failing', confidence: 0.6, subject, evidence, ...(ownerArg ? { vars: { owner: ownerArg } } : {}),
      summary: `Container ${c.name} of pod ${c.pod.namespace}/${c.pod.name} fails its startup probe${detail ? ` (${detail})` : ''}, but the process itself exits with code ${exit}: the crash comes first.` };
  }
  return {
    id: 'probe.startup-failing', confidence: c.status.started === false ? 0.88 : 0.8, subject, evidence,
    ...(ownerArg ? { vars: { owner: ownerArg } } : {}),
    summary: `Container ${c.name} of pod ${c.pod.namespace}/${c.pod.name} never passes its startup probe${budget}${detail ? `: ${detail}` : ''}${kills || restarts > 0 ? `; the kubelet restarts it (${restarts} restarts)` : ''}.`,
    supersedes: ['crashloop.app-error', 'probe.readiness-failing', 'service.endpoints-not-ready', 'rollout.stuck'],
  };
}

function detect(snap: Snapshot): Finding[] {
  return snap.scopePods.flatMap((p) => containersOf(p).flatMap((c) => {
    const startup = startupFinding(snap, p, c);
    if (startup) return [startup];
    const readiness = readinessFinding(snap, p, c);
    return readiness ? [readiness] : [];
  }));
}

export const probes: RuleFamily = {
  name: 'probes',
  rules: [readinessFailing, startupFailing],
  detect,
};
