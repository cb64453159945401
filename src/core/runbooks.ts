import type { AlertContext, Finding, RuleDefinition } from './types.ts';

export const KUBE_PROMETHEUS_RUNBOOKS = 'https://runbooks.prometheus-operator.dev/runbooks/kubernetes/';

/**
 * Alert names that have a page under runbooks.prometheus-operator.dev/runbooks/kubernetes/.
 * A rule's runbookAlert must be one of these (checked by a test).
 */
export const KUBE_PROMETHEUS_ALERTS = [
  'CPUThrottlingHigh', 'KubeContainerWaiting', 'KubeDaemonSetMisScheduled', 'KubeDaemonSetNotScheduled',
  'KubeDaemonSetRolloutStuck', 'KubeDeploymentGenerationMismatch', 'KubeDeploymentReplicasMismatch',
  'KubeHpaMaxedOut', 'KubeHpaReplicasMismatch', 'KubeJobCompletion', 'KubeJobFailed', 'KubeJobNotCompleted',
  'KubeNodeEviction', 'KubeNodeNotReady', 'KubeNodePressure', 'KubeNodeReadinessFlapping', 'KubeNodeUnreachable',
  'KubePersistentVolumeErrors', 'KubePersistentVolumeFillingUp', 'KubePersistentVolumeInodesFillingUp',
  'KubePodCrashLooping', 'KubePodNotReady', 'KubeQuotaAlmostFull', 'KubeQuotaExceeded', 'KubeQuotaFullyUsed',
  'KubeStatefulSetGenerationMismatch', 'KubeStatefulSetReplicasMismatch', 'KubeStatefulSetUpdateNotRolledOut',
  'KubeletTooManyPods', 'KubeAPIDown', 'KubeSchedulerDown', 'KubeControllerManagerDown', 'KubeletDown',
] as const;

export function kubePrometheusRunbook(alertName: string): string {
  return KUBE_PROMETHEUS_RUNBOOKS + alertName.toLowerCase();
}

function fill(template: string, rule: RuleDefinition, finding: Finding): string {
  const values: Record<string, string> = {
    id: rule.id,
    kind: finding.subject.kind,
    namespace: finding.subject.namespace ?? '',
    name: finding.subject.name,
  };
  return template.replace(/\{(id|kind|namespace|name)\}/g, (_, k: string) => encodeURIComponent(values[k] ?? ''));
}

/** The alert's own runbook_url first, then the organisation's override, then the public pages. */
export function runbookLinks(
  rule: RuleDefinition,
  finding: Finding,
  alert: AlertContext | undefined,
  templates: Record<string, string> | undefined,
): string[] {
  const links: string[] = [];
  const fromAlert = alert?.annotations['runbook_url'];
  if (fromAlert) links.push(fromAlert);
  const template = templates?.[rule.id] ?? templates?.['*'];
  if (template) links.push(fill(template, rule, finding));
  if (rule.runbookAlert) links.push(kubePrometheusRunbook(rule.runbookAlert));
  links.push(rule.docs);
  return [...new Set(links)];
}
