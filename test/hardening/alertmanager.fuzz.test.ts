// POST /v1/alertmanager under generated and mutated bodies: no 5xx, every 4xx well-formed
// problem+json, no unhandled rejection. Reproduce a failure with the seed fast-check prints.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { demoSource } from '../support/enriched-alerts.ts';
import { ALERTMANAGER_SEEDS, bodyArb, generatedAlertmanager, RUNS } from './bodies.ts';
import { expectWellFormed, settle, watchProcess, type StatusCounts } from './checks.ts';

const SEED = 0x6b7401;

describe('POST /v1/alertmanager: property-based', () => {
  const watch = watchProcess();
  const unexpected: unknown[] = [];
  const counts: StatusCounts = {};
  // No sinks: the only documented 5xx (503, a delivery that failed) cannot happen.
  const app = createApp({ evidence: demoSource(), openapiYaml: '', onUnexpectedError: (e) => unexpected.push(e) });

  beforeAll(() => expect(ALERTMANAGER_SEEDS.length).toBeGreaterThan(3));
  afterAll(() => watch.stop());

  it(`answers ${RUNS} generated and mutated bodies without a 5xx (seed ${SEED})`, async () => {
    await fc.assert(fc.asyncProperty(bodyArb(ALERTMANAGER_SEEDS, generatedAlertmanager), async ({ body, contentType }) => {
      const res = await app.request('/v1/alertmanager', { method: 'POST', body, headers: contentType === undefined ? {} : { 'content-type': contentType } });
      await expectWellFormed(res, counts);
    }), { seed: SEED, numRuns: RUNS });
    console.log(`/v1/alertmanager statuses over ${RUNS} runs:`, counts);
    expect(unexpected).toEqual([]);
    // The mix reaches enrichment, not only the parser.
    expect(counts[200] ?? 0).toBeGreaterThan(RUNS * 0.2);
    expect(counts[400] ?? 0).toBeGreaterThan(RUNS * 0.1);
  }, 900_000);

  it('left no unhandled rejection or uncaught exception behind', async () => {
    await settle();
    expect(watch.events).toEqual([]);
  });
});
