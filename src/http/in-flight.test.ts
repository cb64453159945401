import { describe, expect, it } from 'vitest';
import { createApp } from '../app.ts';
import type { CollectedEvidence, EvidenceSource } from '../evidence/source.ts';

const TOKEN = 'in-flight-test-token-0123456789';

/** An evidence source whose reads wait until release() is called. */
function heldSource(): EvidenceSource & { release(): void; waiting(): number } {
  let waiters: Array<() => void> = [];
  return {
    description: 'held',
    session: () => ({
      collect: () => new Promise<CollectedEvidence>((resolve) => {
        waiters.push(() => resolve({ objects: [], logs: [], partial: true, errors: [{ reason: 'not-found', resource: 'Pod shop/cart', message: 'not there' }] }));
      }),
    }),
    release() {
      const w = waiters;
      waiters = [];
      for (const f of w) f();
    },
    waiting: () => waiters.length,
  };
}

const diagnose = (app: ReturnType<typeof createApp>, headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` }) =>
  app.request('/v1/diagnose', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ target: { kind: 'Pod', namespace: 'shop', name: 'cart' } }) });

const alertmanager = (app: ReturnType<typeof createApp>) =>
  app.request('/v1/alertmanager', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify({ version: '4', groupKey: '{}:{}', status: 'firing', receiver: 'kubetriage', groupLabels: {}, commonLabels: {}, commonAnnotations: {}, externalURL: 'http://am', alerts: [{ status: 'firing', labels: { alertname: 'KubePodCrashLooping', namespace: 'shop', pod: 'cart' }, annotations: {}, startsAt: '2026-11-21T10:00:00Z', endsAt: '0001-01-01T00:00:00Z' }] }),
  });

const until = async (cond: () => boolean) => {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(cond()).toBe(true);
};

describe('inFlightLimit in createApp', () => {
  it('answers 503 busy with Retry-After once max requests are in flight, across both ingest routes, and takes requests again as they finish', async () => {
    const evidence = heldSource();
    const app = createApp({ evidence, openapiYaml: '', auth: { bearerTokens: [TOKEN], basicCredentials: [] }, maxInFlight: 2 });
    const first = diagnose(app);
    const second = alertmanager(app);
    await until(() => evidence.waiting() === 2);

    const refused = await diagnose(app);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('content-type')).toBe('application/problem+json');
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(await refused.json()).toMatchObject({ type: 'urn:kubetriage:problem:busy', status: 503 });
    expect((await alertmanager(app)).status).toBe(503);
    // Without credentials: 401, not a place taken nor a 503; other routes are not limited.
    expect((await diagnose(app, {})).status).toBe(401);
    expect((await app.request('/healthz')).status).toBe(200);

    evidence.release();
    expect((await first).status).toBe(200);
    expect((await second).status).toBe(200);
    const again = diagnose(app);
    await until(() => evidence.waiting() === 1);
    evidence.release();
    expect((await again).status).toBe(200);
  });

  it('frees the place of a request that failed', async () => {
    const failing: EvidenceSource = { description: 'failing', session: () => ({ collect: () => Promise.reject(new Error('boom')) }) };
    const app = createApp({ evidence: failing, openapiYaml: '', auth: { bearerTokens: [TOKEN], basicCredentials: [] }, maxInFlight: 1, onUnexpectedError: () => {} });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await diagnose(app)).status);
    expect(statuses.every((s) => s !== 503)).toBe(true);
  });
});
