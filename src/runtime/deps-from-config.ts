// Config → AppDeps, the same for every runtime that has one Config: each entry point reads its
// environment into the Config, picks an evidence source, and hands both here. What differs per
// runtime (where openapi.yaml and evidence come from, files, metrics, how logs are written)
// comes in as bindings.
import type { AppDeps } from '../app.ts';
import { ConfigError, type Config } from '../config/config.ts';
import type { EvidenceSource } from '../evidence/source.ts';
import { authConfigured, type AuthOptions } from '../http/auth.ts';
import { sinkDepsFromConfig } from '../sinks/routing.ts';
import type { Metrics } from '../telemetry/metrics.ts';

export interface RuntimeBindings {
  evidence: EvidenceSource;
  openapiYaml: string;
  /** Demo mode may run without credentials (it only ever shows the bundled demo cluster). */
  demo?: boolean;
  /** Reads KUBETRIAGE_CONFIG and the *File settings in it; absent on a runtime without files. */
  readFile?: (path: string) => string;
  metrics?: Metrics;
  log?: (entry: Record<string, unknown>) => void;
  onUnexpectedError?: (err: unknown) => void;
  fetch?: typeof globalThis.fetch;
  /** The runtime's own request id (AppDeps.requestIdOf). */
  requestIdOf?: AppDeps['requestIdOf'];
  /** The hash credentials are compared through (AuthOptions.hash); default: WebCrypto's SHA-256. */
  authHash?: AuthOptions['hash'];
}

export class OpenIngestError extends Error {}

/**
 * Throws OpenIngestError when no credentials are configured outside demo mode, unless
 * KUBETRIAGE_AUTH_OPEN=true says it is on purpose (then it logs a warning); throws ConfigError
 * for a KUBETRIAGE_CONFIG file that cannot be read or is invalid.
 */
export function depsFromConfig(config: Config, b: RuntimeBindings): AppDeps {
  const auth: AuthOptions = { bearerTokens: config.KUBETRIAGE_AUTH_TOKEN, basicCredentials: config.KUBETRIAGE_BASIC_AUTH, ...(b.authHash ? { hash: b.authHash } : {}) };
  if (!authConfigured(auth)) {
    if (!b.demo && config.KUBETRIAGE_AUTH_OPEN !== 'true') {
      throw new OpenIngestError('no credentials are configured for the ingest routes: set KUBETRIAGE_AUTH_TOKEN or KUBETRIAGE_BASIC_AUTH (or KUBETRIAGE_AUTH_OPEN=true to run open on purpose)');
    }
    b.log?.({ level: 'warn', msg: 'the ingest routes accept requests without credentials', demo: Boolean(b.demo) });
  }
  const sinkDeps = sinkDepsFromConfig(config, configFile(config.KUBETRIAGE_CONFIG, b.readFile));
  for (const warning of sinkDeps.warnings) b.log?.({ level: 'warn', msg: warning });
  return {
    evidence: b.evidence,
    openapiYaml: b.openapiYaml,
    auth,
    sinks: sinkDeps.sinks,
    routeAlert: sinkDeps.routeAlert,
    sinkRequired: sinkDeps.sinkRequired,
    ...(sinkDeps.pagerduty ? { pagerduty: sinkDeps.pagerduty } : {}),
    dedupTtlMs: config.KUBETRIAGE_DEDUP_TTL_MS,
    maxBodyBytes: config.KUBETRIAGE_MAX_BODY_BYTES,
    maxInFlightBytes: config.KUBETRIAGE_MAX_IN_FLIGHT_BYTES,
    deadlineMs: config.KUBETRIAGE_DEADLINE_MS,
    diagnoseOptions: { runbookTemplates: { ...(config.KUBETRIAGE_RUNBOOK_URL_TEMPLATE ? { '*': config.KUBETRIAGE_RUNBOOK_URL_TEMPLATE } : {}), ...sinkDeps.runbookTemplates } },
    ...(b.metrics ? { metrics: b.metrics } : {}),
    ...(b.log ? { log: b.log } : {}),
    ...(b.onUnexpectedError ? { onUnexpectedError: b.onUnexpectedError } : {}),
    ...(b.fetch ? { fetch: b.fetch } : {}),
    ...(b.requestIdOf ? { requestIdOf: b.requestIdOf } : {}),
  };
}

function configFile(path: string | undefined, readFile: ((path: string) => string) | undefined) {
  if (!path) return readFile ? { readFile } : {};
  if (!readFile) throw new ConfigError(['KUBETRIAGE_CONFIG: this runtime has no files to read it from']);
  try {
    return { yamlText: readFile(path), yamlPath: path, readFile };
  } catch (err) {
    throw new ConfigError([`KUBETRIAGE_CONFIG: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`]);
  }
}
