// What Node's module compile cache (NODE_COMPILE_CACHE, V8 code cache on disk) would do for the
// Lambda cold start: a measurement for a decision, not how the function ships.
// Usage: node bench/cold-start/compile-cache.ts [--runs 20]
//
// Both bundles are built as `npm run build:lambda` builds them. For each, one warm-up process
// writes a compile cache while it serves a different request (image-pull-unauthorized.json, so
// the measured request's own code paths are not singled out); then fresh processes
// (bench/cold-start/child.ts) serve examples/requests/crashloop-oom.json with and without that
// cache, the four variants alternated. Prints the medians of import + first invocation and the
// ratios to the bare bundle without a cache.
//
// Why it is not shipped: the cache is keyed to the exact Node binary (version and V8 flags). A
// managed Lambda runtime (nodejs24.x) moves its Node patch version on AWS's schedule, which the
// build cannot know, so a cache built with the build's Node is, in general, rejected (silently:
// the code is compiled as without it).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { BundleReport } from '../../scripts/build-lambda.ts';
import { bundleBoth, coldRun, median, writeEvent } from './child.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '20' } } });
const runs = Number(values.runs);
const work = mkdtempSync(join(tmpdir(), 'kubetriage-compile-cache-'));
try {
  const { kubetriage, bare } = await bundleBoth(work);
  const warmUpEvent = writeEvent(work, 'image-pull-unauthorized.json');
  const measuredEvent = writeEvent(work, 'crashloop-oom.json');
  const run = (bundle: BundleReport, eventFile: string, cache?: string) => {
    const r = coldRun(bundle.entry.path, eventFile, work, cache ? { NODE_COMPILE_CACHE: cache } : {});
    if (r.status !== 200) throw new Error(`HTTP ${r.status}`);
    return { importMs: r.importMs, ms: r.importMs + r.firstMs };
  };
  // The warm-up writes each bundle's cache (Node writes it as the process exits).
  const caches = { kubetriage: join(work, 'cache-kubetriage'), bare: join(work, 'cache-bare') };
  run(kubetriage, warmUpEvent, caches.kubetriage);
  run(bare, warmUpEvent, caches.bare);

  const variants = {
    kubetriage: () => run(kubetriage, measuredEvent),
    kubetriageCached: () => run(kubetriage, measuredEvent, caches.kubetriage),
    bare: () => run(bare, measuredEvent),
    bareCached: () => run(bare, measuredEvent, caches.bare),
  };
  const names = Object.keys(variants) as Array<keyof typeof variants>;
  const samples = Object.fromEntries(names.map((n) => [n, [] as Array<{ importMs: number; ms: number }>])) as Record<keyof typeof variants, Array<{ importMs: number; ms: number }>>;
  for (let i = 0; i < runs; i++) {
    const order = i % 2 ? [...names].reverse() : names;
    for (const n of order) samples[n].push(variants[n]());
  }
  const round = (n: number, d = 10) => Math.round(n * d) / d;
  const med = Object.fromEntries(names.map((n) => [n, { importMs: round(median(samples[n].map((x) => x.importMs))), importAndFirstInvokeMs: round(median(samples[n].map((x) => x.ms))) }])) as Record<keyof typeof variants, { importMs: number; importAndFirstInvokeMs: number }>;
  const ratio = (n: keyof typeof variants, base: keyof typeof variants) => round(med[n].importAndFirstInvokeMs / med[base].importAndFirstInvokeMs, 100);
  console.log(JSON.stringify({
    runs, node: process.version, medians: med,
    ratios: { kubetriageOverBare: ratio('kubetriage', 'bare'), kubetriageCachedOverBare: ratio('kubetriageCached', 'bare'), kubetriageCachedOverBareCached: ratio('kubetriageCached', 'bareCached') },
  }, null, 2));
} finally {
  rmSync(work, { recursive: true, force: true });
}
