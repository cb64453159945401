import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApp, type AppDeps } from '../app.ts';
import type { EnrichedGroup } from '../alertmanager/enrich.ts';
import type { EvidenceSource } from '../evidence/source.ts';
import { pagerdutySink } from '../sinks/pagerduty.ts';
import { hmacSha256 } from './signature.ts';
import { MAX_WEBHOOK_BYTES } from './webhook-route.ts';
import { createPagerDutyStandIn, type PagerDutyStandInOptions } from '../../test/support/pagerduty-stand-in.ts';
import { demoGroup, demoSource, DEMO_EXPECTED } from '../../test/support/enriched-alerts.ts';

const SAMPLES = new URL('../../../shared/samples/pagerduty/', import.meta.url);
const vectorBody = readFileSync(new URL('webhook-v3-incident.priority_updated.signed-body.json', SAMPLES));
const vectorSource = readFileSync(new URL('webhook-v3-incident.priority_updated.signed-body.source.txt', SAMPLES), 'utf8');
const VECTOR_SECRET = /secret \(HMAC key[^\n]*\n\s*(\S+)/.exec(vectorSource)![1]!;
const VECTOR_VALID = /must VERIFY:\s*\n\s*X-PagerDuty-Signature: (\S+)/.exec(vectorSource)![1]!;
const VECTOR_INVALID = /must FAIL[^\n]*\n\s*X-PagerDuty-Signature: (\S+)/.exec(vectorSource)![1]!;

const SECRET = 'test-webhook-secret-0123456789abcdef';
const TOKEN = 'u+PagerDutyRestApiToken01';
const FROM = 'kubetriage-bot@example.com';
const hex = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, '0')).join('');

/** The incident.triggered envelope PagerDuty sends (webhooks v3), for an incident `id`. */
function triggered(id: string, over: Record<string, unknown> = {}, eventId = `01EVENT${id}`) {
  return JSON.stringify({ event: { id: eventId, event_type: 'incident.triggered', resource_type: 'incident', occurred_at: '2026-11-21T09:21:00.000Z', agent: null, client: null, data: {
    id, type: 'incident', self: `https://api.pagerduty.com/incidents/${id}`, html_url: `https://acme.pagerduty.com/incidents/${id}`, number: 7, status: 'triggered',
    title: 'Something is wrong', service: { id: 'PSVC01', type: 'service_reference', summary: 'Checkout' }, urgency: 'high', ...over,
  } } });
}

async function signed(body: string | Uint8Array, secret = SECRET): Promise<string> {
  const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body;
  return `v1=${hex(await hmacSha256(secret, bytes))}`;
}

let demo: EnrichedGroup;
beforeAll(async () => {
  demo = await demoGroup();
});

/** The custom_details of the event kubetriage sent for demo alert i: what PagerDuty keeps as the alert body. */
function kubetriageAlertBody(i: number) {
  const [req] = pagerdutySink({ routingKey: 'k'.repeat(32) }).render(demo, [demo.alerts[i]!]);
  const details = (JSON.parse(req!.body) as { payload: { custom_details: unknown } }).payload.custom_details;
  return { type: 'alert', body: { type: 'alert_body', contexts: [], details, cef_details: { details } } };
}

function setup(o: { standIn?: PagerDutyStandInOptions; app?: Partial<AppDeps>; incidentTargets?: RegExp[] } = {}) {
  const standIn = createPagerDutyStandIn({ apiToken: TOKEN, users: [FROM], ...o.standIn });
  const work: Array<Promise<unknown>> = [];
  const logs: Array<Record<string, unknown>> = [];
  let t = 0;
  const app = createApp({
    evidence: demoSource(),
    openapiYaml: '',
    fetch: standIn.fetch,
    clock: { now: () => t, sleep: async (ms) => void (t += ms) },
    log: (e) => logs.push(e),
    pagerduty: {
      webhookSecrets: [SECRET],
      api: { url: standIn.baseUrl, token: TOKEN, from: FROM },
      incidentTargets: (o.incidentTargets ?? []).map((pattern) => ({ field: 'title' as const, pattern })),
      waitUntil: (p) => void work.push(p),
    },
    ...o.app,
  });
  const post = async (body: string | Uint8Array, headers: Record<string, string> = {}) =>
    app.request('/v1/pagerduty/webhook', { method: 'POST', body: body as BodyInit, headers: { 'content-type': 'application/json', 'x-pagerduty-signature': await signed(body), ...headers } });
  const settle = () => Promise.all(work);
  const outcomes = () => logs.filter((l) => l['msg'] === 'pagerduty incident');
  return { standIn, app, post, settle, work, logs, outcomes };
}

describe('POST /v1/pagerduty/webhook: authentication and envelope', () => {
  it('accepts the real signed body byte for byte and acknowledges the event type it does not handle', async () => {
    const { app } = setup({ app: { pagerduty: { webhookSecrets: [VECTOR_SECRET] } } });
    const res = await app.request('/v1/pagerduty/webhook', { method: 'POST', body: vectorBody, headers: { 'content-type': 'application/json', 'x-pagerduty-signature': VECTOR_VALID, 'x-webhook-id': 'wh-1' } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ignored', event_type: 'incident.priority_updated' });
  });

  it('answers 401 for the vector\'s mismatching signature, a missing one, and one made with another secret', async () => {
    const { app } = setup({ app: { pagerduty: { webhookSecrets: [VECTOR_SECRET] } } });
    const variants: Array<Record<string, string>> = [{ 'x-pagerduty-signature': VECTOR_INVALID }, {}, { 'x-pagerduty-signature': await signed(vectorBody, 'some-other-secret-0123456789') }];
    for (const headers of variants) {
      const res = await app.request('/v1/pagerduty/webhook', { method: 'POST', body: vectorBody, headers: { 'content-type': 'application/json', ...headers } });
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
    }
  });

  it('accepts either secret during a rotation, and several signatures in one header', async () => {
    const { app } = setup({ app: { pagerduty: { webhookSecrets: ['the-new-secret-0123456789', VECTOR_SECRET] } } });
    const res = await app.request('/v1/pagerduty/webhook', { method: 'POST', body: vectorBody, headers: { 'x-pagerduty-signature': `${VECTOR_INVALID},${VECTOR_VALID}` } });
    expect(res.status).toBe(200);
  });

  it('refuses bodies above 2 MB with 413', async () => {
    const { post } = setup();
    const big = JSON.stringify({ event: { event_type: 'incident.triggered', data: { id: 'P1', title: 'x'.repeat(MAX_WEBHOOK_BYTES) } } });
    const res = await post(big);
    expect(res.status).toBe(413);
  });

  it('answers 400 for a signed body that is not JSON', async () => {
    const { post } = setup();
    expect((await post('{not json')).status).toBe(400);
  });

  it('answers 404 when PagerDuty webhooks are not configured', async () => {
    const app = createApp({ evidence: demoSource(), openapiYaml: '' });
    const res = await app.request('/v1/pagerduty/webhook', { method: 'POST', body: vectorBody, headers: { 'x-pagerduty-signature': VECTOR_VALID } });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { detail: string }).detail).toContain('KUBETRIAGE_PAGERDUTY_WEBHOOK_SECRET');
  });

  it('is not behind the ingest credentials: the signature is its authentication', async () => {
    const { app } = setup({ app: { auth: { bearerTokens: ['ingest-token-0123456789'], basicCredentials: [] }, pagerduty: { webhookSecrets: [VECTOR_SECRET] } } });
    const res = await app.request('/v1/pagerduty/webhook', { method: 'POST', body: vectorBody, headers: { 'x-pagerduty-signature': VECTOR_VALID } });
    expect(res.status).toBe(200);
  });
});

describe('incident.triggered → diagnosis → incident note', () => {
  it('an incident kubetriage created: finds the object in the alert details and writes the note', async () => {
    const i = DEMO_EXPECTED.findIndex((e) => e.diagnosis === 'dns.resolution-failure' && e.target.kind === 'Pod');
    const { standIn, post, settle, outcomes } = setup({ standIn: { incidents: { PINC001: [kubetriageAlertBody(i)] } } });
    const res = await post(triggered('PINC001'), { 'x-webhook-id': 'wh-100' });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ status: 'accepted', event_type: 'incident.triggered', incident: 'PINC001' });
    await settle();
    expect(standIn.refusedRest).toEqual([]);
    expect(standIn.notes).toHaveLength(1);
    const note = standIn.notes[0]!;
    expect(note.incidentId).toBe('PINC001');
    expect(note.from).toBe(FROM);
    const d = demo.alerts[i]!.kubetriage.diagnosis!;
    expect(note.content).toContain(`kubetriage: Pod payments/checkout-api-846dbf6cbb-5h4gb (found from the incident's alert details)`);
    expect(note.content).toContain(`${d.id} · ${d.title}`);
    expect(note.content).toContain(d.evidence[0]!.text.slice(0, 100));
    expect(note.content).toContain(d.nextSteps[0]!.command);
    for (const r of d.runbooks) expect(note.content).toContain(r);
    expect(outcomes()).toMatchObject([{ incident: 'PINC001', status: 'noted', via: 'details', diagnosis: 'dns.resolution-failure', webhookId: 'wh-100' }]);
    // The REST calls carried the documented headers (the stand-in refuses anything else).
    expect(standIn.log.map((l) => `${l.method} ${l.path} ${l.status}`)).toEqual(['GET /incidents/PINC001/alerts 200', 'POST /incidents/PINC001/notes 201']);
  });

  it('an incident from Alertmanager\'s own PagerDuty integration: reads the labels from the firing text', async () => {
    const firing = 'Labels:\n - alertname = KubePodCrashLooping\n - cluster = demo\n - namespace = shop\n - pod = notifications-7fb7785dbf-ljm5b\n - severity = warning\nAnnotations:\n - summary = crash\nSource: http://prometheus/graph\n';
    const { standIn, post, settle } = setup({ standIn: { incidents: { PAM0001: [{ body: { details: { firing, num_firing: '1', num_resolved: '0', resolved: '' } } }] } } });
    expect((await post(triggered('PAM0001'))).status).toBe(202);
    await settle();
    expect(standIn.notes[0]!.content).toContain('config.missing-secret');
  });

  it('any other incident: the configured title pattern names the object', async () => {
    const { standIn, post, settle, outcomes } = setup({
      standIn: { incidents: { PTTL001: [] } },
      incidentTargets: [/^\[(?<cluster>[\w-]+)\] (?<kind>\w+) (?<namespace>[a-z0-9-]+)\/(?<name>[a-z0-9.-]+) /],
    });
    expect((await post(triggered('PTTL001', { title: '[demo] Deployment shop/cart is degraded' }))).status).toBe(202);
    await settle();
    expect(outcomes()).toMatchObject([{ status: 'noted', via: 'pattern', target: 'Deployment shop/cart', diagnosis: 'crashloop.oom' }]);
    expect(standIn.notes[0]!.content).toContain('found from the incident title/service pattern');
  });

  it('no object found: acknowledged, nothing written, the reason logged', async () => {
    const { standIn, post, settle, outcomes } = setup({ standIn: { incidents: { PNONE01: [{ body: { details: { note: 'a database alert' } } }] } } });
    expect((await post(triggered('PNONE01'))).status).toBe(202);
    await settle();
    expect(standIn.notes).toEqual([]);
    expect(outcomes()).toMatchObject([{ status: 'no-target' }]);
    expect(String(outcomes()[0]!['detail'])).toContain('no title/service pattern is configured');
  });

  it('a re-delivery (same X-Webhook-Id) is acknowledged and not handled twice', async () => {
    const { standIn, post, settle } = setup({ standIn: { incidents: { PDUP001: [kubetriageAlertBody(0)] } } });
    const body = triggered('PDUP001');
    expect((await post(body, { 'x-webhook-id': 'wh-dup' })).status).toBe(202);
    const again = await post(body, { 'x-webhook-id': 'wh-dup' });
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ status: 'duplicate', webhook_id: 'wh-dup' });
    await settle();
    expect(standIn.notes).toHaveLength(1);
  });

  it('other event types are acknowledged and ignored', async () => {
    const { standIn, post, settle } = setup({ standIn: { incidents: { PACK001: [kubetriageAlertBody(0)] } } });
    for (const type of ['incident.acknowledged', 'incident.resolved', 'pagey.ping', 'service.updated']) {
      const body = JSON.stringify({ event: { id: `e-${type}`, event_type: type, data: { id: 'PACK001', type: 'incident' } } });
      const res = await post(body);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ status: 'ignored', event_type: type });
    }
    await settle();
    expect(standIn.log).toEqual([]);
  });

  it('answers before the work is done: the note follows through waitUntil', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    const source = demoSource();
    const slow: EvidenceSource = { description: 'slow', session: (o) => ({ collect: async (t) => { await gate; return source.session(o).collect(t); } }) };
    const { standIn, post, settle, work } = setup({ standIn: { incidents: { PSLOW01: [kubetriageAlertBody(0)] } }, app: { evidence: slow } });
    const res = await post(triggered('PSLOW01'));
    expect(res.status).toBe(202);
    expect(work).toHaveLength(1);
    expect(standIn.notes).toEqual([]);
    release();
    await settle();
    expect(standIn.notes).toHaveLength(1);
  });

  it('retries the note on 429 and 5xx through the shared backoff loop; PagerDuty gets its 2xx regardless', async () => {
    const { standIn, post, settle, outcomes } = setup({ standIn: { incidents: { PRTY001: [kubetriageAlertBody(0)] } } });
    standIn.scriptNotes(429, 502);
    expect((await post(triggered('PRTY001'))).status).toBe(202);
    await settle();
    expect(standIn.log.map((l) => `${l.method} ${l.path} ${l.status}`)).toEqual(['GET /incidents/PRTY001/alerts 200', 'POST /incidents/PRTY001/notes 429', 'POST /incidents/PRTY001/notes 502', 'POST /incidents/PRTY001/notes 201']);
    expect(standIn.notes).toHaveLength(1);
    expect(outcomes()).toMatchObject([{ status: 'noted' }]);
  });

  it('does not retry a note the API refuses (wrong token), and says so in the log without the token', async () => {
    const { standIn, post, settle, outcomes, logs } = setup({ standIn: { incidents: { PAUTH01: [] }, apiToken: 'the-right-token' }, incidentTargets: [/(?<namespace>shop)\/(?<pod>cart-[a-z0-9-]+)/] });
    expect((await post(triggered('PAUTH01', { title: 'shop/cart-86bbddb887-sf7xx OOM' }))).status).toBe(202);
    await settle();
    expect(standIn.log.filter((l) => l.path.endsWith('/notes')).map((l) => l.status)).toEqual([401]);
    expect(outcomes()).toMatchObject([{ status: 'note-failed' }]);
    expect(String(outcomes()[0]!['detail'])).toContain('auth');
    expect(JSON.stringify(logs)).not.toContain(TOKEN);
  });

  it('falls back to the title pattern when the incident\'s alerts cannot be read', async () => {
    const { standIn, post, settle, outcomes } = setup({ standIn: { incidents: {} }, incidentTargets: [/(?<namespace>shop)\/(?<pod>cart-[a-z0-9-]+)/] });
    expect((await post(triggered('PGONE01', { title: 'shop/cart-86bbddb887-sf7xx OOM' }))).status).toBe(202);
    await settle();
    expect(standIn.log.map((l) => l.status)).toEqual([404, 404]);
    expect(outcomes()).toMatchObject([{ status: 'note-failed', via: 'pattern', diagnosis: 'crashloop.oom' }]);
  });
});
