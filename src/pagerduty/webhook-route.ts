// POST /v1/pagerduty/webhook: PagerDuty webhooks v3 in, incident notes out.
//
// Answer first, work after. PagerDuty wants a 2xx within 5 s and retries timeouts and 5xx for
// 48 h, so the route checks the size (2 MB), the signature (401 on a mismatch) and X-Webhook-Id
// (a re-delivery is acknowledged again and not handled twice), then answers 202 and hands the
// diagnosis and the note to `waitUntil` (Workers' ctx.waitUntil, or the runtime's equivalent;
// on Node the promise simply runs on). A handled webhook is never answered with a retryable status.
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import * as z from 'zod/mini';
import { DeliveryRecord } from '../alertmanager/delivery-record.ts';
import { onFirstUse, safeParse } from '../config/schema-parse.ts';
import type { DiagnoseOptions } from '../core/types.ts';
import type { EvidenceSource } from '../evidence/source.ts';
import { checkInputLimits, type InputLimits } from '../http/limits.ts';
import { problem, problemResponse } from '../http/problem.ts';
import { deliver } from '../sinks/deliver.ts';
import { diagnoseFromSource, type DiagnoseTarget } from './diagnose-target.ts';
import { findIncidentTarget, type IncidentTargetPattern } from './incident-target.ts';
import { renderIncidentNote } from './note.ts';
import { fetchIncidentAlertDetails, INCIDENT_ID, noteRequest, type PagerDutyApi } from './rest-api.ts';
import { verifyPagerDutySignature } from './signature.ts';

export const WEBHOOK_PATH = '/v1/pagerduty/webhook';
export const MAX_WEBHOOK_BYTES = 2 * 1024 * 1024;

export interface PagerDutyWebhookOptions {
  /** Signing secrets of the webhook subscription(s); several during a rotation. */
  secrets: readonly string[];
  /** Where notes are written; without it incidents are diagnosed and logged only. */
  api?: PagerDutyApi;
  /** Title/service patterns for incidents whose alerts do not name an object. */
  incidentTargets?: readonly IncidentTargetPattern[];
  diagnose: DiagnoseTarget;
  /** X-Webhook-Id values already taken. */
  seen: DeliveryRecord;
  /** Time for reading the incident, diagnosing and writing the note, retries included. */
  budgetMs: number;
  /** Evidence deadline within that budget (the rest is left for the note). */
  evidenceDeadlineMs: number;
  /** Keeps the work alive after the answer; default: the request's execution context when it has one. */
  waitUntil?: (work: Promise<unknown>) => void;
  fetch: typeof globalThis.fetch;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  log?: (entry: Record<string, unknown>) => void;
  /** Nesting and label caps, checked after the signature. */
  limits: InputLimits;
}

/** Where an incident carries alert labels (read by findIncidentTarget). */
const LABEL_MAPS = ['event.data.body.details.labels', 'event.data.details.labels', 'event.data.custom_details.labels'];

// Built on the first webhook: a /v1/diagnose cold start never needs them.
const envelopeSchema = onFirstUse(() => z.looseObject({
  event: z.looseObject({
    id: z.optional(z.string()),
    event_type: z.string(),
    resource_type: z.optional(z.string()),
    data: z.optional(z.unknown()),
  }),
}));

const incidentSchema = onFirstUse(() => z.looseObject({
  id: z.string().check(z.regex(INCIDENT_ID)),
  title: z.optional(z.string()),
  service: z.nullish(z.looseObject({ summary: z.optional(z.string()), name: z.optional(z.string()) })),
  // Not in the v3 incident shape today; read when present so a payload that carries them saves a call.
  body: z.nullish(z.looseObject({ details: z.optional(z.unknown()) })),
  details: z.optional(z.unknown()),
  custom_details: z.optional(z.unknown()),
}));
type Incident = z.infer<ReturnType<typeof incidentSchema>>;

export interface IncidentOutcome {
  incident: string;
  status: 'noted' | 'no-target' | 'note-failed' | 'no-api';
  via?: string;
  target?: string;
  diagnosis?: string;
  detail?: string;
}

/** Diagnose the incident's object and write the note. Never throws. */
export async function enrichIncident(incident: Incident, o: PagerDutyWebhookOptions): Promise<IncidentOutcome> {
  const deadline = o.now() + o.budgetMs;
  const signal = AbortSignal.timeout(Math.min(o.evidenceDeadlineMs, o.budgetMs));
  const details: unknown[] = [incident.body?.details, incident.details, incident.custom_details].filter((d) => d !== undefined && d !== null);
  const problems: string[] = [];
  if (details.length === 0 && o.api) {
    const fetched = await fetchIncidentAlertDetails(o.api, incident.id, o.fetch, signal);
    details.push(...fetched.details);
    if (fetched.error) problems.push(fetched.error);
  }
  const found = findIncidentTarget({ id: incident.id, ...(incident.title ? { title: incident.title } : {}), ...(incident.service ? { service: incident.service } : {}) }, details, o.incidentTargets ?? []);
  if (!found.target) return { incident: incident.id, status: 'no-target', detail: [...problems, ...found.problems].join('; ') };
  const t = found.target;
  const target = `${t.kind} ${t.namespace ? `${t.namespace}/` : ''}${t.name}`;
  const via = found.via === 'pattern' ? 'incident title/service pattern' : "incident's alert details";
  const result = await o.diagnose(t, { signal, ...(found.cluster ? { cluster: found.cluster } : {}), ...(Object.keys(found.labels).length > 0 ? { alert: { labels: found.labels, annotations: {} } } : {}) });
  const base = { incident: incident.id, via: found.via!, target, diagnosis: result.diagnosis.id };
  if (!o.api) return { ...base, status: 'no-api', detail: 'no PagerDuty REST API token is configured: the note was not written' };
  const content = renderIncidentNote({ target: t, diagnosis: result.diagnosis, partial: result.partial, errors: result.errors, via });
  const outcome = await deliver(noteRequest(o.api, incident.id, content), { kind: 'pagerduty', fetch: o.fetch, deadline, now: o.now, sleep: o.sleep });
  return outcome.result.ok
    ? { ...base, status: 'noted' }
    : { ...base, status: 'note-failed', detail: `${outcome.result.reason}: ${outcome.result.detail} after ${outcome.attempts} attempt(s)` };
}

function keepAlive(c: Context, o: PagerDutyWebhookOptions, work: Promise<unknown>): void {
  if (o.waitUntil) return o.waitUntil(work);
  try {
    // Hono exposes Workers' ExecutionContext here; on Node the getter throws and the promise runs on.
    c.executionCtx.waitUntil(work);
  } catch {
    /* no execution context: nothing holds the work back */
  }
}

export function pagerdutyWebhookRoutes(o: PagerDutyWebhookOptions | undefined): Hono {
  const routes = new Hono();
  routes.post(WEBHOOK_PATH,
    bodyLimit({ maxSize: MAX_WEBHOOK_BYTES, onError: (c) => problemResponse(c, problem('payload-too-large', 413, `the limit is ${MAX_WEBHOOK_BYTES} bytes`)) }),
    async (c) => {
      if (!o || o.secrets.length === 0) return problemResponse(c, problem('not-found', 404, 'PagerDuty webhooks are not configured: set KUBETRIAGE_PAGERDUTY_WEBHOOK_SECRET'));
      // The signature covers the exact bytes: verify before any decoding.
      const raw = new Uint8Array(await c.req.arrayBuffer());
      if (!(await verifyPagerDutySignature(raw, c.req.header('x-pagerduty-signature'), o.secrets))) {
        return problemResponse(c, problem('unauthorized', 401, 'X-PagerDuty-Signature is missing or matches none of the configured secrets'));
      }
      let json: unknown;
      try {
        json = JSON.parse(new TextDecoder().decode(raw));
      } catch (err) {
        return problemResponse(c, problem('invalid-json', 400, (err as Error).message.slice(0, 200), [{ path: '(body)', message: 'not valid JSON' }]));
      }
      const overLimit = checkInputLimits(json, o.limits, LABEL_MAPS);
      if (overLimit) return problemResponse(c, overLimit);
      const envelope = safeParse(envelopeSchema(), json);
      if (!envelope.success) {
        // Signed by PagerDuty, so retrying cannot help: acknowledge and say why it was not used.
        o.log?.({ msg: 'pagerduty webhook ignored', reason: 'not a v3 event envelope' });
        return c.json({ status: 'ignored', reason: 'not a webhooks v3 event envelope' }, 200);
      }
      const event = envelope.data.event;
      const webhookId = c.req.header('x-webhook-id') ?? event.id;
      if (webhookId && o.seen.has(webhookId)) return c.json({ status: 'duplicate', webhook_id: webhookId }, 200);
      if (webhookId) o.seen.add(webhookId);
      if (event.event_type !== 'incident.triggered') return c.json({ status: 'ignored', event_type: event.event_type }, 200);
      const incident = safeParse(incidentSchema(), event.data);
      if (!incident.success) {
        o.log?.({ msg: 'pagerduty webhook ignored', event_type: event.event_type, reason: 'incident data without a valid id' });
        return c.json({ status: 'ignored', event_type: event.event_type, reason: 'incident data without a valid id' }, 200);
      }
      const work = enrichIncident(incident.data, o).then(
        (outcome) => o.log?.({ msg: 'pagerduty incident', webhookId, ...outcome }),
        (err: unknown) => o.log?.({ msg: 'pagerduty incident failed', webhookId, incident: incident.data.id, error: String(err) }),
      );
      keepAlive(c, o, work);
      return c.json({ status: 'accepted', event_type: event.event_type, incident: incident.data.id }, 202);
    });
  return routes;
}

/** What a runtime passes in AppDeps.pagerduty. */
export interface PagerDutyDeps {
  webhookSecrets: string[];
  api?: PagerDutyApi;
  incidentTargets?: IncidentTargetPattern[];
  waitUntil?: (work: Promise<unknown>) => void;
  /** Default 30 s: PagerDuty has its answer long before; this bounds the work after it. */
  budgetMs?: number;
}

/** The route as createApp mounts it, from the app's shared bindings. */
export function pagerdutyWebhookFromApp(deps: PagerDutyDeps | undefined, app: {
  evidence: EvidenceSource;
  diagnoseOptions?: DiagnoseOptions;
  deadlineMs: number;
  limits: InputLimits;
  fetch: typeof globalThis.fetch;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  log?: (entry: Record<string, unknown>) => void;
}): Hono {
  if (!deps) return pagerdutyWebhookRoutes(undefined);
  return pagerdutyWebhookRoutes({
    secrets: deps.webhookSecrets,
    ...(deps.api ? { api: deps.api } : {}),
    ...(deps.incidentTargets ? { incidentTargets: deps.incidentTargets } : {}),
    ...(deps.waitUntil ? { waitUntil: deps.waitUntil } : {}),
    diagnose: diagnoseFromSource(app.evidence, app.diagnoseOptions),
    // PagerDuty retries for up to 48 h; ids are remembered that long (bounded in number).
    seen: new DeliveryRecord({ ttlMs: 48 * 3_600_000, maxEntries: 100_000, now: app.now }),
    budgetMs: deps.budgetMs ?? 30_000,
    evidenceDeadlineMs: app.deadlineMs,
    limits: app.limits,
    fetch: app.fetch,
    now: app.now,
    sleep: app.sleep,
    ...(app.log ? { log: app.log } : {}),
  });
}
