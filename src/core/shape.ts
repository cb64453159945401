// The JSON shape of the fields the rules read, per kind, mirroring the loose types of kube.ts.
// Those types allow gaps (every field optional, null read as absent) but not wrong types, and
// the rules rely on that: they call string methods on names, iterate lists, read list elements.
// An API server only ever returns objects that fit; inline evidence (POST /v1/diagnose, the CLI)
// is whatever JSON the caller sends. buildSnapshot sets an object that does not fit aside as
// ignored, naming the first field that does not, instead of letting a rule trip over it.
// PURE: no I/O.

type Shape =
  | 'string' | 'number' | 'boolean'
  /** A timestamp: the wire's string, or a Date from a client library (see timeOf). */
  | 'time'
  /** A string map: labels, selectors, resource quantities. */
  | 'strings'
  /** Ports and PDB bounds: a number or a named/percent string. */
  | 'scalar'
  | readonly [Shape]
  | { readonly [field: string]: Shape };

const S = 'string';
const N = 'number';
const B = 'boolean';
const T = 'time';
const MAP = 'strings';

const condition = { type: S, status: S, reason: S, message: S, lastTransitionTime: T, lastHeartbeatTime: T, lastProbeTime: T, lastUpdateTime: T } as const;
const meta = {
  name: S, namespace: S, uid: S, generateName: S, labels: MAP, annotations: MAP, creationTimestamp: T, deletionTimestamp: T, generation: N,
  ownerReferences: [{ apiVersion: S, kind: S, name: S, uid: S, controller: B }],
} as const;
const state = {
  waiting: { reason: S, message: S },
  running: { startedAt: T },
  terminated: { reason: S, message: S, exitCode: N, signal: N, startedAt: T, finishedAt: T },
} as const;
const containerStatus = { name: S, image: S, imageID: S, ready: B, started: B, restartCount: N, state, lastState: state } as const;
const probe = {
  httpGet: { path: S, port: 'scalar', scheme: S }, tcpSocket: { port: 'scalar' }, exec: { command: [S] }, grpc: { port: N },
  initialDelaySeconds: N, periodSeconds: N, failureThreshold: N, successThreshold: N, timeoutSeconds: N,
} as const;
const keyRef = { name: S, key: S, optional: B } as const;
const container = {
  name: S, image: S, imagePullPolicy: S, command: [S], args: [S],
  ports: [{ name: S, containerPort: N, hostPort: N, protocol: S }],
  resources: { limits: MAP, requests: MAP },
  livenessProbe: probe, readinessProbe: probe, startupProbe: probe,
  env: [{ name: S, value: S, valueFrom: { configMapKeyRef: keyRef, secretKeyRef: keyRef } }],
  envFrom: [{ prefix: S, configMapRef: { name: S, optional: B }, secretRef: { name: S, optional: B } }],
  volumeMounts: [{ name: S, mountPath: S, subPath: S, readOnly: B }],
} as const;
const podSpec = {
  nodeName: S, nodeSelector: MAP, serviceAccountName: S, schedulerName: S, priorityClassName: S, restartPolicy: S,
  containers: [container], initContainers: [container],
  volumes: [{ name: S, persistentVolumeClaim: { claimName: S, readOnly: B }, configMap: { name: S, optional: B }, secret: { secretName: S, optional: B } }],
  tolerations: [{ key: S, operator: S, value: S, effect: S, tolerationSeconds: N }],
  imagePullSecrets: [{ name: S }],
} as const;
const selector = { matchLabels: MAP, matchExpressions: [{ key: S, operator: S, values: [S] }] } as const;
const workload = {
  metadata: meta,
  spec: {
    replicas: N, selector, template: { metadata: meta, spec: podSpec },
    backoffLimit: N, activeDeadlineSeconds: N, progressDeadlineSeconds: N, completions: N, parallelism: N,
  },
  status: {
    replicas: N, readyReplicas: N, availableReplicas: N, updatedReplicas: N, unavailableReplicas: N, observedGeneration: N,
    desiredNumberScheduled: N, currentNumberScheduled: N, numberReady: N, numberUnavailable: N, numberMisscheduled: N,
    active: N, succeeded: N, failed: N, startTime: T, completionTime: T, conditions: [condition],
  },
} as const;

const SHAPES: Record<string, Shape> = {
  Pod: {
    metadata: meta, spec: podSpec,
    status: {
      phase: S, reason: S, message: S, podIP: S, hostIP: S, nominatedNodeName: S, startTime: T,
      conditions: [condition], containerStatuses: [containerStatus], initContainerStatuses: [containerStatus],
    },
  },
  ReplicaSet: workload, Deployment: workload, StatefulSet: workload, DaemonSet: workload, Job: workload,
  CronJob: {
    metadata: meta,
    spec: { schedule: S, suspend: B, jobTemplate: { spec: { template: { spec: podSpec } } } },
    status: { lastScheduleTime: T, lastSuccessfulTime: T, active: [{ kind: S, name: S, namespace: S }] },
  },
  Event: { metadata: meta },
  Node: {
    metadata: meta,
    spec: { unschedulable: B, taints: [{ key: S, value: S, effect: S }] },
    status: { conditions: [condition], allocatable: MAP, capacity: MAP },
  },
  PersistentVolumeClaim: {
    metadata: meta,
    spec: { storageClassName: S, volumeName: S, accessModes: [S], resources: { requests: MAP } },
    status: { phase: S, accessModes: [S], capacity: MAP, conditions: [condition] },
  },
  PersistentVolume: {
    metadata: meta,
    spec: { storageClassName: S, capacity: MAP, accessModes: [S], claimRef: { kind: S, namespace: S, name: S } },
    status: { phase: S, reason: S, message: S },
  },
  StorageClass: { metadata: meta, provisioner: S, volumeBindingMode: S, reclaimPolicy: S, allowVolumeExpansion: B },
  Service: { metadata: meta, spec: { selector: MAP, type: S, clusterIP: S, ports: [{ name: S, port: N, targetPort: 'scalar', protocol: S, nodePort: N }] } },
  EndpointSlice: {
    metadata: meta, addressType: S,
    endpoints: [{ addresses: [S], conditions: { ready: B, serving: B, terminating: B }, nodeName: S, targetRef: { kind: S, name: S, namespace: S } }],
    ports: [{ name: S, port: N, protocol: S }],
  },
  Endpoints: {
    metadata: meta,
    subsets: [{
      addresses: [{ ip: S, nodeName: S, targetRef: { kind: S, name: S, namespace: S } }],
      notReadyAddresses: [{ ip: S, nodeName: S, targetRef: { kind: S, name: S, namespace: S } }],
      ports: [{ name: S, port: N, protocol: S }],
    }],
  },
  ResourceQuota: { metadata: meta, spec: { hard: MAP }, status: { hard: MAP, used: MAP } },
  LimitRange: { metadata: meta, spec: { limits: [{ type: S, max: MAP, min: MAP, default: MAP, defaultRequest: MAP }] } },
  NetworkPolicy: { metadata: meta, spec: { podSelector: selector, policyTypes: [S] } },
  Namespace: { metadata: meta, status: { phase: S } },
  HorizontalPodAutoscaler: {
    metadata: meta,
    spec: { scaleTargetRef: { apiVersion: S, kind: S, name: S }, minReplicas: N, maxReplicas: N },
    status: { currentReplicas: N, desiredReplicas: N, conditions: [condition] },
  },
  PodDisruptionBudget: {
    metadata: meta,
    spec: { minAvailable: 'scalar', maxUnavailable: 'scalar', selector },
    status: { currentHealthy: N, desiredHealthy: N, expectedPods: N, disruptionsAllowed: N, conditions: [condition] },
  },
};

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function describe(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

/** The first place `value` does not fit `shape`, as "path: what is wrong"; undefined when it fits. */
function mismatch(value: unknown, shape: Shape, path: string): string | undefined {
  const at = path || '(object)';
  if (typeof shape === 'string') {
    switch (shape) {
      case 'string': case 'number': case 'boolean':
        return typeof value === shape ? undefined : `${at} is ${describe(value)}, not a ${shape}`;
      case 'time':
        return typeof value === 'string' || value instanceof Date ? undefined : `${at} is ${describe(value)}, not a timestamp`;
      case 'scalar':
        return typeof value === 'string' || typeof value === 'number' ? undefined : `${at} is ${describe(value)}, not a number or string`;
      case 'strings': {
        if (!isRecord(value)) return `${at} is ${describe(value)}, not a map of strings`;
        const bad = Object.keys(value).find((k) => typeof value[k] !== 'string');
        return bad === undefined ? undefined : `${at}.${bad} is ${describe(value[bad])}, not a string`;
      }
    }
  }
  if (Array.isArray(shape)) {
    if (!Array.isArray(value)) return `${at} is ${describe(value)}, not a list`;
    for (let i = 0; i < value.length; i++) {
      // Elements are read without a null check, unlike fields.
      if (value[i] === null) return `${path}[${i}] is null`;
      const m = mismatch(value[i], shape[0] as Shape, `${path}[${i}]`);
      if (m) return m;
    }
    return undefined;
  }
  if (!isRecord(value)) return `${at} is ${describe(value)}, not an object`;
  for (const [field, fieldShape] of Object.entries(shape as Record<string, Shape>)) {
    const v = value[field];
    if (v === undefined || v === null) continue;
    const m = mismatch(v, fieldShape, path ? `${path}.${field}` : field);
    if (m) return m;
  }
  return undefined;
}

// The alerts of a group share the objects the reader fetched (a Deployment, a namespace's Services,
// a Node): each is checked once, not once per alert. Nothing modifies an object once it is read.
const checked = new WeakMap<object, { kind: string; problem: string | undefined }>();

/** Why the rules cannot read this object of a known kind ("spec.containers is an object, not a list"), if they cannot. */
export function shapeProblem(kind: string, obj: unknown): string | undefined {
  const shape = SHAPES[kind];
  if (!shape) return undefined;
  if (typeof obj !== 'object' || obj === null) return mismatch(obj, shape, '');
  const hit = checked.get(obj);
  if (hit?.kind === kind) return hit.problem;
  const problem = mismatch(obj, shape, '');
  checked.set(obj, { kind, problem });
  return problem;
}
