import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createApp } from '../app.ts';
import { noEvidenceSource } from '../evidence/source.ts';
import { hmacSha256 } from '../pagerduty/signature.ts';
import { checkInputLimits, DEFAULT_INPUT_LIMITS, type InputLimits } from './limits.ts';

const small: InputLimits = { maxDepth: 4, maxLabels: 3, maxLabelNameLength: 10, maxLabelValueLength: 20 };
const nest = (depth: number): unknown => (depth <= 1 ? {} : { a: nest(depth - 1) });
const deepArrayText = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

describe('checkInputLimits', () => {
  it('counts the body as level 1 and names the first container past the limit', () => {
    expect(checkInputLimits(nest(4), small)).toBeUndefined();
    const p = checkInputLimits(nest(5), small)!;
    expect(p).toMatchObject({ status: 400, type: 'urn:kubetriage:problem:invalid-request' });
    expect(p.errors).toEqual([{ path: 'a.a.a.a', message: 'nested deeper than 4 levels' }]);
    expect(checkInputLimits({ x: [1, [2, [3]]] }, small)).toBeUndefined();
    expect(checkInputLimits({ x: [1, [2, [3, []]]] }, small)!.errors).toEqual([{ path: 'x.1.1.1', message: 'nested deeper than 4 levels' }]);
    // Scalars do not nest.
    expect(checkInputLimits('text', small)).toBeUndefined();
    expect(checkInputLimits(null, small)).toBeUndefined();
  });

  it('walks a half-million-level body without overflowing the stack', () => {
    const body = JSON.parse(deepArrayText(500_000)) as unknown;
    const p = checkInputLimits(body, DEFAULT_INPUT_LIMITS)!;
    expect(p.errors![0]!.path.split('.')).toHaveLength(DEFAULT_INPUT_LIMITS.maxDepth);
  });

  it('caps entries, name and value lengths of the label maps the route names, and only those', () => {
    const maps = ['alerts.*.labels', 'commonLabels'];
    const ok = { alerts: [{ labels: { a: '1', b: '2', c: '3' } }], commonLabels: {}, other: { a: '1', b: '2', c: '3', d: '4' } };
    expect(checkInputLimits(ok, small, maps)).toBeUndefined();
    const bad = {
      alerts: [{ labels: { a: '1' } }, { labels: { a: '1', b: '2', c: '3', d: '4' } }, { labels: { ['n'.repeat(11)]: 'v', v: 'x'.repeat(21) } }],
      commonLabels: { ['k'.repeat(100)]: 'v' },
    };
    expect(checkInputLimits(bad, small, maps)!.errors).toEqual([
      { path: 'alerts.1.labels', message: 'at most 3 entries (got 4)' },
      { path: `alerts.2.labels.${'n'.repeat(11)}`, message: 'name longer than 10 characters (11)' },
      { path: 'alerts.2.labels.v', message: 'value longer than 20 characters (21)' },
      // Long names are cut in the path, so the answer does not echo a large input.
      { path: `commonLabels.${'k'.repeat(61)}...`, message: 'name longer than 10 characters (100)' },
    ]);
  });

  it('leaves shapes it does not know to the schema: non-string values, maps that are not objects', () => {
    expect(checkInputLimits({ alerts: [{ labels: { a: 1 } }, { labels: 'x' }, 'y'], commonLabels: [] }, small, ['alerts.*.labels', 'commonLabels'])).toBeUndefined();
    expect(checkInputLimits({ alerts: { first: { labels: { a: '1', b: '2', c: '3', d: '4' } } } }, small, ['alerts.*.labels'])!.errors![0]!.path).toBe('alerts.first.labels');
  });

  it('reports at most 20 errors', () => {
    const labels = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`l${i}`, 'x'.repeat(30)]));
    expect(checkInputLimits({ labels }, { ...small, maxLabels: 100 }, ['labels'])!.errors).toHaveLength(20);
  });

  it('accepts the real samples with the default limits', () => {
    for (const f of ['alertmanager/k8s-deployment-resolved.json', 'alertmanager/legacy-firing-no-fingerprint.json', 'alertmanager/multi-alert-firing-compact.json', 'pagerduty/webhook-v3-incident.priority_updated.docs.json']) {
      expect(checkInputLimits(JSON.parse(readFileSync(new URL(`../../../shared/samples/${f}`, import.meta.url), 'utf8')), DEFAULT_INPUT_LIMITS, ['alerts.*.labels']), f).toBeUndefined();
    }
    for (const f of ['crashloop-oom.json', 'dns-failure.json', 'pending-cpu.json']) {
      expect(checkInputLimits(JSON.parse(readFileSync(new URL(`../../examples/requests/${f}`, import.meta.url), 'utf8')), DEFAULT_INPUT_LIMITS), f).toBeUndefined();
    }
  });
});

describe('every ingest route applies the limits, as problem+json with the offending path', () => {
  const SECRET = 'limits-test-webhook-secret-01234';
  const app = createApp({ evidence: noEvidenceSource, openapiYaml: '', inputLimits: { maxDepth: 8, maxLabels: 4 }, pagerduty: { webhookSecrets: [SECRET] } });
  const deep = deepArrayText(5000);
  const hex = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  const post = async (path: string, body: string) => app.request(path, {
    method: 'POST', body,
    headers: { 'content-type': 'application/json', 'x-pagerduty-signature': `v1=${hex(await hmacSha256(SECRET, new TextEncoder().encode(body)))}` },
  });
  const five = { a: '1', b: '2', c: '3', d: '4', e: '5' };

  it.each([
    ['/v1/alertmanager', 'alerts.0.extra.0.0.0.0.0', `{"version":"4","alerts":[{"labels":{"alertname":"X"},"extra":${deep}}]}`],
    ['/v1/alertmanager', 'alerts.1.annotations', JSON.stringify({ version: '4', alerts: [{ labels: { alertname: 'X' } }, { labels: { alertname: 'X' }, annotations: five }] })],
    ['/v1/alertmanager', 'commonLabels', JSON.stringify({ version: '4', alerts: [], commonLabels: five })],
    ['/v1/diagnose', 'objects.0.spec.0.0.0.0.0', `{"objects":[{"kind":"Pod","spec":${deep}}]}`],
    ['/v1/diagnose', 'alert.labels.alertname', JSON.stringify({ objects: [], alert: { labels: { alertname: 'x'.repeat(DEFAULT_INPUT_LIMITS.maxLabelValueLength + 1) } } })],
    ['/v1/pagerduty/webhook', 'event.data.details.0.0.0.0.0', `{"event":{"event_type":"incident.triggered","data":{"id":"P1","details":${deep}}}}`],
    ['/v1/pagerduty/webhook', 'event.data.custom_details.labels', JSON.stringify({ event: { event_type: 'incident.triggered', data: { id: 'P1', custom_details: { labels: five } } } })],
  ])('%s: 400 naming %s', async (path, offending, body) => {
    const res = await post(path, body);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    const p = await res.json() as { type: string; errors: Array<{ path: string }> };
    expect(p.type).toBe('urn:kubetriage:problem:invalid-request');
    expect(p.errors.map((e) => e.path)).toContain(offending);
  });

  it('checks the PagerDuty signature before anything in the body', async () => {
    const res = await app.request('/v1/pagerduty/webhook', { method: 'POST', body: `{"event":${deep}}`, headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(401);
  });
});
