// POST /v1/diagnose under generated and mutated bodies: no 5xx, every 4xx well-formed
// problem+json, no unhandled rejection. Reproduce a failure with the seed fast-check prints.
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { demoSource } from '../support/enriched-alerts.ts';
import { bodyArb, DIAGNOSE_SEEDS, generatedDiagnose, RUNS } from './bodies.ts';
import { expectWellFormed, settle, watchProcess, type StatusCounts } from './checks.ts';

const SEED = 0x6b7402;

describe('POST /v1/diagnose: property-based', () => {
  const watch = watchProcess();
  const unexpected: unknown[] = [];
  const counts: StatusCounts = {};
  // Target-only requests read the demo cluster, so they reach the core as well.
  const app = createApp({ evidence: demoSource(), openapiYaml: '', onUnexpectedError: (e) => unexpected.push(e) });
  afterAll(() => watch.stop());

  it(`answers ${RUNS} generated and mutated bodies without a 5xx (seed ${SEED})`, async () => {
    await fc.assert(fc.asyncProperty(bodyArb(DIAGNOSE_SEEDS, generatedDiagnose), async ({ body, contentType }) => {
      const res = await app.request('/v1/diagnose', { method: 'POST', body, headers: contentType === undefined ? {} : { 'content-type': contentType } });
      await expectWellFormed(res, counts);
    }), { seed: SEED, numRuns: RUNS });
    console.log(`/v1/diagnose statuses over ${RUNS} runs:`, counts);
    expect(unexpected).toEqual([]);
    // The mix reaches the core, not only the parser.
    expect(counts[200] ?? 0).toBeGreaterThan(RUNS * 0.2);
    expect(counts[400] ?? 0).toBeGreaterThan(RUNS * 0.1);
  }, 900_000);

  it('left no unhandled rejection or uncaught exception behind', async () => {
    await settle();
    expect(watch.events).toEqual([]);
  });
});
