// Sink faults: a sink endpoint on loopback that times out, resets the connection, answers 429 or
// a 5xx. Each takes the retry path (the backoff loop where the policy says a retry can help,
// within the forward budget), then the request is answered 503 so Alertmanager retries the
// group; once the sink is back, the re-sent group is delivered: no alert is lost.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { pagerdutySink } from '../../src/sinks/pagerduty.ts';
import { classifyError, classifyStatus } from '../../src/sinks/retry-policy.ts';
import type { Sink, SinkKind } from '../../src/sinks/sink.ts';
import { slackSink } from '../../src/sinks/slack.ts';
import { webhookSink } from '../../src/sinks/webhook.ts';
import { alertFor, DEMO_EXPECTED, demoSource, payloadOf } from '../support/enriched-alerts.ts';
import { expectProblem } from './checks.ts';

const FORWARD_BUDGET_MS = 1500;
const MARGIN_MS = 3000;

type Mode = 'ok' | 'timeout' | 'reset' | { status: number; retryAfter?: string };
const FAULTS: Array<[name: string, mode: Exclude<Mode, 'ok'>]> = [
  ['timeout', 'timeout'],
  ['reset', 'reset'],
  ['429', { status: 429, retryAfter: '0' }],
  ['500', { status: 500 }],
  ['502', { status: 502 }],
  ['503', { status: 503 }],
];

/** The loopback endpoint: a mode per path, every attempt counted. */
const modes = new Map<string, Mode>();
const attempts = new Map<string, number>();
const delivered = new Map<string, string[]>();
let server: http.Server;
let base: string;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      attempts.set(path, (attempts.get(path) ?? 0) + 1);
      const mode = modes.get(path) ?? 'ok';
      if (mode === 'timeout') return; // accepted, never answered
      if (mode === 'reset') return void req.socket.destroy();
      if (mode === 'ok') {
        delivered.set(path, [...(delivered.get(path) ?? []), Buffer.concat(chunks).toString('utf8')]);
        return void res.writeHead(path.startsWith('/pagerduty') ? 202 : 200, { 'content-type': 'application/json' }).end('{"status":"success"}');
      }
      res.writeHead(mode.status, mode.retryAfter !== undefined ? { 'retry-after': mode.retryAfter } : {}).end('{"message":"injected"}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const SINKS: Array<[kind: SinkKind, make: (url: string) => Sink]> = [
  ['webhook', (url) => webhookSink({ url })],
  ['pagerduty', (url) => pagerdutySink({ routingKey: 'R'.repeat(32), eventsUrl: url })],
  ['slack', (url) => slackSink({ webhookUrl: url })],
];

/** What the shared retry policy says about a fault, for a sink kind. */
function retryable(kind: SinkKind, mode: Exclude<Mode, 'ok'>): boolean {
  const r = mode === 'timeout' ? classifyError(Object.assign(new Error('timed out'), { name: 'TimeoutError' }))
    : mode === 'reset' ? classifyError(new TypeError('fetch failed', { cause: { code: 'ECONNRESET' } }))
    : classifyStatus(kind, mode.status, mode.retryAfter);
  return !r.ok && r.retryable;
}

const body = JSON.stringify(payloadOf([alertFor(DEMO_EXPECTED[0]!.target)]));
const cases = SINKS.flatMap(([kind, make]) => FAULTS.map(([fault, mode]) => ({ kind, make, fault, mode, path: `/${kind}/${fault}` })));

describe('sink faults take the retry path and answer 503; the re-sent group is delivered', () => {
  it(`${cases.length} cases: ${SINKS.map((s) => s[0]).join(', ')} × ${FAULTS.map((f) => f[0]).join(', ')}`, async () => {
    const results = await Promise.all(cases.map(async (c) => {
      modes.set(c.path, c.mode);
      const sink = c.make(`${base}${c.path}`);
      const app = createApp({ evidence: demoSource(), openapiYaml: '', sinks: [sink], forwardBudgetMs: FORWARD_BUDGET_MS });
      const started = performance.now();
      const res = await app.request('/v1/alertmanager', { method: 'POST', body, headers: { 'content-type': 'application/json' } });
      const elapsed = performance.now() - started;
      const failed = { status: res.status, retryAfter: res.headers.get('retry-after'), contentType: res.headers.get('content-type'), problem: await res.json(), attempts: attempts.get(c.path) ?? 0, elapsed };
      // The sink is back; Alertmanager sends the group again.
      modes.set(c.path, 'ok');
      const again = await app.request('/v1/alertmanager', { method: 'POST', body, headers: { 'content-type': 'application/json' } });
      const health = await app.request('/healthz');
      return { c, sink, failed, again: { status: again.status, body: await again.json() as { kubetriage: { delivered: Array<{ sink: string; alerts: number }> } } }, health: health.status };
    }));

    for (const { c, sink, failed, again, health } of results) {
      const label = `${c.kind} × ${c.fault}`;
      expect(failed.status, label).toBe(503);
      expect(failed.contentType, label).toBe('application/problem+json');
      expect(failed.retryAfter, label).toBe('10');
      // The one documented 5xx: a delivery that failed, so the sender retries.
      expectProblem(failed.problem, 503);
      const p = failed.problem as { type: string; errors: Array<{ path: string; message: string }>; detail: string };
      expect(p.type, label).toBe('urn:kubetriage:problem:delivery-failed');
      expect(p.errors.map((e) => e.path), label).toEqual([`sinks.${sink.name}`]);
      expect(p.detail, label).toMatch(c.mode === 'timeout' ? /timeout/ : c.mode === 'reset' ? /network/ : /HTTP \d{3}/);
      expect(failed.elapsed, label).toBeLessThan(FORWARD_BUDGET_MS + MARGIN_MS);
      // In-process retries where the policy says they can help; a timeout takes the whole budget in one attempt.
      if (c.mode === 'timeout') expect(failed.attempts, label).toBeGreaterThanOrEqual(1);
      else if (retryable(c.kind, c.mode)) expect(failed.attempts, label).toBeGreaterThanOrEqual(2);
      else expect(failed.attempts, label).toBe(1);
      // Nothing was lost: the re-sent group got through, exactly once.
      expect(again.status, label).toBe(200);
      expect(again.body.kubetriage.delivered, label).toEqual([expect.objectContaining({ sink: sink.name, alerts: 1 })]);
      expect(delivered.get(c.path), label).toHaveLength(1);
      expect(health, label).toBe(200);
    }
    // The policy is not trivial here: a webhook's 429 is final (Alertmanager's semantics), PagerDuty's and Slack's are retried.
    expect(retryable('webhook', { status: 429 })).toBe(false);
    expect(retryable('pagerduty', { status: 429 })).toBe(true);
  }, 60_000);
});
