// Lambda cold start against a bare Hono Lambda app, bundled the same way, in the same run.
// Usage: node bench/cold-start.bench.ts [--runs 20]
//
// Each run is a fresh `node` process that imports a bundle and hands its handler one API Gateway
// HTTP API (v2) event: POST /v1/diagnose with inline evidence (examples/requests/crashloop-oom.json),
// built on the real sample event, with a context object like the one the Lambda runtime passes. Timed inside the process: import, then the first invocation
// (for kubetriage that includes reading the configuration and building the app). The two
// bundles alternate run by run, so machine noise hits both alike. Reports medians, the ratio of
// the medians, and the bundle sizes; prints JSON.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { bundleLambda, type BundleReport } from '../scripts/build-lambda.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '20' } } });
const runs = Number(values.runs);
const root = new URL('../', import.meta.url);
const TOKEN = 'bench-token-0123456789abcdef';

const work = mkdtempSync(join(tmpdir(), 'kubetriage-cold-'));
try {
  const [kubetriage, bare] = await Promise.all([
    bundleLambda({ entry: new URL('src/runtime/lambda/index.ts', root).pathname, outdir: join(work, 'kubetriage') }),
    bundleLambda({ entry: new URL('bench/cold-start/bare-lambda.ts', root).pathname, outdir: join(work, 'bare') }),
  ]);

  const sample = JSON.parse(readFileSync(new URL('../shared/samples/aws-lambda/apigw-v2-http-api.json', root), 'utf8')) as { headers: Record<string, string>; requestContext: { http: Record<string, string> } };
  const body = readFileSync(new URL('examples/requests/crashloop-oom.json', root), 'utf8');
  const event = {
    ...sample,
    rawPath: '/v1/diagnose',
    headers: { ...sample.headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), authorization: `Bearer ${TOKEN}` },
    requestContext: { ...sample.requestContext, http: { ...sample.requestContext.http, method: 'POST', path: '/v1/diagnose' } },
    body,
    isBase64Encoded: false,
  };
  const eventFile = join(work, 'event.json');
  writeFileSync(eventFile, JSON.stringify(event));

  // Plain JavaScript, so the child spends nothing on TypeScript; the event is read before the clock starts.
  const child = `
    import { openSync, readFileSync, writeSync } from 'node:fs';
    import { format } from 'node:util';
    // The Lambda runtime patches console before it loads the handler: each call is one
    // fs.writeSync of the formatted line to its log file descriptor (_LAMBDA_TELEMETRY_LOG_FD;
    // LogPatch in aws-lambda-nodejs-runtime-interface-client), so a function's first log line does
    // not open process.stdout. The same here, to a file of this run.
    const logFd = openSync(process.env.LOG_FILE, 'a');
    for (const level of ['log', 'info', 'warn', 'error', 'debug', 'trace']) console[level] = (...args) => writeSync(logFd, format(...args) + '\\n');
    const event = JSON.parse(readFileSync(process.env.EVENT_FILE, 'utf8'));
    // What the Lambda runtime passes with every event (the fields of its context object).
    const context = { awsRequestId: '8476a536-e9f4-11e8-9739-2dfe598c3fcd', functionName: 'kubetriage', functionVersion: '$LATEST', invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:kubetriage', memoryLimitInMB: '512', logGroupName: '/aws/lambda/kubetriage', logStreamName: '2026/11/21/[$LATEST]0123456789abcdef', callbackWaitsForEmptyEventLoop: true, getRemainingTimeInMillis: () => 30000 };
    const t0 = performance.now();
    const { handler } = await import(process.env.BUNDLE_URL);
    const t1 = performance.now();
    const res = await handler(event, context);
    const t2 = performance.now();
    process.stdout.write(JSON.stringify({ importMs: t1 - t0, firstMs: t2 - t1, status: res.statusCode, body: res.body.slice(0, 300) }));
  `;
  const runOnce = (bundle: BundleReport) => {
    const started = process.hrtime.bigint();
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', child], {
      env: { PATH: process.env['PATH'] ?? '', HOME: work, EVENT_FILE: eventFile, LOG_FILE: join(work, 'function.log'), BUNDLE_URL: pathToFileURL(bundle.entry.path).href, KUBETRIAGE_AUTH_TOKEN: TOKEN },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
    const line = out.trim().split('\n').at(-1)!; // the app's own log lines went to LOG_FILE
    return { ...(JSON.parse(line) as { importMs: number; firstMs: number; status: number; body: string }), wallMs };
  };

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

  const median = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    const m = Math.floor(s.length / 2);
    return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
  };
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
