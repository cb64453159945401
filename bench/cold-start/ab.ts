// Same-run A/B of two Lambda bundles: each a directory holding index.mjs, as `npm run build:lambda`
// writes it (dist/lambda) in the tree to compare. Usage:
//   node bench/cold-start/ab.ts <dirA> <dirB> [--runs 30]
// Each run is a fresh process like bench/cold-start.bench.ts's (bench/cold-start/child.ts: the
// same event, context and patched console), A and B alternated; prints the medians of import +
// first invocation and B/A. A against itself shows the harness's own spread.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { coldRun, median, writeEvent } from './child.ts';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { runs: { type: 'string', default: '30' } } });
const [dirA, dirB] = positionals;
if (!dirA || !dirB) throw new Error('usage: node bench/cold-start/ab.ts <dirA> <dirB> [--runs 30]');
const work = mkdtempSync(join(tmpdir(), 'kubetriage-cold-ab-'));
try {
  const eventFile = writeEvent(work);
  const run = (dir: string): number => {
    const r = coldRun(resolve(dir, 'index.mjs'), eventFile, work);
    if (r.status !== 200) throw new Error(`${dir}: HTTP ${r.status}`);
    return r.importMs + r.firstMs;
  };
  const ms: Record<'A' | 'B', number[]> = { A: [], B: [] };
  for (let i = 0; i < Number(values.runs); i++) for (const k of i % 2 ? (['A', 'B'] as const) : (['B', 'A'] as const)) ms[k].push(run(k === 'A' ? dirA : dirB));
  const a = median(ms.A);
  const b = median(ms.B);
  console.log(JSON.stringify({ runs: Number(values.runs), aMs: Math.round(a * 10) / 10, bMs: Math.round(b * 10) / 10, bOverA: Math.round((b / a) * 1000) / 1000 }));
} finally {
  rmSync(work, { recursive: true, force: true });
}
