// The controllers' view: rollouts that stop progressing, pods the API server refuses to create
// (quota, admission, anything else the controllers report as FailedCreate), and Jobs that gave up.
// Pod-level root causes belong to the other families; these rules describe the workload.
import type { EvidenceLine, Finding, ObjectRef, RuleDefinition, RuleFamily, Target } from '../types.ts';
import { compareTimes, type Condition, type Pod, type Workload } from '../kube.ts';
import { formatRef, metaOf, refKey, type Snapshot } from '../snapshot.ts';
import { containersOf, eventEvidence, fieldEvidence, logEvidence, podRef, statusPath, tellingLines } from '../pod-view.ts';
import { kubectl } from '../next-steps.ts';
import { DOCS } from '../docs-links.ts';

// ---------------------------------------------------------------------------------------------
// Rule metadata and next steps

const WORKLOAD_KINDS = ['Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob'];

/** The workload a finding is about: its subject, or the owner named in its vars. */
function workloadOf(f: Finding): ObjectRef {
  if (WORKLOAD_KINDS.includes(f.subject.kind) || f.subject.kind === 'ResourceQuota') return f.subject;
  const owner = f.vars?.['owner'];
  const [kind, name] = owner?.split('/') ?? [];
  const kinds: Record<string, string> = { deployment: 'Deployment', statefulset: 'StatefulSet', daemonset: 'DaemonSet', replicaset: 'ReplicaSet', job: 'Job', cronjob: 'CronJob' };
  return kind && name && kinds[kind] ? { kind: kinds[kind]!, namespace: f.subject.namespace!, name } : f.subject;
}

const sourceOf = (f: Finding): ObjectRef | undefined =>
  f.vars?.['sourceKind'] && f.vars['sourceName'] ? { kind: f.vars['sourceKind'], namespace: f.subject.namespace!, name: f.vars['sourceName'] } : undefined;

export const rolloutStuck: RuleDefinition = {
  id: 'rollout.stuck', title: 'Rollout is stuck', layer: 'application',
  meaning: 'A workload update stopped progressing: the new revision\'s pods do not become available, so the rollout never completes.',
  evidenceNeeded: 'Deployment condition Progressing=False with reason ProgressDeadlineExceeded, or fewer updated replicas than desired while the new revision\'s pods fail.',
  runbookAlert: 'KubeDeploymentReplicasMismatch', docs: DOCS.failedDeployment,
  nextSteps: (f) => {
    const w = workloadOf(f);
    return [
      kubectl.rolloutStatus(w),
      kubectl.describe(w, 'Conditions, replica counts and the events of the rollout'),
      ...(f.vars?.['pod'] ? [kubectl.describe({ kind: 'Pod', namespace: f.subject.namespace!, name: f.vars['pod'] }, 'Why a pod of the new revision fails')] : []),
      ...(w.kind === 'Deployment' || w.kind === 'StatefulSet' || w.kind === 'DaemonSet'
        ? [kubectl.rolloutHistory(w), kubectl.rolloutUndo(w, 'Roll back to the last revision that worked while the new one is fixed')]
        : []),
    ];
  },
};

export const failedCreate: RuleDefinition = {
  id: 'rollout.failed-create', title: 'The controller cannot create pods', layer: 'control-plane',
  meaning: 'The API server rejects the pods (or claims) a controller tries to create, so replicas are missing and nothing shows up at the pod level.',
  evidenceNeeded: 'FailedCreate events ("Error creating: ...") on the workload or its ReplicaSets, or a ReplicaFailure condition.',
  runbookAlert: 'KubeDeploymentReplicasMismatch', docs: DOCS.failedDeployment,
  nextSteps: (f) => {
    const w = workloadOf(f);
    const src = sourceOf(f);
    const sa = f.vars?.['serviceAccount'];
    return [
      kubectl.describe(w, 'Conditions and events of the workload'),
      ...(src && refKey(src) !== refKey(w) ? [kubectl.events(src, 'The FailedCreate events with the API server\'s full message')] : []),
      ...(sa ? [kubectl.list('serviceaccount', f.subject.namespace, sa, 'Does the ServiceAccount the pods run as exist?')] : []),
    ];
  },
};

export const quotaExceeded: RuleDefinition = {
  id: 'quota.exceeded', title: 'ResourceQuota rejects the pods', layer: 'scheduling',
  meaning: 'A ResourceQuota in the namespace is used up (or requires limits the pods do not set), so the API server refuses to create the pods.',
  evidenceNeeded: 'FailedCreate messages "exceeded quota: <name>, requested: ..., used: ..., limited: ..." or "failed quota: <name>: must specify ...", or a ResourceQuota whose status.used reaches status.hard.',
  runbookAlert: 'KubeQuotaExceeded', docs: DOCS.resourceQuotas,
  nextSteps: (f) => {
    const ns = f.subject.namespace;
    const quota = f.vars?.['quota'] ?? (f.subject.kind === 'ResourceQuota' ? f.subject.name : undefined);
    return [
      ...(quota ? [kubectl.describe({ kind: 'ResourceQuota', namespace: ns!, name: quota }, 'Used against hard, per resource')] : []),
      kubectl.list('resourcequota', ns, '', 'Every quota of the namespace'),
      ...(f.vars?.['mustSpecify'] ? [kubectl.list('limitrange', ns, '', 'A LimitRange with default limits would fill in what the quota requires')] : []),
      ...(f.subject.kind !== 'ResourceQuota' ? [kubectl.describe(workloadOf(f), 'The workload whose pods are rejected')] : []),
      kubectl.custom(`kubectl ${ns ? `-n ${ns} ` : ''}top pods`, 'What the running pods actually use, to decide between raising the quota and lowering requests'),
    ];
  },
};

export const admissionDenied: RuleDefinition = {
  id: 'admission.denied', title: 'Admission control rejects the pods', layer: 'control-plane',
  meaning: 'An admission controller (a validating webhook, Pod Security admission, SCC/PSP, LimitRange) rejects the pods, or a webhook that must be called is down.',
  evidenceNeeded: 'FailedCreate messages such as "admission webhook \\"x\\" denied the request", "violates PodSecurity \\"restricted:latest\\"", "failed calling webhook \\"x\\": ... context deadline exceeded".',
  runbookAlert: 'KubeDeploymentReplicasMismatch', docs: DOCS.admission,
  nextSteps: (f) => {
    const ns = f.subject.namespace;
    const kind = f.vars?.['admission'];
    const webhookSteps = [kubectl.custom('kubectl get validatingwebhookconfigurations,mutatingwebhookconfigurations -o custom-columns=NAME:.metadata.name,WEBHOOKS:.webhooks[*].name,FAILURE_POLICY:.webhooks[*].failurePolicy,SERVICE:.webhooks[*].clientConfig.service.name',
      f.vars?.['webhook'] ? `Which configuration holds webhook ${f.vars['webhook']}, its failurePolicy and its backing Service` : 'The admission webhooks, their failurePolicy and their backing Service')];
    const nsSteps = ns ? [kubectl.custom(`kubectl get namespace ${ns} --show-labels`, 'The pod-security.kubernetes.io/enforce level of the namespace')] : [];
    const extra = kind === 'pod-security' ? nsSteps
      : kind === 'limit-range' ? [kubectl.list('limitrange', ns, '-o yaml', 'The LimitRange bounds the pods violate')]
      : kind === 'scc' ? [kubectl.custom('kubectl get scc', 'The SecurityContextConstraints and who may use them')]
      : kind === 'webhook' ? webhookSteps
      : kind === 'webhook-down' ? [...webhookSteps, ...webhookBackend(f)]
      : [...webhookSteps, ...nsSteps];
    return [kubectl.describe(workloadOf(f), 'The rejected workload and the full admission message'), ...extra];
  },
};

/** Where a webhook that cannot be called runs: its Service's endpoints and pods. */
function webhookBackend(f: Finding) {
  const svc = f.vars?.['webhookService'];
  const ns = f.vars?.['webhookNamespace'];
  if (!svc || !ns) return [];
  return [
    kubectl.list('endpointslices', ns, `-l kubernetes.io/service-name=${svc}`, `Does the webhook Service ${ns}/${svc} have ready endpoints?`),
    kubectl.list('pods', ns, '-o wide', `The webhook's pods in namespace ${ns}: running and ready?`),
  ];
}

const jobSteps = (f: Finding) => {
  const job = f.subject.kind === 'Job' ? f.subject : { kind: 'Job', namespace: f.subject.namespace!, name: f.subject.name };
  const ns = job.namespace ? `-n ${job.namespace} ` : '';
  return [
    kubectl.describe(job, 'Conditions, pod counts and events of the Job'),
    kubectl.list('pods', job.namespace, `-l job-name=${job.name} -o wide`, 'The Job\'s pods and how each ended'),
    kubectl.custom(`kubectl ${ns}logs job/${job.name} --tail=200`, 'Output of one of the Job\'s pods'),
  ];
};

export const backoffLimit: RuleDefinition = {
  id: 'job.backoff-limit', title: 'Job reached its backoff limit', layer: 'application',
  meaning: 'The Job\'s pods failed more times than spec.backoffLimit allows, so the Job is marked Failed and stops retrying.',
  evidenceNeeded: 'Job condition Failed with reason BackoffLimitExceeded ("Job has reached the specified backoff limit"), or the matching event.',
  runbookAlert: 'KubeJobFailed', docs: DOCS.jobs,
  nextSteps: jobSteps,
};

export const deadlineExceeded: RuleDefinition = {
  id: 'job.deadline-exceeded', title: 'Job exceeded its active deadline', layer: 'application',
  meaning: 'The Job ran longer than spec.activeDeadlineSeconds, so its pods were killed and the Job is marked Failed.',
  evidenceNeeded: 'Job condition Failed with reason DeadlineExceeded ("Job was active longer than specified deadline"), or the matching event.',
  runbookAlert: 'KubeJobFailed', docs: DOCS.jobs,
  nextSteps: (f) => [...jobSteps(f),
    kubectl.jsonpath(f.subject.kind === 'Job' ? f.subject : { kind: 'Job', namespace: f.subject.namespace!, name: f.subject.name }, '{.spec.activeDeadlineSeconds}', 'The deadline the Job ran into')],
};

// ---------------------------------------------------------------------------------------------
// Helpers

const cond = (w: { status?: { conditions?: Condition[] } } | undefined, type: string) => w?.status?.conditions?.find((c) => c.type === type);
const condText = (c: Condition) => `${c.status ?? '?'}${c.reason ? ` ${c.reason}` : ''}${c.message ? `: ${c.message}` : ''}`;
const oneLine = (s: string, max = 300) => {
  const flat = s.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
};

/** Desired replicas of a workload (DaemonSet: desired scheduled). */
function desired(w: Workload): number {
  if (w.kind === 'DaemonSet') return w.status?.desiredNumberScheduled ?? 0;
  return w.spec?.replicas ?? 1;
}

/** Whether the workload says it has everything it wants: FailedCreate events on it are then stale. */
function satisfied(w: Workload | undefined): boolean {
  if (!w?.status) return false;
  const s = w.status;
  if (w.kind === 'Job') return cond(w, 'Complete')?.status === 'True';
  if (w.kind === 'CronJob') return false;
  if (cond(w, 'ReplicaFailure')?.status === 'True') return false;
  if (w.kind === 'DaemonSet') return (s.desiredNumberScheduled ?? 0) > 0 && (s.numberReady ?? 0) >= (s.desiredNumberScheduled ?? 0);
  const want = desired(w);
  if (w.kind === 'Deployment') return (s.updatedReplicas ?? 0) >= want && (s.availableReplicas ?? 0) >= want && (s.unavailableReplicas ?? 0) === 0;
  return (s.readyReplicas ?? 0) >= want;
}

const ownedBy = (o: unknown, kind: string, name: string) =>
  (metaOf(o as { metadata?: unknown }).ownerReferences ?? []).some((r) => r.kind === kind && r.name === name);

/** ReplicaSets of a Deployment in the evidence, newest revision first. */
function replicaSetsOf(snap: Snapshot, dep: ObjectRef): Workload[] {
  const rev = (rs: Workload) => Number(metaOf(rs).annotations?.['deployment.kubernetes.io/revision'] ?? 0);
  return snap.list<Workload>('ReplicaSet', dep.namespace).filter((rs) => ownedBy(rs, 'Deployment', dep.name)).sort((a, b) => rev(b) - rev(a));
}

/** The objects whose FailedCreate events concern the target: itself, its ReplicaSets or its Jobs. */
function createSources(snap: Snapshot, target: Target): ObjectRef[] {
  const refs = new Map<string, ObjectRef>([[refKey(target), target]]);
  const ns = target.namespace;
  if (target.kind === 'Deployment') {
    for (const rs of replicaSetsOf(snap, target)) refs.set(refKey({ kind: 'ReplicaSet', namespace: ns, name: metaOf(rs).name ?? '' }), { kind: 'ReplicaSet', ...(ns ? { namespace: ns } : {}), name: metaOf(rs).name ?? '' });
    // Without the ReplicaSet objects: the controller names them <deployment>-<pod-template-hash>.
    const byName = new RegExp(`^${escapeRe(target.name)}-[a-z0-9]{5,10}$`);
    for (const ev of snap.events) if (ev.regarding.kind === 'ReplicaSet' && ev.regarding.namespace === ns && byName.test(ev.regarding.name) && !snap.get('ReplicaSet', ns, ev.regarding.name)) refs.set(refKey(ev.regarding), { kind: 'ReplicaSet', ...(ns ? { namespace: ns } : {}), name: ev.regarding.name });
  }
  if (target.kind === 'CronJob') {
    for (const job of snap.list<Workload>('Job', ns).filter((j) => ownedBy(j, 'CronJob', target.name))) refs.set(refKey({ kind: 'Job', namespace: ns, name: metaOf(job).name ?? '' }), { kind: 'Job', ...(ns ? { namespace: ns } : {}), name: metaOf(job).name ?? '' });
    const byName = new RegExp(`^${escapeRe(target.name)}-\\d+$`);
    for (const ev of snap.events) if (ev.regarding.kind === 'Job' && ev.regarding.namespace === ns && byName.test(ev.regarding.name)) refs.set(refKey(ev.regarding), { kind: 'Job', ...(ns ? { namespace: ns } : {}), name: ev.regarding.name });
  }
  return [...refs.values()];
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

// ---------------------------------------------------------------------------------------------
// What the API server said when it refused a create

export interface Rejection {
  id: 'quota.exceeded' | 'admission.denied' | 'rollout.failed-create';
  /** The cause in a few words, for the summary. */
  cause: string;
  vars: Record<string, string>;
}

function pairs(list: string): Map<string, string> {
  return new Map(list.split(',').map((p) => p.trim().split('=') as [string, string]).filter((p) => p.length === 2 && p[0] !== ''));
}

/** Classifies a FailedCreate / ReplicaFailure message the way the API server and controllers print it. */
export function classifyRejection(message: string): Rejection {
  const msg = oneLine(message, 2000);
  const exceeded = /exceeded quota: ([^,\s]+), requested: (.+?), used: (.+?), limited: ([^\s]+(?:,[^\s]+)*)/.exec(msg);
  if (exceeded) {
    const [, quota, req, used, limited] = exceeded as unknown as [string, string, string, string, string];
    const r = pairs(req);
    const u = pairs(used);
    const l = pairs(limited);
    const resources = [...r.keys()];
    const detail = resources.map((k) => `${k} (requested ${r.get(k)}, used ${u.get(k) ?? '?'}, limited ${l.get(k) ?? '?'})`).join('; ');
    return { id: 'quota.exceeded', cause: `ResourceQuota ${quota} is exhausted for ${detail}`, vars: { quota, resource: resources.join(',') } };
  }
  const must = /failed quota: ([^:\s]+): must specify (.+)$/.exec(msg);
  if (must) {
    const [, quota, what] = must as unknown as [string, string, string];
    const resources = [...new Set(what.split(/[;,]/).map((s) => s.trim().split(/\s+/)[0] ?? '').filter((s) => /^(limits|requests)\.|^(cpu|memory)$/.test(s)))];
    return { id: 'quota.exceeded', cause: `ResourceQuota ${quota} requires ${resources.join(', ') || oneLine(what, 120)} to be set, and the pod template does not set ${resources.length > 1 ? 'them' : 'it'}`,
      vars: { quota, resource: resources.join(','), mustSpecify: 'true' } };
  }
  const down = /failed calling webhook "([^"]+)": (.+)$/.exec(msg);
  if (down) {
    const why = /context deadline exceeded|connection refused|no endpoints available for service "[^"]+"|x509: [^;]+|i\/o timeout|no such host|service "[^"]+" not found|EOF/.exec(down[2]!)?.[0] ?? oneLine(down[2]!, 160);
    // The webhook's Service, from the URL the API server called: https://<svc>.<ns>.svc:443/...
    const svc = /https?:\/\/([a-z0-9-]+)\.([a-z0-9-]+)\.svc\b/.exec(down[2]!);
    return { id: 'admission.denied', cause: `admission webhook "${down[1]}" cannot be called (${why}): the webhook is down or unreachable and its failurePolicy rejects the request`,
      vars: { admission: 'webhook-down', webhook: down[1]!, ...(svc ? { webhookService: svc[1]!, webhookNamespace: svc[2]! } : {}) } };
  }
  const webhook = /admission webhook "([^"]+)" denied the request:?\s*(.*)$/.exec(msg);
  if (webhook) {
    return { id: 'admission.denied', cause: `admission webhook "${webhook[1]}" denied the request${webhook[2] ? `: ${oneLine(webhook[2], 240)}` : ''}`, vars: { admission: 'webhook', webhook: webhook[1]! } };
  }
  const pss = /violates PodSecurity "([^"]+)":?\s*(.*)$/.exec(msg);
  if (pss) return { id: 'admission.denied', cause: `the pods violate PodSecurity "${pss[1]}" enforced on the namespace: ${oneLine(pss[2] ?? '', 240)}`, vars: { admission: 'pod-security', level: pss[1]! } };
  if (/unable to validate against any security context constraint/.test(msg)) {
    return { id: 'admission.denied', cause: `no SecurityContextConstraints admits the pods: ${oneLine(msg.replace(/^.*?unable to validate against any security context constraint:?\s*/, ''), 240)}`, vars: { admission: 'scc' } };
  }
  if (/PodSecurityPolicy: unable to admit pod/.test(msg)) {
    return { id: 'admission.denied', cause: `no PodSecurityPolicy admits the pods: ${oneLine(msg.replace(/^.*?unable to admit pod:?\s*/, ''), 240)}`, vars: { admission: 'psp' } };
  }
  const range = /((?:maximum|minimum) \S+ usage per (?:Container|Pod|PersistentVolumeClaim) is [^,\]]+(?:, but (?:limit|request) is [^,\]]+)?|\S+ max limit to request ratio per (?:Container|Pod) is [^,\]]+(?:, but provided ratio is [^,\]]+)?)/.exec(msg);
  if (range) return { id: 'admission.denied', cause: `a LimitRange rejects the pods: ${range[1]}`, vars: { admission: 'limit-range' } };
  const sa = /serviceaccount "([^"]+)" not found/.exec(msg);
  return { id: 'rollout.failed-create', cause: oneLine(msg, 240), vars: sa ? { serviceAccount: sa[1]! } : {} };
}

// ---------------------------------------------------------------------------------------------
// FailedCreate, ReplicaFailure and ResourceQuota

interface Report {
  ref: ObjectRef;
  message: string;
  evidence: EvidenceLine;
  count: number;
  last: string;
}

function createFailures(snap: Snapshot, target: Target, w: Workload | undefined): Finding[] {
  if (satisfied(w)) return [];
  const reports: Report[] = [];
  const sources = createSources(snap, target);
  for (const ref of sources) {
    for (const ev of snap.eventsFor(ref)) {
      if (ev.reason !== 'FailedCreate') continue;
      reports.push({ ref, message: ev.message, evidence: eventEvidence(ev), count: ev.count, last: ev.lastTime ?? ev.firstTime ?? '' });
    }
    const obj = refKey(ref) === refKey(target) ? w : snap.get<Workload>(ref.kind, ref.namespace, ref.name);
    const failure = cond(obj, 'ReplicaFailure');
    if (failure?.status === 'True' && failure.message) {
      reports.push({ ref, message: failure.message, evidence: fieldEvidence(ref, 'status.conditions[ReplicaFailure]', condText(failure)), count: 1, last: failure.lastTransitionTime ?? '' });
    }
  }
  if (reports.length === 0) return [];

  const byId = new Map<Rejection['id'], Array<{ report: Report; rejection: Rejection }>>();
  for (const report of reports) {
    const rejection = classifyRejection(report.message);
    const list = byId.get(rejection.id) ?? [];
    list.push({ report, rejection });
    byId.set(rejection.id, list);
  }
  const what = target.kind === 'CronJob' ? 'Jobs' : 'pods';
  const findings: Finding[] = [];
  for (const [id, items] of byId) {
    const sorted = [...items].sort((a, b) => compareTimes(a.report.last, b.report.last));
    const latest = sorted.at(-1)!;
    const total = items.reduce((n, i) => n + i.report.count, 0);
    const where = latest.report.ref.kind === target.kind && latest.report.ref.name === target.name ? '' : ` (on ${formatRef(latest.report.ref)})`;
    const times = total > 1 ? `, ${total} times` : '';
    findings.push({
      id,
      confidence: id === 'rollout.failed-create' ? 0.85 : 0.9,
      subject: target,
      summary: `${cap(formatRef(target))} cannot create ${what}: ${latest.rejection.cause}${where}${times}.`,
      evidence: [...new Map(sorted.reverse().map((i) => [i.report.evidence.source + i.report.evidence.text, i.report.evidence])).values()].slice(0, 4),
      vars: { ...latest.rejection.vars, sourceKind: latest.report.ref.kind, sourceName: latest.report.ref.name },
      supersedes: id === 'rollout.failed-create' ? ['rollout.stuck'] : ['rollout.failed-create', 'rollout.stuck'],
    });
  }
  return findings;
}

const UNITS: Record<string, number> = {
  n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

/** A Kubernetes resource quantity ("500m", "4Gi", "1e3") as a number, or undefined. */
export function parseQuantity(q: string | number | undefined): number | undefined {
  if (typeof q === 'number') return q;
  if (!q) return undefined;
  const m = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$/.exec(q.trim());
  if (!m) return undefined;
  return Number(m[1]) * UNITS[m[2] ?? '']!;
}

interface ResourceQuota {
  metadata?: unknown;
  status?: { hard?: Record<string, string>; used?: Record<string, string> };
}

function quotaTarget(snap: Snapshot): Finding[] {
  const t = snap.target;
  const quota = snap.targetObject as ResourceQuota | undefined;
  if (!quota?.status?.hard) return [];
  const used = quota.status.used ?? {};
  const full = Object.entries(quota.status.hard).flatMap(([k, hard]) => {
    const h = parseQuantity(hard);
    const u = parseQuantity(used[k]);
    return h !== undefined && u !== undefined && u >= h ? [{ k, hard, used: used[k]!, over: u > h }] : [];
  });
  if (full.length === 0) return [];
  const rejected = snap.events.filter((e) => e.regarding.namespace === t.namespace && e.reason === 'FailedCreate' &&
    (e.message.includes(`exceeded quota: ${t.name},`) || e.message.includes(`failed quota: ${t.name}:`)));
  const latest = [...rejected].sort((a, b) => compareTimes(a.lastTime ?? '', b.lastTime ?? '')).at(-1);
  const detail = full.map((f) => `${f.k} used ${f.used} of ${f.hard}`).join(', ');
  const consequence = latest
    ? `; it rejects new objects (${formatRef(latest.regarding)}: ${oneLine(latest.message, 200)})`
    : full.some((f) => f.over) ? '; usage is above the limit, so new objects are rejected' : '; any further request is rejected';
  return [{
    id: 'quota.exceeded',
    confidence: latest || full.some((f) => f.over) ? 0.9 : 0.75,
    subject: t,
    summary: `ResourceQuota ${t.namespace}/${t.name} is ${full.some((f) => f.over) ? 'exceeded' : 'fully used'}: ${detail}${consequence}.`,
    evidence: [
      ...full.map((f) => fieldEvidence(t, `status.used[${f.k}]`, `${f.used} (hard ${f.hard})`)),
      ...rejected.slice(-3).map(eventEvidence),
    ],
    vars: { quota: t.name, resource: full.map((f) => f.k).join(',') },
  }];
}

// ---------------------------------------------------------------------------------------------
// Rollouts

/** What is wrong with a pod in a few words, or undefined when nothing stands out yet. */
function podTrouble(p: Pod): string | undefined {
  if (p.status?.phase === 'Failed') return `Failed${p.status.reason ? ` (${p.status.reason})` : ''}`;
  for (const c of containersOf(p)) {
    const w = c.status.state?.waiting?.reason;
    if (w && !['ContainerCreating', 'PodInitializing'].includes(w)) return `${c.init ? 'init ' : ''}container ${c.name} ${w}`;
    const t = c.status.lastState?.terminated ?? c.status.state?.terminated;
    if (t && (t.exitCode ?? 0) !== 0 && ((c.status.restartCount ?? 0) > 0 || c.status.state?.terminated)) return `container ${c.name} exits ${t.exitCode}${t.reason ? ` (${t.reason})` : ''}`;
  }
  const scheduled = p.status?.conditions?.find((c) => c.type === 'PodScheduled');
  if (p.status?.phase === 'Pending' && scheduled?.status === 'False') return `Pending (${scheduled.reason ?? 'unschedulable'})`;
  return undefined;
}

function troubledPods(pods: Pod[]): Array<{ pod: Pod; trouble: string }> {
  return pods.flatMap((pod) => { const trouble = podTrouble(pod); return trouble ? [{ pod, trouble }] : []; });
}

function replicaText(w: Workload): string {
  const s = w.status ?? {};
  return `${s.updatedReplicas ?? 0}/${desired(w)} replicas updated, ${s.availableReplicas ?? s.readyReplicas ?? 0} available`;
}

function rolloutFinding(snap: Snapshot, target: Target, w: Workload): Finding | undefined {
  if (w.kind === 'Deployment') return deploymentRollout(snap, target, w);
  if (w.kind === 'StatefulSet' || w.kind === 'DaemonSet') return setRollout(snap, target, w);
  return undefined;
}

function deploymentRollout(snap: Snapshot, target: Target, w: Workload): Finding | undefined {
  if ((w.spec as { paused?: boolean } | undefined)?.paused) return undefined;
  const progressing = cond(w, 'Progressing');
  const explicit = progressing?.status === 'False' && progressing.reason === 'ProgressDeadlineExceeded';
  const want = desired(w);
  const s = w.status ?? {};
  const sets = replicaSetsOf(snap, target);
  const newRsName = /ReplicaSet "([^"]+)"/.exec(progressing?.message ?? '')?.[1] ?? (sets[0] ? metaOf(sets[0]).name : undefined);
  const newPods = newRsName ? snap.scopePods.filter((p) => ownedBy(p, 'ReplicaSet', newRsName)) : [];
  const troubled = troubledPods(newPods);
  const inProgress = (s.updatedReplicas ?? 0) < want || (s.replicas ?? 0) > want;
  if (!explicit && !(inProgress && sets.length > 1 && troubled.length > 0)) return undefined;

  const podsText = troubled.length > 0
    ? `; new pods: ${troubled.slice(0, 3).map((t) => `${metaOf(t.pod).name} ${t.trouble}`).join(', ')}${troubled.length > 3 ? ` and ${troubled.length - 3} more` : ''}`
    : '';
  const head = explicit ? `${progressing!.message ?? 'progress deadline exceeded'}`.replace(/\.$/, '') : `ReplicaSet ${newRsName ?? '?'} is not becoming available`;
  return {
    id: 'rollout.stuck', confidence: explicit ? 0.85 : 0.7, subject: target,
    summary: `Rollout of ${formatRef(target)} is stuck: ${head} (${replicaText(w)})${podsText}; this is the rollout view, the pods' own diagnosis says why they fail.`,
    evidence: [
      ...(progressing ? [fieldEvidence(target, 'status.conditions[Progressing]', condText(progressing))] : []),
      fieldEvidence(target, 'status', `replicas=${s.replicas ?? 0} updatedReplicas=${s.updatedReplicas ?? 0} readyReplicas=${s.readyReplicas ?? 0} availableReplicas=${s.availableReplicas ?? 0} unavailableReplicas=${s.unavailableReplicas ?? 0} (desired ${want})`),
      ...troubled.slice(0, 3).map((t) => fieldEvidence(podRef(t.pod), 'status', t.trouble)),
    ],
    vars: { ...(newRsName ? { replicaSet: newRsName } : {}), ...(troubled[0] ? { pod: metaOf(troubled[0].pod).name ?? '' } : {}) },
  };
}

function setRollout(snap: Snapshot, target: Target, w: Workload): Finding | undefined {
  const s = (w.status ?? {}) as Workload['status'] & { currentRevision?: string; updateRevision?: string; updatedNumberScheduled?: number };
  let pods = snap.scopePods;
  let inProgress: boolean;
  let counts: string;
  if (w.kind === 'StatefulSet') {
    inProgress = !!s.updateRevision && !!s.currentRevision && s.updateRevision !== s.currentRevision && (s.updatedReplicas ?? 0) < desired(w);
    pods = pods.filter((p) => metaOf(p).labels?.['controller-revision-hash'] === s.updateRevision);
    counts = `currentRevision=${s.currentRevision ?? '?'} updateRevision=${s.updateRevision ?? '?'} updatedReplicas=${s.updatedReplicas ?? 0} readyReplicas=${s.readyReplicas ?? 0} (desired ${desired(w)})`;
  } else {
    inProgress = (s.updatedNumberScheduled ?? 0) < (s.desiredNumberScheduled ?? 0) && (s.numberUnavailable ?? 0) > 0;
    counts = `desiredNumberScheduled=${s.desiredNumberScheduled ?? 0} updatedNumberScheduled=${s.updatedNumberScheduled ?? 0} numberReady=${s.numberReady ?? 0} numberUnavailable=${s.numberUnavailable ?? 0}`;
  }
  const troubled = troubledPods(pods);
  if (!inProgress || troubled.length === 0) return undefined;
  return {
    id: 'rollout.stuck', confidence: 0.65, subject: target,
    summary: `Rollout of ${formatRef(target)} is stuck: pods of the new revision fail (${troubled.slice(0, 3).map((t) => `${metaOf(t.pod).name} ${t.trouble}`).join(', ')}); this is the rollout view, the pods' own diagnosis says why they fail.`,
    evidence: [fieldEvidence(target, 'status', counts), ...troubled.slice(0, 3).map((t) => fieldEvidence(podRef(t.pod), 'status', t.trouble))],
    vars: { pod: metaOf(troubled[0]!.pod).name ?? '' },
  };
}

// ---------------------------------------------------------------------------------------------
// Jobs

function jobFindings(snap: Snapshot, target: Target, job: Workload): Finding[] {
  const failed = job.status?.conditions?.find((c) => (c.type === 'Failed' || c.type === 'FailureTarget') && c.status === 'True' &&
    (c.reason === 'BackoffLimitExceeded' || c.reason === 'DeadlineExceeded'));
  const events = snap.eventsFor(target).filter((e) => e.reason === 'BackoffLimitExceeded' || e.reason === 'DeadlineExceeded');
  const reason = failed?.reason ?? events.at(-1)?.reason;
  if (!reason) return [];
  const ownEvents = events.filter((e) => e.reason === reason);
  const s = job.status ?? {};
  const pods = snap.scopePods;
  const where = `Job ${target.namespace}/${target.name}`;
  const base: EvidenceLine[] = [
    ...(failed ? [fieldEvidence(target, `status.conditions[${failed.type}]`, condText(failed))] : []),
    ...ownEvents.slice(-1).map(eventEvidence),
  ];

  if (reason === 'DeadlineExceeded') {
    const deadline = job.spec?.activeDeadlineSeconds;
    const startTime = (s as { startTime?: string }).startTime;
    return [{
      id: 'job.deadline-exceeded', confidence: failed ? 0.95 : 0.85, subject: target,
      summary: `${where} failed: it was active longer than its deadline${deadline !== undefined ? ` (activeDeadlineSeconds ${deadline})` : ''}, so its pods were stopped (${s.succeeded ?? 0} succeeded, ${s.failed ?? 0} failed).`,
      evidence: [...base,
        ...(deadline !== undefined ? [fieldEvidence(target, 'spec.activeDeadlineSeconds', String(deadline))] : []),
        ...(startTime ? [fieldEvidence(target, 'status.startTime', startTime)] : [])],
    }];
  }

  // Exit codes of the failed pods, and the telling lines of the last one's logs.
  const exits: Array<{ code: number; reason?: string; evidence: EvidenceLine; pod: Pod; container: ReturnType<typeof containersOf>[number]; previous: boolean }> = [];
  for (const pod of pods) {
    for (const c of containersOf(pod)) {
      const current = c.status.state?.terminated;
      const t = current && (current.exitCode ?? 0) !== 0 ? current : c.status.lastState?.terminated;
      if (!t || (t.exitCode ?? 0) === 0) continue;
      const field = t === current ? 'state.terminated' : 'lastState.terminated';
      exits.push({ code: t.exitCode ?? 0, ...(t.reason ? { reason: t.reason } : {}), pod, container: c, previous: t !== current,
        evidence: fieldEvidence(c.pod, `${statusPath(c)}.${field}`, `reason=${t.reason ?? '?'} exitCode=${t.exitCode ?? '?'}${t.finishedAt ? ` finishedAt=${t.finishedAt}` : ''}`) });
    }
  }
  const codes = new Map<string, number>();
  for (const e of exits) {
    const key = `${e.code}${e.reason ? ` (${e.reason})` : ''}`;
    codes.set(key, (codes.get(key) ?? 0) + 1);
  }
  const codeText = [...codes.entries()].map(([k, n]) => (n > 1 ? `${k} ×${n}` : k)).join(', ');
  const last = exits.at(-1);
  const lines = last ? tellingLines(snap.logLines(last.container.pod, last.container.name, last.previous) ?? snap.logLines(last.container.pod, last.container.name, !last.previous), 2) : [];
  const limit = job.spec?.backoffLimit;
  return [{
    id: 'job.backoff-limit', confidence: failed ? 0.9 : 0.85, subject: target,
    summary: `${where} failed: it reached its backoff limit${limit !== undefined ? ` (${limit})` : ''} after ${s.failed ?? exits.length} failed pod${(s.failed ?? exits.length) === 1 ? '' : 's'}${codeText ? `; the pods exit with code ${codeText}` : ''}${lines.length > 0 ? `; last error: ${lines.at(-1)!.slice(0, 160)}` : ''}.`,
    evidence: [
      ...base,
      fieldEvidence(target, 'status', `failed=${s.failed ?? 0} succeeded=${s.succeeded ?? 0} active=${s.active ?? 0}${limit !== undefined ? ` (backoffLimit ${limit})` : ''}`),
      ...exits.slice(-3).map((e) => e.evidence),
      ...(last ? lines.map((l) => logEvidence(last.container, last.previous, l)) : []),
    ],
    vars: { ...(last ? { pod: metaOf(last.pod).name ?? '' } : {}) },
  }];
}

// ---------------------------------------------------------------------------------------------

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function detect(snap: Snapshot): Finding[] {
  const t = snap.target;
  if (t.kind === 'ResourceQuota') return quotaTarget(snap);
  if (!WORKLOAD_KINDS.includes(t.kind)) return [];
  const w = snap.targetObject as Workload | undefined;
  const findings = createFailures(snap, t, w);
  if (w) {
    const rollout = rolloutFinding(snap, t, w);
    if (rollout) findings.push(rollout);
    if (t.kind === 'Job') findings.push(...jobFindings(snap, t, w));
  }
  return findings;
}

export const controllers: RuleFamily = {
  name: 'controllers',
  rules: [rolloutStuck, failedCreate, quotaExceeded, admissionDenied, backoffLimit, deadlineExceeded],
  detect,
};
