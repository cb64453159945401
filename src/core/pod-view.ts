// Small readers shared by the rule families: a pod's containers with their spec, and evidence
// lines spelled one way (where the fact came from, and the fact itself).
import type { EvidenceLine, ObjectRef } from './types.ts';
import type { ContainerSpec, ContainerStatus, NormalizedEvent, Pod } from './kube.ts';
import { metaOf, type Snapshot } from './snapshot.ts';

export interface ContainerView {
  name: string;
  init: boolean;
  status: ContainerStatus;
  spec: ContainerSpec | undefined;
  pod: ObjectRef & { namespace: string };
}

export function podRef(pod: Pod): ObjectRef & { namespace: string } {
  const m = metaOf(pod);
  return { kind: 'Pod', namespace: m.namespace ?? '', name: m.name ?? '' };
}

/** Init containers first, then the app containers, each with its spec. */
export function containersOf(pod: Pod): ContainerView[] {
  const ref = podRef(pod);
  const specs = new Map([...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].map((c) => [c.name ?? '', c]));
  const view = (status: ContainerStatus, init: boolean): ContainerView =>
    ({ name: status.name ?? '', init, status, spec: specs.get(status.name ?? ''), pod: ref });
  return [
    ...(pod.status?.initContainerStatuses ?? []).map((s) => view(s, true)),
    ...(pod.status?.containerStatuses ?? []).map((s) => view(s, false)),
  ];
}

export function statusPath(c: ContainerView): string {
  return `status.${c.init ? 'initContainerStatuses' : 'containerStatuses'}[${c.name}]`;
}

export function fieldEvidence(ref: ObjectRef, field: string, text: string): EvidenceLine {
  const where = ref.namespace ? `${ref.namespace}/${ref.name}` : ref.name;
  return { source: `${ref.kind} ${where} ${field}`, text };
}

export function eventEvidence(ev: NormalizedEvent): EvidenceLine {
  const r = ev.regarding;
  const where = r.namespace ? `${r.namespace}/${r.name}` : r.name;
  const times = ev.count > 1 ? ` ×${ev.count}` : '';
  const when = ev.lastTime ? ` (last ${ev.lastTime})` : '';
  return { source: `event ${r.kind} ${where} ${ev.type} ${ev.reason}${times}${when}`, text: ev.message };
}

export function logEvidence(c: ContainerView, previous: boolean, line: string): EvidenceLine {
  return { source: `log ${c.pod.namespace}/${c.pod.name} container ${c.name}${previous ? ' (previous)' : ''}`, text: line };
}

/** Events about a pod, optionally narrowed to reasons, newest last. */
export function podEvents(snap: Snapshot, pod: ObjectRef, reasons?: RegExp): NormalizedEvent[] {
  return snap.eventsFor(pod).filter((e) => !reasons || reasons.test(e.reason));
}

/** Events about one container of a pod: those whose fieldPath names it, or that mention it. */
export function containerEvents(snap: Snapshot, c: ContainerView, reasons?: RegExp): NormalizedEvent[] {
  return podEvents(snap, c.pod, reasons).filter((e) => {
    const fp = e.regarding.fieldPath;
    if (fp) return fp.includes(`{${c.name}}`);
    return true;
  });
}

/**
 * The controller that owns a pod (Deployment through its ReplicaSet, StatefulSet, DaemonSet, Job).
 * When the ReplicaSet is not in the bundle, the Deployment name is the ReplicaSet name minus its
 * pod-template-hash, which is how the Deployment controller names it.
 */
export function ownerWorkload(snap: Snapshot, pod: Pod): ObjectRef | undefined {
  const m = metaOf(pod);
  const owner = (m.ownerReferences ?? []).find((o) => o.controller) ?? m.ownerReferences?.[0];
  if (!owner?.kind || !owner.name) return undefined;
  const namespace = m.namespace ?? '';
  if (owner.kind !== 'ReplicaSet') return { kind: owner.kind, namespace, name: owner.name };
  const rs = snap.get<{ metadata?: unknown }>('ReplicaSet', namespace, owner.name);
  const rsOwner = rs ? metaOf(rs).ownerReferences?.find((o) => o.kind === 'Deployment') : undefined;
  if (rsOwner?.name) return { kind: 'Deployment', namespace, name: rsOwner.name };
  const hash = m.labels?.['pod-template-hash'];
  if (hash && owner.name.endsWith(`-${hash}`)) return { kind: 'Deployment', namespace, name: owner.name.slice(0, -hash.length - 1) };
  return { kind: 'ReplicaSet', namespace, name: owner.name };
}

/** The kubectl resource/name form of a workload, for commands like `rollout undo deployment/x`. */
export function workloadArg(ref: ObjectRef | undefined): string | undefined {
  return ref ? `${ref.kind.toLowerCase()}/${ref.name}` : undefined;
}

/** The most telling lines of a log tail: error-looking lines first, else the last few. */
export function tellingLines(lines: string[] | undefined, max = 3): string[] {
  if (!lines || lines.length === 0) return [];
  const errorish = lines.filter((l) => /\b(panic|fatal|error|exception|traceback|caused by|failed|refused|denied|cannot|unable)\b/i.test(l));
  return (errorish.length > 0 ? errorish.slice(-max) : lines.slice(-max)).map((l) => l.slice(0, 500));
}
