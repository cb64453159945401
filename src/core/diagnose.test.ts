import { describe, expect, it } from 'vitest';
import { diagnose } from './diagnose.ts';
import { buildSnapshot } from './snapshot.ts';
import { bundle, event, eventV1, node, object, pod, previousLog } from '../../test/support/kube-builders.ts';

const backoff = { waiting: { reason: 'CrashLoopBackOff' } };
const oom = { terminated: { reason: 'OOMKilled', exitCode: 137 } };
const owner = { kind: 'ReplicaSet', name: 'cart-7d9f8b6c5d' };
const rs = object('ReplicaSet', 'apps/v1', 'cart-7d9f8b6c5d', { metadata: { ownerReferences: [{ kind: 'Deployment', name: 'cart', controller: true }] } });
const deployment = object('Deployment', 'apps/v1', 'cart', { spec: { replicas: 3, selector: { matchLabels: { app: 'cart' } } }, status: { replicas: 3, readyReplicas: 1, availableReplicas: 1, unavailableReplicas: 2 } });

describe('diagnose (the engine)', () => {
  it('summarises a workload by how many of its pods share the primary diagnosis', () => {
    const pods = [
      pod({ name: 'cart-7d9f8b6c5d-aaaaa', owner, containers: [{ name: 'cart', restartCount: 5, state: backoff, lastState: oom, spec: { resources: { limits: { memory: '256Mi' } } } }] }),
      pod({ name: 'cart-7d9f8b6c5d-bbbbb', owner, containers: [{ name: 'cart', restartCount: 4, state: backoff, lastState: oom, spec: { resources: { limits: { memory: '256Mi' } } } }] }),
      pod({ name: 'cart-7d9f8b6c5d-ccccc', owner }),
    ];
    const r = diagnose(bundle([deployment, rs, ...pods], { target: { kind: 'Deployment', namespace: 'shop', name: 'cart' } }));
    expect(r.diagnosis.id).toBe('crashloop.oom');
    expect(r.diagnosis.summary).toMatch(/^2\/3 pods of deployment shop\/cart: .*OOMKilled.*256Mi/);
  });

  it('prefers the root cause: DNS failure in the previous logs outranks the generic crash loop, which becomes an alternative', () => {
    const r = diagnose(bundle([pod({ containers: [{ name: 'app', restartCount: 3, state: backoff, lastState: { terminated: { reason: 'Error', exitCode: 1 } } }] })],
      { logs: [previousLog('app', ['starting', 'dial tcp: lookup postgres on 10.96.0.10:53: no such host'])] }));
    expect(r.diagnosis.id).toBe('dns.resolution-failure');
    const generic = r.alternatives.find((a) => a.id === 'crashloop.app-error');
    expect(generic).toBeDefined();
    expect(generic!.confidence).toBeLessThan(r.diagnosis.confidence);
  });

  it('picks the worst container, init containers included', () => {
    const r = diagnose(bundle([pod({ phase: 'Pending', initContainers: [{ name: 'migrate', restartCount: 4, state: backoff, lastState: { terminated: { reason: 'Error', exitCode: 2 } } }], containers: [{ name: 'app', state: { waiting: { reason: 'PodInitializing' } } }] })]));
    expect(r.diagnosis.id).toBe('init-container.failing');
    expect(r.diagnosis.subject.container).toBe('migrate');
  });

  it('answers healthy for a running, ready pod, but a past OOMKill outranks it', () => {
    expect(diagnose(bundle([pod()])).diagnosis.id).toBe('healthy');
    expect(diagnose(bundle([pod({ containers: [{ name: 'app', restartCount: 1, lastState: oom }] })])).diagnosis.id).toBe('container.oom-killed');
  });

  it('answers unknown, with what was seen, when no rule fires', () => {
    const r = diagnose(bundle([pod({ containers: [{ name: 'app', ready: false, state: { running: { startedAt: '2026-11-21T09:00:00Z' } } }] }),
      event({ name: 'cart-7d9f8b6c5d-x2x9k', reason: 'SomethingOdd', message: 'an event no rule knows' })]));
    expect(r.diagnosis.id).toBe('unknown');
    expect(r.diagnosis.confidence).toBe(0);
    expect(r.diagnosis.evidence.map((e) => e.text).join('\n')).toContain('an event no rule knows');
    expect(r.diagnosis.evidence.some((e) => e.source.includes('status.phase'))).toBe(true);
  });

  it('orders next steps read-only first and fills in namespace and names', () => {
    const r = diagnose(bundle([pod({ containers: [{ name: 'cart', restartCount: 5, state: backoff, lastState: oom, spec: { resources: { limits: { memory: '256Mi' } } } }] })]));
    const safety = r.diagnosis.nextSteps.map((s) => s.safety);
    expect(safety[0]).toBe('read-only');
    expect([...safety].sort((a, b) => ['read-only', 'reversible', 'risky'].indexOf(a) - ['read-only', 'reversible', 'risky'].indexOf(b))).toEqual(safety);
    expect(r.diagnosis.nextSteps[0]!.command).toBe('kubectl -n shop describe pod cart-7d9f8b6c5d-x2x9k');
    expect(r.diagnosis.nextSteps.some((s) => s.command.includes('set resources deployment/cart -c cart --limits=memory=512Mi'))).toBe(true);
  });

  it("lists the alert's runbook_url first, then the organisation's template, then the public pages", () => {
    const b = bundle([pod({ containers: [{ name: 'cart', restartCount: 5, state: backoff, lastState: oom }] })], { alert: { labels: {}, annotations: { runbook_url: 'https://own.example/rb' } } });
    const r = diagnose(b, { runbookTemplates: { 'crashloop.oom': 'https://wiki.example/{id}/{namespace}/{name}' } });
    expect(r.diagnosis.runbooks).toEqual([
      'https://own.example/rb',
      'https://wiki.example/crashloop.oom/shop/cart-7d9f8b6c5d-x2x9k',
      'https://runbooks.prometheus-operator.dev/runbooks/kubernetes/kubepodcrashlooping',
      'https://kubernetes.io/docs/tasks/configure-pod-container/assign-memory-resource/',
    ]);
  });
});

describe('timeline', () => {
  it('puts events and status transitions in time order and folds repeats with their counts', () => {
    const p = pod({ containers: [{ name: 'cart', restartCount: 5, state: backoff, lastState: { terminated: { reason: 'OOMKilled', exitCode: 137, finishedAt: '2026-11-21T09:05:00Z' } } }] });
    const r = diagnose(bundle([p,
      event({ name: 'cart-7d9f8b6c5d-x2x9k', reason: 'BackOff', message: 'Back-off restarting failed container', count: 10, first: '2026-11-21T09:02:00Z', last: '2026-11-21T09:10:00Z' }),
      event({ name: 'cart-7d9f8b6c5d-x2x9k', reason: 'BackOff', message: 'Back-off restarting failed container', count: 5, first: '2026-11-21T09:11:00Z', last: '2026-11-21T09:20:00Z' }),
      event({ name: 'cart-7d9f8b6c5d-x2x9k', reason: 'Pulled', message: 'Container image already present', type: 'Normal', first: '2026-11-21T09:01:00Z' }),
    ]));
    const backoffs = r.timeline.filter((t) => t.reason === 'BackOff');
    expect(backoffs).toHaveLength(1);
    expect(backoffs[0]).toMatchObject({ count: 15, at: '2026-11-21T09:02:00Z', lastAt: '2026-11-21T09:20:00Z' });
    const times = r.timeline.map((t) => t.at);
    expect([...times].sort()).toEqual(times);
    expect(r.timeline.some((t) => t.kind === 'transition' && t.message.includes('OOMKilled'))).toBe(true);
  });
});

describe('evidence snapshot', () => {
  it('reads events in both API groups, counts series.count ?? count ?? 1, and keeps an event seen twice once', () => {
    const core = event({ name: 'p-1', reason: 'Unhealthy', message: 'Readiness probe failed: HTTP probe failed with statuscode: 503', count: 4 });
    const sameAsV1 = { ...eventV1({ name: 'p-1', reason: 'Unhealthy', message: 'Readiness probe failed: HTTP probe failed with statuscode: 503' }), metadata: core.metadata };
    const series = eventV1({ name: 'p-1', reason: 'BackOff', message: 'Back-off', seriesCount: 17 });
    const plain = eventV1({ name: 'p-1', reason: 'Pulling', message: 'Pulling image' });
    const snap = buildSnapshot(bundle([pod({ name: 'p-1' }), core, sameAsV1, series, plain]));
    const byReason = Object.fromEntries(snap.eventsFor({ kind: 'Pod', namespace: 'shop', name: 'p-1' }).map((e) => [e.reason, e.count]));
    expect(byReason).toEqual({ Unhealthy: 4, BackOff: 17, Pulling: 1 });
  });

  it('ignores Secrets, ConfigMaps and unknown kinds, and says why', () => {
    const snap = buildSnapshot(bundle([pod(), object('Secret', 'v1', 'db', { data: { password: 'aHVudGVyMg==' } }), object('ConfigMap', 'v1', 'cfg'), object('Widget', 'example.com/v1', 'w'), node('worker-1')]));
    expect(snap.ignored.map((i) => [i.kind, i.reason])).toEqual([
      ['Secret', 'Secret contents are never read'],
      ['ConfigMap', 'ConfigMap contents are never read'],
      ['Widget', 'kind Widget is not used by the diagnosis core'],
    ]);
    expect(snap.list('Node')).toHaveLength(1);
  });

  it('unwraps kubectl List objects, nested or not', () => {
    const snap = buildSnapshot(bundle([{ apiVersion: 'v1', kind: 'List', items: [pod(), { apiVersion: 'v1', kind: 'NodeList', items: [node('a'), node('b')] }] } as never]));
    expect(snap.list('Pod')).toHaveLength(1);
    expect(snap.list('Node')).toHaveLength(2);
  });
});
