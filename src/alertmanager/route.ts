import { Hono } from 'hono';
import type { RequestIdVariables } from 'hono/request-id';
import { jsonBody, type JsonBodyVariables } from '../http/json-body.ts';
import { inputLimits, type InputLimits } from '../http/limits.ts';
import { problem, problemResponse } from '../http/problem.ts';
import { parseWebhookPayload } from './webhook-payload.ts';
import { enrichGroup, type EnrichDeps } from './enrich.ts';
import { forwardGroup, type ForwardDeps } from './forward.ts';

export interface AlertmanagerRouteOptions {
  maxBodyBytes: number;
  maxAlerts: number;
  limits: InputLimits;
  deadlineMs: number;
  /** Extra time after enrichment for forwarding, retries included. */
  forwardBudgetMs: number;
  openSession: EnrichDeps['openSession'];
  diagnoseOptions?: EnrichDeps['diagnoseOptions'];
  redact?: EnrichDeps['redact'];
  forward: Omit<ForwardDeps, 'deadline'>;
  log?: (entry: Record<string, unknown>) => void;
  metrics?: EnrichDeps['metrics'];
  onError?: EnrichDeps['onError'];
}

const LABEL_MAPS = ['alerts.*.labels', 'alerts.*.annotations', 'groupLabels', 'commonLabels', 'commonAnnotations', 'routeLabels'];

export function alertmanagerRoutes(o: AlertmanagerRouteOptions): Hono<{ Variables: JsonBodyVariables & RequestIdVariables }> {
  const routes = new Hono<{ Variables: JsonBodyVariables & RequestIdVariables }>();
  routes.post('/v1/alertmanager', jsonBody({ maxBytes: o.maxBodyBytes }), inputLimits({ limits: o.limits, labelMaps: LABEL_MAPS }), async (c) => {
    const parsed = parseWebhookPayload(c.get('jsonBody'), o.maxAlerts);
    if (!parsed.ok) return problemResponse(c, parsed.problem);
    const group = await enrichGroup(parsed.value, {
      openSession: o.openSession,
      signal: AbortSignal.timeout(o.deadlineMs),
      ...(o.diagnoseOptions ? { diagnoseOptions: o.diagnoseOptions } : {}),
      ...(o.redact ? { redact: o.redact } : {}),
      ...(o.metrics ? { metrics: o.metrics } : {}),
      ...(o.onError ? { onError: o.onError } : {}),
    });
    const report = await forwardGroup(group, { ...o.forward, deadline: o.forward.now() + o.forwardBudgetMs, ...(o.metrics ? { metrics: o.metrics } : {}) });
    o.log?.({ msg: 'alertmanager group', requestId: c.get('requestId'), groupKey: parsed.value.groupKey, alerts: group.alerts.length, partial: group.alerts.filter((a) => a.kubetriage.partial).length, delivered: report.delivered, duplicates: report.skippedAsDuplicate, failures: report.failures });
    const blocking = report.failures.filter((f) => f.required);
    if (blocking.length > 0) {
      // 5xx so Alertmanager retries the whole group; sinks that did take it are in the delivery record.
      const detail = blocking.map((f) => `${f.sink}: ${f.reason} (${f.detail})`).join('; ');
      return problemResponse(c, problem('delivery-failed', 503, detail, blocking.map((f) => ({ path: `sinks.${f.sink}`, message: `${f.reason}${f.retryable ? '' : ' (not retryable: check the sink configuration)'}` }))), { 'retry-after': '10' });
    }
    // Optional sinks that failed are logged above and reported here; they do not fail the request.
    return c.json({ ...group, kubetriage: { delivered: report.delivered, skippedAsDuplicate: report.skippedAsDuplicate, ...(report.failures.length > 0 ? { failedOptional: report.failures } : {}) } });
  });
  return routes;
}
