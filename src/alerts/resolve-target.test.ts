import { describe, expect, it } from 'vitest';
import { resolveTarget } from './resolve-target.ts';

const ksm = { job: 'kube-state-metrics', instance: '10.244.0.12:8080', service: 'kube-prometheus-stack-kube-state-metrics' };

// kubernetes-mixin alerts with the labels kube-state-metrics puts on them.
const CASES: Array<[string, Record<string, string>, object | undefined]> = [
  ['KubePodCrashLooping', { namespace: 'shop', pod: 'cart-7d9f8b6c5d-x2x9k', container: 'cart', ...ksm }, { kind: 'Pod', namespace: 'shop', name: 'cart-7d9f8b6c5d-x2x9k', container: 'cart' }],
  ['KubePodNotReady', { namespace: 'shop', pod: 'cart-7d9f8b6c5d-x2x9k', ...ksm }, { kind: 'Pod', namespace: 'shop', name: 'cart-7d9f8b6c5d-x2x9k' }],
  ['KubeContainerWaiting', { namespace: 'web', pod: 'frontend-1', container: 'app', reason: 'ImagePullBackOff', ...ksm }, { kind: 'Pod', name: 'frontend-1', container: 'app' }],
  ['CPUThrottlingHigh', { namespace: 'shop', pod: 'cart-1', container: 'cart', job: 'kubelet', instance: '172.18.0.3:10250', node: 'worker-1' }, { kind: 'Pod', name: 'cart-1' }],
  ['KubeDeploymentReplicasMismatch', { namespace: 'shop', deployment: 'cart', ...ksm }, { kind: 'Deployment', namespace: 'shop', name: 'cart' }],
  ['KubeDeploymentRolloutStuck', { namespace: 'shop', deployment: 'cart', ...ksm }, { kind: 'Deployment', name: 'cart' }],
  ['KubeStatefulSetReplicasMismatch', { namespace: 'data', statefulset: 'postgres', ...ksm }, { kind: 'StatefulSet', name: 'postgres' }],
  ['KubeDaemonSetRolloutStuck', { namespace: 'kube-system', daemonset: 'kube-proxy', ...ksm }, { kind: 'DaemonSet', name: 'kube-proxy' }],
  ['KubeJobFailed', { namespace: 'batch', job_name: 'nightly-report-29380', ...ksm }, { kind: 'Job', namespace: 'batch', name: 'nightly-report-29380' }],
  ['KubeJobNotCompleted', { namespace: 'batch', job_name: 'nightly-report-29380', ...ksm }, { kind: 'Job', name: 'nightly-report-29380' }],
  ['KubeHpaMaxedOut', { namespace: 'shop', horizontalpodautoscaler: 'cart', ...ksm }, { kind: 'HorizontalPodAutoscaler', name: 'cart' }],
  ['KubePdbNotEnoughHealthyPods', { namespace: 'shop', poddisruptionbudget: 'cart', ...ksm }, { kind: 'PodDisruptionBudget', name: 'cart' }],
  ['KubeQuotaExceeded', { namespace: 'shop', resourcequota: 'compute', resource: 'limits.memory', ...ksm }, { kind: 'ResourceQuota', name: 'compute' }],
  ['KubePersistentVolumeFillingUp', { namespace: 'data', persistentvolumeclaim: 'data-postgres-0', job: 'kubelet', instance: '172.18.0.3:10250' }, { kind: 'PersistentVolumeClaim', name: 'data-postgres-0' }],
  ['KubePersistentVolumeErrors', { persistentvolume: 'pvc-1f0c', phase: 'Failed', ...ksm }, { kind: 'PersistentVolume', name: 'pvc-1f0c' }],
  ['KubeNodeNotReady', { node: 'worker-2', condition: 'Ready', status: 'false', ...ksm }, { kind: 'Node', name: 'worker-2' }],
  ['KubeNodeUnreachable', { node: 'worker-2', key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule', ...ksm }, { kind: 'Node', name: 'worker-2' }],
  ['KubeletTooManyPods', { node: 'worker-1', job: 'kubelet', instance: '172.18.0.3:10250' }, { kind: 'Node', name: 'worker-1' }],
  ['KubeNodePressure', { node: 'worker-1', condition: 'MemoryPressure', ...ksm }, { kind: 'Node', name: 'worker-1' }],
];

describe('resolveTarget: kubernetes-mixin alerts', () => {
  for (const [alertname, labels, expected] of CASES) {
    it(alertname, () => {
      const r = resolveTarget({ alertname, ...labels });
      expect(r.target).toMatchObject(expected!);
      // The namespace is never put on cluster-scoped kinds; instance is never used as a node.
      if (r.target?.kind === 'Node' || r.target?.kind === 'PersistentVolume') expect(r.target.namespace).toBeUndefined();
    });
  }
});

describe('resolveTarget: label traps', () => {
  it('reads job_name, never the scrape job, as the Kubernetes Job', () => {
    expect(resolveTarget({ alertname: 'KubeJobFailed', namespace: 'batch', ...ksm }).target).toBeUndefined();
    expect(resolveTarget({ alertname: 'Custom', namespace: 'batch', job: 'my-scrape-job' }).target).toBeUndefined();
  });

  it('does not take instance on kube-state-metrics alerts as a node', () => {
    const r = resolveTarget({ alertname: 'KubeDeploymentReplicasMismatch', namespace: 'shop', ...ksm });
    expect(r.target).toBeUndefined();
    expect(r.problems.join(' ')).toMatch(/no label names/);
  });

  it('ignores a pod label that names kube-state-metrics itself', () => {
    const r = resolveTarget({ alertname: 'KubeDeploymentReplicasMismatch', namespace: 'shop', deployment: 'cart', pod: 'kube-state-metrics-6d5b8c7f9-abcde', container: 'kube-state-metrics', ...ksm });
    expect(r.target).toEqual({ kind: 'Deployment', namespace: 'shop', name: 'cart' });
    const generic = resolveTarget({ alertname: 'SomethingCustom', namespace: 'monitoring', pod: 'kube-state-metrics-6d5b8c7f9-abcde', deployment: 'cart' });
    expect(generic.target).toMatchObject({ kind: 'Deployment', name: 'cart' });
    expect(generic.problems[0]).toContain('kube-state-metrics');
  });

  it('prefers exported_namespace and exported_pod (honor_labels off)', () => {
    const r = resolveTarget({ alertname: 'KubePodCrashLooping', namespace: 'monitoring', pod: 'kube-state-metrics-6d5b8c7f9-abcde', exported_namespace: 'shop', exported_pod: 'cart-1', container: 'cart' });
    expect(r.target).toMatchObject({ kind: 'Pod', namespace: 'shop', name: 'cart-1' });
  });

  it('reads the cluster label and the KubeContainerWaiting reason hint', () => {
    const r = resolveTarget({ alertname: 'KubeContainerWaiting', namespace: 'web', pod: 'frontend-1', container: 'app', reason: 'CreateContainerConfigError', cluster: 'prod-eu' });
    expect(r.cluster).toBe('prod-eu');
    expect(r.reasonHint).toBe('CreateContainerConfigError');
  });

  it('resolves generic alerts that carry the labels', () => {
    expect(resolveTarget({ alertname: 'HighErrorRate', namespace: 'shop', service: 'catalog' }).target).toEqual({ kind: 'Service', namespace: 'shop', name: 'catalog' });
    expect(resolveTarget({ alertname: 'AppDown', namespace: 'shop', deployment: 'cart', pod: 'cart-1' }).target).toMatchObject({ kind: 'Pod', name: 'cart-1' });
  });

  it.each(['../secrets', 'cart%2F..', 'a?b=c', 'a,b', 'UPPER', 'x'.repeat(300)])('refuses the invalid name %s before any API call could use it', (bad) => {
    const r = resolveTarget({ alertname: 'KubePodCrashLooping', namespace: 'shop', pod: bad });
    expect(r.target).toBeUndefined();
    expect(r.problems[0]).toMatch(/not a valid Kubernetes name/);
  });

  it('refuses an invalid namespace', () => {
    expect(resolveTarget({ alertname: 'KubePodCrashLooping', namespace: 'shop/../kube-system', pod: 'cart-1' }).target).toBeUndefined();
  });

  // Found by test/hardening/names.test.ts: the old pattern took any run of [-a-z0-9.] between two alphanumerics.
  it.each(['a..b', 'a.-b', 'a-.b', 'cart..1'])('refuses %s: every dot-separated part of a name is a DNS-1123 label', (bad) => {
    expect(resolveTarget({ alertname: 'KubePodCrashLooping', namespace: 'shop', pod: bad }).target).toBeUndefined();
  });

  it('applies the rule of the kind: a Service name is a DNS-1035 label, others may hold dots and start with a digit', () => {
    expect(resolveTarget({ alertname: 'X', namespace: 'shop', service: 'cart.v2' }).problems[0]).toMatch(/DNS-1035/);
    expect(resolveTarget({ alertname: 'X', namespace: 'shop', service: '1cart' }).target).toBeUndefined();
    expect(resolveTarget({ alertname: 'X', namespace: 'shop', service: 'cart' }).target).toEqual({ kind: 'Service', namespace: 'shop', name: 'cart' });
    expect(resolveTarget({ alertname: 'KubeNodeNotReady', node: 'ip-10-0-1-5.eu-west-1.compute.internal' }).target).toEqual({ kind: 'Node', name: 'ip-10-0-1-5.eu-west-1.compute.internal' });
    expect(resolveTarget({ alertname: 'KubePodCrashLooping', namespace: 'shop', pod: `${'a'.repeat(100)}.b` }).target?.name).toBe(`${'a'.repeat(100)}.b`);
  });
});
