// Forwards an enriched group to every configured sink, skipping notifications a sink already
// took (the delivery record), and reports what could not be delivered.
import type { Sink } from '../sinks/sink.ts';
import { deliver } from '../sinks/deliver.ts';
import type { DeliveryRecord } from './delivery-record.ts';
import type { Metrics } from '../telemetry/metrics.ts';
import type { EnrichedAlert, EnrichedGroup } from './enrich.ts';

export interface ForwardDeps {
  sinks: Sink[];
  /** Chooses the sinks for one alert; default: every sink. */
  route?: (alert: EnrichedAlert) => Sink[];
  /** Whether the sink's failure for this alert fails the request; default: every sink is required. */
  required?: (sink: Sink, alert: EnrichedAlert) => boolean;
  record: DeliveryRecord;
  fetch: typeof globalThis.fetch;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  deadline: number;
  metrics?: Metrics;
}

export interface ForwardFailure {
  sink: string;
  reason: string;
  retryable: boolean;
  detail: string;
  alerts: number;
  /** A required sink failed for at least one of the alerts: the request must fail so the sender retries. */
  required: boolean;
}

export interface ForwardReport {
  delivered: Array<{ sink: string; alerts: number; attempts: number }>;
  skippedAsDuplicate: number;
  failures: ForwardFailure[];
}

export async function forwardGroup(group: EnrichedGroup, deps: ForwardDeps): Promise<ForwardReport> {
  const report: ForwardReport = { delivered: [], skippedAsDuplicate: 0, failures: [] };
  const route = deps.route ?? (() => deps.sinks);
  const required = deps.required ?? (() => true);
  await Promise.all(deps.sinks.map(async (sink) => {
    const mine = group.alerts.filter((a) => route(a).includes(sink));
    const pending = mine.filter((a) => !deps.record.has(`${sink.name}|${a.kubetriage.deliveryKey}`));
    report.skippedAsDuplicate += mine.length - pending.length;
    if (mine.length > pending.length) deps.metrics?.sinkOutcome(sink.name, 'duplicate');
    if (pending.length === 0) return;
    await Promise.all(sink.render(group, pending).map(async (req) => {
      const keys = req.deliveryKey.split(',');
      const isRequired = pending.some((a) => keys.includes(a.kubetriage.deliveryKey) && required(sink, a));
      const outcome = await deliver(req, { kind: sink.kind, sink: sink.name, fetch: deps.fetch, deadline: deps.deadline, now: deps.now, sleep: deps.sleep });
      if (outcome.result.ok) {
        for (const k of keys) deps.record.add(`${sink.name}|${k}`);
        report.delivered.push({ sink: sink.name, alerts: keys.length, attempts: outcome.attempts });
        deps.metrics?.sinkOutcome(sink.name, 'delivered');
      } else {
        deps.metrics?.sinkOutcome(sink.name, outcome.result.reason);
        report.failures.push({ sink: sink.name, reason: outcome.result.reason, retryable: outcome.result.retryable, detail: outcome.result.detail, alerts: keys.length, required: isRequired });
      }
    }));
  }));
  return report;
}
