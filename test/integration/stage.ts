// Staging failures on a real kube-apiserver that has no controllers, scheduler or kubelet: every
// object is created as admin in the shape the missing component would have left it (owner
// references with real uids, pod-template-hash labels, kubelet-style container statuses written
// through the /status subresource, events named `<object>.<hex nanoseconds>` like client-go's
// recorder). Only what the API server itself would refuse is left out.
import { expect } from 'vitest';
import { applyAdmin, type RealKubeApiServer } from '../support/real/kube-apiserver.ts';

type Json = Record<string, any>;

export interface Stage {
  /** POST as admin; fails the test unless the server answers 201. Returns the stored object. */
  create(path: string, body: Json): Promise<Json>;
  /** Merge-patch `<path>/status` as admin, as the owning controller or the kubelet would. */
  patchStatus(path: string, status: Json): Promise<Json>;
  /** A core/v1 Event (the recorder of kubelets and controllers). */
  event(e: CoreEvent): Promise<Json>;
  /** An events.k8s.io/v1 Event (the API the kube-scheduler records through since 1.19). */
  eventV1(e: EventsV1Event): Promise<Json>;
}

export interface CoreEvent {
  involved: Json;
  fieldPath?: string;
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
  count: number;
  first: string;
  last: string;
  component: string;
  host?: string;
}

export interface EventsV1Event {
  regarding: Json;
  type: 'Normal' | 'Warning';
  reason: string;
  action: string;
  note: string;
  eventTime: string;
  reportingController: string;
  reportingInstance: string;
  series?: { count: number; lastObservedTime: string };
}

let eventSeq = 0;
/** client-go's recorder names events `<involved name>.<UnixNano in hex>`. */
function eventName(involvedName: string, at: string): string {
  const nanos = BigInt(Date.parse(at)) * 1_000_000n + BigInt(++eventSeq);
  return `${involvedName}.${nanos.toString(16)}`;
}

/** Only what an ObjectReference carries. */
function reference(o: Json, fieldPath?: string): Json {
  return {
    apiVersion: o['apiVersion'],
    kind: o['kind'],
    namespace: o['metadata']?.['namespace'],
    name: o['metadata']?.['name'],
    uid: o['metadata']?.['uid'],
    resourceVersion: o['metadata']?.['resourceVersion'],
    ...(fieldPath ? { fieldPath } : {}),
  };
}

export function stage(server: RealKubeApiServer): Stage {
  const create = async (path: string, body: Json): Promise<Json> => {
    const res = await applyAdmin(server, 'POST', path, body);
    expect(res.status, `POST ${path}: ${JSON.stringify(res.json)}`).toBe(201);
    return res.json;
  };
  return {
    create,
    async patchStatus(path, status) {
      const res = await applyAdmin(server, 'PATCH', `${path}/status`, { status }, 'application/merge-patch+json');
      expect(res.status, `PATCH ${path}/status: ${JSON.stringify(res.json)}`).toBe(200);
      return res.json;
    },
    async event(e) {
      const ns = e.involved['metadata']?.['namespace'] ?? 'default';
      return create(`/api/v1/namespaces/${ns}/events`, {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name: eventName(e.involved['metadata']['name'], e.last), namespace: ns },
        involvedObject: reference(e.involved, e.fieldPath),
        type: e.type,
        reason: e.reason,
        message: e.message,
        count: e.count,
        firstTimestamp: e.first,
        lastTimestamp: e.last,
        source: { component: e.component, ...(e.host ? { host: e.host } : {}) },
        reportingComponent: '',
        reportingInstance: '',
      });
    },
    async eventV1(e) {
      const ns = e.regarding['metadata']?.['namespace'] ?? 'default';
      return create(`/apis/events.k8s.io/v1/namespaces/${ns}/events`, {
        apiVersion: 'events.k8s.io/v1',
        kind: 'Event',
        metadata: { name: eventName(e.regarding['metadata']['name'], e.eventTime), namespace: ns },
        regarding: reference(e.regarding),
        type: e.type,
        reason: e.reason,
        action: e.action,
        note: e.note,
        eventTime: e.eventTime,
        reportingController: e.reportingController,
        reportingInstance: e.reportingInstance,
        ...(e.series ? { series: e.series } : {}),
      });
    },
  };
}

/** ISO time `minutes` before `now`, at the second precision of metav1.Time. */
export function ago(now: number, minutes: number): string {
  return new Date(now - minutes * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** ISO time with the microsecond precision of metav1.MicroTime. */
export function microAgo(now: number, minutes: number): string {
  return new Date(now - minutes * 60_000).toISOString().replace(/Z$/, '000Z');
}

export function ownerRef(owner: Json): Json {
  return {
    apiVersion: owner['apiVersion'],
    kind: owner['kind'],
    name: owner['metadata']['name'],
    uid: owner['metadata']['uid'],
    controller: true,
    blockOwnerDeletion: true,
  };
}

export interface Workload {
  deployment: Json;
  replicaSet: Json;
}

/**
 * A Deployment and its ReplicaSet `<name>-<hash>`, as the deployment controller creates them
 * (pod-template-hash label and selector, controller owner reference, revision annotation).
 */
export async function deploymentWithReplicaSet(
  s: Stage,
  ns: string,
  name: string,
  hash: string,
  replicas: number,
  labels: Record<string, string>,
  podSpec: Json,
): Promise<Workload> {
  const template = { metadata: { labels }, spec: podSpec };
  const deployment = await s.create(`/apis/apps/v1/namespaces/${ns}/deployments`, {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: ns, labels, annotations: { 'deployment.kubernetes.io/revision': '1' } },
    spec: { replicas, selector: { matchLabels: labels }, template },
  });
  const rsLabels = { ...labels, 'pod-template-hash': hash };
  const replicaSet = await s.create(`/apis/apps/v1/namespaces/${ns}/replicasets`, {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: `${name}-${hash}`,
      namespace: ns,
      labels: rsLabels,
      annotations: {
        'deployment.kubernetes.io/desired-replicas': String(replicas),
        'deployment.kubernetes.io/max-replicas': String(replicas + 1),
        'deployment.kubernetes.io/revision': '1',
      },
      ownerReferences: [ownerRef(deployment)],
    },
    spec: { replicas, selector: { matchLabels: rsLabels }, template: { metadata: { labels: rsLabels }, spec: podSpec } },
  });
  return { deployment, replicaSet };
}

/** A pod of a ReplicaSet, optionally bound to a node (the scheduler's binding). */
export async function replicaSetPod(s: Stage, w: Workload, name: string, nodeName: string | undefined): Promise<Json> {
  const rs = w.replicaSet;
  const ns = rs['metadata']['namespace'];
  const spec = { ...rs['spec']['template']['spec'], ...(nodeName ? { nodeName } : {}) };
  return s.create(`/api/v1/namespaces/${ns}/pods`, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: ns, labels: rs['spec']['template']['metadata']['labels'], ownerReferences: [ownerRef(rs)] },
    spec,
  });
}

export interface NodeOptions {
  name: string;
  /** The port the API server dials for this node's kubelet (status.daemonEndpoints). */
  kubeletPort: number;
  cpu: string;
  memory: string;
  labels?: Record<string, string>;
  taints?: Json[];
  readyAt: string;
}

/** A Node as a kubelet registers it: addresses, capacity/allocatable, daemon endpoint, Ready. */
export function node(o: NodeOptions): Json {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: o.name,
      labels: { 'kubernetes.io/hostname': o.name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', ...o.labels },
    },
    spec: { podCIDR: '10.244.0.0/24', ...(o.taints ? { taints: o.taints } : {}) },
    status: {
      // The API server reaches the kubelet at the InternalIP (--kubelet-preferred-address-types) and this port.
      addresses: [{ type: 'InternalIP', address: '127.0.0.1' }, { type: 'Hostname', address: o.name }],
      daemonEndpoints: { kubeletEndpoint: { Port: o.kubeletPort } },
      capacity: { cpu: o.cpu, memory: o.memory, pods: '110', 'ephemeral-storage': '50Gi' },
      allocatable: { cpu: o.cpu, memory: o.memory, pods: '110', 'ephemeral-storage': '45Gi' },
      conditions: [
        { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory', message: 'kubelet has sufficient memory available', lastHeartbeatTime: o.readyAt, lastTransitionTime: o.readyAt },
        { type: 'DiskPressure', status: 'False', reason: 'KubeletHasNoDiskPressure', message: 'kubelet has no disk pressure', lastHeartbeatTime: o.readyAt, lastTransitionTime: o.readyAt },
        { type: 'PIDPressure', status: 'False', reason: 'KubeletHasSufficientPID', message: 'kubelet has sufficient PID available', lastHeartbeatTime: o.readyAt, lastTransitionTime: o.readyAt },
        { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: o.readyAt, lastTransitionTime: o.readyAt },
      ],
      nodeInfo: {
        machineID: 'ec2a0000000000000000000000000000', systemUUID: 'ec2a0000-0000-0000-0000-000000000000', bootID: '00000000-0000-0000-0000-000000000000',
        kernelVersion: '6.1.0-18-amd64', osImage: 'Debian GNU/Linux 12 (bookworm)', containerRuntimeVersion: 'containerd://1.6.20',
        kubeletVersion: 'v1.20.2', kubeProxyVersion: 'v1.20.2', operatingSystem: 'linux', architecture: 'amd64',
      },
    },
  };
}
