// kubectl commands with namespace and names filled in. Rules compose these so every command
// is spelled one way; the engine orders them read-only → reversible → risky.
import type { NextStep, ObjectRef, StepSafety } from './types.ts';

const ns = (ref: { namespace?: string | undefined }) => (ref.namespace ? `-n ${ref.namespace} ` : '');
const res = (kind: string) => kind.toLowerCase();

function step(command: string, why: string, safety: StepSafety = 'read-only'): NextStep {
  return { command, why, safety };
}

export const kubectl = {
  describe: (ref: ObjectRef, why = 'Full status, conditions and recent events') =>
    step(`kubectl ${ns(ref)}describe ${res(ref.kind)} ${ref.name}`, why),
  get: (ref: ObjectRef, why = 'The object as the API server stores it') =>
    step(`kubectl ${ns(ref)}get ${res(ref.kind)} ${ref.name} -o yaml`, why),
  events: (ref: ObjectRef, why = 'Events for this object, oldest first') =>
    step(`kubectl ${ns(ref)}get events --field-selector involvedObject.kind=${ref.kind},involvedObject.name=${ref.name} --sort-by=.lastTimestamp`, why),
  logs: (pod: ObjectRef, container: string | undefined, previous: boolean, why?: string) =>
    step(`kubectl ${ns(pod)}logs ${pod.name}${container ? ` -c ${container}` : ''}${previous ? ' --previous' : ''} --tail=200`,
      why ?? (previous ? 'Output of the crashed container instance' : 'Output of the running container')),
  jsonpath: (ref: ObjectRef, path: string, why: string) =>
    step(`kubectl ${ns(ref)}get ${res(ref.kind)} ${ref.name} -o jsonpath='${path}'`, why),
  list: (kind: string, namespace: string | undefined, extra: string, why: string) =>
    step(`kubectl ${ns({ namespace })}get ${kind}${extra ? ` ${extra}` : ''}`, why),
  topPod: (pod: ObjectRef, why = 'Current CPU and memory use per container') =>
    step(`kubectl ${ns(pod)}top pod ${pod.name} --containers`, why),
  rolloutHistory: (ref: ObjectRef, why = 'Which revision introduced the change') =>
    step(`kubectl ${ns(ref)}rollout history ${res(ref.kind)}/${ref.name}`, why),
  rolloutStatus: (ref: ObjectRef, why = 'Whether the rollout is progressing') =>
    step(`kubectl ${ns(ref)}rollout status ${res(ref.kind)}/${ref.name} --timeout=10s`, why),
  rolloutUndo: (ref: ObjectRef, why = 'Roll back to the previous revision if the last change caused this') =>
    step(`kubectl ${ns(ref)}rollout undo ${res(ref.kind)}/${ref.name}`, why, 'reversible'),
  rolloutRestart: (ref: ObjectRef, why = 'Recreate the pods once the cause is fixed') =>
    step(`kubectl ${ns(ref)}rollout restart ${res(ref.kind)}/${ref.name}`, why, 'reversible'),
  debug: (pod: ObjectRef, container: string | undefined, why = 'Attach an ephemeral debug container sharing the process namespace') =>
    step(`kubectl ${ns(pod)}debug -it ${pod.name} --image=busybox:1.36${container ? ` --target=${container}` : ''} -- sh`, why, 'reversible'),
  authCanI: (verb: string, resource: string, namespace: string | undefined, as: string, why: string) =>
    step(`kubectl ${ns({ namespace })}auth can-i ${verb} ${resource} --as=${as}`, why),
  custom: step,
};

const ORDER: Record<StepSafety, number> = { 'read-only': 0, reversible: 1, risky: 2 };

/** Orders steps by the rule of minimal mutation, keeping each rule's order within a class, and drops repeats. */
export function orderSteps(steps: NextStep[]): NextStep[] {
  const seen = new Set<string>();
  return steps
    .map((s, i) => ({ s, i }))
    .sort((a, b) => ORDER[a.s.safety] - ORDER[b.s.safety] || a.i - b.i)
    .map(({ s }) => s)
    .filter((s) => (seen.has(s.command) ? false : (seen.add(s.command), true)));
}

/** Steps no rule may ever suggest: deleting data or whole namespaces. */
export const FORBIDDEN_STEP = /\bdelete\s+(pvc|persistentvolumeclaims?|ns|namespaces?)\b/i;
