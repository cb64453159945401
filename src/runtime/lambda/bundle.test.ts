// The shipped artefact: the bundle from scripts/build-lambda.ts, run in fresh node processes
// that record every module they load, so "a cold start with inline evidence never loads
// @kubernetes/client-node" is observed rather than assumed.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleLambda, type BundleReport } from '../../../scripts/build-lambda.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const TOKEN = 'bundle-token-0123456789abcdef';

// Runs in the child: records loaded module URLs, answers AWS with 403 (no network here), invokes the handler twice.
const CHILD = `
import { registerHooks } from 'node:module';
import { readFileSync } from 'node:fs';
const loaded = [];
registerHooks({ load(url, context, next) { loaded.push(url); return next(url, context); } });
const aws = [];
globalThis.fetch = async (url) => { aws.push(String(url)); return new Response(JSON.stringify({ message: 'not authorized' }), { status: 403, headers: { 'x-amzn-errortype': 'AccessDeniedException' } }); };
const events = JSON.parse(readFileSync(process.env.EVENTS_FILE, 'utf8'));
const { handler } = await import(process.env.ENTRY_URL);
const initial = loaded.filter((u) => !u.startsWith('node:'));
const out = [];
for (const event of events) {
  const before = loaded.length;
  const r = await handler(event);
  out.push({ status: r.statusCode, body: JSON.parse(r.body), loaded: loaded.slice(before) });
}
process.stdout.write('\\n' + JSON.stringify({ initial, out, aws }));
`;

interface ChildResult { initial: string[]; out: Array<{ status: number; body: Record<string, unknown>; loaded: string[] }>; aws: string[] }

function v2Post(body: string) {
  const sample = JSON.parse(readFileSync(new URL('../../../../shared/samples/aws-lambda/apigw-v2-http-api.json', import.meta.url), 'utf8')) as { headers: Record<string, string>; requestContext: { http: Record<string, string> } };
  return { ...sample, rawPath: '/v1/diagnose', headers: { ...sample.headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), authorization: `Bearer ${TOKEN}` }, requestContext: { ...sample.requestContext, http: { ...sample.requestContext.http, method: 'POST', path: '/v1/diagnose' } }, body, isBase64Encoded: false };
}

describe('the Lambda bundle', () => {
  let dir: string;
  let report: BundleReport;
  let eventsFile: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kubetriage-lambda-'));
    report = await bundleLambda({ entry: join(ROOT, 'src/runtime/lambda/index.ts'), outdir: join(dir, 'dist') });
    eventsFile = join(dir, 'events.json');
    writeFileSync(eventsFile, JSON.stringify([
      v2Post(readFileSync(join(ROOT, 'examples/requests/crashloop-oom.json'), 'utf8')),
      v2Post(JSON.stringify({ target: { kind: 'Pod', namespace: 'shop', name: 'cart-1' } })),
    ]));
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const run = (entry: string, extraArgs: string[] = [], extraEnv: Record<string, string> = {}): ChildResult => {
    const stdout = execFileSync(process.execPath, [...extraArgs, '--input-type=module', '-e', CHILD], {
      env: {
        ...extraEnv,
        PATH: process.env['PATH'] ?? '', HOME: dir, ENTRY_URL: pathToFileURL(entry).href, EVENTS_FILE: eventsFile,
        KUBETRIAGE_AUTH_TOKEN: TOKEN, KUBETRIAGE_EKS_CLUSTER: 'prod-eu', AWS_REGION: 'eu-west-1',
        AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE', AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 30_000,
    });
    return JSON.parse(stdout.trim().split('\n').at(-1)!) as ChildResult;
  };

  it('is one file on the cold path, under 2 MB, with neither the AWS SDK nor client-node in it', () => {
    expect(report.entry.path).toBe(join(dir, 'dist/index.mjs'));
    expect(report.coldPath.map((f) => f.path)).toEqual([report.entry.path]);
    expect(report.coldPathBytes).toBeLessThanOrEqual(2 * 1024 * 1024);
    const packages = report.coldPathInputs.filter((i) => i.includes('node_modules/')).map((i) => i.replace(/.*node_modules\/((@[^/]+\/)?[^/]+).*/, '$1'));
    expect(packages).toContain('hono');
    expect(packages.filter((p) => p.startsWith('@kubernetes/') || p.startsWith('@aws-sdk/') || p.startsWith('@smithy/') || p === 'undici')).toEqual([]);
    expect(report.lazy.map((f) => f.path)).toEqual(expect.arrayContaining([join(dir, 'dist/lazy/live-evidence.mjs'), join(dir, 'dist/lazy/secrets.mjs')]));
    // openapi.yaml travels inside the bundle.
    expect(readFileSync(report.entry.path, 'utf8')).toContain('openapi: ');
  });

  it('validates with zod/mini on the cold path: full zod (classic) is not in it, nor any locale but English', () => {
    const zod = report.coldPathInputs.filter((i) => i.startsWith('node_modules/zod/'));
    expect(zod).toContain('node_modules/zod/v4/mini/schemas.js');
    expect(zod.filter((i) => i.startsWith('node_modules/zod/v4/classic/'))).toEqual([]);
    expect(zod.filter((i) => i.includes('/locales/'))).toEqual(['node_modules/zod/v4/locales/en.js']);
  });

  it('serves an inline diagnose loading index.mjs alone; the first target-only request loads the live chunk', () => {
    const r = run(report.entry.path);
    expect(r.initial).toEqual([pathToFileURL(report.entry.path).href]);
    const [inline, live] = r.out;
    expect(inline).toMatchObject({ status: 200, body: { diagnosis: { id: 'crashloop.oom' }, evidenceSource: 'inline' }, loaded: [] });
    expect(live!.status).toBe(200);
    expect(live!.loaded).toContain(pathToFileURL(join(dir, 'dist/lazy/live-evidence.mjs')).href);
    // The live chunk really ran: it signed a DescribeCluster, and AWS's refusal became a readable partial answer.
    expect(r.aws).toEqual(['https://eks.eu-west-1.amazonaws.com/clusters/prod-eu']);
    expect(live!.body).toMatchObject({ partial: true, errors: [{ reason: 'forbidden', message: 'the cluster reader could not start: eks:DescribeCluster: 403 AccessDeniedException: not authorized' }] });
  });

  it('keeps the YAML parser off the cold path, and loads it when KUBETRIAGE_CONFIG names a file', () => {
    expect(report.coldPathInputs.some((i) => i.includes('node_modules/yaml/'))).toBe(false);
    expect(report.lazy.map((f) => f.path)).toContain(join(dir, 'dist/lazy/yaml-parser.mjs'));
    const configFile = join(dir, 'kubetriage.yaml');
    writeFileSync(configFile, 'runbooks:\n  crashloop.oom: https://wiki.example/oom/{name}\n');
    const r = run(report.entry.path, [], { KUBETRIAGE_CONFIG: configFile });
    expect(r.initial).toEqual([pathToFileURL(report.entry.path).href]);
    const [inline] = r.out;
    expect(inline!.loaded).toContain(pathToFileURL(join(dir, 'dist/lazy/yaml-parser.mjs')).href);
    expect(inline).toMatchObject({ status: 200, body: { diagnosis: { id: 'crashloop.oom' } } });
    expect((inline!.body['diagnosis'] as { runbooks: string[] }).runbooks[0]).toMatch(/^https:\/\/wiki\.example\/oom\//);
  });

  it('from source too (node runs the .ts directly): an inline diagnose loads neither client-node nor the AWS SDK', () => {
    const r = run(join(ROOT, 'src/runtime/lambda/index.ts'));
    const heavy = (urls: string[]) => urls.filter((u) => /node_modules\/(@kubernetes\/client-node|@aws-sdk|@smithy)\//.test(u));
    expect(r.out[0]).toMatchObject({ status: 200, body: { diagnosis: { id: 'crashloop.oom' } } });
    expect(heavy([...r.initial, ...r.out[0]!.loaded])).toEqual([]);
    expect(heavy(r.out[1]!.loaded).some((u) => u.includes('@kubernetes/client-node'))).toBe(true);
  });
});
