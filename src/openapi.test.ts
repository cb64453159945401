import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createApp } from './app.ts';
import { noEvidenceSource } from './evidence/source.ts';

const spec = parse(readFileSync(new URL('../openapi.yaml', import.meta.url), 'utf8')) as { paths: Record<string, Record<string, unknown>> };
const METHODS = new Set(['get', 'post', 'put', 'patch', 'delete']);

describe('openapi.yaml', () => {
  it('documents exactly the routes the app serves', () => {
    const app = createApp({ evidence: noEvidenceSource, openapiYaml: '' });
    const served = new Set(app.routes.filter((r) => r.method !== 'ALL').map((r) => `${r.method} ${r.path}`));
    const documented = new Set(Object.entries(spec.paths).flatMap(([path, ops]) =>
      Object.keys(ops).filter((m) => METHODS.has(m)).map((m) => `${m.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`)));
    expect([...served].sort()).toEqual([...documented].sort());
  });

  it('serves the top-level document at /openapi.yaml', async () => {
    const text = readFileSync(new URL('../openapi.yaml', import.meta.url), 'utf8');
    const app = createApp({ evidence: noEvidenceSource, openapiYaml: text });
    const res = await app.request('/openapi.yaml');
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(text);
  });
});
