// Alertmanager webhook payload, version 4, parsed tolerantly: legacy senders omit status,
// fingerprint, generatorURL and truncatedAlerts; newer ones add notification_reason (0.32+) and
// routeLabels (0.34+). Unknown fields are kept and passed through.
import * as z from 'zod/mini';
import { onFirstUse, safeParse } from '../config/schema-parse.ts';
import { fieldPath, problem, type Problem } from '../http/problem.ts';

// Built on the first Alertmanager request: a /v1/diagnose cold start never needs them.
const schemas = onFirstUse(() => {
  const stringMap = z.record(z.string(), z.string());

  const alertSchema = z.looseObject({
    status: z.optional(z.enum(['firing', 'resolved'])),
    labels: stringMap,
    annotations: z._default(stringMap, {}),
    startsAt: z.optional(z.string()),
    /** "0001-01-01T00:00:00Z" (Go's zero time) while firing. */
    endsAt: z.optional(z.string()),
    generatorURL: z.optional(z.string()),
    fingerprint: z.optional(z.string()),
  });

  const webhookPayloadSchema = z.looseObject({
    version: z.optional(z.literal('4')),
    groupKey: z.optional(z.string()),
    truncatedAlerts: z.optional(z.number().check(z.int(), z.nonnegative())),
    status: z.optional(z.enum(['firing', 'resolved'])),
    /** Arrives regex-escaped (Alertmanager QuoteMeta's it): "web\\.hook". */
    receiver: z.optional(z.string()),
    groupLabels: z._default(stringMap, {}),
    commonLabels: z._default(stringMap, {}),
    commonAnnotations: z._default(stringMap, {}),
    externalURL: z.optional(z.string()),
    alerts: z.array(alertSchema),
    notification_reason: z.optional(z.string()),
    routeLabels: z.optional(stringMap),
  });
  return { alert: alertSchema, payload: webhookPayloadSchema };
});

export type WebhookAlert = z.infer<ReturnType<typeof schemas>['alert']>;
export type WebhookPayload = z.infer<ReturnType<typeof schemas>['payload']>;

export function parseWebhookPayload(body: unknown, maxAlerts: number): { ok: true; value: WebhookPayload } | { ok: false; problem: Problem } {
  const parsed = safeParse(schemas().payload, body);
  if (!parsed.success) {
    return { ok: false, problem: problem('invalid-request', 400, 'not an Alertmanager webhook payload (version 4)', parsed.error.issues.map((i) => ({ path: fieldPath(i.path), message: i.message }))) };
  }
  if (parsed.data.alerts.length > maxAlerts) {
    return { ok: false, problem: problem('invalid-request', 400, `at most ${maxAlerts} alerts per request; set max_alerts in the Alertmanager receiver`, [{ path: 'alerts', message: `${parsed.data.alerts.length} alerts` }]) };
  }
  return { ok: true, value: parsed.data };
}

/** Alertmanager escapes the receiver name with regexp.QuoteMeta; undo it for display. */
export function unescapeReceiver(receiver: string): string {
  return receiver.replace(/\\(.)/g, '$1');
}

/** Go's zero time means "no end yet". */
export function isZeroTime(t: string | undefined): boolean {
  return !t || t.startsWith('0001-01-01');
}
