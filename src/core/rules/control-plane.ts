// Control plane: evidence that etcd (and the API server in front of it) is what fails. Read from
// `etcdserver: ...` errors that controllers and the scheduler get back from the API server, API
// server timeouts in controller events, a failing etcd (or etcd-starved kube-apiserver) static pod,
// and etcd* alerts. Events about objects outside the target's scope count, but weakly: etcd trouble
// is cluster-wide, yet it does not prove it is what broke this target.
import type { EvidenceLine, Finding, NextStep, RuleDefinition, RuleFamily, Target } from '../types.ts';
import { compareTimes, type NormalizedEvent, type Pod } from '../kube.ts';
import { metaOf, refKey, type Snapshot } from '../snapshot.ts';
import { scopeRefs } from '../timeline.ts';
import { containersOf, eventEvidence, fieldEvidence, logEvidence, podRef, statusPath } from '../pod-view.ts';
import { kubectl } from '../next-steps.ts';
import { DOCS } from '../docs-links.ts';

const ETCDCTL = 'etcdctl --endpoints=https://127.0.0.1:2379 --cacert=/etc/kubernetes/pki/etcd/ca.crt --cert=/etc/kubernetes/pki/etcd/server.crt --key=/etc/kubernetes/pki/etcd/server.key';

function etcdPodName(f: Finding): string | undefined {
  if (f.vars?.['etcdPod']) return f.vars['etcdPod'];
  return f.vars?.['node'] ? `etcd-${f.vars['node']}` : undefined;
}

export const etcd: RuleDefinition = {
  id: 'control-plane.etcd', title: 'etcd / API server storage is failing', layer: 'control-plane',
  meaning: 'etcd, the API server\'s storage, is slow, leaderless, out of space or down, so API writes time out or are rejected and controllers cannot create or update objects.',
  evidenceNeeded: '"etcdserver: request timed out / leader changed / mvcc: database space exceeded" in events (e.g. FailedCreate), API server timeouts in controller events, a failing kube-system/etcd-<node> static pod or its logs, or an etcd* alert.',
  docs: DOCS.etcd,
  nextSteps: (f) => {
    const pod = etcdPodName(f);
    const steps: NextStep[] = [
      kubectl.custom(`kubectl get --raw '/readyz?verbose'`, 'API server readiness checks, including [+]etcd and [+]etcd-readiness'),
      kubectl.custom('kubectl -n kube-system get pods -l component=etcd -o wide', 'The etcd members (self-hosted control planes only; managed services hide etcd)'),
      kubectl.custom('kubectl get events -A --field-selector type=Warning --sort-by=.lastTimestamp', 'Whether other controllers hit the same etcdserver errors'),
    ];
    if (pod) {
      steps.push(
        kubectl.logs({ kind: 'Pod', namespace: 'kube-system', name: pod }, 'etcd', false, 'etcd logs: "apply request took too long", "slow fdatasync", leader elections, NOSPACE'),
        kubectl.custom(`kubectl -n kube-system exec ${pod} -- ${ETCDCTL} endpoint status --cluster -w table`, 'Leader, raft term, DB size of every member'),
        kubectl.custom(`kubectl -n kube-system exec ${pod} -- ${ETCDCTL} alarm list`, 'Whether the NOSPACE (or CORRUPT) alarm is raised'),
      );
      if (f.vars?.['cause'] === 'nospace') {
        steps.push(
          kubectl.custom(`kubectl -n kube-system exec ${pod} -- ${ETCDCTL} defrag`, 'Reclaim space after compaction; blocks this member while it runs, do one member at a time', 'risky'),
          kubectl.custom(`kubectl -n kube-system exec ${pod} -- ${ETCDCTL} alarm disarm`, 'Re-enable writes once the DB is below its quota', 'risky'),
        );
      }
    }
    return steps;
  },
};

const ETCD_ERROR = /etcdserver: ([^"\n]+?)(?=["\n]|$)/;
/** Client-side limits: the object is too big, not etcd being unhealthy. */
const ETCD_CLIENT_ERROR = /etcdserver: (?:request is too large|too many operations in txn request)/;
const APISERVER_TIMEOUT = /Timeout: request did not complete within requested timeout|the server was unable to return a response in the time allotted|storage backend|\[-\]etcd /i;
const WEBHOOK = /webhook/i;
const ETCD_LOG = /database space exceeded|NOSPACE|took too long|slow fdatasync|heartbeat on time|lost leader|no leader|leader changed|prober detected unhealthy|request timed out|cluster ID mismatch|"level":"(?:fatal|panic)"|^panic:|failed to (?:open|find|publish|start|recover)|certificate has expired|bad certificate|address already in use|has already been bootstrapped|data-dir/i;
const APISERVER_ETCD_LOG = /:2379\b|etcdserver:|storage backend|\[-\]etcd |etcd client|etcd cluster is unavailable/i;

type Cause = 'nospace' | 'disk' | 'leader' | 'slow' | 'unreachable' | 'down' | 'alert' | 'other';

function causeOf(text: string): Cause {
  if (/database space exceeded|NOSPACE|mvcc: database/i.test(text)) return 'nospace';
  if (/no space left on device/i.test(text)) return 'disk';
  if (/leader changed|no leader|lost leader|leader failure|elected leader/i.test(text)) return 'leader';
  if (/timed out|took too long|slow fdatasync|heartbeat on time|too many requests|deadline exceeded|did not complete/i.test(text)) return 'slow';
  if (/:2379|connection refused|etcd cluster is unavailable|storage backend|\[-\]etcd /i.test(text)) return 'unreachable';
  return 'other';
}

const CAUSE_TEXT: Record<Cause, string> = {
  nospace: 'etcd is out of space (mvcc: database space exceeded), so the API server rejects writes until etcd is compacted, defragmented and the NOSPACE alarm disarmed',
  disk: 'the etcd data disk is full (no space left on device)',
  leader: 'etcd lost or keeps changing its leader, so API writes fail during elections',
  slow: 'etcd requests time out (typically slow disk fsync or an overloaded member)',
  unreachable: 'the API server cannot reach etcd',
  down: 'the etcd member is down',
  alert: 'an etcd alert is firing',
  other: 'etcd returns errors',
};

const isEtcdPod = (p: Pod) => {
  const m = metaOf(p);
  return m.namespace === 'kube-system' && (m.labels?.['component'] === 'etcd' || /^etcd-/.test(m.name ?? ''));
};
const isApiserverPod = (p: Pod) => {
  const m = metaOf(p);
  return m.namespace === 'kube-system' && (m.labels?.['component'] === 'kube-apiserver' || /^kube-apiserver-/.test(m.name ?? ''));
};

function unhealthy(p: Pod): string | undefined {
  if (p.status?.phase && p.status.phase !== 'Running') return `phase ${p.status.phase}`;
  for (const c of containersOf(p)) {
    const w = c.status.state?.waiting;
    if (w?.reason) return `container ${c.name} ${w.reason}`;
    if (c.status.state?.terminated) return `container ${c.name} terminated (exit ${c.status.state.terminated.exitCode ?? '?'})`;
    if (!c.init && c.status.ready === false) return `container ${c.name} not ready`;
  }
  return undefined;
}

interface Signal { confidence: number; evidence: EvidenceLine[]; cause: Cause; detail: string; subject?: Target; vars?: Record<string, string> }

function podLogLines(snap: Snapshot, p: Pod, re: RegExp): EvidenceLine[] {
  const out: EvidenceLine[] = [];
  for (const c of containersOf(p)) {
    for (const previous of [true, false]) {
      const lines = (snap.logLines(c.pod, c.name, previous) ?? []).filter((l) => re.test(l)).slice(-2);
      out.push(...lines.map((l) => logEvidence(c, previous, l.slice(0, 400))));
    }
  }
  return out.slice(-3);
}

function podSignals(snap: Snapshot): Signal[] {
  const out: Signal[] = [];
  for (const p of snap.scopePods) {
    const ref = podRef(p);
    const subject: Target = { kind: 'Pod', namespace: ref.namespace, name: ref.name };
    const nodeVars = { ...(p.spec?.nodeName ? { node: p.spec.nodeName } : {}) };
    const events = snap.eventsFor(ref).filter((e) => e.type === 'Warning').slice(-2).map(eventEvidence);
    if (isEtcdPod(p)) {
      const state = unhealthy(p);
      const logs = podLogLines(snap, p, ETCD_LOG);
      if (!state && logs.length === 0) continue;
      const stateEvidence = containersOf(p).map((c) => fieldEvidence(ref, `${statusPath(c)}`, `ready=${c.status.ready ?? false} restarts=${c.status.restartCount ?? 0} ${JSON.stringify(c.status.state ?? {}).slice(0, 200)}`));
      const fromLogs = logs.length > 0 ? causeOf(logs.map((l) => l.text).join('\n')) : 'other';
      const cause: Cause = fromLogs === 'other' && state ? 'down' : fromLogs;
      out.push({ confidence: state ? 0.9 : 0.75, cause, subject, vars: { ...nodeVars, etcdPod: ref.name },
        evidence: [...stateEvidence.slice(0, 2), ...logs, ...events],
        detail: `etcd static pod ${ref.namespace}/${ref.name} ${state ? `is failing (${state})` : 'logs storage trouble'}` });
    } else if (isApiserverPod(p)) {
      const logs = podLogLines(snap, p, APISERVER_ETCD_LOG);
      if (logs.length === 0) continue;
      const state = unhealthy(p);
      const fromLogs = causeOf(logs.map((l) => l.text).join('\n'));
      out.push({ confidence: state ? 0.85 : 0.7, cause: fromLogs === 'other' ? 'unreachable' : fromLogs, subject,
        vars: { ...nodeVars, ...(p.spec?.nodeName ? { etcdPod: `etcd-${p.spec.nodeName}` } : {}) },
        evidence: [...logs, ...events],
        detail: `kube-apiserver ${ref.namespace}/${ref.name}${state ? ` is failing (${state}) and` : ''} logs etcd errors` });
    }
  }
  return out;
}

interface EventSignal extends Signal { scoped: boolean }

function eventSignals(snap: Snapshot): EventSignal[] {
  const inScope = new Set(scopeRefs(snap).map(refKey));
  const etcdEvents = snap.events.filter((e) => ETCD_ERROR.test(e.message) && !ETCD_CLIENT_ERROR.test(e.message));
  const timeouts = snap.events.filter((e) => e.type === 'Warning' && /^Failed/.test(e.reason) && APISERVER_TIMEOUT.test(e.message) && !WEBHOOK.test(e.message) && !ETCD_ERROR.test(e.message));
  const sorted = (evs: NormalizedEvent[]) => [...evs].sort((a, b) => compareTimes(a.lastTime ?? '', b.lastTime ?? ''));
  const describeEvs = (evs: NormalizedEvent[]) => {
    const last = sorted(evs).at(-1)!;
    const r = last.regarding;
    const said = ETCD_ERROR.exec(last.message)?.[0] ?? APISERVER_TIMEOUT.exec(last.message)?.[0] ?? last.message;
    return `${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name} got "${said.slice(0, 160)}" back from the API server (${last.reason})`;
  };
  const out: EventSignal[] = [];
  for (const [evs, strong] of [[etcdEvents, 0.85], [timeouts, 0.7]] as const) {
    if (evs.length === 0) continue;
    const mine = evs.filter((e) => inScope.has(refKey(e.regarding)));
    const use = mine.length > 0 ? mine : evs;
    out.push({ scoped: mine.length > 0, confidence: mine.length > 0 ? strong : 0.5, cause: causeOf(use.map((e) => e.message).join('\n')),
      evidence: sorted(use).slice(-3).map(eventEvidence), detail: describeEvs(use) });
  }
  return out;
}

function alertSignal(snap: Snapshot): Signal | undefined {
  const name = snap.alert?.labels['alertname'];
  if (!name || !/^etcd/i.test(name)) return undefined;
  const labels = snap.alert!.labels;
  const cause: Cause = /NoLeader|LeaderChanges/i.test(name) ? 'leader' : /QuotaLowSpace|DatabaseHighFragmentation|SpaceExceeded/i.test(name) ? 'nospace'
    : /Fsync|Commit|Slow|Latency/i.test(name) ? 'slow' : /MembersDown|InsufficientMembers/i.test(name) ? 'down' : 'alert';
  const extra = ['instance', 'job', 'pod'].filter((k) => labels[k]).map((k) => `${k}=${labels[k]}`).join(' ');
  const podName = labels['pod'] && /^etcd-/.test(labels['pod']) ? labels['pod'] : undefined;
  return { confidence: 0.75, cause, evidence: [{ source: 'alert', text: `alertname=${name}${extra ? ` ${extra}` : ''}${snap.alert!.annotations['description'] ? `: ${snap.alert!.annotations['description']}` : ''}` }],
    detail: `Alert ${name} is firing`, ...(podName ? { vars: { etcdPod: podName } } : {}) };
}

function detect(snap: Snapshot): Finding[] {
  const events = eventSignals(snap);
  const signals: Signal[] = [...podSignals(snap), ...events.filter((e) => e.scoped)];
  const alert = alertSignal(snap);
  if (alert) signals.push(alert);
  if (signals.length === 0) return [];
  // etcd errors about objects outside the target's scope only support a signal that stands on its own.
  signals.push(...events.filter((e) => !e.scoped));
  signals.sort((a, b) => b.confidence - a.confidence);
  const top = signals[0]!;
  // Several independent signals agreeing raise the confidence a little.
  const confidence = Math.min(0.95, top.confidence + 0.05 * (signals.length - 1));
  const cause = signals.map((s) => s.cause).find((c) => c !== 'other' && c !== 'alert' && c !== 'down') ?? top.cause;
  const vars: Record<string, string> = Object.assign({}, ...signals.map((s) => s.vars ?? {}).reverse(), { cause });
  const subject = top.subject ?? signals.find((s) => s.subject)?.subject ?? snap.target;
  const podLevel = signals.some((s) => s.subject !== undefined);
  const scopedEvents = events.some((e) => e.scoped);
  const supersedes = [
    ...(podLevel ? ['crashloop.app-error', 'crashloop.liveness-probe', 'probe.readiness-failing', 'probe.startup-failing'] : []),
    // A controller that cannot create pods because etcd times out is not a rollout or admission problem.
    ...(scopedEvents ? ['rollout.failed-create', 'rollout.stuck'] : []),
  ];
  return [{
    id: 'control-plane.etcd', confidence, subject, vars,
    evidence: signals.flatMap((s) => s.evidence).slice(0, 10),
    summary: `${top.detail}: ${CAUSE_TEXT[cause]}${signals.length > 1 ? ` (${signals.length} independent signals)` : ''}.`,
    ...(supersedes.length > 0 ? { supersedes } : {}),
  }];
}

export const controlPlane: RuleFamily = {
  name: 'control-plane',
  rules: [etcd],
  detect,
};
