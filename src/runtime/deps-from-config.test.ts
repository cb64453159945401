import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createApp } from '../app.ts';
import { loadConfig } from '../config/config.ts';
import { noEvidenceSource } from '../evidence/source.ts';
import { ConfigError } from '../config/config.ts';
import { depsFromConfig, OpenIngestError } from './deps-from-config.ts';

const TOKEN = 'token-for-tests-0123456789';
const config = (env: Record<string, string>) => loadConfig(env, () => { throw new Error('no files here'); });
const example = readFileSync(new URL('../../examples/requests/crashloop-oom.json', import.meta.url), 'utf8');

describe('depsFromConfig', () => {
  it('puts a per-id runbook template from KUBETRIAGE_CONFIG before the public runbooks', async () => {
    const yaml = 'runbooks:\n  crashloop.oom: https://wiki.example/oom/{namespace}/{name}\n  "*": https://wiki.example/all/{id}\n';
    const deps = depsFromConfig(config({ KUBETRIAGE_AUTH_TOKEN: TOKEN, KUBETRIAGE_CONFIG: '/etc/kubetriage/config.yaml' }), {
      evidence: noEvidenceSource, openapiYaml: '', readFile: (p) => { if (p !== '/etc/kubetriage/config.yaml') throw new Error('ENOENT'); return yaml; },
    });
    const res = await createApp(deps).request('/v1/diagnose', { method: 'POST', body: example, headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` } });
    const out = await res.json() as { target: { namespace: string; name: string }; diagnosis: { id: string; runbooks: string[] } };
    expect(out.diagnosis.id).toBe('crashloop.oom');
    expect(out.diagnosis.runbooks[0]).toBe(`https://wiki.example/oom/${out.target.namespace}/${out.target.name}`);
    expect(out.diagnosis.runbooks).not.toContain('https://wiki.example/all/crashloop.oom');
  });

  it('maps the config onto the app: credentials, limits, forward sink, runbook template', async () => {
    const forwarded: string[] = [];
    const deps = depsFromConfig(config({
      KUBETRIAGE_AUTH_TOKEN: TOKEN, KUBETRIAGE_MAX_BODY_BYTES: '2000000', KUBETRIAGE_DEADLINE_MS: '1500', KUBETRIAGE_MAX_IN_FLIGHT_BYTES: '3000000',
      KUBETRIAGE_FORWARD_URL: 'https://receiver.example/hook', KUBETRIAGE_RUNBOOK_URL_TEMPLATE: 'https://wiki.example/{id}',
    }), { evidence: noEvidenceSource, openapiYaml: 'openapi: 3.1.0\n', fetch: (async (url: string) => { forwarded.push(url); return new Response(''); }) as typeof fetch });
    expect(deps).toMatchObject({ maxBodyBytes: 2_000_000, maxInFlightBytes: 3_000_000, deadlineMs: 1500, auth: { bearerTokens: [TOKEN], basicCredentials: [] } });
    expect(deps.sinks?.map((s) => s.kind)).toEqual(['webhook']);

    const app = createApp(deps);
    expect((await app.request('/v1/diagnose', { method: 'POST', body: example, headers: { 'content-type': 'application/json' } })).status).toBe(401);
    const res = await app.request('/v1/diagnose', { method: 'POST', body: example, headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(200);
    const out = await res.json() as { diagnosis: { id: string; runbooks: string[] } };
    expect(out.diagnosis.runbooks).toContain(`https://wiki.example/${out.diagnosis.id}`);
  });

  it('refuses to run the ingest routes open by accident, outside demo mode', () => {
    expect(() => depsFromConfig(config({}), { evidence: noEvidenceSource, openapiYaml: '' })).toThrow(OpenIngestError);
    const logged: Array<Record<string, unknown>> = [];
    const deps = depsFromConfig(config({ KUBETRIAGE_AUTH_OPEN: 'true' }), { evidence: noEvidenceSource, openapiYaml: '', log: (e) => logged.push(e) });
    expect(deps.auth).toEqual({ bearerTokens: [], basicCredentials: [] });
    expect(logged).toEqual([{ level: 'warn', msg: 'the ingest routes accept requests without credentials', demo: false }]);
    expect(() => depsFromConfig(config({}), { evidence: noEvidenceSource, openapiYaml: '', demo: true })).not.toThrow();
  });

  it('routes by the KUBETRIAGE_CONFIG file through the runtime\'s file reader, and says when it cannot', async () => {
    const files: Record<string, string> = {
      '/etc/kubetriage/config.yaml': 'routes:\n  - matchers: [\'severity="critical"\']\n    sinks: [webhook]\n',
    };
    const readFile = (path: string) => { const text = files[path]; if (text === undefined) throw Object.assign(new Error('no such file'), { code: 'ENOENT' }); return text; };
    const logged: Array<Record<string, unknown>> = [];
    const deps = depsFromConfig(config({ KUBETRIAGE_AUTH_TOKEN: TOKEN, KUBETRIAGE_FORWARD_URL: 'https://receiver.example/hook', KUBETRIAGE_CONFIG: '/etc/kubetriage/config.yaml' }), { evidence: noEvidenceSource, openapiYaml: '', readFile, log: (e) => logged.push(e) });
    const alert = (severity: string) => ({ labels: { severity } }) as never;
    expect(deps.routeAlert!(alert('critical')).map((s) => s.name)).toEqual(['webhook']);
    expect(deps.routeAlert!(alert('warning'))).toEqual([]);
    expect(logged).toContainEqual({ level: 'warn', msg: expect.stringContaining('no route without matchers') });

    const missing = config({ KUBETRIAGE_AUTH_TOKEN: TOKEN, KUBETRIAGE_CONFIG: '/etc/kubetriage/missing.yaml' });
    expect(() => depsFromConfig(missing, { evidence: noEvidenceSource, openapiYaml: '', readFile })).toThrow(new ConfigError(['KUBETRIAGE_CONFIG: cannot read /etc/kubetriage/missing.yaml: ENOENT']));
    expect(() => depsFromConfig(missing, { evidence: noEvidenceSource, openapiYaml: '' })).toThrow(ConfigError);
  });
});
