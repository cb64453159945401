import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startKubeApiServer, type ClusterSnapshot, type KubeApiServer, type KubeObjectLike } from '../../test/support/kube-api-server.ts';
import type { Target } from '../core/types.ts';
import { fetchEvidenceSource, type FetchEvidenceOptions } from './fetch-reader.ts';
import { kubeEvidenceSource } from './kube-reader.ts';
import type { CollectedEvidence } from './source.ts';

const NS = 'shop';
const RS = 'cart-7d9f8b6c5d';
const POD = `${RS}-x2x9k`;
const TOKEN = 'fetch-reader-test-token-0123456789';
const LOG = ['starting cart 2.1', 'loading config', 'Error: connect ECONNREFUSED 10.0.0.12:5432', 'exiting with code 1'];

function fixture(): ClusterSnapshot {
  const event = (name: string, kind: string, involved: string, reason: string, message: string): KubeObjectLike => ({
    apiVersion: 'v1', kind: 'Event',
    metadata: { name, namespace: NS, uid: `uid-${name}` },
    involvedObject: { kind, name: involved, namespace: NS },
    reason, type: 'Warning', message, count: 4,
    firstTimestamp: '2024-05-01T10:00:00Z', lastTimestamp: '2024-05-01T10:04:00Z',
  });
  return {
    objects: [
      { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-1', uid: 'uid-node-1' }, status: { conditions: [{ type: 'Ready', status: 'True' }] } },
      {
        apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'cart', namespace: NS, uid: 'uid-deploy' },
        spec: { replicas: 1, selector: { matchLabels: { app: 'cart' } }, template: { metadata: { labels: { app: 'cart' } }, spec: { containers: [{ name: 'app' }] } } },
      },
      {
        apiVersion: 'apps/v1', kind: 'ReplicaSet',
        metadata: { name: RS, namespace: NS, uid: 'uid-rs', labels: { app: 'cart' }, ownerReferences: [{ kind: 'Deployment', name: 'cart', uid: 'uid-deploy', controller: true }] },
        spec: { replicas: 1, selector: { matchLabels: { app: 'cart', 'pod-template-hash': '7d9f8b6c5d' } } },
      },
      {
        apiVersion: 'v1', kind: 'Pod',
        metadata: {
          name: POD, namespace: NS, uid: 'uid-pod', labels: { app: 'cart', 'pod-template-hash': '7d9f8b6c5d' },
          ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: RS, uid: 'uid-rs', controller: true }],
        },
        spec: {
          nodeName: 'node-1',
          containers: [{ name: 'app', image: 'registry.example/cart:2.1' }],
          volumes: [{ name: 'creds', secret: { secretName: 'cart-db' } }, { name: 'cfg', configMap: { name: 'cart-config' } }],
        },
        status: {
          phase: 'Running',
          containerStatuses: [{
            name: 'app', ready: false, restartCount: 5,
            state: { waiting: { reason: 'CrashLoopBackOff' } },
            lastState: { terminated: { reason: 'Error', exitCode: 1 } },
          }],
        },
      },
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'cart', namespace: NS }, spec: { selector: { app: 'cart' } } },
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'cart-db', namespace: NS }, data: { password: 'aHVudGVyMg==' } },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cart-config', namespace: NS }, data: { DB_HOST: 'db' } },
      event('cart.backoff', 'Pod', POD, 'BackOff', 'Back-off restarting failed container app'),
      event('deploy.scale', 'Deployment', 'cart', 'ScalingReplicaSet', `Scaled up replica set ${RS} to 1`),
    ],
    logs: [{ namespace: NS, pod: POD, container: 'app', previous: true, text: `${LOG.join('\n')}\n` }],
  };
}

let server: KubeApiServer;

beforeAll(async () => {
  server = await startKubeApiServer({ snapshot: fixture(), token: TOKEN });
});
afterAll(async () => {
  await server.close();
});
afterEach(() => {
  server.clearFaults();
  server.resetRequests();
});

const podTarget: Target = { kind: 'Pod', namespace: NS, name: POD };
const source = (extra: Partial<FetchEvidenceOptions> = {}) => fetchEvidenceSource({ server: server.url, token: TOKEN, ...extra });
const collect = (target: Target, extra: Partial<FetchEvidenceOptions> = {}) =>
  source(extra).session({ signal: AbortSignal.timeout(10_000) }).collect(target);
const names = (e: CollectedEvidence, kind: string) => e.objects.filter((o) => o.kind === kind).map((o) => (o.metadata as { name: string }).name).sort();

describe('fetchEvidenceSource', () => {
  it('reads a crash-looping pod: the pod, its events, owners, node and previous log', async () => {
    const e = await collect(podTarget);
    expect(e.errors).toEqual([]);
    expect(e.partial).toBe(false);
    expect(names(e, 'Pod')).toEqual([POD]);
    expect(names(e, 'ReplicaSet')).toEqual([RS]);
    expect(names(e, 'Deployment')).toEqual(['cart']);
    expect(names(e, 'Node')).toEqual(['node-1']);
    // The same event arrives through core/v1 and events.k8s.io/v1: kept once.
    expect(e.objects.filter((o) => o.kind === 'Event').map((o) => (o.metadata as { uid: string }).uid).sort()).toEqual(['uid-cart.backoff', 'uid-deploy.scale']);
    expect(e.logs).toEqual([{ namespace: NS, pod: POD, container: 'app', previous: true, lines: LOG }]);

    // Every request was an authenticated GET (the double answers 401 otherwise), never for Secrets or ConfigMaps.
    expect(server.requests.length).toBeGreaterThan(0);
    expect(new Set(server.requests.map((r) => `${r.method} ${r.status}`))).toEqual(new Set(['GET 200']));
    expect(server.requests.filter((r) => /secrets|configmaps/.test(r.path))).toEqual([]);
    const log = server.requests.find((r) => r.resource === 'pods/log');
    expect(log?.query).toMatchObject({ container: 'app', previous: 'true', tailLines: '200', limitBytes: String(65_536 * 4) });
  });

  it('returns the same evidence and errors as the live reader (@kubernetes/client-node) for the same targets', async () => {
    const kc = new KubeConfig();
    kc.loadFromString(server.kubeconfigYaml());
    // Fetch by fetch, so without the live reader's cross-request cache (the faults below come later).
    const live = kubeEvidenceSource({ kubeConfig: kc, cacheTtlMs: 0 });
    const targets: Target[] = [podTarget, { kind: 'Deployment', namespace: NS, name: 'cart' }, { kind: 'Pod', namespace: NS, name: 'gone-123' }, { kind: 'Node', name: 'node-1' }];
    const compare = async (when: string) => {
      for (const target of targets) {
        const viaFetch = await collect(target);
        const viaClient = await live.session({ signal: AbortSignal.timeout(10_000) }).collect(target);
        expect(viaFetch, `${when}: ${target.kind} ${target.name}`).toEqual(viaClient);
      }
    };
    await compare('healthy');
    // Failures too: an RBAC denial on logs, a broken events.k8s.io, a missing node.
    server.inject({ match: { resource: 'pods/log' }, action: { status: 403, message: `pods "${POD}" is forbidden: User "u" cannot get resource "pods/log" in API group "" in the namespace "${NS}"` } });
    server.inject({ match: { path: /events\.k8s\.io/ }, action: { status: 500, message: 'etcdserver: request timed out' } });
    server.inject({ match: { resource: 'nodes' }, action: { status: 404, message: 'nodes "node-1" not found' } });
    await compare('faults');
    // (events.k8s.io failing is not an error: core/v1 answered for the same events.)
    expect((await collect(podTarget)).errors.map((x) => `${x.reason} ${x.resource}`)).toEqual([
      `forbidden pods/log ${NS}/${POD} (container app, previous)`,
      'not-found nodes node-1',
    ]);
  });

  it('applies tailLines and limitBytes on the server and keeps the newest lines', async () => {
    const e = await collect(podTarget, { tailLines: 2 });
    expect(e.logs[0]?.lines).toEqual(LOG.slice(-2));
    expect(server.requests.find((r) => r.resource === 'pods/log')?.query['tailLines']).toBe('2');
  });

  it('reads each resource once per session, across the alerts of a group', async () => {
    const session = source().session({ signal: AbortSignal.timeout(10_000) });
    const first = await session.collect(podTarget);
    const count = server.requests.length;
    const second = await session.collect(podTarget);
    expect(second).toEqual(first);
    expect(server.requests.length).toBe(count);
  });

  it('maps a wrong token to unauthorized', async () => {
    const e = await collect(podTarget, { token: 'wrong-token' });
    expect(e.partial).toBe(true);
    expect(e.objects).toEqual([]);
    expect(new Set(e.errors.map((x) => x.reason))).toEqual(new Set(['unauthorized']));
    expect(e.errors[0]?.message).toMatch(/401/);
  });

  it('maps an RBAC denial on pods/log to a readable forbidden error, and keeps the rest', async () => {
    server.inject({
      match: { resource: 'pods/log' },
      action: { status: 403, message: `pods "${POD}" is forbidden: User "system:serviceaccount:monitoring:kubetriage" cannot get resource "pods/log" in API group "" in the namespace "${NS}"` },
    });
    const e = await collect(podTarget);
    expect(e.partial).toBe(true);
    expect(e.errors).toEqual([expect.objectContaining({ reason: 'forbidden', status: 403, message: `cannot get pods/log in namespace ${NS}: grant get on pods/log` })]);
    expect(names(e, 'Pod')).toEqual([POD]);
    expect(e.logs).toEqual([]);
  });

  it('reports a missing target as gone', async () => {
    const e = await collect({ kind: 'Pod', namespace: NS, name: 'nope-7d9f8b6c5d-abcde' });
    expect(e.errors.map((x) => x.reason)).toContain('gone');
  });

  it('maps a dead server to unreachable and a hung one to timeout', async () => {
    const dead = await startKubeApiServer({ snapshot: { objects: [], logs: [] } });
    const url = dead.url;
    await dead.close();
    const down = await fetchEvidenceSource({ server: url, token: TOKEN }).session({ signal: AbortSignal.timeout(10_000) }).collect(podTarget);
    expect(down.errors.length).toBeGreaterThan(0);
    expect(new Set(down.errors.map((x) => x.reason))).toEqual(new Set(['unreachable']));

    server.inject({ match: { resource: 'pods', name: POD }, action: { kind: 'hang' } });
    const controller = new AbortController();
    const pending = source().session({ signal: controller.signal }).collect(podTarget);
    while (!server.requests.some((r) => r.resource === 'pods' && r.name === POD)) await new Promise((r) => setTimeout(r, 5));
    controller.abort(new DOMException('deadline', 'TimeoutError'));
    const hung = await pending;
    expect(hung.errors).toContainEqual(expect.objectContaining({ reason: 'timeout', resource: `pods ${NS}/${POD}` }));
  });

  it('stops at its request budget and says so', async () => {
    const e = await collect({ kind: 'Deployment', namespace: NS, name: 'cart' }, { maxRequests: 2 });
    expect(server.requests).toHaveLength(2);
    expect(e.partial).toBe(true);
    expect(e.errors.some((x) => x.reason === 'rate-limited' && /budget of 2 API requests/.test(x.message))).toBe(true);
  });

  it('sends the token only to the configured server and follows no redirect', async () => {
    const calls: Array<{ url: string; init: RequestInit | undefined }> = [];
    const fakeFetch = (async (url: string | URL | Request, init?: RequestInit) => {
      calls.push({ url: String(url), init });
      return new Response(null, { status: 302, headers: { location: 'https://elsewhere.example/' } });
    }) as typeof fetch;
    const e = await fetchEvidenceSource({ server: 'https://k8s.example:6443/', token: TOKEN, fetch: fakeFetch })
      .session({ signal: AbortSignal.timeout(10_000) })
      .collect(podTarget);
    expect(calls.length).toBeGreaterThan(0);
    for (const c of calls) {
      expect(c.url.startsWith('https://k8s.example:6443/api')).toBe(true);
      expect(c.init?.redirect).toBe('manual');
      expect((c.init?.headers as Record<string, string>)['authorization']).toBe(`Bearer ${TOKEN}`);
    }
    expect(e.errors.every((x) => x.reason === 'invalid-response' && /HTTP 302/.test(x.message))).toBe(true);
  });

  it('rejects targets the planner cannot read without a request', async () => {
    const e = await collect({ kind: 'Pod', name: 'no-namespace' });
    expect(e.errors).toEqual([expect.objectContaining({ reason: 'invalid-target' })]);
    expect(server.requests).toEqual([]);
  });
});

