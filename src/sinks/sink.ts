// One interface for every forwarding target (in the style of Alertmanager's notify/): each
// receiver module turns enriched alerts into its own request; sending, retry decisions and the
// backoff loop are shared and exist once.
import type { EnrichedAlert, EnrichedGroup } from '../alertmanager/enrich.ts';

export type FailureReason = 'auth' | 'rate-limited' | 'client' | 'server' | 'network' | 'timeout';

export type SendResult =
  | { ok: true; status: number }
  | { ok: false; retryable: boolean; reason: FailureReason; detail: string; status?: number; retryAfterMs?: number };

/** One HTTP request a sink wants made. */
export interface OutboundRequest {
  url: string;
  method: 'POST';
  headers: Record<string, string>;
  body: string;
  /** Identifies this delivery for the delivery record, e.g. the PagerDuty dedup_key. */
  deliveryKey: string;
}

export type SinkKind = 'webhook' | 'pagerduty' | 'slack';

export interface Sink {
  readonly name: string;
  readonly kind: SinkKind;
  /** Builds the requests for a group. Pure: no I/O. */
  render(group: EnrichedGroup, alerts: EnrichedAlert[]): OutboundRequest[];
}
