// The Node server built as src/runtime/node/server.ts builds it for a live cluster (same config,
// deps, reader, auth, metrics, logs), but with reader options from STORM_READER_OPTIONS (JSON),
// e.g. {"cacheTtlMs":0}: the storm's comparison run without the cross-request cache. The other
// runs use the real entry point, src/runtime/node/main.ts.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from '@hono/node-server';
import { createApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config/config.ts';
import { kubeEvidenceSource, loadKubeConfig, type KubeEvidenceOptions } from '../../src/evidence/kube-reader.ts';
import { redactText } from '../../src/redact/redact.ts';
import { depsFromConfig } from '../../src/runtime/deps-from-config.ts';
import { createPromMetrics } from '../../src/telemetry/prom-metrics.ts';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const env = process.env;
const config = loadConfig(env, (p) => readFileSync(p, 'utf8'));
const extra = JSON.parse(env['STORM_READER_OPTIONS'] ?? '{}') as Partial<KubeEvidenceOptions>;
const kubeConfig = loadKubeConfig(env);
const evidence = kubeEvidenceSource({ clusters: config.KUBETRIAGE_CLUSTERS, deadlineMs: config.KUBETRIAGE_DEADLINE_MS, redactLine: redactText, kubeConfig, ...extra });
const log = (entry: Record<string, unknown>) => console.log(JSON.stringify({ time: new Date().toISOString(), level: 'info', ...entry }));
const app = createApp(depsFromConfig(config, {
  evidence,
  openapiYaml: readFileSync(join(REPO_ROOT, 'openapi.yaml'), 'utf8'),
  readFile: (path) => readFileSync(path, 'utf8'),
  metrics: createPromMetrics(),
  log,
  onUnexpectedError: (err) => log({ level: 'error', msg: 'unexpected error', error: String(err) }),
}));
const server = serve({ fetch: app.fetch, port: config.PORT, hostname: env['HOST'] ?? '127.0.0.1' }, (info) => log({ msg: `listening on :${info.port}`, readerOptions: extra }));
process.once('SIGTERM', () => server.close(() => process.exit(0)));
