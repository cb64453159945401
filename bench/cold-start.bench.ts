// Lambda cold start against a bare Hono Lambda app, bundled the same way, in the same run.
// Usage: node bench/cold-start.bench.ts [--runs 20]
//
// Each run is a fresh `node` process (bench/cold-start/child.ts) that imports a bundle and hands
// its handler one API Gateway HTTP API (v2) event: POST /v1/diagnose with inline evidence
// (examples/requests/crashloop-oom.json), built on the real sample event, with a context object
// like the one the Lambda runtime passes. Timed inside the process: import, then the first
// invocation (for kubetriage that includes reading the configuration and building the app). The two
// bundles alternate run by run, so machine noise hits both alike. Reports medians, the ratio of
// the medians, and the bundle sizes; prints JSON.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { BundleReport } from '../scripts/build-lambda.ts';
import { bundleBoth, coldRun, median, writeEvent } from './cold-start/child.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '20' } } });
const runs = Number(values.runs);

const work = mkdtempSync(join(tmpdir(), 'kubetriage-cold-'));
try {
  const { kubetriage, bare } = await bundleBoth(work);

  const eventFile = writeEvent(work);
  const runOnce = (bundle: BundleReport) => coldRun(bundle.entry.path, eventFile, work);

  // Both must really serve the request before their times mean anything.
  const check = runOnce(kubetriage);
  if (check.status !== 200 || !check.body.includes('"crashloop.oom"')) throw new Error(`kubetriage did not diagnose: ${check.status} ${check.body}`);
  if (!readFileSync(join(work, 'function.log'), 'utf8').includes('"msg":"request"')) throw new Error('kubetriage logged no request line through the patched console');
  const checkBare = runOnce(bare);
  if (checkBare.status !== 200) throw new Error(`the bare app answered ${checkBare.status}`);

  const samples = { kubetriage: [] as Array<ReturnType<typeof runOnce>>, bare: [] as Array<ReturnType<typeof runOnce>> };
  for (let i = 0; i < runs; i++) {
    const order = i % 2 === 0 ? (['kubetriage', 'bare'] as const) : (['bare', 'kubetriage'] as const);
    for (const which of order) samples[which].push(runOnce(which === 'kubetriage' ? kubetriage : bare));
  }

  const round = (n: number) => Math.round(n * 10) / 10;
  const summary = (xs: Array<ReturnType<typeof runOnce>>) => ({
    importMs: round(median(xs.map((x) => x.importMs))),
    firstInvokeMs: round(median(xs.map((x) => x.firstMs))),
    importAndFirstInvokeMs: round(median(xs.map((x) => x.importMs + x.firstMs))),
    processWallMs: round(median(xs.map((x) => x.wallMs))),
  });
  const k = summary(samples.kubetriage);
  const b = summary(samples.bare);
  const ratio = Math.round((k.importAndFirstInvokeMs / b.importAndFirstInvokeMs) * 100) / 100;
  const MB2 = 2 * 1024 * 1024;
  console.log(JSON.stringify({
    runs,
    node: process.version,
    kubetriage: { ...k, coldPathBytes: kubetriage.coldPathBytes, coldPathFiles: kubetriage.coldPath.length, lazyBytes: kubetriage.totalBytes - kubetriage.coldPathBytes, totalBytes: kubetriage.totalBytes },
    bare: { ...b, bytes: bare.coldPathBytes },
    ratio: { importAndFirstInvoke: ratio, processWall: Math.round((k.processWallMs / b.processWallMs) * 100) / 100 },
    targets: { ratioAtMost2: ratio <= 2, coldPathAtMost2MB: kubetriage.coldPathBytes <= MB2 },
  }, null, 2));
} finally {
  rmSync(work, { recursive: true, force: true });
}
