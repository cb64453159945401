import { describe, expect, it } from 'vitest';
import { nodes } from './nodes.ts';
import { ruleCases } from '../../../test/support/rule-cases.ts';
import { bundle, event, node, pod } from '../../../test/support/kube-builders.ts';
import { buildSnapshot } from '../snapshot.ts';
import { diagnose } from '../diagnose.ts';
import type { Condition } from '../kube.ts';
import type { KubeObject } from '../types.ts';

const T0 = '2026-11-21T09:00:00Z';
const POD = 'cart-7d9f8b6c5d-x2x9k';
const nodeTarget = { target: { kind: 'Node', name: 'worker-1', namespace: undefined } } as const;

/** Node conditions as the kubelet (or the node lifecycle controller) writes them. */
function conditions(o: { ready?: Condition; memory?: boolean; disk?: boolean; pid?: boolean; network?: Condition } = {}): Condition[] {
  return [
    ...(o.network ? [o.network] : []),
    o.memory ? { type: 'MemoryPressure', status: 'True', reason: 'KubeletHasInsufficientMemory', message: 'kubelet has insufficient memory available', lastTransitionTime: T0 }
      : { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory', message: 'kubelet has sufficient memory available', lastTransitionTime: T0 },
    o.disk ? { type: 'DiskPressure', status: 'True', reason: 'KubeletHasDiskPressure', message: 'kubelet has disk pressure', lastTransitionTime: T0 }
      : { type: 'DiskPressure', status: 'False', reason: 'KubeletHasNoDiskPressure', message: 'kubelet has no disk pressure', lastTransitionTime: T0 },
    o.pid ? { type: 'PIDPressure', status: 'True', reason: 'KubeletHasInsufficientPID', message: 'kubelet has insufficient PID available', lastTransitionTime: T0 }
      : { type: 'PIDPressure', status: 'False', reason: 'KubeletHasSufficientPID', message: 'kubelet has sufficient PID available', lastTransitionTime: T0 },
    o.ready ?? { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastTransitionTime: T0 },
  ];
}

const unknownCond = (type: string) => ({ type, status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastHeartbeatTime: T0, lastTransitionTime: '2026-11-21T09:04:10Z' });
const lostNode = () => node('worker-1', {
  conditions: ['MemoryPressure', 'DiskPressure', 'PIDPressure', 'Ready'].map(unknownCond),
  taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule', timeAdded: '2026-11-21T09:04:10Z' }, { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: '2026-11-21T09:04:15Z' }],
});
const nodeEvent = (reason: string, message: string, type: 'Normal' | 'Warning' = 'Normal', component = 'kubelet') =>
  event({ kind: 'Node', name: 'worker-1', namespace: 'default', reason, message, type, component });

const CNI_READY: Condition = { type: 'Ready', status: 'False', reason: 'KubeletNotReady', lastTransitionTime: T0,
  message: 'container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized' };

/** A pod the kubelet evicted (phase Failed, reason Evicted). */
function evictedPod(message: string, name = POD): KubeObject {
  return pod({ name, phase: 'Failed', reason: 'Evicted', message, nodeName: 'worker-1',
    conditions: [{ type: 'DisruptionTarget', status: 'True', reason: 'TerminationByKubelet', message, lastTransitionTime: T0 }, { type: 'Ready', status: 'False', lastTransitionTime: T0 }],
    containers: [{ name: 'app', ready: false, state: { terminated: { reason: 'ContainerStatusUnknown', exitCode: 137, message: 'The container could not be located when the pod was terminated' } } }] });
}
const MEMORY_EVICTION = 'The node was low on resource: memory. Threshold quantity: 100Mi, available: 87644Ki. Container app was using 1536Mi, request is 256Mi, has larger consumption of memory. ';
const DISK_EVICTION = 'The node was low on resource: ephemeral-storage. Threshold quantity: 4811332083, available: 4526920Ki. Container app was using 14Gi, request is 0, has larger consumption of ephemeral-storage. ';

ruleCases(nodes, [
  // --- node.not-ready
  {
    name: 'Node target: the kubelet stopped posting status (unreachable)',
    bundle: bundle([lostNode(), nodeEvent('NodeNotReady', 'Node worker-1 status is now: NodeNotReady', 'Normal', 'node-controller')], nodeTarget),
    fires: 'node.not-ready', summaryIncludes: ['Node worker-1 is NotReady', 'Kubelet stopped posting node status.', 'unreachable'],
  },
  {
    name: 'Node target: PLEG is not healthy (Ready=False)',
    bundle: bundle([node('worker-1', { conditions: conditions({ ready: { type: 'Ready', status: 'False', reason: 'KubeletNotReady', message: 'PLEG is not healthy: pleg was last seen active 3m20.512s ago; threshold is 3m0s', lastTransitionTime: T0 } }),
      taints: [{ key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' }] })], nodeTarget),
    fires: 'node.not-ready', summaryIncludes: ['PLEG is not healthy'],
  },
  {
    name: 'Pod target on a node that stopped reporting',
    bundle: bundle([pod({ nodeName: 'worker-1', conditions: [{ type: 'Ready', status: 'False', lastTransitionTime: '2026-11-21T09:04:10Z' }] }), lostNode(),
      event({ name: POD, reason: 'NodeNotReady', message: 'Node is not ready', component: 'node-controller' })]),
    fires: 'node.not-ready', summaryIncludes: ['pod shop/cart-7d9f8b6c5d-x2x9k runs there'],
  },
  {
    name: 'Pod target, node not in the bundle, the node controller says "Node is not ready"',
    bundle: bundle([pod({ nodeName: 'worker-1', containers: [{ name: 'app', ready: false, state: { running: { startedAt: T0 } } }] }),
      event({ name: POD, reason: 'NodeNotReady', message: 'Node is not ready', component: 'node-controller' }),
      event({ name: POD, reason: 'TaintManagerEviction', type: 'Normal', message: 'Marking for deletion Pod shop/cart-7d9f8b6c5d-x2x9k', component: 'taint-controller' })]),
    fires: 'node.not-ready', summaryIncludes: ['Node worker-1'],
  },
  {
    name: 'Pod target with the older NodeLost status',
    bundle: bundle([pod({ nodeName: 'worker-1', reason: 'NodeLost', message: 'Node worker-1 which was running pod cart-7d9f8b6c5d-x2x9k is unresponsive',
      containers: [{ name: 'app', ready: false, state: { running: { startedAt: T0 } } }] })]),
    fires: 'node.not-ready',
  },
  // --- pressure
  {
    name: 'Node target under memory pressure, with the evictions it caused',
    bundle: bundle([node('worker-1', { conditions: conditions({ memory: true }), taints: [{ key: 'node.kubernetes.io/memory-pressure', effect: 'NoSchedule' }] }),
      nodeEvent('NodeHasInsufficientMemory', 'Node worker-1 status is now: NodeHasInsufficientMemory'),
      nodeEvent('EvictionThresholdMet', 'Attempting to reclaim memory', 'Warning'),
      evictedPod(MEMORY_EVICTION, 'report-5c9d7-abcde')], nodeTarget),
    fires: 'node.memory-pressure', silent: ['node.not-ready'], summaryIncludes: ['memory pressure', 'MemoryPressure=True'],
  },
  {
    name: 'Node target under disk pressure with image GC failing',
    bundle: bundle([node('worker-1', { conditions: conditions({ disk: true }), taints: [{ key: 'node.kubernetes.io/disk-pressure', effect: 'NoSchedule' }] }),
      nodeEvent('EvictionThresholdMet', 'Attempting to reclaim ephemeral-storage', 'Warning'),
      nodeEvent('ImageGCFailed', 'Failed to garbage collect required amount of images. Attempted to free 4502654976 bytes, but only found 0 bytes eligible to free.', 'Warning'),
      nodeEvent('FreeDiskSpaceFailed', 'Failed to garbage collect required amount of images. Attempted to free 4502654976 bytes, but only found 0 bytes eligible to free.', 'Warning')], nodeTarget),
    fires: 'node.disk-pressure', summaryIncludes: ['disk pressure'],
  },
  {
    name: 'Node target under PID pressure',
    bundle: bundle([node('worker-1', { conditions: conditions({ pid: true }), taints: [{ key: 'node.kubernetes.io/pid-pressure', effect: 'NoSchedule' }] }),
      nodeEvent('NodeHasInsufficientPID', 'Node worker-1 status is now: NodeHasInsufficientPID')], nodeTarget),
    fires: 'node.pid-pressure', summaryIncludes: ['PID pressure'],
  },
  {
    name: 'Pod evicted for memory on a node still under MemoryPressure: the node is the root cause',
    bundle: bundle([evictedPod(MEMORY_EVICTION), node('worker-1', { conditions: conditions({ memory: true }) }),
      event({ name: POD, reason: 'Evicted', message: MEMORY_EVICTION })]),
    fires: 'node.memory-pressure', summaryIncludes: ['it evicted pod shop/cart-7d9f8b6c5d-x2x9k'],
  },
  {
    name: 'the eviction itself is still reported, as an alternative',
    bundle: bundle([evictedPod(MEMORY_EVICTION), node('worker-1', { conditions: conditions({ memory: true }) })]),
    fires: 'pod.evicted', primary: false, summaryIncludes: ['the node still reports MemoryPressure'],
  },
  {
    name: 'Pod unhealthy on a DiskPressure node: context only, crash loop would outrank it',
    bundle: bundle([pod({ nodeName: 'worker-1', phase: 'Pending', containers: [{ name: 'app', state: { waiting: { reason: 'ContainerCreating' } } }] }), node('worker-1', { conditions: conditions({ disk: true }) })]),
    fires: 'node.disk-pressure',
  },
  // --- network unavailable
  {
    name: 'Node target: cloud route missing (NetworkUnavailable=True)',
    bundle: bundle([node('worker-1', { conditions: conditions({ network: { type: 'NetworkUnavailable', status: 'True', reason: 'NoRouteCreated', message: 'RouteController failed to create a route', lastTransitionTime: T0 } }),
      taints: [{ key: 'node.kubernetes.io/network-unavailable', effect: 'NoSchedule' }] })], nodeTarget),
    fires: 'node.network-unavailable', summaryIncludes: ['RouteController failed to create a route'],
  },
  {
    name: 'Node target: CNI plugin not initialised makes it NotReady (containerd)',
    bundle: bundle([node('worker-1', { conditions: conditions({ ready: CNI_READY }), taints: [{ key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' }] })], nodeTarget),
    fires: 'node.network-unavailable', summaryIncludes: ['CNI plugin is not initialised'],
  },
  {
    name: 'Node target: dockershim "cni config uninitialized"',
    bundle: bundle([node('worker-1', { conditions: conditions({ ready: { type: 'Ready', status: 'False', reason: 'KubeletNotReady', lastTransitionTime: T0,
      message: 'runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:docker: network plugin is not ready: cni config uninitialized' } }) })], nodeTarget),
    fires: 'node.network-unavailable',
  },
  {
    name: 'Pod stuck ContainerCreating on a node without a pod network',
    bundle: bundle([pod({ nodeName: 'worker-1', phase: 'Pending', containers: [{ name: 'app', state: { waiting: { reason: 'ContainerCreating' } } }] }),
      node('worker-1', { conditions: conditions({ network: { type: 'NetworkUnavailable', status: 'True', reason: 'NoRouteCreated', message: 'RouteController failed to create a route', lastTransitionTime: T0 } }) })]),
    fires: 'node.network-unavailable',
  },
  // --- pod.evicted
  {
    name: 'Pod evicted for memory, the node has recovered since',
    bundle: bundle([evictedPod(MEMORY_EVICTION), node('worker-1'), event({ name: POD, reason: 'Evicted', message: MEMORY_EVICTION })]),
    fires: 'pod.evicted', silent: ['node.memory-pressure'],
    summaryIncludes: ['evicted from node worker-1', 'low on memory', 'threshold 100Mi, available 87644Ki', 'container app was using 1536Mi against a 256Mi request'],
  },
  {
    name: 'Pod evicted for ephemeral-storage, node not in the bundle',
    bundle: bundle([evictedPod(DISK_EVICTION)]),
    fires: 'pod.evicted', summaryIncludes: ['low on ephemeral-storage', 'was using 14Gi with no request'],
  },
  {
    name: 'Pod evicted for exceeding its own ephemeral-storage limit on a DiskPressure node: not the node\'s fault',
    bundle: bundle([evictedPod('Pod ephemeral local storage usage exceeds the total limit of containers 2Gi. '), node('worker-1', { conditions: conditions({ disk: true }) })]),
    fires: 'pod.evicted', summaryIncludes: ['exceeds the total limit of containers 2Gi'],
  },
  {
    name: 'Container over its ephemeral-storage limit',
    bundle: bundle([evictedPod('Container app exceeded its local ephemeral storage limit "500Mi". ')]),
    fires: 'pod.evicted', summaryIncludes: ['exceeded its local ephemeral storage limit "500Mi"'],
  },
  {
    name: 'Pod evicted for PIDs',
    bundle: bundle([evictedPod('The node was low on resource: pids. Threshold quantity: 1000, available: 912. ')]),
    fires: 'pod.evicted', summaryIncludes: ['low on pids'],
  },
  // --- silent
  { name: 'a healthy node', bundle: bundle([node('worker-1')], nodeTarget) },
  { name: 'a healthy pod on a healthy node', bundle: bundle([pod(), node('worker-1')]) },
  { name: 'a healthy pod on a DiskPressure node', bundle: bundle([pod(), node('worker-1', { conditions: conditions({ disk: true }) })]) },
  {
    name: 'Calico reports NetworkUnavailable=False',
    bundle: bundle([node('worker-1', { conditions: conditions({ network: { type: 'NetworkUnavailable', status: 'False', reason: 'CalicoIsUp', message: 'Calico is running on this node', lastTransitionTime: T0 } }) })], nodeTarget),
  },
  {
    name: 'a Ready node with an old NodeNotReady event',
    bundle: bundle([node('worker-1'), nodeEvent('NodeNotReady', 'Node worker-1 status is now: NodeNotReady', 'Normal', 'node-controller'), nodeEvent('NodeReady', 'Node worker-1 status is now: NodeReady')], nodeTarget),
  },
  {
    name: 'a pod ready again after an old NodeNotReady event (node not in the bundle)',
    bundle: bundle([pod(), event({ name: POD, reason: 'NodeNotReady', message: 'Node is not ready', component: 'node-controller' })]),
  },
  {
    name: 'a pod terminated by graceful node shutdown is not an eviction',
    bundle: bundle([pod({ phase: 'Failed', reason: 'Terminated', message: 'Pod was terminated in response to imminent node shutdown.', containers: [{ name: 'app', ready: false, state: { terminated: { reason: 'Error', exitCode: 143 } } }] })]),
  },
  { name: 'a node target that is not in the bundle', bundle: bundle([], nodeTarget) },
]);

describe('nodes family details', () => {
  it('names the node in the vars, subject and next steps of a pod-target finding', () => {
    const b = bundle([pod({ nodeName: 'worker-1' }), lostNode()]);
    const [f] = nodes.detect(buildSnapshot(b));
    expect(f?.subject).toEqual({ kind: 'Node', name: 'worker-1' });
    const steps = nodes.rules.find((r) => r.id === 'node.not-ready')!.nextSteps(f!).map((s) => s.command);
    expect(steps[0]).toBe('kubectl describe node worker-1');
    expect(steps.join('\n')).not.toContain('<node>');
  });

  it('suggests requesting what the evicted container really used', () => {
    const b = bundle([evictedPod(MEMORY_EVICTION), node('worker-1')]);
    const result = diagnose(b);
    expect(result.diagnosis.id).toBe('pod.evicted');
    expect(result.diagnosis.nextSteps.map((s) => s.command)).toContain('kubectl -n shop set resources deployment/cart -c app --requests=memory=1536Mi');
    expect(result.diagnosis.nextSteps[0]?.safety).toBe('read-only');
  });

  it('keeps one node finding per node for a workload whose pods share it', () => {
    const a = pod({ name: 'cart-7d9f8b6c5d-aaaaa', nodeName: 'worker-1' });
    const c = pod({ name: 'cart-7d9f8b6c5d-bbbbb', nodeName: 'worker-1' });
    const deploy = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'cart', namespace: 'shop' }, spec: { selector: { matchLabels: { app: 'cart' } } } };
    const b = bundle([a, c, lostNode(), deploy], { target: { kind: 'Deployment', namespace: 'shop', name: 'cart' } });
    const found = nodes.detect(buildSnapshot(b));
    expect(found.filter((f) => f.id === 'node.not-ready')).toHaveLength(1);
  });
});
