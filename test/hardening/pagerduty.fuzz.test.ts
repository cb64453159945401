// POST /v1/pagerduty/webhook under generated and mutated bodies, most signed with the configured
// secret (the old or the new one of a rotation) so they get past the signature into the parser
// and the incident handling, some unsigned or signed wrong. No 5xx, every 4xx well-formed
// problem+json, the work after the 202 never fails, no unhandled rejection.
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { hmacSha256 } from '../../src/pagerduty/signature.ts';
import { demoSource } from '../support/enriched-alerts.ts';
import { bodyArb, generatedPagerDuty, PAGERDUTY_SEEDS, RUNS } from './bodies.ts';
import { expectWellFormed, settle, watchProcess, type StatusCounts } from './checks.ts';

const SEED = 0x6b7403;
const OLD_SECRET = 'hardening-old-webhook-secret-0001';
const NEW_SECRET = 'hardening-new-webhook-secret-0002';
const hex = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, '0')).join('');

type Signing = 'new' | 'old' | 'both' | 'none' | 'wrong-secret' | 'garbled';
const signingArb: fc.Arbitrary<Signing> = fc.oneof(
  { weight: 12, arbitrary: fc.constantFrom<Signing>('new', 'old', 'both') },
  { weight: 2, arbitrary: fc.constantFrom<Signing>('none', 'wrong-secret', 'garbled') },
);

async function signatureFor(body: string, how: Signing): Promise<string | undefined> {
  const bytes = new TextEncoder().encode(body);
  const sig = async (secret: string) => `v1=${hex(await hmacSha256(secret, bytes))}`;
  switch (how) {
    case 'new': return sig(NEW_SECRET);
    case 'old': return sig(OLD_SECRET);
    case 'both': return `${await sig('some-other-subscription-secret')},${await sig(NEW_SECRET)}`;
    case 'none': return undefined;
    case 'wrong-secret': return sig('not-the-configured-secret');
    case 'garbled': return `v0=${'z'.repeat(64)}, v1=, =, v1=${'0'.repeat(63)}`;
  }
}

describe('POST /v1/pagerduty/webhook: property-based', () => {
  const watch = watchProcess();
  const unexpected: unknown[] = [];
  const work: Array<Promise<unknown>> = [];
  const logs: Array<Record<string, unknown>> = [];
  const counts: StatusCounts = {};
  // No REST API token: accepted incidents are diagnosed from the demo cluster and logged, no note is written.
  const app = createApp({
    evidence: demoSource(), openapiYaml: '', onUnexpectedError: (e) => unexpected.push(e), log: (e) => logs.push(e),
    pagerduty: { webhookSecrets: [OLD_SECRET, NEW_SECRET], waitUntil: (p) => work.push(p) },
  });
  afterAll(() => watch.stop());

  it(`answers ${RUNS} generated and mutated bodies without a 5xx (seed ${SEED})`, async () => {
    await fc.assert(fc.asyncProperty(bodyArb(PAGERDUTY_SEEDS, generatedPagerDuty), signingArb, fc.option(fc.uuid()), async ({ body, contentType }, signing, webhookId) => {
      const signature = await signatureFor(body, signing);
      const headers: Record<string, string> = {};
      if (contentType !== undefined) headers['content-type'] = contentType;
      if (signature !== undefined) headers['x-pagerduty-signature'] = signature;
      if (webhookId !== null) headers['x-webhook-id'] = webhookId;
      const res = await app.request('/v1/pagerduty/webhook', { method: 'POST', body, headers });
      if (signing === 'none' || signing === 'wrong-secret' || signing === 'garbled') expect(res.status).toBe(401);
      await expectWellFormed(res, counts);
    }), { seed: SEED, numRuns: RUNS });
    console.log(`/v1/pagerduty/webhook statuses over ${RUNS} runs:`, counts, `incidents handled after the answer: ${work.length}`);
    expect(unexpected).toEqual([]);
    // The mix gets past the signature into the incident handling, not only to 401 and 400.
    expect(counts[202] ?? 0).toBeGreaterThan(RUNS * 0.1);
    expect(counts[200] ?? 0).toBeGreaterThan(RUNS * 0.1);
    expect(counts[401] ?? 0).toBeGreaterThan(RUNS * 0.05);
  }, 900_000);

  it('finished the work after every 202 without a failure', async () => {
    const outcomes = await Promise.allSettled(work);
    expect(outcomes.filter((o) => o.status === 'rejected')).toEqual([]);
    expect(logs.filter((l) => l['msg'] === 'pagerduty incident failed')).toEqual([]);
    const handled = logs.filter((l) => l['msg'] === 'pagerduty incident');
    expect(handled).toHaveLength(work.length);
    // Both ends of the handling are reached: incidents whose object is found, and ones without.
    expect(new Set(handled.map((l) => l['status']))).toEqual(new Set(['no-api', 'no-target']));
  });

  it('left no unhandled rejection or uncaught exception behind', async () => {
    await settle();
    expect(watch.events).toEqual([]);
  });
});
