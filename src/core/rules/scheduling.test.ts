import { describe, expect, it } from 'vitest';
import { scheduling, parseQuantity, formatQuantity, podRequest } from './scheduling.ts';
import { ruleCases } from '../../../test/support/rule-cases.ts';
import { bundle, event, eventV1, node, object, pod } from '../../../test/support/kube-builders.ts';
import { claimVolume, controlPlane, pendingPod, pvc, sizedNode } from '../../../test/support/kube-builders-scheduling.ts';
import { diagnose } from '../diagnose.ts';
import { FORBIDDEN_STEP } from '../next-steps.ts';
import type { Pod } from '../kube.ts';

const NAME = 'cart-7d9f8b6c5d-x2x9k';
const sched = (message: string, o: { count?: number; last?: string } = {}) =>
  event({ name: NAME, reason: 'FailedScheduling', message, component: 'default-scheduler', ...(o.count ? { count: o.count } : {}), ...(o.last ? { last: o.last } : {}) });
const PREEMPT_3 = ' preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.';
const workers = (n: number, allocatable: Record<string, string> = {}) => Array.from({ length: n }, (_, i) => sizedNode(`worker-${i + 1}`, allocatable));

ruleCases(scheduling, [
  // ---- old (≤1.23) scheduler messages -------------------------------------------------------
  {
    name: 'old format: every node Insufficient cpu, requests larger than any node',
    bundle: bundle([pendingPod({ requests: { cpu: '8', memory: '1Gi' }, unschedulable: '0/3 nodes are available: 3 Insufficient cpu.' }),
      sched('0/3 nodes are available: 3 Insufficient cpu.', { count: 14 }), ...workers(3)]),
    fires: 'scheduling.insufficient-cpu', summaryIncludes: ['3/3 nodes', 'requests cpu 8', 'largest node allocatable 4', 'no node is big enough'],
  },
  {
    name: 'old format: master taint on one node, Insufficient memory on four',
    bundle: bundle([pendingPod({ requests: { memory: '24Gi' } }),
      sched("0/5 nodes are available: 1 node(s) had taint {node-role.kubernetes.io/master: }, that the pod didn't tolerate, 4 Insufficient memory.")]),
    fires: 'scheduling.insufficient-memory', summaryIncludes: ['4/5 nodes', 'requests memory 24Gi'],
  },
  {
    name: "old format: 3 node(s) didn't match node selector",
    bundle: bundle([pendingPod({ podSpec: { nodeSelector: { disktype: 'ssd' } }, unschedulable: "0/3 nodes are available: 3 node(s) didn't match node selector." }), ...workers(3)]),
    fires: 'scheduling.node-selector-mismatch', summaryIncludes: ['nodeSelector disktype=ssd', 'no node has label disktype=ssd'],
  },
  {
    name: 'old format: 3 pod has unbound immediate PersistentVolumeClaims',
    bundle: bundle([pendingPod({ volumes: [claimVolume('data', 'data-cart-0')], unschedulable: '0/3 nodes are available: 3 pod has unbound immediate PersistentVolumeClaims.' })]),
    fires: 'scheduling.unbound-pvc', summaryIncludes: ['data-cart-0'],
  },
  {
    name: 'old format: 2 node(s) had volume node affinity conflict',
    bundle: bundle([pendingPod({ volumes: [claimVolume('data', 'data-db-0')], unschedulable: '0/2 nodes are available: 2 node(s) had volume node affinity conflict.' }),
      pvc('data-db-0', { phase: 'Bound', volumeName: 'pvc-3f2a9c1e-6b7d-4e8f-9a0b-1c2d3e4f5a6b', storageClassName: 'gp3' })]),
    fires: 'scheduling.volume-node-affinity-conflict', summaryIncludes: ['pvc-3f2a9c1e-6b7d-4e8f-9a0b-1c2d3e4f5a6b', 'data-db-0'],
  },
  {
    name: 'old format: one node cordoned, two without free host ports',
    bundle: bundle([pendingPod({ containers: [{ name: 'app', spec: { ports: [{ containerPort: 8080, hostPort: 8080, protocol: 'TCP' }] } }],
      unschedulable: "0/3 nodes are available: 1 node(s) were unschedulable, 2 node(s) didn't have free ports for the requested pod ports." })]),
    fires: 'scheduling.port-conflict', silent: [], summaryIncludes: ['2/3 nodes', 'hostPort 8080'],
  },
  {
    name: 'old format: pod affinity/anti-affinity on every node',
    bundle: bundle([pendingPod({ unschedulable: "0/3 nodes are available: 3 node(s) didn't match pod affinity/anti-affinity, 3 node(s) didn't match pod anti-affinity rules." })]),
    fires: 'scheduling.pod-affinity', summaryIncludes: ['3/3 nodes'],
  },
  {
    name: 'pre-1.10 predicate format',
    bundle: bundle([pendingPod({ requests: { cpu: '3' } }), sched('No nodes are available that match all of the predicates: Insufficient cpu (2), PodToleratesNodeTaints (1).')]),
    fires: 'scheduling.insufficient-cpu',
  },
  // ---- new (1.24+) scheduler messages -------------------------------------------------------
  {
    name: 'new format with preemption tail: control-plane taint and Insufficient memory',
    bundle: bundle([pendingPod({ requests: { memory: '20Gi' }, unschedulable: '0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 Insufficient memory. preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod..' }),
      controlPlane(), ...workers(2)]),
    fires: 'scheduling.insufficient-memory', summaryIncludes: ['2/3 nodes', 'requests memory 20Gi', 'largest node allocatable 16Gi'],
  },
  {
    name: 'a tie between the control-plane taint and Insufficient cpu goes to cpu',
    bundle: bundle([pendingPod({ requests: { cpu: '3500m' }, unschedulable: '0/2 nodes are available: 1 Insufficient cpu, 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }. preemption: 0/2 nodes are available: 1 No preemption victims found for incoming pod, 1 Preemption is not helpful for scheduling.' }),
      controlPlane(), sizedNode('worker-1', {})]),
    fires: 'scheduling.insufficient-cpu', summaryIncludes: ['requests cpu 3500m', 'largest node allocatable 4'],
  },
  {
    name: 'three control-plane nodes and one full worker: the worker\'s cpu is the cause',
    bundle: bundle([pendingPod({ requests: { cpu: '2' }, unschedulable: '0/4 nodes are available: 1 Insufficient cpu, 3 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }. preemption: 0/4 nodes are available: 1 No preemption victims found for incoming pod, 3 Preemption is not helpful for scheduling.' })]),
    fires: 'scheduling.insufficient-cpu', summaryIncludes: ['1/4 nodes'],
  },
  {
    name: '1.33 format: untolerated taint(s) without the key, tie broken towards cpu',
    bundle: bundle([pendingPod({ requests: { cpu: '6' }, unschedulable: '0/2 nodes are available: 1 Insufficient cpu, 1 node(s) had untolerated taint(s). preemption: 0/2 nodes are available: 1 No preemption victims found for incoming pod, 1 Preemption is not helpful for scheduling.' }),
      controlPlane(), sizedNode('worker-1', {})]),
    fires: 'scheduling.insufficient-cpu',
  },
  {
    name: "new format: 4 node(s) didn't match Pod's node affinity/selector",
    bundle: bundle([pendingPod({ podSpec: { nodeSelector: { 'node.kubernetes.io/instance-type': 'm6i.4xlarge' } },
      unschedulable: "0/4 nodes are available: 4 node(s) didn't match Pod's node affinity/selector. preemption: 0/4 nodes are available: 4 Preemption is not helpful for scheduling." })]),
    fires: 'scheduling.node-selector-mismatch', summaryIncludes: ['4/4 nodes', 'node.kubernetes.io/instance-type=m6i.4xlarge'],
  },
  {
    name: 'new format: topology spread constraints',
    bundle: bundle([pendingPod({ podSpec: { topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'cart' } } }] },
      unschedulable: `0/3 nodes are available: 3 node(s) didn't match pod topology spread constraints.${PREEMPT_3}` })]),
    fires: 'scheduling.topology-spread', summaryIncludes: ['topology.kubernetes.io/zone maxSkew 1'],
  },
  {
    name: 'new format: topology spread constraints (missing required label)',
    bundle: bundle([pendingPod(), sched(`0/3 nodes are available: 3 node(s) didn't match pod topology spread constraints (missing required label).${PREEMPT_3}`)]),
    fires: 'scheduling.topology-spread',
  },
  {
    name: 'new format: cordoned workers',
    bundle: bundle([pendingPod({ unschedulable: `0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 node(s) were unschedulable.${PREEMPT_3}` }),
      controlPlane(), node('worker-1', { unschedulable: true }), node('worker-2', { unschedulable: true })]),
    fires: 'scheduling.node-unschedulable', summaryIncludes: ['2/3 nodes', 'worker-1'],
  },
  {
    name: 'new format: workers unreachable (untolerated taint node.kubernetes.io/unreachable)',
    bundle: bundle([pendingPod({ unschedulable: `0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 node(s) had untolerated taint {node.kubernetes.io/unreachable: }.${PREEMPT_3}` })]),
    fires: 'scheduling.untolerated-taint', summaryIncludes: ['node.kubernetes.io/unreachable', 'NotReady/unreachable', '2/3 nodes'],
  },
  {
    name: 'new format: a dedicated pool taint the pod does not tolerate',
    bundle: bundle([pendingPod({ unschedulable: `0/3 nodes are available: 3 node(s) had untolerated taint {dedicated: gpu}.${PREEMPT_3}` }),
      ...['gpu-1', 'gpu-2', 'gpu-3'].map((n) => node(n, { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] }))]),
    fires: 'scheduling.untolerated-taint', summaryIncludes: ['dedicated=gpu:NoSchedule', 'no tolerations'],
  },
  {
    name: 'a single-node cluster whose only node is the control plane',
    bundle: bundle([pendingPod({ unschedulable: '0/1 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.' })]),
    fires: 'scheduling.untolerated-taint', summaryIncludes: ['no worker node'],
  },
  {
    name: 'new format: Insufficient nvidia.com/gpu, no node offers GPUs',
    bundle: bundle([pendingPod({ limits: { 'nvidia.com/gpu': '1' }, unschedulable: '0/4 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 3 Insufficient nvidia.com/gpu. preemption: 0/4 nodes are available: 4 Preemption is not helpful for scheduling.' }),
      controlPlane(), ...workers(3)]),
    fires: 'scheduling.insufficient-resource', summaryIncludes: ['Insufficient nvidia.com/gpu', 'requests nvidia.com/gpu 1', 'no node offers nvidia.com/gpu'],
  },
  {
    name: 'new format: Too many pods',
    bundle: bundle([pendingPod({ unschedulable: '0/2 nodes are available: 2 Too many pods. preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod.' }),
      sizedNode('worker-1', { pods: '17' }), sizedNode('worker-2', { pods: '17' })]),
    fires: 'scheduling.insufficient-resource', summaryIncludes: ['Too many pods', 'allows 17 pods'],
  },
  {
    name: 'Insufficient ephemeral-storage',
    bundle: bundle([pendingPod({ requests: { 'ephemeral-storage': '50Gi' }, unschedulable: '0/3 nodes are available: 3 Insufficient ephemeral-storage.' }),
      ...workers(3, { 'ephemeral-storage': '47233297Ki' })]),
    fires: 'scheduling.insufficient-resource', summaryIncludes: ['requests ephemeral-storage 50Gi', 'largest node allocatable 47233297Ki', 'no node is big enough'],
  },
  {
    name: "new format: didn't have free ports",
    bundle: bundle([pendingPod({ unschedulable: `0/3 nodes are available: 3 node(s) didn't have free ports for the requested pod ports.${PREEMPT_3}` })]),
    fires: 'scheduling.port-conflict',
  },
  {
    name: "new format: didn't match pod anti-affinity rules",
    bundle: bundle([pendingPod({ podSpec: { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'cart' } }, topologyKey: 'kubernetes.io/hostname' }] } } },
      unschedulable: "0/3 nodes are available: 3 node(s) didn't match pod anti-affinity rules. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.." })]),
    fires: 'scheduling.pod-affinity', summaryIncludes: ['anti-affinity'],
  },
  {
    name: 'PreFilter format: pod has unbound immediate PersistentVolumeClaims without a count',
    bundle: bundle([pendingPod({ volumes: [claimVolume('data', 'data-0')], unschedulable: '0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling..' })]),
    fires: 'scheduling.unbound-pvc', summaryIncludes: ['data-0'],
  },
  {
    name: 'PreFilter format: the claim does not exist',
    bundle: bundle([pendingPod({ volumes: [claimVolume('data', 'data-0')], unschedulable: '0/3 nodes are available: persistentvolumeclaim "data-0" not found. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.' })]),
    fires: 'scheduling.unbound-pvc', summaryIncludes: ['data-0 does not exist'],
  },
  {
    name: 'new format: volume node affinity conflict on the workers',
    bundle: bundle([pendingPod({ unschedulable: `0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 node(s) had volume node affinity conflict.${PREEMPT_3}` })]),
    fires: 'scheduling.volume-node-affinity-conflict',
  },
  {
    name: 'a DaemonSet pod pinned to a full node (NodeAffinity misses on other nodes are by design)',
    bundle: bundle([pendingPod({ name: 'kube-proxy-7xk2p', owner: { kind: 'DaemonSet', name: 'kube-proxy' }, namespace: 'kube-system' }),
      event({ namespace: 'kube-system', name: 'kube-proxy-7xk2p', reason: 'FailedScheduling', component: 'default-scheduler', message: "0/46 nodes are available: 1 Too many pods, 45 node(s) didn't satisfy plugin(s) [NodeAffinity]. preemption: 0/46 nodes are available: 1 No preemption victims found for incoming pod, 45 Preemption is not helpful for scheduling." })]),
    fires: 'scheduling.insufficient-resource', summaryIncludes: ['Too many pods'],
  },
  {
    name: 'events.k8s.io/v1 FailedScheduling event only',
    bundle: bundle([pendingPod({ requests: { memory: '64Gi' } }),
      eventV1({ name: NAME, reason: 'FailedScheduling', message: '0/3 nodes are available: 3 Insufficient memory. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.', component: 'default-scheduler', seriesCount: 9 })]),
    fires: 'scheduling.insufficient-memory', summaryIncludes: ['3/3 nodes', 'requests memory 64Gi'],
  },
  {
    name: 'the newest FailedScheduling event wins when there is no condition message',
    bundle: bundle([pendingPod({ requests: { cpu: '2' } }),
      sched("0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector.", { last: '2026-11-21T09:01:00Z' }),
      sched('0/3 nodes are available: 3 Insufficient cpu.', { last: '2026-11-21T09:20:00Z' })]),
    fires: 'scheduling.insufficient-cpu',
  },
  {
    name: 'a Deployment target whose pods are Pending for cpu',
    bundle: bundle([
      object('Deployment', 'apps/v1', 'cart', { spec: { replicas: 2, selector: { matchLabels: { app: 'cart' } } }, status: { replicas: 2, readyReplicas: 1, availableReplicas: 1, unavailableReplicas: 1 } }),
      object('ReplicaSet', 'apps/v1', 'cart-7d9f8b6c5d', { metadata: { ownerReferences: [{ kind: 'Deployment', name: 'cart', controller: true }] } }),
      pod({ name: 'cart-7d9f8b6c5d-aaaaa' }),
      pendingPod({ name: 'cart-7d9f8b6c5d-bbbbb', requests: { cpu: '3' }, unschedulable: '0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.' }),
    ], { target: { kind: 'Deployment', namespace: 'shop', name: 'cart' } }),
    fires: 'scheduling.insufficient-cpu',
  },
  // ---- cluster-autoscaler -------------------------------------------------------------------
  {
    name: 'autoscaler: max node group size reached while every node lacks cpu',
    bundle: bundle([pendingPod({ requests: { cpu: '3' }, unschedulable: '0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.' }),
      event({ name: NAME, reason: 'NotTriggerScaleUp', type: 'Normal', component: 'cluster-autoscaler', message: "pod didn't trigger scale-up: 2 max node group size reached", count: 31 })]),
    fires: 'scheduling.autoscaler-max', summaryIncludes: ['2 max node group size reached', 'Insufficient cpu', 'requests cpu 3'],
  },
  {
    name: 'autoscaler: capitalised message, taint on one group and max size on the other',
    bundle: bundle([pendingPod({ requests: { 'nvidia.com/gpu': '1' } }),
      sched("0/4 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 3 Insufficient nvidia.com/gpu."),
      eventV1({ name: NAME, reason: 'NotTriggerScaleUp', type: 'Normal', component: 'cluster-autoscaler', message: "Pod didn't trigger scale-up: 1 node(s) had untolerated taint {dedicated: ml}, 1 max node group size reached" })]),
    fires: 'scheduling.autoscaler-max', summaryIncludes: ['1 max node group size reached'],
  },
  {
    name: 'autoscaler: max size reached is not primary when the scheduler blames the node selector',
    bundle: bundle([pendingPod({ podSpec: { nodeSelector: { pool: 'batch' } }, unschedulable: "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector." }),
      event({ name: NAME, reason: 'NotTriggerScaleUp', type: 'Normal', component: 'cluster-autoscaler', message: "pod didn't trigger scale-up: 1 max node group size reached" })]),
    fires: 'scheduling.autoscaler-max', primary: false,
  },
  // ---- silent cases -------------------------------------------------------------------------
  { name: 'a running, ready pod', bundle: bundle([pod()]) },
  {
    name: 'a pod that was unschedulable earlier and has since been scheduled',
    bundle: bundle([pod(), sched('0/3 nodes are available: 3 Insufficient cpu.', { count: 4 })]),
  },
  {
    name: 'a scheduled pod still creating its containers',
    bundle: bundle([pod({ phase: 'Pending', containers: [{ name: 'app', state: { waiting: { reason: 'ContainerCreating' } } }] })]),
  },
  {
    name: 'a pod held by scheduling gates (not a scheduler failure)',
    bundle: bundle([pod({ phase: 'Pending', nodeName: undefined, conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated', message: 'Scheduling is blocked due to non-empty scheduling gates' }] })]),
  },
  {
    name: 'a FailedScheduling event that is not a fit error',
    bundle: bundle([pendingPod(), sched('skip schedule deleting pod: shop/cart-7d9f8b6c5d-x2x9k')]),
  },
  {
    name: 'a scheduler reason this parser does not classify',
    bundle: bundle([pendingPod({ unschedulable: '0/3 nodes are available: 3 node(s) had no available disk.' })]),
  },
  {
    name: 'autoscaler backoff only, without max size or a scheduler message',
    bundle: bundle([pendingPod(), event({ name: NAME, reason: 'NotTriggerScaleUp', type: 'Normal', component: 'cluster-autoscaler', message: "pod didn't trigger scale-up: 1 in backoff after failed scale-up" })]),
  },
  {
    name: 'a Failed pod with old FailedScheduling events',
    bundle: bundle([pod({ phase: 'Failed', nodeName: undefined, reason: 'OutOfcpu' }), sched('0/3 nodes are available: 3 Insufficient cpu.')]),
  },
]);

describe('scheduling details', () => {
  const diag = (objects: Parameters<typeof bundle>[0]) => diagnose(bundle(objects));

  it('keeps the other reasons as lower-confidence alternatives', () => {
    const r = diag([pendingPod({ requests: { cpu: '3' }, unschedulable: '0/6 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 node(s) were unschedulable, 3 Insufficient cpu.' })]);
    expect(r.diagnosis.id).toBe('scheduling.insufficient-cpu');
    const ids = r.alternatives.map((a) => a.id);
    expect(ids).toContain('scheduling.node-unschedulable');
    expect(ids).toContain('scheduling.untolerated-taint');
    for (const a of r.alternatives) expect(a.confidence).toBeLessThan(r.diagnosis.confidence);
    const taint = r.alternatives.find((a) => a.id === 'scheduling.untolerated-taint')!;
    expect(taint.confidence).toBeLessThanOrEqual(0.3);
    expect(taint.summary).toContain('excluded by design');
  });

  it('suggests read-only steps first, fills in names, and never deletes a claim', () => {
    const r = diag([pendingPod({ requests: { cpu: '8' }, unschedulable: '0/3 nodes are available: 3 Insufficient cpu.' }), ...workers(3)]);
    const commands = r.diagnosis.nextSteps.map((s) => s.command);
    expect(r.diagnosis.nextSteps[0]!.safety).toBe('read-only');
    expect(commands[0]).toBe(`kubectl -n shop describe pod ${NAME}`);
    expect(commands.some((c) => c.includes('custom-columns') && c.includes('allocatable'))).toBe(true);
    expect(commands).toContain('kubectl top nodes');
    expect(commands).toContain('kubectl -n shop set resources deployment/cart -c app --requests=cpu=<lower>');
    for (const d of [r.diagnosis, ...r.alternatives]) {
      for (const s of d.nextSteps) {
        expect(s.command).not.toContain('undefined');
        expect(s.command).not.toMatch(FORBIDDEN_STEP);
      }
    }
  });

  it('quotes requests summed over containers and taken from limits when requests are absent', () => {
    const p = pendingPod({ containers: [
      { name: 'app', spec: { resources: { requests: { cpu: '1500m' } } } },
      { name: 'sidecar', spec: { resources: { limits: { cpu: '500m' } } } },
    ] }) as Pod;
    expect(podRequest(p, 'cpu')).toMatchObject({ value: 2, container: 'app' });
    expect(podRequest(p, 'memory')).toBeUndefined();
  });

  it('parses and formats quantities', () => {
    expect(parseQuantity('500m')).toBe(0.5);
    expect(parseQuantity('2')).toBe(2);
    expect(parseQuantity('1Gi')).toBe(2 ** 30);
    expect(parseQuantity('1e3')).toBe(1000);
    expect(parseQuantity('1E')).toBe(1e18);
    expect(parseQuantity('128974848')).toBe(128974848);
    expect(parseQuantity('lots')).toBeUndefined();
    expect(formatQuantity('cpu', 0.25)).toBe('250m');
    expect(formatQuantity('cpu', 2)).toBe('2');
    expect(formatQuantity('memory', 1.5 * 2 ** 30)).toBe('1.5Gi');
    expect(formatQuantity('memory', 512 * 2 ** 20)).toBe('512Mi');
  });

  it('supersedes nothing itself but yields to storage.pvc-pending for unbound claims', () => {
    const r = diag([pendingPod({ volumes: [claimVolume('data', 'data-0')], unschedulable: '0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling..' }),
      pvc('data-0')]);
    expect(r.diagnosis.id).toBe('storage.pvc-pending');
    expect(r.alternatives.map((a) => a.id)).toContain('scheduling.unbound-pvc');
  });
});
