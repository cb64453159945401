// Builders for Kubernetes objects in their JSON wire shape, for rule test tables.
// Defaults are realistic; every builder takes overrides for what a case is about.
import type { ContainerSpec, ContainerState, Condition } from '../../src/core/kube.ts';
import type { EvidenceBundle, KubeObject, LogTail, Target } from '../../src/core/types.ts';

export const NS = 'shop';
const T0 = '2026-11-21T09:00:00Z';
let uidCounter = 0;
const uid = (prefix: string) => `${prefix}-${(++uidCounter).toString(16).padStart(8, '0')}-0000-4000-8000-000000000000`;

export interface ContainerOpts {
  name: string;
  image?: string;
  ready?: boolean;
  started?: boolean;
  restartCount?: number;
  state?: ContainerState;
  lastState?: ContainerState;
  spec?: Partial<ContainerSpec>;
}

export interface PodOpts {
  namespace?: string;
  name?: string;
  phase?: string;
  reason?: string;
  message?: string;
  nodeName?: string;
  labels?: Record<string, string>;
  owner?: { kind: string; name: string };
  containers?: ContainerOpts[];
  initContainers?: ContainerOpts[];
  conditions?: Condition[];
  volumes?: unknown[];
  spec?: Record<string, unknown>;
}

const running: ContainerState = { running: { startedAt: T0 } };

function containerStatus(c: ContainerOpts) {
  return {
    name: c.name,
    image: c.image ?? `registry.example.com/${c.name}:1.0.0`,
    imageID: '',
    ready: c.ready ?? (c.state ? 'running' in c.state : true),
    started: c.started ?? (c.state ? 'running' in c.state : true),
    restartCount: c.restartCount ?? 0,
    state: c.state ?? running,
    lastState: c.lastState ?? {},
  };
}

export function pod(o: PodOpts = {}): KubeObject {
  const name = o.name ?? 'cart-7d9f8b6c5d-x2x9k';
  const containers = o.containers ?? [{ name: 'app' }];
  const allReady = containers.every((c) => containerStatus(c).ready);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: o.namespace ?? NS,
      uid: uid('pod'),
      creationTimestamp: T0,
      labels: o.labels ?? { app: 'cart', 'pod-template-hash': '7d9f8b6c5d' },
      ...(o.owner !== undefined
        ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: o.owner.kind, name: o.owner.name, uid: uid('owner'), controller: true }] }
        : { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'cart-7d9f8b6c5d', uid: uid('rs'), controller: true }] }),
    },
    spec: {
      ...(o.phase === 'Pending' && o.nodeName === undefined ? {} : { nodeName: o.nodeName ?? 'worker-1' }),
      containers: containers.map((c) => ({ name: c.name, image: c.image ?? `registry.example.com/${c.name}:1.0.0`, ...c.spec })),
      ...(o.initContainers ? { initContainers: o.initContainers.map((c) => ({ name: c.name, image: c.image ?? `registry.example.com/${c.name}:1.0.0`, ...c.spec })) } : {}),
      ...(o.volumes ? { volumes: o.volumes } : {}),
      ...o.spec,
    },
    status: {
      phase: o.phase ?? 'Running',
      ...(o.reason ? { reason: o.reason } : {}),
      ...(o.message ? { message: o.message } : {}),
      conditions: o.conditions ?? [
        { type: 'PodScheduled', status: 'True', lastTransitionTime: T0 },
        { type: 'Ready', status: allReady ? 'True' : 'False', lastTransitionTime: T0 },
      ],
      ...(o.phase === 'Pending' && !o.containers ? {} : { containerStatuses: containers.map(containerStatus) }),
      ...(o.initContainers ? { initContainerStatuses: o.initContainers.map(containerStatus) } : {}),
      startTime: T0,
    },
  };
}

export interface EventOpts {
  namespace?: string;
  kind?: string;
  name: string;
  reason: string;
  message: string;
  type?: 'Normal' | 'Warning';
  count?: number;
  fieldPath?: string;
  first?: string;
  last?: string;
  component?: string;
}

/** A core/v1 Event. */
export function event(o: EventOpts): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: `${o.name}.${(++uidCounter).toString(16)}`, namespace: o.namespace ?? NS, uid: uid('ev'), creationTimestamp: o.first ?? T0 },
    involvedObject: {
      apiVersion: o.kind === 'Node' ? 'v1' : 'v1',
      kind: o.kind ?? 'Pod',
      name: o.name,
      ...(o.kind === 'Node' ? {} : { namespace: o.namespace ?? NS }),
      ...(o.fieldPath ? { fieldPath: o.fieldPath } : {}),
    },
    reason: o.reason,
    message: o.message,
    source: { component: o.component ?? 'kubelet' },
    firstTimestamp: o.first ?? T0,
    lastTimestamp: o.last ?? o.first ?? T0,
    count: o.count ?? 1,
    type: o.type ?? 'Warning',
  };
}

/** The same Event in events.k8s.io/v1 shape. */
export function eventV1(o: EventOpts & { seriesCount?: number }): KubeObject {
  return {
    apiVersion: 'events.k8s.io/v1',
    kind: 'Event',
    metadata: { name: `${o.name}.${(++uidCounter).toString(16)}`, namespace: o.namespace ?? NS, uid: uid('ev') },
    eventTime: o.first ?? T0,
    regarding: { kind: o.kind ?? 'Pod', name: o.name, ...(o.kind === 'Node' ? {} : { namespace: o.namespace ?? NS }), ...(o.fieldPath ? { fieldPath: o.fieldPath } : {}) },
    reason: o.reason,
    note: o.message,
    reportingController: o.component ?? 'kubelet',
    type: o.type ?? 'Warning',
    ...(o.seriesCount ? { series: { count: o.seriesCount, lastObservedTime: o.last ?? T0 } } : {}),
    ...(o.count ? { deprecatedCount: o.count } : {}),
  };
}

export function node(name: string, o: { conditions?: Condition[]; taints?: unknown[]; unschedulable?: boolean; labels?: Record<string, string> } = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, uid: uid('node'), labels: { 'kubernetes.io/hostname': name, ...o.labels } },
    spec: { ...(o.taints ? { taints: o.taints } : {}), ...(o.unschedulable ? { unschedulable: true } : {}) },
    status: {
      allocatable: { cpu: '4', memory: '16Gi', pods: '110' },
      capacity: { cpu: '4', memory: '16Gi', pods: '110' },
      conditions: o.conditions ?? [
        { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory', lastTransitionTime: T0 },
        { type: 'DiskPressure', status: 'False', reason: 'KubeletHasNoDiskPressure', lastTransitionTime: T0 },
        { type: 'PIDPressure', status: 'False', reason: 'KubeletHasSufficientPID', lastTransitionTime: T0 },
        { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastTransitionTime: T0 },
      ],
    },
  };
}

export function object(kind: string, apiVersion: string, name: string, body: Record<string, unknown> = {}, namespace: string | undefined = NS): KubeObject {
  const { metadata, ...rest } = body as { metadata?: Record<string, unknown> };
  return { apiVersion, kind, metadata: { name, ...(namespace ? { namespace } : {}), uid: uid(kind.toLowerCase()), creationTimestamp: T0, ...metadata }, ...rest };
}

export function bundle(objects: KubeObject[], o: { target?: Partial<Target>; logs?: LogTail[]; alert?: EvidenceBundle['alert'] } = {}): EvidenceBundle {
  const firstPod = objects.find((x) => x.kind === 'Pod');
  const meta = (firstPod?.metadata ?? {}) as { name?: string; namespace?: string };
  const target: Target = { kind: 'Pod', namespace: meta.namespace ?? NS, name: meta.name ?? 'unknown', ...o.target } as Target;
  return { target, objects, ...(o.logs ? { logs: o.logs } : {}), ...(o.alert ? { alert: o.alert } : {}) };
}

export function previousLog(container: string, lines: string[], podName?: string): LogTail {
  return { container, previous: true, lines, ...(podName ? { pod: podName } : {}) };
}
