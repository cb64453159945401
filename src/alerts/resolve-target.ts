// Alert labels → the Kubernetes object the alert is about. Knows the kubernetes-mixin alerts
// and the label traps: `job` is the scrape job (the Job is `job_name`), `instance` on
// kube-state-metrics alerts is the exporter not a node, labels that name the kube-state-metrics
// pod itself leak in, and `exported_*` labels carry the real values when honor_labels is off.
import type { Target } from '../core/types.ts';
import { DNS_LABEL, nameProblem } from '../diagnose/request.ts';

export interface ResolvedTarget {
  target?: Target;
  cluster?: string;
  /** A hint from the alert, e.g. KubeContainerWaiting's `reason`. */
  reasonHint?: string;
  /** Why no target (or a narrower one) was resolved. */
  problems: string[];
}

type Kind = Target['kind'];

const BY_ALERT: Array<[RegExp, Kind, string]> = [
  [/^(KubePodCrashLooping|KubePodNotReady|KubeContainerWaiting|CPUThrottlingHigh)$/, 'Pod', 'pod'],
  [/^KubeDeployment/, 'Deployment', 'deployment'],
  [/^KubeStatefulSet/, 'StatefulSet', 'statefulset'],
  [/^KubeDaemonSet/, 'DaemonSet', 'daemonset'],
  [/^(KubeJobFailed|KubeJobNotCompleted|KubeJobCompletion)$/, 'Job', 'job_name'],
  [/^KubeHpa/, 'HorizontalPodAutoscaler', 'horizontalpodautoscaler'],
  [/^KubePdbNotEnoughHealthyPods$/, 'PodDisruptionBudget', 'poddisruptionbudget'],
  [/^KubeQuota/, 'ResourceQuota', 'resourcequota'],
  [/^(KubePersistentVolumeFillingUp|KubePersistentVolumeInodesFillingUp)$/, 'PersistentVolumeClaim', 'persistentvolumeclaim'],
  [/^KubePersistentVolumeErrors$/, 'PersistentVolume', 'persistentvolume'],
  [/^(KubeNode\w*|KubeletTooManyPods)$/, 'Node', 'node'],
];

/** Order for alerts the table does not know: the most specific object first. */
const GENERIC: Array<[string, Kind]> = [
  ['pod', 'Pod'], ['job_name', 'Job'], ['deployment', 'Deployment'], ['statefulset', 'StatefulSet'], ['daemonset', 'DaemonSet'],
  ['persistentvolumeclaim', 'PersistentVolumeClaim'], ['service', 'Service'], ['horizontalpodautoscaler', 'HorizontalPodAutoscaler'],
  ['poddisruptionbudget', 'PodDisruptionBudget'], ['resourcequota', 'ResourceQuota'], ['persistentvolume', 'PersistentVolume'], ['node', 'Node'],
];

const CLUSTER_SCOPED = new Set<Kind>(['Node', 'PersistentVolume']);
const KSM = /(^|-)kube-state-metrics(-|$)/;
const EXPORTER_JOB = /kube-state-metrics|kubelet|node-exporter|cadvisor|apiserver/;

/** The label's real value: `exported_x` wins when present (honor_labels off renames the original). */
function label(labels: Record<string, string>, name: string): string | undefined {
  const v = labels[`exported_${name}`] ?? labels[name];
  return v === undefined || v === '' ? undefined : v;
}

export function resolveTarget(labels: Record<string, string>): ResolvedTarget {
  const problems: string[] = [];
  const alertname = labels['alertname'] ?? '';
  const namespace = label(labels, 'namespace');
  const cluster = labels['cluster'];
  const result: ResolvedTarget = { problems };
  if (cluster) result.cluster = cluster;
  if (alertname === 'KubeContainerWaiting' && labels['reason']) result.reasonHint = labels['reason'];

  const usable = (key: string): string | undefined => {
    const v = label(labels, key);
    if (v === undefined) return undefined;
    // The exporter's own pod/container name leaking into a workload alert is not the target.
    if ((key === 'pod' || key === 'container') && KSM.test(v) && !KSM.test(label(labels, 'deployment') ?? '')) {
      problems.push(`ignored ${key}="${v}": it names kube-state-metrics itself`);
      return undefined;
    }
    // On exporter series, `service` is the exporter's own Service, not the one the alert is about.
    if (key === 'service' && (KSM.test(v) || EXPORTER_JOB.test(labels['job'] ?? ''))) return undefined;
    return v;
  };

  // A kubernetes-mixin alert names its object with one label; without it, other labels on the
  // series (the exporter's service, the scrape job) would point at the wrong object.
  const known = BY_ALERT.find(([re]) => re.test(alertname));
  const candidates: Array<[string, Kind]> = known ? [[known[2], known[1]]] : GENERIC;
  for (const [key, kind] of candidates) {
    const name = usable(key);
    if (!name) continue;
    const invalid = nameProblem(kind, name);
    if (invalid) {
      problems.push(`label ${key}="${name.slice(0, 80)}" is not a valid Kubernetes name: it ${invalid}`);
      return result;
    }
    if (!CLUSTER_SCOPED.has(kind)) {
      if (!namespace) {
        problems.push(`label ${key} names a ${kind} but the alert has no namespace label`);
        continue;
      }
      if (!DNS_LABEL.test(namespace)) {
        problems.push(`label namespace="${namespace.slice(0, 80)}" is not a valid namespace name`);
        return result;
      }
    }
    const target: Target = { kind, name, ...(CLUSTER_SCOPED.has(kind) ? {} : { namespace: namespace! }) };
    const container = kind === 'Pod' ? usable('container') : undefined;
    if (container && DNS_LABEL.test(container)) target.container = container;
    result.target = target;
    return result;
  }
  if (problems.length === 0) problems.push(`no label names a Kubernetes object (alertname ${alertname || 'missing'})`);
  return result;
}
