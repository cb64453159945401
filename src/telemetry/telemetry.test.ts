import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { context } from '@opentelemetry/api';
import { createApp } from '../app.ts';
import { snapshotSource } from '../evidence/snapshot-source.ts';
import { webhookSink } from '../sinks/webhook.ts';
import { createPromMetrics } from './prom-metrics.ts';
import { pod } from '../../test/support/kube-builders.ts';
import { KubeConfig } from '@kubernetes/client-node';
import { kubeEvidenceSource } from '../evidence/kube-reader.ts';
import { startKubeApiServer } from '../demo/kube-api-server.ts';

const exporter = new InMemorySpanExporter();
const oomPod = pod({ name: 'cart-1', containers: [{ name: 'cart', restartCount: 7, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { reason: 'OOMKilled', exitCode: 137 } } }] });

beforeAll(() => {
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(provider);
});
afterAll(() => {
  trace.disable();
  context.disable();
});

describe('telemetry', () => {
  it('emits request, classification and sink spans sharing the request id, and counts them in /metrics', async () => {
    const metrics = createPromMetrics();
    const logs: Array<Record<string, unknown>> = [];
    const app = createApp({
      evidence: snapshotSource({ objects: [oomPod as never], logs: [] }, 'test'),
      openapiYaml: '',
      metrics,
      log: (e) => void logs.push(e),
      sinks: [webhookSink({ url: 'http://sink.test/hook' })],
      fetch: (async () => new Response('', { status: 200 })) as typeof fetch,
    });
    const body = { version: '4', alerts: [{ status: 'firing', labels: { alertname: 'KubePodCrashLooping', namespace: 'shop', pod: 'cart-1' }, fingerprint: 'f1', startsAt: '2026-11-21T09:00:00Z' }] };
    const res = await app.request('/v1/alertmanager', { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json', 'x-request-id': 'req-42' } });
    expect(res.status).toBe(200);

    const spans = exporter.getFinishedSpans();
    const request = spans.find((s) => s.name === 'POST /v1/alertmanager')!;
    const classify = spans.find((s) => s.name === 'kubetriage.classify')!;
    const send = spans.find((s) => s.name === 'kubetriage.sink.send')!;
    expect(request.attributes['kubetriage.request_id']).toBe('req-42');
    expect(request.attributes['http.response.status_code']).toBe(200);
    expect(classify.attributes['kubetriage.diagnosis.id']).toBe('crashloop.oom');
    expect(send.attributes['kubetriage.sink.outcome']).toBe('delivered');
    // Child spans belong to the request's trace.
    expect(classify.spanContext().traceId).toBe(request.spanContext().traceId);
    expect(send.spanContext().traceId).toBe(request.spanContext().traceId);
    expect(logs.find((l) => l['msg'] === 'request')!['requestId']).toBe('req-42');

    const text = await (await app.request('/metrics')).text();
    expect(text).toMatch(/kubetriage_http_requests_total\{route="\/v1\/alertmanager",method="POST",status="200"\} 1/);
    expect(text).toMatch(/kubetriage_diagnoses_total\{id="crashloop.oom",partial="false"\} 1/);
    expect(text).toMatch(/kubetriage_sink_outcomes_total\{sink="webhook",outcome="delivered"\} 1/);
    expect(text).toContain('kubetriage_classification_duration_seconds_bucket');
  });

  it('counts evidence errors by reason and labels unknown routes without their raw path', async () => {
    const metrics = createPromMetrics();
    const app = createApp({ evidence: snapshotSource({ objects: [], logs: [] }, 'empty'), openapiYaml: '', metrics });
    await app.request('/v1/diagnose', { method: 'POST', body: JSON.stringify({ target: { kind: 'Pod', namespace: 'shop', name: 'gone-1' } }), headers: { 'content-type': 'application/json' } });
    await app.request('/no/such/path/12345');
    const text = await (await app.request('/metrics')).text();
    expect(text).toMatch(/kubetriage_evidence_errors_total\{reason="not-found"\} 1/);
    expect(text).toMatch(/route="unmatched",method="GET",status="404"/);
    expect(text).not.toContain('12345');
  });

  it('emits one span per evidence fetch with the resource and the outcome', async () => {
    exporter.reset();
    const api = await startKubeApiServer({ snapshot: { objects: [oomPod as never], logs: [] } });
    try {
      const kubeConfig = new KubeConfig();
      kubeConfig.loadFromString(api.kubeconfigYaml());
      api.inject({ match: { resource: 'pods/log' }, action: { status: 403 } });
      const app = createApp({ evidence: kubeEvidenceSource({ kubeConfig }), openapiYaml: '' });
      const res = await app.request('/v1/diagnose', { method: 'POST', body: JSON.stringify({ target: { kind: 'Pod', namespace: 'shop', name: 'cart-1' } }), headers: { 'content-type': 'application/json' } });
      expect(res.status).toBe(200);
      const fetches = exporter.getFinishedSpans().filter((s) => s.name === 'kubetriage.evidence.fetch');
      const pod = fetches.find((s) => s.attributes['k8s.resource'] === 'pods' && s.attributes['k8s.resource.name'] === 'cart-1')!;
      expect(pod.attributes['kubetriage.evidence.outcome']).toBe('object');
      expect(pod.attributes['k8s.namespace.name']).toBe('shop');
      const log = fetches.find((s) => s.attributes['kubetriage.fetch.kind'] === 'log')!;
      expect(log.attributes['kubetriage.evidence.outcome']).toBe('forbidden');
      const request = exporter.getFinishedSpans().find((s) => s.name === 'POST /v1/diagnose')!;
      expect(pod.spanContext().traceId).toBe(request.spanContext().traceId);
    } finally {
      await api.close();
    }
  });

  it('answers 501 at /metrics on a runtime without a registry', async () => {
    const app = createApp({ evidence: snapshotSource({ objects: [], logs: [] }, 'empty'), openapiYaml: '' });
    expect((await app.request('/metrics')).status).toBe(501);
  });
});
