// The container's artefact: the Node server bundled by scripts/build-server.ts, written outside the
// repository (no node_modules anywhere above it) and run as fresh processes, as the image runs it.
// A preloaded hook records every module each process loads, so "live mode does not load the demo
// machinery" is observed, from the bundle and from the sources alike.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { builtinModules } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleServer, type ServerBundle } from '../../scripts/build-server.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TOKEN = 'node-bundle-token-0123456789abcdef';

// Preloaded with --import: writes the URLs of the modules the process loaded to LOADED_FILE at exit.
const RECORDER = `
import { registerHooks } from 'node:module';
import { writeFileSync } from 'node:fs';
const loaded = [];
registerHooks({ load(url, context, next) { loaded.push(url); return next(url, context); } });
process.on('exit', () => writeFileSync(process.env.LOADED_FILE, JSON.stringify(loaded)));
`;

interface Started {
  child: ChildProcess;
  base: string;
  log: () => string;
  /** SIGTERM, then the exit code and the modules it loaded (node: built-ins left out). */
  stop(): Promise<{ code: number | null; loaded: string[] }>;
}

describe('the Node server bundle (dist/server/main.mjs)', () => {
  let dir: string;
  let bundle: ServerBundle;
  let recorder: string;
  let kubeconfig: string;
  let runs = 0;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kubetriage-server-'));
    bundle = await bundleServer({ outdir: join(dir, 'dist/server') });
    recorder = join(dir, 'recorder.mjs');
    writeFileSync(recorder, RECORDER);
    // Live mode against a cluster that is never reached: nothing here sends a request to it.
    kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(kubeconfig, 'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:9"}}]\nusers: [{name: u, user: {token: abc}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n', { mode: 0o600 });
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const start = async (entry: string, env: Record<string, string>): Promise<Started> => {
    const loadedFile = join(dir, `loaded-${runs++}.json`);
    let output = '';
    // The server prints "listening on :<port>"; a port taken between choosing and binding is retried.
    for (let attempt = 0; ; attempt++) {
      const port = await freePort();
      const child = spawn(process.execPath, ['--import', pathToFileURL(recorder).href, entry], {
        cwd: dir,
        env: { PATH: process.env['PATH'] ?? '', HOME: dir, PORT: String(port), HOST: '127.0.0.1', LOADED_FILE: loadedFile, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      output = '';
      child.stdout!.on('data', (c: Buffer) => { output += c.toString('utf8'); });
      child.stderr!.on('data', (c: Buffer) => { output += c.toString('utf8'); });
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      const listening = await Promise.race([
        (async () => { while (!output.includes(`listening on :${port}`)) await sleep(20); return true; })(),
        exited.then(() => false),
        sleep(20_000).then(() => false),
      ]);
      if (!listening) {
        child.kill('SIGKILL');
        if (attempt < 2 && output.includes('EADDRINUSE')) continue;
        throw new Error(`the server did not start: ${output}`);
      }
      return {
        child,
        base: `http://127.0.0.1:${port}`,
        log: () => output,
        stop: async () => {
          child.kill('SIGTERM');
          const code = await exited;
          const loaded = (JSON.parse(readFileSync(loadedFile, 'utf8')) as string[]).filter((u) => !u.startsWith('node:'));
          return { code, loaded };
        },
      };
    }
  };

  it('holds everything but Node built-ins: nothing to install beside it', () => {
    const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
    expect(bundle.files.flatMap((f) => f.external).filter((p) => !builtins.has(p))).toEqual([]);
    expect(bundle.files.flatMap((f) => f.inputs)).toEqual(expect.arrayContaining(['node_modules/hono/dist/hono.js', 'node_modules/@kubernetes/client-node/dist/config.js']));
  });

  it('loads neither the demo machinery nor the OpenTelemetry SDK, nor client-node\'s generated models and undici, nor zod\'s translations, at start', () => {
    const atStart = bundle.files.filter((f) => f.atStart).flatMap((f) => f.inputs);
    expect(atStart).toContain('src/runtime/node/server.ts');
    expect(atStart).toContain('node_modules/@kubernetes/client-node/dist/config.js');
    expect(atStart.filter((i) => i.startsWith('src/demo/') || i.startsWith('node_modules/@opentelemetry/sdk-'))).toEqual([]);
    expect(atStart.filter((i) => i.includes('client-node/dist/gen/models/'))).toEqual([]);
    // client-node's undici (its fetch clients; the reader uses node:http) and zod's translations.
    expect(atStart.filter((i) => i.startsWith('node_modules/undici/') || i.startsWith('node_modules/zod/v4/locales/') && !i.endsWith('/en.js'))).toEqual([]);
    const lazy = bundle.files.filter((f) => !f.atStart).flatMap((f) => f.inputs);
    expect(lazy).toEqual(expect.arrayContaining(['src/demo/kube-api-server.ts', 'src/demo/cluster-snapshot.ts', 'src/telemetry/node-sdk.ts']));
  });

  it('demo mode: serves /healthz and a /v1/diagnose from the snapshot copied beside it, then drains on SIGTERM', async () => {
    const s = await start(bundle.entry, { KUBETRIAGE_DEMO: 'true' });
    try {
      const health = await fetch(`${s.base}/healthz`).then((r) => r.json() as Promise<{ status: string; evidence: string }>);
      expect(health).toMatchObject({ status: 'ok', evidence: expect.stringMatching(/^demo cluster snapshot/) });
      const res = await fetch(`${s.base}/v1/diagnose`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: readFileSync(join(ROOT, 'examples/requests/target-only.json'), 'utf8') });
      expect(res.status).toBe(200);
      const body = await res.json() as { diagnosis: { id: string }; partial: boolean };
      expect(body.diagnosis.id).toBe('crashloop.oom'); // examples/demo-cluster/expected.json
      expect(body.partial).toBe(false);
      // openapi.yaml, read from beside the bundle.
      expect(await fetch(`${s.base}/openapi.yaml`).then((r) => r.text())).toMatch(/^openapi: /m);
    } finally {
      const { code, loaded } = await s.stop();
      expect(code).toBe(0);
      expect(s.log()).toContain('"msg":"draining"');
      expect(loaded.every((u) => u.startsWith(pathToFileURL(join(dir, 'dist/server')).href) || u === pathToFileURL(recorder).href)).toBe(true);
      const demoChunk = bundle.files.find((f) => f.inputs.includes('src/demo/kube-api-server.ts'))!;
      expect(loaded).toContain(pathToFileURL(demoChunk.path).href);
    }
  });

  it('live mode: starts without loading the demo chunk or the OpenTelemetry chunk', async () => {
    const s = await start(bundle.entry, { KUBETRIAGE_DEMO: 'false', KUBECONFIG: kubeconfig, KUBETRIAGE_AUTH_TOKEN: TOKEN });
    const health = await fetch(`${s.base}/healthz`).then((r) => r.json() as Promise<{ evidence: string }>);
    expect(health.evidence).toMatch(/^cluster x \(https:\/\/127\.0\.0\.1:9\)/);
    const { code, loaded } = await s.stop();
    expect(code).toBe(0);
    const atStart = bundle.files.filter((f) => f.atStart).map((f) => pathToFileURL(f.path).href);
    expect(loaded.filter((u) => u !== pathToFileURL(recorder).href).sort()).toEqual(atStart.sort());
  });

  it('with OTEL_EXPORTER_OTLP_ENDPOINT set, loads the OpenTelemetry chunk and flushes spans on SIGTERM', async () => {
    const received: string[] = [];
    const collector: Server = createServer((req, res) => {
      req.resume().on('end', () => { received.push(`${req.method} ${req.url}`); res.end('{}'); });
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    try {
      const s = await start(bundle.entry, { KUBETRIAGE_DEMO: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(collector.address() as AddressInfo).port}` });
      expect((await fetch(`${s.base}/healthz`)).status).toBe(200);
      const { code, loaded } = await s.stop();
      expect(code).toBe(0);
      const sdkChunk = bundle.files.find((f) => f.inputs.includes('src/telemetry/node-sdk.ts'))!;
      expect(loaded).toContain(pathToFileURL(sdkChunk.path).href);
      expect(received).toContain('POST /v1/traces');
    } finally {
      await new Promise((resolve) => collector.close(resolve));
    }
  });

  it('from the sources too (npm start): live mode loads no module of src/demo', async () => {
    const s = await start(join(ROOT, 'src/runtime/node/main.ts'), { KUBETRIAGE_DEMO: 'false', KUBECONFIG: kubeconfig, KUBETRIAGE_AUTH_TOKEN: TOKEN });
    expect((await fetch(`${s.base}/healthz`)).status).toBe(200);
    const { loaded } = await s.stop();
    expect(loaded).toContain(pathToFileURL(join(ROOT, 'src/runtime/node/server.ts')).href);
    expect(loaded.filter((u) => u.includes('/src/demo/'))).toEqual([]);
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
