// What Node command-line flags would do for the Lambda cold start, to kubetriage and to the bare
// bundle alike (a Lambda exec wrapper script can add them to the runtime's node command line).
// Usage: node bench/cold-start/node-flags.ts --flags=--min-semi-space-size=16 [--runs 20]
//
// Both bundles as `npm run build:lambda` builds them; fresh processes (bench/cold-start/child.ts)
// serve examples/requests/crashloop-oom.json, each bundle with and without the flags, the four
// variants alternated. Prints the medians of import + first invocation and the ratios.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { bundleBoth, coldRun, median, writeEvent } from './child.ts';

const { values } = parseArgs({ options: { flags: { type: 'string', default: '' }, runs: { type: 'string', default: '20' } } });
const flags = values.flags.split(' ').filter(Boolean);
if (flags.length === 0) throw new Error('usage: node bench/cold-start/node-flags.ts --flags="<node flags>" [--runs 20]');
const work = mkdtempSync(join(tmpdir(), 'kubetriage-node-flags-'));
try {
  const { kubetriage, bare } = await bundleBoth(work);
  const eventFile = writeEvent(work);
  const run = (entry: string, nodeFlags: string[]) => {
    const r = coldRun(entry, eventFile, work, {}, nodeFlags);
    if (r.status !== 200) throw new Error(`HTTP ${r.status}`);
    return r.importMs + r.firstMs;
  };
  const variants = {
    kubetriage: () => run(kubetriage.entry.path, []),
    kubetriageWithFlags: () => run(kubetriage.entry.path, flags),
    bare: () => run(bare.entry.path, []),
    bareWithFlags: () => run(bare.entry.path, flags),
  };
  const names = Object.keys(variants) as Array<keyof typeof variants>;
  const samples = Object.fromEntries(names.map((n) => [n, [] as number[]])) as Record<keyof typeof variants, number[]>;
  for (let i = 0; i < Number(values.runs); i++) for (const n of i % 2 ? [...names].reverse() : names) samples[n].push(variants[n]());
  const round = (n: number, d = 10) => Math.round(n * d) / d;
  const ms = Object.fromEntries(names.map((n) => [n, round(median(samples[n]))])) as Record<keyof typeof variants, number>;
  console.log(JSON.stringify({
    runs: Number(values.runs), flags, importAndFirstInvokeMs: ms,
    ratios: { withoutFlags: round(ms.kubetriage / ms.bare, 100), kubetriageWithFlagsOverBare: round(ms.kubetriageWithFlags / ms.bare, 100), bothWithFlags: round(ms.kubetriageWithFlags / ms.bareWithFlags, 100) },
  }, null, 2));
} finally {
  rmSync(work, { recursive: true, force: true });
}
