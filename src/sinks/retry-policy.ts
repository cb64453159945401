// The one place that decides whether a failed send is worth retrying, per sink kind.
import type { FailureReason, SendResult, SinkKind } from './sink.ts';

export function classifyStatus(kind: SinkKind, status: number, retryAfterHeader?: string | null): SendResult {
  if (status >= 200 && status < 300) return { ok: true, status };
  const retryAfterMs = parseRetryAfter(retryAfterHeader);
  const fail = (retryable: boolean, reason: FailureReason) =>
    ({ ok: false as const, retryable, reason, status, detail: `HTTP ${status}`, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) });
  if (status === 429) return fail(kind !== 'webhook', 'rate-limited');
  if (status >= 500) return fail(true, 'server');
  if (status === 401 || status === 403) return fail(false, 'auth');
  // Alertmanager's webhook semantics: 4xx is final. PagerDuty and Slack document the same.
  return fail(false, 'client');
}

export function classifyError(err: unknown): SendResult {
  const e = err as { name?: string; message?: string; cause?: { code?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return { ok: false, retryable: true, reason: 'timeout', detail: 'no answer within the deadline' };
  const code = e?.cause?.code ?? '';
  return { ok: false, retryable: true, reason: 'network', detail: `${e?.message ?? 'network error'}${code ? ` (${code})` : ''}` };
}

export function parseRetryAfter(value: string | null | undefined): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  return undefined;
}
