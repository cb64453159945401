// Builders for the scheduling and storage rule tables: unscheduled pods with requests, nodes of a
// given size, claims, classes and volumes, all in their JSON wire shape.
import type { KubeObject } from '../../src/core/types.ts';
import { NS, node, object, pod, type PodOpts } from './kube-builders.ts';

const T0 = '2026-11-21T09:00:00Z';

export interface PendingPodOpts extends Omit<PodOpts, 'phase' | 'conditions'> {
  /** The PodScheduled=False message; omit for a pod with only events. */
  unschedulable?: string;
  requests?: Record<string, string>;
  limits?: Record<string, string>;
  podSpec?: Record<string, unknown>;
}

/** A Pending pod the scheduler has not placed: no nodeName, no container statuses. */
export function pendingPod(o: PendingPodOpts = {}): KubeObject {
  const { unschedulable, requests, limits, podSpec, ...rest } = o;
  const resources = requests || limits ? { resources: { ...(requests ? { requests } : {}), ...(limits ? { limits } : {}) } } : {};
  const p = pod({
    ...rest,
    phase: 'Pending',
    containers: rest.containers ?? [{ name: 'app', spec: resources }],
    conditions: unschedulable !== undefined
      ? [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: unschedulable, lastTransitionTime: T0 }]
      : [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', lastTransitionTime: T0 }],
    ...(podSpec ? { spec: podSpec } : {}),
  });
  const status = p['status'] as Record<string, unknown>;
  delete status['containerStatuses'];
  delete status['startTime'];
  return p;
}

/** A scheduled pod whose containers are still being created (volumes attach and mount now). */
export function creatingPod(o: PodOpts & { mounts?: Array<{ name: string; mountPath: string }> } = {}): KubeObject {
  const { mounts, ...rest } = o;
  return pod({
    nodeName: 'worker-1',
    ...rest,
    phase: 'Pending',
    containers: [{ name: 'app', state: { waiting: { reason: 'ContainerCreating' } }, spec: mounts ? { volumeMounts: mounts } as never : {} }],
    conditions: [
      { type: 'PodScheduled', status: 'True', lastTransitionTime: T0 },
      { type: 'Ready', status: 'False', reason: 'ContainersNotReady', lastTransitionTime: T0 },
    ],
  });
}

/** A Node with chosen allocatable resources (capacity equal). */
export function sizedNode(name: string, allocatable: Record<string, string>, o: Parameters<typeof node>[1] = {}): KubeObject {
  const n = node(name, o);
  const status = n['status'] as Record<string, unknown>;
  status['allocatable'] = { cpu: '4', memory: '16Gi', pods: '110', ...allocatable };
  status['capacity'] = { ...(status['allocatable'] as object) };
  return n;
}

export const controlPlane = (name = 'control-plane-1') =>
  node(name, { taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }], labels: { 'node-role.kubernetes.io/control-plane': '' } });

export function pvc(name: string, o: { storageClassName?: string | null; phase?: string; volumeName?: string; accessModes?: string[]; namespace?: string } = {}): KubeObject {
  return object('PersistentVolumeClaim', 'v1', name, {
    spec: {
      accessModes: o.accessModes ?? ['ReadWriteOnce'],
      resources: { requests: { storage: '10Gi' } },
      volumeMode: 'Filesystem',
      ...(o.storageClassName !== undefined ? { storageClassName: o.storageClassName } : {}),
      ...(o.volumeName ? { volumeName: o.volumeName } : {}),
    },
    status: { phase: o.phase ?? 'Pending', ...(o.phase === 'Bound' ? { accessModes: o.accessModes ?? ['ReadWriteOnce'], capacity: { storage: '10Gi' } } : {}) },
  }, o.namespace ?? NS);
}

export function storageClass(name: string, o: { isDefault?: boolean; provisioner?: string; volumeBindingMode?: string } = {}): KubeObject {
  return object('StorageClass', 'storage.k8s.io/v1', name, {
    ...(o.isDefault ? { metadata: { annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } } } : {}),
    provisioner: o.provisioner ?? 'ebs.csi.aws.com',
    reclaimPolicy: 'Delete',
    volumeBindingMode: o.volumeBindingMode ?? 'WaitForFirstConsumer',
  }, '');
}

export const claimVolume = (name: string, claimName: string) => ({ name, persistentVolumeClaim: { claimName } });
