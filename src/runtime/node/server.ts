import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve, type ServerType } from '@hono/node-server';
import { KubeConfig } from '@kubernetes/client-node';
import { createApp } from '../../app.ts';
import { loadConfig, type Config } from '../../config/config.ts';
import { kubeEvidenceSource, loadKubeConfig } from '../../evidence/kube-reader.ts';
import type { EvidenceSource } from '../../evidence/source.ts';
import { redactText } from '../../redact/redact.ts';
import { depsFromConfig } from '../deps-from-config.ts';
import { createPromMetrics } from '../../telemetry/prom-metrics.ts';

/**
 * Where openapi.yaml and examples/demo-cluster are: the repository, three directories above this
 * file, when Node runs the sources; the bundle's own directory when bundled
 * (scripts/build-server.ts copies both there).
 */
export const FILES_ROOT = fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? '../../../' : './', import.meta.url));
export const DEMO_CLUSTER_DIR = join(FILES_ROOT, 'examples/demo-cluster');

/** A kubeconfig or in-cluster service account exists: the live cluster is configured. */
export function clusterConfigured(env: Record<string, string | undefined>): boolean {
  if (env['KUBECONFIG'] && env['KUBECONFIG'].split(':').some((p) => p && existsSync(p))) return true;
  if (existsSync(join(homedir(), '.kube', 'config'))) return true;
  return Boolean(env['KUBERNETES_SERVICE_HOST']) && existsSync('/var/run/secrets/kubernetes.io/serviceaccount/token');
}

export interface ChosenEvidence {
  source: EvidenceSource;
  demo: boolean;
  close(): Promise<void>;
}

/**
 * The live cluster when one is configured; otherwise the demo cluster, served by the built-in
 * API server double on loopback and read by the same client-node reader, so demo mode exercises
 * exactly the machinery a real cluster would.
 */
export async function chooseEvidence(config: Config, env: Record<string, string | undefined>, options: { context?: string } = {}): Promise<ChosenEvidence> {
  const demo = config.KUBETRIAGE_DEMO === 'true' || (config.KUBETRIAGE_DEMO === 'auto' && !clusterConfigured(env));
  const common = { clusters: config.KUBETRIAGE_CLUSTERS, deadlineMs: config.KUBETRIAGE_DEADLINE_MS, cacheTtlMs: config.KUBETRIAGE_EVIDENCE_CACHE_TTL_MS, redactLine: redactText };
  if (demo) {
    // The API server double, the snapshot loader and the YAML writer are loaded in demo mode only.
    const [{ startKubeApiServer }, { loadSnapshotDir }] = await Promise.all([import('../../demo/kube-api-server.ts'), import('../../demo/cluster-snapshot.ts')]);
    const api = await startKubeApiServer({ snapshot: loadSnapshotDir(DEMO_CLUSTER_DIR), host: '127.0.0.1', port: 0 });
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromString(api.kubeconfigYaml());
    return { source: kubeEvidenceSource({ ...common, kubeConfig, description: `demo cluster snapshot (examples/demo-cluster, served on ${api.url})` }), demo, close: () => api.close() };
  }
  const kubeConfig = loadKubeConfig(env);
  if (options.context) kubeConfig.setCurrentContext(options.context);
  const where = kubeConfig.getCurrentCluster()?.server ?? 'the configured cluster';
  return { source: kubeEvidenceSource({ ...common, kubeConfig, description: `cluster ${kubeConfig.getCurrentContext()} (${where})` }), demo, close: async () => undefined };
}

export interface RunningServer {
  port: number;
  server: ServerType;
  log: (entry: Record<string, unknown>) => void;
  /** Stops serving, then releases the evidence source and flushes spans. */
  close(): Promise<void>;
  /** Releases the evidence source and flushes spans (after the server has stopped by other means). */
  release(): Promise<void>;
}

export async function startNodeServer(env: Record<string, string | undefined>): Promise<RunningServer> {
  const config = loadConfig(env, (p) => readFileSync(p, 'utf8'));
  const evidence = await chooseEvidence(config, env);
  // The first line says where evidence comes from, demo or live, before anything else is logged.
  console.log(evidence.demo
    ? `kubetriage: DEMO mode: no cluster is configured, so evidence comes from the ${evidence.source.description}`
    : `kubetriage: evidence from ${evidence.source.description}`);
  // The OpenTelemetry SDK (~11 MB resident) is loaded only when an exporter is configured.
  const tracing = env['OTEL_EXPORTER_OTLP_ENDPOINT'] || env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'] ? (await import('../../telemetry/node-sdk.ts')).startTracing(env) : undefined;
  const log = (entry: Record<string, unknown>) => console.log(JSON.stringify({ time: new Date().toISOString(), level: 'info', ...entry }));
  const app = createApp(depsFromConfig(config, {
    evidence: evidence.source,
    demo: evidence.demo,
    openapiYaml: readFileSync(join(FILES_ROOT, 'openapi.yaml'), 'utf8'),
    readFile: (path) => readFileSync(path, 'utf8'),
    metrics: createPromMetrics(),
    log,
    onUnexpectedError: (err) => log({ level: 'error', msg: 'unexpected error', error: String(err) }),
  }));
  let server!: ServerType;
  const port = await new Promise<number>((resolve) => {
    server = serve({ fetch: app.fetch, port: config.PORT, hostname: env['HOST'] ?? '0.0.0.0' }, (info) => resolve(info.port));
  });
  log({ msg: `listening on :${port}`, demo: evidence.demo });
  const release = async () => {
    await evidence.close();
    await tracing?.shutdown();
  };
  return {
    port,
    server,
    log,
    release,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await release();
    },
  };
}
