import { describe, expect, it } from 'vitest';
import { createApp } from '../app.ts';
import { snapshotSource } from '../evidence/snapshot-source.ts';
import { event, pod } from '../../test/support/kube-builders.ts';

const oomPod = pod({ name: 'cart-1', containers: [{ name: 'cart', restartCount: 7, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { reason: 'OOMKilled', exitCode: 137 } }, spec: { resources: { limits: { memory: '256Mi' } } } }] });
const app = createApp({
  evidence: snapshotSource({ objects: [oomPod as never], logs: [] }, 'test snapshot'),
  openapiYaml: 'openapi: 3.1.0',
  maxBodyBytes: 64 * 1024,
});
const post = (body: string, type = 'application/json') => app.request('/v1/diagnose', { method: 'POST', body, headers: { 'content-type': type } });

async function expectProblem(res: Response, status: number) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  const body = await res.json() as { type: string; title: string; status: number; errors?: Array<{ path: string }> };
  expect(body.status).toBe(status);
  expect(body.type).toMatch(/^urn:kubetriage:problem:/);
  expect(JSON.stringify(body)).not.toMatch(/\bat .*\.ts:\d+/);
  return body;
}

describe('POST /v1/diagnose', () => {
  it('diagnoses inline evidence and infers the single pod as the target', async () => {
    const res = await post(JSON.stringify({ objects: { apiVersion: 'v1', kind: 'List', items: [oomPod, event({ name: 'cart-1', reason: 'BackOff', message: 'Back-off restarting failed container cart in pod cart-1_shop(abc)', count: 30 })] } }));
    expect(res.status).toBe(200);
    const body = await res.json() as { target: { name: string }; diagnosis: { id: string; summary: string }; timeline: Array<{ count: number }>; partial: boolean; evidenceSource: string };
    expect(body.target.name).toBe('cart-1');
    expect(body.diagnosis.id).toBe('crashloop.oom');
    expect(body.diagnosis.summary).toContain('256Mi');
    expect(body.timeline.some((t) => t.count === 30)).toBe(true);
    expect(body.partial).toBe(false);
    expect(body.evidenceSource).toBe('inline');
  });

  it('fetches evidence from the configured source when only a target is given', async () => {
    const res = await post(JSON.stringify({ target: { kind: 'Pod', namespace: 'shop', name: 'cart-1' } }));
    const body = await res.json() as { diagnosis: { id: string }; evidenceSource: string };
    expect(res.status).toBe(200);
    expect(body.diagnosis.id).toBe('crashloop.oom');
    expect(body.evidenceSource).toBe('test snapshot');
  });

  it('marks a target the source does not have as partial, with the reason, and answers unknown', async () => {
    const res = await post(JSON.stringify({ target: { kind: 'Pod', namespace: 'shop', name: 'gone-1' } }));
    const body = await res.json() as { diagnosis: { id: string }; partial: boolean; errors: Array<{ reason: string }> };
    expect(res.status).toBe(200);
    expect(body.partial).toBe(true);
    expect(body.errors[0]?.reason).toBe('not-found');
    expect(body.diagnosis.id).toBe('unknown');
  });

  it('lists objects the core does not use instead of failing', async () => {
    const res = await post(JSON.stringify({ objects: [oomPod, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } }, { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } }] }));
    const body = await res.json() as { ignoredObjects: Array<{ kind: string; reason: string }> };
    expect(res.status).toBe(200);
    expect(body.ignoredObjects.map((o) => o.kind)).toEqual(['ConfigMap', 'Widget']);
  });

  it('answers 400 problem+json with field paths for a bad shape', async () => {
    const body = await expectProblem(await post(JSON.stringify({ target: { kind: 'Banana', name: 'x' }, logs: [{ previous: true }] })), 400);
    const paths = body.errors!.map((e) => e.path);
    expect(paths).toContain('target.kind');
    expect(paths).toContain('logs.0.container');
  });

  it('answers 400 for names that are not valid Kubernetes names', async () => {
    const body = await expectProblem(await post(JSON.stringify({ target: { kind: 'Pod', namespace: 'shop', name: '../secrets' } })), 400);
    expect(body.errors!.map((e) => e.path)).toContain('target.name');
  });

  it('answers 400 for invalid JSON, 415 for another content type, 413 above the limit', async () => {
    await expectProblem(await post('{"objects": ['), 400);
    await expectProblem(await post('{}', 'text/plain'), 415);
    await expectProblem(await post(JSON.stringify({ objects: [{ kind: 'Pod', pad: 'x'.repeat(70 * 1024) }] })), 413);
  });

  it('answers 400 when the target cannot be inferred', async () => {
    const two = [pod({ name: 'a-1' }), pod({ name: 'b-1' })];
    const body = await expectProblem(await post(JSON.stringify({ objects: two })), 400);
    expect(body.errors![0]!.path).toBe('target');
  });

  it('infers the target from alert labels when several pods are sent', async () => {
    const res = await post(JSON.stringify({ objects: [oomPod, pod({ name: 'other-1' })], alert: { labels: { alertname: 'KubePodCrashLooping', namespace: 'shop', pod: 'cart-1', container: 'cart' } } }));
    const body = await res.json() as { target: { name: string; container: string } };
    expect(body.target).toMatchObject({ name: 'cart-1', container: 'cart' });
  });

  it('redacts secrets in log lines before they leave in the response', async () => {
    const res = await post(JSON.stringify({ objects: [pod({ name: 'app-1', containers: [{ name: 'app', restartCount: 4, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { reason: 'Error', exitCode: 1 } } }] })],
      logs: [{ container: 'app', previous: true, lines: ['connecting to postgres://app:s3cr3t-Pa55w0rd@db:5432/shop', 'FATAL: password authentication failed for user "app"'] }] }));
    const text = await res.text();
    expect(res.status).toBe(200);
    expect(text).toContain('password authentication failed');
    expect(text).not.toContain('s3cr3t-Pa55w0rd');
  });

  it('answers unknown routes with a 404 problem', async () => {
    await expectProblem(await app.request('/v1/nope'), 404);
  });
});
