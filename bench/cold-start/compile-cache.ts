// What Node's module compile cache (NODE_COMPILE_CACHE, V8 code cache on disk) would do for the
// Lambda cold start: a measurement for a decision, not how the function ships.
// Usage: node bench/cold-start/compile-cache.ts [--runs 20]
//
// Both bundles are built as `npm run build:lambda` builds them. For each, one warm-up process
// writes a compile cache while it serves a different request (examples/requests/image-pull-unauthorized.json,
// so the measured request's own code paths are not singled out), then fresh processes like
// bench/cold-start.bench.ts's serve examples/requests/crashloop-oom.json with and without that
// cache, the four variants alternated. Prints the medians of import + first invocation and the
// ratios to the bare bundle without a cache.
//
// Why it is not shipped: the cache is keyed to the exact Node binary (version and V8 flags). A
// managed Lambda runtime (nodejs24.x) moves its Node patch version on AWS's schedule, which the
// build cannot know, so a cache built with the build's Node is, in general, rejected (silently:
// the code is compiled as without it).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { bundleLambda, type BundleReport } from '../../scripts/build-lambda.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '20' } } });
const runs = Number(values.runs);
const TOKEN = 'bench-token-0123456789abcdef';
const root = new URL('../../', import.meta.url);
const work = mkdtempSync(join(tmpdir(), 'kubetriage-compile-cache-'));
try {
  const [kubetriage, bare] = await Promise.all([
    bundleLambda({ entry: new URL('src/runtime/lambda/index.ts', root).pathname, outdir: join(work, 'kubetriage') }),
    bundleLambda({ entry: new URL('bench/cold-start/bare-lambda.ts', root).pathname, outdir: join(work, 'bare') }),
  ]);
  const sample = JSON.parse(readFileSync(new URL('../shared/samples/aws-lambda/apigw-v2-http-api.json', root), 'utf8')) as { headers: Record<string, string>; requestContext: { http: Record<string, string> } };
  const eventFor = (request: string) => {
    const body = readFileSync(new URL(`examples/requests/${request}`, root), 'utf8');
    const file = join(work, `${request}.event`);
    writeFileSync(file, JSON.stringify({
      ...sample, rawPath: '/v1/diagnose', body, isBase64Encoded: false,
      headers: { ...sample.headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), authorization: `Bearer ${TOKEN}` },
      requestContext: { ...sample.requestContext, http: { ...sample.requestContext.http, method: 'POST', path: '/v1/diagnose' } },
    }));
    return file;
  };
  const warmUpEvent = eventFor('image-pull-unauthorized.json');
  const measuredEvent = eventFor('crashloop-oom.json');
  const child = `
    import { openSync, readFileSync, writeSync } from 'node:fs';
    import { format } from 'node:util';
    const logFd = openSync(process.env.LOG_FILE, 'a');
    for (const level of ['log', 'info', 'warn', 'error', 'debug', 'trace']) console[level] = (...args) => writeSync(logFd, format(...args) + '\\n');
    const event = JSON.parse(readFileSync(process.env.EVENT_FILE, 'utf8'));
    const context = { awsRequestId: '8476a536-e9f4-11e8-9739-2dfe598c3fcd', functionName: 'kubetriage', getRemainingTimeInMillis: () => 30000 };
    const t0 = performance.now();
    const { handler } = await import(process.env.BUNDLE_URL);
    const t1 = performance.now();
    const res = await handler(event, context);
    const t2 = performance.now();
    process.stdout.write(JSON.stringify({ importMs: t1 - t0, ms: t2 - t0, status: res.statusCode }));`;
  const run = (bundle: BundleReport, eventFile: string, cache?: string) => {
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', child], {
      env: {
        PATH: process.env['PATH'] ?? '', HOME: work, EVENT_FILE: eventFile, LOG_FILE: join(work, 'function.log'), BUNDLE_URL: pathToFileURL(bundle.entry.path).href, KUBETRIAGE_AUTH_TOKEN: TOKEN,
        ...(cache ? { NODE_COMPILE_CACHE: cache } : {}),
      },
      encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'],
    });
    const r = JSON.parse(out.trim().split('\n').at(-1)!) as { importMs: number; ms: number; status: number };
    if (r.status !== 200) throw new Error(`HTTP ${r.status}`);
    return r;
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
  const median = (xs: number[]) => { const s = [...xs].sort((p, q) => p - q); const m = s.length >> 1; return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2; };
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
