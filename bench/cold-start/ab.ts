// Same-run A/B of two Lambda bundles: each a directory holding index.mjs, as `npm run build:lambda`
// writes it (dist/lambda) in the tree to compare. Usage:
//   node bench/cold-start/ab.ts <dirA> <dirB> [--runs 30]
// Each run is a fresh process like bench/cold-start.bench.ts's (the same event, context and patched
// console), A and B alternated; prints the medians of import + first invocation and B/A. A against
// itself shows the harness's own spread.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { runs: { type: 'string', default: '30' } } });
const [dirA, dirB] = positionals;
if (!dirA || !dirB) throw new Error('usage: node bench/cold-start/ab.ts <dirA> <dirB> [--runs 30]');
const TOKEN = 'bench-token-0123456789abcdef';
const root = new URL('../../', import.meta.url);
const work = mkdtempSync(join(tmpdir(), 'kubetriage-cold-ab-'));
try {
  const sample = JSON.parse(readFileSync(new URL('../shared/samples/aws-lambda/apigw-v2-http-api.json', root), 'utf8')) as { headers: Record<string, string>; requestContext: { http: Record<string, string> } };
  const body = readFileSync(new URL('examples/requests/crashloop-oom.json', root), 'utf8');
  const eventFile = join(work, 'event.json');
  writeFileSync(eventFile, JSON.stringify({
    ...sample, rawPath: '/v1/diagnose', body, isBase64Encoded: false,
    headers: { ...sample.headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), authorization: `Bearer ${TOKEN}` },
    requestContext: { ...sample.requestContext, http: { ...sample.requestContext.http, method: 'POST', path: '/v1/diagnose' } },
  }));
  const child = `
    import { openSync, readFileSync, writeSync } from 'node:fs';
    import { format } from 'node:util';
    const logFd = openSync(process.env.LOG_FILE, 'a');
    for (const level of ['log', 'info', 'warn', 'error', 'debug', 'trace']) console[level] = (...args) => writeSync(logFd, format(...args) + '\\\\n');
    const event = JSON.parse(readFileSync(process.env.EVENT_FILE, 'utf8'));
    const context = { awsRequestId: '8476a536-e9f4-11e8-9739-2dfe598c3fcd', functionName: 'kubetriage', getRemainingTimeInMillis: () => 30000 };
    const t0 = performance.now();
    const { handler } = await import(process.env.BUNDLE_URL);
    const t1 = performance.now();
    const res = await handler(event, context);
    const t2 = performance.now();
    process.stdout.write(JSON.stringify({ ms: t2 - t0, status: res.statusCode }));`;
  const run = (dir: string): number => {
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', child], {
      env: { PATH: process.env['PATH'] ?? '', HOME: work, EVENT_FILE: eventFile, LOG_FILE: join(work, 'function.log'), BUNDLE_URL: pathToFileURL(resolve(dir, 'index.mjs')).href, KUBETRIAGE_AUTH_TOKEN: TOKEN },
      encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'],
    });
    const r = JSON.parse(out.trim().split('\n').at(-1)!) as { ms: number; status: number };
    if (r.status !== 200) throw new Error(`${dir}: HTTP ${r.status}`);
    return r.ms;
  };
  const ms: Record<'A' | 'B', number[]> = { A: [], B: [] };
  for (let i = 0; i < Number(values.runs); i++) for (const k of i % 2 ? (['A', 'B'] as const) : (['B', 'A'] as const)) ms[k].push(run(k === 'A' ? dirA : dirB));
  const median = (xs: number[]) => { const s = [...xs].sort((p, q) => p - q); const m = s.length >> 1; return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2; };
  const a = median(ms.A);
  const b = median(ms.B);
  console.log(JSON.stringify({ runs: Number(values.runs), aMs: Math.round(a * 10) / 10, bMs: Math.round(b * 10) / 10, bOverA: Math.round((b / a) * 1000) / 1000 }));
} finally {
  rmSync(work, { recursive: true, force: true });
}
