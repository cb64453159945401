import { describe, expect, it } from 'vitest';
import { controlPlane } from './control-plane.ts';
import { ruleCases } from '../../../test/support/rule-cases.ts';
import { bundle, event, eventV1, object, pod } from '../../../test/support/kube-builders.ts';
import { buildSnapshot } from '../snapshot.ts';
import type { KubeObject, LogTail } from '../types.ts';

const T0 = '2026-11-21T09:00:00Z';

const deployment = object('Deployment', 'apps/v1', 'cart', { spec: { replicas: 3, selector: { matchLabels: { app: 'cart' } } },
  status: { replicas: 3, readyReplicas: 1, availableReplicas: 1, unavailableReplicas: 2 } });
const replicaSet = object('ReplicaSet', 'apps/v1', 'cart-7d9f8b6c5d', { metadata: { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'cart', controller: true }] } });
const deployTarget = { target: { kind: 'Deployment', namespace: 'shop', name: 'cart' } } as const;
const failedCreate = (message: string, name = 'cart-7d9f8b6c5d', namespace = 'shop') =>
  event({ kind: 'ReplicaSet', name, namespace, reason: 'FailedCreate', message, count: 7, component: 'replicaset-controller' });

/** A kubeadm static pod in kube-system. */
function staticPod(component: 'etcd' | 'kube-apiserver', o: { ready?: boolean; waiting?: string; restarts?: number; exit?: number } = {}): KubeObject {
  const name = `${component}-cp-1`;
  return pod({
    namespace: 'kube-system', name, nodeName: 'cp-1', labels: { component, tier: 'control-plane' }, owner: { kind: 'Node', name: 'cp-1' },
    containers: [{
      name: component, image: component === 'etcd' ? 'registry.k8s.io/etcd:3.5.15-0' : 'registry.k8s.io/kube-apiserver:v1.31.2',
      ready: o.ready ?? !o.waiting, restartCount: o.restarts ?? 0,
      state: o.waiting ? { waiting: { reason: o.waiting, message: `back-off 5m0s restarting failed container=${component} pod=${name}_kube-system(9a1b)` } } : { running: { startedAt: T0 } },
      ...(o.exit !== undefined ? { lastState: { terminated: { reason: 'Error', exitCode: o.exit, startedAt: T0, finishedAt: '2026-11-21T09:01:00Z' } } } : {}),
    }],
  });
}
const log = (container: string, lines: string[], previous = false): LogTail => ({ namespace: 'kube-system', pod: `${container}-cp-1`, container, previous, lines });
const kubeSystemTarget = (name: string) => ({ target: { kind: 'Pod', namespace: 'kube-system', name } });

ruleCases(controlPlane, [
  // --- etcd errors handed back to controllers
  {
    name: 'ReplicaSet FailedCreate: etcdserver: request timed out (Deployment target)',
    bundle: bundle([deployment, replicaSet, failedCreate('Error creating: etcdserver: request timed out')], deployTarget),
    fires: 'control-plane.etcd', summaryIncludes: ['ReplicaSet shop/cart-7d9f8b6c5d got "etcdserver: request timed out"', 'time out'],
  },
  {
    name: 'FailedCreate: leader changed, wrapped in a gRPC error',
    bundle: bundle([deployment, replicaSet, failedCreate('Error creating: rpc error: code = Unavailable desc = etcdserver: leader changed')], deployTarget),
    fires: 'control-plane.etcd', summaryIncludes: ['leader'],
  },
  {
    name: 'Job FailedCreate: mvcc: database space exceeded (events.k8s.io/v1)',
    bundle: bundle([object('Job', 'batch/v1', 'nightly-report', { status: { active: 0 } }),
      eventV1({ kind: 'Job', name: 'nightly-report', reason: 'FailedCreate', seriesCount: 4, component: 'job-controller', message: 'Error creating: etcdserver: mvcc: database space exceeded' })],
    { target: { kind: 'Job', namespace: 'shop', name: 'nightly-report' } }),
    fires: 'control-plane.etcd', summaryIncludes: ['out of space'],
  },
  {
    name: 'the scheduler cannot bind a pod: etcdserver: request timed out, possibly due to previous leader failure',
    bundle: bundle([pod({ phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulerError' }] }),
      event({ name: 'cart-7d9f8b6c5d-x2x9k', reason: 'FailedScheduling', component: 'default-scheduler',
        message: 'running Bind plugin "DefaultBinder": etcdserver: request timed out, possibly due to previous leader failure' })]),
    fires: 'control-plane.etcd',
  },
  {
    name: 'API server timeout handed back to the ReplicaSet controller',
    bundle: bundle([deployment, replicaSet, failedCreate('Error creating: Timeout: request did not complete within requested timeout - context deadline exceeded')], deployTarget),
    fires: 'control-plane.etcd',
  },
  // --- the etcd static pod itself
  {
    name: 'etcd static pod crash-looping: data disk full',
    bundle: bundle([staticPod('etcd', { waiting: 'CrashLoopBackOff', restarts: 9, exit: 1 })],
      { ...kubeSystemTarget('etcd-cp-1'), logs: [log('etcd', [
        '{"level":"info","ts":"2026-11-21T09:00:59.101Z","caller":"etcdmain/etcd.go:73","msg":"Running: ","args":["etcd","--data-dir=/var/lib/etcd"]}',
        '{"level":"panic","ts":"2026-11-21T09:01:00.202Z","caller":"backend/backend.go:189","msg":"failed to open database","path":"/var/lib/etcd/member/snap/db","error":"write /var/lib/etcd/member/snap/db: no space left on device"}',
      ], true)] }),
    fires: 'control-plane.etcd', summaryIncludes: ['etcd static pod kube-system/etcd-cp-1 is failing', 'data disk is full'],
  },
  {
    name: 'etcd running but not ready, logging slow fsyncs',
    bundle: bundle([staticPod('etcd', { ready: false })],
      { ...kubeSystemTarget('etcd-cp-1'), logs: [log('etcd', [
        '{"level":"warn","ts":"2026-11-21T09:10:01.000Z","caller":"wal/wal.go:805","msg":"slow fdatasync","took":"1.873s","expected-duration":"1s"}',
        '{"level":"warn","ts":"2026-11-21T09:10:02.000Z","caller":"etcdserver/raft.go:415","msg":"leader failed to send out heartbeat on time; took too long, leader is overloaded likely from slow disk","to":"8e9e05c52164694d","heartbeat-interval":"100ms","expected-duration":"200ms","exceeded-duration":"1.2s"}',
      ])] }),
    fires: 'control-plane.etcd', summaryIncludes: ['time out'],
  },
  {
    name: 'a ready etcd whose logs say requests take too long',
    bundle: bundle([staticPod('etcd')],
      { ...kubeSystemTarget('etcd-cp-1'), logs: [log('etcd', [
        '{"level":"warn","ts":"2026-11-21T09:10:01.000Z","caller":"etcdserver/util.go:170","msg":"apply request took too long","took":"2.31s","expected-duration":"100ms","prefix":"read-only range ","request":"key:\\"/registry/pods/\\" range_end:\\"/registry/pods0\\" ","response":"","error":"context deadline exceeded"}',
      ])] }),
    fires: 'control-plane.etcd',
  },
  {
    name: 'kube-apiserver crash-looping because it cannot reach etcd',
    bundle: bundle([staticPod('kube-apiserver', { waiting: 'CrashLoopBackOff', restarts: 6, exit: 1 })],
      { ...kubeSystemTarget('kube-apiserver-cp-1'), logs: [log('kube-apiserver', [
        'W1121 09:10:00.123456       1 logging.go:59] [core] [Channel #1 SubChannel #2] grpc: addrConn.createTransport failed to connect to {Addr: "127.0.0.1:2379", ServerName: "127.0.0.1", }. Err: connection error: desc = "transport: Error while dialing: dial tcp 127.0.0.1:2379: connect: connection refused"',
        'E1121 09:10:20.000000       1 run.go:74] "command failed" err="context deadline exceeded"',
      ], true)] }),
    fires: 'control-plane.etcd', summaryIncludes: ['cannot reach etcd'],
  },
  // --- alerts
  {
    name: 'etcdHighFsyncDurations alert without other evidence',
    bundle: bundle([], { target: { kind: 'Pod', namespace: 'kube-system', name: 'etcd-cp-1' },
      alert: { labels: { alertname: 'etcdHighFsyncDurations', job: 'etcd', instance: '10.0.0.11:2379' }, annotations: { description: 'etcd cluster "etcd": 99th percentile fsync durations are 1.2s on etcd instance 10.0.0.11:2379.' } } }),
    fires: 'control-plane.etcd', summaryIncludes: ['etcdHighFsyncDurations'],
  },
  {
    name: 'etcdNoLeader alert plus leader errors elsewhere in the cluster',
    bundle: bundle([failedCreate('Error creating: etcdserver: no leader', 'billing-5f6d', 'billing')],
      { target: { kind: 'Pod', namespace: 'kube-system', name: 'etcd-cp-2' }, alert: { labels: { alertname: 'etcdNoLeader', job: 'etcd' }, annotations: {} } }),
    fires: 'control-plane.etcd', summaryIncludes: ['leader', '2 independent signals'],
  },
  // --- silent
  { name: 'a running, ready pod', bundle: bundle([pod()]) },
  { name: 'a healthy etcd static pod with ordinary logs', bundle: bundle([staticPod('etcd')], { ...kubeSystemTarget('etcd-cp-1'), logs: [log('etcd', ['{"level":"info","ts":"2026-11-21T09:10:01.000Z","caller":"mvcc/index.go:214","msg":"compact tree index","revision":1234567}'])] }) },
  { name: 'a healthy kube-apiserver', bundle: bundle([staticPod('kube-apiserver')], { ...kubeSystemTarget('kube-apiserver-cp-1'), logs: [log('kube-apiserver', ['I1121 09:10:00.000000       1 controller.go:615] quota admission added evaluator for: leases.coordination.k8s.io'])] }) },
  {
    name: 'an admission webhook timeout is not the API server storage',
    bundle: bundle([deployment, replicaSet, failedCreate('Error creating: Internal error occurred: failed calling webhook "validate.kyverno.svc-fail": failed to call webhook: Post "https://kyverno-svc.kyverno.svc:443/validate/fail?timeout=10s": context deadline exceeded')], deployTarget),
  },
  {
    name: 'an object too large for etcd is a client error',
    bundle: bundle([deployment, replicaSet, failedCreate('Error creating: etcdserver: request is too large')], deployTarget),
  },
  { name: 'a non-etcd alert', bundle: bundle([pod()], { alert: { labels: { alertname: 'KubePodCrashLooping' }, annotations: {} } }) },
  {
    name: 'etcd errors about another namespace\'s objects do not explain a healthy target',
    bundle: bundle([pod(), failedCreate('Error creating: etcdserver: request timed out', 'billing-5f6d', 'billing')]),
  },
  {
    name: 'an application pod named etcd-* outside kube-system',
    bundle: bundle([pod({ name: 'etcd-backup-28871234-x7k2p', containers: [{ name: 'backup', restartCount: 3, state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off' } }, lastState: { terminated: { reason: 'Error', exitCode: 1 } } }] })]),
  },
]);

describe('control-plane details', () => {
  it('fills the etcd pod into the next steps, read-only first, and adds the NOSPACE remedies last', () => {
    const b = bundle([staticPod('etcd', { ready: false })], { ...kubeSystemTarget('etcd-cp-1'), logs: [log('etcd', [
      '{"level":"warn","ts":"2026-11-21T09:10:01.000Z","caller":"etcdserver/server.go:1130","msg":"failed to apply request","error":"etcdserver: mvcc: database space exceeded"}'])] });
    const [f] = controlPlane.detect(buildSnapshot(b));
    expect(f?.vars).toMatchObject({ etcdPod: 'etcd-cp-1', node: 'cp-1', cause: 'nospace' });
    const steps = controlPlane.rules[0]!.nextSteps(f!);
    expect(steps[0]?.safety).toBe('read-only');
    expect(steps.map((s) => s.command)).toContain('kubectl -n kube-system logs etcd-cp-1 -c etcd --tail=200');
    expect(steps.filter((s) => s.safety === 'risky').map((s) => s.command).join('\n')).toContain('alarm disarm');
  });

  it('supersedes the crash loop of the etcd pod', () => {
    const b = bundle([staticPod('etcd', { waiting: 'CrashLoopBackOff', restarts: 9, exit: 1 })], kubeSystemTarget('etcd-cp-1'));
    const [f] = controlPlane.detect(buildSnapshot(b));
    expect(f?.supersedes).toContain('crashloop.app-error');
    expect(f?.summary).toContain('etcd member is down');
  });
});
