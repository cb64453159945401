// createApp(deps): the one Hono application every runtime serves. No configuration is read
// here: runtimes pass their bindings in, so the same code runs on Node, Lambda and Workers.
import { Hono, type Context } from 'hono';
import { requestId } from 'hono/request-id';
import type { Metrics } from './telemetry/metrics.ts';
import { telemetry } from './telemetry/middleware.ts';
import type { DiagnoseOptions } from './core/types.ts';
import type { EvidenceSource } from './evidence/source.ts';
import type { Sink } from './sinks/sink.ts';
import type { EnrichedAlert } from './alertmanager/enrich.ts';
import { diagnoseRoutes } from './diagnose/route.ts';
import { alertmanagerRoutes } from './alertmanager/route.ts';
import { pagerdutyWebhookFromApp, type PagerDutyDeps } from './pagerduty/webhook-route.ts';
import { DeliveryRecord } from './alertmanager/delivery-record.ts';
import { authConfigured, requireAuth, type AuthOptions } from './http/auth.ts';
import { inFlightLimit } from './http/in-flight.ts';
import { DEFAULT_INPUT_LIMITS, type InputLimits } from './http/limits.ts';
import { problem, problemResponse } from './http/problem.ts';
import { redactDeep } from './redact/redact.ts';

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export interface AppDeps {
  /** Evidence for requests that name only a target, and for alerts. */
  evidence: EvidenceSource;
  /** The top-level openapi.yaml, served at /openapi.yaml. */
  openapiYaml: string;
  /** Credentials for the ingest routes; none configured means open (the runtime decides if that is allowed). */
  auth?: AuthOptions;
  /** Forwarding targets; with none, enriched alerts are only returned. */
  sinks?: Sink[];
  /** Picks the sinks for one alert (routing by labels); default: all sinks. */
  routeAlert?: (alert: EnrichedAlert) => Sink[];
  /** Whether a sink's failure for this alert fails the request (5xx); default: every sink is required. */
  sinkRequired?: (sink: Sink, alert: EnrichedAlert) => boolean;
  /** PagerDuty webhooks v3 in (POST /v1/pagerduty/webhook); without it that route answers 404. */
  pagerduty?: PagerDutyDeps;
  diagnoseOptions?: DiagnoseOptions;
  /** Body limit for ingest routes, in bytes (default 1 MiB). */
  maxBodyBytes?: number;
  /** Alerts per Alertmanager request (default 1000). */
  maxAlertsPerRequest?: number;
  /** Bytes of /v1/diagnose and /v1/alertmanager bodies handled at once (default 1 MiB); more get 503 + Retry-After. */
  maxInFlightBytes?: number;
  /** Nesting depth and label/annotation caps of ingest bodies (default DEFAULT_INPUT_LIMITS); 400 above. */
  inputLimits?: Partial<InputLimits>;
  /** Evidence deadline per request, in ms (default 4000). */
  deadlineMs?: number;
  /** Time allowed for forwarding after enrichment, retries included (default 8000). */
  forwardBudgetMs?: number;
  /** How long a forwarded notification is remembered, so re-deliveries are not forwarded twice (default 1 h). */
  dedupTtlMs?: number;
  /** Applied to everything that leaves the service (responses, sinks and log lines); default: redactDeep. */
  redact?: <T>(value: T) => T;
  fetch?: typeof globalThis.fetch;
  clock?: Clock;
  log?: (entry: Record<string, unknown>) => void;
  /**
   * The runtime's own id for a request, used as the request id when the caller sent no valid
   * X-Request-Id (Lambda: the invocation's awsRequestId, so log lines and spans match Lambda's own
   * log lines); default, and when it has none: a random UUID.
   */
  requestIdOf?: (c: Context) => string | undefined;
  /** Prometheus metrics, served at /metrics; runtimes without one answer 501 there. */
  metrics?: Metrics;
  /** Where unexpected errors are reported (never to the caller). */
  onUnexpectedError?: (err: unknown) => void;
}

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
export const DEFAULT_DEADLINE_MS = 4000;

const systemClock: Clock = { now: () => Date.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) };

export function createApp(deps: AppDeps): Hono {
  const app = new Hono();
  const deadlineMs = deps.deadlineMs ?? DEFAULT_DEADLINE_MS;
  const maxBodyBytes = deps.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const clock = deps.clock ?? systemClock;
  const auth = deps.auth && authConfigured(deps.auth) ? requireAuth(deps.auth) : undefined;
  const redact = deps.redact ?? redactDeep;
  const limits: InputLimits = { ...DEFAULT_INPUT_LIMITS, ...deps.inputLimits };
  // Log lines leave the service too, and carry what alerts and incidents said (group keys, labels in reasons).
  const writeLog = deps.log;
  const log = writeLog && ((entry: Record<string, unknown>) => writeLog(redact(entry)));
  const openSession = () => deps.evidence.session({ signal: AbortSignal.timeout(deadlineMs) });
  const fetch = deps.fetch ?? ((...args: Parameters<typeof globalThis.fetch>) => globalThis.fetch(...args));

  const runtimeRequestId = deps.requestIdOf;
  app.use(requestId(runtimeRequestId ? { generator: (c) => runtimeRequestId(c) ?? crypto.randomUUID() } : {}));
  app.use(telemetry({ ...(deps.metrics ? { metrics: deps.metrics } : {}), ...(log ? { log } : {}) }));
  app.get('/healthz', (c) => c.json({ status: 'ok', evidence: deps.evidence.description }));
  app.get('/metrics', async (c) => {
    if (!deps.metrics) return problemResponse(c, problem('not-implemented', 501, 'metrics are not collected on this runtime'));
    const { contentType, body } = await deps.metrics.render();
    return c.body(body, 200, { 'content-type': contentType });
  });
  app.get('/openapi.yaml', (c) => c.body(deps.openapiYaml, 200, { 'content-type': 'application/yaml; charset=utf-8' }));
  if (auth) {
    app.use('/v1/diagnose', auth);
    app.use('/v1/alertmanager', auth);
  }
  // After auth: a request without credentials never takes a place. On Workers and Lambda too:
  // the budget bounds an isolate's memory as much as a container's.
  // Alertmanager and Go clients send Content-Length; a body without one counts as a typical group.
  const inFlight = inFlightLimit({ maxBytes: deps.maxInFlightBytes ?? DEFAULT_MAX_BODY_BYTES, maxBodyBytes, unknownLengthBytes: 64 * 1024 });
  app.use('/v1/diagnose', inFlight);
  app.use('/v1/alertmanager', inFlight);
  app.route('/', diagnoseRoutes({
    maxBodyBytes,
    limits,
    openSession,
    evidenceDescription: deps.evidence.description,
    redact,
    ...(deps.metrics ? { metrics: deps.metrics } : {}),
    ...(deps.diagnoseOptions ? { diagnoseOptions: deps.diagnoseOptions } : {}),
  }));
  app.route('/', alertmanagerRoutes({
    maxBodyBytes,
    maxAlerts: deps.maxAlertsPerRequest ?? 1000,
    limits,
    deadlineMs,
    forwardBudgetMs: deps.forwardBudgetMs ?? 8000,
    openSession: (o) => deps.evidence.session(o),
    ...(deps.diagnoseOptions ? { diagnoseOptions: deps.diagnoseOptions } : {}),
    redact,
    forward: {
      sinks: deps.sinks ?? [],
      ...(deps.routeAlert ? { route: deps.routeAlert } : {}),
      ...(deps.sinkRequired ? { required: deps.sinkRequired } : {}),
      record: new DeliveryRecord({ ttlMs: deps.dedupTtlMs ?? 3_600_000, maxEntries: 100_000, now: clock.now }),
      fetch,
      now: clock.now,
      sleep: clock.sleep,
    },
    ...(log ? { log } : {}),
    ...(deps.metrics ? { metrics: deps.metrics } : {}),
    ...(deps.onUnexpectedError ? { onError: deps.onUnexpectedError } : {}),
  }));
  // Authenticated by its own signature (X-PagerDuty-Signature), not by the ingest credentials.
  app.route('/', pagerdutyWebhookFromApp(deps.pagerduty, {
    evidence: deps.evidence,
    deadlineMs,
    limits,
    fetch,
    now: clock.now,
    sleep: clock.sleep,
    ...(deps.diagnoseOptions ? { diagnoseOptions: deps.diagnoseOptions } : {}),
    ...(log ? { log } : {}),
  }));

  app.notFound((c) => problemResponse(c, problem('not-found', 404, `${c.req.method} ${new URL(c.req.url).pathname} is not a route; see /openapi.yaml`)));
  app.onError((err, c) => {
    deps.onUnexpectedError?.(err);
    return problemResponse(c, problem('internal', 500, 'the error was logged; the request can be retried'));
  });
  return app;
}
