import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadSnapshotDir } from '../../src/demo/cluster-snapshot.ts';
import { snapshotSource } from '../../src/evidence/snapshot-source.ts';
import { diagnoseRequest } from '../../src/diagnose/service.ts';
import type { Target } from '../../src/core/types.ts';

const DIR = fileURLToPath(new URL('../../examples/demo-cluster/', import.meta.url));
const snapshot = loadSnapshotDir(DIR);
const expected = JSON.parse(readFileSync(`${DIR}expected.json`, 'utf8')) as Array<{ target: Target; diagnosis: string }>;
const source = snapshotSource(snapshot, 'demo');

describe('the bundled demo cluster', () => {
  it('has at least 10 workloads across several namespaces, at least 8 of them failing', () => {
    const workloads = snapshot.objects.filter((o) => ['Deployment', 'StatefulSet', 'DaemonSet', 'Job'].includes(String(o.kind)));
    expect(workloads.length).toBeGreaterThanOrEqual(10);
    expect(new Set(workloads.map((w) => w.metadata?.namespace)).size).toBeGreaterThanOrEqual(4);
    const failing = new Set(expected.filter((e) => e.diagnosis !== 'healthy').map((e) => e.diagnosis));
    expect(failing.size).toBeGreaterThanOrEqual(8);
    for (const id of ['crashloop.oom', 'crashloop.app-error', 'image-pull.unauthorized', 'scheduling.insufficient-cpu', 'scheduling.untolerated-taint', 'config.missing-secret', 'service.no-endpoints', 'storage.pvc-pending']) {
      expect(failing, id).toContain(id);
    }
  });

  for (const { target, diagnosis } of expected) {
    it(`diagnoses ${target.kind} ${target.namespace}/${target.name} as ${diagnosis}`, async () => {
      const result = await diagnoseRequest({ target }, { openSession: () => source.session({ signal: new AbortController().signal }), evidenceDescription: 'demo' });
      expect(result.ok).toBe(true);
      if (!result.ok) return;
      expect(result.response.diagnosis.id).toBe(diagnosis);
      expect(result.response.partial).toBe(false);
      expect(result.response.diagnosis.summary).toContain(target.name.split('-')[0]!);
    });
  }

  it('answers the ready request bodies in examples/requests with their diagnosis', async () => {
    const cases: Record<string, string> = { 'crashloop-oom.json': 'crashloop.oom', 'dns-failure.json': 'dns.resolution-failure', 'pending-cpu.json': 'scheduling.insufficient-cpu', 'image-pull-unauthorized.json': 'image-pull.unauthorized', 'target-only.json': 'crashloop.oom' };
    const { parseDiagnoseRequest } = await import('../../src/diagnose/request.ts');
    for (const [file, id] of Object.entries(cases)) {
      const parsed = parseDiagnoseRequest(JSON.parse(readFileSync(new URL(`../../examples/requests/${file}`, import.meta.url), 'utf8')));
      expect(parsed.ok, file).toBe(true);
      if (!parsed.ok) continue;
      const result = await diagnoseRequest(parsed.value, { openSession: () => source.session({ signal: new AbortController().signal }) });
      expect(result.ok && result.response.diagnosis.id, file).toBe(id);
    }
  });
});
