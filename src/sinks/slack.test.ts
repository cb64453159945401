import { beforeAll, describe, expect, it } from 'vitest';
import type { EnrichedAlert, EnrichedGroup } from '../alertmanager/enrich.ts';
import { DeliveryRecord } from '../alertmanager/delivery-record.ts';
import { forwardGroup } from '../alertmanager/forward.ts';
import { SLACK_LIMITS, slackSink, type SlackBlock, type SlackMessage } from './slack.ts';
import { DEMO_EXPECTED, demoGroup, resolvedAlert } from '../../test/support/enriched-alerts.ts';

const URL_ = 'https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX';
const render = (group: EnrichedGroup, alert: EnrichedAlert) => {
  const [req] = slackSink({ webhookUrl: URL_ }).render(group, [alert]);
  return { req: req!, message: JSON.parse(req!.body) as SlackMessage };
};

/** Every Block Kit limit the message must respect; returns the violations. */
function violations(m: SlackMessage): string[] {
  const out: string[] = [];
  if (!m.text || m.text.length > SLACK_LIMITS.sectionText) out.push('text fallback missing or too long');
  if (m.blocks.length > SLACK_LIMITS.blocks) out.push(`${m.blocks.length} blocks`);
  m.blocks.forEach((b: SlackBlock, i) => {
    if (b.type === 'header' && (b.text.type !== 'plain_text' || b.text.text.length > SLACK_LIMITS.headerText)) out.push(`blocks[${i}] header`);
    if (b.type === 'section') {
      if (b.text && b.text.text.length > SLACK_LIMITS.sectionText) out.push(`blocks[${i}] section text ${b.text.text.length}`);
      if (b.fields && (b.fields.length > SLACK_LIMITS.fields || b.fields.some((f) => f.text.length > SLACK_LIMITS.fieldText))) out.push(`blocks[${i}] fields`);
      if (!b.text && !b.fields) out.push(`blocks[${i}] empty section`);
    }
    if (b.type === 'actions') {
      if (b.elements.length > SLACK_LIMITS.actionElements) out.push(`blocks[${i}] ${b.elements.length} elements`);
      for (const e of b.elements) {
        if (e.text.text.length > SLACK_LIMITS.buttonText || e.url.length > SLACK_LIMITS.buttonUrl) out.push(`blocks[${i}] button`);
      }
      if (new Set(b.elements.map((e) => e.action_id)).size !== b.elements.length) out.push(`blocks[${i}] duplicate action_id`);
    }
    if (b.type === 'context' && (b.elements.length > SLACK_LIMITS.contextElements || b.elements.some((e) => e.text.length > SLACK_LIMITS.sectionText))) out.push(`blocks[${i}] context`);
  });
  return out;
}

let demo: EnrichedGroup;
beforeAll(async () => {
  demo = await demoGroup();
});

describe('Slack sink', () => {
  it('posts one message per alert to the webhook URL, keyed for the delivery record', () => {
    const reqs = slackSink({ webhookUrl: URL_ }).render(demo, demo.alerts);
    expect(reqs).toHaveLength(demo.alerts.length);
    expect(reqs.map((r) => r.url)).toEqual(demo.alerts.map(() => URL_));
    expect(reqs.map((r) => r.deliveryKey)).toEqual(demo.alerts.map((a) => a.kubetriage.deliveryKey));
    expect(reqs[0]!.headers['content-type']).toBe('application/json');
  });

  DEMO_EXPECTED.forEach((expected, i) => {
    const what = `${expected.target.kind} ${expected.target.namespace}/${expected.target.name}`;
    it(`renders ${what} (${expected.diagnosis}) within Block Kit limits, as in the snapshot`, () => {
      const alert = demo.alerts[i]!;
      const d = alert.kubetriage.diagnosis!;
      const { message } = render(demo, alert);
      expect(violations(message)).toEqual([]);
      const header = message.blocks[0] as Extract<SlackBlock, { type: 'header' }>;
      expect(header.text.text).toBe(`${d.title} · ${what}`.slice(0, 150));
      const fields = message.blocks.flatMap((b) => (b.type === 'section' && b.fields ? b.fields.map((f) => f.text) : []));
      expect(fields).toEqual([`*Layer*\n${d.layer}`, `*Confidence*\n${d.confidence.toFixed(2)}`, `*Namespace*\n${expected.target.namespace}`, '*Cluster*\ndemo']);
      const texts = message.blocks.flatMap((b) => (b.type === 'section' && b.text ? [b.text.text] : []));
      if (d.evidence.length > 0) expect(texts.some((t) => t.startsWith('*Evidence*'))).toBe(true);
      if (d.nextSteps.length > 0) expect(texts.find((t) => t.startsWith('*Next steps*'))).toContain('```');
      const buttons = message.blocks.flatMap((b) => (b.type === 'actions' ? b.elements.map((e) => e.url) : []));
      for (const r of d.runbooks) expect(buttons).toContain(r);
      expect(message.text).toContain(d.title);
      expect(message).toMatchSnapshot();
    });
  });

  it('renders a resolved alert as resolved', () => {
    const alert = resolvedAlert(demo, demo.alerts[0]!);
    const { message } = render(demo, alert);
    expect(violations(message)).toEqual([]);
    const header = message.blocks[0] as Extract<SlackBlock, { type: 'header' }>;
    expect(header.text.text).toBe('✅ Resolved: KubePodCrashLooping · Pod shop/cart-86bbddb887-sf7xx');
    expect(message.text).toBe('[RESOLVED] KubePodCrashLooping: Pod shop/cart-86bbddb887-sf7xx');
    expect(JSON.stringify(message)).not.toContain('*Evidence*');
    expect(message).toMatchSnapshot();
  });

  it('stays within the limits for huge diagnoses, long names and many runbooks', () => {
    const alert = structuredClone(demo.alerts[0]!);
    const d = alert.kubetriage.diagnosis!;
    d.title = 'T'.repeat(400);
    d.summary = 'S'.repeat(10_000);
    d.evidence = Array.from({ length: 40 }, (_, i) => ({ source: `src-${i}-${'s'.repeat(500)}`, text: 'e'.repeat(5000) }));
    d.nextSteps = Array.from({ length: 40 }, (_, i) => ({ command: `kubectl get pod ${'p'.repeat(2000)}-${i}`, why: 'w'.repeat(900), safety: 'read-only' as const }));
    d.runbooks = Array.from({ length: 60 }, (_, i) => `https://runbooks.example.com/${'r'.repeat(100)}/${i}`);
    alert.labels['cluster'] = 'c'.repeat(3000);
    alert.kubetriage.partial = true;
    alert.kubetriage.errors = Array.from({ length: 50 }, () => ({ reason: 'timeout' as const, resource: 'pods', message: 'm'.repeat(200) }));
    const { message } = render(demo, alert);
    expect(violations(message)).toEqual([]);
    const evidence = message.blocks.find((b) => b.type === 'section' && b.text?.text.startsWith('*Evidence*'));
    expect(evidence && evidence.type === 'section' && evidence.text!.text).toMatch(/…and \d+ more$|…$/);
  });

  it('escapes mrkdwn control characters in cluster data', () => {
    const alert = structuredClone(demo.alerts[0]!);
    alert.kubetriage.diagnosis!.evidence = [{ source: 'log', text: 'failed <@U123> & <!channel> <https://evil.example|click>' }];
    const { message } = render(demo, alert);
    const text = JSON.stringify(message);
    expect(text).toContain('failed &lt;@U123&gt; &amp; &lt;!channel&gt; &lt;https://evil.example|click&gt;');
    expect(text).not.toContain('<!channel>');
  });
});

describe('Slack delivery: the shared retry policy and backoff loop', () => {
  it('honours Retry-After on 429, retries 5xx, and delivers', async () => {
    const answers: Array<[number, Record<string, string>]> = [[429, { 'retry-after': '7' }], [503, {}], [200, {}]];
    const posted: string[] = [];
    const fetch = (async (_url: string | URL | Request, init?: RequestInit) => {
      posted.push(String(init?.body));
      const [status, headers] = answers.shift()!;
      return new Response(status === 200 ? 'ok' : '', { status, headers });
    }) as typeof globalThis.fetch;
    const slept: number[] = [];
    let t = 0;
    const report = await forwardGroup({ ...demo, alerts: [demo.alerts[0]!] }, {
      sinks: [slackSink({ webhookUrl: URL_ })], record: new DeliveryRecord({ ttlMs: 1000, maxEntries: 10, now: () => t }),
      fetch, now: () => t, sleep: async (ms) => { slept.push(ms); t += ms; }, deadline: 60_000,
    });
    expect(report.delivered).toEqual([{ sink: 'slack', alerts: 1, attempts: 3 }]);
    expect(slept[0]).toBe(7000);
    expect(new Set(posted).size).toBe(1);
  });

  it('does not retry a 404 (a revoked webhook) and reports it', async () => {
    let calls = 0;
    const fetch = (async () => { calls++; return new Response('no_service', { status: 404 }); }) as typeof globalThis.fetch;
    const report = await forwardGroup({ ...demo, alerts: [demo.alerts[0]!] }, {
      sinks: [slackSink({ webhookUrl: URL_ })], record: new DeliveryRecord({ ttlMs: 1000, maxEntries: 10, now: () => 0 }),
      fetch, now: () => 0, sleep: async () => undefined, deadline: 60_000,
    });
    expect(calls).toBe(1);
    expect(report.failures).toMatchObject([{ sink: 'slack', reason: 'client', retryable: false, required: true }]);
  });
});
