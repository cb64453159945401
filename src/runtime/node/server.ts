import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve, type ServerType } from '@hono/node-server';
import { createApp } from '../../app.ts';
import { loadConfig, type Config } from '../../config/config.ts';
import { loadSnapshotDir } from '../../demo/cluster-snapshot.ts';
import { snapshotSource } from '../../evidence/snapshot-source.ts';
import type { EvidenceSource } from '../../evidence/source.ts';
import { noEvidenceSource } from '../../evidence/source.ts';
import { authConfigured } from '../../http/auth.ts';
import { webhookSink } from '../../sinks/webhook.ts';
import { createPromMetrics } from '../../telemetry/prom-metrics.ts';
import { startTracing } from '../../telemetry/node-sdk.ts';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const DEMO_CLUSTER_DIR = join(REPO_ROOT, 'examples/demo-cluster');

/** A kubeconfig or in-cluster service account exists: the live cluster is configured. */
export function clusterConfigured(env: Record<string, string | undefined>): boolean {
  if (env['KUBECONFIG'] && env['KUBECONFIG'].split(':').some((p) => p && existsSync(p))) return true;
  if (existsSync(join(homedir(), '.kube', 'config'))) return true;
  return Boolean(env['KUBERNETES_SERVICE_HOST']) && existsSync('/var/run/secrets/kubernetes.io/serviceaccount/token');
}

export async function chooseEvidence(config: Config, env: Record<string, string | undefined>, _options: { context?: string } = {}): Promise<{ source: EvidenceSource; demo: boolean }> {
  const demo = config.KUBETRIAGE_DEMO === 'true' || (config.KUBETRIAGE_DEMO === 'auto' && !clusterConfigured(env));
  if (demo) return { source: snapshotSource(loadSnapshotDir(DEMO_CLUSTER_DIR), 'demo cluster snapshot (examples/demo-cluster)'), demo };
  return { source: noEvidenceSource, demo };
}

export interface RunningServer {
  port: number;
  close(): Promise<void>;
}

export async function startNodeServer(env: Record<string, string | undefined>): Promise<RunningServer> {
  const config = loadConfig(env, (p) => readFileSync(p, 'utf8'));
  const { source, demo } = await chooseEvidence(config, env);
  const auth = { bearerTokens: config.KUBETRIAGE_AUTH_TOKEN, basicCredentials: config.KUBETRIAGE_BASIC_AUTH };
  const open = !authConfigured(auth);
  if (open && !demo && config.KUBETRIAGE_AUTH_OPEN !== 'true') {
    throw new Error('no credentials are configured for the ingest routes: set KUBETRIAGE_AUTH_TOKEN or KUBETRIAGE_BASIC_AUTH (or KUBETRIAGE_AUTH_OPEN=true to run open on purpose)');
  }
  const tracing = startTracing(env);
  const log = (entry: Record<string, unknown>) => console.log(JSON.stringify({ time: new Date().toISOString(), level: 'info', ...entry }));
  const app = createApp({
    evidence: source,
    auth,
    sinks: config.KUBETRIAGE_FORWARD_URL ? [webhookSink({ url: config.KUBETRIAGE_FORWARD_URL })] : [],
    dedupTtlMs: config.KUBETRIAGE_DEDUP_TTL_MS,
    metrics: createPromMetrics(),
    log,
    openapiYaml: readFileSync(join(REPO_ROOT, 'openapi.yaml'), 'utf8'),
    maxBodyBytes: config.KUBETRIAGE_MAX_BODY_BYTES,
    deadlineMs: config.KUBETRIAGE_DEADLINE_MS,
    ...(config.KUBETRIAGE_RUNBOOK_URL_TEMPLATE ? { diagnoseOptions: { runbookTemplates: { '*': config.KUBETRIAGE_RUNBOOK_URL_TEMPLATE } } } : {}),
    onUnexpectedError: (err) => console.error(JSON.stringify({ level: 'error', msg: 'unexpected error', error: String(err) })),
  });
  let server: ServerType | undefined;
  const port = await new Promise<number>((resolve) => {
    server = serve({ fetch: app.fetch, port: config.PORT, hostname: env['HOST'] ?? '0.0.0.0' }, (info) => resolve(info.port));
  });
  if (open) console.warn(JSON.stringify({ level: 'warn', msg: 'the ingest routes accept requests without credentials', demo }));
  console.log(demo
    ? `kubetriage listening on :${port} in DEMO mode: no cluster is configured, evidence comes from the ${source.description}`
    : `kubetriage listening on :${port}, evidence from ${source.description}`);
  return {
    port,
    close: async () => {
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
      await tracing?.shutdown();
    },
  };
}
