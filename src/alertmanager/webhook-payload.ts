// Alertmanager webhook payload, version 4, parsed tolerantly: legacy senders omit status,
// fingerprint, generatorURL and truncatedAlerts; newer ones add notification_reason (0.32+) and
// routeLabels (0.34+). Unknown fields are kept and passed through.
import { z } from 'zod';
import { fieldPath, problem, type Problem } from '../http/problem.ts';

const stringMap = z.record(z.string(), z.string());

export const alertSchema = z.looseObject({
  status: z.enum(['firing', 'resolved']).optional(),
  labels: stringMap,
  annotations: stringMap.default({}),
  startsAt: z.string().optional(),
  /** "0001-01-01T00:00:00Z" (Go's zero time) while firing. */
  endsAt: z.string().optional(),
  generatorURL: z.string().optional(),
  fingerprint: z.string().optional(),
});

export const webhookPayloadSchema = z.looseObject({
  version: z.literal('4').optional(),
  groupKey: z.string().optional(),
  truncatedAlerts: z.number().int().nonnegative().optional(),
  status: z.enum(['firing', 'resolved']).optional(),
  /** Arrives regex-escaped (Alertmanager QuoteMeta's it): "web\\.hook". */
  receiver: z.string().optional(),
  groupLabels: stringMap.default({}),
  commonLabels: stringMap.default({}),
  commonAnnotations: stringMap.default({}),
  externalURL: z.string().optional(),
  alerts: z.array(alertSchema),
  notification_reason: z.string().optional(),
  routeLabels: stringMap.optional(),
});

export type WebhookAlert = z.infer<typeof alertSchema>;
export type WebhookPayload = z.infer<typeof webhookPayloadSchema>;

export function parseWebhookPayload(body: unknown, maxAlerts: number): { ok: true; value: WebhookPayload } | { ok: false; problem: Problem } {
  const parsed = webhookPayloadSchema.safeParse(body);
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
