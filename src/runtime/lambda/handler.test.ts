import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { APIGatewayProxyResult, LambdaContext, LambdaEvent } from 'hono/aws-lambda';
import { snapshotSource } from '../../evidence/snapshot-source.ts';
import { pod } from '../../../test/support/kube-builders.ts';
import { createLambdaHandler, type LambdaHandlerOptions } from './handler.ts';
import { openapiYaml } from './openapi-text.ts';

const SHARED = new URL('../../../../shared/samples/', import.meta.url);
/** The real sample events, read as they are on disk. */
const sampleEvent = (name: string) => JSON.parse(readFileSync(new URL(`aws-lambda/${name}`, SHARED), 'utf8')) as Record<string, unknown> & { requestContext: Record<string, unknown> };
const alertmanagerBody = readFileSync(new URL('alertmanager/multi-alert-firing-compact.json', SHARED), 'utf8');
const diagnoseBody = readFileSync(new URL('../../../examples/requests/crashloop-oom.json', import.meta.url), 'utf8');

const TOKEN = 'lambda-token-0123456789abcdef';
const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:kubetriage/auth-token-AbCdEf';

interface Post { path: string; body: string; headers?: Record<string, string>; base64?: boolean }

/** The same POST in each event shape, built on the real samples (their request contexts, hosts and extra headers kept). */
const shapes: Record<string, (p: Post) => LambdaEvent> = {
  'API Gateway HTTP API (v2)': (p) => {
    const e = sampleEvent('apigw-v2-http-api.json');
    return { ...e, rawPath: p.path, routeKey: '$default', headers: { ...(e['headers'] as Record<string, string>), 'content-length': String(Buffer.byteLength(p.body)), ...p.headers }, requestContext: { ...e.requestContext, http: { ...(e.requestContext['http'] as object), method: 'POST', path: p.path } }, body: p.base64 ? Buffer.from(p.body).toString('base64') : p.body, isBase64Encoded: Boolean(p.base64) } as unknown as LambdaEvent;
  },
  'Lambda Function URL': (p) => {
    const e = sampleEvent('function-url.json');
    // A real URL id in place of the sample's "<url-id>" placeholder, which is not a valid host.
    const domainName = 'abcdefghij1234567890abcdefghij12.lambda-url.us-west-2.on.aws';
    return { ...e, rawPath: p.path, rawQueryString: '', queryStringParameters: undefined, headers: { ...(e['headers'] as Record<string, string>), ...p.headers }, requestContext: { ...e.requestContext, domainName, domainPrefix: domainName.split('.')[0], http: { ...(e.requestContext['http'] as object), method: 'POST', path: p.path } }, body: p.base64 ? Buffer.from(p.body).toString('base64') : p.body, isBase64Encoded: Boolean(p.base64) } as unknown as LambdaEvent;
  },
  'Application Load Balancer (multi-value headers)': (p) => {
    const e = sampleEvent('alb-target.json');
    const multi = { ...(e['multiValueHeaders'] as Record<string, string[]>) };
    delete multi['Content-Type'];
    for (const [k, v] of Object.entries(p.headers ?? {})) multi[k] = [v];
    return { ...e, httpMethod: 'POST', path: p.path, queryStringParameters: undefined, multiValueQueryStringParameters: {}, headers: undefined, multiValueHeaders: multi, body: p.base64 ? Buffer.from(p.body).toString('base64') : p.body, isBase64Encoded: Boolean(p.base64) } as unknown as LambdaEvent;
  },
  'API Gateway REST API (v1)': (p) => restEvent(p),
};

/** An API Gateway REST API proxy event (payload format 1.0), as a {proxy+} resource on stage "prod" sends it. */
function restEvent(p: Post): LambdaEvent {
  const headers = { Host: 'abcdef1234.execute-api.eu-west-1.amazonaws.com', 'User-Agent': 'Alertmanager/0.28.1', 'X-Forwarded-For': '203.0.113.7', 'X-Forwarded-Port': '443', 'X-Forwarded-Proto': 'https', ...p.headers };
  return {
    resource: '/{proxy+}',
    path: p.path,
    httpMethod: 'POST',
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: { proxy: p.path.slice(1) },
    stageVariables: null,
    requestContext: {
      accountId: '123456789012', apiId: 'abcdef1234', resourceId: 'a1b2c3', resourcePath: '/{proxy+}', httpMethod: 'POST',
      path: `/prod${p.path}`, stage: 'prod', protocol: 'HTTP/1.1', requestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef', requestTimeEpoch: 1795253405000,
      domainName: 'abcdef1234.execute-api.eu-west-1.amazonaws.com', identity: { sourceIp: '203.0.113.7', userAgent: 'Alertmanager/0.28.1' },
    },
    body: p.base64 ? Buffer.from(p.body).toString('base64') : p.body,
    isBase64Encoded: Boolean(p.base64),
  } as unknown as LambdaEvent;
}

const oomPod = pod({ name: 'cart-1', containers: [{ name: 'cart', restartCount: 7, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { reason: 'OOMKilled', exitCode: 137 } } }] });

function setup(env: Record<string, string> = {}, o: Partial<LambdaHandlerOptions> = {}) {
  const logs: Array<Record<string, unknown>> = [];
  let secretReads = 0;
  let liveLoads = 0;
  const handler = createLambdaHandler({
    env: { KUBETRIAGE_AUTH_TOKEN: TOKEN, ...env },
    openapiYaml,
    getSecret: async (arn) => { secretReads++; if (arn !== SECRET_ARN) throw new Error('ResourceNotFoundException'); return `${TOKEN}\n`; },
    loadLiveEvidence: async () => { liveLoads++; return snapshotSource({ objects: [oomPod as never], logs: [] }, 'test snapshot'); },
    writeLog: (line) => logs.push(JSON.parse(line) as Record<string, unknown>),
    ...o,
  });
  return { handler, logs, secretReads: () => secretReads, liveLoads: () => liveLoads };
}

/** Headers of a result, whichever form the event's source wants (multi-value for ALB with multi-value headers and REST). */
function headersOf(r: APIGatewayProxyResult): Record<string, string> {
  if (r.multiValueHeaders) return Object.fromEntries(Object.entries(r.multiValueHeaders).map(([k, v]) => [k.toLowerCase(), v.join(', ')]));
  return Object.fromEntries(Object.entries(r.headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]));
}
const bodyOf = (r: APIGatewayProxyResult) => (r.isBase64Encoded ? Buffer.from(r.body, 'base64').toString('utf8') : r.body);
const json = (r: APIGatewayProxyResult) => JSON.parse(bodyOf(r)) as Record<string, unknown>;
const auth = { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` };

describe('the real sample events, unmodified', () => {
  it('apigw-v2-http-api.json (GET /) reaches the app and gets a problem+json 404', async () => {
    const { handler } = setup();
    const r = await handler(sampleEvent('apigw-v2-http-api.json') as unknown as LambdaEvent);
    expect(r.statusCode).toBe(404);
    expect(r.isBase64Encoded).toBe(false);
    expect(r.headers).toBeDefined();
    expect(headersOf(r)['content-type']).toBe('application/problem+json');
    expect(json(r)).toEqual({ type: 'urn:kubetriage:problem:not-found', title: 'No such route', status: 404, detail: 'GET / is not a route; see /openapi.yaml' });
  });

  // Two samples cannot become a Request at all, and the adapter refuses them before the app runs:
  // function-url.json keeps AWS's "<url-id>" placeholder in its domain name (not a valid host),
  // alb-target.json is a GET with a body. Those refusals still leave as problem+json, in the
  // header form the source expects.
  it.each([
    ['function-url.json', 'headers'],
    ['alb-target.json', 'multiValueHeaders'],
  ] as const)('%s is refused by the adapter, answered as a problem+json 400 (%s)', async (name, headerForm) => {
    const { handler } = setup();
    const r = await handler(sampleEvent(name) as unknown as LambdaEvent);
    expect(r.statusCode).toBe(400);
    expect(r.isBase64Encoded).toBe(false);
    expect(r[headerForm]).toBeDefined();
    expect(headersOf(r)['content-type']).toBe('application/problem+json');
    expect(json(r)).toMatchObject({ type: 'urn:kubetriage:problem:invalid-request', status: 400 });
  });
});

describe.each(Object.entries(shapes))('%s', (_shape, event) => {
  it('POST /v1/alertmanager enriches every alert of a real Alertmanager body', async () => {
    const { handler } = setup();
    const r = await handler(event({ path: '/v1/alertmanager', body: alertmanagerBody, headers: auth }));
    expect(r.statusCode).toBe(200);
    expect(headersOf(r)['content-type']).toMatch(/^application\/json/);
    const out = json(r) as { alerts: Array<{ status: string; kubetriage: { partial: boolean } }>; receiver: string };
    const sent = JSON.parse(alertmanagerBody) as { alerts: unknown[]; receiver: string };
    expect(out.receiver).toBe(sent.receiver);
    expect(out.alerts).toHaveLength(sent.alerts.length);
    expect(out.alerts.every((a) => a.status === 'firing' && typeof a.kubetriage.partial === 'boolean')).toBe(true);
  });

  it('accepts a base64-encoded body (isBase64Encoded) and diagnoses inline evidence', async () => {
    const { handler, liveLoads } = setup();
    const r = await handler(event({ path: '/v1/diagnose', body: diagnoseBody, headers: auth, base64: true }));
    expect(r.statusCode).toBe(200);
    expect(json(r)).toMatchObject({ diagnosis: { id: 'crashloop.oom' }, evidenceSource: 'inline', partial: false });
    expect(liveLoads()).toBe(0);
  });

  it('answers client errors as problem+json: 401 with WWW-Authenticate, 415, 400 with field paths', async () => {
    const { handler } = setup();
    const noAuth = await handler(event({ path: '/v1/alertmanager', body: alertmanagerBody, headers: { 'content-type': 'application/json' } }));
    expect(noAuth.statusCode).toBe(401);
    expect(headersOf(noAuth)).toMatchObject({ 'content-type': 'application/problem+json', 'www-authenticate': 'Bearer realm="kubetriage"' });
    expect(json(noAuth)).toMatchObject({ type: 'urn:kubetriage:problem:unauthorized', status: 401 });

    const text = await handler(event({ path: '/v1/alertmanager', body: 'Hello from client!', headers: { ...auth, 'content-type': 'text/plain' } }));
    expect(text.statusCode).toBe(415);
    expect(json(text)).toMatchObject({ type: 'urn:kubetriage:problem:unsupported-media-type', detail: 'got "text/plain"; send application/json' });

    const bad = await handler(event({ path: '/v1/alertmanager', body: JSON.stringify({ version: '4', alerts: 'none' }), headers: auth }));
    expect(bad.statusCode).toBe(400);
    expect(headersOf(bad)['content-type']).toBe('application/problem+json');
    expect((json(bad) as { errors: Array<{ path: string }> }).errors.map((e) => e.path)).toContain('alerts');
  });
});

describe('responses the adapter base64-encodes', () => {
  it('GET /openapi.yaml comes back base64 (application/yaml is not a text type to the adapter) and decodes to the spec', async () => {
    const { handler } = setup();
    const e = sampleEvent('apigw-v2-http-api.json');
    const r = await handler({ ...e, rawPath: '/openapi.yaml' } as unknown as LambdaEvent);
    expect(r.statusCode).toBe(200);
    expect(r.isBase64Encoded).toBe(true);
    expect(bodyOf(r)).toBe(openapiYaml());
  });
});

describe('request ids', () => {
  const v2 = () => shapes['API Gateway HTTP API (v2)']!({ path: '/v1/diagnose', body: JSON.stringify({ target: { kind: 'Pod', namespace: 'shop', name: 'cart-1' } }), headers: auth });
  const requestLine = (logs: Array<Record<string, unknown>>) => logs.find((l) => l['msg'] === 'request')!;

  it("are the invocation's awsRequestId, so log lines match Lambda's own", async () => {
    const { handler, logs } = setup();
    const r = await handler(v2(), { awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef' } as LambdaContext);
    expect(r.statusCode).toBe(200);
    expect(headersOf(r)['x-request-id']).toBe('c6af9ac6-7b61-11e6-9a41-93e8deadbeef');
    expect(requestLine(logs)['requestId']).toBe('c6af9ac6-7b61-11e6-9a41-93e8deadbeef');
  });

  it('are a random UUID without a context', async () => {
    const { handler, logs } = setup();
    await handler(v2());
    expect(requestLine(logs)['requestId']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe('cold start', () => {
  it('reads secret ARNs once, at the first event, and uses the secret as the bearer token', async () => {
    const { handler, secretReads } = setup({ KUBETRIAGE_AUTH_TOKEN: '', KUBETRIAGE_AUTH_TOKEN_SECRET_ARN: SECRET_ARN });
    expect(secretReads()).toBe(0);
    const post = () => handler(shapes['API Gateway HTTP API (v2)']!({ path: '/v1/diagnose', body: diagnoseBody, headers: auth }));
    expect((await post()).statusCode).toBe(200);
    expect((await post()).statusCode).toBe(200);
    expect(secretReads()).toBe(1);
  });

  it('answers 500 problem+json while the configuration is invalid, logs every bad variable, and retries on the next event', async () => {
    const env: Record<string, string> = { KUBETRIAGE_AUTH_TOKEN: '', KUBETRIAGE_AUTH_TOKEN_SECRET_ARN: SECRET_ARN.replace('auth-token', 'missing'), KUBETRIAGE_DEADLINE_MS: 'soon', KUBETRIAGE_DEMO: 'true' };
    const { handler, logs, secretReads } = setup(env);
    for (const [shape, event] of Object.entries(shapes)) {
      const r = await handler(event({ path: '/v1/diagnose', body: diagnoseBody, headers: auth }));
      expect(r.statusCode, shape).toBe(500);
      expect(headersOf(r)['content-type'], shape).toBe('application/problem+json');
      expect(json(r), shape).toEqual({ type: 'urn:kubetriage:problem:internal', title: 'Internal error', status: 500, detail: "the function's configuration cannot be loaded; see its logs" });
      expect(bodyOf(r), shape).not.toContain('KUBETRIAGE');
    }
    expect(secretReads()).toBe(4);
    const message = String(logs[0]!['msg']);
    expect(logs[0]!['level']).toBe('error');
    expect(message).toContain('KUBETRIAGE_AUTH_TOKEN_SECRET_ARN: cannot read');
    expect(message).toContain('KUBETRIAGE_DEADLINE_MS');
    expect(message).toContain('KUBETRIAGE_DEMO');
  });

  it('refuses to run the ingest routes open by accident: no credentials means 500 and a log line saying what to set', async () => {
    const { handler, logs } = setup({ KUBETRIAGE_AUTH_TOKEN: '' });
    const r = await handler(shapes['API Gateway HTTP API (v2)']!({ path: '/v1/diagnose', body: diagnoseBody, headers: { 'content-type': 'application/json' } }));
    expect(r.statusCode).toBe(500);
    expect(json(r)).toMatchObject({ type: 'urn:kubetriage:problem:internal' });
    expect(logs[0]).toMatchObject({ level: 'error', msg: 'cannot start', error: expect.stringContaining('no credentials are configured for the ingest routes') });
  });

  it('compares credentials through the hash it is given (the entry passes node:crypto SHA-256, not WebCrypto)', async () => {
    const hashed: string[] = [];
    const { handler } = setup({ KUBETRIAGE_BASIC_AUTH: 'ops:correct-horse' }, { authHash: (data) => { hashed.push(data); return createHash('sha256').update(data).digest('hex'); } });
    const v2 = shapes['API Gateway HTTP API (v2)']!;
    const post = (authorization: string) => handler(v2({ path: '/v1/diagnose', body: diagnoseBody, headers: { 'content-type': 'application/json', authorization } }));
    expect((await post(`Bearer ${TOKEN}`)).statusCode).toBe(200);
    expect((await post(`Basic ${Buffer.from('ops:correct-horse').toString('base64')}`)).statusCode).toBe(200);
    expect((await post(`Bearer ${TOKEN}x`)).statusCode).toBe(401);
    expect((await post(`Basic ${Buffer.from('ops:wrong-horse!').toString('base64')}`)).statusCode).toBe(401);
    expect(hashed).toContain(TOKEN);
    expect(hashed).toContain('ops:correct-horse');
  });

  it('loads live evidence only for a request that needs the cluster, once', async () => {
    const { handler, liveLoads, logs } = setup({ KUBETRIAGE_EKS_CLUSTER: 'prod-eu', AWS_REGION: 'eu-west-1' });
    const v2 = shapes['API Gateway HTTP API (v2)']!;
    expect((await handler(v2({ path: '/v1/diagnose', body: diagnoseBody, headers: auth }))).statusCode).toBe(200);
    expect(liveLoads()).toBe(0);
    expect(logs.find((l) => l['msg'] === 'kubetriage ready')).toMatchObject({ evidence: 'EKS cluster prod-eu (eu-west-1)' });
    const targetOnly = JSON.stringify({ target: { kind: 'Pod', namespace: 'shop', name: 'cart-1' } });
    for (let i = 0; i < 2; i++) {
      const r = await handler(v2({ path: '/v1/diagnose', body: targetOnly, headers: auth }));
      expect(r.statusCode).toBe(200);
      expect(json(r)).toMatchObject({ diagnosis: { id: 'crashloop.oom' }, evidenceSource: 'EKS cluster prod-eu (eu-west-1)' });
    }
    expect(liveLoads()).toBe(1);
  });

  it('without KUBETRIAGE_EKS_CLUSTER, a target-only request says evidence must be sent inline', async () => {
    const { handler, liveLoads } = setup();
    const r = await handler(restEvent({ path: '/v1/diagnose', body: JSON.stringify({ target: { kind: 'Pod', namespace: 'shop', name: 'cart-1' } }), headers: auth }));
    expect(r.statusCode).toBe(200);
    expect(json(r)).toMatchObject({ partial: true, errors: [{ reason: 'not-configured' }] });
    expect(liveLoads()).toBe(0);
  });

  it('a live source that cannot start makes the answer partial, not an error', async () => {
    const { handler } = setup({ KUBETRIAGE_EKS_CLUSTER: 'prod-eu', AWS_REGION: 'eu-west-1' }, {
      loadLiveEvidence: async () => { throw Object.assign(new Error('eks:DescribeCluster: 403 AccessDeniedException: not authorized'), { reason: 'forbidden' }); },
    });
    const r = await handler(shapes['Lambda Function URL']!({ path: '/v1/diagnose', body: JSON.stringify({ target: { kind: 'Pod', namespace: 'shop', name: 'cart-1' } }), headers: auth }));
    expect(r.statusCode).toBe(200);
    expect(json(r)).toMatchObject({ partial: true, errors: [{ reason: 'forbidden', message: 'the cluster reader could not start: eks:DescribeCluster: 403 AccessDeniedException: not authorized' }] });
  });
});
