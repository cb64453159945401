import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createApp, type AppDeps } from '../app.ts';
import { snapshotSource } from '../evidence/snapshot-source.ts';
import type { EvidenceSource } from '../evidence/source.ts';
import { webhookSink } from '../sinks/webhook.ts';
import { pod } from '../../test/support/kube-builders.ts';

const SAMPLES = new URL('../../../shared/samples/alertmanager/', import.meta.url);
const sample = (name: string) => readFileSync(new URL(name, SAMPLES), 'utf8');

const oomPod = pod({ name: 'cart-1', containers: [{ name: 'cart', restartCount: 7, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { reason: 'OOMKilled', exitCode: 137 } } }] });
const source = snapshotSource({ objects: [oomPod as never], logs: [] }, 'test snapshot');
const TOKEN = 'token-for-tests-0123456789';

function crashAlert(extra: Record<string, string> = {}, annotations: Record<string, string> = {}) {
  return { status: 'firing', labels: { alertname: 'KubePodCrashLooping', namespace: 'shop', pod: 'cart-1', container: 'cart', severity: 'warning', job: 'kube-state-metrics', ...extra }, annotations, startsAt: '2026-11-21T09:20:00Z', endsAt: '0001-01-01T00:00:00Z', fingerprint: `fp-${extra['pod'] ?? 'cart-1'}` };
}
const group = (alerts: unknown[]) => JSON.stringify({ version: '4', groupKey: '{}:{alertname="KubePodCrashLooping"}', status: 'firing', receiver: 'kube\\.triage', groupLabels: {}, commonLabels: {}, commonAnnotations: {}, externalURL: 'http://am:9093', alerts });

/** A sink endpoint whose answers a test scripts; it records every body it receives. */
function scriptedEndpoint(statuses: number[]) {
  const received: Array<{ alerts: Array<{ fingerprint?: string; annotations: Record<string, string> }> }> = [];
  const fetch = (async (_url: string | URL | Request, init?: RequestInit) => {
    received.push(JSON.parse(String(init?.body)));
    return new Response('', { status: statuses.length > 1 ? statuses.shift()! : statuses[0]! });
  }) as typeof globalThis.fetch;
  return { received, fetch };
}

function makeApp(o: Partial<AppDeps> = {}) {
  let t = 0;
  return createApp({ evidence: source, openapiYaml: '', auth: { bearerTokens: [TOKEN], basicCredentials: ['alertmanager:correct-horse'] }, clock: { now: () => t, sleep: async (ms) => void (t += ms) }, ...o });
}
const post = (app: ReturnType<typeof makeApp>, body: string, auth: string | null = `Bearer ${TOKEN}`) =>
  app.request('/v1/alertmanager', { method: 'POST', body, headers: { 'content-type': 'application/json', ...(auth ? { authorization: auth } : {}) } });

type Enriched = { alerts: Array<{ status: string; annotations: Record<string, string>; kubetriage: { diagnosis?: { id: string }; partial: boolean; errors: Array<{ reason: string; message: string }>; skipped?: string } }> };

describe('POST /v1/alertmanager', () => {
  it.each(['k8s-deployment-resolved.json', 'legacy-firing-no-fingerprint.json', 'multi-alert-firing-compact.json'])('accepts the real sample %s as it is and returns every alert', async (name) => {
    const body = sample(name);
    const res = await post(makeApp(), body);
    expect(res.status).toBe(200);
    const out = await res.json() as Enriched;
    expect(out.alerts).toHaveLength((JSON.parse(body) as { alerts: unknown[] }).alerts.length);
  });

  it('passes resolved alerts through without fetching evidence', async () => {
    const out = await (await post(makeApp(), sample('k8s-deployment-resolved.json'))).json() as Enriched;
    expect(out.alerts[0]!.kubetriage.skipped).toBe('resolved');
    expect(out.alerts[0]!.status).toBe('resolved');
  });

  it('marks alerts whose labels name no Kubernetes object as partial with the reason, never dropping them', async () => {
    const out = await (await post(makeApp(), sample('legacy-firing-no-fingerprint.json'))).json() as Enriched;
    const a = out.alerts[0]!;
    expect(a.status).toBe('firing');
    expect(a.kubetriage.partial).toBe(true);
    expect(a.kubetriage.errors[0]!.reason).toBe('invalid-target');
    expect(a.annotations['kubetriage_diagnosis']).toBe('unknown');
  });

  it('enriches a KubePodCrashLooping alert: diagnosis annotations, runbook_url added or kept', async () => {
    const out = await (await post(makeApp(), group([crashAlert(), crashAlert({ pod: 'cart-1', container: 'cart', alertname: 'KubeContainerWaiting' }, { runbook_url: 'https://wiki.example.com/own-runbook' })]))).json() as Enriched;
    const [first, second] = out.alerts;
    expect(first!.annotations['kubetriage_diagnosis']).toBe('crashloop.oom');
    expect(first!.annotations['kubetriage_summary']).toContain('OOMKilled');
    expect(first!.annotations['runbook_url']).toBe('https://runbooks.prometheus-operator.dev/runbooks/kubernetes/kubepodcrashlooping');
    expect(second!.annotations['runbook_url']).toBe('https://wiki.example.com/own-runbook');
    expect(first!.kubetriage.partial).toBe(false);
  });

  it('reports a pod that no longer exists as partial with the reason', async () => {
    const out = await (await post(makeApp(), group([crashAlert({ pod: 'gone-1' })]))).json() as Enriched;
    expect(out.alerts[0]!.kubetriage.partial).toBe(true);
    expect(out.alerts[0]!.kubetriage.errors[0]!.reason).toBe('not-found');
  });

  it('still answers within the deadline when evidence never arrives', async () => {
    const hanging: EvidenceSource = { description: 'hangs', session: () => ({ collect: () => new Promise(() => undefined) }) };
    const res = await post(makeApp({ evidence: hanging, deadlineMs: 50 }), group([crashAlert()]));
    const out = await res.json() as Enriched;
    expect(res.status).toBe(200);
    expect(out.alerts[0]!.kubetriage.errors[0]!.reason).toBe('timeout');
    expect(out.alerts[0]!.annotations['kubetriage_partial']).toContain('deadline');
  });

  it.each([
    ['no credentials', null],
    ['a wrong bearer token', 'Bearer not-the-token-at-all'],
    ['a wrong basic password', `Basic ${btoa('alertmanager:wrong-password')}`],
    ['an unsupported scheme', `Digest username="x"`],
  ])('answers 401 problem+json for %s', async (_name, auth) => {
    const res = await post(makeApp(), group([crashAlert()]), auth);
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(res.headers.get('www-authenticate')).toContain('Bearer');
  });

  it('accepts basic auth as Alertmanager http_config sends it', async () => {
    expect((await post(makeApp(), group([crashAlert()]), `Basic ${btoa('alertmanager:correct-horse')}`)).status).toBe(200);
  });

  it('answers 400 with field paths for a body that will never be valid', async () => {
    const res = await post(makeApp(), JSON.stringify({ version: '4', alerts: [{ labels: { a: 1 } }] }));
    expect(res.status).toBe(400);
    const p = await res.json() as { errors: Array<{ path: string }> };
    expect(p.errors.map((e) => e.path)).toContain('alerts.0.labels.a');
  });

  it('caps the alerts per request', async () => {
    const res = await post(makeApp({ maxAlertsPerRequest: 2 }), group([crashAlert(), crashAlert(), crashAlert()]));
    expect(res.status).toBe(400);
  });
});

describe('forwarding', () => {
  it('forwards the enriched group once; a re-delivery of the same notifications is not forwarded again', async () => {
    const endpoint = scriptedEndpoint([200]);
    const app = makeApp({ sinks: [webhookSink({ url: 'http://sink.test/hook' })], fetch: endpoint.fetch });
    expect((await post(app, group([crashAlert()]))).status).toBe(200);
    expect((await post(app, group([crashAlert()]))).status).toBe(200);
    expect(endpoint.received).toHaveLength(1);
    expect(endpoint.received[0]!.alerts[0]!.annotations['kubetriage_diagnosis']).toBe('crashloop.oom');
    // A new alert joining the group is forwarded; the one already delivered is not repeated.
    await post(app, group([crashAlert(), crashAlert({ pod: 'cart-2' })]));
    expect(endpoint.received).toHaveLength(2);
    expect(endpoint.received[1]!.alerts.map((a) => a.fingerprint)).toEqual(['fp-cart-2']);
  });

  it('retries a failing sink, then answers 503 so Alertmanager retries; the retry delivers', async () => {
    const endpoint = scriptedEndpoint([500, 500, 500, 500, 500, 200]);
    const app = makeApp({ sinks: [webhookSink({ url: 'http://sink.test/hook' })], fetch: endpoint.fetch });
    const first = await post(app, group([crashAlert()]));
    expect(first.status).toBe(503);
    expect(first.headers.get('content-type')).toBe('application/problem+json');
    expect(endpoint.received.length).toBeGreaterThan(1);
    const second = await post(app, group([crashAlert()]));
    expect(second.status).toBe(200);
  });

  it('does not retry a 4xx from a webhook sink, and still answers 5xx rather than dropping the alert', async () => {
    const endpoint = scriptedEndpoint([400]);
    const app = makeApp({ sinks: [webhookSink({ url: 'http://sink.test/hook' })], fetch: endpoint.fetch });
    const res = await post(app, group([crashAlert()]));
    expect(res.status).toBe(503);
    expect(endpoint.received).toHaveLength(1);
    expect(JSON.stringify(await res.json())).toContain('not retryable');
  });

  it('treats a network error as retryable', async () => {
    let calls = 0;
    const fetch = (async () => {
      calls++;
      if (calls === 1) throw new TypeError('fetch failed', { cause: { code: 'ECONNRESET' } });
      return new Response('', { status: 200 });
    }) as typeof globalThis.fetch;
    const app = makeApp({ sinks: [webhookSink({ url: 'http://sink.test/hook' })], fetch });
    expect((await post(app, group([crashAlert()]))).status).toBe(200);
    expect(calls).toBe(2);
  });
});

describe('evidence sessions', () => {
  it("one session per cluster, opened with that cluster's targets of the group; resolved alerts are not read", async () => {
    const opened: Array<{ cluster?: string; targets: string[] }> = [];
    let collected = 0;
    const recording: EvidenceSource = {
      description: 'recording',
      session: (o) => {
        opened.push({ ...(o.cluster ? { cluster: o.cluster } : {}), targets: (o.targets ?? []).map((t) => `${t.kind}/${t.namespace}/${t.name}`) });
        return { collect: async () => (collected++, { objects: [oomPod as never], logs: [], partial: false, errors: [] }) };
      },
    };
    const app = makeApp({ evidence: recording });
    const resolved = { ...crashAlert({ pod: 'cart-9' }), status: 'resolved', endsAt: '2026-11-21T09:30:00Z' };
    const res = await post(app, group([crashAlert(), crashAlert({ pod: 'cart-2' }), crashAlert({ pod: 'cart-3', cluster: 'eu-1' }), resolved]));
    expect(res.status).toBe(200);
    expect(opened.sort((a, b) => String(a.cluster).localeCompare(String(b.cluster)))).toEqual([
      { cluster: 'eu-1', targets: ['Pod/shop/cart-3'] },
      { targets: ['Pod/shop/cart-1', 'Pod/shop/cart-2'] },
    ]);
    expect(collected).toBe(3);
  });
});

describe('a failing rule', () => {
  it('sends that alert on as unknown with the reason, and still enriches the rest of the group', async () => {
    // Evidence a rule trips over: a getter that throws when the core reads the pod's status.
    const poisoned = { ...oomPod, metadata: { ...(oomPod.metadata as object), name: 'bad-1' } } as Record<string, unknown>;
    Object.defineProperty(poisoned, 'status', { enumerable: true, get() { throw new Error('rule bug'); } });
    const source: EvidenceSource = {
      description: 'mixed',
      session: () => ({ collect: async (t) => ({ objects: t.name === 'bad-1' ? [poisoned as never] : [oomPod as never], logs: [], partial: false, errors: [] }) }),
    };
    const reported: unknown[] = [];
    const app = makeApp({ evidence: source, onUnexpectedError: (e) => void reported.push(e) });
    const res = await post(app, group([crashAlert({ pod: 'bad-1' }), crashAlert()]));
    expect(res.status).toBe(200);
    const out = await res.json() as Enriched;
    expect(out.alerts[0]!.kubetriage.diagnosis!.id).toBe('unknown');
    expect(out.alerts[0]!.kubetriage.errors.at(-1)).toMatchObject({ reason: 'internal-error', message: 'the diagnosis failed: rule bug' });
    expect(out.alerts[1]!.kubetriage.diagnosis!.id).toBe('crashloop.oom');
    expect(reported).toHaveLength(1);
  });
});
