// The two PagerDuty REST API calls the webhook side makes: read the incident's alerts (their
// details name the Kubernetes object) and add a note. Notes go through the sinks' one backoff
// loop (deliver) with the PagerDuty retry policy; the read is a single attempt, as the title
// and service patterns are there when it fails.
import type { OutboundRequest } from '../sinks/sink.ts';

export const DEFAULT_API_URL = 'https://api.pagerduty.com';

export interface PagerDutyApi {
  /** https://api.pagerduty.com, or https://api.eu.pagerduty.com for the EU service region. */
  url: string;
  /** REST API token, sent as `Authorization: Token token=...`. Never logged. */
  token: string;
  /** Email of a PagerDuty user: the `From` header that notes are written as. */
  from: string;
}

/** Incident ids are short alphanumerics (PGR0VU2); anything else never reaches a URL path. */
export const INCIDENT_ID = /^[A-Za-z0-9]{1,64}$/;

export function restHeaders(api: PagerDutyApi): Record<string, string> {
  return {
    accept: 'application/vnd.pagerduty+json;version=2',
    authorization: `Token token=${api.token}`,
    'content-type': 'application/json',
    from: api.from,
  };
}

const base = (api: PagerDutyApi) => api.url.replace(/\/+$/, '');

export function noteRequest(api: PagerDutyApi, incidentId: string, content: string): OutboundRequest {
  return {
    url: `${base(api)}/incidents/${encodeURIComponent(incidentId)}/notes`,
    method: 'POST',
    headers: restHeaders(api),
    body: JSON.stringify({ note: { content } }),
    deliveryKey: `note|${incidentId}`,
  };
}

/** The details of the incident's alerts (body.details, or body.cef_details.details), newest first as listed. */
export async function fetchIncidentAlertDetails(api: PagerDutyApi, incidentId: string, fetch: typeof globalThis.fetch, signal: AbortSignal): Promise<{ details: unknown[]; error?: string }> {
  try {
    const res = await fetch(`${base(api)}/incidents/${encodeURIComponent(incidentId)}/alerts?limit=25`, { headers: restHeaders(api), signal });
    if (!res.ok) {
      await res.arrayBuffer().catch(() => undefined);
      return { details: [], error: `GET /incidents/${incidentId}/alerts answered HTTP ${res.status}` };
    }
    const json = await res.json() as { alerts?: Array<{ body?: { details?: unknown; cef_details?: { details?: unknown } } }> };
    const details = (json.alerts ?? []).flatMap((a) => [a.body?.details, a.body?.cef_details?.details]).filter((d) => d !== undefined && d !== null);
    return { details };
  } catch (err) {
    return { details: [], error: `GET /incidents/${incidentId}/alerts failed: ${(err as Error)?.message ?? String(err)}` };
  }
}
