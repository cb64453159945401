// A storm end to end: a real Alertmanager (Debian's 0.25) groups the alerts of one bad rollout by
// namespace, as kube-prometheus routes them, and calls kubetriage's webhook; kubetriage reads the
// cluster through the live reader (@kubernetes/client-node) from the Kubernetes API test server and
// forwards the enriched group to a capture sink. Skipped locally without the binary; under
// CI=true it must run.
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { serve, type ServerType } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deploymentAlert, podAlert } from '../../bench/fixtures/alerts.ts';
import { syntheticCluster } from '../../bench/fixtures/synthetic-cluster.ts';
import { createApp } from '../../src/app.ts';
import { kubeEvidenceSource } from '../../src/evidence/kube-reader.ts';
import { webhookSink } from '../../src/sinks/webhook.ts';
import { eventually, startCaptureSink, type CaptureSink } from '../support/capture-sink.ts';
import { startKubeApiServer, type KubeApiServer } from '../support/kube-api-server.ts';
import { findAlertmanager, startAlertmanager, type RealAlertmanager } from '../support/real/alertmanager.ts';

const IN_CI = process.env.CI === 'true';
const found = findAlertmanager();
const missing = 'missing' in found ? found.missing : undefined;
if (missing && !IN_CI) console.warn(`[e2e] skipping the real Alertmanager storm test: ${missing}`);

const TOKEN = 'e2e-token-0123456789abcdef';
// shop/cart after a bad rollout: 12 replicas on 3 nodes, every one OOMKilled at its limit.
const cluster = syntheticCluster([{ namespace: 'shop', name: 'cart', replicas: 12, failure: 'oom' }], { nodes: 3 });
const ALERTS = [
  ...cluster.pods.map((p) => podAlert('KubePodCrashLooping', p)),
  deploymentAlert('KubeDeploymentReplicasMismatch', 'shop', 'cart'),
].map(({ labels, annotations }) => ({ labels, annotations }));

describe.skipIf(!IN_CI && missing)('a storm: Alertmanager groups it, kubetriage reads the live API once for the group', () => {
  let api: KubeApiServer;
  let sink: CaptureSink;
  let server: ServerType;
  let am: RealAlertmanager | undefined;

  beforeAll(async () => {
    api = await startKubeApiServer({ snapshot: cluster.snapshot });
    sink = await startCaptureSink();
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromString(api.kubeconfigYaml());
    const app = createApp({
      evidence: kubeEvidenceSource({ kubeConfig }),
      openapiYaml: '',
      auth: { bearerTokens: [TOKEN], basicCredentials: [] },
      sinks: [webhookSink({ url: sink.url })],
    });
    await new Promise<void>((r) => { server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => r()); });
    am = await startAlertmanager({
      webhookUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/alertmanager`,
      bearerToken: TOKEN, groupWaitMs: 500, groupIntervalMs: 1000, groupBy: ['namespace'],
    });
  }, 60_000);
  afterAll(async () => {
    await am?.stop();
    server?.close();
    await sink?.close();
    await api?.close();
  });

  it('13 alerts, every one crashloop.oom and whole; the namespace\'s events read once per API group, 13 API calls in all', async () => {
    await am!.postAlerts(ALERTS);
    const delivered = () => new Set(sink.received.flatMap((b) => b.alerts.map((a) => a.labels['pod'] ?? a.labels['deployment']!)));
    expect(await eventually(() => delivered().size === ALERTS.length, 20_000)).toBe(true);
    const alerts = sink.received.flatMap((b) => b.alerts);
    for (const a of alerts) {
      expect(a.annotations['kubetriage_diagnosis'], a.labels['alertname']).toBe('crashloop.oom');
      expect(a.annotations['kubetriage_partial']).toBeUndefined();
    }
    expect(alerts.find((a) => a.labels['deployment'])!.annotations['kubetriage_summary']).toMatch(/^12\/12 pods of deployment shop\/cart: /);
    // Alertmanager sent them as one group (group_by namespace), so the reader read them together.
    const requests = api.requests.filter((r) => r.resource);
    expect(requests.filter((r) => r.resource === 'events').map((r) => r.query['fieldSelector'] ?? 'the namespace')).toEqual(['the namespace', 'the namespace']);
    // The pods by pod-template-hash and by the Deployment's selector, the namespace's events (2), the
    // guessed ReplicaSet and Deployment, the Services, one previous log, the 3 Nodes, the
    // EndpointSlices, and the Deployment's ReplicaSets.
    expect(requests).toHaveLength(13);
  }, 40_000);
});
