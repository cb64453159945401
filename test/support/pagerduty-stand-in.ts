// A local stand-in for PagerDuty: the Events API v2 (POST /v2/enqueue) validating events as
// PagerDuty documents them, and the REST API calls kubetriage makes (GET /incidents/{id}/alerts,
// POST /incidents/{id}/notes) checking path, headers and body. Answers can be scripted (429,
// 5xx) to exercise the retry policy. Use `fetch` in process, or `listen()` for a loopback server.
//
// Documented rules checked (developer.pagerduty.com, Events API v2 "Send an Alert Event"):
// routing_key is the 32-character integration key; event_action is trigger, acknowledge or
// resolve; dedup_key at most 255 characters (required to acknowledge or resolve); a trigger
// needs payload.summary (at most 1024 characters), payload.source and payload.severity
// (critical, error, warning or info); the whole event at most 512 KB. Rejections are
// 400 {status:"invalid event", message, errors:[...]}; a body that is not JSON is
// 400 {status:"Unrecognized object", ...}; success is 202 {status:"success", message:"Event processed", dedup_key}.
import { serve } from '@hono/node-server';
import { Hono, type Context } from 'hono';
import type { AddressInfo } from 'node:net';

export const EVENTS_PATH = '/v2/enqueue';
const SEVERITIES = ['critical', 'error', 'warning', 'info'];
const ACTIONS = ['trigger', 'acknowledge', 'resolve'];
const MAX_EVENT_BYTES = 512 * 1024;

export interface ScriptedAnswer {
  status: number;
  retryAfter?: string;
}

export interface RecordedNote {
  incidentId: string;
  content: string;
  from: string;
}

export interface PagerDutyStandInOptions {
  /** The REST API token the stand-in accepts (`Authorization: Token token=...`). */
  apiToken?: string;
  /** Emails of the users that exist (the From header must be one of them). */
  users?: string[];
  /** Incidents that exist, and the alerts GET /incidents/{id}/alerts lists for each. */
  incidents?: Record<string, unknown[]>;
}

export interface PagerDutyStandIn {
  /** Serves the stand-in in process (any origin; dispatched by path). */
  fetch: typeof globalThis.fetch;
  /** Base URL to use with `fetch`: events at `${baseUrl}/v2/enqueue`, REST at `${baseUrl}`. */
  baseUrl: string;
  eventsUrl: string;
  /** Events accepted (202), as received. */
  accepted: Array<Record<string, unknown>>;
  /** Events rejected as invalid (400), with the stand-in's answer. */
  rejected: Array<{ body: unknown; answer: { status: string; message: string; errors: string[] } }>;
  notes: RecordedNote[];
  /** REST requests refused (401/400/404...), with the reason. */
  refusedRest: Array<{ path: string; status: number; message: string }>;
  /** Every request, in order: method, path, status answered. */
  log: Array<{ method: string; path: string; status: number }>;
  /** Answer the next events requests with these statuses before processing normally again. */
  scriptEvents(...answers: Array<number | ScriptedAnswer>): void;
  /** Answer the next POST /incidents/{id}/notes requests with these statuses. */
  scriptNotes(...answers: Array<number | ScriptedAnswer>): void;
  listen(): Promise<{ url: string; close(): Promise<void> }>;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const blank = (v: unknown) => typeof v !== 'string' || v.trim() === '';

/** The Events API v2 rules, as errors[] strings (empty when the event is valid). */
export function validateEvent(e: unknown, bytes: number): string[] {
  if (!isRecord(e)) return ['Event object must be a JSON object'];
  const errors: string[] = [];
  if (bytes > MAX_EVENT_BYTES) errors.push(`Event is ${bytes} bytes; the limit is ${MAX_EVENT_BYTES}`);
  if (blank(e['routing_key'])) errors.push("'routing_key' is missing or blank");
  else if ((e['routing_key'] as string).length !== 32) errors.push("'routing_key' must be 32 characters");
  if (!ACTIONS.includes(e['event_action'] as string)) errors.push("'event_action' must be one of trigger, acknowledge, resolve");
  if (e['dedup_key'] !== undefined) {
    if (typeof e['dedup_key'] !== 'string') errors.push("'dedup_key' must be a string");
    else if (e['dedup_key'].length > 255) errors.push("'dedup_key' must be at most 255 characters");
  } else if (e['event_action'] === 'acknowledge' || e['event_action'] === 'resolve') errors.push("'dedup_key' is required to acknowledge or resolve");
  if (e['event_action'] === 'trigger') {
    const p = e['payload'];
    if (!isRecord(p)) errors.push("'payload' is missing or not an object");
    else {
      if (blank(p['summary'])) errors.push("'payload.summary' is missing or blank");
      else if ((p['summary'] as string).length > 1024) errors.push("'payload.summary' must be at most 1024 characters");
      if (blank(p['source'])) errors.push("'payload.source' is missing or blank");
      if (!SEVERITIES.includes(p['severity'] as string)) errors.push("'payload.severity' must be one of critical, error, warning, info");
      if (p['timestamp'] !== undefined && (typeof p['timestamp'] !== 'string' || Number.isNaN(Date.parse(p['timestamp'])))) errors.push("'payload.timestamp' must be an ISO 8601 time");
      for (const f of ['component', 'group', 'class']) if (p[f] !== undefined && typeof p[f] !== 'string') errors.push(`'payload.${f}' must be a string`);
      if (p['custom_details'] !== undefined && !isRecord(p['custom_details'])) errors.push("'payload.custom_details' must be an object");
    }
  }
  if (e['links'] !== undefined) {
    if (!Array.isArray(e['links'])) errors.push("'links' must be an array");
    else e['links'].forEach((l, i) => { if (!isRecord(l) || blank(l['href'])) errors.push(`'links[${i}].href' is missing`); });
  }
  if (e['images'] !== undefined) {
    if (!Array.isArray(e['images'])) errors.push("'images' must be an array");
    else e['images'].forEach((im, i) => { if (!isRecord(im) || blank(im['src'])) errors.push(`'images[${i}].src' is missing`); });
  }
  return errors;
}

export function createPagerDutyStandIn(o: PagerDutyStandInOptions = {}): PagerDutyStandIn {
  const eventScript: ScriptedAnswer[] = [];
  const notesScript: ScriptedAnswer[] = [];
  let dedupCounter = 0;
  const app = new Hono();
  const s: Omit<PagerDutyStandIn, 'fetch' | 'listen'> = {
    baseUrl: 'https://pagerduty.stand-in.test',
    eventsUrl: `https://pagerduty.stand-in.test${EVENTS_PATH}`,
    accepted: [],
    rejected: [],
    notes: [],
    refusedRest: [],
    log: [],
    scriptEvents: (...answers) => eventScript.push(...answers.map((a) => (typeof a === 'number' ? { status: a } : a))),
    scriptNotes: (...answers) => notesScript.push(...answers.map((a) => (typeof a === 'number' ? { status: a } : a))),
  };
  const scripted = (c: Context, script: ScriptedAnswer[]): Response | undefined => {
    const next = script.shift();
    if (!next) return undefined;
    return c.json({ status: next.status === 429 ? 'throttle event' : 'error', message: `scripted ${next.status}` }, next.status as 429, next.retryAfter ? { 'retry-after': next.retryAfter } : {});
  };

  app.use(async (c, next) => {
    await next();
    s.log.push({ method: c.req.method, path: new URL(c.req.url).pathname, status: c.res.status });
  });

  app.post(EVENTS_PATH, async (c) => {
    const early = scripted(c, eventScript);
    if (early) return early;
    const raw = await c.req.text();
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      return c.json({ status: 'Unrecognized object', message: 'Event object format is unrecognized', errors: ['JSON parse error'] }, 400);
    }
    const errors = validateEvent(body, new TextEncoder().encode(raw).length);
    if (errors.length > 0) {
      const answer = { status: 'invalid event', message: 'Event object is invalid', errors };
      s.rejected.push({ body, answer });
      return c.json(answer, 400);
    }
    const event = body as Record<string, unknown>;
    s.accepted.push(event);
    const dedup_key = (event['dedup_key'] as string | undefined) ?? `standin${(++dedupCounter).toString(16).padStart(24, '0')}`;
    return c.json({ status: 'success', message: 'Event processed', dedup_key }, 202);
  });

  /** The REST API's own checks: token, Accept, From (for writes), the incident. */
  const restCheck = (c: Context, write: boolean): Response | undefined => {
    const path = new URL(c.req.url).pathname;
    const refuse = (status: number, message: string) => {
      s.refusedRest.push({ path, status, message });
      return c.json({ error: { message, errors: [message] } }, status as 400);
    };
    if (c.req.header('authorization') !== `Token token=${o.apiToken ?? ''}` || !o.apiToken) return refuse(401, 'Authorization must be "Token token=<API token>"');
    if (c.req.header('accept') !== 'application/vnd.pagerduty+json;version=2') return refuse(400, 'Accept must be application/vnd.pagerduty+json;version=2');
    if (write) {
      if ((c.req.header('content-type') ?? '').split(';')[0] !== 'application/json') return refuse(400, 'Content-Type must be application/json');
      const from = c.req.header('from') ?? '';
      if (!from) return refuse(400, 'the From header is required');
      if (!(o.users ?? []).includes(from)) return refuse(400, `Requester User Not Found: ${from}`);
    }
    const id = c.req.param('id') ?? '';
    if (!o.incidents || !(id in o.incidents)) return refuse(404, `Incident Not Found: ${id}`);
    return undefined;
  };

  app.get('/incidents/:id/alerts', (c) => {
    const early = restCheck(c, false);
    if (early) return early;
    const alerts = o.incidents![c.req.param('id')] ?? [];
    return c.json({ alerts, limit: 25, offset: 0, more: false });
  });

  app.post('/incidents/:id/notes', async (c) => {
    const early = scripted(c, notesScript) ?? restCheck(c, true);
    if (early) return early;
    const path = new URL(c.req.url).pathname;
    let body: unknown;
    try {
      body = JSON.parse(await c.req.text());
    } catch {
      s.refusedRest.push({ path, status: 400, message: 'body is not JSON' });
      return c.json({ error: { message: 'Invalid Input Provided', errors: ['body is not JSON'] } }, 400);
    }
    const note = isRecord(body) ? body['note'] : undefined;
    const content = isRecord(note) ? note['content'] : undefined;
    if (!isRecord(body) || Object.keys(body).length !== 1 || !isRecord(note) || blank(content)) {
      s.refusedRest.push({ path, status: 400, message: 'body must be {note:{content}} with non-empty content' });
      return c.json({ error: { message: 'Invalid Input Provided', errors: ['Note content is required'] } }, 400);
    }
    const recorded = { incidentId: c.req.param('id'), content: content as string, from: c.req.header('from')! };
    s.notes.push(recorded);
    return c.json({ note: { id: `PNOTE${s.notes.length}`, content: recorded.content, created_at: '2026-11-21T09:30:00Z', user: { type: 'user_reference', summary: recorded.from } } }, 201);
  });

  app.notFound((c) => c.json({ error: { message: 'Not Found', errors: [`${c.req.method} ${new URL(c.req.url).pathname}`] } }, 404));

  const fetch = (async (input: string | URL | Request, init?: RequestInit) => {
    const req = input instanceof Request ? input : new Request(input, init);
    return app.fetch(req);
  }) as typeof globalThis.fetch;

  return Object.assign(s, {
    fetch,
    listen: async () => {
      let server: ReturnType<typeof serve> | undefined;
      const port = await new Promise<number>((resolve) => {
        server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) => resolve(info.port));
      });
      return { url: `http://127.0.0.1:${port}`, close: () => new Promise<void>((r) => (server ? server.close(() => r()) : r())) };
    },
  });
}
