import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  loadSnapshotDir,
  parseFieldSelector,
  parseLabelSelector,
  startKubeApiServer,
  tailLines,
} from '../../test/support/kube-api-server.ts';
import type { ClusterSnapshot, KubeApiServer, KubeObjectLike } from '../../test/support/kube-api-server.ts';

// ---------------------------------------------------------------------------------------------
// Fixture

function pod(
  ns: string,
  name: string,
  labels: Record<string, string>,
  extra: { nodeName?: string; containers?: string[]; phase?: string; statuses?: unknown[] } = {},
): KubeObjectLike {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: ns, labels, uid: `uid-${name}` },
    spec: {
      ...(extra.nodeName !== undefined ? { nodeName: extra.nodeName } : {}),
      containers: (extra.containers ?? ['app']).map((c) => ({ name: c, image: `registry.example/${c}:1` })),
    },
    status: { phase: extra.phase ?? 'Running', containerStatuses: extra.statuses ?? [] },
  };
}

function event(ns: string, name: string, involved: string, reason: string, type: string, message: string): KubeObjectLike {
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name, namespace: ns },
    involvedObject: { kind: 'Pod', name: involved, namespace: ns, uid: `uid-${involved}`, apiVersion: 'v1' },
    reason,
    type,
    message,
    count: 4,
    source: { component: 'kubelet', host: 'node-1' },
    firstTimestamp: '2024-05-01T10:00:00Z',
    lastTimestamp: '2024-05-01T10:04:00Z',
  };
}

const PREVIOUS_LOG = Array.from({ length: 10 }, (_, i) => `line ${i + 1}`).join('\n') + '\n';

function fixture(): ClusterSnapshot {
  return {
    objects: [
      { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-1', labels: { 'kubernetes.io/hostname': 'node-1' } }, spec: {} },
      pod('crash-test', 'oom-app', { app: 'oom-app', tier: 'backend' }, {
        nodeName: 'node-1',
        statuses: [
          {
            name: 'app',
            restartCount: 4,
            state: { waiting: { reason: 'CrashLoopBackOff' } },
            lastState: { terminated: { reason: 'OOMKilled', exitCode: 137 } },
          },
        ],
      }),
      pod('crash-test', 'fresh', { app: 'fresh' }, {
        nodeName: 'node-1',
        statuses: [{ name: 'app', restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } } }],
      }),
      pod('crash-test', 'pending-0', { app: 'batch' }, { phase: 'Pending' }),
      pod('crash-test', 'two-containers', { app: 'two' }, { nodeName: 'node-1', containers: ['app', 'sidecar'] }),
      ...['web-1', 'web-2', 'web-3', 'web-4', 'web-5'].map((n, i) =>
        pod('shop', n, { app: 'web', tier: 'frontend', ...(i === 0 ? { canary: 'true' } : {}) }, { nodeName: 'node-1' }),
      ),
      pod('shop', 'db-0', { app: 'db', tier: 'backend' }, { nodeName: 'node-1' }),
      event('crash-test', 'oom-app.1', 'oom-app', 'BackOff', 'Warning', 'Back-off restarting failed container app'),
      event('crash-test', 'oom-app.2', 'oom-app', 'Pulled', 'Normal', 'Container image already present'),
      event('crash-test', 'fresh.1', 'fresh', 'Scheduled', 'Normal', 'Successfully assigned crash-test/fresh to node-1'),
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'web', namespace: 'shop', labels: { app: 'web' } },
        spec: { replicas: 5, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'x' }] } } },
        status: { replicas: 5, readyReplicas: 4 },
      },
      {
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: { name: 'web-abcde', namespace: 'shop', labels: { 'kubernetes.io/service-name': 'web' } },
        addressType: 'IPv4',
        endpoints: [{ addresses: ['10.0.0.1'], conditions: { ready: true } }],
        ports: [{ port: 8080, protocol: 'TCP' }],
      },
      {
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: { name: 'db-xyz', namespace: 'shop', labels: { 'kubernetes.io/service-name': 'db' } },
        addressType: 'IPv4',
        endpoints: [],
      },
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db-password', namespace: 'shop' }, type: 'Opaque', data: { password: 'aHVudGVyMg==' } },
      { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'standard' }, provisioner: 'kubernetes.io/no-provisioner' },
    ],
    logs: [
      { namespace: 'crash-test', pod: 'oom-app', container: 'app', previous: true, text: PREVIOUS_LOG },
      { namespace: 'crash-test', pod: 'oom-app', container: 'app', previous: false, text: 'starting\n' },
    ],
  };
}

/** Parsed Status body of an ApiException (client-node keeps the raw response text in .body). */
function statusOf(err: unknown): { code: number; reason: string; message: string; details?: Record<string, unknown> } {
  expect(err).toBeInstanceOf(k8s.ApiException);
  const body = (err as k8s.ApiException<unknown>).body;
  expect(typeof body).toBe('string');
  return JSON.parse(body as string) as { code: number; reason: string; message: string };
}

async function caught(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to fail');
}

// ---------------------------------------------------------------------------------------------

describe('kube API server double, driven by the real @kubernetes/client-node', () => {
  let server: KubeApiServer;
  let kc: k8s.KubeConfig;
  let core: k8s.CoreV1Api;

  beforeAll(async () => {
    server = await startKubeApiServer({ snapshot: fixture() });
    kc = new k8s.KubeConfig();
    kc.loadFromString(server.kubeconfigYaml());
    core = kc.makeApiClient(k8s.CoreV1Api);
  });
  afterAll(async () => {
    await server.close();
  });
  beforeEach(() => {
    server.clearFaults();
    server.setLatency(0);
    server.resetRequests();
  });

  it('gets a pod by name and records the request', async () => {
    const p = await core.readNamespacedPod({ name: 'oom-app', namespace: 'crash-test' });
    expect(p).toBeInstanceOf(k8s.V1Pod);
    expect(p.metadata?.labels).toEqual({ app: 'oom-app', tier: 'backend' });
    expect(p.status?.containerStatuses?.[0]?.lastState?.terminated?.reason).toBe('OOMKilled');
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]).toMatchObject({
      method: 'GET',
      path: '/api/v1/namespaces/crash-test/pods/oom-app',
      status: 200,
      resource: 'pods',
      namespace: 'crash-test',
      name: 'oom-app',
      verb: 'get',
    });
  });

  it('surfaces a 404 Status as ApiException with code 404 and the raw Status JSON as body', async () => {
    const err = await caught(core.readNamespacedPod({ name: 'ghost', namespace: 'crash-test' }));
    expect((err as k8s.ApiException<unknown>).code).toBe(404);
    expect((err as Error).message).toContain('Unknown API Status Code!');
    expect(statusOf(err)).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'pods "ghost" not found',
      reason: 'NotFound',
      details: { name: 'ghost', kind: 'pods' },
      code: 404,
    });
  });

  it('uses group-qualified resource names in errors for non-core groups (apps/v1 deployments)', async () => {
    const apps = kc.makeApiClient(k8s.AppsV1Api);
    const d = await apps.readNamespacedDeployment({ name: 'web', namespace: 'shop' });
    expect(d.status?.readyReplicas).toBe(4);
    const err = await caught(apps.readNamespacedDeployment({ name: 'nope', namespace: 'shop' }));
    expect(statusOf(err)).toMatchObject({ code: 404, message: 'deployments.apps "nope" not found', details: { group: 'apps', kind: 'deployments' } });
  });

  it('filters core events with fieldSelector (involvedObject.*, type)', async () => {
    const all = await core.listNamespacedEvent({ namespace: 'crash-test' });
    expect(all.items).toHaveLength(3);
    expect(all.kind).toBe('EventList');
    const forPod = await core.listNamespacedEvent({ namespace: 'crash-test', fieldSelector: 'involvedObject.name=oom-app,involvedObject.kind=Pod' });
    expect(forPod.items.map((e) => e.metadata.name)).toEqual(['oom-app.1', 'oom-app.2']);
    const warnings = await core.listNamespacedEvent({ namespace: 'crash-test', fieldSelector: 'involvedObject.name==oom-app,type!=Normal' });
    expect(warnings.items.map((e) => e.reason)).toEqual(['BackOff']);
    const uid = await core.listEventForAllNamespaces({ fieldSelector: 'involvedObject.uid=uid-fresh' });
    expect(uid.items.map((e) => e.metadata.name)).toEqual(['fresh.1']);
  });

  it('rejects a field selector it cannot evaluate with 400 "field label not supported"', async () => {
    const err = await caught(core.listNamespacedEvent({ namespace: 'crash-test', fieldSelector: 'regarding.name=oom-app' }));
    expect(statusOf(err)).toMatchObject({ code: 400, reason: 'BadRequest', message: 'field label not supported: regarding.name' });
  });

  it('serves events.k8s.io/v1 events converted from core/v1 events, with regarding.* field selectors', async () => {
    const ev = kc.makeApiClient(k8s.EventsV1Api);
    const list = await ev.listNamespacedEvent({ namespace: 'crash-test', fieldSelector: 'regarding.name=oom-app,type=Warning' });
    expect(list.apiVersion).toBe('events.k8s.io/v1');
    expect(list.items).toHaveLength(1);
    const e = list.items[0] as k8s.EventsV1Event;
    expect(e.regarding?.name).toBe('oom-app');
    expect(e.note).toBe('Back-off restarting failed container app');
    expect(e.reportingController).toBe('kubelet');
    expect(e.deprecatedCount).toBe(4);
    expect(e.deprecatedFirstTimestamp?.toISOString()).toBe('2024-05-01T10:00:00.000Z');
    expect(e.deprecatedLastTimestamp?.toISOString()).toBe('2024-05-01T10:04:00.000Z');
  });

  it('filters pods with labelSelector (=, !=, in, notin, exists, !exists)', async () => {
    const names = async (labelSelector: string, namespace = 'shop'): Promise<string[]> =>
      (await core.listNamespacedPod({ namespace, labelSelector })).items.map((p) => p.metadata?.name ?? '');
    expect(await names('app=web')).toEqual(['web-1', 'web-2', 'web-3', 'web-4', 'web-5']);
    expect(await names('app=web,canary')).toEqual(['web-1']);
    expect(await names('app=web,!canary')).toEqual(['web-2', 'web-3', 'web-4', 'web-5']);
    expect(await names('tier in (backend),app!=web')).toEqual(['db-0']);
    expect(await names('app notin (web, db)')).toEqual([]);
    expect(await names('tier=backend', 'crash-test')).toEqual(['oom-app']);
    const all = await core.listPodForAllNamespaces({ labelSelector: 'tier=backend' });
    expect(all.items.map((p) => `${p.metadata?.namespace}/${p.metadata?.name}`)).toEqual(['crash-test/oom-app', 'shop/db-0']);
  });

  it('filters pods with fieldSelector spec.nodeName / status.phase', async () => {
    const pending = await core.listPodForAllNamespaces({ fieldSelector: 'status.phase=Pending' });
    expect(pending.items.map((p) => p.metadata?.name)).toEqual(['pending-0']);
    const unscheduled = await core.listNamespacedPod({ namespace: 'crash-test', fieldSelector: 'spec.nodeName=' });
    expect(unscheduled.items.map((p) => p.metadata?.name)).toEqual(['pending-0']);
  });

  it('paginates with limit/continue and reports remainingItemCount', async () => {
    const seen: string[] = [];
    let page = await core.listNamespacedPod({ namespace: 'shop', limit: 2 });
    expect(page.metadata?.remainingItemCount).toBe(4);
    seen.push(...page.items.map((p) => p.metadata?.name ?? ''));
    let pages = 1;
    while (page.metadata?._continue) {
      page = await core.listNamespacedPod({ namespace: 'shop', limit: 2, _continue: page.metadata._continue });
      seen.push(...page.items.map((p) => p.metadata?.name ?? ''));
      pages++;
    }
    expect(pages).toBe(3);
    expect(seen).toEqual(['db-0', 'web-1', 'web-2', 'web-3', 'web-4', 'web-5']);
    expect(server.requests.map((r) => r.query['continue'] !== undefined)).toEqual([false, true, true]);
    // With a selector the page is filled with matching items only.
    const sel = await core.listNamespacedPod({ namespace: 'shop', limit: 4, labelSelector: 'app=web' });
    expect(sel.items).toHaveLength(4);
    expect(sel.metadata?._continue).toBeTruthy();
    const rest = await core.listNamespacedPod({ namespace: 'shop', limit: 4, labelSelector: 'app=web', _continue: sel.metadata?._continue });
    expect(rest.items.map((p) => p.metadata?.name)).toEqual(['web-5']);
    expect(rest.metadata?._continue).toBeUndefined();
  });

  it('rejects an invalid continue token with 400', async () => {
    const err = await caught(core.listNamespacedPod({ namespace: 'shop', limit: 2, _continue: 'garbage' }));
    expect(statusOf(err)).toMatchObject({ code: 400, reason: 'BadRequest' });
  });

  it('lists endpoint slices of a service via DiscoveryV1Api labelSelector', async () => {
    const discovery = kc.makeApiClient(k8s.DiscoveryV1Api);
    const slices = await discovery.listNamespacedEndpointSlice({ namespace: 'shop', labelSelector: 'kubernetes.io/service-name=web' });
    expect(slices.items.map((s) => s.metadata?.name)).toEqual(['web-abcde']);
    expect(slices.items[0]?.endpoints?.[0]?.conditions?.ready).toBe(true);
  });

  it('serves cluster-scoped resources and synthesizes namespaces', async () => {
    const nodes = await core.listNode();
    expect(nodes.items.map((n) => n.metadata?.name)).toEqual(['node-1']);
    expect((await core.readNode({ name: 'node-1' })).metadata?.name).toBe('node-1');
    const ns = await core.readNamespace({ name: 'crash-test' });
    expect(ns.status?.phase).toBe('Active');
    const storage = kc.makeApiClient(k8s.StorageV1Api);
    expect((await storage.listStorageClass()).items.map((s) => s.metadata?.name)).toEqual(['standard']);
  });

  it('serves secrets (so tests can assert the service never asks for them)', async () => {
    const s = await core.readNamespacedSecret({ name: 'db-password', namespace: 'shop' });
    expect(s.type).toBe('Opaque');
    expect(server.requests.filter((r) => r.resource === 'secrets')).toHaveLength(1);
  });

  describe('pods/log', () => {
    it('returns previous logs honouring tailLines and limitBytes', async () => {
      const tail = await core.readNamespacedPodLog({ name: 'oom-app', namespace: 'crash-test', container: 'app', previous: true, tailLines: 3 });
      expect(tail).toBe('line 8\nline 9\nline 10\n');
      const limited = await core.readNamespacedPodLog({
        name: 'oom-app',
        namespace: 'crash-test',
        container: 'app',
        previous: true,
        tailLines: 3,
        limitBytes: 10,
      });
      expect(limited).toBe('line 8\nlin');
      const current = await core.readNamespacedPodLog({ name: 'oom-app', namespace: 'crash-test' });
      expect(current).toBe('starting\n');
      expect(server.requests.map((r) => [r.resource, r.query['previous'], r.query['tailLines'], r.query['limitBytes']])).toEqual([
        ['pods/log', 'true', '3', undefined],
        ['pods/log', 'true', '3', '10'],
        ['pods/log', undefined, undefined, undefined],
      ]);
    });

    it('400 when the previous container does not exist (real kubelet message)', async () => {
      const err = await caught(core.readNamespacedPodLog({ name: 'two-containers', namespace: 'crash-test', container: 'sidecar', previous: true }));
      expect((err as k8s.ApiException<unknown>).code).toBe(400);
      expect(statusOf(err)).toMatchObject({
        code: 400,
        reason: 'BadRequest',
        message: 'previous terminated container "sidecar" in pod "two-containers" not found',
      });
    });

    it('400 for an unknown container, and when a multi-container pod needs one', async () => {
      const err = await caught(core.readNamespacedPodLog({ name: 'oom-app', namespace: 'crash-test', container: 'nope' }));
      expect(statusOf(err).message).toBe('container nope is not valid for pod oom-app');
      const err2 = await caught(core.readNamespacedPodLog({ name: 'two-containers', namespace: 'crash-test' }));
      expect(statusOf(err2).message).toBe('a container name must be specified for pod two-containers, choose one of: [app sidecar]');
    });

    it('400 "waiting to start" for a container that never ran', async () => {
      const err = await caught(core.readNamespacedPodLog({ name: 'fresh', namespace: 'crash-test' }));
      expect(statusOf(err).message).toBe('container "app" in pod "fresh" is waiting to start: ContainerCreating');
    });

    it('unscheduled pod: 204 without Content-Type, which client-node cannot parse', async () => {
      const res = await fetch(`${server.url}/api/v1/namespaces/crash-test/pods/pending-0/log`);
      expect(res.status).toBe(204);
      expect(res.headers.get('content-type')).toBeNull();
      expect(await res.text()).toBe('');
      // What client-node 2.x does with it: a plain Error (not ApiException) from ObjectSerializer.parse.
      const err = await caught(core.readNamespacedPodLog({ name: 'pending-0', namespace: 'crash-test' }));
      expect(err).toBeInstanceOf(Error);
      expect(err).not.toBeInstanceOf(k8s.ApiException);
      expect((err as Error).message).toBe('Cannot parse content. No Content-Type defined.');
    });
  });

  describe('faults', () => {
    it('429 with Retry-After header and retryAfterSeconds in the Status', async () => {
      server.inject({ match: { resource: 'pods' }, times: 1, action: { status: 429, retryAfterSeconds: 7 } });
      const err = (await caught(core.readNamespacedPod({ name: 'oom-app', namespace: 'crash-test' }))) as k8s.ApiException<unknown>;
      expect(err.code).toBe(429);
      expect(err.headers['retry-after']).toBe('7');
      expect(statusOf(err)).toMatchObject({ reason: 'TooManyRequests', details: { retryAfterSeconds: 7 } });
      // times: 1 -> the next call goes through
      await core.readNamespacedPod({ name: 'oom-app', namespace: 'crash-test' });
      expect(server.requests.map((r) => [r.status, r.fault])).toEqual([
        [429, 'status'],
        [200, undefined],
      ]);
    });

    it('403 with the real RBAC message for pods/log, leaving pods readable', async () => {
      const rbac = await startKubeApiServer({ snapshot: fixture(), user: 'x' });
      try {
        const kc2 = new k8s.KubeConfig();
        kc2.loadFromString(rbac.kubeconfigYaml());
        const api = kc2.makeApiClient(k8s.CoreV1Api);
        rbac.inject({ match: { resource: 'pods/log' }, action: { status: 403 } });
        const err = await caught(api.readNamespacedPodLog({ name: 'oom-app', namespace: 'crash-test', container: 'app' }));
        expect(statusOf(err)).toEqual({
          kind: 'Status',
          apiVersion: 'v1',
          metadata: {},
          status: 'Failure',
          message: 'pods "oom-app" is forbidden: User "x" cannot get resource "pods/log" in API group "" in the namespace "crash-test"',
          reason: 'Forbidden',
          details: { name: 'oom-app', kind: 'pods' },
          code: 403,
        });
        await expect(api.readNamespacedPod({ name: 'oom-app', namespace: 'crash-test' })).resolves.toBeInstanceOf(k8s.V1Pod);
        // List verb wording (namespaced list).
        rbac.inject({ match: { resource: 'secrets' }, action: { status: 403 } });
        const listErr = await caught(api.listNamespacedSecret({ namespace: 'shop' }));
        expect(statusOf(listErr).message).toBe('secrets is forbidden: User "x" cannot list resource "secrets" in API group "" in the namespace "shop"');
      } finally {
        await rbac.close();
      }
    });

    it('401 Unauthorized without the right bearer token (client-node drops the body)', async () => {
      const secured = await startKubeApiServer({ snapshot: fixture(), token: 's3cret' });
      try {
        const good = new k8s.KubeConfig();
        good.loadFromString(secured.kubeconfigYaml());
        await expect(good.makeApiClient(k8s.CoreV1Api).readNode({ name: 'node-1' })).resolves.toBeInstanceOf(k8s.V1Node);
        const bad = new k8s.KubeConfig();
        bad.loadFromString(secured.kubeconfigYaml({ token: 'wrong' }));
        const err = (await caught(bad.makeApiClient(k8s.CoreV1Api).readNode({ name: 'node-1' }))) as k8s.ApiException<unknown>;
        expect(err).toBeInstanceOf(k8s.ApiException);
        expect(err.code).toBe(401);
        expect(err.body).toBeUndefined();
        expect(err.message).toContain('Message: Unauthorized');
        expect(secured.requests.map((r) => r.status)).toEqual([200, 401]);
        // /version and /readyz stay public, like a real apiserver.
        expect((await fetch(`${secured.url}/readyz`)).status).toBe(200);
      } finally {
        await secured.close();
      }
    });

    it('latency (global and injected) delays responses; requests stay pending in the log meanwhile', async () => {
      server.setLatency(800);
      const p = core.readNamespacedPod({ name: 'oom-app', namespace: 'crash-test' });
      while (server.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
      expect(server.requests[0]?.status).toBe(0); // still pending
      await p;
      expect(server.requests[0]?.status).toBe(200);
      server.setLatency(0);
      const remove = server.inject({ match: { resource: 'events' }, times: 2, action: { kind: 'latency', ms: 20 } });
      await core.listNamespacedEvent({ namespace: 'crash-test' });
      await core.listNamespacedEvent({ namespace: 'crash-test' });
      await core.listNamespacedEvent({ namespace: 'crash-test' });
      remove();
      expect(server.requests).toHaveLength(4);
      expect(server.requests.map((r) => r.fault)).toEqual([undefined, 'latency', 'latency', undefined]);
      expect(server.requests.every((r) => r.status === 200)).toBe(true);
    });

    it('reset, refuse and truncated-json surface as network / parse errors', async () => {
      server.inject({ match: { resource: 'pods' }, times: 1, action: { kind: 'reset' } });
      const reset = (await caught(core.readNamespacedPod({ name: 'oom-app', namespace: 'crash-test' }))) as Error & { cause?: { code?: string } };
      expect(reset).toBeInstanceOf(TypeError);
      expect(reset.cause?.code).toBe('UND_ERR_SOCKET');

      server.inject({ match: { resource: 'pods' }, times: 1, action: { kind: 'refuse' } });
      const refused = (await caught(core.readNamespacedPod({ name: 'oom-app', namespace: 'crash-test' }))) as Error & { cause?: { code?: string } };
      expect(refused).toBeInstanceOf(TypeError);
      expect(refused.message).toBe('fetch failed');

      server.inject({ match: { path: /\/pods\/oom-app$/ }, times: 1, action: { kind: 'truncated-json' } });
      const truncated = await caught(core.readNamespacedPod({ name: 'oom-app', namespace: 'crash-test' }));
      expect(truncated).toBeInstanceOf(SyntaxError);

      expect(server.requests.map((r) => r.fault)).toEqual(['reset', 'refuse', 'truncated-json']);
      await expect(core.readNamespacedPod({ name: 'oom-app', namespace: 'crash-test' })).resolves.toBeInstanceOf(k8s.V1Pod);
    });

    it('drip delivers the full body slowly; hang never answers', async () => {
      server.inject({ match: { resource: 'nodes' }, times: 1, action: { kind: 'drip', bytesPerSecond: 4000 } });
      const n = await core.readNode({ name: 'node-1' });
      expect(n.metadata?.name).toBe('node-1');

      server.inject({ match: { method: 'GET', path: '/api/v1/nodes/node-1' }, times: 1, action: { kind: 'hang' } });
      const res = await caught(fetch(`${server.url}/api/v1/nodes/node-1`, { signal: AbortSignal.timeout(300) }));
      expect((res as Error).name).toBe('TimeoutError');
      expect(server.requests.map((r) => [r.fault, r.status])).toEqual([
        ['drip', 200],
        ['hang', 0],
      ]);
    });
  });

  describe('store mutations', () => {
    it('add / replace / remove are visible immediately', async () => {
      server.store.add({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'new-pod', namespace: 'shop', labels: { app: 'new' } }, spec: { containers: [] } });
      expect(() => server.store.add({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'new-pod', namespace: 'shop' } })).toThrow(/already exists/);
      const first = await core.readNamespacedPod({ name: 'new-pod', namespace: 'shop' });
      server.store.replace({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'new-pod', namespace: 'shop', labels: { app: 'newer' } }, spec: { containers: [] } });
      const second = await core.readNamespacedPod({ name: 'new-pod', namespace: 'shop' });
      expect(second.metadata?.labels).toEqual({ app: 'newer' });
      expect(Number(second.metadata?.resourceVersion)).toBeGreaterThan(Number(first.metadata?.resourceVersion));
      expect((await core.listNamespacedPod({ namespace: 'shop', labelSelector: 'app=newer' })).items).toHaveLength(1);
      expect(server.store.remove('Pod', 'shop', 'new-pod')).toBe(true);
      expect(server.store.remove('pods', 'shop', 'new-pod')).toBe(false);
      expect(statusOf(await caught(core.readNamespacedPod({ name: 'new-pod', namespace: 'shop' }))).code).toBe(404);
    });

    it('core events added through the store show up in events.k8s.io too', async () => {
      server.store.add(event('shop', 'db-0.1', 'db-0', 'Unhealthy', 'Warning', 'Readiness probe failed'));
      const ev = kc.makeApiClient(k8s.EventsV1Api);
      const list = await ev.listNamespacedEvent({ namespace: 'shop', fieldSelector: 'regarding.name=db-0' });
      expect(list.items.map((e) => e.note)).toEqual(['Readiness probe failed']);
      server.store.remove('Event', 'shop', 'db-0.1');
      expect((await ev.listNamespacedEvent({ namespace: 'shop' })).items).toHaveLength(0);
    });
  });

  describe('discovery and misc endpoints', () => {
    it('serves /version, /api, /apis, /readyz and JSON 404/405 Status bodies', async () => {
      const version = await kc.makeApiClient(k8s.VersionApi).getCode();
      expect(version.major).toBe('1');
      const api = (await (await fetch(`${server.url}/api`)).json()) as { kind: string; versions: string[] };
      expect(api).toMatchObject({ kind: 'APIVersions', versions: ['v1'] });
      const apis = (await (await fetch(`${server.url}/apis`)).json()) as { groups: Array<{ name: string }> };
      expect(apis.groups.map((g) => g.name)).toEqual(
        expect.arrayContaining(['apps', 'batch', 'storage.k8s.io', 'discovery.k8s.io', 'events.k8s.io', 'networking.k8s.io']),
      );
      const apps = (await (await fetch(`${server.url}/apis/apps/v1`)).json()) as { resources: Array<{ name: string }> };
      expect(apps.resources.map((r) => r.name)).toEqual(expect.arrayContaining(['deployments', 'replicasets', 'statefulsets', 'daemonsets']));
      const ready = await fetch(`${server.url}/readyz`);
      expect(await ready.text()).toBe('ok');
      const unknown = await fetch(`${server.url}/apis/apps/v1/namespaces/shop/widgets`);
      expect(unknown.status).toBe(404);
      expect(unknown.headers.get('content-type')).toBe('application/json');
      expect(((await unknown.json()) as { message: string }).message).toBe('the server could not find the requested resource');
      const post = await fetch(`${server.url}/api/v1/namespaces/shop/pods`, { method: 'POST', body: '{}' });
      expect(post.status).toBe(405);
    });

    it('400 for an unparsable label selector', async () => {
      const err = await caught(core.listNamespacedPod({ namespace: 'shop', labelSelector: 'app in web' }));
      expect(statusOf(err)).toMatchObject({ code: 400, reason: 'BadRequest' });
    });
  });
});

describe('HTTPS with a generated CA, via a kubeconfig file', () => {
  it('client-node verifies the server certificate using certificate-authority-data', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubetriage-kc-'));
    const server = await startKubeApiServer({ snapshot: fixture(), tls: true, token: 'tls-token' });
    try {
      expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      expect(server.caPem).toContain('BEGIN CERTIFICATE');
      const path = join(dir, 'kubeconfig');
      server.writeKubeconfig(path);
      const kc = new k8s.KubeConfig();
      kc.loadFromFile(path);
      expect(kc.getCurrentCluster()?.caData).toBeTruthy();
      expect(kc.getCurrentCluster()?.skipTLSVerify).toBe(false);
      const core = kc.makeApiClient(k8s.CoreV1Api);
      const p = await core.readNamespacedPod({ name: 'oom-app', namespace: 'crash-test' });
      expect(p.metadata?.name).toBe('oom-app');
      const log = await core.readNamespacedPodLog({ name: 'oom-app', namespace: 'crash-test', previous: true, tailLines: 1 });
      expect(log).toBe('line 10\n');
      // Without the CA the handshake fails.
      const noCa = new k8s.KubeConfig();
      noCa.loadFromOptions({
        clusters: [{ name: 'c', server: server.url, skipTLSVerify: false }],
        users: [{ name: 'u', token: 'tls-token' }],
        contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
        currentContext: 'x',
      });
      const err = (await caught(noCa.makeApiClient(k8s.CoreV1Api).readNode({ name: 'node-1' }))) as Error;
      expect(err).toBeInstanceOf(TypeError);
      expect(server.requests.map((r) => r.status)).toEqual([200, 200]);
    } finally {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('loadSnapshotDir', () => {
  it('reads kubectl List files, bare arrays and logs/<ns>__<pod>__<container>[__previous].log', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubetriage-snap-'));
    try {
      const snap = fixture();
      const pods = snap.objects.filter((o) => o.kind === 'Pod');
      const rest = snap.objects.filter((o) => o.kind !== 'Pod');
      writeFileSync(join(dir, 'pods.json'), JSON.stringify({ apiVersion: 'v1', kind: 'List', items: pods, metadata: { resourceVersion: '' } }));
      writeFileSync(join(dir, 'other.json'), JSON.stringify(rest));
      writeFileSync(join(dir, 'README.md'), '# not json');
      mkdirSync(join(dir, 'logs'));
      writeFileSync(join(dir, 'logs', 'crash-test__oom-app__app__previous.log'), PREVIOUS_LOG);
      writeFileSync(join(dir, 'logs', 'crash-test__oom-app__app.log'), 'starting\n');
      writeFileSync(join(dir, 'logs', 'notes.txt'), 'ignored');
      const loaded = loadSnapshotDir(dir);
      expect(loaded.objects).toHaveLength(snap.objects.length);
      expect(loaded.logs).toEqual([
        { namespace: 'crash-test', pod: 'oom-app', container: 'app', previous: false, text: 'starting\n' },
        { namespace: 'crash-test', pod: 'oom-app', container: 'app', previous: true, text: PREVIOUS_LOG },
      ]);
      const server = await startKubeApiServer({ snapshot: loaded });
      try {
        const kc = new k8s.KubeConfig();
        kc.loadFromString(server.kubeconfigYaml());
        const core = kc.makeApiClient(k8s.CoreV1Api);
        expect((await core.listPodForAllNamespaces()).items).toHaveLength(pods.length);
        expect(await core.readNamespacedPodLog({ name: 'oom-app', namespace: 'crash-test', previous: true, tailLines: 1 })).toBe('line 10\n');
      } finally {
        await server.close();
      }
      writeFileSync(join(dir, 'broken.json'), '{"kind":');
      expect(() => loadSnapshotDir(dir)).toThrow(/broken\.json: invalid JSON/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('selector and log helpers', () => {
  it('parseLabelSelector', () => {
    const m = (sel: string, labels?: Record<string, string>): boolean => parseLabelSelector(sel)(labels);
    expect(m('', undefined)).toBe(true);
    expect(m('a=b', { a: 'b' })).toBe(true);
    expect(m('a==b', { a: 'c' })).toBe(false);
    expect(m('a!=b', {})).toBe(true);
    expect(m('a in (x, y),b', { a: 'y', b: '' })).toBe(true);
    expect(m('a notin (x)', {})).toBe(true);
    expect(m('!a', { a: '1' })).toBe(false);
    expect(m('a>3', { a: '4' })).toBe(true);
    expect(() => parseLabelSelector('a in x')).toThrow(/unable to parse requirement/);
  });

  it('parseFieldSelector', () => {
    const d = { fields: { 'status.phase': (o: KubeObjectLike) => (o['status'] as { phase?: string } | undefined)?.phase } };
    const o: KubeObjectLike = { metadata: { name: 'a,b', namespace: 'ns' }, status: { phase: 'Running' } };
    expect(parseFieldSelector('metadata.name=a\\,b,status.phase!=Failed', d)(o)).toBe(true);
    expect(parseFieldSelector('metadata.namespace==other', d)(o)).toBe(false);
    expect(() => parseFieldSelector('spec.nodeName=x', d)).toThrow('field label not supported: spec.nodeName');
    expect(() => parseFieldSelector('nonsense', d)).toThrow(/invalid selector/);
  });

  it('tailLines', () => {
    expect(tailLines('a\nb\nc\n', 2)).toBe('b\nc\n');
    expect(tailLines('a\nb\nc', 1)).toBe('c');
    expect(tailLines('a\nb\n', 10)).toBe('a\nb\n');
    expect(tailLines('a\n', 0)).toBe('');
  });
});
