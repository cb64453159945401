import { describe, expect, it } from 'vitest';
import { classifyError, classifyStatus } from './retry-policy.ts';
import type { SinkKind } from './sink.ts';

// Every status each sink can answer, and what the policy must decide. One table for all sinks:
// PagerDuty retries 429 and 5xx; Slack retries 429 (honouring Retry-After) and 5xx; the
// Alertmanager-compatible webhook retries 5xx only, as Alertmanager itself does.
const R = 'retry';
const F = 'final';
const OK = 'ok';
const TABLE: Array<[number, Record<SinkKind, string>, string]> = [
  [200, { webhook: OK, pagerduty: OK, slack: OK }, ''],
  [202, { webhook: OK, pagerduty: OK, slack: OK }, ''],
  [204, { webhook: OK, pagerduty: OK, slack: OK }, ''],
  [400, { webhook: F, pagerduty: F, slack: F }, 'client'],
  [401, { webhook: F, pagerduty: F, slack: F }, 'auth'],
  [403, { webhook: F, pagerduty: F, slack: F }, 'auth'],
  [404, { webhook: F, pagerduty: F, slack: F }, 'client'],
  [408, { webhook: F, pagerduty: F, slack: F }, 'client'],
  [409, { webhook: F, pagerduty: F, slack: F }, 'client'],
  [410, { webhook: F, pagerduty: F, slack: F }, 'client'],
  [413, { webhook: F, pagerduty: F, slack: F }, 'client'],
  [422, { webhook: F, pagerduty: F, slack: F }, 'client'],
  [429, { webhook: F, pagerduty: R, slack: R }, 'rate-limited'],
  [500, { webhook: R, pagerduty: R, slack: R }, 'server'],
  [502, { webhook: R, pagerduty: R, slack: R }, 'server'],
  [503, { webhook: R, pagerduty: R, slack: R }, 'server'],
  [504, { webhook: R, pagerduty: R, slack: R }, 'server'],
];

describe('retry policy', () => {
  for (const [status, decisions, reason] of TABLE) {
    for (const kind of ['webhook', 'pagerduty', 'slack'] as const) {
      it(`${kind} ${status} → ${decisions[kind]}`, () => {
        const r = classifyStatus(kind, status);
        if (decisions[kind] === OK) {
          expect(r.ok).toBe(true);
          return;
        }
        expect(r.ok).toBe(false);
        if (r.ok) return;
        expect(r.retryable).toBe(decisions[kind] === R);
        expect(r.reason).toBe(reason);
      });
    }
  }

  it('carries Retry-After (seconds) into the decision', () => {
    const r = classifyStatus('slack', 429, '7');
    expect(r.ok === false && r.retryAfterMs).toBe(7000);
  });

  it('retries network errors and timeouts', () => {
    expect(classifyError(new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } }))).toMatchObject({ ok: false, retryable: true, reason: 'network' });
    expect(classifyError(new DOMException('timed out', 'TimeoutError'))).toMatchObject({ ok: false, retryable: true, reason: 'timeout' });
  });
});
