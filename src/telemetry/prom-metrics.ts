// Prometheus exposition through prom-client, on a registry of our own (no global state).
import { Counter, Histogram, Registry } from 'prom-client';
import type { Metrics } from './metrics.ts';

export function createPromMetrics(): Metrics {
  const registry = new Registry();
  const requests = new Counter({ name: 'kubetriage_http_requests_total', help: 'HTTP requests by route, method and status', labelNames: ['route', 'method', 'status'], registers: [registry] });
  const requestSeconds = new Histogram({ name: 'kubetriage_http_request_duration_seconds', help: 'HTTP request duration', labelNames: ['route'], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers: [registry] });
  const diagnoses = new Counter({ name: 'kubetriage_diagnoses_total', help: 'Diagnoses by id and whether the evidence was partial', labelNames: ['id', 'partial'], registers: [registry] });
  const evidenceErrors = new Counter({ name: 'kubetriage_evidence_errors_total', help: 'Evidence that could not be fetched, by reason', labelNames: ['reason'], registers: [registry] });
  const classifySeconds = new Histogram({ name: 'kubetriage_classification_duration_seconds', help: 'Time spent in the diagnosis core', buckets: [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05], registers: [registry] });
  const sinkOutcomes = new Counter({ name: 'kubetriage_sink_outcomes_total', help: 'Forwarding outcomes by sink', labelNames: ['sink', 'outcome'], registers: [registry] });
  return {
    request: (route, method, status, seconds) => {
      requests.inc({ route, method, status: String(status) });
      requestSeconds.observe({ route }, seconds);
    },
    diagnosis: (id, partial) => diagnoses.inc({ id, partial: String(partial) }),
    evidenceError: (reason) => evidenceErrors.inc({ reason }),
    classification: (seconds) => classifySeconds.observe(seconds),
    sinkOutcome: (sink, outcome) => sinkOutcomes.inc({ sink, outcome }),
    render: async () => ({ contentType: registry.contentType, body: await registry.metrics() }),
  };
}
