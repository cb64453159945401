import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../app.ts';
import { alertKeyOf, type EnrichedAlert, type EnrichedGroup } from '../alertmanager/enrich.ts';
import { deliver } from './deliver.ts';
import { fitEvent, MAX_EVENT_BYTES, pagerdutyEvent, pagerdutySeverity, pagerdutySink, type PagerDutyEvent } from './pagerduty.ts';
import { createPagerDutyStandIn, validateEvent } from '../../test/support/pagerduty-stand-in.ts';
import { alertFor, DEMO_EXPECTED, demoGroup, demoSource, enrich, payloadOf, resolvedAlert } from '../../test/support/enriched-alerts.ts';

const KEY = 'R0UT1NGKEY0123456789abcdefABCDEF';
const render = (group: EnrichedGroup, alerts: EnrichedAlert[], key = KEY) => pagerdutySink({ routingKey: key }).render(group, alerts);
const eventOf = (group: EnrichedGroup, alert: EnrichedAlert) => JSON.parse(render(group, [alert])[0]!.body) as PagerDutyEvent;
const clock = () => {
  let t = 0;
  return { now: () => t, sleep: async (ms: number) => void (t += ms) };
};

let demo: EnrichedGroup;
beforeAll(async () => {
  demo = await demoGroup();
});

describe('PagerDuty Events API v2 sink', () => {
  it('renders every demo diagnosis as a trigger event the Events API stand-in accepts', async () => {
    const standIn = createPagerDutyStandIn();
    for (const req of render(demo, demo.alerts)) {
      expect(req.url).toBe('https://events.pagerduty.com/v2/enqueue');
      const res = await standIn.fetch(standIn.eventsUrl, { method: 'POST', headers: req.headers, body: req.body });
      expect(res.status, req.body.slice(0, 200)).toBe(202);
      expect(await res.json()).toEqual({ status: 'success', message: 'Event processed', dedup_key: (JSON.parse(req.body) as PagerDutyEvent).dedup_key });
    }
    expect(standIn.accepted).toHaveLength(DEMO_EXPECTED.length);
    expect(standIn.rejected).toEqual([]);
  });

  it('fills the payload from the diagnosis: summary, severity, source, component, group, class, details, links', () => {
    const i = DEMO_EXPECTED.findIndex((e) => e.target.kind === 'Pod' && e.diagnosis === 'crashloop.oom');
    const alert = demo.alerts[i]!;
    const d = alert.kubetriage.diagnosis!;
    const e = eventOf(demo, alert);
    expect(e.routing_key).toBe(KEY);
    expect(e.event_action).toBe('trigger');
    expect(e.dedup_key).toBe(alert.fingerprint);
    const p = e.payload!;
    expect(p.summary.startsWith(`${d.title}: Pod shop/cart-86bbddb887-sf7xx`)).toBe(true);
    expect(p.severity).toBe('warning');
    expect(p.source).toBe('demo/shop/pod/cart-86bbddb887-sf7xx');
    expect(p.component).toBe('cart');
    expect(p.group).toBe('shop');
    expect(p.class).toBe('crashloop.oom');
    expect(p.timestamp).toBe('2026-11-21T09:20:00Z');
    const details = p.custom_details as { diagnosis: { id: string }; evidence: string[]; next_steps: string[]; timeline: string[]; target: unknown; labels: Record<string, string> };
    expect(details.diagnosis.id).toBe('crashloop.oom');
    expect(details.evidence).toHaveLength(d.evidence.length);
    expect(details.evidence[0]).toContain(d.evidence[0]!.text);
    expect(details.next_steps[0]).toContain(d.nextSteps[0]!.command);
    expect(details.timeline.length).toBeGreaterThan(0);
    expect(details.target).toEqual(alert.kubetriage.target);
    expect(details.labels['pod']).toBe('cart-86bbddb887-sf7xx');
    const hrefs = e.links!.map((l) => l.href);
    for (const r of d.runbooks) expect(hrefs).toContain(r);
    expect(hrefs).toContain(String(alert.generatorURL));
    const silence = hrefs.find((h) => h.startsWith('http://alertmanager.monitoring:9093/#/silences/new?filter='))!;
    expect(decodeURIComponent(silence.split('filter=')[1]!)).toBe('{alertname="KubePodCrashLooping",cluster="demo",namespace="shop",pod="cart-86bbddb887-sf7xx",severity="warning"}');
  });

  it('names the workload as the component and critical alerts as critical', () => {
    const i = DEMO_EXPECTED.findIndex((e) => e.target.kind === 'Deployment' && e.target.name === 'checkout-api');
    const p = eventOf(demo, demo.alerts[i]!).payload!;
    expect(p.component).toBe('checkout-api');
    expect(p.severity).toBe('critical');
    expect(p.source).toBe('demo/payments/deployment/checkout-api');
  });

  it('maps the severity label to PagerDuty severities', () => {
    const table: Array<[string | undefined, string]> = [
      ['critical', 'critical'], ['CRITICAL', 'critical'], ['page', 'critical'], ['error', 'error'], ['high', 'error'],
      ['warning', 'warning'], ['warn', 'warning'], ['info', 'info'], ['none', 'info'], ['low', 'info'], [undefined, 'error'], ['whatever', 'error'],
    ];
    for (const [label, expected] of table) expect(pagerdutySeverity(label), String(label)).toBe(expected);
  });

  it('resolves with the same dedup_key, and the stand-in accepts the resolve', async () => {
    const firing = demo.alerts[0]!;
    const resolved = resolvedAlert(demo, firing);
    const e = eventOf(demo, resolved);
    expect(e).toEqual({ routing_key: KEY, dedup_key: firing.fingerprint, event_action: 'resolve' });
    const standIn = createPagerDutyStandIn();
    expect((await standIn.fetch(standIn.eventsUrl, { method: 'POST', body: JSON.stringify(e) })).status).toBe(202);
  });

  it('keeps dedup_key stable across re-deliveries; without a fingerprint it is the group key plus the labels', async () => {
    const a = alertFor(DEMO_EXPECTED[0]!.target);
    const { fingerprint: _, ...noFingerprint } = a;
    const first = await enrich(payloadOf([noFingerprint]));
    const again = await enrich(payloadOf([{ ...noFingerprint, annotations: { summary: 'changed text' } }]));
    const other = await enrich(payloadOf([{ ...noFingerprint, labels: { ...noFingerprint.labels, severity: 'critical' } }]));
    const key = eventOf(first, first.alerts[0]!).dedup_key;
    expect(key).toBe(await alertKeyOf(noFingerprint, String(first.groupKey)));
    expect(eventOf(again, again.alerts[0]!).dedup_key).toBe(key);
    expect(eventOf(other, other.alerts[0]!).dedup_key).not.toBe(key);
    expect(key.length).toBeLessThanOrEqual(255);
  });

  it('keeps the summary within 1024 characters, title and object first', () => {
    const alert = structuredClone(demo.alerts[0]!);
    alert.kubetriage.diagnosis!.summary = 'x'.repeat(5000);
    const summary = eventOf(demo, alert).payload!.summary;
    expect(summary.length).toBeLessThanOrEqual(1024);
    expect(summary.startsWith(`${alert.kubetriage.diagnosis!.title}: Pod shop/`)).toBe(true);
  });

  it('truncates the largest evidence with a visible marker so the whole event stays under 512 KB', async () => {
    const alert = structuredClone(demo.alerts[0]!);
    const big = 'OOM at rss=249MiB '.repeat(30_000); // ~540 KB in one line
    alert.kubetriage.diagnosis!.evidence.push({ source: 'log shop/cart (previous)', text: big }, { source: 'log shop/cart', text: 'y'.repeat(200_000) });
    const body = render(demo, [alert])[0]!.body;
    expect(new TextEncoder().encode(body).length).toBeLessThan(MAX_EVENT_BYTES);
    const evidence = (JSON.parse(body) as PagerDutyEvent).payload!.custom_details!['evidence'] as string[];
    const cut = evidence.find((e) => e.startsWith('log shop/cart (previous): OOM at rss'))!;
    expect(cut).toMatch(/\[truncated by kubetriage: \d+ characters removed/);
    expect(cut.length).toBeLessThan(big.length);
    // Small evidence is left whole.
    expect(evidence[0]).toBe(`${alert.kubetriage.diagnosis!.evidence[0]!.source}: ${alert.kubetriage.diagnosis!.evidence[0]!.text}`);
    const standIn = createPagerDutyStandIn();
    expect((await standIn.fetch(standIn.eventsUrl, { method: 'POST', body })).status).toBe(202);
  });

  it('fits events made of many small details too', () => {
    const labels: Record<string, string> = {};
    for (let i = 0; i < 20_000; i++) labels[`label_${i}`] = 'v'.repeat(30);
    const e = fitEvent({ routing_key: KEY, dedup_key: 'k', event_action: 'trigger' as const, payload: { summary: 's', source: 's', severity: 'info' as const, custom_details: { diagnosis: { id: 'x' }, labels } } });
    expect(new TextEncoder().encode(JSON.stringify(e)).length).toBeLessThan(MAX_EVENT_BYTES);
    expect(e.payload.custom_details['diagnosis']).toEqual({ id: 'x' });
  });

  it('renders an alert without a resolvable object from its labels', async () => {
    const g = await enrich(payloadOf([{ labels: { alertname: 'Watchdog', severity: 'none' }, annotations: {}, status: 'firing', startsAt: '2026-11-21T09:00:00Z', fingerprint: 'f00d' }]));
    const e = eventOf(g, g.alerts[0]!);
    expect(e.payload!.source).toBe('Watchdog');
    expect(e.payload!.severity).toBe('info');
    expect(validateEvent(e, 100)).toEqual([]);
  });
});

describe('Events API stand-in', () => {
  const valid = () => ({ routing_key: KEY, event_action: 'trigger', dedup_key: 'k1', payload: { summary: 's', source: 'src', severity: 'error' } });
  it.each([
    ['a routing key that is not 32 characters', (e: Record<string, unknown>) => { e['routing_key'] = 'short'; }, "'routing_key' must be 32 characters"],
    ['an unknown event_action', (e: Record<string, unknown>) => { e['event_action'] = 'open'; }, "'event_action' must be one of trigger, acknowledge, resolve"],
    ['a dedup_key over 255 characters', (e: Record<string, unknown>) => { e['dedup_key'] = 'k'.repeat(256); }, "'dedup_key' must be at most 255 characters"],
    ['a trigger without summary', (e: Record<string, unknown>) => { delete (e['payload'] as Record<string, unknown>)['summary']; }, "'payload.summary' is missing or blank"],
    ['a summary over 1024 characters', (e: Record<string, unknown>) => { (e['payload'] as Record<string, unknown>)['summary'] = 's'.repeat(1025); }, "'payload.summary' must be at most 1024 characters"],
    ['a trigger without source', (e: Record<string, unknown>) => { delete (e['payload'] as Record<string, unknown>)['source']; }, "'payload.source' is missing or blank"],
    ['an unknown severity', (e: Record<string, unknown>) => { (e['payload'] as Record<string, unknown>)['severity'] = 'high'; }, "'payload.severity' must be one of critical, error, warning, info"],
    ['a resolve without dedup_key', (e: Record<string, unknown>) => { e['event_action'] = 'resolve'; delete e['dedup_key']; }, "'dedup_key' is required to acknowledge or resolve"],
  ])('rejects %s with 400 and errors[]', async (_name, spoil, error) => {
    const standIn = createPagerDutyStandIn();
    const e = valid() as Record<string, unknown>;
    spoil(e);
    const res = await standIn.fetch(standIn.eventsUrl, { method: 'POST', body: JSON.stringify(e) });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ status: 'invalid event', message: 'Event object is invalid', errors: [error] });
  });

  it('answers a body that is not JSON as PagerDuty does', async () => {
    const standIn = createPagerDutyStandIn();
    const res = await standIn.fetch(standIn.eventsUrl, { method: 'POST', body: '{nope' });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ status: 'Unrecognized object', message: 'Event object format is unrecognized', errors: ['JSON parse error'] });
  });

  it('accepts the documented trigger example once its routing key has the real length', () => {
    const example = JSON.parse(readFileSync(new URL('../../../shared/samples/pagerduty/events-v2-trigger.docs.json', import.meta.url), 'utf8')) as Record<string, unknown>;
    expect(validateEvent(example, 900)).toEqual(["'routing_key' must be 32 characters"]);
    expect(validateEvent({ ...example, routing_key: KEY }, 900)).toEqual([]);
  });
});

describe('PagerDuty delivery: the shared retry policy and backoff loop', () => {
  it('retries 429 and 5xx, then delivers', async () => {
    const standIn = createPagerDutyStandIn();
    standIn.scriptEvents(429, 500, 503);
    const req = render(demo, [demo.alerts[0]!])[0]!;
    const c = clock();
    const outcome = await deliver({ ...req, url: standIn.eventsUrl }, { kind: 'pagerduty', fetch: standIn.fetch, deadline: 60_000, now: c.now, sleep: c.sleep, random: () => 0.5 });
    expect(outcome).toEqual({ result: { ok: true, status: 202 }, attempts: 4 });
    expect(standIn.accepted).toHaveLength(1);
  });

  it('delivers over real HTTP to the stand-in on loopback (as KUBETRIAGE_PAGERDUTY_EVENTS_URL would point it)', async () => {
    const standIn = createPagerDutyStandIn();
    const server = await standIn.listen();
    try {
      standIn.scriptEvents({ status: 429, retryAfter: '0' });
      const [req] = pagerdutySink({ routingKey: KEY, eventsUrl: `${server.url}/v2/enqueue` }).render(demo, [demo.alerts[1]!]);
      const c = clock();
      const outcome = await deliver(req!, { kind: 'pagerduty', fetch: globalThis.fetch, deadline: 60_000, now: c.now, sleep: c.sleep });
      expect(outcome).toEqual({ result: { ok: true, status: 202 }, attempts: 2 });
      expect(standIn.accepted[0]).toMatchObject({ routing_key: KEY, event_action: 'trigger', dedup_key: demo.alerts[1]!.fingerprint });
    } finally {
      await server.close();
    }
  });

  it('a last attempt the deadline cuts short reports what the sink answered before', async () => {
    const standIn = createPagerDutyStandIn();
    standIn.scriptEvents(502);
    const req = render(demo, [demo.alerts[0]!])[0]!;
    const c = clock();
    let calls = 0;
    // The second attempt never answers before the deadline.
    const fetch: typeof globalThis.fetch = (url, init) => (++calls === 1 ? standIn.fetch(url, init)
      : Promise.reject(Object.assign(new Error('timed out'), { name: 'TimeoutError' })));
    const outcome = await deliver({ ...req, url: standIn.eventsUrl }, { kind: 'pagerduty', fetch, deadline: 60_000, now: c.now, sleep: c.sleep, random: () => 0.5, maxAttempts: 2 });
    expect(outcome.attempts).toBe(2);
    expect(outcome.result).toMatchObject({ ok: false, reason: 'timeout' });
    expect(outcome.result.ok ? '' : outcome.result.detail).toMatch(/^no answer within the deadline; the attempt before: .*HTTP 502/);
  });

  it('does not retry an event the API rejects (400)', async () => {
    const standIn = createPagerDutyStandIn();
    const req = render(demo, [demo.alerts[0]!], 'too-short-key')[0]!;
    const c = clock();
    const outcome = await deliver({ ...req, url: standIn.eventsUrl }, { kind: 'pagerduty', fetch: standIn.fetch, deadline: 60_000, now: c.now, sleep: c.sleep });
    expect(outcome.attempts).toBe(1);
    expect(outcome.result).toMatchObject({ ok: false, retryable: false, reason: 'client', status: 400 });
  });

  it('through POST /v1/alertmanager: every alert becomes an event; the routing key is never logged or answered', async () => {
    const standIn = createPagerDutyStandIn();
    const logs: string[] = [];
    const c = clock();
    const app = createApp({ evidence: demoSource(), openapiYaml: '', sinks: [pagerdutySink({ routingKey: KEY, eventsUrl: standIn.eventsUrl })], fetch: standIn.fetch, clock: c, log: (e) => logs.push(JSON.stringify(e)) });
    const body = JSON.stringify(payloadOf(DEMO_EXPECTED.slice(0, 3).map((e) => alertFor(e.target))));
    const post = () => app.request('/v1/alertmanager', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect((await post()).status).toBe(200);
    expect(standIn.accepted.map((e) => e['event_action'])).toEqual(['trigger', 'trigger', 'trigger']);
    // A PagerDuty outage: the answer is 503 (Alertmanager retries), and still no key anywhere.
    standIn.scriptEvents(...Array<number>(20).fill(503));
    const failing = await app.request('/v1/alertmanager', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(payloadOf([alertFor(DEMO_EXPECTED[5]!.target)])) });
    expect(failing.status).toBe(503);
    const answer = await failing.text();
    expect(answer).toContain('pagerduty');
    expect(answer).not.toContain(KEY);
    expect(logs.length).toBeGreaterThan(0);
    for (const line of logs) expect(line).not.toContain(KEY);
  });
});
