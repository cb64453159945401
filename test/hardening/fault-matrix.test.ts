// The fault matrix: for each kind of evidence the live reader fetches for a crash-looping pod,
// every fault the API double can inject, through POST /v1/alertmanager with the client-node
// reader and a short deadline. Every alert comes back, within the deadline, marked partial with
// a readable reason naming what could not be read; the service stays healthy.
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import type { EvidenceErrorReason } from '../../src/evidence/source.ts';
import { kubeEvidenceSource } from '../../src/evidence/kube-reader.ts';
import { startKubeApiServer, type FaultAction, type FaultMatch, type KubeApiServer, type KubeObjectLike, type PodLogFixture } from '../support/kube-api-server.ts';

const DEADLINE_MS = 1500;
/** Scheduling slack on a loaded 2-core machine; a request that ignored the deadline would hang far longer (the double never answers a hang). */
const MARGIN_MS = 3000;
const POD = 'cart-7d9f8b6c5d-x2x9k';

interface FaultCase { name: string; action: FaultAction; reasons: EvidenceErrorReason[]; status?: number }
const FAULTS: FaultCase[] = [
  { name: '401', action: { status: 401 }, reasons: ['unauthorized'], status: 401 },
  { name: '403', action: { status: 403 }, reasons: ['forbidden'], status: 403 },
  { name: '404', action: { status: 404 }, reasons: ['gone', 'not-found'], status: 404 },
  { name: '409', action: { status: 409 }, reasons: ['conflict'], status: 409 },
  // Retry-After 1 s fits the 1.5 s deadline: waited out once, then the second 429 is reported.
  { name: '429 with Retry-After', action: { status: 429, retryAfterSeconds: 1 }, reasons: ['rate-limited', 'timeout'] },
  { name: '500', action: { status: 500 }, reasons: ['server-error'], status: 500 },
  { name: '503', action: { status: 503 }, reasons: ['server-error'], status: 503 },
  { name: 'connection refused', action: { kind: 'refuse' }, reasons: ['unreachable'] },
  { name: 'reset mid-body', action: { kind: 'reset' }, reasons: ['unreachable'] },
  { name: 'hang', action: { kind: 'hang' }, reasons: ['timeout'] },
  { name: 'slow drip', action: { kind: 'drip', bytesPerSecond: 10 }, reasons: ['timeout'] },
  { name: 'truncated JSON', action: { kind: 'truncated-json' }, reasons: ['invalid-response'] },
];

interface EvidenceKind {
  name: string;
  /** The fault's match within one case's namespace (and node). */
  match: (ns: string, node: string) => FaultMatch;
  /** How the reader names the resource in EvidenceError.resource (its first word). */
  resource: RegExp;
  /** 404s that are not failures, by design: owner guesses and EndpointSlices are optional, a 404 on pods/log means no log. */
  silent404?: boolean;
  /** A list of the whole cluster: one case at a time, since every case reads the same path. */
  clusterWide?: boolean;
  /** A text body (pods/log): cut short it is still a log, only shorter; nothing tells the reader. */
  text?: boolean;
}
const KINDS: EvidenceKind[] = [
  { name: 'pod get (the target)', match: (ns) => ({ resource: 'pods', namespace: ns, name: POD }), resource: /^pods$/ },
  { name: 'events (core and events.k8s.io)', match: (ns) => ({ resource: 'events', namespace: ns }), resource: /^events(\.events\.k8s\.io)?$/ },
  { name: 'pods/log (previous)', match: (ns) => ({ resource: 'pods/log', namespace: ns }), resource: /^pods\/log$/, silent404: true, text: true },
  { name: 'owner ReplicaSet', match: (ns) => ({ resource: 'replicasets', namespace: ns }), resource: /^replicasets\.apps$/, silent404: true },
  { name: 'owner Deployment', match: (ns) => ({ resource: 'deployments', namespace: ns }), resource: /^deployments\.apps$/, silent404: true },
  { name: 'node', match: (_ns, node) => ({ resource: 'nodes', name: node }), resource: /^nodes$/ },
  { name: 'services', match: (ns) => ({ resource: 'services', namespace: ns }), resource: /^services$/ },
  { name: 'endpointslices', match: (ns) => ({ resource: 'endpointslices', namespace: ns }), resource: /^endpointslices\.discovery\.k8s\.io$/, silent404: true },
  { name: 'persistentvolumeclaims', match: (ns) => ({ resource: 'persistentvolumeclaims', namespace: ns }), resource: /^persistentvolumeclaims$/ },
  { name: 'storageclasses', match: () => ({ resource: 'storageclasses' }), resource: /^storageclasses\.storage\.k8s\.io$/, clusterWide: true },
];

/** A crash-looping pod of Deployment cart in its own namespace and on its own node, with everything the planner reads for it. */
function world(ns: string, node: string): { objects: KubeObjectLike[]; logs: PodLogFixture[] } {
  const labels = { app: 'cart', 'pod-template-hash': '7d9f8b6c5d' };
  const at = '2026-11-21T09:00:00Z';
  return {
    objects: [
      { apiVersion: 'v1', kind: 'Node', metadata: { name: node, uid: `uid-${node}` }, spec: {}, status: { conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: at }] } },
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'cart', namespace: ns, uid: `uid-${ns}-deploy` }, spec: { replicas: 1, selector: { matchLabels: { app: 'cart' } } }, status: { replicas: 1, availableReplicas: 0 } },
      { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'cart-7d9f8b6c5d', namespace: ns, uid: `uid-${ns}-rs`, labels, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'cart', uid: `uid-${ns}-deploy`, controller: true }] }, spec: { replicas: 1, selector: { matchLabels: labels } }, status: { replicas: 1 } },
      {
        apiVersion: 'v1', kind: 'Pod',
        metadata: { name: POD, namespace: ns, uid: `uid-${ns}-pod`, labels, creationTimestamp: at, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'cart-7d9f8b6c5d', uid: `uid-${ns}-rs`, controller: true }] },
        spec: { nodeName: node, containers: [{ name: 'app', image: 'registry.example/cart:2.1' }], volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }] },
        status: {
          phase: 'Running',
          containerStatuses: [{ name: 'app', ready: false, restartCount: 5, image: 'registry.example/cart:2.1', state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { reason: 'OOMKilled', exitCode: 137, finishedAt: at } } }],
        },
      },
      { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', namespace: ns }, spec: { storageClassName: 'standard', volumeName: `pv-${ns}` }, status: { phase: 'Bound' } },
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'cart', namespace: ns }, spec: { selector: { app: 'cart' }, ports: [{ port: 80, targetPort: 8080 }] } },
      { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'cart-abcde', namespace: ns, labels: { 'kubernetes.io/service-name': 'cart' } }, addressType: 'IPv4', endpoints: [], ports: [{ port: 8080 }] },
      {
        apiVersion: 'v1', kind: 'Event', metadata: { name: `${POD}.backoff`, namespace: ns, uid: `uid-${ns}-ev` },
        involvedObject: { kind: 'Pod', name: POD, namespace: ns, apiVersion: 'v1' }, reason: 'BackOff', type: 'Warning',
        message: 'Back-off restarting failed container app', count: 4, firstTimestamp: at, lastTimestamp: at, source: { component: 'kubelet' },
      },
    ],
    logs: [{ namespace: ns, pod: POD, container: 'app', previous: true, text: 'warming cache\nrss=249MiB\n' }],
  };
}

type Alert = { status: string; labels: Record<string, string>; kubetriage: { partial: boolean; errors: Array<{ reason: string; resource: string; message: string; status?: number }> }; annotations: Record<string, string> };

function post(app: ReturnType<typeof createApp>, ns: string) {
  const body = JSON.stringify({
    version: '4', status: 'firing', groupKey: `{}:{namespace="${ns}"}`,
    alerts: [{ status: 'firing', labels: { alertname: 'KubePodCrashLooping', namespace: ns, pod: POD, container: 'app' }, annotations: {}, startsAt: '2026-11-21T09:20:00Z', fingerprint: `fp-${ns}` }],
  });
  return app.request('/v1/alertmanager', { method: 'POST', body, headers: { 'content-type': 'application/json' } });
}

/** A reason an on-call engineer can read: a sentence about the resource, no object dumps, no stack. */
function expectReadable(e: { reason: string; resource: string; message: string }): void {
  expect(e.message.length).toBeGreaterThan(15);
  expect(e.message).not.toMatch(/\[object |undefined|\n\s+at |NaN/);
  expect(e.resource.length).toBeGreaterThan(0);
}

let api: KubeApiServer;
let kc: KubeConfig;
/** A reader of its own, so that no answer comes from another case (readers may keep answers for a while). */
const freshApp = () => createApp({
  // The client-side rate limit is raised so that it never stands in for the faults under test.
  evidence: kubeEvidenceSource({ kubeConfig: kc, deadlineMs: DEADLINE_MS, qps: 10_000, burst: 10_000 }),
  openapiYaml: '',
  deadlineMs: DEADLINE_MS,
});
let app: ReturnType<typeof createApp>;
const cases = KINDS.flatMap((kind, k) => FAULTS.map((fault, f) => ({ kind, fault, ns: `fm-${k}-${f}`, node: `node-fm-${k}-${f}` })));

beforeAll(async () => {
  const worlds = [...cases.map((c) => world(c.ns, c.node)), world('fm-control', 'node-fm-control')];
  api = await startKubeApiServer({
    snapshot: {
      objects: [{ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'standard' }, provisioner: 'kubernetes.io/no-provisioner' }, ...worlds.flatMap((w) => w.objects)],
      logs: worlds.flatMap((w) => w.logs),
    },
  });
  kc = new KubeConfig();
  kc.loadFromString(api.kubeconfigYaml());
  app = freshApp();
});
afterAll(() => api.close());

describe(`fault matrix: ${KINDS.length} evidence kinds × ${FAULTS.length} faults through POST /v1/alertmanager (deadline ${DEADLINE_MS} ms)`, () => {
  it.each(KINDS.map((k) => [k.name, k] as const))('%s', async (_, kind) => {
    const mine = cases.filter((c) => c.kind === kind);
    const kindApp = freshApp();
    const run = async (c: (typeof cases)[number]) => {
      const remove = api.inject({ match: c.kind.match(c.ns, c.node), action: c.fault.action });
      // One case after the other reads the same cluster-wide path: a reader of its own each time, so
      // none joins a fetch that the previous case left in flight (a hang runs to its own deadline).
      const caseApp = kind.clusterWide ? freshApp() : kindApp;
      const started = performance.now();
      try {
        const res = await post(caseApp, c.ns);
        return { c, res, elapsed: performance.now() - started, body: (await res.json()) as { alerts: Alert[] } };
      } finally {
        remove();
      }
    };
    const results = kind.clusterWide ? [] : await Promise.all(mine.map(run));
    if (kind.clusterWide) for (const c of mine) results.push(await run(c));

    for (const { c, res, elapsed, body } of results) {
      const label = `${kind.name} × ${c.fault.name}`;
      // The fault was really served to the reader.
      expect(api.requests.some((r) => r.fault !== undefined && r.fault !== 'latency' && (kind.clusterWide || r.namespace === c.ns || r.name === c.node)), label).toBe(true);
      // Every alert comes back, within the deadline.
      expect(res.status, label).toBe(200);
      expect(body.alerts, label).toHaveLength(1);
      expect(elapsed, label).toBeLessThan(DEADLINE_MS + MARGIN_MS);
      const a = body.alerts[0]!;
      expect(a.annotations['kubetriage_diagnosis'], label).toBeTypeOf('string');
      for (const e of a.kubetriage.errors) expectReadable(e);
      if ((c.fault.name === '404' && kind.silent404) || (c.fault.name === 'truncated JSON' && kind.text)) {
        expect(a.kubetriage.errors.filter((e) => kind.resource.test(e.resource.split(' ')[0]!)), label).toEqual([]);
        continue;
      }
      // Required evidence that could not be read: partial, with the reason naming it.
      expect(a.kubetriage.partial, label).toBe(true);
      expect(a.annotations['kubetriage_partial'], label).toBeTypeOf('string');
      const timeout = c.fault.reasons.includes('timeout');
      const named = a.kubetriage.errors.filter((e) => kind.resource.test(e.resource.split(' ')[0]!) || (timeout && e.reason === 'timeout'));
      expect(named.length, `${label}: ${JSON.stringify(a.kubetriage.errors)}`).toBeGreaterThan(0);
      expect(c.fault.reasons, `${label}: ${JSON.stringify(named)}`).toContain(named[0]!.reason);
      if (c.fault.status !== undefined && !timeout) expect(named.some((e) => e.status === c.fault.status), label).toBe(true);
    }
  }, 60_000);

  it('afterwards the service is healthy and reads a clean namespace in full', async () => {
    const health = await app.request('/healthz');
    expect(health.status).toBe(200);
    const a = ((await (await post(app, 'fm-control')).json()) as { alerts: Alert[] }).alerts[0]!;
    expect(a.kubetriage.errors).toEqual([]);
    expect(a.kubetriage.partial).toBe(false);
    expect(a.annotations['kubetriage_diagnosis']).toBe('crashloop.oom');
  });

  it('an API server that is not listening at all (connection refused): every alert partial "unreachable", within the deadline', async () => {
    const dead = await startKubeApiServer({ snapshot: { objects: [], logs: [] } });
    const kc = new KubeConfig();
    kc.loadFromString(dead.kubeconfigYaml());
    await dead.close();
    const deadApp = createApp({ evidence: kubeEvidenceSource({ kubeConfig: kc, deadlineMs: DEADLINE_MS }), openapiYaml: '', deadlineMs: DEADLINE_MS });
    const started = performance.now();
    const res = await post(deadApp, 'shop');
    expect(performance.now() - started).toBeLessThan(DEADLINE_MS + MARGIN_MS);
    expect(res.status).toBe(200);
    const a = ((await res.json()) as { alerts: Alert[] }).alerts[0]!;
    expect(a.kubetriage.partial).toBe(true);
    expect(a.kubetriage.errors.length).toBeGreaterThan(0);
    for (const e of a.kubetriage.errors) {
      expect(e.reason).toBe('unreachable');
      expect(e.message).toMatch(/connection refused/);
      expectReadable(e);
    }
    expect((await deadApp.request('/healthz')).status).toBe(200);
  });
});
