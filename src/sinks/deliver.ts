// The backoff loop, written once: send, classify, wait (honouring Retry-After), retry while the
// policy says so and the deadline allows. Never throws.
import type { OutboundRequest, SendResult, SinkKind } from './sink.ts';
import { classifyError, classifyStatus } from './retry-policy.ts';
import { inSpan } from '../telemetry/tracing.ts';

export interface DeliverOptions {
  kind: SinkKind;
  /** The sink's configured name, for the span. */
  sink?: string;
  fetch: typeof globalThis.fetch;
  /** Absolute deadline (ms since epoch, from the injected clock). */
  deadline: number;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  /** First backoff step; doubles each attempt, with jitter from `random`. */
  baseDelayMs?: number;
  maxAttempts?: number;
  random?: () => number;
}

export interface DeliveryOutcome {
  result: SendResult;
  attempts: number;
}

export function deliver(req: OutboundRequest, o: DeliverOptions): Promise<DeliveryOutcome> {
  return inSpan('kubetriage.sink.send', { 'kubetriage.sink.kind': o.kind, 'kubetriage.sink.name': o.sink ?? o.kind }, async (span) => {
    const outcome = await deliverWithRetries(req, o);
    span.setAttribute('kubetriage.sink.attempts', outcome.attempts);
    span.setAttribute('kubetriage.sink.outcome', outcome.result.ok ? 'delivered' : outcome.result.reason);
    return outcome;
  });
}

async function deliverWithRetries(req: OutboundRequest, o: DeliverOptions): Promise<DeliveryOutcome> {
  const base = o.baseDelayMs ?? 200;
  const maxAttempts = o.maxAttempts ?? 5;
  const random = o.random ?? Math.random;
  let attempts = 0;
  let result: SendResult = { ok: false, retryable: true, reason: 'timeout', detail: 'deadline passed before the first attempt' };
  let answered: SendResult | undefined;
  while (attempts < maxAttempts) {
    const remaining = o.deadline - o.now();
    if (remaining <= 0) break;
    attempts++;
    try {
      const res = await o.fetch(req.url, { method: req.method, headers: req.headers, body: req.body, signal: AbortSignal.timeout(Math.max(1, Math.ceil(remaining))) });
      // Drain the body so the connection can be reused.
      await res.arrayBuffer().catch(() => undefined);
      result = classifyStatus(o.kind, res.status, res.headers.get('retry-after'));
    } catch (err) {
      result = classifyError(err);
    }
    if (result.ok || !result.retryable) break;
    if (result.reason !== 'timeout') answered = result;
    const backoff = result.retryAfterMs ?? base * 2 ** (attempts - 1) * (0.5 + random());
    if (o.now() + backoff >= o.deadline) break;
    await o.sleep(backoff);
  }
  // A last attempt cut short by the deadline says only "timeout"; what the sink answered before is the cause worth reporting.
  if (!result.ok && result.reason === 'timeout' && answered && !answered.ok) result = { ...result, detail: `${result.detail}; the attempt before: ${answered.detail}` };
  return { result, attempts };
}
