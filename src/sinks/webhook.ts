// Alertmanager-compatible webhook receiver: forwards the enriched group in Alertmanager's own
// format, so anything that takes an Alertmanager webhook can take kubetriage's output.
import type { OutboundRequest, Sink } from './sink.ts';

export interface WebhookSinkOptions {
  name?: string;
  url: string;
  /** Extra headers, e.g. an Authorization for the receiving end. */
  headers?: Record<string, string>;
}

export function webhookSink(o: WebhookSinkOptions): Sink {
  return {
    name: o.name ?? 'webhook',
    kind: 'webhook',
    render: (group, alerts): OutboundRequest[] => [{
      url: o.url,
      method: 'POST',
      headers: { 'content-type': 'application/json', ...o.headers },
      body: JSON.stringify({ ...group, alerts }),
      deliveryKey: alerts.map((a) => a.kubetriage.deliveryKey).sort().join(','),
    }],
  };
}
