// The bundles the benchmark classifies besides the demo cluster: the rule test fixtures'
// typical shapes, built with the same builders the tests use.
import type { EvidenceBundle } from '../src/core/types.ts';
import { bundle, event, node, pod, previousLog } from '../test/support/kube-builders.ts';

export function testBundles(): Array<{ name: string; bundle: EvidenceBundle }> {
  const backoff = { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 5m0s restarting failed container' } };
  return [
    { name: 'oom', bundle: bundle([pod({ containers: [{ name: 'app', restartCount: 7, state: backoff, lastState: { terminated: { reason: 'OOMKilled', exitCode: 137 } } }] }), node('worker-1')]) },
    { name: 'dns', bundle: bundle([pod({ containers: [{ name: 'app', restartCount: 3, state: backoff, lastState: { terminated: { reason: 'Error', exitCode: 1 } } }] })], { logs: [previousLog('app', Array.from({ length: 200 }, (_, i) => (i === 199 ? 'dial tcp: lookup postgres on 10.96.0.10:53: no such host' : `INFO request ${i} served in 3ms`)))] }) },
    { name: 'pending', bundle: bundle([pod({ phase: 'Pending', nodeName: undefined }), event({ name: 'cart-7d9f8b6c5d-x2x9k', reason: 'FailedScheduling', message: '0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 Insufficient cpu. preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.', component: 'default-scheduler', count: 14 }), node('cp-1'), node('worker-1'), node('worker-2')]) },
  ];
}
