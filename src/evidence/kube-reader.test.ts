import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startKubeApiServer } from '../../test/support/kube-api-server.ts';
import type { ClusterSnapshot, KubeApiServer, KubeObjectLike, RequestLogEntry } from '../../test/support/kube-api-server.ts';
import { criticalPath } from '../../test/support/request-depths.ts';
import type { Target } from '../core/types.ts';
import { answerCache, kubeEvidenceSource, loadKubeConfig, withKeepAlive, type KubeEvidenceOptions } from './kube-reader.ts';
import type { FetchResult } from './planner.ts';
import type { CollectedEvidence } from './source.ts';

// ---------------------------------------------------------------------------------------------
// Fixture: shop/cart (Deployment → ReplicaSet → crash-looping pods), shop/postgres (StatefulSet
// with a claim), a Service, events, logs, and a Secret + ConfigMap that must never be read.

const NS = 'shop';
const RS = 'cart-7d9f8b6c5d';
const POD = `${RS}-x2x9k`;
const SAFE = 'bcdfghjklmnpqrstvwxz2456789';
const siblingNames = Array.from({ length: 19 }, (_, i) => `${RS}-${SAFE[i]}${SAFE[(i + 3) % SAFE.length]}x9k`);

function cartPod(name: string, extra: { node?: string | null; restarts?: number } = {}): KubeObjectLike {
  const restarts = extra.restarts ?? 5;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: NS,
      uid: `uid-${name}`,
      labels: { app: 'cart', 'pod-template-hash': '7d9f8b6c5d' },
      creationTimestamp: '2024-05-01T09:55:00Z',
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: RS, uid: 'uid-rs', controller: true }],
    },
    spec: {
      ...(extra.node === null ? {} : { nodeName: extra.node ?? 'node-1' }),
      containers: [{ name: 'app', image: 'registry.example/cart:2.1' }],
      volumes: [{ name: 'config', configMap: { name: 'cart-config' } }, { name: 'creds', secret: { secretName: 'cart-db' } }],
    },
    status: {
      phase: 'Running',
      startTime: '2024-05-01T09:55:01Z',
      containerStatuses: [{
        name: 'app',
        ready: false,
        restartCount: restarts,
        image: 'registry.example/cart:2.1',
        state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 5m0s restarting failed container=app' } },
        lastState: { terminated: { reason: 'Error', exitCode: 1, startedAt: '2024-05-01T10:03:00Z', finishedAt: '2024-05-01T10:03:02Z' } },
      }],
    },
  };
}

function coreEvent(name: string, kind: string, involved: string, reason: string, type: string, message: string, ns = NS): KubeObjectLike {
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name, namespace: ns, uid: `uid-${name}`, creationTimestamp: '2024-05-01T10:00:00Z' },
    involvedObject: { kind, name: involved, namespace: kind === 'Node' ? '' : ns, apiVersion: 'v1' },
    reason,
    type,
    message,
    count: 3,
    source: { component: 'kubelet', host: 'node-1' },
    firstTimestamp: '2024-05-01T10:00:00Z',
    lastTimestamp: '2024-05-01T10:04:00Z',
  };
}

const PREVIOUS_LOG = [
  'starting cart 2.1',
  'connecting to postgres://cart:hunter2@db:5432/cart',
  'Error: connect ECONNREFUSED 10.0.0.12:5432',
  'exiting with code 1',
].join('\n') + '\n';

function fixture(): ClusterSnapshot {
  return {
    objects: [
      { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-1', uid: 'uid-node-1' }, spec: {}, status: { conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: '2024-05-01T10:04:00Z' }] } },
      {
        apiVersion: 'apps/v1', kind: 'Deployment',
        metadata: { name: 'cart', namespace: NS, uid: 'uid-deploy', creationTimestamp: '2024-04-01T00:00:00Z' },
        spec: { replicas: 20, selector: { matchLabels: { app: 'cart' } }, template: { metadata: { labels: { app: 'cart' } }, spec: { containers: [{ name: 'app', image: 'registry.example/cart:2.1' }] } } },
        status: { replicas: 20, availableReplicas: 0, conditions: [{ type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable', lastTransitionTime: '2024-05-01T10:00:00Z' }] },
      },
      {
        apiVersion: 'apps/v1', kind: 'ReplicaSet',
        metadata: {
          name: RS, namespace: NS, uid: 'uid-rs', labels: { app: 'cart', 'pod-template-hash': '7d9f8b6c5d' },
          ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'cart', uid: 'uid-deploy', controller: true }],
        },
        spec: { replicas: 20, selector: { matchLabels: { app: 'cart', 'pod-template-hash': '7d9f8b6c5d' } } },
        status: { replicas: 20 },
      },
      cartPod(POD),
      ...siblingNames.map((n) => cartPod(n)),
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'cart', namespace: NS, uid: 'uid-svc-cart' }, spec: { selector: { app: 'cart' }, ports: [{ port: 80, targetPort: 8080 }] } },
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'postgres', namespace: NS, uid: 'uid-svc-pg' }, spec: { selector: { app: 'postgres' }, ports: [{ port: 5432 }] } },
      {
        apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
        metadata: { name: 'cart-abcde', namespace: NS, labels: { 'kubernetes.io/service-name': 'cart' } },
        addressType: 'IPv4', endpoints: [], ports: [{ port: 8080 }],
      },
      {
        apiVersion: 'apps/v1', kind: 'StatefulSet',
        metadata: { name: 'postgres', namespace: NS, uid: 'uid-sts' },
        spec: { replicas: 1, selector: { matchLabels: { app: 'postgres' } }, volumeClaimTemplates: [{ metadata: { name: 'data' } }] },
      },
      {
        apiVersion: 'v1', kind: 'Pod',
        metadata: { name: 'postgres-0', namespace: NS, uid: 'uid-pg-0', labels: { app: 'postgres' }, ownerReferences: [{ kind: 'StatefulSet', name: 'postgres', controller: true }] },
        spec: { containers: [{ name: 'postgres' }], volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data-postgres-0' } }] },
        status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable' }] },
      },
      { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data-postgres-0', namespace: NS }, spec: { storageClassName: 'fast' }, status: { phase: 'Pending' } },
      { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'standard' }, provisioner: 'kubernetes.io/no-provisioner' },
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'cart-db', namespace: NS }, data: { password: 'aHVudGVyMg==' } },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cart-config', namespace: NS }, data: { DB_HOST: 'db' } },
      coreEvent('cart.backoff', 'Pod', POD, 'BackOff', 'Warning', 'Back-off restarting failed container app in pod'),
      coreEvent('cart.pulled', 'Pod', POD, 'Pulled', 'Normal', 'Container image "registry.example/cart:2.1" already present on machine'),
      coreEvent('rs.create', 'ReplicaSet', RS, 'SuccessfulCreate', 'Normal', `Created pod: ${POD}`),
      coreEvent('deploy.scale', 'Deployment', 'cart', 'ScalingReplicaSet', 'Normal', `Scaled up replica set ${RS} to 20`),
      coreEvent('pg.sched', 'Pod', 'postgres-0', 'FailedScheduling', 'Warning', '0/1 nodes are available: pod has unbound immediate PersistentVolumeClaims.'),
      coreEvent('node.notready', 'Node', 'node-1', 'NodeNotReady', 'Warning', 'Node node-1 status is now: NodeNotReady', 'default'),
    ],
    logs: [
      { namespace: NS, pod: POD, container: 'app', previous: true, text: PREVIOUS_LOG },
      ...siblingNames.map((n) => ({ namespace: NS, pod: n, container: 'app', previous: true, text: PREVIOUS_LOG })),
    ],
  };
}

// ---------------------------------------------------------------------------------------------
// Harness

let server: KubeApiServer;
let dir: string;

function kubeConfigFor(s: KubeApiServer, opts: { token?: string; contextName?: string } = {}): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromString(s.kubeconfigYaml(opts));
  return kc;
}

function source(extra: Partial<KubeEvidenceOptions> = {}, s: KubeApiServer = server) {
  return kubeEvidenceSource({ kubeConfig: kubeConfigFor(s), ...extra });
}

const podTarget = (name = POD): Target => ({ kind: 'Pod', namespace: NS, name });

async function collect(target: Target, extra: Partial<KubeEvidenceOptions> = {}, deadlineMs = 5000): Promise<CollectedEvidence> {
  return source(extra).session({ signal: AbortSignal.timeout(deadlineMs) }).collect(target);
}

const names = (e: CollectedEvidence, kind: string) =>
  e.objects.filter((o) => o.kind === kind).map((o) => (o.metadata as { name?: string }).name).sort();

const resourceRequests = (kind: string) => server.requests.filter((r) => r.resource === kind);


beforeAll(async () => {
  server = await startKubeApiServer({ snapshot: fixture() });
  dir = mkdtempSync(join(tmpdir(), 'kubetriage-reader-'));
});

afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

afterEach(() => {
  server.clearFaults();
  server.setLatency(0);
  server.resetRequests();
});

// ---------------------------------------------------------------------------------------------

describe('kubeEvidenceSource: a crash-looping pod', () => {
  it('returns the pod, its events, its ReplicaSet and Deployment, the node and the previous log, redacted', async () => {
    const e = await collect(podTarget(), { redactLine: (l) => l.replace(/:\/\/([^:]+):[^@]+@/, '://$1:***@') });
    expect(e.errors).toEqual([]);
    expect(e.partial).toBe(false);
    expect(names(e, 'Pod')).toEqual([POD]);
    expect(names(e, 'ReplicaSet')).toEqual([RS]);
    expect(names(e, 'Deployment')).toEqual(['cart']);
    expect(names(e, 'Node')).toEqual(['node-1']);
    expect(names(e, 'Service')).toEqual(['cart', 'postgres']);
    expect(names(e, 'EndpointSlice')).toEqual(['cart-abcde']);
    // Pod events once (core and events.k8s.io deduplicated by uid) plus the owners' events.
    expect(names(e, 'Event')).toEqual(['cart.backoff', 'cart.pulled', 'deploy.scale']);
    expect(e.logs).toEqual([{
      namespace: NS, pod: POD, container: 'app', previous: true,
      lines: ['starting cart 2.1', 'connecting to postgres://cart:***@db:5432/cart', 'Error: connect ECONNREFUSED 10.0.0.12:5432', 'exiting with code 1'],
    }]);
  });

  it('keeps the Kubernetes JSON wire shape: string timestamps, kind/apiVersion on every list item', async () => {
    const e = await collect(podTarget());
    for (const o of e.objects) {
      expect(typeof o.apiVersion).toBe('string');
      expect(typeof o.kind).toBe('string');
    }
    const pod = e.objects.find((o) => o.kind === 'Pod')!;
    expect(pod.apiVersion).toBe('v1');
    expect((pod.status as { startTime: unknown }).startTime).toBe('2024-05-01T09:55:01Z');
    const svc = e.objects.find((o) => o.kind === 'Service')!;
    expect(svc.apiVersion).toBe('v1');
    const slice = e.objects.find((o) => o.kind === 'EndpointSlice')!;
    expect(slice.apiVersion).toBe('discovery.k8s.io/v1');
    const ev = e.objects.find((o) => o.kind === 'Event')!;
    expect(ev['lastTimestamp']).toBe('2024-05-01T10:04:00Z');
    // Round-trips through JSON unchanged (no Dates, no classes).
    expect(JSON.parse(JSON.stringify(e.objects))).toEqual(e.objects);
  });

  it('never lists pods cluster-wide and never touches Secrets or ConfigMaps', async () => {
    await collect(podTarget());
    await collect({ kind: 'Deployment', namespace: NS, name: 'cart' });
    await collect({ kind: 'Service', namespace: NS, name: 'cart' });
    await collect({ kind: 'StatefulSet', namespace: NS, name: 'postgres' });
    await collect({ kind: 'PersistentVolumeClaim', namespace: NS, name: 'data-postgres-0' });
    expect(server.requests.length).toBeGreaterThan(20);
    for (const r of server.requests) {
      expect(r.path).not.toBe('/api/v1/pods');
      expect(r.path).not.toMatch(/secrets|configmaps/);
      expect(r.method).toBe('GET');
      if (r.verb === 'list') expect(r.namespace !== undefined || ['nodes', 'storageclasses', 'persistentvolumes'].includes(r.resource!)).toBe(true);
    }
  });

  it('takes at most 2 sequential rounds for a pod (latency 200ms, from the request log)', async () => {
    server.setLatency(200);
    const e = await collect(podTarget());
    expect(e.partial).toBe(false);
    const requests = server.requests.filter((r) => r.resource);
    expect(criticalPath(requests, 200)).toBe(2);
    // Round 1 is the pod, its events, the guessed owners and the Services; the log is in round 2.
    const first = Math.min(...requests.map((r) => r.at));
    const round1 = requests.filter((r) => r.at < first + 180).map((r) => `${r.resource} ${r.name ?? ''}`.trim()).sort();
    expect(round1).toEqual(['deployments cart', 'events', 'events', `pods ${POD}`, `replicasets ${RS}`, 'services']);
  });
});

describe('kubeEvidenceSource: one session, many alerts', () => {
  it('20 pods of one Deployment: the Deployment, ReplicaSet, Services and Node are fetched once', async () => {
    const session = source().session({ signal: AbortSignal.timeout(10_000) });
    const pods = [POD, ...siblingNames];
    const results = await Promise.all(pods.map((p) => session.collect(podTarget(p))));
    for (const r of results) {
      expect(r.errors).toEqual([]);
      expect(names(r, 'Deployment')).toEqual(['cart']);
      expect(r.logs).toHaveLength(1);
    }
    const count = (pred: (r: RequestLogEntry) => boolean) => server.requests.filter(pred).length;
    expect(count((r) => r.resource === 'deployments')).toBe(1);
    expect(count((r) => r.resource === 'replicasets')).toBe(1);
    expect(count((r) => r.resource === 'services')).toBe(1);
    expect(count((r) => r.resource === 'nodes')).toBe(1);
    expect(count((r) => r.resource === 'endpointslices')).toBe(1);
    expect(count((r) => r.resource === 'pods')).toBe(20);
    expect(count((r) => r.resource === 'pods/log')).toBe(20);
    expect(count((r) => r.resource === 'events')).toBe(20 * 2 + 1);
    // Per pod: GET pod, events (core + events.k8s.io), previous log = 4; shared: Deployment,
    // ReplicaSet, Services, Node, EndpointSlices, Deployment events = 6.
    expect(server.requests).toHaveLength(20 * 4 + 6);

    // A 50-alert storm about one pod: 10 calls; about two pods of the Deployment: 14.
    for (const [pods, calls] of [[[POD], 10], [[POD, siblingNames[0]!], 14]] as const) {
      server.resetRequests();
      const storm = source().session({ signal: AbortSignal.timeout(10_000) });
      const all = await Promise.all(Array.from({ length: 50 }, (_, i) => storm.collect(podTarget(pods[i % pods.length]))));
      expect(all.every((r) => r.errors.length === 0 && r.logs.length === 1)).toBe(true);
      expect(server.requests).toHaveLength(calls);
    }
  });
});

describe('kubeEvidenceSource: a session told its group reads shared objects once', () => {
  it('20 pods of one ReplicaSet: one pod list, the namespace events, each pod\'s own previous log (an application error), in 2 rounds', async () => {
    server.setLatency(100);
    const pods = [POD, ...siblingNames];
    const targets = pods.map((p) => podTarget(p));
    const session = source().session({ signal: AbortSignal.timeout(10_000), targets });
    const results = await Promise.all(targets.map((t) => session.collect(t)));
    results.forEach((r, i) => {
      expect(r.errors).toEqual([]);
      // Its own pod, its own events and its Deployment's, not its siblings'.
      expect(names(r, 'Pod')).toEqual([pods[i]!]);
      expect(r.objects.filter((o) => o.kind === 'Event' && ((o['involvedObject'] ?? o['regarding']) as { kind?: string } | undefined)?.kind === 'Pod')
        .every((o) => ((o['involvedObject'] ?? o['regarding']) as { name?: string }).name === pods[i])).toBe(true);
      expect(names(r, 'Event')).toEqual(expect.arrayContaining(['deploy.scale']));
      expect(r.logs.map((l) => l.pod)).toEqual([pods[i]]);
    });
    const requests = server.requests.filter((r) => r.resource);
    const count = (resource: string) => requests.filter((r) => r.resource === resource).length;
    expect(count('pods')).toBe(1);
    expect(requests.find((r) => r.resource === 'pods')!.query['labelSelector']).toBe('pod-template-hash=7d9f8b6c5d');
    expect(count('pods/log')).toBe(20);
    // The namespace's events through both groups (the Deployment's among them).
    expect(count('events')).toBe(2);
    // + the ReplicaSet, the Deployment, the Services, the Node, the EndpointSlices.
    expect(requests).toHaveLength(1 + 20 + 2 + 5);
    expect(criticalPath(requests, 100)).toBe(2);
  });

  it('two groups sharing one read of the namespace\'s events (cross-request cache) each keep only their own pods\' events and pods', async () => {
    const pods = [POD, ...siblingNames];
    const halves = [pods.slice(0, 10), pods.slice(10)];
    const reader = source();
    const sessions = halves.map((half) => reader.session({ signal: AbortSignal.timeout(10_000), targets: half.map((p) => podTarget(p)) }));
    const collected = await Promise.all(halves.map((half, h) => Promise.all(half.map((p) => sessions[h]!.collect(podTarget(p))))));
    halves.forEach((half, h) => collected[h]!.forEach((r) => {
      const aboutPods = r.objects.filter((o) => o.kind === 'Event').map((o) => (o['involvedObject'] ?? o['regarding']) as { kind?: string; name?: string }).filter((o) => o.kind === 'Pod');
      for (const o of aboutPods) expect(half).toContain(o.name);
      for (const name of names(r, 'Pod')) expect(half).toContain(name);
    }));
    // The fixture's pod events are about POD, in the first half: that group has them, the other none.
    expect(collected[0]![0]!.objects.some((o) => o.kind === 'Event' && (o['involvedObject'] as { name?: string } | undefined)?.name === POD)).toBe(true);
    // One read of each namespace list for both groups.
    expect(server.requests.filter((r) => r.resource === 'events' && !r.query['fieldSelector'])).toHaveLength(2);
  });

  it("the group's Deployment alert reads its events from the namespace's lists: its own, and the Warnings about its pods", async () => {
    const pods = [POD, ...siblingNames];
    const deployment: Target = { kind: 'Deployment', namespace: NS, name: 'cart' };
    const targets = [...pods.map((p) => podTarget(p)), deployment];
    const session = source().session({ signal: AbortSignal.timeout(10_000), targets });
    const results = await Promise.all(targets.map((t) => session.collect(t)));
    const own = results.at(-1)!;
    expect(own.errors).toEqual([]);
    // Its own event and the pods' Warning; not the Normal events of others, nor the Warning of a
    // pod neither the group nor the Deployment's name covers (postgres-0).
    expect(names(own, 'Event')).toEqual(['cart.backoff', 'deploy.scale']);
    const events = server.requests.filter((r) => r.resource === 'events');
    expect(events.map((r) => r.query['fieldSelector'] ?? 'all')).toEqual(['all', 'all']);
    expect(own.logs.map((l) => l.pod)).toHaveLength(1);
    // The pods' 28 reads, plus the Deployment's pods and ReplicaSets by its selector.
    expect(server.requests.filter((r) => r.resource)).toHaveLength(28 + 2);
  });

  it("namespace event lists that fail (503): each pod and the Deployment read their own events, and none is partial for it", async () => {
    // The namespace's lists carry no fieldSelector; the per-object reads do.
    server.inject({ match: { path: /\/events\?limit=500$/ }, action: { status: 503 } });
    const pods = [POD, ...siblingNames];
    const deployment: Target = { kind: 'Deployment', namespace: NS, name: 'cart' };
    const targets = [...pods.map((p) => podTarget(p)), deployment];
    const session = source().session({ signal: AbortSignal.timeout(10_000), targets });
    const results = await Promise.all(targets.map((t) => session.collect(t)));
    for (const r of results) expect(r.errors).toEqual([]);
    expect(names(results[0]!, 'Event')).toEqual(expect.arrayContaining(['cart.backoff', 'deploy.scale']));
    // Its own pair and, as on its own, the namespace's Warning events.
    expect(names(results.at(-1)!, 'Event')).toEqual(['cart.backoff', 'deploy.scale', 'pg.sched']);
    expect(server.requests.filter((r) => r.resource === 'events' && r.query['fieldSelector'] === 'type=Warning')).toHaveLength(1);
  });

  it('namespace event lists and the own reads all failing: each failure reported', async () => {
    server.inject({ match: { resource: 'events' }, action: { status: 503 } });
    const pods = [POD, ...siblingNames];
    const targets = pods.map((p) => podTarget(p));
    const session = source().session({ signal: AbortSignal.timeout(10_000), targets });
    const [first] = await Promise.all(targets.map((t) => session.collect(t)));
    expect(first!.partial).toBe(true);
    // The namespace's two lists, the pod's own pair, and its Deployment's events (read on their own too).
    expect(first!.errors.map((e) => e.resource).sort()).toEqual([
      `events in ${NS}`,
      `events in ${NS} (involvedObject.name=cart,involvedObject.kind=Deployment)`,
      `events in ${NS} (involvedObject.name=${POD},involvedObject.kind=Pod)`,
      `events.events.k8s.io in ${NS}`,
      `events.events.k8s.io in ${NS} (regarding.name=${POD},regarding.kind=Pod)`,
    ]);
  });

  it('a pod its batch list does not hold is read by name; a gone one is reported gone', async () => {
    const targets = [podTarget(POD), podTarget(`${RS}-zzzzz`)];
    const session = source().session({ signal: AbortSignal.timeout(10_000), targets });
    const [present, gone] = await Promise.all(targets.map((t) => session.collect(t)));
    expect(present!.errors).toEqual([]);
    expect(present!.logs).toHaveLength(1);
    expect(gone!.errors.map((e) => e.message)).toEqual([`pod ${NS}/${RS}-zzzzz no longer exists`]);
    expect(server.requests.filter((r) => r.resource === 'pods').map((r) => r.name ?? 'list')).toEqual(['list', `${RS}-zzzzz`]);
  });
});

describe('kubeEvidenceSource: faults become partial evidence with readable reasons', () => {
  it('401: the API server rejected the credentials', async () => {
    const secured = await startKubeApiServer({ snapshot: fixture(), token: 'right-token' });
    try {
      const kc = kubeConfigFor(secured, { token: 'wrong-token' });
      const e = await kubeEvidenceSource({ kubeConfig: kc }).session({ signal: AbortSignal.timeout(5000) }).collect(podTarget());
      expect(e.partial).toBe(true);
      expect(e.objects).toEqual([]);
      expect(e.errors.length).toBeGreaterThan(0);
      expect(e.errors.every((x) => x.reason === 'unauthorized' && x.status === 401)).toBe(true);
      expect(e.errors[0]!.message).toMatch(/rejected kubetriage's credentials/);
      const good = await kubeEvidenceSource({ kubeConfig: kubeConfigFor(secured, { token: 'right-token' }) }).session({ signal: AbortSignal.timeout(5000) }).collect(podTarget());
      expect(good.errors).toEqual([]);
    } finally {
      await secured.close();
    }
  });

  it('403 on pods/log: the RBAC message becomes "grant get on pods/log"', async () => {
    server.inject({ match: { resource: 'pods/log' }, action: { status: 403 } });
    server.inject({ match: { resource: 'deployments.apps' }, action: { status: 403 } });
    const e = await collect(podTarget());
    expect(e.partial).toBe(true);
    expect(e.logs).toEqual([]);
    expect(names(e, 'Pod')).toEqual([POD]);
    const log = e.errors.find((x) => x.resource.startsWith('pods/log'))!;
    expect(log).toMatchObject({ reason: 'forbidden', status: 403, message: 'cannot get pods/log in namespace shop: grant get on pods/log', resource: `pods/log shop/${POD} (container app, previous)` });
    const dep = e.errors.find((x) => x.resource.startsWith('deployments'))!;
    expect(dep.message).toBe('cannot get deployments.apps in namespace shop: grant get on deployments.apps');
  });

  it('404 on the target: "pod shop/x no longer exists", and its events are still returned', async () => {
    const gone = `${RS}-gqn2b`;
    server.store.add(coreEvent('gone.killing', 'Pod', gone, 'Killing', 'Normal', 'Stopping container app'));
    try {
      const e = await collect(podTarget(gone));
      expect(e.partial).toBe(true);
      expect(e.errors).toEqual([{ reason: 'gone', resource: `pods shop/${gone}`, message: `pod shop/${gone} no longer exists`, status: 404 }]);
      expect(names(e, 'Event')).toEqual(['gone.killing']);
      // Owner guesses that exist are still useful context; the missing pod plans no round 2.
      expect(names(e, 'Deployment')).toEqual(['cart']);
      expect(e.logs).toEqual([]);
    } finally {
      server.store.remove('Event', NS, 'gone.killing');
    }
  });

  it('a 404 on an owner guessed from the name is silent', async () => {
    server.inject({ match: { resource: 'deployments' }, action: { status: 404 } });
    const e = await collect(podTarget());
    expect(e.errors).toEqual([]);
    expect(names(e, 'Deployment')).toEqual([]);
  });

  it('429 with Retry-After that fits the deadline: waited out once, then read', async () => {
    server.inject({ match: { resource: 'pods', name: POD }, times: 1, action: { status: 429, retryAfterSeconds: 1 } });
    const e = await collect(podTarget(), {}, 5000);
    expect(e.errors).toEqual([]);
    expect(names(e, 'Pod')).toEqual([POD]);
    expect(resourceRequests('pods').filter((r) => r.name === POD).map((r) => r.status)).toEqual([429, 200]);
  });

  it('429 with a Retry-After beyond the deadline: reported, not waited', async () => {
    server.inject({ match: { resource: 'pods', name: POD }, action: { status: 429, retryAfterSeconds: 30 } });
    const started = Date.now();
    const e = await collect(podTarget(), { deadlineMs: 3000 }, 3000);
    expect(Date.now() - started).toBeLessThan(2500);
    expect(e.partial).toBe(true);
    expect(e.errors).toHaveLength(1);
    expect(e.errors[0]).toMatchObject({ reason: 'rate-limited', status: 429, resource: `pods shop/${POD}` });
    expect(e.errors[0]!.message).toMatch(/Retry-After 30s.*does not fit/);
    expect(names(e, 'Event').length).toBeGreaterThan(0);
  });

  it('500: server-error with the server message', async () => {
    server.inject({ match: { resource: 'services' }, action: { status: 500, message: 'etcdserver: request timed out' } });
    const e = await collect(podTarget());
    expect(e.partial).toBe(true);
    expect(e.errors).toEqual([{ reason: 'server-error', status: 500, resource: 'services in shop', message: 'the API server failed reading services in shop (HTTP 500): etcdserver: request timed out' }]);
    expect(e.logs).toHaveLength(1);
  });

  it('a hung request and a short deadline: collect() resolves with what it has, partial "timeout" naming the resource', async () => {
    server.inject({ match: { resource: 'services' }, action: { kind: 'hang' } });
    const started = Date.now();
    const e = await collect(podTarget(), {}, 400);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(e.partial).toBe(true);
    expect(names(e, 'Pod')).toEqual([POD]);
    expect(e.errors.some((x) => x.reason === 'timeout' && x.resource === 'services in shop')).toBe(true);
    // Round 2 started after the deadline: its fetches are named too.
    expect(e.errors.every((x) => x.reason === 'timeout')).toBe(true);
    expect(e.errors.some((x) => x.resource.startsWith('pods/log'))).toBe(true);
  });

  it('connection reset, refused connection and truncated JSON', async () => {
    server.inject({ match: { resource: 'services' }, action: { kind: 'reset' } });
    server.inject({ match: { resource: 'deployments' }, action: { kind: 'refuse' } });
    server.inject({ match: { resource: 'replicasets' }, action: { kind: 'truncated-json' } });
    const e = await collect(podTarget());
    expect(e.partial).toBe(true);
    const by = (prefix: string) => e.errors.find((x) => x.resource.startsWith(prefix));
    expect(by('services')).toMatchObject({ reason: 'unreachable' });
    expect(by('services')!.message).toMatch(/connection reset/);
    expect(by('deployments')).toMatchObject({ reason: 'unreachable' });
    expect(by('replicasets')).toMatchObject({ reason: 'invalid-response' });
    expect(by('replicasets')!.message).toMatch(/invalid response/);
    expect(names(e, 'Pod')).toEqual([POD]);
    expect(e.logs).toHaveLength(1);
  });

  it('an API server that is not listening: every fetch unreachable, no throw', async () => {
    const dead = await startKubeApiServer({ snapshot: { objects: [], logs: [] } });
    const kc = kubeConfigFor(dead);
    await dead.close();
    const e = await kubeEvidenceSource({ kubeConfig: kc }).session({ signal: AbortSignal.timeout(3000) }).collect(podTarget());
    expect(e.partial).toBe(true);
    expect(e.errors.length).toBeGreaterThan(0);
    expect(e.errors.every((x) => x.reason === 'unreachable')).toBe(true);
    expect(e.errors[0]!.message).toMatch(/connection refused/);
  });

  it('pods/log quirks: no node (204) and no previous instance (400) are not errors; kubelet dial errors and a gone node are', async () => {
    server.store.add(cartPod(`${RS}-nonde`, { node: null }));
    server.store.add(cartPod(`${RS}-nprev`));
    try {
      const a = await collect(podTarget(`${RS}-nonde`));
      expect(a.errors).toEqual([]);
      expect(a.logs).toEqual([]);
      expect(resourceRequests('pods/log').map((r) => r.status)).toEqual([204]);

      const b = await collect(podTarget(`${RS}-nprev`));
      expect(b.errors).toEqual([]);
      expect(b.logs).toEqual([]);

      server.inject({
        match: { resource: 'pods/log' },
        action: { status: 500, message: `Get "https://10.0.0.5:10250/containerLogs/shop/${POD}/app?previous=true": dial tcp 10.0.0.5:10250: connect: connection refused` },
      });
      const c = await collect(podTarget());
      expect(c.errors).toEqual([{ reason: 'unreachable', status: 500, resource: `pods/log shop/${POD} (container app, previous)`, message: expect.stringMatching(/^cannot read logs: kubelet on node node-1 unreachable/) }]);
      server.clearFaults();

      server.inject({ match: { resource: 'pods/log' }, action: { status: 404, message: 'pods "node-1" not found' } });
      const d = await collect(podTarget());
      expect(d.errors).toEqual([{ reason: 'not-found', status: 404, resource: `pods/log shop/${POD} (container app, previous)`, message: `cannot read logs of pod shop/${POD}: its node node-1 no longer exists` }]);
    } finally {
      server.store.remove('Pod', NS, `${RS}-nonde`);
      server.store.remove('Pod', NS, `${RS}-nprev`);
    }
  });
});

describe('kubeEvidenceSource: clusters and contexts', () => {
  it('an alert cluster label that is not in the map: every collect is partial "unknown-cluster"', async () => {
    const src = source({ clusters: { 'prod-eu': 'kubetriage-test', staging: 'kubetriage-test' } });
    const e = await src.session({ signal: AbortSignal.timeout(1000), cluster: 'prod-us' }).collect(podTarget());
    expect(e).toEqual({
      objects: [], logs: [], partial: true,
      errors: [{ reason: 'unknown-cluster', resource: `Pod shop/${POD}`, message: 'cluster "prod-us" is not in KUBETRIAGE_CLUSTERS; known: prod-eu, staging' }],
    });
    expect(server.requests).toEqual([]);
    const ok = await src.session({ signal: AbortSignal.timeout(5000), cluster: 'prod-eu' }).collect(podTarget());
    expect(ok.errors).toEqual([]);
  });

  it('maps cluster labels to their contexts', async () => {
    const other = await startKubeApiServer({ snapshot: { objects: [cartPod(POD)], logs: [] } });
    try {
      const kc = new KubeConfig();
      kc.loadFromString(server.kubeconfigYaml({ contextName: 'main' }));
      const second = new KubeConfig();
      second.loadFromString(other.kubeconfigYaml({ contextName: 'other' }));
      kc.mergeConfig(second);
      kc.setCurrentContext('main');
      const src = kubeEvidenceSource({ kubeConfig: kc, clusters: { a: 'main', b: 'other', c: 'missing' } });
      expect(src.description).toContain(server.url);
      const onB = await src.session({ signal: AbortSignal.timeout(5000), cluster: 'b' }).collect(podTarget());
      expect(names(onB, 'Pod')).toEqual([POD]);
      expect(names(onB, 'Deployment')).toEqual([]);
      expect(other.requests.length).toBeGreaterThan(0);
      expect(server.requests).toEqual([]);
      const onC = await src.session({ signal: AbortSignal.timeout(5000), cluster: 'c' }).collect(podTarget());
      expect(onC.errors[0]).toMatchObject({ reason: 'not-configured' });
      expect(onC.errors[0]!.message).toMatch(/context "missing" is not in the kubeconfig/);
    } finally {
      await other.close();
    }
  });

  it('reads over HTTPS with the generated CA', async () => {
    const secure = await startKubeApiServer({ snapshot: fixture(), tls: true, token: 'tls-token-123' });
    try {
      expect(secure.url).toMatch(/^https:/);
      const path = join(dir, 'tls.kubeconfig');
      secure.writeKubeconfig(path);
      const kc = loadKubeConfig({ KUBECONFIG: path });
      const e = await kubeEvidenceSource({ kubeConfig: kc }).session({ signal: AbortSignal.timeout(5000) }).collect(podTarget());
      expect(e.errors).toEqual([]);
      expect(names(e, 'Pod')).toEqual([POD]);
      expect(e.logs).toHaveLength(1);
      expect(secure.requests.every((r) => r.status === 200)).toBe(true);
    } finally {
      await secure.close();
    }
  });

  it('loadKubeConfig: $KUBECONFIG first (several files merged), and a readable error when nothing is configured', () => {
    const a = join(dir, 'a.kubeconfig');
    const b = join(dir, 'b.kubeconfig');
    writeFileSync(a, server.kubeconfigYaml({ contextName: 'ctx-a' }));
    writeFileSync(b, server.kubeconfigYaml({ contextName: 'ctx-b' }));
    const kc = loadKubeConfig({ KUBECONFIG: `${a}:${b}` });
    expect(kc.getCurrentContext()).toBe('ctx-a');
    expect(kc.getContexts().map((c) => c.name).sort()).toEqual(['ctx-a', 'ctx-b']);
    expect(loadKubeConfig({ KUBECONFIG: `${join(dir, 'missing')}:${b}` }).getCurrentContext()).toBe('ctx-b');
    expect(() => loadKubeConfig({ HOME: join(dir, 'nowhere') })).toThrow(/no Kubernetes configuration found/);
  });
});

describe('kubeEvidenceSource: other targets', () => {
  it('Deployment: object, events, pods by selector, ReplicaSets, then logs of one pod per distinct failure (3 rounds)', async () => {
    server.setLatency(100);
    const e = await collect({ kind: 'Deployment', namespace: NS, name: 'cart' });
    expect(e.errors).toEqual([]);
    expect(names(e, 'Deployment')).toEqual(['cart']);
    expect(names(e, 'ReplicaSet')).toEqual([RS]);
    expect(names(e, 'Pod')).toHaveLength(20);
    // All 20 pods fail the same way: one log.
    expect(e.logs).toHaveLength(1);
    const podLists = resourceRequests('pods').filter((r) => r.verb === 'list');
    expect(podLists.map((r) => r.query['labelSelector'])).toEqual(['app=cart']);
    expect(criticalPath(server.requests, 100)).toBe(3);
  });

  it('Node: node, events, and the pods on it through spec.nodeName', async () => {
    const e = await collect({ kind: 'Node', name: 'node-1' });
    expect(e.errors).toEqual([]);
    expect(names(e, 'Node')).toEqual(['node-1']);
    expect(names(e, 'Event')).toEqual(['node.notready']);
    expect(names(e, 'Pod')).toHaveLength(20);
    const podList = resourceRequests('pods')[0]!;
    expect(podList.path).toBe('/api/v1/pods');
    expect(podList.query).toMatchObject({ fieldSelector: 'spec.nodeName=node-1', limit: '200' });
  });

  it('StatefulSet pod: the StatefulSet guessed from the ordinal, the claim and the StorageClasses', async () => {
    const e = await collect(podTarget('postgres-0'));
    expect(e.errors).toEqual([]);
    expect(names(e, 'StatefulSet')).toEqual(['postgres']);
    expect(names(e, 'PersistentVolumeClaim')).toEqual(['data-postgres-0']);
    expect(names(e, 'StorageClass')).toEqual(['standard']);
    expect(names(e, 'Event')).toEqual(['pg.sched']);
  });

  it('Service: the service, its EndpointSlices and Endpoints, and the selected pods', async () => {
    const e = await collect({ kind: 'Service', namespace: NS, name: 'cart' });
    expect(e.errors).toEqual([]);
    expect(names(e, 'EndpointSlice')).toEqual(['cart-abcde']);
    expect(names(e, 'Pod')).toHaveLength(20);
  });

  it('an unknown target kind is reported, not thrown', async () => {
    const e = await collect({ kind: 'Ingress', namespace: NS, name: 'web' });
    expect(e.errors[0]).toMatchObject({ reason: 'invalid-target' });
    expect(server.requests).toEqual([]);
  });
});

describe('kubeEvidenceSource: answers shared across requests', () => {
  const session = (src: ReturnType<typeof source>, deadlineMs = 10_000) => src.session({ signal: AbortSignal.timeout(deadlineMs) });
  const podGets = () => server.requests.filter((r) => r.resource === 'pods' && r.name === POD).length;

  it('a second request within the TTL reads nothing and gets the same evidence', async () => {
    const src = source();
    const first = await session(src).collect(podTarget());
    expect(first.errors).toEqual([]);
    expect(server.requests.length).toBeGreaterThan(5);
    server.resetRequests();
    const second = await session(src).collect(podTarget());
    expect(server.requests).toEqual([]);
    expect(second).toEqual(first);
  });

  it('requests at the same time join the fetches in flight: two groups cost one group\'s calls', async () => {
    const src = source();
    const pods = [POD, ...siblingNames];
    const [a, b] = await Promise.all([0, 1].map(() => {
      const s = session(src);
      return Promise.all(pods.map((p) => s.collect(podTarget(p))));
    }));
    expect(a).toEqual(b);
    // As for one session (the test above): 4 per pod, 6 shared.
    expect(server.requests).toHaveLength(20 * 4 + 6);
  });

  it('reads again once the TTL has passed (injected clock)', async () => {
    let now = 1_000_000;
    const src = source({ cacheTtlMs: 2000, now: () => now });
    await session(src).collect(podTarget());
    const calls = server.requests.length;
    server.resetRequests();
    now += 1999;
    await session(src).collect(podTarget());
    expect(server.requests).toEqual([]);
    now += 1;
    await session(src).collect(podTarget());
    expect(server.requests).toHaveLength(calls);
  });

  it('failures are not kept: the next request reads what failed, and only that', async () => {
    const src = source();
    server.inject({ match: { resource: 'pods', name: POD }, times: 1, action: { status: 500, message: 'etcdserver: leader changed' } });
    const failed = await session(src).collect(podTarget());
    expect(failed.partial).toBe(true);
    expect(failed.errors.map((e) => e.reason)).toEqual(['server-error']);
    server.resetRequests();
    const next = await session(src).collect(podTarget());
    expect(next.errors).toEqual([]);
    expect(names(next, 'Pod')).toEqual([POD]);
    expect(podGets()).toBe(1);
    // The pod's events answered the first time: kept, not read again.
    expect(server.requests.filter((r) => r.query['fieldSelector']?.includes(`=${POD},`))).toEqual([]);
  });

  it('a request that gives up does not cut the fetch short for one that joined it', async () => {
    const src = source();
    server.inject({ match: { resource: 'pods', name: POD }, action: { kind: 'latency', ms: 400 } });
    const impatient = session(src, 20).collect(podTarget());
    const patient = session(src).collect(podTarget());
    const [gaveUp, got] = await Promise.all([impatient, patient]);
    expect(gaveUp.errors.some((e) => e.reason === 'timeout')).toBe(true);
    expect(got.errors).toEqual([]);
    expect(names(got, 'Pod')).toEqual([POD]);
    expect(podGets()).toBe(1);
  });

  it('a hung read is torn down at its deadline, so a later request reads again instead of joining it', async () => {
    const src = source({ deadlineMs: 300 });
    server.inject({ match: { resource: 'pods', name: POD }, times: 1, action: { kind: 'hang' } });
    const hung = await session(src, 300).collect(podTarget());
    expect(hung.errors.some((e) => e.reason === 'timeout' && e.resource === `pods ${NS}/${POD}`)).toBe(true);
    // The shared fetch ran under its own 300 ms deadline; once that aborted the request, the fetch
    // settled (a failure, not kept) and left the in-flight table.
    await new Promise((r) => setTimeout(r, 100));
    const next = await session(src).collect(podTarget());
    expect(next.errors).toEqual([]);
    expect(names(next, 'Pod')).toEqual([POD]);
    expect(podGets()).toBe(2);
  });

  it('cacheTtlMs: 0 turns it off: every request reads again (its own alerts still share)', async () => {
    const src = source({ cacheTtlMs: 0 });
    await session(src).collect(podTarget());
    const calls = server.requests.length;
    server.resetRequests();
    const s = session(src);
    await Promise.all([s.collect(podTarget()), s.collect(podTarget())]);
    expect(server.requests).toHaveLength(calls);
  });
});

describe('answerCache', () => {
  const object = (name: string): FetchResult => ({ state: 'object', object: { apiVersion: 'v1', kind: 'Pod', metadata: { name } } });

  it('keeps answers for ttlMs; failures and answers larger than the budget are never kept', () => {
    let now = 0;
    const c = answerCache({ ttlMs: 100, maxEntries: 10, maxBytes: 1000, now: () => now });
    c.set('a', object('a'), 10);
    c.set('gone', { state: 'absent', status: 404 }, 10);
    c.set('failed', { state: 'failed', reason: 'server-error', message: 'HTTP 500' }, 10);
    c.set('huge', object('huge'), 1001);
    expect(c.get('a')).toEqual(object('a'));
    expect(c.get('gone')).toEqual({ state: 'absent', status: 404 });
    expect(c.get('failed')).toBeUndefined();
    expect(c.get('huge')).toBeUndefined();
    expect([c.size, c.bytes]).toEqual([2, 20]);
    now = 99;
    expect(c.get('a')).toBeDefined();
    now = 100;
    expect(c.get('a')).toBeUndefined();
    expect([c.size, c.bytes]).toEqual([1, 10]);
  });

  it('gives each hit its own copy: what one reader changes, the next does not see', () => {
    const c = answerCache({ ttlMs: 1000, maxEntries: 10, maxBytes: 1000, now: () => 0 });
    const log: FetchResult = { state: 'log', lines: ['a', 'b'], truncated: false };
    c.set('pod', object('p'), 10);
    c.set('log', log, 10);
    const first = c.get('pod') as Extract<FetchResult, { state: 'object' }>;
    (first.object['metadata'] as Record<string, unknown>)['name'] = 'changed';
    expect(c.get('pod')).toEqual(object('p'));
    expect(c.get('pod')).not.toBe(c.get('pod'));
    expect(c.get('log')).toEqual(log);
  });

  it('is bounded by entries and bytes, evicting the oldest first', () => {
    const c = answerCache({ ttlMs: 1000, maxEntries: 3, maxBytes: 100, now: () => 0 });
    for (const k of ['a', 'b', 'c', 'd']) c.set(k, object(k), 10);
    expect(['a', 'b', 'c', 'd'].map((k) => c.get(k) !== undefined)).toEqual([false, true, true, true]);
    // 30 + 85 > 100: b, then c go; d fits beside it.
    c.set('big', object('big'), 85);
    expect(['b', 'c', 'd', 'big'].map((k) => c.get(k) !== undefined)).toEqual([false, false, true, true]);
    expect([c.size, c.bytes]).toEqual([2, 95]);
    // Replacing a key does not count it twice.
    c.set('big', object('big'), 85);
    expect([c.size, c.bytes]).toEqual([2, 95]);
  });
});

describe('withKeepAlive', () => {
  it("gives client-node's agent keep-alive with the same TLS options, once per agent; other agents are left alone", async () => {
    const secure = await startKubeApiServer({ snapshot: { objects: [], logs: [] }, tls: true });
    try {
      const kc = kubeConfigFor(secure);
      const opts: { agent?: unknown } = {};
      await kc.applyToHTTPSOptions(opts as never);
      const theirs = opts.agent as https.Agent;
      expect(theirs).toBeInstanceOf(https.Agent);
      const ours = withKeepAlive(theirs) as https.Agent & { keepAlive: boolean; options: https.AgentOptions };
      expect(ours).not.toBe(theirs);
      expect(ours).toBeInstanceOf(https.Agent);
      expect(ours.keepAlive).toBe(true);
      expect(ours.options.ca).toBe((theirs as unknown as { options: https.AgentOptions }).options.ca);
      expect(withKeepAlive(theirs)).toBe(ours);
      const proxy = new (class ProxyAgent extends http.Agent {})();
      expect(withKeepAlive(proxy)).toBe(proxy);
      expect(withKeepAlive(undefined)).toBeUndefined();
    } finally {
      await secure.close();
    }
  });
});

