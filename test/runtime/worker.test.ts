// The Cloudflare Worker, run in workerd itself (`wrangler dev --local` on loopback), compared
// with the same app on Node: inline evidence, evidence read through the fetch-based reader from
// a Kubernetes API double over TLS, an Alertmanager webhook forwarded to a sink, problem+json
// errors, and a misconfigured Worker. Also `wrangler deploy --dry-run`, which bundles it.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { loadSnapshotDir } from '../../src/demo/cluster-snapshot.ts';
import { startKubeApiServer, type KubeApiServer } from '../../src/demo/kube-api-server.ts';
import { fetchEvidenceSource } from '../../src/evidence/fetch-reader.ts';
import { webhookSink } from '../../src/sinks/webhook.ts';
import { freePort } from '../support/real/kube-apiserver.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CONFIG = join(ROOT, 'infra/cloudflare/wrangler.toml');
const WRANGLER = join(ROOT, 'node_modules/wrangler/bin/wrangler.js');
const AUTH = 'worker-test-token-0123456789abcdef';
const KUBE_TOKEN = 'worker-test-kube-token-0123456789';
const OPENAPI = readFileSync(join(ROOT, 'openapi.yaml'), 'utf8');
// A real webhook body, unmodified (shared/ sits beside the repository).
const SAMPLE = readFileSync(join(ROOT, '../shared/samples/alertmanager/multi-alert-firing-compact.json'), 'utf8');
const INLINE = readFileSync(join(ROOT, 'examples/requests/crashloop-oom.json'), 'utf8');
const TARGET_ONLY = readFileSync(join(ROOT, 'examples/requests/target-only.json'), 'utf8');

/** Offline and quiet: no login, no telemetry, no update check, no cf.json download. */
function wranglerEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, CI: 'true', WRANGLER_SEND_METRICS: 'false', WRANGLER_HIDE_BANNER: 'true', CLOUDFLARE_CF_FETCH_ENABLED: 'false', NO_COLOR: '1', ...extra };
  delete env['CLOUDFLARE_API_TOKEN'];
  delete env['CLOUDFLARE_ACCOUNT_ID'];
  return env;
}

interface Dev {
  url: string;
  output: () => string;
  stop(): Promise<void>;
}

/** `wrangler dev --local` on a free loopback port, ready once /healthz answers. */
async function startWranglerDev(vars: Record<string, string>, extraEnv: Record<string, string>, persistTo: string): Promise<Dev> {
  const port = await freePort();
  const inspector = await freePort();
  const args = [WRANGLER, 'dev', '--config', CONFIG, '--ip', '127.0.0.1', '--port', String(port), '--inspector-port', String(inspector), '--local', '--persist-to', persistTo, '--show-interactive-dev-session=false'];
  for (const [k, v] of Object.entries(vars)) args.push('--var', `${k}:${v}`);
  // Its own process group, so stopping it also stops the workerd processes it starts.
  const child: ChildProcess = spawn(process.execPath, args, { cwd: ROOT, env: wranglerEnv(extraEnv), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => ((exited = true), resolve())));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (exited) return;
    process.kill(-child.pid!, 'SIGTERM');
    const timer = setTimeout(() => !exited && process.kill(-child.pid!, 'SIGKILL'), 5000);
    await exit;
    clearTimeout(timer);
  };
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (exited) throw new Error(`wrangler dev exited before it was ready:\n${out}`);
    try {
      const r = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) });
      await r.arrayBuffer();
      if (r.status === 200 || r.status === 500) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`wrangler dev not ready after 90 s:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { url, output: () => out, stop };
}

const post = (url: string, body: string, headers: Record<string, string> = {}) =>
  fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', authorization: `Bearer ${AUTH}`, ...headers } });

describe('the Worker in workerd (wrangler dev --local)', () => {
  let dir = '';
  let tlsApi: KubeApiServer;
  let plainApi: KubeApiServer;
  let sink: http.Server;
  const received: Array<{ path: string; body: string }> = [];
  let sinkUrl = '';
  let dev: Dev | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kubetriage-worker-'));
    const snapshot = loadSnapshotDir(join(ROOT, 'examples/demo-cluster'));
    // The Worker reads this one over TLS; workerd trusts its CA through NODE_EXTRA_CA_CERTS (miniflare passes it on).
    tlsApi = await startKubeApiServer({ snapshot, tls: true, token: KUBE_TOKEN });
    // The Node reference reads the same snapshot over plain HTTP.
    plainApi = await startKubeApiServer({ snapshot, token: KUBE_TOKEN });
    const caFile = join(dir, 'ca.pem');
    writeFileSync(caFile, tlsApi.caPem!);
    sink = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received.push({ path: req.url ?? '', body });
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
    sinkUrl = `http://127.0.0.1:${(sink.address() as AddressInfo).port}/hook`;
    dev = await startWranglerDev(
      { KUBETRIAGE_AUTH_TOKEN: AUTH, KUBETRIAGE_KUBE_API_URL: tlsApi.url, KUBETRIAGE_KUBE_TOKEN: KUBE_TOKEN, KUBETRIAGE_FORWARD_URL: sinkUrl },
      { NODE_EXTRA_CA_CERTS: caFile },
      join(dir, 'state'),
    );
  }, 120_000);

  afterAll(async () => {
    await dev?.stop();
    await tlsApi?.close();
    await plainApi?.close();
    await new Promise((r) => sink?.close(r));
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  /** The same app on Node, configured like the Worker, for comparison. */
  function nodeApp(sinkFetch?: typeof fetch) {
    return createApp({
      evidence: fetchEvidenceSource({ server: plainApi.url, token: KUBE_TOKEN }),
      openapiYaml: OPENAPI,
      auth: { bearerTokens: [AUTH], basicCredentials: [] },
      sinks: [webhookSink({ url: sinkUrl })],
      ...(sinkFetch ? { fetch: sinkFetch } : {}),
    });
  }
  const nodePost = (path: string, body: string, sinkFetch?: typeof fetch) =>
    nodeApp(sinkFetch).request(path, { method: 'POST', body, headers: { 'content-type': 'application/json', authorization: `Bearer ${AUTH}` } });

  it('answers /healthz with the fetch-based reader as its evidence source', async () => {
    const r = await fetch(`${dev!.url}/healthz`);
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ status: 'ok', evidence: `Kubernetes API ${tlsApi.url} (bearer token, fetch)` });
  });

  it('POST /v1/diagnose with inline evidence answers exactly what Node answers', async () => {
    const r = await post(`${dev!.url}/v1/diagnose`, INLINE);
    expect(r.status).toBe(200);
    const worker = (await r.json()) as Record<string, unknown>;
    const node = (await (await nodePost('/v1/diagnose', INLINE)).json()) as Record<string, unknown>;
    expect(worker).toEqual(node);
    expect((worker['diagnosis'] as { id: string }).id).not.toBe('unknown');
  });

  it('POST /v1/diagnose with only a target reads the evidence from the API server over TLS with the token', async () => {
    tlsApi.resetRequests();
    const r = await post(`${dev!.url}/v1/diagnose`, TARGET_ONLY);
    expect(r.status).toBe(200);
    const worker = (await r.json()) as Record<string, unknown>;
    const node = (await (await nodePost('/v1/diagnose', TARGET_ONLY)).json()) as Record<string, unknown>;
    // Same evidence, same diagnosis; only the source's description (its URL) differs.
    expect({ ...worker, evidenceSource: undefined }).toEqual({ ...node, evidenceSource: undefined });
    expect(worker['partial']).toBe(false);
    // The double answers 401 without the token: every request carried it.
    expect(tlsApi.requests.length).toBeGreaterThan(0);
    expect(tlsApi.requests.every((q) => q.method === 'GET' && q.status === 200)).toBe(true);
    expect(tlsApi.requests.some((q) => q.resource === 'pods/log' && q.query['previous'] === 'true')).toBe(true);
  });

  it('POST /v1/alertmanager with a real webhook enriches every alert and forwards the group', async () => {
    received.length = 0;
    const r = await post(`${dev!.url}/v1/alertmanager`, SAMPLE);
    expect(r.status).toBe(200);
    const worker = (await r.json()) as { alerts: Array<{ annotations: Record<string, string> }> };
    const sent = JSON.parse(SAMPLE) as { alerts: unknown[] };
    expect(worker.alerts).toHaveLength(sent.alerts.length);
    for (const a of worker.alerts) expect(a.annotations['kubetriage_diagnosis']).toBeTruthy();
    // The sink got the enriched group from workerd's fetch.
    expect(received).toHaveLength(1);
    expect(received[0]!.path).toBe('/hook');
    expect((JSON.parse(received[0]!.body) as { alerts: unknown[] }).alerts).toEqual(worker.alerts);

    // Node, given the same webhook, answers and forwards the same.
    const forwarded: string[] = [];
    const recordFetch = (async (_url: string | URL | Request, init?: RequestInit) => {
      forwarded.push(String(init?.body));
      return new Response('ok');
    }) as typeof fetch;
    const node = await (await nodePost('/v1/alertmanager', SAMPLE, recordFetch)).json();
    expect(worker).toEqual(node);
    expect(forwarded.map((b) => JSON.parse(b))).toEqual([JSON.parse(received[0]!.body)]);
  });

  it('answers client errors as problem+json', async () => {
    const noAuth = await fetch(`${dev!.url}/v1/diagnose`, { method: 'POST', body: INLINE, headers: { 'content-type': 'application/json' } });
    expect(noAuth.status).toBe(401);
    expect(noAuth.headers.get('content-type')).toBe('application/problem+json');
    expect(noAuth.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(await noAuth.json()).toMatchObject({ type: 'urn:kubetriage:problem:unauthorized', status: 401 });

    const badJson = await post(`${dev!.url}/v1/alertmanager`, '{"alerts": [');
    expect(badJson.status).toBe(400);
    expect(badJson.headers.get('content-type')).toBe('application/problem+json');
    const node = await nodePost('/v1/alertmanager', '{"alerts": [');
    expect(await badJson.json()).toEqual(await node.json());

    const wrongType = await post(`${dev!.url}/v1/diagnose`, INLINE, { 'content-type': 'text/plain' });
    expect(wrongType.status).toBe(415);
    expect((await wrongType.json()) as unknown).toMatchObject({ type: 'urn:kubetriage:problem:unsupported-media-type' });
  });

  it('serves openapi.yaml, bundled as a text module, and has no /metrics', async () => {
    const r = await fetch(`${dev!.url}/openapi.yaml`);
    expect(r.status).toBe(200);
    expect(await r.text()).toBe(OPENAPI);
    const metrics = await fetch(`${dev!.url}/metrics`);
    expect(metrics.status).toBe(501);
    expect(metrics.headers.get('content-type')).toBe('application/problem+json');
  });
});

describe('a misconfigured Worker in workerd', () => {
  let dir = '';
  let dev: Dev | undefined;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kubetriage-worker-bad-'));
    // No credentials, an http:// API server, and a setting Workers cannot honour.
    dev = await startWranglerDev({ KUBETRIAGE_KUBE_API_URL: 'http://10.0.0.1:6443', KUBETRIAGE_KUBE_TOKEN: 'x', KUBETRIAGE_DEMO: 'true' }, {}, join(dir, 'state'));
  }, 120_000);
  afterAll(async () => {
    await dev?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  it('answers 500 problem+json without details, and logs every bad variable once', async () => {
    for (const path of ['/healthz', '/v1/diagnose']) {
      const r = await fetch(`${dev!.url}${path}`, { method: path === '/healthz' ? 'GET' : 'POST', body: path === '/healthz' ? null : INLINE });
      expect(r.status).toBe(500);
      expect(r.headers.get('content-type')).toBe('application/problem+json');
      const body = await r.text();
      expect(JSON.parse(body)).toMatchObject({ type: 'urn:kubetriage:problem:internal', status: 500 });
      expect(body).not.toMatch(/KUBETRIAGE_/);
    }
    // The log reaches wrangler's output asynchronously.
    const deadline = Date.now() + 10_000;
    while (!/invalid configuration/.test(dev!.output()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const out = dev!.output().slice(dev!.output().indexOf('invalid configuration'));
    for (const name of ['KUBETRIAGE_KUBE_API_URL', 'KUBETRIAGE_DEMO', 'KUBETRIAGE_AUTH_TOKEN']) expect(out).toContain(name);
    expect(out.match(/invalid configuration/g)).toHaveLength(1);
  });
});

describe('wrangler deploy --dry-run', () => {
  it('bundles the Worker without nodejs_compat, without @kubernetes/client-node, within the free-plan size limit', () => {
    const out = mkdtempSync(join(tmpdir(), 'kubetriage-worker-bundle-'));
    try {
      const r = spawnSync(process.execPath, [WRANGLER, 'deploy', '--dry-run', '--outdir', out, '--metafile', join(out, 'meta.json'), '--config', CONFIG], { cwd: ROOT, env: wranglerEnv(), encoding: 'utf8', timeout: 120_000 });
      expect(r.status, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toMatch(/--dry-run: exiting now/);
      const bundle = join(out, 'index.js');
      expect(existsSync(bundle)).toBe(true);
      // Workers' free plan takes scripts up to 3 MiB gzipped.
      expect(gzipSync(readFileSync(bundle)).byteLength).toBeLessThan(3 * 1024 * 1024);
      expect(statSync(bundle).size).toBeGreaterThan(0);
      const inputs = Object.keys((JSON.parse(readFileSync(join(out, 'meta.json'), 'utf8')) as { inputs: Record<string, unknown> }).inputs);
      expect(inputs.some((i) => i.includes('src/runtime/worker/index.ts'))).toBe(true);
      expect(inputs.filter((i) => /@kubernetes\/client-node|src\/evidence\/kube-reader|node:/.test(i))).toEqual([]);
      expect(readFileSync(CONFIG, 'utf8')).not.toMatch(/^\s*compatibility_flags.*nodejs_compat/m);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 120_000);
});
