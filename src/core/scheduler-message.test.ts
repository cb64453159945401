import { describe, expect, it } from 'vitest';
import { classify, parseSchedulerMessage, rankKinds } from './scheduler-message.ts';

const kinds = (message: string) => parseSchedulerMessage(message)!.reasons.map((r) => [r.count, r.kind]);
const primary = (message: string) => rankKinds(parseSchedulerMessage(message)!)[0]?.kind;

describe('parseSchedulerMessage', () => {
  it('reads the old format, keeping the comma inside "had taint {...}, that the pod didn\'t tolerate"', () => {
    const m = parseSchedulerMessage("0/5 nodes are available: 1 node(s) had taint {node-role.kubernetes.io/master: }, that the pod didn't tolerate, 4 Insufficient memory.")!;
    expect(m).toMatchObject({ source: 'scheduler', total: 5, available: 0 });
    expect(m.reasons).toEqual([
      { kind: 'untolerated-taint', count: 1, text: "node(s) had taint {node-role.kubernetes.io/master: }, that the pod didn't tolerate", taint: { key: 'node-role.kubernetes.io/master', value: '' }, expected: true },
      { kind: 'insufficient-memory', count: 4, text: 'Insufficient memory', resource: 'memory' },
    ]);
  });

  it('drops the preemption tail of the 1.24+ format', () => {
    const m = parseSchedulerMessage('0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 Insufficient memory. preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod..')!;
    expect(m.reasons.map((r) => [r.count, r.kind])).toEqual([[1, 'untolerated-taint'], [2, 'insufficient-memory']]);
    expect(m.preemption).toBe('0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod..');
  });

  it('counts a reason without a number (PreFilter) as every node', () => {
    expect(kinds('0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling..')).toEqual([[3, 'unbound-pvc']]);
    expect(kinds('0/2 nodes are available: persistentvolumeclaim "data-0" not found.')).toEqual([[2, 'unbound-pvc']]);
  });

  it.each([
    ['0/3 nodes are available: 3 Insufficient cpu.', 'insufficient-cpu'],
    ['0/3 nodes are available: 3 Insufficient ephemeral-storage.', 'insufficient-resource'],
    ['0/3 nodes are available: 3 Insufficient nvidia.com/gpu.', 'insufficient-resource'],
    ['0/3 nodes are available: 3 Too many pods.', 'insufficient-resource'],
    ["0/3 nodes are available: 3 node(s) didn't match node selector.", 'node-selector-mismatch'],
    ["0/4 nodes are available: 4 node(s) didn't match Pod's node affinity/selector.", 'node-selector-mismatch'],
    ["0/4 nodes are available: 4 node(s) didn't match Pod's node affinity.", 'node-selector-mismatch'],
    ["0/4 nodes are available: 4 node(s) didn't satisfy plugin(s) [NodeAffinity].", 'node-selector-mismatch'],
    ["0/3 nodes are available: 3 node(s) didn't match pod affinity/anti-affinity, 3 node(s) didn't match pod anti-affinity rules.", 'pod-affinity'],
    ["0/3 nodes are available: 3 node(s) didn't satisfy existing pods anti-affinity rules.", 'pod-affinity'],
    ["0/3 nodes are available: 3 node(s) didn't match pod affinity rules.", 'pod-affinity'],
    ["0/3 nodes are available: 3 node(s) didn't match pod topology spread constraints.", 'topology-spread'],
    ["0/3 nodes are available: 3 node(s) didn't match pod topology spread constraints (missing required label).", 'topology-spread'],
    ['0/3 nodes are available: 3 pod has unbound immediate PersistentVolumeClaims.', 'unbound-pvc'],
    ["0/3 nodes are available: 3 node(s) didn't find available persistent volumes to bind.", 'unbound-pvc'],
    ['0/2 nodes are available: 2 node(s) had volume node affinity conflict.', 'volume-node-affinity-conflict'],
    ['0/2 nodes are available: 2 node(s) had no available volume zone.', 'volume-node-affinity-conflict'],
    ['0/3 nodes are available: 3 node(s) were unschedulable.', 'node-unschedulable'],
    ['0/3 nodes are available: 3 node(s) had untolerated taint {node.kubernetes.io/unschedulable: }.', 'node-unschedulable'],
    ["0/3 nodes are available: 3 node(s) didn't have free ports for the requested pod ports.", 'port-conflict'],
    ['0/3 nodes are available: 3 node(s) had untolerated taint {node.kubernetes.io/unreachable: }.', 'untolerated-taint'],
    ['0/3 nodes are available: 3 node(s) had untolerated taint(s).', 'untolerated-taint'],
    ['0/3 nodes are available: 3 node(s) had memory pressure.', 'untolerated-taint'],
  ])('%s → %s', (message, kind) => {
    expect(primary(message)).toBe(kind);
  });

  it('reads the pre-1.10 predicate format', () => {
    expect(kinds('No nodes are available that match all of the predicates: Insufficient cpu (2), PodToleratesNodeTaints (1).')).toEqual([[2, 'insufficient-cpu'], [1, 'untolerated-taint']]);
    expect(kinds('No nodes are available that match all of the following predicates:: Insufficient memory (1), MatchNodeSelector (2).')).toEqual([[1, 'insufficient-memory'], [2, 'node-selector-mismatch']]);
  });

  it('reads cluster-autoscaler NotTriggerScaleUp messages, old and new', () => {
    const m = parseSchedulerMessage("pod didn't trigger scale-up: 1 node(s) had untolerated taint {dedicated: gpu}, 2 max node group size reached")!;
    expect(m.source).toBe('autoscaler');
    expect(m.reasons.map((r) => [r.count, r.kind])).toEqual([[1, 'untolerated-taint'], [2, 'autoscaler-max']]);
    expect(m.reasons[0]!.taint).toEqual({ key: 'dedicated', value: 'gpu' });
    expect(kinds("Pod didn't trigger scale-up: 1 max node group size reached")).toEqual([[1, 'autoscaler-max']]);
    expect(kinds("pod didn't trigger scale-up (it wouldn't fit if a new node is added): 1 Insufficient nvidia.com/gpu")).toEqual([[1, 'insufficient-resource']]);
    expect(kinds("pod didn't trigger scale-up: 1 in backoff after failed scale-up")).toEqual([[1, 'other']]);
  });

  it('returns undefined for other text', () => {
    expect(parseSchedulerMessage('skip schedule deleting pod: shop/x')).toBeUndefined();
    expect(parseSchedulerMessage('Successfully assigned shop/x to worker-1')).toBeUndefined();
  });
});

describe('rankKinds', () => {
  it('ranks by nodes blocked, ignoring nodes excluded by the control-plane taint', () => {
    expect(primary('0/4 nodes are available: 1 Insufficient cpu, 3 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }.')).toBe('insufficient-cpu');
    expect(primary("0/3 nodes are available: 1 node(s) were unschedulable, 2 node(s) didn't have free ports for the requested pod ports.")).toBe('port-conflict');
  });

  it('breaks ties towards the likely fix', () => {
    expect(primary('0/2 nodes are available: 1 node(s) had untolerated taint {dedicated: batch}, 1 Insufficient memory.')).toBe('insufficient-memory');
    expect(primary('0/2 nodes are available: 1 node(s) were unschedulable, 1 Insufficient cpu.')).toBe('insufficient-cpu');
  });

  it('keeps an expected-only kind, last, when it is all there is', () => {
    const ranked = rankKinds(parseSchedulerMessage('0/1 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }.')!);
    expect(ranked).toHaveLength(1);
    expect(ranked[0]).toMatchObject({ kind: 'untolerated-taint', expectedOnly: true, nodes: 1 });
  });

  it('never counts more nodes than the message has', () => {
    const ranked = rankKinds(parseSchedulerMessage("0/3 nodes are available: 3 node(s) didn't match pod affinity/anti-affinity, 3 node(s) didn't match pod anti-affinity rules.")!);
    expect(ranked[0]!.nodes).toBe(3);
  });

  it('classifies a reason on its own', () => {
    expect(classify('Insufficient example.com/foo', 2)).toMatchObject({ kind: 'insufficient-resource', resource: 'example.com/foo', count: 2 });
    expect(classify('node(s) had no available disk', 1).kind).toBe('other');
  });
});
