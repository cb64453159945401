// Smoke test for the real components the integration tests drive: a real kube-apiserver (with
// etcd) and a real Alertmanager. Skipped locally when they are not installed; in CI
// (CI=true) missing binaries fail the run.
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import {
  applyAdmin,
  asReadonly,
  bindReadonlyUser,
  findKubeApiServer,
  kubeRequest,
  startRealKubeApiServer,
  type RealKubeApiServer,
} from './kube-apiserver.ts';
import { findAlertmanager, startAlertmanager, type RealAlertmanager } from './alertmanager.ts';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const IN_CI = process.env.CI === 'true';

const kube = findKubeApiServer();
const am = findAlertmanager();
const kubeMissing = 'missing' in kube ? kube.missing : undefined;
const amMissing = 'missing' in am ? am.missing : undefined;

if (!IN_CI) {
  if (kubeMissing) console.warn(`[real-components] skipping kube-apiserver tests: ${kubeMissing}`);
  if (amMissing) console.warn(`[real-components] skipping Alertmanager tests: ${amMissing}`);
}

describe('real components are installed in CI', () => {
  it.runIf(IN_CI)('finds kube-apiserver, etcd and Alertmanager', () => {
    expect(kubeMissing).toBeUndefined();
    expect(amMissing).toBeUndefined();
  });
});

describe.skipIf(kubeMissing !== undefined && !IN_CI)('real kube-apiserver', () => {
  let server: RealKubeApiServer | undefined;
  const ns = 'smoke-test';

  beforeAll(async () => {
    server = await startRealKubeApiServer();
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
  }, 30_000);

  it('serves pods to kapi-readonly through kubetriage-readonly and forbids secrets', async () => {
    const s = server!;

    const role = parseYaml(fs.readFileSync(path.join(REPO_ROOT, 'infra/kubernetes/clusterrole.yaml'), 'utf8'));
    expect(role.metadata.name).toBe('kubetriage-readonly');
    const created = await applyAdmin(s, 'POST', '/apis/rbac.authorization.k8s.io/v1/clusterroles', role);
    expect(created.status, JSON.stringify(created.json)).toBe(201);
    await bindReadonlyUser(s, 'kubetriage-readonly');

    const nsRes = await applyAdmin(s, 'POST', '/api/v1/namespaces', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: ns },
    });
    expect(nsRes.status, JSON.stringify(nsRes.json)).toBe(201);

    const podRes = await applyAdmin(s, 'POST', `/api/v1/namespaces/${ns}/pods`, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web-0', labels: { app: 'web' } },
      spec: { containers: [{ name: 'web', image: 'nginx:1.25' }] },
    });
    expect(podRes.status, JSON.stringify(podRes.json)).toBe(201);

    const secretRes = await applyAdmin(s, 'POST', `/api/v1/namespaces/${ns}/secrets`, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'db-password' },
      stringData: { password: 'hunter2' },
    });
    expect(secretRes.status, JSON.stringify(secretRes.json)).toBe(201);

    const got = await asReadonly(s, 'GET', `/api/v1/namespaces/${ns}/pods/web-0`);
    expect(got.status, JSON.stringify(got.json)).toBe(200);
    expect(got.json.metadata.name).toBe('web-0');
    expect(got.json.spec.containers[0].image).toBe('nginx:1.25');

    const listed = await asReadonly(s, 'GET', `/api/v1/namespaces/${ns}/pods`);
    expect(listed.status).toBe(200);
    expect(listed.json.items.map((p: { metadata: { name: string } }) => p.metadata.name)).toEqual(['web-0']);

    const secret = await asReadonly(s, 'GET', `/api/v1/namespaces/${ns}/secrets/db-password`);
    expect(secret.status).toBe(403);
    expect(secret.json.kind).toBe('Status');
    expect(secret.json.reason).toBe('Forbidden');
    expect(secret.json.message).toContain(`User "${s.readonlyUser}" cannot get resource "secrets"`);

    // No write verbs either.
    const del = await asReadonly(s, 'DELETE', `/api/v1/namespaces/${ns}/pods/web-0`);
    expect(del.status).toBe(403);
    expect(del.json.reason).toBe('Forbidden');
  }, 60_000);

  it('rejects a bad token with 401', async () => {
    const s = server!;
    const res = await kubeRequest(s, { token: 'not-a-token', method: 'GET', path: '/api/v1/namespaces' });
    expect(res.status).toBe(401);
  }, 60_000);

  it('writes a kubeconfig that names the server, CA and token', () => {
    const s = server!;
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kubetriage-kubeconfig-')), 'config');
    try {
      s.writeKubeconfig(file, 'readonly');
      const cfg = parseYaml(fs.readFileSync(file, 'utf8'));
      expect(cfg.clusters[0].cluster.server).toBe(s.url);
      expect(Buffer.from(cfg.clusters[0].cluster['certificate-authority-data'], 'base64').toString()).toBe(s.caPem);
      expect(cfg.users[0].user.token).toBe(s.readonlyToken);
    } finally {
      fs.rmSync(path.dirname(file), { recursive: true, force: true });
    }
  });
});

describe.skipIf(amMissing !== undefined && !IN_CI)('real Alertmanager', () => {
  let alertmanager: RealAlertmanager | undefined;
  let capture: http.Server | undefined;
  const received: Array<{ headers: http.IncomingHttpHeaders; body: any }> = [];
  let notify: (() => void) | undefined;

  beforeAll(async () => {
    capture = http.createServer((req, res) => {
      let text = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => (text += c));
      req.on('end', () => {
        received.push({ headers: req.headers, body: JSON.parse(text) });
        notify?.();
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => capture!.listen(0, '127.0.0.1', resolve));
    const port = (capture.address() as AddressInfo).port;
    alertmanager = await startAlertmanager({
      webhookUrl: `http://127.0.0.1:${port}/alertmanager/webhook`,
      bearerToken: 'smoke-secret',
      groupWaitMs: 500,
      groupIntervalMs: 1000,
    });
  }, 60_000);

  afterAll(async () => {
    await alertmanager?.stop();
    await new Promise<void>((resolve) => (capture ? capture.close(() => resolve()) : resolve()));
  }, 30_000);

  it('delivers a posted alert to the webhook as a version 4 payload with the bearer token', async () => {
    const arrived = new Promise<void>((resolve) => (notify = resolve));
    await alertmanager!.postAlerts([
      {
        labels: { alertname: 'KubePodCrashLooping', namespace: 'shop', pod: 'cart-7d9f', severity: 'warning' },
        annotations: { summary: 'Pod shop/cart-7d9f is crash looping' },
        generatorURL: 'http://prometheus.example/graph?g0.expr=up',
      },
    ]);
    await arrived;

    expect(received).toHaveLength(1);
    const { headers, body } = received[0]!;
    expect(headers.authorization).toBe('Bearer smoke-secret');
    expect(headers['content-type']).toContain('application/json');
    expect(body.version).toBe('4');
    expect(body.status).toBe('firing');
    expect(body.receiver).toBe('kubetriage');
    expect(body.groupLabels).toEqual({ alertname: 'KubePodCrashLooping' });
    expect(body.alerts).toHaveLength(1);
    expect(body.alerts[0].labels).toEqual({
      alertname: 'KubePodCrashLooping',
      namespace: 'shop',
      pod: 'cart-7d9f',
      severity: 'warning',
    });
    expect(body.alerts[0].annotations.summary).toBe('Pod shop/cart-7d9f is crash looping');
    expect(body.alerts[0].generatorURL).toBe('http://prometheus.example/graph?g0.expr=up');
    expect(body.alerts[0].status).toBe('firing');
    expect(typeof body.alerts[0].fingerprint).toBe('string');
  }, 60_000);
});
