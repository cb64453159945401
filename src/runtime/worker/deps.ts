// Worker bindings → createApp deps. Workers have no files, no kubeconfig and no
// @kubernetes/client-node: evidence comes inline, or through the fetch-based reader from one API
// server (KUBETRIAGE_KUBE_API_URL + KUBETRIAGE_KUBE_TOKEN) whose certificate is publicly trusted.
import type { AppDeps } from '../../app.ts';
import { ConfigError, loadConfig } from '../../config/config.ts';
import { fetchEvidenceSource } from '../../evidence/fetch-reader.ts';
import { noEvidenceSource } from '../../evidence/source.ts';
import { authConfigured } from '../../http/auth.ts';
import { sinkDepsFromConfig } from '../../sinks/routing.ts';
import { depsFromConfig } from '../deps-from-config.ts';

/** Vars and secrets arrive as strings; other bindings (KV, ...) are not configuration. */
export type WorkerEnv = Record<string, unknown>;

/** Settings that need a file system or client-node, which a Worker does not have. */
const UNSUPPORTED: Array<[name: string, unsupported: (v: string) => boolean, why: string]> = [
  ['KUBETRIAGE_DEMO', (v) => v === 'true', 'the demo cluster is not bundled into the Worker'],
  ['KUBETRIAGE_CLUSTERS', (v) => v.trim() !== '', 'a Worker reads one API server (KUBETRIAGE_KUBE_API_URL)'],
  ['KUBECONFIG', () => true, 'kubeconfigs need @kubernetes/client-node; set KUBETRIAGE_KUBE_API_URL and KUBETRIAGE_KUBE_TOKEN'],
  ['KUBETRIAGE_CONFIG', () => true, 'a Worker has no files to read it from'],
];

export function workerDeps(env: WorkerEnv, openapiYaml: string): AppDeps {
  const vars: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(env)) if (typeof v === 'string' && v !== '') vars[k] = v;

  const problems: string[] = [];
  let config: ReturnType<typeof loadConfig> | undefined;
  try {
    config = loadConfig(vars, () => {
      throw new Error('a Worker has no files; set the value itself as a secret (wrangler secret put)');
    });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    problems.push(...err.problems);
  }
  const kube = { KUBETRIAGE_KUBE_API_URL: config?.KUBETRIAGE_KUBE_API_URL, KUBETRIAGE_KUBE_TOKEN: config?.KUBETRIAGE_KUBE_TOKEN };
  if (config && Boolean(kube.KUBETRIAGE_KUBE_API_URL) !== Boolean(kube.KUBETRIAGE_KUBE_TOKEN)) {
    problems.push('KUBETRIAGE_KUBE_API_URL and KUBETRIAGE_KUBE_TOKEN: set both, or neither (evidence inline only)');
  }
  for (const [name, unsupported, why] of UNSUPPORTED) {
    const v = vars[name];
    if (v !== undefined && unsupported(v)) problems.push(`${name}: not supported on Workers: ${why}`);
  }
  const auth = config ? { bearerTokens: config.KUBETRIAGE_AUTH_TOKEN, basicCredentials: config.KUBETRIAGE_BASIC_AUTH } : undefined;
  // Checked on the raw variables too, so a schema error elsewhere does not hide this one.
  const noCredentials = auth ? !authConfigured(auth) : !vars['KUBETRIAGE_AUTH_TOKEN'] && !vars['KUBETRIAGE_BASIC_AUTH'];
  if (noCredentials && vars['KUBETRIAGE_AUTH_OPEN'] !== 'true') {
    problems.push('KUBETRIAGE_AUTH_TOKEN: no credentials are configured for the ingest routes (wrangler secret put KUBETRIAGE_AUTH_TOKEN), or set KUBETRIAGE_AUTH_OPEN=true to run open on purpose');
  }
  // Sinks from the environment (webhook, PagerDuty, Slack), as on Node but with no routing file:
  // checked here so their problems join the one message; depsFromConfig builds them below.
  try {
    if (config) sinkDepsFromConfig(config);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    problems.push(...err.problems);
  }
  if (problems.length > 0 || !config) throw new ConfigError(problems);
  const log = (entry: Record<string, unknown>) => console.log(JSON.stringify({ time: new Date().toISOString(), level: 'info', ...entry }));
  const evidence = kube.KUBETRIAGE_KUBE_API_URL && kube.KUBETRIAGE_KUBE_TOKEN
    ? fetchEvidenceSource({ server: kube.KUBETRIAGE_KUBE_API_URL, token: kube.KUBETRIAGE_KUBE_TOKEN })
    : noEvidenceSource;
  // Everything above only collected problems, so one message lists them all; the deps
  // themselves are built exactly as on Node and Lambda.
  return depsFromConfig(config, {
    evidence,
    openapiYaml,
    log,
    onUnexpectedError: (err) => console.error(JSON.stringify({ level: 'error', msg: 'unexpected error', error: String(err) })),
  });
}
