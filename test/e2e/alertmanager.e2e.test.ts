// End to end through a real Alertmanager (Debian's 0.25): alerts are posted to its API, it calls
// kubetriage's webhook with bearer auth, and kubetriage forwards the enriched group to a capture
// sink. Skipped locally without the binary; under CI=true it must run.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { createApp } from '../../src/app.ts';
import { loadSnapshotDir } from '../../src/demo/cluster-snapshot.ts';
import { snapshotSource } from '../../src/evidence/snapshot-source.ts';
import { webhookSink } from '../../src/sinks/webhook.ts';
import { findAlertmanager, startAlertmanager, type RealAlertmanager } from '../support/real/alertmanager.ts';
import { eventually, startCaptureSink, type CaptureSink } from '../support/capture-sink.ts';

const IN_CI = process.env.CI === 'true';
const found = findAlertmanager();
const missing = 'missing' in found ? found.missing : undefined;
if (missing && !IN_CI) console.warn(`[e2e] skipping the real Alertmanager tests: ${missing}`);

const TOKEN = 'e2e-token-0123456789abcdef';
const demo = snapshotSource(loadSnapshotDir(fileURLToPath(new URL('../../examples/demo-cluster/', import.meta.url))), 'demo');

const ALERTS = [
  { labels: { alertname: 'KubePodCrashLooping', namespace: 'shop', pod: 'cart-86bbddb887-sf7xx', container: 'cart', severity: 'warning' } },
  { labels: { alertname: 'KubePodCrashLooping', namespace: 'payments', pod: 'checkout-api-846dbf6cbb-5h4gb', container: 'checkout-api', severity: 'warning' } },
  { labels: { alertname: 'KubePodCrashLooping', namespace: 'payments', pod: 'ledger-756d88cbff-ttw4w', container: 'ledger', severity: 'warning' } },
];
const EXPECTED: Record<string, string> = { 'cart-86bbddb887-sf7xx': 'crashloop.oom', 'checkout-api-846dbf6cbb-5h4gb': 'dns.resolution-failure', 'ledger-756d88cbff-ttw4w': 'crashloop.app-error' };

async function startKubetriage(sinkUrl: string): Promise<{ url: string; server: ServerType }> {
  const app = createApp({ evidence: demo, openapiYaml: '', auth: { bearerTokens: [TOKEN], basicCredentials: [] }, sinks: [webhookSink({ url: sinkUrl })], forwardBudgetMs: 300 });
  let server!: ServerType;
  await new Promise<void>((r) => { server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => r()); });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

function deliveredByPod(sink: CaptureSink): Map<string, number> {
  const counts = new Map<string, number>();
  for (const body of sink.received) for (const a of body.alerts) counts.set(a.labels['pod']!, (counts.get(a.labels['pod']!) ?? 0) + 1);
  return counts;
}

describe.skipIf(!IN_CI && missing)('Alertmanager → kubetriage → sink', () => {
  let sink: CaptureSink;
  let kt: { url: string; server: ServerType };
  let am: RealAlertmanager | undefined;

  beforeAll(async () => {
    sink = await startCaptureSink();
    kt = await startKubetriage(sink.url);
  });
  afterAll(async () => {
    await am?.stop();
    kt?.server.close();
    await sink?.close();
  });

  it('delivers the enriched group to the sink', async () => {
    am = await startAlertmanager({ webhookUrl: `${kt.url}/v1/alertmanager`, bearerToken: TOKEN, groupWaitMs: 500, groupIntervalMs: 1000, groupBy: ['alertname'] });
    await am.postAlerts(ALERTS);
    expect(await eventually(() => deliveredByPod(sink).size === 3, 20_000)).toBe(true);
    for (const body of sink.received) {
      for (const a of body.alerts) {
        expect(a.annotations['kubetriage_diagnosis']).toBe(EXPECTED[a.labels['pod']!]);
        expect(a.annotations['runbook_url']).toMatch(/^https:\/\//);
      }
    }
    await am.stop();
    am = undefined;
  }, 60_000);

  it('loses no alert and doubles none while the sink is down for several attempts', async () => {
    sink.received.length = 0;
    sink.failNext(4, 503);
    const fresh = ALERTS.map((a) => ({ labels: { ...a.labels, alertname: 'KubePodNotReady' } }));
    am = await startAlertmanager({ webhookUrl: `${kt.url}/v1/alertmanager`, bearerToken: TOKEN, groupWaitMs: 300, groupIntervalMs: 1000, groupBy: ['alertname'] });
    await am.postAlerts(fresh.slice(0, 2));
    // A third alert joins the group while the sink is still failing.
    await new Promise((r) => setTimeout(r, 700));
    await am.postAlerts(fresh.slice(2));
    expect(await eventually(() => deliveredByPod(sink).size === 3, 40_000)).toBe(true);
    expect(sink.rejected).toBe(4);
    // Alertmanager keeps re-sending the group; wait for a few more intervals, then count.
    await new Promise((r) => setTimeout(r, 3000));
    expect([...deliveredByPod(sink).values()]).toEqual([1, 1, 1]);
  }, 90_000);
});
