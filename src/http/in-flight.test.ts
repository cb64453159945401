import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { createApp } from '../app.ts';
import type { CollectedEvidence, EvidenceSource } from '../evidence/source.ts';
import { inFlightLimit } from './in-flight.ts';

/** A route behind the limit whose requests wait until release() (or fail, with ?fail). */
function gatedApp(maxBytes: number) {
  let waiters: Array<() => void> = [];
  const app = new Hono();
  app.use('/x', inFlightLimit({ maxBytes, maxBodyBytes: 2000, unknownLengthBytes: 1000 }));
  app.post('/x', async (c) => {
    if (c.req.query('fail') !== undefined) throw new Error('boom');
    await new Promise<void>((resolve) => waiters.push(resolve));
    return c.text('done');
  });
  app.onError((_err, c) => c.text('failed', 500));
  return {
    send: (bytes: number | 'chunked', query = '') => app.request(`/x${query}`, {
      method: 'POST',
      ...(bytes === 'chunked'
        ? { body: new ReadableStream({ start(ctl) { ctl.enqueue(new TextEncoder().encode('{}')); ctl.close(); } }), duplex: 'half' }
        : { body: 'x'.repeat(bytes), headers: { 'content-length': String(bytes) } }),
    } as RequestInit),
    release() { const w = waiters; waiters = []; for (const f of w) f(); },
    waiting: () => waiters.length,
  };
}

const until = async (cond: () => boolean) => {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(cond()).toBe(true);
};

describe('inFlightLimit', () => {
  it('takes requests while their bodies fit in the budget, answers the next 503 busy, and takes requests again as they finish', async () => {
    const g = gatedApp(100);
    const held = [g.send(60), g.send(40)];
    await until(() => g.waiting() === 2);
    const refused = await g.send(1);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('content-type')).toBe('application/problem+json');
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(await refused.json()).toMatchObject({ type: 'urn:kubetriage:problem:busy', status: 503 });
    g.release();
    expect((await Promise.all(held)).map((r) => r.status)).toEqual([200, 200]);
    const again = g.send(100);
    await until(() => g.waiting() === 1);
    g.release();
    expect((await again).status).toBe(200);
  });

  it.each([
    ['a body larger than the whole budget', 500 as const],
    ['a body without Content-Length (counted as unknownLengthBytes, here 1000)', 'chunked' as const],
    ['a body declared larger than the body limit (counted as the limit until the 413)', 5000 as const],
  ])('takes %s when nothing else is in flight, and nothing beside it', async (_case, size) => {
    const g = gatedApp(100);
    const big = g.send(size);
    await until(() => g.waiting() === 1);
    expect((await g.send(1)).status).toBe(503);
    g.release();
    expect((await big).status).toBe(200);
  });

  it('counts a body without Content-Length as unknownLengthBytes, and a declared one as its size up to the body limit', async () => {
    const g = gatedApp(3500);
    const held = [g.send('chunked'), g.send(500), g.send(9000)]; // 1000 + 500 + 2000 (the limit)
    await until(() => g.waiting() === 3);
    expect((await g.send(1)).status).toBe(503);
    g.release();
    expect((await Promise.all(held)).map((r) => r.status)).toEqual([200, 200, 200]);
  });

  it('frees the place of a request that failed', async () => {
    const g = gatedApp(100);
    expect((await g.send(100, '?fail')).status).toBe(500);
    const next = g.send(100);
    await until(() => g.waiting() === 1);
    g.release();
    expect((await next).status).toBe(200);
  });
});

describe('inFlightLimit in createApp', () => {
  const TOKEN = 'in-flight-test-token-0123456789';
  let release = () => {};
  let collecting = 0;
  const held: EvidenceSource = {
    description: 'held',
    session: () => ({
      collect: () => new Promise<CollectedEvidence>((resolve) => {
        collecting++;
        release = () => resolve({ objects: [], logs: [], partial: true, errors: [{ reason: 'not-found', resource: 'Pod shop/cart', message: 'not there' }] });
      }),
    }),
  };
  const diagnose = (app: ReturnType<typeof createApp>, path: string, headers: Record<string, string>) => {
    const body = path === '/v1/diagnose'
      ? JSON.stringify({ target: { kind: 'Pod', namespace: 'shop', name: 'cart' } })
      : JSON.stringify({ version: '4', groupKey: '{}:{}', status: 'firing', receiver: 'kubetriage', groupLabels: {}, commonLabels: {}, commonAnnotations: {}, externalURL: 'http://am', alerts: [] });
    return app.request(path, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(body.length), ...headers }, body });
  };

  it('guards both ingest routes with one budget, after authentication', async () => {
    const app = createApp({ evidence: held, openapiYaml: '', auth: { bearerTokens: [TOKEN], basicCredentials: [] }, maxInFlightBytes: 10 });
    const auth = { authorization: `Bearer ${TOKEN}` };
    const first = diagnose(app, '/v1/diagnose', auth);
    await until(() => collecting === 1);
    expect((await diagnose(app, '/v1/alertmanager', auth)).status).toBe(503);
    expect((await diagnose(app, '/v1/diagnose', auth)).status).toBe(503);
    // Without credentials: 401, never a place; other routes are not limited.
    expect((await diagnose(app, '/v1/diagnose', {})).status).toBe(401);
    expect((await app.request('/healthz')).status).toBe(200);
    release();
    expect((await first).status).toBe(200);
    expect((await diagnose(app, '/v1/alertmanager', auth)).status).toBe(200);
  });
});
