// Every ingest route against no credentials, the wrong scheme, a wrong secret, the right secret,
// and a rotation (the old and the new secret both valid): bearer and basic auth for the REST and
// Alertmanager routes, the HMAC signature for the PagerDuty webhook.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { noEvidenceSource } from '../../src/evidence/source.ts';
import { hmacSha256 } from '../../src/pagerduty/signature.ts';
import { expectProblem } from './checks.ts';

const OLD_TOKEN = 'old-bearer-token-0123456789abcdef';
const NEW_TOKEN = 'new-bearer-token-fedcba9876543210';
const OLD_BASIC = 'alertmanager:old-password-0001';
const NEW_BASIC = 'alertmanager:new-password-0002';
const OLD_SECRET = 'old-webhook-signing-secret-000001';
const NEW_SECRET = 'new-webhook-signing-secret-000002';

const BODIES = {
  '/v1/diagnose': readFileSync(new URL('../../examples/requests/crashloop-oom.json', import.meta.url), 'utf8'),
  '/v1/alertmanager': readFileSync(new URL('../../../shared/samples/alertmanager/legacy-firing-no-fingerprint.json', import.meta.url), 'utf8'),
};
const pdBody = () => JSON.stringify({ ...JSON.parse(readFileSync(new URL('../../../shared/samples/pagerduty/webhook-v3-incident.priority_updated.docs.json', import.meta.url), 'utf8')) as object, event: { id: crypto.randomUUID(), event_type: 'incident.priority_updated', data: { id: 'PGR0VU2' } } });

const b64 = (s: string) => btoa(s);
const hex = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
const sign = async (secret: string, body: string) => `v1=${hex(await hmacSha256(secret, new TextEncoder().encode(body)))}`;

const app = createApp({
  evidence: noEvidenceSource,
  openapiYaml: '',
  auth: { bearerTokens: [OLD_TOKEN, NEW_TOKEN], basicCredentials: [OLD_BASIC, NEW_BASIC] },
  pagerduty: { webhookSecrets: [OLD_SECRET, NEW_SECRET], waitUntil: () => undefined },
});

type Case = [credential: string, authorization: string | undefined, expected: 200 | 401];

const INGEST_CASES: Array<[group: string, cases: Case[]]> = [
  ['no credentials', [['no header', undefined, 401], ['empty header', '', 401]]],
  ['wrong scheme', [
    ['Token <right token>', `Token ${NEW_TOKEN}`, 401],
    ['Digest', 'Digest username="alertmanager", realm="kubetriage", response="0"', 401],
    ['the right token with no scheme', NEW_TOKEN, 401],
    ['Bearer with no token', 'Bearer', 401],
    ['Basic with no credentials', 'Basic', 401],
    ['the right token as a basic password', `Basic ${b64(`alertmanager:${NEW_TOKEN}`)}`, 401],
    ['the right basic credentials as a bearer token', `Bearer ${NEW_BASIC}`, 401],
  ]],
  ['wrong secret', [
    ['bearer: another token', 'Bearer wrong-bearer-token-000000000', 401],
    ['bearer: the right token plus a character', `Bearer ${NEW_TOKEN}x`, 401],
    ['bearer: the right token less a character', `Bearer ${NEW_TOKEN.slice(0, -1)}`, 401],
    ['bearer: the right token in upper case', `Bearer ${NEW_TOKEN.toUpperCase()}`, 401],
    ['bearer: both tokens at once', `Bearer ${OLD_TOKEN},${NEW_TOKEN}`, 401],
    ['basic: wrong password', `Basic ${b64('alertmanager:wrong-password-0003')}`, 401],
    ['basic: wrong user', `Basic ${b64('prometheus:new-password-0002')}`, 401],
    ['basic: the right password plus a character', `Basic ${b64(`${NEW_BASIC}x`)}`, 401],
    ['basic: not base64', 'Basic !!!not-base64!!!', 401],
    ['basic: no colon', `Basic ${b64('alertmanagernew-password-0002')}`, 401],
    ['basic: trailing space', `Basic ${b64(`${NEW_BASIC} `)}`, 401],
  ]],
  ['right secret', [
    ['bearer: new token', `Bearer ${NEW_TOKEN}`, 200],
    ['bearer: scheme in lower case', `bearer ${NEW_TOKEN}`, 200],
    ['basic: new credentials', `Basic ${b64(NEW_BASIC)}`, 200],
  ]],
  ['rotated secret (old and new both valid)', [
    ['bearer: old token', `Bearer ${OLD_TOKEN}`, 200],
    ['bearer: new token', `Bearer ${NEW_TOKEN}`, 200],
    ['basic: old credentials', `Basic ${b64(OLD_BASIC)}`, 200],
    ['basic: new credentials', `Basic ${b64(NEW_BASIC)}`, 200],
  ]],
];

describe.each(['/v1/diagnose', '/v1/alertmanager'] as const)('%s: bearer and basic auth', (route) => {
  describe.each(INGEST_CASES)('%s', (_, cases) => {
    it.each(cases)('%s → %i', async (_name, authorization, expected) => {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (authorization !== undefined) headers['authorization'] = authorization;
      const res = await app.request(route, { method: 'POST', body: BODIES[route], headers });
      expect(res.status).toBe(expected);
      if (expected === 401) {
        expect(res.headers.get('content-type')).toBe('application/problem+json');
        expect(res.headers.get('www-authenticate')).toBe('Bearer realm="kubetriage", Basic realm="kubetriage"');
        const p = await res.json();
        expectProblem(p, 401);
        // The answer never echoes what was sent.
        expect(JSON.stringify(p)).not.toContain(NEW_TOKEN);
      }
    });
  });

  it('a PagerDuty signature is not an ingest credential', async () => {
    const res = await app.request(route, { method: 'POST', body: BODIES[route], headers: { 'content-type': 'application/json', 'x-pagerduty-signature': await sign(NEW_SECRET, BODIES[route]) } });
    expect(res.status).toBe(401);
  });

  it('a scheme that is not configured is refused, even with a value that would match the other', async () => {
    const bearerOnly = createApp({ evidence: noEvidenceSource, openapiYaml: '', auth: { bearerTokens: [NEW_TOKEN], basicCredentials: [] } });
    const basicOnly = createApp({ evidence: noEvidenceSource, openapiYaml: '', auth: { bearerTokens: [], basicCredentials: [NEW_BASIC] } });
    const post = (a: typeof app, authorization: string) => a.request(route, { method: 'POST', body: BODIES[route], headers: { 'content-type': 'application/json', authorization } });
    expect((await post(bearerOnly, `Basic ${b64(NEW_BASIC)}`)).status).toBe(401);
    expect((await post(bearerOnly, `Bearer ${NEW_TOKEN}`)).status).toBe(200);
    expect((await post(bearerOnly, 'Basic x')).headers.get('www-authenticate')).toBe('Bearer realm="kubetriage"');
    expect((await post(basicOnly, `Bearer ${NEW_TOKEN}`)).status).toBe(401);
    expect((await post(basicOnly, `Basic ${b64(NEW_BASIC)}`)).status).toBe(200);
  });
});

describe('/v1/pagerduty/webhook: HMAC signature', () => {
  const cases: Array<[group: string, name: string, header: (body: string) => Promise<string | undefined>, expected: 200 | 401]> = [
    ['no credentials', 'no header', async () => undefined, 401],
    ['no credentials', 'empty header', async () => '', 401],
    ['wrong scheme', 'v0= with the right HMAC', async (b) => (await sign(NEW_SECRET, b)).replace('v1=', 'v0='), 401],
    ['wrong scheme', 'sha256= with the right HMAC', async (b) => (await sign(NEW_SECRET, b)).replace('v1=', 'sha256='), 401],
    ['wrong scheme', 'the bare HMAC', async (b) => (await sign(NEW_SECRET, b)).slice(3), 401],
    ['wrong scheme', 'the HMAC in base64', async (b) => `v1=${btoa(String.fromCharCode(...await hmacSha256(NEW_SECRET, new TextEncoder().encode(b))))}`, 401],
    ['wrong scheme', 'a bearer token', async () => `Bearer ${NEW_TOKEN}`, 401],
    ['wrong secret', 'another secret', async (b) => sign('another-signing-secret-0000000003', b), 401],
    ['wrong secret', 'the right secret over another body', async (b) => sign(NEW_SECRET, `${b} `), 401],
    ['wrong secret', 'the right HMAC truncated', async (b) => (await sign(NEW_SECRET, b)).slice(0, -2), 401],
    ['wrong secret', 'the right HMAC with one digit changed', async (b) => { const s = await sign(NEW_SECRET, b); return s.slice(0, -1) + (s.endsWith('0') ? '1' : '0'); }, 401],
    ['right secret', 'the new secret', async (b) => sign(NEW_SECRET, b), 200],
    ['right secret', 'upper-case hex', async (b) => (await sign(NEW_SECRET, b)).toUpperCase().replace('V1=', 'v1='), 200],
    ['rotated secret (old and new both valid)', 'the old secret', async (b) => sign(OLD_SECRET, b), 200],
    ['rotated secret (old and new both valid)', 'PagerDuty sending both signatures', async (b) => `${await sign(OLD_SECRET, b)},${await sign(NEW_SECRET, b)}`, 200],
    ['rotated secret (old and new both valid)', 'a retired secret next to the new one', async (b) => `${await sign('retired-signing-secret-0000000004', b)}, ${await sign(NEW_SECRET, b)}`, 200],
  ];
  it.each(cases)('%s: %s → %i', async (_group, _name, header, expected) => {
    const body = pdBody();
    const signature = await header(body);
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (signature !== undefined) headers['x-pagerduty-signature'] = signature;
    const res = await app.request('/v1/pagerduty/webhook', { method: 'POST', body, headers });
    expect(res.status).toBe(expected);
    if (expected === 401) expectProblem(await res.json(), 401);
  });

  it('ingest credentials do not open the webhook', async () => {
    const res = await app.request('/v1/pagerduty/webhook', { method: 'POST', body: pdBody(), headers: { 'content-type': 'application/json', authorization: `Bearer ${NEW_TOKEN}` } });
    expect(res.status).toBe(401);
  });

  it('without a configured secret the route does not exist (404), whatever is sent', async () => {
    const none = createApp({ evidence: noEvidenceSource, openapiYaml: '', auth: { bearerTokens: [NEW_TOKEN], basicCredentials: [] } });
    const body = pdBody();
    const res = await none.request('/v1/pagerduty/webhook', { method: 'POST', body, headers: { 'content-type': 'application/json', 'x-pagerduty-signature': await sign(NEW_SECRET, body) } });
    expect(res.status).toBe(404);
  });
});
