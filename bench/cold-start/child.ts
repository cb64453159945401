// The cold-start child every cold-start script runs: a fresh `node` process that imports a Lambda
// bundle and hands its handler one API Gateway HTTP API (v2) event, POST /v1/diagnose, built on the
// real sample event, with a context object like the one the Lambda runtime passes. Timed inside
// the process: the import, then the first invocation.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { bundleLambda, type BundleReport } from '../../scripts/build-lambda.ts';

const TOKEN = 'bench-token-0123456789abcdef';
const root = new URL('../../', import.meta.url);

/** Both bundles, built as `npm run build:lambda` builds the function: kubetriage's and the bare Hono baseline. */
export async function bundleBoth(work: string): Promise<{ kubetriage: BundleReport; bare: BundleReport }> {
  const [kubetriage, bare] = await Promise.all([
    bundleLambda({ entry: new URL('src/runtime/lambda/index.ts', root).pathname, outdir: join(work, 'kubetriage') }),
    bundleLambda({ entry: new URL('bench/cold-start/bare-lambda.ts', root).pathname, outdir: join(work, 'bare') }),
  ]);
  return { kubetriage, bare };
}

/** Writes the event for one of examples/requests/ into `work` and returns its path. */
export function writeEvent(work: string, request = 'crashloop-oom.json'): string {
  const sample = JSON.parse(readFileSync(new URL('../shared/samples/aws-lambda/apigw-v2-http-api.json', root), 'utf8')) as { headers: Record<string, string>; requestContext: { http: Record<string, string> } };
  const body = readFileSync(new URL(`examples/requests/${request}`, root), 'utf8');
  const file = join(work, `${request}.event.json`);
  writeFileSync(file, JSON.stringify({
    ...sample, rawPath: '/v1/diagnose', body, isBase64Encoded: false,
    headers: { ...sample.headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), authorization: `Bearer ${TOKEN}` },
    requestContext: { ...sample.requestContext, http: { ...sample.requestContext.http, method: 'POST', path: '/v1/diagnose' } },
  }));
  return file;
}

// Plain JavaScript, so the child spends nothing on TypeScript; the event is read before the clock starts.
const CHILD = `
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

export interface ColdRun {
  importMs: number;
  firstMs: number;
  status: number;
  /** The start of the answer's body. */
  body: string;
  /** The whole process, node start to exit, timed from outside. */
  wallMs: number;
}

/**
 * One cold start of the bundle whose entry is `entry` (its index.mjs). `work` holds the run's
 * files: the function's log lines go to `work/function.log`. `env` adds to the child's
 * environment (for example NODE_COMPILE_CACHE); `nodeFlags` go on its command line.
 */
export function coldRun(entry: string, eventFile: string, work: string, env: Record<string, string> = {}, nodeFlags: string[] = []): ColdRun {
  const started = process.hrtime.bigint();
  const out = execFileSync(process.execPath, [...nodeFlags, '--input-type=module', '-e', CHILD], {
    env: { PATH: process.env['PATH'] ?? '', HOME: work, EVENT_FILE: eventFile, LOG_FILE: join(work, 'function.log'), BUNDLE_URL: pathToFileURL(entry).href, KUBETRIAGE_AUTH_TOKEN: TOKEN, ...env },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  const line = out.trim().split('\n').at(-1)!; // the app's own log lines went to LOG_FILE
  return { ...(JSON.parse(line) as Omit<ColdRun, 'wallMs'>), wallMs };
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
