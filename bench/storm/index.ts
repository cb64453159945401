// Alert storms through POST /v1/alertmanager of a real Node server process (issues 5 and 6).
// Usage: node bench/storm/index.ts [--alerts 1000] [--pods 200] [--group 20] [--concurrency 8]
//                                  [--latency 20] [--no-cache | --reader JSON | --bundle | --as-shipped]
//                                  [--node-options FLAGS] (one run; without --pods: the suite)
//
// Three processes: the Kubernetes API server double (latency injected, request log), the
// service (`node src/runtime/node/main.ts`, KUBECONFIG pointing at the double, a bearer token;
// with --no-cache or --reader '{"cacheTtlMs":10000}', bench/storm/service.ts with those reader
// options; with --bundle, main.ts bundled by scripts/build-server.ts; with --as-shipped, that
// bundle with the environment the container sets (the ENV of infra/container/Dockerfile's final
// stage, V8's heap flags included); --node-options goes to the service's NODE_OPTIONS), and this
// one, which sends the alerts in groups at a fixed concurrency over loopback and measures.
//
// Per run: p50/p90/p99/max request latency, API calls (from the double's log) per alert and per
// distinct pod, partial alerts by reason, errors (non-200 answers, connection failures, error log
// lines: must be 0), and the service's RSS from /proc/<pid>/status (VmRSS after start, VmHWM at
// the end = peak). The suite: 1000 and 500 alerts over the same 200 pods, 1000 over 50 pods, and
// 1000 over 200 pods without the cross-request cache, and the 1000-over-200 run again with the
// server bundled, from the sources with V8's heap capped (SMALL_HEAP), and as the container
// ships it. Prints JSON.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { bundleServer } from '../../scripts/build-server.ts';
import { startApiDoubleProcess } from '../fixtures/api-double-process.ts';
import { podAlert, webhookBody, type Alert, type PodAlertName } from '../fixtures/alerts.ts';
import { machine, quantile, round } from '../fixtures/measure.ts';
import { prng, stormCluster, type SyntheticPod } from '../fixtures/synthetic-cluster.ts';

const { values } = parseArgs({
  options: {
    alerts: { type: 'string', default: '1000' },
    pods: { type: 'string' },
    group: { type: 'string', default: '20' },
    concurrency: { type: 'string', default: '8' },
    latency: { type: 'string', default: '20' },
    'no-cache': { type: 'boolean', default: false },
    bundle: { type: 'boolean', default: false },
    'as-shipped': { type: 'boolean', default: false },
    reader: { type: 'string' },
    'node-options': { type: 'string' },
  },
});
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TOKEN = 'storm-bench-token-0123456789abcdef';
const STARTUP_TIMEOUT_MS = 30_000;
const REQUEST_TIMEOUT_MS = 30_000;

type Entry = 'main' | 'service' | 'bundle';
interface RunOptions {
  alerts: number; pods: number; group: number; concurrency: number; latencyMs: number; entry: Entry;
  /** For entry 'service': the reader's options. */
  readerOptions?: Record<string, unknown>;
  /** Environment the container adds (containerEnv()); NODE_OPTIONS in it yields to nodeOptions. */
  env?: Record<string, string>;
  nodeOptions?: string;
}

/**
 * What the image's final stage sets with ENV (infra/container/Dockerfile), except PORT, which the
 * bench chooses: the server is then run as the container runs it.
 */
function containerEnv(dockerfile = readFileSync(join(ROOT, 'infra/container/Dockerfile'), 'utf8')): Record<string, string> {
  const lines = dockerfile.replace(/\\\n/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const final = lines.slice(lines.findLastIndex((l) => /^FROM\s/i.test(l)));
  const env: Record<string, string> = {};
  for (const line of final.filter((l) => /^ENV\s/i.test(l))) {
    for (const [, name, quoted, bare] of line.slice(4).matchAll(/([A-Za-z_]\w*)=(?:"([^"]*)"|(\S*))/g)) env[name!] = quoted ?? bare ?? '';
  }
  delete env['PORT'];
  return env;
}

/** The kubernetes-mixin alerts a pod failing this way fires. */
const ALERTS_FOR: Record<SyntheticPod['failure'], PodAlertName[]> = {
  'oom': ['KubePodCrashLooping', 'KubePodNotReady', 'KubeContainerWaiting', 'CPUThrottlingHigh'],
  'app-error': ['KubePodCrashLooping', 'KubePodNotReady', 'KubeContainerWaiting', 'CPUThrottlingHigh'],
  'image-pull': ['KubeContainerWaiting', 'KubePodNotReady'],
  'missing-secret': ['KubeContainerWaiting', 'KubePodNotReady'],
  'unschedulable': ['KubePodNotReady'],
};

/**
 * `count` alerts over the pods, taken round-robin so the pods are covered evenly: each pod's
 * alerts (ALERTS_FOR its failure), each from both Prometheus replicas of an HA pair that is not
 * deduplicated (`prometheus_replica` kept). Past that the same alerts come again, as in the
 * overlapping groups of a storm. Shuffled with a fixed seed, then cut into groups.
 */
export function stormAlerts(pods: SyntheticPod[], count: number, seed = 11): Alert[] {
  const out: Alert[] = [];
  for (let i = 0; out.length < count; i++) {
    const pod = pods[i % pods.length]!;
    const names = ALERTS_FOR[pod.failure];
    const k = Math.floor(i / pods.length) % (names.length * 2);
    out.push(podAlert(names[k % names.length]!, pod, { prometheus_replica: `prometheus-k8s-${Math.floor(k / names.length)}` }));
  }
  const rand = prng(seed);
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

function procStatus(pid: number): { rssMiB: number; hwmMiB: number; cpuMs: number } {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN);
  // utime and stime, in clock ticks (100 per second on Linux), after the command name.
  const [utime, stime] = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ').slice(11, 13).map(Number);
  return { rssMiB: round(kb('VmRSS') / 1024, 1), hwmMiB: round(kb('VmHWM') / 1024, 1), cpuMs: ((utime ?? NaN) + (stime ?? NaN)) * 10 };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function run(o: RunOptions) {
  const cluster = stormCluster(o.pods);
  const api = await startApiDoubleProcess({ cluster: 'storm', distinctPods: o.pods }, { latencyMs: o.latencyMs });
  const work = mkdtempSync(join(tmpdir(), 'kubetriage-storm-'));
  const kubeconfig = join(work, 'kubeconfig');
  writeFileSync(kubeconfig, api.kubeconfigYaml, { mode: 0o600 });
  const port = await freePort();
  const bundle = o.entry === 'bundle' ? await bundleServer({ outdir: join(work, 'bundle') }) : undefined;
  const entry = bundle?.entry ?? join(ROOT, o.entry === 'service' ? 'bench/storm/service.ts' : 'src/runtime/node/main.ts');
  const child = spawn(process.execPath, [entry], {
    cwd: ROOT,
    env: {
      PATH: process.env['PATH'] ?? '', HOME: work, KUBECONFIG: kubeconfig, KUBETRIAGE_AUTH_TOKEN: TOKEN, KUBETRIAGE_DEMO: 'false',
      PORT: String(port), HOST: '127.0.0.1',
      ...(o.entry === 'service' ? { STORM_READER_OPTIONS: JSON.stringify(o.readerOptions ?? {}) } : {}),
      ...o.env,
      ...(o.nodeOptions ? { NODE_OPTIONS: o.nodeOptions } : {}),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  // Drain the logs (a full pipe would stall the server); count error lines, keep the tail.
  let errorLines = 0;
  let logLines = 0;
  const tail: string[] = [];
  let buffered = '';
  const onData = (chunk: Buffer) => {
    buffered += chunk.toString('utf8');
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) {
      logLines++;
      if (/"level":"error"/.test(line)) errorLines++;
      tail.push(line.slice(0, 300));
      if (tail.length > 5) tail.shift();
    }
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', (c: Buffer) => { errorLines++; tail.push(`stderr: ${c.toString('utf8').slice(0, 300)}`); });

  const base = `http://127.0.0.1:${port}`;
  try {
    const deadline = Date.now() + STARTUP_TIMEOUT_MS;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`the service exited at start: ${tail.join(' | ')}`);
      const ok = await fetch(`${base}/healthz`).then((r) => r.ok, () => false);
      if (ok) break;
      if (Date.now() > deadline) throw new Error('the service did not answer /healthz in time');
      await sleep(50);
    }
    const idle = procStatus(child.pid!);
    await api.resetRequests();

    const alerts = stormAlerts(cluster.pods, o.alerts);
    const bodies: string[] = [];
    for (let i = 0; i < alerts.length; i += o.group) bodies.push(webhookBody(alerts.slice(i, i + o.group), { severity: 'warning' }));

    const latencies: number[] = [];
    const errors: string[] = [];
    const partialReasons: Record<string, number> = {};
    let partialAlerts = 0;
    let enriched = 0;
    let next = 0;
    const started = performance.now();
    const worker = async () => {
      for (let i = next++; i < bodies.length; i = next++) {
        const t = performance.now();
        try {
          const res = await fetch(`${base}/v1/alertmanager`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
            body: bodies[i]!,
            signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
          });
          const text = await res.text();
          latencies.push(performance.now() - t);
          if (res.status !== 200) {
            errors.push(`group ${i}: HTTP ${res.status} ${text.slice(0, 200)}`);
            continue;
          }
          const answer = JSON.parse(text) as { alerts: Array<{ annotations: Record<string, string>; kubetriage: { partial: boolean; errors: Array<{ reason: string }> } }> };
          for (const a of answer.alerts) {
            if (a.annotations['kubetriage_diagnosis']) enriched++;
            if (!a.kubetriage.partial) continue;
            partialAlerts++;
            for (const e of a.kubetriage.errors) partialReasons[e.reason] = (partialReasons[e.reason] ?? 0) + 1;
          }
        } catch (err) {
          latencies.push(performance.now() - t);
          errors.push(`group ${i}: ${(err as Error).message}`);
        }
      }
    };
    await Promise.all(Array.from({ length: o.concurrency }, worker));
    const wallMs = performance.now() - started;
    // Late answers to fetches the service gave up on still land in the log; let them arrive.
    await sleep(o.latencyMs * 3);
    const peak = procStatus(child.pid!);
    const log = await api.requests();
    // Reads of a request already made earlier in the run, and how long after the previous one.
    const lastRead = new Map<string, number>();
    const rereadGaps: number[] = [];
    for (const r of [...log].sort((a, b) => a.at - b.at)) {
      const key = `${r.path}?${new URLSearchParams(r.query).toString()}`;
      const before = lastRead.get(key);
      if (before !== undefined) rereadGaps.push(r.at - before);
      lastRead.set(key, r.at);
    }
    return {
      entry: { main: 'src/runtime/node/main.ts', service: `bench/storm/service.ts, reader options ${JSON.stringify(o.readerOptions ?? {})}`, bundle: `src/runtime/node/main.ts bundled by scripts/build-server.ts (${round((bundle?.files.filter((f) => f.atStart).reduce((n, f) => n + f.bytes, 0) ?? 0) / 2 ** 20, 2)} MiB loaded at start)` }[o.entry],
      ...(o.env ? { env: { ...o.env, ...(o.nodeOptions ? { NODE_OPTIONS: o.nodeOptions } : {}) } } : o.nodeOptions ? { nodeOptions: o.nodeOptions } : {}),
      alerts: alerts.length,
      distinctPods: o.pods,
      distinctAlerts: new Set(alerts.map((a) => a.fingerprint)).size,
      groups: bodies.length,
      alertsPerGroup: o.group,
      concurrency: o.concurrency,
      latencyMs: o.latencyMs,
      wallMs: round(wallMs, 0),
      requestLatencyMs: { p50: round(quantile(latencies, 0.5), 0), p90: round(quantile(latencies, 0.9), 0), p99: round(quantile(latencies, 0.99), 0), max: round(Math.max(...latencies), 0) },
      apiCalls: log.length,
      apiCallsPerAlert: round(log.length / alerts.length, 3),
      apiCallsPerDistinctPod: round(log.length / o.pods, 2),
      distinctApiRequests: lastRead.size,
      rereads: { count: rereadGaps.length, gapMsP10: round(quantile(rereadGaps, 0.1), 0), gapMsP50: round(quantile(rereadGaps, 0.5), 0) },
      enrichedAlerts: enriched,
      partialAlerts,
      partialReasons,
      errors: errors.length + errorLines,
      errorSamples: errors.slice(0, 3),
      serviceRssMiB: { afterStart: idle.rssMiB, peak: peak.hwmMiB, atEnd: peak.rssMiB },
      // CPU time of the service process through the storm (user + system).
      serviceCpuMs: peak.cpuMs - idle.cpuMs,
      serviceLogLines: logLines,
    };
  } catch (err) {
    throw new Error(`${(err as Error).message}; service log tail: ${tail.join(' | ')}`);
  } finally {
    child.kill('SIGTERM');
    const code = await Promise.race([exited, sleep(10_000).then(() => 'timeout' as const)]);
    if (code === 'timeout') child.kill('SIGKILL');
    await api.close();
    rmSync(work, { recursive: true, force: true });
  }
}

const SMALL_HEAP = '--max-semi-space-size=2 --max-old-space-size=64';
const common = { group: Number(values.group), concurrency: Number(values.concurrency), latencyMs: Number(values.latency) };
const suite: RunOptions[] = values.pods !== undefined
  ? [{
    ...common, alerts: Number(values.alerts), pods: Number(values.pods),
    entry: values['no-cache'] || values.reader ? 'service' : values.bundle || values['as-shipped'] ? 'bundle' : 'main',
    ...(values['as-shipped'] ? { env: containerEnv() } : {}),
    ...(values['no-cache'] ? { readerOptions: { cacheTtlMs: 0 } } : values.reader ? { readerOptions: JSON.parse(values.reader) as Record<string, unknown> } : {}),
    ...(values['node-options'] ? { nodeOptions: values['node-options'] } : {}),
  }]
  : [
    { ...common, alerts: 1000, pods: 200, entry: 'main' },
    { ...common, alerts: 500, pods: 200, entry: 'main' },
    { ...common, alerts: 1000, pods: 50, entry: 'main' },
    { ...common, alerts: 1000, pods: 200, entry: 'service', readerOptions: { cacheTtlMs: 0 } },
    { ...common, alerts: 1000, pods: 200, entry: 'bundle' },
    // Memory: V8's young generation and old space capped; then the server as the image runs it.
    { ...common, alerts: 1000, pods: 200, entry: 'main', nodeOptions: SMALL_HEAP },
    { ...common, alerts: 1000, pods: 200, entry: 'bundle', env: containerEnv() },
  ];
const results = [];
for (const o of suite) results.push(await run(o));
console.log(JSON.stringify({ machine: machine(), runs: results }, null, 2));
