// `kubetriage diagnose --jsonl` under generated and mutated batches: every non-blank input line
// gets exactly one output line, a bad line becomes {"line":N,"error":<problem>} with a 4xx status
// and the batch goes on, runCli never throws, and no promise rejects unhandled.
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, type CliIo } from '../../src/cli/main.ts';
import { demoSource } from '../support/enriched-alerts.ts';
import { BATCH_LINES, bodyArb, DIAGNOSE_SEEDS, generatedDiagnose, RUNS } from './bodies.ts';
import { expectProblem, settle, watchProcess } from './checks.ts';

const SEED = 0x6b7404;

const lineArb = fc.oneof(
  { weight: 8, arbitrary: bodyArb(DIAGNOSE_SEEDS, generatedDiagnose).map((b) => b.body) },
  { weight: 1, arbitrary: fc.constantFrom(...BATCH_LINES, '', '   ', '\t') },
);
const batchArb = fc.tuple(fc.array(lineArb, { minLength: 1, maxLength: 4 }), fc.constantFrom('\n', '\r\n'), fc.boolean())
  .map(([lines, eol, trailing]) => lines.join(eol) + (trailing ? eol : ''));

describe('kubetriage diagnose --jsonl: property-based', () => {
  const watch = watchProcess();
  const source = demoSource();
  const io = (input: string, out: string[], err: string[]): CliIo => ({
    readInput: async () => input,
    stdout: (t) => void out.push(t),
    stderr: (t) => void err.push(t),
    evidence: async () => ({ openSession: () => source.session({ signal: AbortSignal.timeout(4000) }), evidenceDescription: source.description }),
  });
  let bodies = 0;
  const outcomes = { diagnosed: 0, refused: 0 };
  afterAll(() => watch.stop());

  it(`answers every line of ${RUNS} generated and mutated batches (seed ${SEED})`, async () => {
    await fc.assert(fc.asyncProperty(batchArb, async (input) => {
      const out: string[] = [];
      const err: string[] = [];
      const code = await runCli(['diagnose', '--jsonl', '--input', 'batch.jsonl'], io(input, out, err));
      const expected = input.split('\n').map((l, i) => ({ l, n: i + 1 })).filter(({ l }) => l.trim() !== '');
      bodies += expected.length;
      const printed = out.join('').split('\n').filter((l) => l !== '');
      expect(printed).toHaveLength(expected.length);
      let failures = 0;
      printed.forEach((line, i) => {
        const doc = JSON.parse(line) as { line?: number; error?: unknown; diagnosis?: { id?: unknown } };
        if (doc.error !== undefined) {
          failures++;
          outcomes.refused++;
          expect(doc.line).toBe(expected[i]!.n);
          expectProblem(doc.error);
          expect((doc.error as { status: number }).status).toBeLessThan(500);
        } else {
          outcomes.diagnosed++;
          expect(doc.diagnosis?.id).toBeTypeOf('string');
        }
      });
      expect(code).toBe(failures > 0 ? 1 : 0);
      expect(err).toEqual([]);
    }), { seed: SEED, numRuns: RUNS });
    console.log(`CLI --jsonl over ${RUNS} batches: ${bodies} lines,`, outcomes);
    expect(bodies).toBeGreaterThanOrEqual(RUNS);
    expect(outcomes.diagnosed).toBeGreaterThan(RUNS * 0.2);
    expect(outcomes.refused).toBeGreaterThan(RUNS * 0.1);
  }, 900_000);

  it('left no unhandled rejection or uncaught exception behind', async () => {
    await settle();
    expect(watch.events).toEqual([]);
  });
});
