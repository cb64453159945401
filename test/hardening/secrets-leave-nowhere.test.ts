// Secrets in what an alert or an incident carries leave through no side door: not through log
// lines, not through the group-level fields of a forwarded Alertmanager group.
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { hmacSha256 } from '../../src/pagerduty/signature.ts';
import { webhookSink } from '../../src/sinks/webhook.ts';
import { demoSource } from '../support/enriched-alerts.ts';

const SECRET = 'logs-test-webhook-secret-0000001';
const hex = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
// Assembled at runtime so the repository holds nothing a secret scanner would flag.
const AWS_KEY = ['AKIA', 'Z7QW3XK2M9PL4TVB'].join('');
const PASSWORD = ['Hx7', 'qQ2vLmN8rT0sYw'].join('');

describe('log lines are redacted', () => {
  it('an alert group key, a sink failure and an incident whose details carry secrets', async () => {
    const logs: Array<Record<string, unknown>> = [];
    const work: Array<Promise<unknown>> = [];
    let t = 0;
    const app = createApp({
      evidence: demoSource(), openapiYaml: '', log: (e) => logs.push(e),
      clock: { now: () => t, sleep: async (ms) => void (t += ms) },
      sinks: [webhookSink({ url: `http://sink.test/hook?password=${PASSWORD}` })],
      fetch: (async () => { throw new TypeError(`fetch failed: http://sink.test/hook?password=${PASSWORD}`); }) as typeof fetch,
      pagerduty: { webhookSecrets: [SECRET], waitUntil: (p) => work.push(p) },
    });
    const group = JSON.stringify({
      version: '4', status: 'firing', groupKey: `{}:{alertname="X", aws_access_key_id="${AWS_KEY}"}`,
      alerts: [{ status: 'firing', labels: { alertname: 'KubePodCrashLooping', namespace: 'shop', pod: `password=${PASSWORD}` }, annotations: {} }],
    });
    expect((await app.request('/v1/alertmanager', { method: 'POST', body: group, headers: { 'content-type': 'application/json' } })).status).toBe(503);

    const body = JSON.stringify({ event: { id: 'e1', event_type: 'incident.triggered', data: { id: 'Q1LOGS001', title: 'x', body: { details: { labels: { alertname: 'KubePodCrashLooping', namespace: 'shop', pod: `key ${AWS_KEY} password=${PASSWORD}` } } } } } });
    const signature = `v1=${hex(await hmacSha256(SECRET, new TextEncoder().encode(body)))}`;
    expect((await app.request('/v1/pagerduty/webhook', { method: 'POST', body, headers: { 'content-type': 'application/json', 'x-pagerduty-signature': signature } })).status).toBe(202);
    await Promise.all(work);

    const text = JSON.stringify(logs);
    expect(logs.map((l) => l['msg'])).toEqual(expect.arrayContaining(['alertmanager group', 'pagerduty incident']));
    // The lines are still there and still say what happened.
    expect(text).toContain('no-target');
    expect(text).not.toContain(AWS_KEY);
    expect(text).not.toContain(PASSWORD);
  });
});

describe('group-level fields are redacted like the alerts', () => {
  it('commonAnnotations, commonLabels, groupKey and externalURL, in the forwarded body and the response', async () => {
    const sent: string[] = [];
    const app = createApp({
      evidence: demoSource(), openapiYaml: '', sinks: [webhookSink({ url: 'http://sink.test/hook' })],
      fetch: (async (_url: unknown, init?: RequestInit) => { sent.push(String(init?.body)); return new Response(''); }) as typeof fetch,
    });
    const annotations = { description: `db login failed: postgres://app:${PASSWORD}@db:5432/shop` };
    const body = JSON.stringify({
      version: '4', status: 'firing', groupKey: `{}:{aws_access_key_id="${AWS_KEY}"}`, externalURL: `http://admin:${PASSWORD}@alertmanager:9093`,
      groupLabels: {}, commonLabels: { alertname: 'X', token: PASSWORD }, commonAnnotations: annotations,
      alerts: [{ status: 'firing', labels: { alertname: 'X' }, annotations }],
    });
    const res = await app.request('/v1/alertmanager', { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(200);
    const answer = await res.text();
    expect(sent).toHaveLength(1);
    for (const out of [sent[0]!, answer]) {
      expect(out).not.toContain(PASSWORD);
      expect(out).not.toContain(AWS_KEY);
      // Still readable: only the secret part is masked.
      expect(out).toContain('db login failed: postgres://app:');
    }
  });
});
