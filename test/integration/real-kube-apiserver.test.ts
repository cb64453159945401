// The live reader against a real kube-apiserver v1.20.2 (Debian's build, real etcd), reading as
// `kapi-readonly` bound to the project's own ClusterRole (infra/kubernetes/clusterrole.yaml).
// Failures are staged as the absent controllers, scheduler and kubelet would leave them (stage.ts);
// a kubelet stand-in (kubelet-stand-in.ts) answers the API server's pods/log proxy for node-a.
//
// Where the real server differs from the test double (src/demo/kube-api-server.ts), as observed here:
//  - RBAC is checked before routing. A group/version the server does not serve answers 404 "the
//    server could not find the requested resource" only when the role grants the resource
//    (discovery.k8s.io/v1 endpointslices); otherwise 403 (policy/v1 poddisruptionbudgets,
//    autoscaling/v2 horizontalpodautoscalers). The double has no RBAC: it
//    answers 403 only as an injected fault, and serves every version the planner asks for (1.31).
//  - v1.20 serves EndpointSlice only as discovery.k8s.io/v1beta1, PodDisruptionBudget as
//    policy/v1beta1, HorizontalPodAutoscaler as autoscaling/v2beta2. A Service target now falls back
//    to v1beta1 (planner fix); a Pod target reads v1 only, as an optional read: on <= 1.20 its
//    "not served" 404 is silent rather than a partial (no pod rule needs the slices).
//  - pods/log is proxied to https://<Node InternalIP>:<status.daemonEndpoints.kubeletEndpoint.Port>
//    /containerLogs/... with previous/tailLines/limitBytes passed through, so it depends on the Node:
//    no Node object → 404 `pods "<node>" not found` (names the node, calls it a pod); a refused
//    kubelet → 500 `Get "https://...": dial tcp ...: connect: connection refused`. The double serves
//    logs from its store for any pod with a nodeName, Node or not.
//  - A pod without a node: 204, empty body, no Content-Type, with previous=true too (same as the double).
//  - An events.k8s.io/v1 event read through core/v1 has `source: {}`, `reportingComponent` set,
//    firstTimestamp/lastTimestamp null and no count (the series holds it). The double fills
//    `source.component`/`host` from reportingController/reportingInstance instead.
//  - Objects carry managedFields and no selfLink; status sent on a Pod create is dropped (phase
//    Pending), so statuses are staged with PATCH .../status. Neither changes what the reader sees.
import * as fs from 'node:fs';
import type * as http from 'node:http';
import https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { createApp } from '../../src/app.ts';
import { diagnose } from '../../src/core/diagnose.ts';
import type { DiagnoseResult, Target } from '../../src/core/types.ts';
import { kubeEvidenceSource, loadKubeConfig } from '../../src/evidence/kube-reader.ts';
import type { CollectedEvidence } from '../../src/evidence/source.ts';
import type { KubeConfig } from '@kubernetes/client-node';
import {
  applyAdmin,
  bindReadonlyUser,
  findKubeApiServer,
  freePort,
  kubeRequest,
  startRealKubeApiServer,
  type RealKubeApiServer,
} from '../support/real/kube-apiserver.ts';
import { startKubeletStandIn, type KubeletStandIn } from './kubelet-stand-in.ts';
import { ago, deploymentWithReplicaSet, microAgo, node, ownerRef, replicaSetPod, stage, type Stage } from './stage.ts';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const IN_CI = process.env.CI === 'true';
const found = findKubeApiServer();
const missing = 'missing' in found ? found.missing : undefined;
if (missing && !IN_CI) console.warn(`[real-kube-apiserver] skipping the live reader tests: ${missing}`);

type Json = Record<string, any>;

// ---------------------------------------------------------------------------------------------
// What the reader sent: every https request carrying the read-only user's token, with the status
// the API server answered. The reader's transport is node:https (kube-reader.ts), so a spy on
// https.request sees each request as it goes on the wire.

interface WireRequest {
  method: string;
  path: string;
  status?: number;
}

function recordRequests(token: string): { requests: WireRequest[]; restore(): void } {
  const requests: WireRequest[] = [];
  const original = https.request;
  const spy = vi.spyOn(https, 'request').mockImplementation(((...args: any[]) => {
    const req = (original as (...a: any[]) => http.ClientRequest)(...args);
    const opts = args[0] instanceof URL || typeof args[0] === 'string' ? args[1] : args[0];
    const headers = (opts?.headers ?? {}) as Record<string, unknown>;
    if ((headers['Authorization'] ?? headers['authorization']) === `Bearer ${token}`) {
      const entry: WireRequest = { method: req.method, path: req.path };
      requests.push(entry);
      req.once('response', (res: http.IncomingMessage) => {
        entry.status = res.statusCode;
      });
    }
    return req;
  }) as typeof https.request);
  return { requests, restore: () => spy.mockRestore() };
}

// ---------------------------------------------------------------------------------------------
// The staged cluster

const CART_IMAGE = 'registry.example.com/shop/cart:1.4.2';
const REPORT_IMAGE = 'registry.example.com/private/report:2.0';
const INVOICER_IMAGE = 'registry.example.com/billing/invoicer:3.1.0';
const PULL_DENIED =
  `Failed to pull image "${REPORT_IMAGE}": rpc error: code = Unknown desc = failed to pull and unpack image "${REPORT_IMAGE}": ` +
  `failed to resolve reference "${REPORT_IMAGE}": pull access denied, repository does not exist or may require authorization: ` +
  'server message: insufficient_scope: authorization failed';
const UNSCHEDULABLE =
  '0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 Insufficient cpu. ' +
  'preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.';

const CART_PODS = {
  /** On node-a, whose kubelet (the stand-in) answers. */
  reachable: 'cart-6f7b9c8d5f-x2x9k',
  /** On node-b, whose kubelet port refuses connections. */
  kubeletDown: 'cart-6f7b9c8d5f-q7wzn',
  /** On node-gone, which has no Node object any more (no pod GC without a controller manager). */
  nodeGone: 'cart-6f7b9c8d5f-m4lp8',
} as const;

const CART_PREVIOUS_LOG = [
  '2024-05-02T09:41:07.112Z INFO  cart listening on :8080',
  '2024-05-02T09:41:09.530Z INFO  warming product cache (48213 items)',
  '2024-05-02T09:41:12.004Z WARN  cache size 231Mi, heap limit 256Mi',
  '2024-05-02T09:41:12.871Z INFO  still loading: 44000/48213',
].join('\n');

const pod = (namespace: string, name: string): Target => ({ kind: 'Pod', namespace, name });

/** 7. mobile/api after a push to a private repository: ten pods of one ReplicaSet cannot pull, one alert group. */
const API_IMAGE = 'registry.example.com/private/api:4.2';
const API_PODS = ['b2c4d', 'f5g6h', 'j7k8l', 'm9n2p', 'q4r5s', 't6v7w', 'x8z9b', 'c2d4f', 'g5h6j', 'k7l8m'].map((s) => `api-8c6d7b5f9d-${s}`);

/** Every target stageCluster sets up, for the checks that hold for all of them. */
const TARGETS: Target[] = [
  pod('shop', CART_PODS.reachable),
  pod('shop', CART_PODS.kubeletDown),
  pod('shop', CART_PODS.nodeGone),
  { kind: 'Deployment', namespace: 'shop', name: 'cart' },
  pod('reports', 'report-7b9d5c6f8d-k2m4p'),
  pod('analytics', 'etl-5c8b9d7f6b-r2t6w'),
  pod('billing', 'invoicer-6d5f7c9b8b-p4m2z'),
  { kind: 'Service', namespace: 'web', name: 'storefront' },
  pod('edge', 'sensor-0'),
  { kind: 'PodDisruptionBudget', namespace: 'shop', name: 'cart' },
  { kind: 'HorizontalPodAutoscaler', namespace: 'shop', name: 'cart' },
];


let server: RealKubeApiServer;
let kubelet: KubeletStandIn;
let kubeConfig: KubeConfig;
let wire: { requests: WireRequest[]; restore(): void };
let tmp: string;
const now = Date.now();

async function stageCluster(s: Stage, kubeletPort: number, deadPort: number): Promise<void> {
  for (const ns of ['shop', 'reports', 'analytics', 'billing', 'web', 'edge', 'mobile']) {
    await s.create('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  }
  const readyAt = ago(now, 600);
  await s.create('/api/v1/nodes', node({ name: 'node-a', kubeletPort, cpu: '2', memory: '8Gi', readyAt }));
  await s.create('/api/v1/nodes', node({ name: 'node-b', kubeletPort: deadPort, cpu: '2', memory: '8Gi', readyAt }));
  await s.create('/api/v1/nodes', node({
    name: 'cp-1', kubeletPort: deadPort, cpu: '2', memory: '8Gi', readyAt,
    labels: { 'node-role.kubernetes.io/control-plane': '' },
    taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }],
  }));

  // 1. shop/cart: three replicas OOMKilled at their 256Mi limit, crash-looping.
  const cart = await deploymentWithReplicaSet(s, 'shop', 'cart', '6f7b9c8d5f', 3, { app: 'cart' }, {
    containers: [{
      name: 'cart', image: CART_IMAGE, ports: [{ name: 'http', containerPort: 8080 }],
      resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } },
    }],
  });
  await s.create('/api/v1/namespaces/shop/services', {
    apiVersion: 'v1', kind: 'Service', metadata: { name: 'cart', namespace: 'shop' },
    spec: { selector: { app: 'cart' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
  });
  const placements: Array<[string, string, number]> = [
    [CART_PODS.reachable, 'node-a', 9],
    [CART_PODS.kubeletDown, 'node-b', 8],
    [CART_PODS.nodeGone, 'node-gone', 7],
  ];
  for (const [name, nodeName, restarts] of placements) {
    const pod = await replicaSetPod(s, cart, name, nodeName);
    const updated = await s.patchStatus(`/api/v1/namespaces/shop/pods/${name}`, {
      phase: 'Running',
      hostIP: '127.0.0.1', podIP: `10.244.1.${10 + restarts}`, podIPs: [{ ip: `10.244.1.${10 + restarts}` }],
      startTime: ago(now, 45),
      conditions: [
        { type: 'Initialized', status: 'True', lastProbeTime: null, lastTransitionTime: ago(now, 45) },
        { type: 'Ready', status: 'False', reason: 'ContainersNotReady', message: 'containers with unready status: [cart]', lastProbeTime: null, lastTransitionTime: ago(now, 3) },
        { type: 'ContainersReady', status: 'False', reason: 'ContainersNotReady', message: 'containers with unready status: [cart]', lastProbeTime: null, lastTransitionTime: ago(now, 3) },
        { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: ago(now, 45) },
      ],
      containerStatuses: [{
        name: 'cart', image: CART_IMAGE, imageID: `${CART_IMAGE.replace(/:[^:]+$/, '')}@sha256:${'4f'.repeat(32)}`,
        containerID: `containerd://${'a1'.repeat(32)}`, started: false, ready: false, restartCount: restarts,
        state: { waiting: { reason: 'CrashLoopBackOff', message: `back-off 5m0s restarting failed container=cart pod=${name}_shop(${pod['metadata']['uid']})` } },
        lastState: { terminated: { exitCode: 137, reason: 'OOMKilled', startedAt: ago(now, 4), finishedAt: ago(now, 3), containerID: `containerd://${'b2'.repeat(32)}` } },
      }],
    });
    const host = nodeName;
    await s.event({ involved: updated, type: 'Normal', reason: 'Scheduled', message: `Successfully assigned shop/${name} to ${nodeName}`, count: 1, first: ago(now, 45), last: ago(now, 45), component: 'default-scheduler' });
    await s.event({ involved: updated, fieldPath: 'spec.containers{cart}', type: 'Normal', reason: 'Pulled', message: `Container image "${CART_IMAGE}" already present on machine`, count: restarts, first: ago(now, 44), last: ago(now, 4), component: 'kubelet', host });
    await s.event({ involved: updated, fieldPath: 'spec.containers{cart}', type: 'Normal', reason: 'Started', message: 'Started container cart', count: restarts + 1, first: ago(now, 44), last: ago(now, 4), component: 'kubelet', host });
    await s.event({ involved: updated, fieldPath: 'spec.containers{cart}', type: 'Warning', reason: 'BackOff', message: 'Back-off restarting failed container', count: restarts * 4, first: ago(now, 40), last: ago(now, 1), component: 'kubelet', host });
  }
  await s.event({ involved: cart.deployment, type: 'Normal', reason: 'ScalingReplicaSet', message: 'Scaled up replica set cart-6f7b9c8d5f to 3', count: 1, first: ago(now, 45), last: ago(now, 45), component: 'deployment-controller' });
  await s.patchStatus('/apis/apps/v1/namespaces/shop/replicasets/cart-6f7b9c8d5f', { replicas: 3, fullyLabeledReplicas: 3, observedGeneration: 1 });
  await s.patchStatus('/apis/apps/v1/namespaces/shop/deployments/cart', {
    observedGeneration: 1, replicas: 3, updatedReplicas: 3, unavailableReplicas: 3,
    conditions: [
      { type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable', message: 'Deployment does not have minimum availability.', lastUpdateTime: ago(now, 45), lastTransitionTime: ago(now, 45) },
      { type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', message: 'ReplicaSet "cart-6f7b9c8d5f" is progressing.', lastUpdateTime: ago(now, 45), lastTransitionTime: ago(now, 45) },
    ],
  });
  kubelet.setLog('shop', CART_PODS.reachable, 'cart', true, CART_PREVIOUS_LOG);
  // Objects whose API the role does not grant (in the versions v1.20 serves).
  await s.create('/apis/policy/v1beta1/namespaces/shop/poddisruptionbudgets', {
    apiVersion: 'policy/v1beta1', kind: 'PodDisruptionBudget', metadata: { name: 'cart', namespace: 'shop' },
    spec: { minAvailable: 2, selector: { matchLabels: { app: 'cart' } } },
  });
  await s.create('/apis/autoscaling/v2beta2/namespaces/shop/horizontalpodautoscalers', {
    apiVersion: 'autoscaling/v2beta2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'cart', namespace: 'shop' },
    spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'cart' }, minReplicas: 3, maxReplicas: 6, metrics: [{ type: 'Resource', resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: 80 } } }] },
  });

  // 2. reports/report: the registry refuses the pull (containerd's insufficient_scope answer).
  const report = await deploymentWithReplicaSet(s, 'reports', 'report', '7b9d5c6f8d', 1, { app: 'report' }, {
    containers: [{ name: 'report', image: REPORT_IMAGE }],
  });
  const reportPod = await replicaSetPod(s, report, 'report-7b9d5c6f8d-k2m4p', 'node-a');
  await s.patchStatus('/api/v1/namespaces/reports/pods/report-7b9d5c6f8d-k2m4p', {
    phase: 'Pending', hostIP: '127.0.0.1', podIP: '10.244.1.40', podIPs: [{ ip: '10.244.1.40' }], startTime: ago(now, 20),
    conditions: [
      { type: 'Initialized', status: 'True', lastProbeTime: null, lastTransitionTime: ago(now, 20) },
      { type: 'Ready', status: 'False', reason: 'ContainersNotReady', message: 'containers with unready status: [report]', lastProbeTime: null, lastTransitionTime: ago(now, 20) },
      { type: 'ContainersReady', status: 'False', reason: 'ContainersNotReady', message: 'containers with unready status: [report]', lastProbeTime: null, lastTransitionTime: ago(now, 20) },
      { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: ago(now, 20) },
    ],
    containerStatuses: [{
      name: 'report', image: REPORT_IMAGE, imageID: '', started: false, ready: false, restartCount: 0,
      state: { waiting: { reason: 'ImagePullBackOff', message: `Back-off pulling image "${REPORT_IMAGE}"` } }, lastState: {},
    }],
  });
  const rp = { involved: reportPod, fieldPath: 'spec.containers{report}', component: 'kubelet', host: 'node-a' } as const;
  await s.event({ ...rp, type: 'Normal', reason: 'Pulling', message: `Pulling image "${REPORT_IMAGE}"`, count: 5, first: ago(now, 20), last: ago(now, 2) });
  await s.event({ ...rp, type: 'Warning', reason: 'Failed', message: PULL_DENIED, count: 5, first: ago(now, 20), last: ago(now, 2) });
  await s.event({ ...rp, type: 'Warning', reason: 'Failed', message: 'Error: ErrImagePull', count: 5, first: ago(now, 20), last: ago(now, 2) });
  await s.event({ ...rp, type: 'Normal', reason: 'BackOff', message: `Back-off pulling image "${REPORT_IMAGE}"`, count: 71, first: ago(now, 20), last: ago(now, 1) });
  await s.event({ ...rp, type: 'Warning', reason: 'Failed', message: 'Error: ImagePullBackOff', count: 71, first: ago(now, 20), last: ago(now, 1) });

  // 3. analytics/etl: asks for 4 CPUs; the workers have 2, the control plane is tainted.
  const etl = await deploymentWithReplicaSet(s, 'analytics', 'etl', '5c8b9d7f6b', 1, { app: 'etl' }, {
    containers: [{ name: 'etl', image: 'registry.example.com/analytics/etl:5.2', resources: { requests: { cpu: '4', memory: '2Gi' }, limits: { cpu: '4', memory: '2Gi' } } }],
  });
  await replicaSetPod(s, etl, 'etl-5c8b9d7f6b-r2t6w', undefined);
  const etlPending = await s.patchStatus('/api/v1/namespaces/analytics/pods/etl-5c8b9d7f6b-r2t6w', {
    phase: 'Pending',
    conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: UNSCHEDULABLE, lastProbeTime: null, lastTransitionTime: ago(now, 12) }],
  });
  // The scheduler records through events.k8s.io/v1 (eventTime, series), not core/v1.
  await s.eventV1({
    regarding: etlPending, type: 'Warning', reason: 'FailedScheduling', action: 'Scheduling', note: UNSCHEDULABLE,
    eventTime: microAgo(now, 12), reportingController: 'default-scheduler', reportingInstance: 'default-scheduler-cp-1',
    series: { count: 4, lastObservedTime: microAgo(now, 1) },
  });

  // 4. billing/invoicer: its env references Secret invoicer-db, which was never created.
  const invoicer = await deploymentWithReplicaSet(s, 'billing', 'invoicer', '6d5f7c9b8b', 1, { app: 'invoicer' }, {
    containers: [{
      name: 'invoicer', image: INVOICER_IMAGE,
      env: [{ name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'invoicer-db', key: 'password' } } }],
    }],
  });
  const invoicerPod = await replicaSetPod(s, invoicer, 'invoicer-6d5f7c9b8b-p4m2z', 'node-a');
  await s.patchStatus('/api/v1/namespaces/billing/pods/invoicer-6d5f7c9b8b-p4m2z', {
    phase: 'Pending', hostIP: '127.0.0.1', podIP: '10.244.1.50', podIPs: [{ ip: '10.244.1.50' }], startTime: ago(now, 15),
    conditions: [
      { type: 'Initialized', status: 'True', lastProbeTime: null, lastTransitionTime: ago(now, 15) },
      { type: 'Ready', status: 'False', reason: 'ContainersNotReady', message: 'containers with unready status: [invoicer]', lastProbeTime: null, lastTransitionTime: ago(now, 15) },
      { type: 'ContainersReady', status: 'False', reason: 'ContainersNotReady', message: 'containers with unready status: [invoicer]', lastProbeTime: null, lastTransitionTime: ago(now, 15) },
      { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: ago(now, 15) },
    ],
    containerStatuses: [{
      name: 'invoicer', image: INVOICER_IMAGE, imageID: '', started: false, ready: false, restartCount: 0,
      state: { waiting: { reason: 'CreateContainerConfigError', message: 'secret "invoicer-db" not found' } }, lastState: {},
    }],
  });
  const ip = { involved: invoicerPod, fieldPath: 'spec.containers{invoicer}', component: 'kubelet', host: 'node-a' } as const;
  await s.event({ ...ip, type: 'Normal', reason: 'Pulled', message: `Container image "${INVOICER_IMAGE}" already present on machine`, count: 9, first: ago(now, 15), last: ago(now, 1) });
  await s.event({ ...ip, type: 'Warning', reason: 'Failed', message: 'Error: secret "invoicer-db" not found', count: 9, first: ago(now, 15), last: ago(now, 1) });

  // 5. web/storefront: the Service selects tier=web, the pods are labelled tier=frontend.
  const storefront = await deploymentWithReplicaSet(s, 'web', 'storefront', '8c9d7b6f5d', 2, { app: 'storefront', tier: 'frontend' }, {
    containers: [{ name: 'storefront', image: 'registry.example.com/web/storefront:7.0.1', ports: [{ name: 'http', containerPort: 8080 }] }],
  });
  for (const [i, name] of ['storefront-8c9d7b6f5d-h2j4k', 'storefront-8c9d7b6f5d-w9x8z'].entries()) {
    await replicaSetPod(s, storefront, name, 'node-a');
    await s.patchStatus(`/api/v1/namespaces/web/pods/${name}`, {
      phase: 'Running', hostIP: '127.0.0.1', podIP: `10.244.1.${60 + i}`, podIPs: [{ ip: `10.244.1.${60 + i}` }], startTime: ago(now, 90),
      conditions: ['Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map((type) => ({ type, status: 'True', lastProbeTime: null, lastTransitionTime: ago(now, 89) })),
      containerStatuses: [{
        name: 'storefront', image: 'registry.example.com/web/storefront:7.0.1', imageID: `registry.example.com/web/storefront@sha256:${'c3'.repeat(32)}`,
        containerID: `containerd://${'d4'.repeat(31)}${i}${i}`, started: true, ready: true, restartCount: 0,
        state: { running: { startedAt: ago(now, 89) } }, lastState: {},
      }],
    });
  }
  const svc = await s.create('/api/v1/namespaces/web/services', {
    apiVersion: 'v1', kind: 'Service', metadata: { name: 'storefront', namespace: 'web', labels: { app: 'storefront' } },
    spec: { selector: { app: 'storefront', tier: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
  });
  // What v1.20's endpoints and endpointslice controllers write for a Service that selects no pod:
  // an Endpoints without subsets, and one placeholder EndpointSlice (v1beta1, the only version served).
  await s.create('/api/v1/namespaces/web/endpoints', {
    apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'storefront', namespace: 'web', labels: { app: 'storefront' } },
  });
  await s.create('/apis/discovery.k8s.io/v1beta1/namespaces/web/endpointslices', {
    apiVersion: 'discovery.k8s.io/v1beta1', kind: 'EndpointSlice',
    metadata: {
      generateName: 'storefront-', namespace: 'web',
      labels: { 'kubernetes.io/service-name': 'storefront', 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io', app: 'storefront' },
      ownerReferences: [ownerRef(svc)],
    },
    addressType: 'IPv4', endpoints: null, ports: null,
  });

  // 6. edge/sensor-0: no node. No kubelet writes statuses for an unbound pod, but status validation
  // does not tie them to spec.nodeName; the restarted container makes the planner ask for the
  // previous log, and the API server's answer to that (204, no body, no Content-Type) is the point.
  const sensor = await s.create('/apis/apps/v1/namespaces/edge/statefulsets', {
    apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'sensor', namespace: 'edge' },
    spec: {
      serviceName: 'sensor', replicas: 1, selector: { matchLabels: { app: 'sensor' } },
      template: { metadata: { labels: { app: 'sensor' } }, spec: { containers: [{ name: 'sensor', image: 'registry.example.com/edge/sensor:0.9' }] } },
    },
  });
  await s.create('/api/v1/namespaces/edge/pods', {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name: 'sensor-0', namespace: 'edge', labels: { app: 'sensor', 'statefulset.kubernetes.io/pod-name': 'sensor-0' }, ownerReferences: [ownerRef(sensor)] },
    spec: { hostname: 'sensor-0', subdomain: 'sensor', containers: [{ name: 'sensor', image: 'registry.example.com/edge/sensor:0.9' }] },
  });
  await s.patchStatus('/api/v1/namespaces/edge/pods/sensor-0', {
    phase: 'Pending',
    containerStatuses: [{
      name: 'sensor', image: 'registry.example.com/edge/sensor:0.9', imageID: '', started: false, ready: false, restartCount: 2,
      state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 20s restarting failed container=sensor pod=sensor-0_edge' } },
      lastState: { terminated: { exitCode: 1, reason: 'Error', startedAt: ago(now, 3), finishedAt: ago(now, 3) } },
    }],
  });
}

/** 7. mobile/api: ten pods of one ReplicaSet in ImagePullBackOff, each with the kubelet's pull events. */
async function stageImagePullStorm(s: Stage): Promise<void> {
  const api = await deploymentWithReplicaSet(s, 'mobile', 'api', '8c6d7b5f9d', 10, { app: 'api' }, { containers: [{ name: 'api', image: API_IMAGE }] });
  const denied = PULL_DENIED.replaceAll(REPORT_IMAGE, API_IMAGE);
  for (const [i, name] of API_PODS.entries()) {
    const p = await replicaSetPod(s, api, name, 'node-a');
    await s.patchStatus(`/api/v1/namespaces/mobile/pods/${name}`, {
      phase: 'Pending', hostIP: '127.0.0.1', podIP: `10.244.1.${60 + i}`, startTime: ago(now, 9),
      conditions: [{ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: ago(now, 9) }],
      containerStatuses: [{
        name: 'api', image: API_IMAGE, imageID: '', started: false, ready: false, restartCount: 0,
        state: { waiting: { reason: 'ImagePullBackOff', message: `Back-off pulling image "${API_IMAGE}"` } }, lastState: {},
      }],
    });
    const e = { involved: p, fieldPath: 'spec.containers{api}', component: 'kubelet', host: 'node-a' } as const;
    await s.event({ ...e, type: 'Warning', reason: 'Failed', message: denied, count: 3, first: ago(now, 9), last: ago(now, 2) });
    await s.event({ ...e, type: 'Warning', reason: 'Failed', message: 'Error: ImagePullBackOff', count: 30, first: ago(now, 9), last: ago(now, 1) });
  }
}

/**
 * Reads one target as kubetriage-readonly and diagnoses it. A fresh source per read, so every
 * read goes to the API server (no answer kept from an earlier read) and its requests are its own.
 */
async function read(target: Target): Promise<{ evidence: CollectedEvidence; result: DiagnoseResult; requests: WireRequest[] }> {
  const from = wire.requests.length;
  const evidence = await kubeEvidenceSource({ kubeConfig }).session({ signal: AbortSignal.timeout(15_000) }).collect(target);
  const result = diagnose({ target, objects: evidence.objects, logs: evidence.logs });
  return { evidence, result, requests: wire.requests.slice(from) };
}

const named = (e: CollectedEvidence) => e.objects.map((o) => `${o.kind}/${(o.metadata as Json)['name']}`);
const requestTo = (requests: WireRequest[], pathPrefix: string) => requests.filter((r) => r.path.startsWith(pathPrefix));

describe.skipIf(missing !== undefined && !IN_CI)('live reader against a real kube-apiserver v1.20 as kubetriage-readonly', () => {
  beforeAll(async () => {
    server = await startRealKubeApiServer();
    kubelet = await startKubeletStandIn();
    const role = parseYaml(fs.readFileSync(path.join(REPO_ROOT, 'infra/kubernetes/clusterrole.yaml'), 'utf8'));
    expect(role.metadata.name).toBe('kubetriage-readonly');
    const created = await applyAdmin(server, 'POST', '/apis/rbac.authorization.k8s.io/v1/clusterroles', role);
    expect(created.status, JSON.stringify(created.json)).toBe(201);
    await bindReadonlyUser(server, 'kubetriage-readonly');
    // node-b's kubelet port: free now, so the API server's dial is refused.
    await stageCluster(stage(server), kubelet.port, await freePort());
    await stageImagePullStorm(stage(server));

    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kubetriage-live-reader-'));
    const kubeconfigFile = path.join(tmp, 'kubeconfig');
    server.writeKubeconfig(kubeconfigFile, 'readonly');
    kubeConfig = loadKubeConfig({ KUBECONFIG: kubeconfigFile });
    expect(kubeConfig.getCurrentUser()?.name).toBe(server.readonlyUser);
    wire = recordRequests(server.readonlyToken);
  }, 180_000);

  afterAll(async () => {
    wire?.restore();
    await kubelet?.close();
    await server?.stop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  }, 60_000);

  describe('1. a crash loop with OOM', () => {
    it('crashloop.oom at the 256Mi limit; the previous log comes through pods/log and the kubelet with the reader\'s bounds', async () => {
      const { evidence, result, requests } = await read(pod('shop', CART_PODS.reachable));
      expect(result.diagnosis.id).toBe('crashloop.oom');
      expect(result.diagnosis.summary).toBe(`Container cart of pod shop/${CART_PODS.reachable} is crash-looping: OOMKilled (exit 137) at its 256Mi memory limit, 9 restarts.`);
      expect(named(evidence)).toEqual(expect.arrayContaining(['ReplicaSet/cart-6f7b9c8d5f', 'Deployment/cart', 'Node/node-a', 'Service/cart']));

      // pods/log is granted: the API server proxied the read to node-a's kubelet and the lines came back.
      expect(evidence.logs).toEqual([{ namespace: 'shop', pod: CART_PODS.reachable, container: 'cart', previous: true, lines: CART_PREVIOUS_LOG.split('\n') }]);
      expect(requestTo(requests, `/api/v1/namespaces/shop/pods/${CART_PODS.reachable}/log`).map((r) => r.status)).toEqual([200]);
      const atKubelet = kubelet.requests.map((u) => new URL(u, 'https://kubelet')).filter((u) => u.pathname === `/containerLogs/shop/${CART_PODS.reachable}/cart`);
      expect(atKubelet.length).toBeGreaterThan(0);
      expect(Object.fromEntries(atKubelet[0]!.searchParams)).toEqual({ previous: 'true', tailLines: '200', limitBytes: '262144' });

      // v1.20 serves no discovery.k8s.io/v1 for the EndpointSlices of Service cart: an optional read, so no gap.
      expect(requestTo(requests, '/apis/discovery.k8s.io/v1/namespaces/shop/endpointslices').map((r) => r.status)).toEqual([404]);
      expect(evidence.errors).toEqual([]);
      expect(evidence.partial).toBe(false);
    });

    it('on a node whose kubelet refuses connections: still crashloop.oom, and the log failure reads "kubelet on node node-b unreachable"', async () => {
      const { evidence, result, requests } = await read(pod('shop', CART_PODS.kubeletDown));
      expect(result.diagnosis.id).toBe('crashloop.oom');
      expect(requestTo(requests, `/api/v1/namespaces/shop/pods/${CART_PODS.kubeletDown}/log`).map((r) => r.status)).toEqual([500]);
      expect(evidence.logs).toEqual([]);
      expect(evidence.partial).toBe(true);
      const logError = evidence.errors.find((e) => e.resource.startsWith('pods/log'));
      expect(logError).toMatchObject({ reason: 'unreachable', status: 500, resource: `pods/log shop/${CART_PODS.kubeletDown} (container cart, previous)` });
      expect(logError!.message).toMatch(/^cannot read logs: kubelet on node node-b unreachable \(Get "https:\/\/127\.0\.0\.1:\d+\/containerLogs\/shop\/cart-6f7b9c8d5f-q7wzn\/cart\?.*": dial tcp 127\.0\.0\.1:\d+: connect: connection refused\)$/);
      expect(evidence.errors.filter((e) => e !== logError)).toEqual([]);
    });

    it('on a node whose Node object is gone: the 404 that calls the node a pod is read as "its node node-gone no longer exists"', async () => {
      const { evidence, result, requests } = await read(pod('shop', CART_PODS.nodeGone));
      expect(result.diagnosis.id).toBe('crashloop.oom');
      expect(requestTo(requests, `/api/v1/namespaces/shop/pods/${CART_PODS.nodeGone}/log`).map((r) => r.status)).toEqual([404]);
      expect(evidence.errors).toEqual([
        { reason: 'not-found', status: 404, resource: `pods/log shop/${CART_PODS.nodeGone} (container cart, previous)`, message: `cannot read logs of pod shop/${CART_PODS.nodeGone}: its node node-gone no longer exists` },
        { reason: 'not-found', status: 404, resource: 'nodes node-gone', message: 'node node-gone does not exist' },
      ]);
    });

    it('the three pods as one alert group: one list by pod-template-hash, and a shared log that failed replaced by each pod\'s own', async () => {
      const from = wire.requests.length;
      const targets = Object.values(CART_PODS).map((name) => pod('shop', name));
      const session = kubeEvidenceSource({ kubeConfig }).session({ signal: AbortSignal.timeout(15_000), targets });
      const collected = await Promise.all(targets.map((t) => session.collect(t)));
      const requests = wire.requests.slice(from);
      const byPod = Object.fromEntries(targets.map((t, i) => [t.name, collected[i]!]));
      for (const [i, t] of targets.entries()) {
        const result = diagnose({ target: t, objects: collected[i]!.objects, logs: collected[i]!.logs });
        expect(result.diagnosis.id, t.name).toBe('crashloop.oom');
      }
      // One list for the three pods; with fewer than 10 of the namespace's pods in the group, each reads its own events (both groups).
      expect(requestTo(requests, '/api/v1/namespaces/shop/pods?').map((r) => `${r.status} ${r.path}`)).toEqual(['200 /api/v1/namespaces/shop/pods?labelSelector=pod-template-hash%3D6f7b9c8d5f&limit=200']);
      expect(requestTo(requests, '/api/v1/namespaces/shop/events?fieldSelector=involvedObject.name%3Dcart-6f7b9c8d5f-').map((r) => r.status)).toEqual([200, 200, 200]);
      expect(requestTo(requests, '/apis/events.k8s.io/v1/namespaces/shop/events?fieldSelector=regarding.name%3Dcart-6f7b9c8d5f-').map((r) => r.status)).toEqual([200, 200, 200]);
      // The first pod by name shares its log; its node is gone, so the others read their own.
      expect(CART_PODS.nodeGone < CART_PODS.kubeletDown && CART_PODS.kubeletDown < CART_PODS.reachable).toBe(true);
      expect(requests.filter((r) => r.path.includes('/log?')).map((r) => `${r.status} ${r.path.split('/log?')[0]!.split('/').at(-1)}`).sort()).toEqual([
        `200 ${CART_PODS.reachable}`, `404 ${CART_PODS.nodeGone}`, `500 ${CART_PODS.kubeletDown}`,
      ]);
      expect(byPod[CART_PODS.reachable]!.logs.map((l) => [l.pod, l.lines.length])).toEqual([[CART_PODS.reachable, 4]]);
      expect(byPod[CART_PODS.reachable]!.errors).toEqual([]);
      expect(byPod[CART_PODS.kubeletDown]!.errors.map((e) => e.resource)).toEqual([
        `pods/log shop/${CART_PODS.nodeGone} (container cart, previous)`, `pods/log shop/${CART_PODS.kubeletDown} (container cart, previous)`,
      ]);
    });

    it('the Deployment: every pod crash-loops OOMKilled, and the one log read is the most restarted pod\'s', async () => {
      const { evidence, result } = await read({ kind: 'Deployment', namespace: 'shop', name: 'cart' });
      expect(result.diagnosis.id).toBe('crashloop.oom');
      expect(result.diagnosis.summary).toMatch(/^3\/3 pods of deployment shop\/cart: /);
      expect(result.diagnosis.summary).toContain('is crash-looping: OOMKilled (exit 137) at its 256Mi memory limit');
      expect(named(evidence)).toEqual(expect.arrayContaining(Object.values(CART_PODS).map((p) => `Pod/${p}`)));
      expect(evidence.logs.map((l) => [l.pod, l.previous, l.lines.length])).toEqual([[CART_PODS.reachable, true, 4]]);
      expect(evidence.errors).toEqual([]);
    });
  });

  it('2. ErrImagePull with containerd\'s insufficient_scope answer: image-pull.unauthorized', async () => {
    const { evidence, result } = await read(pod('reports', 'report-7b9d5c6f8d-k2m4p'));
    expect(result.diagnosis.id).toBe('image-pull.unauthorized');
    expect(result.diagnosis.summary).toContain('insufficient_scope: authorization failed');
    expect(result.diagnosis.evidence.map((e) => e.text)).toContain(PULL_DENIED);
    expect(evidence.errors).toEqual([]);
  });

  it('3. Pending on insufficient cpu: scheduling.insufficient-cpu; the scheduler\'s events.k8s.io/v1 event is read through both groups and kept once', async () => {
    const { evidence, result, requests } = await read(pod('analytics', 'etl-5c8b9d7f6b-r2t6w'));
    expect(result.diagnosis.id).toBe('scheduling.insufficient-cpu');
    expect(result.diagnosis.summary).toBe('Pod analytics/etl-5c8b9d7f6b-r2t6w is Pending: 2/3 nodes have Insufficient cpu (requests cpu 4).');
    expect(requestTo(requests, '/api/v1/namespaces/analytics/events?fieldSelector=involvedObject.name%3Detl-5c8b9d7f6b-r2t6w').map((r) => r.status)).toEqual([200]);
    expect(requestTo(requests, '/apis/events.k8s.io/v1/namespaces/analytics/events?fieldSelector=regarding.name%3Detl-5c8b9d7f6b-r2t6w').map((r) => r.status)).toEqual([200]);
    const events = evidence.objects.filter((o) => o.kind === 'Event');
    expect(events).toHaveLength(1);
    expect(result.timeline.find((t) => t.kind === 'event')).toMatchObject({ reason: 'FailedScheduling', type: 'Warning', count: 4, message: UNSCHEDULABLE });
    expect(evidence.errors).toEqual([]);
  });

  it('4. a missing Secret: config.missing-secret, named from the kubelet\'s message without reading any Secret', async () => {
    const absent = await applyAdmin(server, 'GET', '/api/v1/namespaces/billing/secrets/invoicer-db');
    expect(absent.status).toBe(404);
    const { evidence, result, requests } = await read(pod('billing', 'invoicer-6d5f7c9b8b-p4m2z'));
    expect(result.diagnosis.id).toBe('config.missing-secret');
    expect(result.diagnosis.summary).toContain('Secret billing/invoicer-db does not exist');
    expect(requests.length).toBeGreaterThan(0);
    expect(requests.filter((r) => /\/secrets\b/.test(r.path))).toEqual([]);
    expect(evidence.errors).toEqual([]);
  });

  it('5. a Service whose selector matches no pod: service.no-endpoints, from the v1beta1 EndpointSlice v1.20\'s controller writes', async () => {
    const { evidence, result, requests } = await read({ kind: 'Service', namespace: 'web', name: 'storefront' });
    expect(result.diagnosis.id).toBe('service.no-endpoints');
    expect(result.diagnosis.summary).toBe('Service web/storefront has no endpoints: selector app=storefront,tier=web matches no pod.');
    const slices = evidence.objects.filter((o) => o.kind === 'EndpointSlice');
    expect(slices.map((o) => o.apiVersion)).toEqual(['discovery.k8s.io/v1beta1']);
    // v1 is not served (404), Endpoints are not granted (403): both stand aside once v1beta1 answers.
    expect(requests.map((r) => `${r.status} ${r.path.split('?')[0]}`)).toEqual(expect.arrayContaining([
      '404 /apis/discovery.k8s.io/v1/namespaces/web/endpointslices',
      '403 /api/v1/namespaces/web/endpoints/storefront',
      '200 /apis/discovery.k8s.io/v1beta1/namespaces/web/endpointslices',
    ]));
    expect(evidence.errors).toEqual([]);
    expect(evidence.partial).toBe(false);
  });

  it('6. a pod with no node: pods/log answers 204 with no Content-Type, and the reader reads that as no logs, not an error', async () => {
    const raw = await kubeRequest(server, { token: server.readonlyToken, method: 'GET', path: '/api/v1/namespaces/edge/pods/sensor-0/log?container=sensor&previous=true' });
    expect(raw.status).toBe(204);
    expect(raw.headers['content-type']).toBeUndefined();
    expect(raw.text).toBe('');

    const { evidence, requests } = await read(pod('edge', 'sensor-0'));
    expect(requestTo(requests, '/api/v1/namespaces/edge/pods/sensor-0/log').map((r) => r.status)).toEqual([204]);
    expect(evidence.logs).toEqual([]);
    expect(evidence.errors).toEqual([]);
    expect(evidence.partial).toBe(false);
    expect(named(evidence)).toEqual(['Pod/sensor-0', 'StatefulSet/sensor']);
  });

  it('7. ten pods of one ReplicaSet and their Deployment as one alert group: the namespace\'s events read once per API group, and every alert still image-pull.unauthorized', async () => {
    const from = wire.requests.length;
    const deployment: Target = { kind: 'Deployment', namespace: 'mobile', name: 'api' };
    const targets = [...API_PODS.map((name) => pod('mobile', name)), deployment];
    const session = kubeEvidenceSource({ kubeConfig }).session({ signal: AbortSignal.timeout(15_000), targets });
    const collected = await Promise.all(targets.map((t) => session.collect(t)));
    const requests = wire.requests.slice(from);
    for (const [i, t] of targets.entries()) {
      expect(collected[i]!.errors, t.name).toEqual([]);
      const result = diagnose({ target: t, objects: collected[i]!.objects, logs: collected[i]!.logs });
      expect(result.diagnosis.id, t.name).toBe('image-pull.unauthorized');
    }
    expect(diagnose({ target: deployment, objects: collected.at(-1)!.objects, logs: [] }).diagnosis.summary).toMatch(/^10\/10 pods of deployment mobile\/api/);
    // The namespace's events: one list per API group for the eleven alerts, no per-object event read.
    const events = requests.filter((r) => r.path.includes('/namespaces/mobile/events'));
    expect(events.map((r) => `${r.status} ${r.path}`).sort()).toEqual([
      '200 /api/v1/namespaces/mobile/events?limit=500',
      '200 /apis/events.k8s.io/v1/namespaces/mobile/events?limit=500',
    ]);
    // Each pod keeps its own two events; the Deployment keeps the Warnings of its pods.
    expect(collected[0]!.objects.filter((o) => o.kind === 'Event').map((o) => (o['involvedObject'] as Json)['name'])).toEqual([API_PODS[0], API_PODS[0]]);
    expect(collected.at(-1)!.objects.filter((o) => o.kind === 'Event')).toHaveLength(20);
    // One list of the pods by pod-template-hash, one of the Deployment's by its selector: no pod read by name.
    expect(requestTo(requests, '/api/v1/namespaces/mobile/pods').map((r) => r.path).sort()).toEqual([
      '/api/v1/namespaces/mobile/pods?labelSelector=app%3Dapi&limit=200',
      '/api/v1/namespaces/mobile/pods?labelSelector=pod-template-hash%3D8c6d7b5f9d&limit=200',
    ]);
  });

  describe('RBAC: the kubetriage-readonly ClusterRole grants enough and no more', () => {
    it('no read of any target touches Secrets or ConfigMaps; every request is a GET; pods are never listed cluster-wide', async () => {
      const from = wire.requests.length;
      for (const t of TARGETS) await read(t);
      const requests = wire.requests.slice(from);
      // Not vacuous: the recorder saw the reads, logs included.
      expect(requests.length).toBeGreaterThan(40);
      expect(requests.some((r) => r.path.includes('/log?') && r.status === 200)).toBe(true);
      expect(requests.filter((r) => /\/(secrets|configmaps)\b/.test(r.path))).toEqual([]);
      expect(new Set(requests.map((r) => r.method))).toEqual(new Set(['GET']));
      expect(requests.filter((r) => r.path === '/api/v1/pods' || (r.path.startsWith('/api/v1/pods?') && !r.path.includes('fieldSelector=')))).toEqual([]);
      // And the role would refuse them anyway.
      const secrets = await kubeRequest(server, { token: server.readonlyToken, method: 'GET', path: '/api/v1/namespaces/billing/secrets' });
      expect(secrets.status).toBe(403);
    });

    it.each([
      { kind: 'PodDisruptionBudget', served: '/apis/policy/v1beta1/namespaces/shop/poddisruptionbudgets/cart', asked: '/apis/policy/v1/namespaces/shop/poddisruptionbudgets/cart', resource: 'poddisruptionbudgets.policy' },
      { kind: 'HorizontalPodAutoscaler', served: '/apis/autoscaling/v2beta2/namespaces/shop/horizontalpodautoscalers/cart', asked: '/apis/autoscaling/v2/namespaces/shop/horizontalpodautoscalers/cart', resource: 'horizontalpodautoscalers.autoscaling' },
    ])('a 403 on $resource, which the role lacks, is partial enrichment that names the permission', async ({ kind, served, asked, resource }) => {
      expect((await applyAdmin(server, 'GET', served)).status).toBe(200);
      // Not served in this version at all (404 for admin): RBAC is checked before routing, so the read-only user gets 403.
      expect((await applyAdmin(server, 'GET', asked)).status).toBe(404);

      const { evidence, result, requests } = await read({ kind, namespace: 'shop', name: 'cart' });
      expect(requestTo(requests, asked).map((r) => r.status)).toEqual([403]);
      expect(evidence.partial).toBe(true);
      expect(evidence.errors).toEqual([{
        reason: 'forbidden',
        status: 403,
        resource: `${resource} shop/cart`,
        message: `cannot get ${resource} in namespace shop: grant get on ${resource}`,
      }]);
      expect(result.diagnosis.id).toBe('unknown');
    });
  });

  it('end to end: POST /v1/alertmanager through createApp with the live reader enriches a KubePodCrashLooping alert', async () => {
    const token = 'live-reader-e2e-token';
    const app = createApp({ evidence: kubeEvidenceSource({ kubeConfig }), openapiYaml: '', auth: { bearerTokens: [token], basicCredentials: [] } });
    const startsAt = ago(now, 30);
    const ksm = { endpoint: 'http', instance: '10.244.0.7:8080', job: 'kube-state-metrics', service: 'kube-prometheus-stack-kube-state-metrics', prometheus: 'monitoring/kube-prometheus-stack-prometheus' };
    const body = {
      receiver: 'kubetriage',
      status: 'firing',
      alerts: [
        {
          status: 'firing',
          labels: { alertname: 'KubePodCrashLooping', ...ksm, namespace: 'shop', pod: CART_PODS.reachable, container: 'cart', reason: 'CrashLoopBackOff', severity: 'warning' },
          annotations: {
            description: `Pod shop/${CART_PODS.reachable} (cart) is in waiting state (reason: "CrashLoopBackOff").`,
            runbook_url: 'https://runbooks.prometheus-operator.dev/runbooks/kubernetes/kubepodcrashlooping',
            summary: 'Pod is crash looping.',
          },
          startsAt, endsAt: '0001-01-01T00:00:00Z',
          generatorURL: 'http://prometheus.monitoring:9090/graph?g0.expr=max_over_time%28kube_pod_container_status_waiting_reason%7Breason%3D%22CrashLoopBackOff%22%7D%5B5m%5D%29+%3E%3D+1&g0.tab=1',
          fingerprint: '5f0b1ac2d3e4f607',
        },
        {
          status: 'firing',
          labels: { alertname: 'KubePdbNotEnoughHealthyPods', ...ksm, namespace: 'shop', poddisruptionbudget: 'cart', severity: 'warning' },
          annotations: { description: 'PDB shop/cart expects 2 more healthy pods.', summary: 'PDB does not have enough healthy pods.' },
          startsAt, endsAt: '0001-01-01T00:00:00Z',
          generatorURL: 'http://prometheus.monitoring:9090/graph?g0.expr=kube_poddisruptionbudget_status_desired_healthy+-+kube_poddisruptionbudget_status_current_healthy+%3E+0&g0.tab=1',
          fingerprint: '6a1c2bd3e4f50718',
        },
      ],
      groupLabels: { namespace: 'shop' },
      commonLabels: { ...ksm, namespace: 'shop', severity: 'warning' },
      commonAnnotations: {},
      externalURL: 'http://alertmanager.monitoring:9093',
      version: '4',
      groupKey: '{}:{namespace="shop"}',
      truncatedAlerts: 0,
    };
    const res = await app.request('/v1/alertmanager', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(200);
    const out = (await res.json()) as Json;
    expect(out['alerts']).toHaveLength(2);
    const [crash, pdb] = out['alerts'] as Json[];

    expect(crash!['annotations']).toMatchObject({
      kubetriage_diagnosis: 'crashloop.oom',
      kubetriage_summary: `Container cart of pod shop/${CART_PODS.reachable} is crash-looping: OOMKilled (exit 137) at its 256Mi memory limit, 9 restarts.`,
      runbook_url: 'https://runbooks.prometheus-operator.dev/runbooks/kubernetes/kubepodcrashlooping',
    });
    expect(crash!['kubetriage']['target']).toMatchObject({ kind: 'Pod', namespace: 'shop', name: CART_PODS.reachable });
    expect(crash!['kubetriage']['diagnosis']['id']).toBe('crashloop.oom');
    expect(crash!['kubetriage']['errors']).toEqual([]);
    expect(crash!['kubetriage']['partial']).toBe(false);

    expect(pdb!['kubetriage']['partial']).toBe(true);
    expect(pdb!['kubetriage']['errors']).toEqual([expect.objectContaining({ reason: 'forbidden', status: 403, message: 'cannot get poddisruptionbudgets.policy in namespace shop: grant get on poddisruptionbudgets.policy' })]);
    expect(pdb!['annotations']['kubetriage_partial']).toContain('grant get on poddisruptionbudgets.policy');
  });
});
