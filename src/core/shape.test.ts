import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadSnapshotDir } from '../demo/cluster-snapshot.ts';
import { diagnose } from './diagnose.ts';
import { shapeProblem } from './shape.ts';
import { bundle, node, object, pod } from '../../test/support/kube-builders.ts';
import type { KubeObject } from './types.ts';

const backoff = { waiting: { reason: 'CrashLoopBackOff' } };
const oom = { terminated: { reason: 'OOMKilled', exitCode: 137 } };
const crashing = () => pod({ name: 'cart-1', containers: [{ name: 'cart', restartCount: 5, state: backoff, lastState: oom }] });
const withField = (o: KubeObject, path: string[], value: unknown): KubeObject => {
  const copy = structuredClone(o) as Record<string, unknown>;
  let cur = copy;
  for (const p of path.slice(0, -1)) cur = (cur[p] ??= {}) as Record<string, unknown>;
  cur[path.at(-1)!] = value;
  return copy as KubeObject;
};

describe('shapeProblem', () => {
  it('accepts gaps and nulls, and names the first field of the wrong type', () => {
    expect(shapeProblem('Pod', crashing())).toBeUndefined();
    expect(shapeProblem('Pod', { kind: 'Pod', metadata: { name: 'x' }, spec: null, status: { containerStatuses: null } })).toBeUndefined();
    expect(shapeProblem('Pod', withField(crashing(), ['spec', 'containers'], { name: 'cart' }))).toBe('spec.containers is an object, not a list');
    expect(shapeProblem('Pod', withField(crashing(), ['metadata', 'ownerReferences'], [null]))).toBe('metadata.ownerReferences[0] is null');
    expect(shapeProblem('Pod', withField(crashing(), ['metadata', 'ownerReferences'], [{ kind: 7 }]))).toBe('metadata.ownerReferences[0].kind is a number, not a string');
    expect(shapeProblem('Pod', withField(crashing(), ['metadata', 'labels'], { app: 1 }))).toBe('metadata.labels.app is a number, not a string');
    expect(shapeProblem('Pod', withField(crashing(), ['metadata', 'name'], 5))).toBe('metadata.name is a number, not a string');
    expect(shapeProblem('Node', withField(node('n1'), ['spec', 'taints'], 'NoSchedule'))).toBe('spec.taints is a string, not a list');
    expect(shapeProblem('Pod', 'text')).toBe('(object) is a string, not an object');
    // Kinds the core does not read have no shape to break.
    expect(shapeProblem('Widget', { spec: 1 })).toBeUndefined();
  });

  it('fits every object of the demo cluster and of the example requests', () => {
    const demo = loadSnapshotDir(fileURLToPath(new URL('../../examples/demo-cluster/', import.meta.url)));
    const examples = readdirSync(new URL('../../examples/requests/', import.meta.url)).filter((f) => f.endsWith('.json'))
      .flatMap((f) => {
        const objects = (JSON.parse(readFileSync(new URL(`../../examples/requests/${f}`, import.meta.url), 'utf8')) as { objects?: unknown }).objects;
        return (Array.isArray(objects) ? objects : (objects as { items?: unknown[] } | undefined)?.items ?? []) as KubeObject[];
      });
    const all = [...demo.objects, ...examples].flatMap((o) => ((o as { items?: KubeObject[] }).items ?? [o]) as KubeObject[]);
    expect(all.length).toBeGreaterThan(200);
    expect(all.map((o) => shapeProblem(String(o.kind), o)).filter(Boolean)).toEqual([]);
  });
});

describe('diagnose with malformed inline objects (found by test/hardening fuzzing: each threw a TypeError, a 500)', () => {
  it.each([
    ['containers that are not a list', ['spec', 'containers'], { name: 'cart' }],
    ['tolerations that are not a list', ['spec', 'tolerations'], 'all'],
    ['a null owner reference', ['metadata', 'ownerReferences'], [null]],
    ['an owner kind that is not a string', ['metadata', 'ownerReferences'], [{ kind: 1, name: 'x' }]],
    ['conditions that are an object', ['status', 'conditions'], { type: 'Ready' }],
    ['volumes that are a string', ['spec', 'volumes'], 'data'],
  ])('%s: the object is ignored with the reason, the rest is still diagnosed', (_, path, value) => {
    const bad = withField(pod({ name: 'other-1', phase: 'Pending' }), path, value);
    const r = diagnose(bundle([crashing(), bad, node('node-1')], { target: { kind: 'Pod', namespace: 'shop', name: 'cart-1' } }));
    expect(r.diagnosis.id).toBe('crashloop.oom');
    expect(r.ignoredObjects).toEqual([{ index: 1, kind: 'Pod', name: 'other-1', reason: expect.stringMatching(new RegExp(`^malformed: ${path.join('\\.')}`)) }]);
  });

  it('a malformed target is reported as not readable rather than thrown on', () => {
    const r = diagnose(bundle([withField(crashing(), ['status', 'containerStatuses'], 'CrashLoopBackOff'), object('Deployment', 'apps/v1', 'cart', { spec: { selector: 7 } })], { target: { kind: 'Pod', namespace: 'shop', name: 'cart-1' } }));
    expect(r.ignoredObjects.map((i) => i.reason)).toEqual(['malformed: status.containerStatuses is a string, not a list', 'malformed: spec.selector is a number, not an object']);
    expect(r.diagnosis.id).toBe('unknown');
  });
});
