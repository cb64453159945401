// Events and status transitions of the objects in scope, in time order, with repeats folded.
import type { ObjectRef, TimelineEntry } from './types.ts';
import type { Snapshot } from './snapshot.ts';
import { metaOf, refKey, refOf } from './snapshot.ts';
import { timeOf, type ContainerStatus, type Pod } from './kube.ts';

const MAX_ENTRIES = 50;

/** Objects whose events belong on the timeline: the target, its pods, and what those pods depend on. */
export function scopeRefs(snap: Snapshot): ObjectRef[] {
  const refs = new Map<string, ObjectRef>();
  const add = (ref: ObjectRef) => refs.set(refKey(ref), ref);
  add(snap.target);
  for (const rs of snap.target.kind === 'Deployment' ? snap.list('ReplicaSet', snap.target.namespace) : []) {
    if ((metaOf(rs).ownerReferences ?? []).some((o) => o.kind === 'Deployment' && o.name === snap.target.name)) add(refOf(rs));
  }
  for (const pod of snap.scopePods) {
    const ref = refOf(pod);
    add({ ...ref, kind: 'Pod' });
    for (const o of metaOf(pod).ownerReferences ?? []) if (o.kind && o.name) add({ kind: o.kind, namespace: ref.namespace!, name: o.name });
    for (const v of pod.spec?.volumes ?? []) {
      const claim = v.persistentVolumeClaim?.claimName;
      if (claim) add({ kind: 'PersistentVolumeClaim', namespace: ref.namespace!, name: claim });
    }
    if (pod.spec?.nodeName) add({ kind: 'Node', name: pod.spec.nodeName });
  }
  return [...refs.values()];
}

function transitions(pod: Pod): TimelineEntry[] {
  const object: ObjectRef = { ...refOf(pod), kind: 'Pod' };
  const out: TimelineEntry[] = [];
  for (const c of pod.status?.conditions ?? []) {
    const at = timeOf(c.lastTransitionTime);
    if (!at) continue;
    out.push({ at, count: 1, object, kind: 'transition', reason: `${c.type}=${c.status}`, message: [c.reason, c.message].filter(Boolean).join(': ') });
  }
  const containers: ContainerStatus[] = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  for (const cs of containers) {
    for (const state of [cs.lastState, cs.state]) {
      const t = state?.terminated;
      if (t) {
        const at = timeOf(t.finishedAt);
        if (at) out.push({ at, count: 1, object, kind: 'transition', reason: `container ${cs.name} terminated`, message: `${t.reason ?? 'Terminated'} (exit code ${t.exitCode ?? '?'})` });
      }
      const started = timeOf(state?.running?.startedAt);
      if (started) out.push({ at: started, count: 1, object, kind: 'transition', reason: `container ${cs.name} running`, message: 'Started' });
    }
  }
  return out;
}

export function buildTimeline(snap: Snapshot): TimelineEntry[] {
  const entries: TimelineEntry[] = [];
  for (const ref of scopeRefs(snap)) {
    for (const ev of snap.eventsFor(ref)) {
      const at = ev.firstTime ?? ev.lastTime;
      if (!at) continue;
      const entry: TimelineEntry = { at, count: ev.count, object: { kind: ev.regarding.kind, name: ev.regarding.name, ...(ev.regarding.namespace ? { namespace: ev.regarding.namespace } : {}) }, kind: 'event', type: ev.type, reason: ev.reason, message: ev.message };
      if (ev.lastTime && ev.lastTime !== at) entry.lastAt = ev.lastTime;
      entries.push(entry);
    }
  }
  for (const pod of snap.scopePods) entries.push(...transitions(pod));

  // Fold repeats: the same reason and message on the same object becomes one entry with a count.
  const folded = new Map<string, TimelineEntry>();
  for (const e of entries) {
    const key = `${refKey(e.object)}|${e.kind}|${e.reason}|${e.message}`;
    const prev = folded.get(key);
    if (!prev) {
      folded.set(key, { ...e });
      continue;
    }
    prev.count += e.count;
    const last = [prev.lastAt ?? prev.at, e.lastAt ?? e.at].sort().at(-1)!;
    if (e.at < prev.at) prev.at = e.at;
    if (last !== prev.at) prev.lastAt = last;
  }
  const sorted = [...folded.values()].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  return sorted.slice(-MAX_ENTRIES);
}
