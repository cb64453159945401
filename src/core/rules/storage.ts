// Storage failures: claims that never bind, volumes that cannot be attached or mounted, and
// applications denied access to their mounted volumes. A Pending claim is the root cause of the
// scheduler's "pod has unbound immediate PersistentVolumeClaims", so it supersedes that symptom.
// Mounts of configmaps and secrets that do not exist belong to the config family, not here.
// No step ever deletes a PVC: recreating a claim can lose the data behind it.
import type { EvidenceLine, Finding, NextStep, RuleDefinition, RuleFamily, Target } from '../types.ts';
import { compareTimes, type NormalizedEvent, type PersistentVolumeClaim, type Pod } from '../kube.ts';
import { metaOf, type Snapshot } from '../snapshot.ts';
import { containerEvents, containersOf, eventEvidence, fieldEvidence, logEvidence, ownerWorkload, podEvents, podRef, statusPath, workloadArg, type ContainerView } from '../pod-view.ts';
import { kubectl } from '../next-steps.ts';
import { DOCS } from '../docs-links.ts';

// ---------------------------------------------------------------------------------------------
// Next steps
// ---------------------------------------------------------------------------------------------

const podOf = (f: Finding) => ({ kind: 'Pod', namespace: f.subject.namespace ?? '', name: f.subject.name });
const nsFlag = (f: Finding) => (f.subject.namespace ? `-n ${f.subject.namespace} ` : '');
const claimOf = (f: Finding) => f.vars?.['claim'] ?? (f.subject.kind === 'PersistentVolumeClaim' ? f.subject.name : undefined);
const claimRef = (f: Finding, name: string) => ({ kind: 'PersistentVolumeClaim', namespace: f.subject.namespace ?? '', name });
const describeClaim = (f: Finding, why = 'The claim\'s status and the events of the PV controller and provisioner'): NextStep[] => {
  const claim = claimOf(f);
  return claim ? [kubectl.describe(claimRef(f, claim), why)] : [];
};
const volumeAttachments = kubectl.custom(
  'kubectl get volumeattachments -o custom-columns=NAME:.metadata.name,PV:.spec.source.persistentVolumeName,NODE:.spec.nodeName,ATTACHED:.status.attached,ERROR:.status.attachError.message',
  'Which node each volume is attached to, and the attacher\'s last error');
const ownerOf = (f: Finding) => {
  const o = f.vars?.['owner'];
  const [kind, name] = o ? o.split('/') : [];
  return kind && name ? { kind, name, arg: o! } : undefined;
};

export const pvcPending: RuleDefinition = {
  id: 'storage.pvc-pending', title: 'PersistentVolumeClaim stays Pending', layer: 'storage',
  meaning: 'The claim never binds to a volume: no StorageClass applies (none set and no default), the class does not exist, provisioning fails, or no PersistentVolume matches.',
  evidenceNeeded: 'A PVC in phase Pending with no storageClassName and no default StorageClass, a StorageClass that is not found, or ProvisioningFailed / FailedBinding events (WaitForFirstConsumer alone is normal).',
  runbookAlert: 'KubePersistentVolumeErrors', docs: DOCS.storageClasses,
  nextSteps: (f) => {
    const claim = claimOf(f);
    const steps: NextStep[] = [
      ...describeClaim(f),
      kubectl.custom('kubectl get storageclass', 'The classes that exist; the default one is marked "(default)"'),
      ...(claim ? [kubectl.jsonpath(claimRef(f, claim), '{.spec.storageClassName}{"\\t"}{.spec.accessModes}{"\\t"}{.spec.resources.requests.storage}', 'What the claim asks for: class, access modes, size')] : []),
      kubectl.custom('kubectl get pv', 'Existing volumes that could satisfy a claim without a class'),
    ];
    if (f.subject.kind === 'Pod') steps.push(kubectl.describe(podOf(f), 'The pod waiting for the claim'));
    const candidate = f.vars?.['candidateClass'];
    if (candidate) {
      steps.push(kubectl.custom(`kubectl patch storageclass ${candidate} -p '{"metadata":{"annotations":{"storageclass.kubernetes.io/is-default-class":"true"}}}'`,
        'Make a class the cluster default so claims without a class get it (cluster-wide; remove the annotation to revert)', 'risky'));
    }
    return steps;
  },
};

export const mountFailed: RuleDefinition = {
  id: 'storage.mount-failed', title: 'A volume cannot be mounted', layer: 'storage',
  meaning: 'The kubelet cannot mount one of the pod\'s volumes (CSI/node plugin failure, NFS/iSCSI error, missing path, timeout), so the containers never start.',
  evidenceNeeded: 'FailedMount events such as "MountVolume.SetUp failed for volume ..." or "Unable to attach or mount volumes: unmounted volumes=[...]" on a pod stuck in ContainerCreating (configmap/secret not found excluded).',
  runbookAlert: 'KubePersistentVolumeErrors', docs: DOCS.persistentVolumes,
  nextSteps: (f) => [
    kubectl.describe(podOf(f), 'The FailedMount events with the mounter\'s error'),
    ...describeClaim(f),
    volumeAttachments,
    ...(f.vars?.['node'] ? [kubectl.list('pods', undefined, `-A -o wide --field-selector spec.nodeName=${f.vars['node']}`, 'Whether the CSI node plugin pod runs (and is Ready) on the pod\'s node')] : []),
    kubectl.custom('kubectl get csidrivers', 'The CSI drivers registered in the cluster'),
  ],
};

export const multiAttach: RuleDefinition = {
  id: 'storage.multi-attach', title: 'Volume is still attached to another node (Multi-Attach)', layer: 'storage',
  meaning: 'A ReadWriteOnce volume is still attached to (or used by a pod on) another node, so it cannot be attached where the new pod runs.',
  evidenceNeeded: 'A FailedAttachVolume event "Multi-Attach error for volume ... Volume is already used by pod(s) ..." or "... exclusively attached to one node".',
  runbookAlert: 'KubePersistentVolumeErrors', docs: DOCS.persistentVolumes,
  nextSteps: (f) => {
    const o = ownerOf(f);
    return [
      kubectl.describe(podOf(f), 'The Multi-Attach event names the volume and the pod(s) holding it'),
      volumeAttachments,
      kubectl.list('pods', f.subject.namespace, '-o wide', 'Where the pod holding the volume runs, and whether it is stuck Terminating on a NotReady node'),
      ...describeClaim(f, 'The claim\'s access modes (ReadWriteOnce allows one node)'),
      ...(o?.kind === 'deployment' ? [kubectl.custom(`kubectl ${nsFlag(f)}patch ${o.arg} -p '{"spec":{"strategy":{"type":"Recreate","rollingUpdate":null}}}'`,
        'With a ReadWriteOnce volume, a rolling update starts the new pod before the old one releases the volume; Recreate avoids that (patch back to RollingUpdate to revert)', 'reversible')] : []),
    ];
  },
};

export const attachFailed: RuleDefinition = {
  id: 'storage.attach-failed', title: 'A volume cannot be attached to the node', layer: 'storage',
  meaning: 'The attach/detach controller or the CSI attacher fails to attach the volume to the pod\'s node (cloud API error, node attach limit, zone mismatch, missing permissions).',
  evidenceNeeded: 'A FailedAttachVolume event "AttachVolume.Attach failed for volume ..." (not Multi-Attach) on a pod stuck in ContainerCreating.',
  runbookAlert: 'KubePersistentVolumeErrors', docs: DOCS.persistentVolumes,
  nextSteps: (f) => [
    kubectl.describe(podOf(f), 'The FailedAttachVolume event with the attacher\'s error'),
    volumeAttachments,
    ...(f.vars?.['volume'] ? [kubectl.describe({ kind: 'PersistentVolume', name: f.vars['volume'] }, 'The volume: driver, volume handle, node affinity')] : []),
    ...(f.vars?.['node'] ? [kubectl.get({ kind: 'CSINode', name: f.vars['node'] }, 'Drivers registered on the node and their attach limits')] : []),
    ...describeClaim(f),
  ],
};

export const permissionDenied: RuleDefinition = {
  id: 'storage.permission-denied', title: 'The container is denied access to its volume', layer: 'storage',
  meaning: 'The process cannot read or write a mounted volume because of file ownership or mode (UID/GID, missing fsGroup) or a read-only mount.',
  evidenceNeeded: '"permission denied" / "Operation not permitted" / "Read-only file system" in the container\'s logs or events on a path under one of its volumeMounts.',
  runbookAlert: 'KubePodCrashLooping', docs: DOCS.persistentVolumes,
  nextSteps: (f) => {
    const pod = podOf(f);
    const c = f.subject.container;
    const o = ownerOf(f);
    const gid = f.vars?.['gid'] ?? '<gid>';
    return [
      kubectl.logs(pod, c, true, 'The exact path and operation that was denied'),
      kubectl.jsonpath(pod, `{.spec.securityContext}{"\\n"}{.spec.containers[?(@.name=="${c ?? ''}")].securityContext}{"\\n"}{.spec.containers[?(@.name=="${c ?? ''}")].volumeMounts}`,
        'The UID/GID the process runs as, fsGroup, and how the volume is mounted (readOnly, subPath)'),
      ...describeClaim(f, 'The volume behind the mount (some drivers, e.g. NFS or hostPath, ignore fsGroup)'),
      kubectl.debug(pod, c, 'Inspect ownership and mode of the mount (ls -ln the mount path) from a debug container'),
      ...(o && ['deployment', 'statefulset', 'daemonset'].includes(o.kind) ? [kubectl.custom(
        `kubectl ${nsFlag(f)}patch ${o.arg} --type=merge -p '{"spec":{"template":{"spec":{"securityContext":{"fsGroup":${gid}}}}}}'`,
        'Give the volume the group the process runs with, so the kubelet makes it group-writable (remove the field to revert)', 'reversible')] : []),
    ];
  },
};

// ---------------------------------------------------------------------------------------------
// Shared readers
// ---------------------------------------------------------------------------------------------

interface StorageClass { metadata?: unknown; provisioner?: string; volumeBindingMode?: string }
interface LooseVolume {
  name?: string;
  persistentVolumeClaim?: { claimName?: string };
  configMap?: unknown; secret?: unknown; projected?: unknown; downwardAPI?: unknown;
}
interface VolumeMount { name?: string; mountPath?: string; readOnly?: boolean; subPath?: string }
interface SecurityContext { runAsUser?: number; runAsGroup?: number; fsGroup?: number; readOnlyRootFilesystem?: boolean }

const DEFAULT_CLASS = ['storageclass.kubernetes.io/is-default-class', 'storageclass.beta.kubernetes.io/is-default-class'];
const byTime = (a: NormalizedEvent, b: NormalizedEvent) => compareTimes(a.lastTime ?? a.firstTime ?? '', b.lastTime ?? b.firstTime ?? '');
const volumesOf = (pod: Pod) => (pod.spec?.volumes ?? []) as LooseVolume[];
const isConfigVolume = (v: LooseVolume | undefined) => !!v && !!(v.configMap || v.secret || v.projected || v.downwardAPI);
const claimNameOf = (pod: Pod, volume: string | undefined) => volumesOf(pod).find((v) => v.name === volume)?.persistentVolumeClaim?.claimName;

/** The pod's claim bound to a PersistentVolume name (events name the PV, e.g. "pvc-0a1b..."). */
function claimForVolume(snap: Snapshot, pod: Pod, volume: string): string | undefined {
  const ns = metaOf(pod).namespace;
  const byVolumeName = claimNameOf(pod, volume);
  if (byVolumeName) return byVolumeName;
  for (const v of volumesOf(pod)) {
    const claim = v.persistentVolumeClaim?.claimName;
    if (claim && snap.get<PersistentVolumeClaim>('PersistentVolumeClaim', ns, claim)?.spec?.volumeName === volume) return claim;
  }
  const pv = snap.get<{ spec?: { claimRef?: { name?: string; namespace?: string } } }>('PersistentVolume', undefined, volume);
  return pv?.spec?.claimRef?.namespace === ns ? pv?.spec?.claimRef?.name : undefined;
}

/** Scheduled but no container has started: the phase where attach and mount happen. */
function stuckBeforeStart(pod: Pod): boolean {
  if (!pod.spec?.nodeName || (pod.status?.phase && pod.status.phase !== 'Pending') || metaOf(pod).deletionTimestamp) return false;
  const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  return statuses.every((s) => !s.state?.running && !s.state?.terminated && !s.lastState?.terminated &&
    (!s.state?.waiting || ['ContainerCreating', 'PodInitializing'].includes(s.state.waiting.reason ?? '')));
}

function podSubject(pod: Pod, container?: string): Target {
  const ref = podRef(pod);
  return { kind: 'Pod', namespace: ref.namespace, name: ref.name, ...(container ? { container } : {}) };
}

// ---------------------------------------------------------------------------------------------
// storage.pvc-pending
// ---------------------------------------------------------------------------------------------

function pvcPendingFinding(snap: Snapshot, pvc: PersistentVolumeClaim, pod: Pod | undefined): Finding | undefined {
  const m = metaOf(pvc);
  const name = m.name ?? '';
  const ref = { kind: 'PersistentVolumeClaim', namespace: m.namespace ?? '', name };
  const phase = pvc.status?.phase;
  if (phase ? phase !== 'Pending' : !!pvc.spec?.volumeName) return undefined;
  if (m.deletionTimestamp) return undefined;

  const events = snap.eventsFor(ref).sort(byTime);
  const provFailed = events.filter((e) => e.reason === 'ProvisioningFailed').at(-1);
  const failedBinding = events.filter((e) => e.reason === 'FailedBinding').at(-1);
  const external = events.filter((e) => e.reason === 'ExternalProvisioning');
  const provisioned = events.some((e) => e.reason === 'ProvisioningSucceeded');
  const cls = pvc.spec?.storageClassName;
  const classes = snap.list<StorageClass>('StorageClass');
  const classNames = classes.map((c) => metaOf(c).name ?? '').filter(Boolean);
  const defaults = classes.filter((c) => DEFAULT_CLASS.some((a) => metaOf(c).annotations?.[a] === 'true'));
  const sc = cls ? snap.get<StorageClass>('StorageClass', undefined, cls) : undefined;

  const evidence: EvidenceLine[] = [
    fieldEvidence(ref, 'status.phase', phase ?? '(not set)'),
    fieldEvidence(ref, 'spec.storageClassName', cls === undefined || cls === null ? '(not set)' : cls === '' ? '"" (static binding only)' : cls),
  ];
  const vars: Record<string, string> = { claim: name };
  if (cls) vars['storageClass'] = cls;
  let cause: string | undefined;
  let confidence = 0;

  const notFound = (text: string) => /storageclass\.storage\.k8s\.io "([^"]+)" not found/i.exec(text)?.[1];
  if (provFailed) {
    const missing = notFound(provFailed.message);
    cause = missing ? `StorageClass ${missing} does not exist` : `provisioning fails: ${clause(provFailed.message)}`;
    confidence = 0.9;
    evidence.push(eventEvidence(provFailed));
  } else if (cls && classes.length > 0 && !sc) {
    cause = `StorageClass ${cls} does not exist (classes: ${classNames.join(', ')})`;
    confidence = 0.85;
    evidence.push({ source: 'StorageClasses in the bundle', text: classNames.join(', ') });
  } else if (cls === undefined || cls === null) {
    if (defaults.length === 0) {
      cause = `it has no storageClassName and the cluster has no default StorageClass${classNames.length ? ` (classes: ${classNames.join(', ')}; none annotated storageclass.kubernetes.io/is-default-class=true)` : ''}`;
      confidence = failedBinding || classes.length > 0 ? 0.9 : 0.85;
      if (classNames.length === 1) vars['candidateClass'] = classNames[0]!;
      if (classNames.length) evidence.push({ source: 'StorageClasses in the bundle', text: `${classNames.join(', ')} (no default)` });
      if (failedBinding) evidence.push(eventEvidence(failedBinding));
    } else if (failedBinding) {
      const def = metaOf(defaults[0]).name ?? '';
      cause = `it has no storageClassName (it predates the default class ${def}) and no PersistentVolume matches: ${clause(failedBinding.message)}`;
      confidence = 0.75;
      evidence.push(eventEvidence(failedBinding));
    }
  } else if (failedBinding) {
    cause = cls === ''
      ? `it asks for static binding (storageClassName "") and no PersistentVolume matches: ${clause(failedBinding.message)}`
      : `binding fails: ${clause(failedBinding.message)}`;
    confidence = 0.85;
    evidence.push(eventEvidence(failedBinding));
  } else if (external.length > 0 && !provisioned) {
    const attempts = external.reduce((n, e) => n + e.count, 0);
    if (attempts >= 6) {
      const last = external.sort(byTime).at(-1)!;
      const provisioner = /external provisioner "([^"]+)"/.exec(last.message)?.[1] ?? sc?.provisioner ?? 'the external provisioner';
      cause = `${provisioner} has not created a volume after ${attempts} attempts (is its CSI controller running?)`;
      confidence = 0.65;
      evidence.push(eventEvidence(last));
    }
  }
  if (!cause) return undefined;

  if (pod) {
    const owner = workloadArg(ownerWorkload(snap, pod));
    if (owner) vars['owner'] = owner;
    const p = podRef(pod);
    const sched = (pod.status?.conditions ?? []).find((c) => c.type === 'PodScheduled' && c.status === 'False' && c.message);
    if (sched?.message) evidence.push(fieldEvidence(p, 'status.conditions[PodScheduled]', `False ${sched.reason ?? ''}: ${sched.message}`));
    return {
      id: 'storage.pvc-pending', confidence, subject: podSubject(pod), vars, evidence, supersedes: ['scheduling.unbound-pvc'],
      summary: `Pod ${p.namespace}/${p.name} cannot start: its PersistentVolumeClaim ${name} is Pending because ${cause}.`,
    };
  }
  return {
    id: 'storage.pvc-pending', confidence, subject: ref, vars, evidence, supersedes: ['scheduling.unbound-pvc'],
    summary: `PersistentVolumeClaim ${ref.namespace}/${name} is Pending because ${cause}.`,
  };
}

// ---------------------------------------------------------------------------------------------
// Attach and mount
// ---------------------------------------------------------------------------------------------

/** A message as one summary clause: first line (plus a mount helper's Output: line), clipped, no trailing period. */
function clause(message: string, max = 220): string {
  const lines = message.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  const output = lines.slice(1).find((l) => /^Output:/i.test(l));
  const text = `${lines[0] ?? ''}${output ? ` (${output})` : ''}`.replace(/\s+/g, ' ');
  return (text.length > max ? `${text.slice(0, max - 1)}…` : text).replace(/[.\s]+$/, '');
}

const CONFIG_NOT_FOUND = /(?:configmaps?|secrets?) "[^"]*" not found|not registered|couldn't find key|non-existent config key/i;
const VOLUME = /for volume "([^"]+)"/;

function attachAndMount(snap: Snapshot, pod: Pod): Finding[] {
  if (!stuckBeforeStart(pod)) return [];
  const p = podRef(pod);
  const node = pod.spec?.nodeName ?? '';
  const owner = workloadArg(ownerWorkload(snap, pod));
  const baseVars = (): Record<string, string> => ({ ...(owner ? { owner } : {}), ...(node ? { node } : {}) });
  const findings: Finding[] = [];

  const attach = podEvents(snap, p, /^FailedAttachVolume$/).sort(byTime);
  const multi = attach.filter((e) => /Multi-Attach error/i.test(e.message)).at(-1);
  if (multi) {
    const volume = VOLUME.exec(multi.message)?.[1] ?? '';
    const usedBy = /used by pod\(s\)\s*(.+?)\s*$/i.exec(multi.message)?.[1]?.replace(/\.$/, '');
    const claim = volume ? claimForVolume(snap, pod, volume) : undefined;
    const vars = { ...baseVars(), ...(volume ? { volume } : {}), ...(claim ? { claim } : {}), ...(usedBy ? { usedBy } : {}) };
    const pvc = claim ? snap.get<PersistentVolumeClaim>('PersistentVolumeClaim', p.namespace, claim) : undefined;
    const modes = pvc?.spec?.accessModes?.join(', ');
    findings.push({
      id: 'storage.multi-attach', confidence: 0.9, subject: podSubject(pod), vars,
      evidence: [eventEvidence(multi), ...(pvc && modes ? [fieldEvidence({ kind: 'PersistentVolumeClaim', namespace: p.namespace, name: claim! }, 'spec.accessModes', modes)] : [])],
      supersedes: ['storage.mount-failed', 'storage.attach-failed'],
      summary: `Pod ${p.namespace}/${p.name} cannot attach volume ${volume || '(unknown)'}${claim ? ` (claim ${claim}${modes ? `, ${modes}` : ''})` : ''} on ${node}: ${usedBy ? `it is still used by pod(s) ${usedBy}` : 'it is still attached to another node'}.`,
    });
  }
  const failedAttach = attach.filter((e) => !/Multi-Attach error/i.test(e.message)).at(-1);
  if (failedAttach) {
    const volume = VOLUME.exec(failedAttach.message)?.[1] ?? '';
    const claim = volume ? claimForVolume(snap, pod, volume) : undefined;
    const detail = clause(failedAttach.message.replace(/^AttachVolume\.Attach failed for volume "[^"]*"\s*:?\s*/i, ''));
    findings.push({
      id: 'storage.attach-failed', confidence: 0.85, subject: podSubject(pod),
      vars: { ...baseVars(), ...(volume ? { volume } : {}), ...(claim ? { claim } : {}) },
      evidence: [eventEvidence(failedAttach)], supersedes: ['storage.mount-failed'],
      summary: `Pod ${p.namespace}/${p.name} cannot start: volume ${volume || '(unknown)'}${claim ? ` (claim ${claim})` : ''} fails to attach to ${node}: ${detail}.`,
    });
  }

  // FailedMount: keep the messages about data volumes; configmap/secret volumes belong to the config family.
  const volumes = volumesOf(pod);
  const byName = new Map(volumes.map((v) => [v.name ?? '', v]));
  const mountEvents = podEvents(snap, p, /^(FailedMount|FailedMapVolume)$/).sort(byTime).filter((e) => {
    if (CONFIG_NOT_FOUND.test(e.message)) return false;
    const named = VOLUME.exec(e.message)?.[1];
    if (named && isConfigVolume(byName.get(named))) return false;
    const unmounted = /unmounted volumes=\[([^\]]*)\]/.exec(e.message)?.[1];
    if (unmounted !== undefined) {
      const names = unmounted.split(/[\s,]+/).filter(Boolean);
      return names.some((n) => !isConfigVolume(byName.get(n)));
    }
    return true;
  });
  if (mountEvents.length > 0) {
    const specific = mountEvents.filter((e) => VOLUME.test(e.message)).at(-1);
    const chosen = specific ?? mountEvents.at(-1)!;
    const named = VOLUME.exec(chosen.message)?.[1];
    const unmounted = /unmounted volumes=\[([^\]]*)\]/.exec(chosen.message)?.[1]?.split(/[\s,]+/).filter((n) => n && !isConfigVolume(byName.get(n)));
    const volume = named ?? unmounted?.[0] ?? '';
    const claim = volume ? claimForVolume(snap, pod, volume) : undefined;
    const detail = clause(chosen.message, 240);
    const evidence = [...new Set([chosen, ...mountEvents.slice(-2)])].map(eventEvidence);
    findings.push({
      id: 'storage.mount-failed', confidence: specific ? 0.85 : 0.75, subject: podSubject(pod),
      vars: { ...baseVars(), ...(volume ? { volume } : {}), ...(claim ? { claim } : {}) }, evidence,
      summary: `Pod ${p.namespace}/${p.name} cannot start: volume ${volume || '(unknown)'}${claim && claim !== volume ? ` (claim ${claim})` : ''} fails to mount on ${node}: ${detail}.`,
    });
  }
  return findings;
}

// ---------------------------------------------------------------------------------------------
// storage.permission-denied
// ---------------------------------------------------------------------------------------------

const DENIED = /permission denied|operation not permitted|\bEACCES\b|\bEPERM\b|AccessDeniedException|is not writable|read-only file system|\bEROFS\b/i;
const PATH = /(?:^|[^\w.~/-])(\/[^\s'"`‘’“”:,;()[\]{}<>|]+)/g;

function pathsIn(line: string): string[] {
  const out: string[] = [];
  for (const m of line.matchAll(PATH)) {
    let p = m[1]!;
    if (p.startsWith('//')) continue;
    p = p.replace(/[.]+$/, '');
    if (p.length > 1) p = p.replace(/\/+$/, '');
    if (p) out.push(p);
  }
  return out;
}

function mountFor(path: string, mounts: VolumeMount[]): VolumeMount | undefined {
  return mounts
    .filter((mt) => mt.mountPath && mt.mountPath !== '/')
    .map((mt) => ({ mt, root: mt.mountPath!.replace(/\/+$/, '') }))
    .filter(({ root }) => path === root || path.startsWith(`${root}/`))
    .sort((a, b) => b.root.length - a.root.length)[0]?.mt;
}

function unhealthy(c: ContainerView): boolean {
  const s = c.status;
  if (s.state?.waiting && s.state.waiting.reason !== 'ContainerCreating' && s.state.waiting.reason !== 'PodInitializing') return true;
  if ((s.restartCount ?? 0) > 0) return true;
  if (s.state?.terminated && s.state.terminated.exitCode !== 0) return true;
  return s.state?.running !== undefined && s.ready === false && !c.init;
}

function permissionDeniedFor(snap: Snapshot, pod: Pod, c: ContainerView): Finding | undefined {
  if (!unhealthy(c)) return undefined;
  const mounts = ((c.spec as { volumeMounts?: VolumeMount[] } | undefined)?.volumeMounts ?? []);
  if (mounts.length === 0) return undefined;
  const hit = (text: string) => {
    if (!DENIED.test(text)) return undefined;
    for (const path of pathsIn(text)) {
      const mt = mountFor(path, mounts);
      if (mt) return { path, mt };
    }
    return undefined;
  };

  let found: { path: string; mt: VolumeMount; evidence: EvidenceLine; line: string; fromEvent: boolean } | undefined;
  for (const previous of [true, false]) {
    const lines = snap.logLines(c.pod, c.name, previous) ?? [];
    for (let i = lines.length - 1; i >= 0 && !found; i--) {
      const line = lines[i]!;
      const h = hit(line);
      if (h) found = { ...h, line: line.slice(0, 500), evidence: logEvidence(c, previous, line.slice(0, 500)), fromEvent: false };
    }
    if (found) break;
  }
  if (!found) {
    const ev = containerEvents(snap, c, /^(Failed|FailedPostStartHook|FailedPreStopHook)$/).sort(byTime).reverse().find((e) => hit(e.message));
    const h = ev ? hit(ev.message) : undefined;
    if (ev && h) found = { ...h, line: ev.message.slice(0, 300), evidence: eventEvidence(ev), fromEvent: true };
  }
  if (!found) return undefined;

  const { mt, path } = found;
  const volume = mt.name ?? '';
  const claim = claimNameOf(pod, volume);
  const podSc = ((pod.spec as { securityContext?: SecurityContext } | undefined)?.securityContext) ?? {};
  const cSc = ((c.spec as { securityContext?: SecurityContext } | undefined)?.securityContext) ?? {};
  const uid = cSc.runAsUser ?? podSc.runAsUser;
  const gid = cSc.runAsGroup ?? podSc.runAsGroup ?? uid;
  const owner = workloadArg(ownerWorkload(snap, pod));
  const vars: Record<string, string> = { volume, mountPath: mt.mountPath ?? '', path };
  if (owner) vars['owner'] = owner;
  if (claim) vars['claim'] = claim;
  if (gid !== undefined) vars['gid'] = String(gid);

  const where = c.init ? 'spec.initContainers' : 'spec.containers';
  const evidence: EvidenceLine[] = [
    found.evidence,
    fieldEvidence(c.pod, `${where}[${c.name}].volumeMounts[${volume}]`, `mountPath ${mt.mountPath}${mt.readOnly ? ' (readOnly)' : ''}${mt.subPath ? ` subPath ${mt.subPath}` : ''}`),
    fieldEvidence(c.pod, 'spec.securityContext', JSON.stringify(podSc)),
  ];
  const waiting = c.status.state?.waiting;
  const last = c.status.lastState?.terminated ?? c.status.state?.terminated;
  if (waiting?.reason) evidence.push(fieldEvidence(c.pod, `${statusPath(c)}.state.waiting`, waiting.reason));
  if (last) evidence.push(fieldEvidence(c.pod, `${statusPath(c)}.lastState.terminated`, `reason=${last.reason ?? '?'} exitCode=${last.exitCode ?? '?'}`));

  const readOnly = /read-only file system|\bEROFS\b/i.test(found.line);
  const context = readOnly
    ? mt.readOnly ? ' (the volume is mounted readOnly)' : ' (the volume is read-only)'
    : podSc.fsGroup !== undefined ? ` (fsGroup ${podSc.fsGroup}${uid !== undefined ? `, runAsUser ${uid}` : ''}: the volume may ignore fsGroup)`
    : ` (${uid !== undefined ? `runAsUser ${uid}, ` : ''}no fsGroup set)`;
  const p = podRef(pod);
  const supersedes = ['crashloop.app-error', ...(c.init ? ['init-container.failing'] : []), ...(found.fromEvent ? ['container.create-failed', 'crashloop.bad-command'] : [])];
  return {
    id: 'storage.permission-denied', confidence: found.fromEvent ? 0.8 : 0.85, subject: podSubject(pod, c.name), vars, evidence, supersedes,
    summary: `${c.init ? 'Init container' : 'Container'} ${c.name} of pod ${p.namespace}/${p.name} is denied access to its volume ${volume} at ${mt.mountPath}${context}: ${clause(found.line, 200)}.`,
  };
}

// ---------------------------------------------------------------------------------------------

function detect(snap: Snapshot): Finding[] {
  const findings: Finding[] = [];
  const t = snap.target;
  if (t.kind === 'PersistentVolumeClaim') {
    const pvc = snap.targetObject as PersistentVolumeClaim | undefined;
    const f = pvc ? pvcPendingFinding(snap, pvc, undefined) : undefined;
    if (f) findings.push(f);
  } else {
    for (const pod of snap.scopePods) {
      const ns = metaOf(pod).namespace;
      const claims = new Set(volumesOf(pod).map((v) => v.persistentVolumeClaim?.claimName).filter((c): c is string => !!c));
      for (const claim of claims) {
        const pvc = snap.get<PersistentVolumeClaim>('PersistentVolumeClaim', ns, claim);
        const f = pvc ? pvcPendingFinding(snap, pvc, pod) : undefined;
        if (f) findings.push(f);
      }
    }
  }
  for (const pod of snap.scopePods) {
    findings.push(...attachAndMount(snap, pod));
    for (const c of containersOf(pod)) {
      const f = permissionDeniedFor(snap, pod, c);
      if (f) findings.push(f);
    }
  }
  return findings;
}

export const storage: RuleFamily = {
  name: 'storage',
  rules: [pvcPending, mountFailed, multiAttach, attachFailed, permissionDenied],
  detect,
};
