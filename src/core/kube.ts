// Loose shapes of the Kubernetes objects the rules read. Every field is optional because
// evidence arrives from kubectl, the API or a partial fetch, and the core must not crash on gaps.
// Timestamps are strings on the wire; a reader may hand over Date objects, see timeOf().

export interface Meta {
  name?: string;
  namespace?: string;
  uid?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: Array<{ kind?: string; name?: string; uid?: string; controller?: boolean }>;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  generation?: number;
}

export interface Condition {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
  lastHeartbeatTime?: string;
}

export interface ContainerStateWaiting { reason?: string; message?: string }
export interface ContainerStateTerminated {
  reason?: string;
  message?: string;
  exitCode?: number;
  signal?: number;
  startedAt?: string;
  finishedAt?: string;
}
export interface ContainerState {
  waiting?: ContainerStateWaiting;
  running?: { startedAt?: string };
  terminated?: ContainerStateTerminated;
}
export interface ContainerStatus {
  name?: string;
  image?: string;
  ready?: boolean;
  started?: boolean;
  restartCount?: number;
  state?: ContainerState;
  lastState?: ContainerState;
}

export interface Probe {
  httpGet?: { path?: string; port?: number | string };
  tcpSocket?: { port?: number | string };
  exec?: { command?: string[] };
  grpc?: { port?: number };
  initialDelaySeconds?: number;
  periodSeconds?: number;
  failureThreshold?: number;
  timeoutSeconds?: number;
}

export interface ContainerSpec {
  name?: string;
  image?: string;
  command?: string[];
  args?: string[];
  ports?: Array<{ name?: string; containerPort?: number; protocol?: string; hostPort?: number }>;
  resources?: { limits?: Record<string, string>; requests?: Record<string, string> };
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  startupProbe?: Probe;
  env?: Array<{ name?: string; valueFrom?: { configMapKeyRef?: { name?: string; key?: string }; secretKeyRef?: { name?: string; key?: string } } }>;
  envFrom?: Array<{ configMapRef?: { name?: string }; secretRef?: { name?: string } }>;
}

export interface Volume {
  name?: string;
  persistentVolumeClaim?: { claimName?: string };
  configMap?: { name?: string };
  secret?: { secretName?: string };
}

export interface Pod {
  kind?: string;
  metadata?: Meta;
  spec?: {
    nodeName?: string;
    nodeSelector?: Record<string, string>;
    containers?: ContainerSpec[];
    initContainers?: ContainerSpec[];
    volumes?: Volume[];
    tolerations?: Array<{ key?: string; operator?: string; value?: string; effect?: string }>;
    serviceAccountName?: string;
  };
  status?: {
    phase?: string;
    reason?: string;
    message?: string;
    conditions?: Condition[];
    containerStatuses?: ContainerStatus[];
    initContainerStatuses?: ContainerStatus[];
    startTime?: string;
    podIP?: string;
  };
}

export interface WorkloadStatus {
  replicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  updatedReplicas?: number;
  unavailableReplicas?: number;
  observedGeneration?: number;
  conditions?: Condition[];
  // DaemonSet
  desiredNumberScheduled?: number;
  numberReady?: number;
  numberUnavailable?: number;
  // Job
  active?: number;
  succeeded?: number;
  failed?: number;
}

export interface Workload {
  kind?: string;
  metadata?: Meta;
  spec?: {
    replicas?: number;
    selector?: { matchLabels?: Record<string, string>; matchExpressions?: Array<{ key?: string; operator?: string; values?: string[] }> };
    template?: { metadata?: Meta; spec?: Pod['spec'] };
    backoffLimit?: number;
    activeDeadlineSeconds?: number;
    progressDeadlineSeconds?: number;
  };
  status?: WorkloadStatus;
}

export interface Node {
  kind?: string;
  metadata?: Meta;
  spec?: { unschedulable?: boolean; taints?: Array<{ key?: string; value?: string; effect?: string }> };
  status?: { conditions?: Condition[]; allocatable?: Record<string, string>; capacity?: Record<string, string> };
}

export interface PersistentVolumeClaim {
  kind?: string;
  metadata?: Meta;
  spec?: { storageClassName?: string | null; volumeName?: string; accessModes?: string[]; resources?: { requests?: Record<string, string> } };
  status?: { phase?: string; conditions?: Condition[] };
}

export interface Service {
  kind?: string;
  metadata?: Meta;
  spec?: {
    selector?: Record<string, string>;
    type?: string;
    clusterIP?: string;
    ports?: Array<{ name?: string; port?: number; targetPort?: number | string; protocol?: string }>;
  };
}

export interface EndpointSlice {
  kind?: string;
  metadata?: Meta;
  addressType?: string;
  endpoints?: Array<{
    addresses?: string[];
    conditions?: { ready?: boolean; serving?: boolean; terminating?: boolean };
    targetRef?: { kind?: string; name?: string; namespace?: string };
  }> | null;
  ports?: Array<{ name?: string; port?: number; protocol?: string }> | null;
}

export interface Endpoints {
  kind?: string;
  metadata?: Meta;
  subsets?: Array<{
    addresses?: Array<{ ip?: string; targetRef?: { name?: string } }>;
    notReadyAddresses?: Array<{ ip?: string; targetRef?: { name?: string } }>;
    ports?: Array<{ name?: string; port?: number }>;
  }>;
}

/** An Event in either core/v1 or events.k8s.io/v1 shape, normalised. */
export interface NormalizedEvent {
  uid?: string;
  regarding: { kind: string; namespace?: string; name: string; uid?: string; fieldPath?: string };
  reason: string;
  message: string;
  type: string;
  count: number;
  firstTime?: string;
  lastTime?: string;
  source?: string;
}

const UTC_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?Z$/;

/**
 * `a.localeCompare(b)` for timestamps, as the rules order events and conditions by them. The API
 * server writes them in UTC (RFC 3339 with "Z"); for two of those, or an empty one, code-unit order
 * is the collation's order ("." before the digits, the digits before "Z"), and the first localeCompare of a process
 * costs 6 to 8 ms (ICU builds its collator), as much as a cold start's whole diagnosis. Any other
 * string still goes through localeCompare (kube.test.ts compares the two).
 */
export function compareTimes(a: string, b: string): number {
  if ((a === '' || UTC_TIME.test(a)) && (b === '' || UTC_TIME.test(b))) return a < b ? -1 : a > b ? 1 : 0;
  return a.localeCompare(b);
}

/** Accepts a wire string or a Date (the client library's shape) and returns ISO-8601. */
export function timeOf(value: unknown): string | undefined {
  if (typeof value === 'string' && value.length > 0) return value;
  if (value instanceof Date && !Number.isNaN(value.getTime())) return value.toISOString();
  return undefined;
}
