// Names that come from an alert (labels, PagerDuty alert details, a REST target, a CLI target)
// reach an API path or a selector only when they are valid Kubernetes names: counted on the
// API double's request log, with the live reader (client-node's KubeConfig over HTTP).
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { runCli } from '../../src/cli/main.ts';
import { kubeEvidenceSource } from '../../src/evidence/kube-reader.ts';
import type { EvidenceSource } from '../../src/evidence/source.ts';
import { hmacSha256 } from '../../src/pagerduty/signature.ts';
import { startKubeApiServer, type KubeApiServer } from '../support/kube-api-server.ts';
import { pod } from '../support/kube-builders.ts';

const SECRET = 'names-test-webhook-secret-000001';
const hex = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, '0')).join('');

/** Not valid for any kind: traversal, encoded slashes, query and selector syntax, case, length, empty labels. */
const INVALID_NAMES = [
  '..', '../etc', '../../api/v1/secrets', 'a/../b', 'a/b', '%2F', 'a%2Fb', '%2e%2e', 'a?watch=true', 'a?limit=1', 'a#x', 'a,b', 'a=b', 'a!=b',
  'metadata.name=x,b', 'Cart-1', 'UPPER', '-cart', 'cart-', '.cart', 'cart.', 'a..b', 'a.-b', 'a-.b', 'a b', 'a\tb', 'a\nb', 'a_b', 'ü', 'a\u0000b',
  'x'.repeat(254),
];
/** Valid subdomains that are not valid namespaces (DNS-1123 labels). */
const INVALID_NAMESPACES = [...INVALID_NAMES, 'shop.prod', 'x'.repeat(64)];

const ALERT_LABEL: Array<[alertname: string, label: string]> = [
  ['KubePodCrashLooping', 'pod'], ['KubeDeploymentReplicasMismatch', 'deployment'], ['KubeStatefulSetReplicasMismatch', 'statefulset'],
  ['KubeDaemonSetRolloutStuck', 'daemonset'], ['KubeJobFailed', 'job_name'], ['KubeHpaMaxedOut', 'horizontalpodautoscaler'],
  ['KubePdbNotEnoughHealthyPods', 'poddisruptionbudget'], ['KubeQuotaExceeded', 'resourcequota'], ['KubePersistentVolumeFillingUp', 'persistentvolumeclaim'],
  ['KubePersistentVolumeErrors', 'persistentvolume'], ['KubeNodeNotReady', 'node'], ['SomethingAboutAService', 'service'], ['SomethingAboutAPod', 'exported_pod'],
];

let api: KubeApiServer;
let evidence: EvidenceSource;
const work: Array<Promise<unknown>> = [];
let app: ReturnType<typeof createApp>;

beforeAll(async () => {
  api = await startKubeApiServer({ snapshot: { objects: [pod({ name: 'cart-1' }) as never], logs: [] } });
  const kc = new KubeConfig();
  kc.loadFromString(api.kubeconfigYaml());
  evidence = kubeEvidenceSource({ kubeConfig: kc });
  app = createApp({ evidence, openapiYaml: '', deadlineMs: 3000, pagerduty: { webhookSecrets: [SECRET], waitUntil: (p) => work.push(p) } });
});
afterAll(() => api.close());
beforeEach(() => api.resetRequests());

const alertmanager = (labels: Record<string, string>) => app.request('/v1/alertmanager', {
  method: 'POST', headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ version: '4', status: 'firing', alerts: [{ status: 'firing', labels, annotations: {}, startsAt: '2026-11-21T09:20:00Z' }] }),
});
type Enriched = { alerts: Array<{ kubetriage: { partial: boolean; target?: unknown; errors: Array<{ reason: string; message: string }> } }> };

describe('names from alerts are validated before any API call', () => {
  it('a valid name is read (the control: the request log does count)', async () => {
    const res = await alertmanager({ alertname: 'KubePodCrashLooping', namespace: 'shop', pod: 'cart-1' });
    expect(res.status).toBe(200);
    expect(api.requests.length).toBeGreaterThan(0);
    expect(api.requests.some((r) => r.path === '/api/v1/namespaces/shop/pods/cart-1')).toBe(true);
  });

  it.each(ALERT_LABEL)('%s: an invalid %s label makes 0 API calls and the alert comes back partial, saying why', async (alertname, label) => {
    for (const name of INVALID_NAMES) {
      const res = await alertmanager({ alertname, namespace: 'shop', [label]: name });
      expect(res.status).toBe(200);
      const a = (await res.json() as Enriched).alerts[0]!;
      expect(a.kubetriage.partial, `${label}=${JSON.stringify(name)}`).toBe(true);
      expect(a.kubetriage.target, `${label}=${JSON.stringify(name)}`).toBeUndefined();
      expect(a.kubetriage.errors[0]!.reason).toBe('invalid-target');
      expect(api.requests, `${label}=${JSON.stringify(name)}`).toEqual([]);
    }
  });

  it('an invalid namespace label makes 0 API calls', async () => {
    for (const namespace of INVALID_NAMESPACES) {
      for (const [alertname, label] of [['KubePodCrashLooping', 'pod'], ['KubeDeploymentReplicasMismatch', 'deployment']] as const) {
        const a = (await (await alertmanager({ alertname, namespace, [label]: 'cart-1' })).json() as Enriched).alerts[0]!;
        expect(a.kubetriage.errors[0]!.reason, `namespace=${JSON.stringify(namespace)}`).toBe('invalid-target');
      }
      const viaExported = (await (await alertmanager({ alertname: 'KubePodCrashLooping', namespace: 'shop', exported_namespace: namespace, pod: 'cart-1' })).json() as Enriched).alerts[0]!;
      expect(viaExported.kubetriage.errors[0]!.reason).toBe('invalid-target');
      expect(api.requests, `namespace=${JSON.stringify(namespace)}`).toEqual([]);
    }
  });

  it('an invalid container label is dropped: the pod is read, and the value appears in no path or query', async () => {
    for (const [i, container] of INVALID_NAMES.entries()) {
      // A pod of its own each time, so no answer can come from an earlier request.
      api.store.add(pod({ name: `web-${i}`, containers: [{ name: 'app', restartCount: 2 }] }) as never);
      api.resetRequests();
      const res = await alertmanager({ alertname: 'KubePodCrashLooping', namespace: 'shop', pod: `web-${i}`, container });
      expect(res.status).toBe(200);
      expect(api.requests.length).toBeGreaterThan(0);
      for (const r of api.requests) {
        expect(r.path).toMatch(/^\/apis?\/[a-z0-9./-]+$/);
        expect(Object.values(r.query)).not.toContain(container);
      }
    }
  });
});

describe('names from other entry points', () => {
  it('POST /v1/diagnose with an invalid target: 400 naming the field, 0 API calls', async () => {
    const bodies = [
      ...INVALID_NAMES.map((name) => [{ kind: 'Pod', namespace: 'shop', name }, 'target.name'] as const),
      ...INVALID_NAMESPACES.map((namespace) => [{ kind: 'Pod', namespace, name: 'cart-1' }, 'target.namespace'] as const),
      ...INVALID_NAMES.map((container) => [{ kind: 'Pod', namespace: 'shop', name: 'cart-1', container }, 'target.container'] as const),
      [{ kind: 'Secret', namespace: 'shop', name: 'cart-db' }, 'target.kind'] as const,
    ];
    for (const [target, path] of bodies) {
      const res = await app.request('/v1/diagnose', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ target }) });
      expect(res.status, JSON.stringify(target)).toBe(400);
      expect(((await res.json()) as { errors: Array<{ path: string }> }).errors.map((e) => e.path)).toContain(path);
    }
    expect(api.requests).toEqual([]);
  });

  it('a PagerDuty incident whose alert details name an invalid object: acknowledged, 0 API calls', async () => {
    for (const name of INVALID_NAMES) {
      // Alertmanager's text details are line-based: a newline ends the value there.
      const text = name.includes('\n') ? [] : [`Labels:\n - alertname = KubePodCrashLooping\n - namespace = shop\n - pod = ${name}\n`];
      for (const details of [{ target: { kind: 'Pod', namespace: 'shop', name } }, { labels: { alertname: 'KubePodCrashLooping', namespace: 'shop', pod: name } }, ...text]) {
        const body = JSON.stringify({ event: { id: crypto.randomUUID(), event_type: 'incident.triggered', data: { id: 'Q1NAMES01', title: 'x', body: { details } } } });
        const res = await app.request('/v1/pagerduty/webhook', { method: 'POST', body, headers: { 'content-type': 'application/json', 'x-pagerduty-signature': `v1=${hex(await hmacSha256(SECRET, new TextEncoder().encode(body)))}` } });
        expect(res.status).toBeLessThan(300);
      }
    }
    await Promise.all(work);
    expect(work.length).toBeGreaterThan(0);
    expect(api.requests.map((r) => r.path)).toEqual([]);
  });

  it('the CLI with an invalid KIND/NAME or namespace: exit 2, 0 API calls', async () => {
    const out: string[] = [];
    const io = { readInput: async () => '', stdout: (t: string) => void out.push(t), stderr: (t: string) => void out.push(t), evidence: async () => ({ openSession: () => evidence.session({ signal: AbortSignal.timeout(3000) }) }) };
    for (const name of INVALID_NAMES.filter((n) => !n.includes('/'))) expect(await runCli(['diagnose', `pod/${name}`, '-n', 'shop'], io), name).toBe(2);
    for (const namespace of INVALID_NAMESPACES) expect(await runCli(['diagnose', 'pod/cart-1', '-n', namespace], io), namespace).toBe(2);
    expect(api.requests).toEqual([]);
  });
});
