// Missing configuration references: a ConfigMap, Secret or key the pod needs does not exist.
// Read from CreateContainerConfigError waiting messages (env / envFrom) and FailedMount events
// (configMap / secret / projected volumes, where the pod stays ContainerCreating). Secret and
// ConfigMap objects are never read: only their names, as the kubelet prints them.
import type { EvidenceLine, Finding, NextStep, RuleDefinition, RuleFamily } from '../types.ts';
import { compareTimes, type ContainerSpec, type Pod } from '../kube.ts';
import type { Snapshot } from '../snapshot.ts';
import { containersOf, eventEvidence, fieldEvidence, ownerWorkload, podEvents, podRef, statusPath, workloadArg } from '../pod-view.ts';
import { kubectl } from '../next-steps.ts';
import { DOCS } from '../docs-links.ts';

type ConfigId = 'config.missing-configmap' | 'config.missing-secret' | 'config.missing-key';
type Kind = 'ConfigMap' | 'Secret';

const podOf = (f: Finding) => ({ kind: 'Pod', namespace: f.subject.namespace ?? 'default', name: f.subject.name });
const ns = (f: Finding) => `-n ${f.subject.namespace ?? 'default'}`;

/** Where the pod references ConfigMaps and Secrets: env, envFrom and volumes, by name only. */
const references = (f: Finding): NextStep =>
  kubectl.jsonpath(podOf(f),
    '{range .spec.containers[*]}{.name}{" envFrom: "}{.envFrom}{" env: "}{.env[*].valueFrom}{"\\n"}{end}{"volumes: "}{.spec.volumes}',
    'Where the pod references ConfigMaps and Secrets (env, envFrom, volumes)');

const ownerSteps = (f: Finding): NextStep[] => {
  const [kind, name] = f.vars?.['owner']?.split('/') ?? [];
  return kind && name ? [kubectl.rolloutHistory({ kind, namespace: f.subject.namespace ?? 'default', name }, 'Whether the latest revision added the reference')] : [];
};

function objectSteps(f: Finding, kind: Kind): NextStep[] {
  const name = f.vars?.[kind === 'ConfigMap' ? 'configmap' : 'secret'];
  const res = kind === 'ConfigMap' ? 'configmap' : 'secret';
  return [
    ...(name ? [kubectl.custom(`kubectl ${ns(f)} get ${res} ${name}`, `Whether the ${kind} exists in this namespace (name only, no data)`)] : []),
    kubectl.custom(`kubectl ${ns(f)} get ${res}s`, `The ${kind}s that do exist here: a typo or a wrong namespace shows up here`),
  ];
}

export const missingConfigMap: RuleDefinition = {
  id: 'config.missing-configmap', title: 'A referenced ConfigMap does not exist', layer: 'application',
  meaning: 'The pod references a ConfigMap (env, envFrom or a volume) that does not exist in its namespace, so the kubelet cannot create the container or mount the volume.',
  evidenceNeeded: 'state.waiting.reason CreateContainerConfigError with `configmap "x" not found`, or a FailedMount event `MountVolume.SetUp failed for volume "v" : configmap "x" not found`.',
  runbookAlert: 'KubeContainerWaiting', docs: DOCS.configMaps,
  nextSteps: (f) => [kubectl.describe(podOf(f)), ...objectSteps(f, 'ConfigMap'), references(f), ...ownerSteps(f)],
};

export const missingSecret: RuleDefinition = {
  id: 'config.missing-secret', title: 'A referenced Secret does not exist', layer: 'application',
  meaning: 'The pod references a Secret (env, envFrom or a volume) that does not exist in its namespace, so the kubelet cannot create the container or mount the volume.',
  evidenceNeeded: 'state.waiting.reason CreateContainerConfigError with `secret "x" not found`, or a FailedMount event `MountVolume.SetUp failed for volume "v" : secret "x" not found`.',
  runbookAlert: 'KubeContainerWaiting', docs: DOCS.secrets,
  nextSteps: (f) => [kubectl.describe(podOf(f)), ...objectSteps(f, 'Secret'), references(f), ...ownerSteps(f)],
};

export const missingKey: RuleDefinition = {
  id: 'config.missing-key', title: 'A referenced ConfigMap or Secret key does not exist', layer: 'application',
  meaning: 'The ConfigMap or Secret exists but lacks the key the pod references (configMapKeyRef / secretKeyRef or volume items), so the container cannot be created or the volume mounted.',
  evidenceNeeded: 'CreateContainerConfigError with `couldn\'t find key k in ConfigMap ns/x` (or Secret), or a FailedMount event `configmap references non-existent config key: k`.',
  runbookAlert: 'KubeContainerWaiting', docs: DOCS.configMaps,
  nextSteps: (f) => {
    const kind: Kind = f.vars?.['secret'] ? 'Secret' : 'ConfigMap';
    const name = f.vars?.[kind === 'Secret' ? 'secret' : 'configmap'];
    const keys: NextStep[] = name
      ? [kind === 'Secret'
        ? kubectl.custom(`kubectl ${ns(f)} describe secret ${name}`, 'The key names the Secret has, with sizes only (never the values)')
        : kubectl.custom(`kubectl ${ns(f)} get configmap ${name} -o go-template='{{range $k, $v := .data}}{{$k}}{{"\\n"}}{{end}}'`, 'The key names the ConfigMap has')]
      : [kubectl.custom(`kubectl ${ns(f)} get configmaps`, 'The ConfigMaps in this namespace')];
    return [kubectl.describe(podOf(f)), ...keys, references(f), ...ownerSteps(f)];
  },
};

interface Parsed { id: ConfigId; kind: Kind; name?: string; key?: string; volume?: string }

const NOT_FOUND = /\b(configmaps?|secrets?) "([^"]+)" not found/i;
const MISSING_KEY = /couldn't find key (\S+) in (ConfigMap|Secret) (?:([^/\s]+)\/)?(\S+?)[.,;]?(?:\s|$)/;
const VOLUME_KEY = /(configmap|secret) references non-existent (?:config|secret) key: (\S+)/i;
const VOLUME = /MountVolume\.SetUp failed for volume "([^"]+)"/;

export function parseConfigError(message: string): Parsed | undefined {
  const volume = VOLUME.exec(message)?.[1];
  const withVolume = (p: Parsed): Parsed => (volume ? { ...p, volume } : p);
  let m = MISSING_KEY.exec(message);
  if (m) return withVolume({ id: 'config.missing-key', kind: m[2] as Kind, key: m[1]!, name: m[4]! });
  m = VOLUME_KEY.exec(message);
  if (m) return withVolume({ id: 'config.missing-key', kind: m[1]!.toLowerCase() === 'secret' ? 'Secret' : 'ConfigMap', key: m[2]! });
  m = NOT_FOUND.exec(message);
  if (m) {
    const kind: Kind = m[1]!.toLowerCase().startsWith('secret') ? 'Secret' : 'ConfigMap';
    return withVolume({ id: kind === 'Secret' ? 'config.missing-secret' : 'config.missing-configmap', kind, name: m[2]! });
  }
  return undefined;
}

/** Where the pod spec references the ConfigMap/Secret (and key), for the evidence. */
function specReferences(p: Pod, parsed: Parsed): EvidenceLine[] {
  const ref = podRef(p);
  const out: EvidenceLine[] = [];
  const isCm = parsed.kind === 'ConfigMap';
  const all: Array<{ c: ContainerSpec; path: string }> = [
    ...(p.spec?.initContainers ?? []).map((c) => ({ c, path: `spec.initContainers[${c.name ?? ''}]` })),
    ...(p.spec?.containers ?? []).map((c) => ({ c, path: `spec.containers[${c.name ?? ''}]` })),
  ];
  for (const { c, path } of all) {
    for (const e of c.env ?? []) {
      const r = isCm ? e.valueFrom?.configMapKeyRef : e.valueFrom?.secretKeyRef;
      if (r && (!parsed.name || r.name === parsed.name) && (!parsed.key || r.key === parsed.key)) {
        out.push(fieldEvidence(ref, `${path}.env[${e.name ?? ''}].valueFrom.${isCm ? 'configMapKeyRef' : 'secretKeyRef'}`, `name=${r.name ?? ''} key=${r.key ?? ''}`));
      }
    }
    if (!parsed.key) {
      for (const e of c.envFrom ?? []) {
        const r = isCm ? e.configMapRef : e.secretRef;
        if (r && r.name === parsed.name) out.push(fieldEvidence(ref, `${path}.envFrom.${isCm ? 'configMapRef' : 'secretRef'}`, `name=${r.name}`));
      }
    }
  }
  for (const v of p.spec?.volumes ?? []) {
    const name = isCm ? v.configMap?.name : v.secret?.secretName;
    if (name && (name === parsed.name || (parsed.volume && v.name === parsed.volume))) {
      out.push(fieldEvidence(ref, `spec.volumes[${v.name ?? ''}].${isCm ? 'configMap.name' : 'secret.secretName'}`, name));
    }
  }
  return out.slice(0, 4);
}

/** A volume key error names only the volume: find the ConfigMap/Secret behind it in the pod spec. */
function resolveName(p: Pod, parsed: Parsed | undefined): Parsed | undefined {
  if (!parsed || parsed.name || !parsed.volume) return parsed;
  const v = (p.spec?.volumes ?? []).find((x) => x.name === parsed.volume);
  const name = parsed.kind === 'ConfigMap' ? v?.configMap?.name : v?.secret?.secretName;
  return name ? { ...parsed, name } : parsed;
}

function describe(parsed: Parsed, namespace: string): string {
  const what = parsed.kind === 'ConfigMap' ? 'ConfigMap' : 'Secret';
  const via = parsed.volume ? ` (volume "${parsed.volume}")` : '';
  if (parsed.id === 'config.missing-key') {
    return `key "${parsed.key ?? '?'}" is missing from ${what}${parsed.name ? ` ${namespace}/${parsed.name}` : ''}${via}`;
  }
  return `${what} ${namespace}/${parsed.name ?? '?'} does not exist${via}`;
}

function findingsFor(snap: Snapshot, p: Pod): Finding[] {
  const ref = podRef(p);
  const out: Finding[] = [];
  const seen = new Set<string>();
  const ownerArg = workloadArg(ownerWorkload(snap, p));
  const varsOf = (parsed: Parsed): Record<string, string> => ({
    ...(ownerArg ? { owner: ownerArg } : {}),
    ...(parsed.name ? { [parsed.kind === 'ConfigMap' ? 'configmap' : 'secret']: parsed.name } : {}),
    ...(parsed.key ? { key: parsed.key } : {}),
    ...(parsed.volume ? { volume: parsed.volume } : {}),
  });
  const add = (f: Finding, parsed: Parsed) => {
    const key = `${parsed.id}|${parsed.kind}|${parsed.name ?? ''}|${parsed.key ?? ''}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push(f);
  };
  const running = containersOf(p).some((c) => !c.init && c.status.state?.running);

  // env / envFrom: the container waits with CreateContainerConfigError and the exact message.
  for (const c of containersOf(p)) {
    const w = c.status.state?.waiting;
    if (w?.reason !== 'CreateContainerConfigError' || !w.message) continue;
    const parsed = resolveName(p, parseConfigError(w.message));
    if (!parsed) continue;
    const events = podEvents(snap, ref, /^Failed$/).filter((e) => e.message.includes(w.message!) && (!e.regarding.fieldPath || e.regarding.fieldPath.includes(`{${c.name}}`)));
    add({
      id: parsed.id, confidence: 0.95, subject: { kind: 'Pod', namespace: ref.namespace, name: ref.name, container: c.name },
      summary: `${c.init ? 'Init container' : 'Container'} ${c.name} of pod ${ref.namespace}/${ref.name} cannot start (CreateContainerConfigError): ${describe(parsed, ref.namespace)}.`,
      evidence: [fieldEvidence(ref, `${statusPath(c)}.state.waiting`, `${w.reason}: ${w.message}`), ...events.slice(-1).map(eventEvidence), ...specReferences(p, parsed)],
      vars: varsOf(parsed), supersedes: ['container.create-failed', 'rollout.stuck'],
    }, parsed);
  }

  // Volumes: FailedMount while the pod is still being created (events outlive a fixed mount).
  const pending = p.status?.phase === 'Pending' || p.status?.phase === undefined;
  if (pending && !running) {
    const mounts = podEvents(snap, ref, /^FailedMount$/).sort((a, b) => compareTimes(a.lastTime ?? '', b.lastTime ?? ''));
    for (const e of [...mounts].reverse()) {
      const parsed = resolveName(p, parseConfigError(e.message));
      if (!parsed) continue;
      const creating = containersOf(p).find((c) => c.status.state?.waiting?.reason === 'ContainerCreating');
      add({
        id: parsed.id, confidence: 0.9, subject: { kind: 'Pod', namespace: ref.namespace, name: ref.name },
        summary: `Pod ${ref.namespace}/${ref.name} is stuck in ContainerCreating: ${describe(parsed, ref.namespace)}, so the volume cannot be mounted.`,
        evidence: [eventEvidence(e),
          ...(creating ? [fieldEvidence(ref, `${statusPath(creating)}.state.waiting`, 'ContainerCreating')] : [fieldEvidence(ref, 'status.phase', p.status?.phase ?? 'Pending')]),
          ...specReferences(p, parsed)],
        vars: varsOf(parsed), supersedes: ['storage.mount-failed', 'container.create-failed', 'rollout.stuck'],
      }, parsed);
    }
  }
  return out;
}

function detect(snap: Snapshot): Finding[] {
  return snap.scopePods.flatMap((p) => findingsFor(snap, p));
}

export const config: RuleFamily = {
  name: 'config',
  rules: [missingConfigMap, missingSecret, missingKey],
  detect,
};
