import { describe, expect, it } from 'vitest';
import { lazyEvidenceSource } from './lazy-source.ts';
import { snapshotSource } from './snapshot-source.ts';
import type { EvidenceSource } from './source.ts';
import { pod } from '../../test/support/kube-builders.ts';

const target = { kind: 'Pod', namespace: 'shop', name: 'cart-1' };
const real = snapshotSource({ objects: [pod({ name: 'cart-1' }) as never], logs: [] }, 'test snapshot');
const open = (s: EvidenceSource, signal = new AbortController().signal) => s.session({ signal });

function counting(load: () => Promise<EvidenceSource>) {
  let loads = 0;
  const source = lazyEvidenceSource({ description: 'live cluster (lazy)', load: () => { loads++; return load(); } });
  return { source, loads: () => loads };
}

describe('lazyEvidenceSource', () => {
  it('does not load anything until evidence is collected, and tells its description before', () => {
    const { source, loads } = counting(async () => real);
    expect(source.description).toBe('live cluster (lazy)');
    open(source);
    expect(loads()).toBe(0);
  });

  it('loads once, shares the load between concurrent requests, then delegates', async () => {
    const { source, loads } = counting(async () => real);
    const [a, b] = await Promise.all([open(source).collect(target), open(source).collect(target)]);
    expect(loads()).toBe(1);
    expect(a).toEqual(await open(real).collect(target));
    expect(b.partial).toBe(false);
    await open(source).collect({ ...target, name: 'gone' });
    expect(loads()).toBe(1);
  });

  it('opens one inner session per outer session, so a reader can coalesce fetches within a request', async () => {
    let sessions = 0;
    const inner: EvidenceSource = { description: 'x', session: (o) => { sessions++; return real.session(o); } };
    const { source } = counting(async () => inner);
    const session = open(source);
    await Promise.all([session.collect(target), session.collect(target)]);
    await session.collect(target);
    expect(sessions).toBe(1);
    await open(source).collect(target);
    expect(sessions).toBe(2);
  });

  it('turns a failed load into partial evidence with the reason, and tries again on the next request', async () => {
    let fail = true;
    const { source, loads } = counting(async () => {
      if (fail) throw Object.assign(new Error('eks:DescribeCluster: 403 AccessDeniedException: not authorized'), { reason: 'forbidden' });
      return real;
    });
    const first = await open(source).collect(target);
    expect(first).toEqual({
      objects: [], logs: [], partial: true,
      errors: [{ reason: 'forbidden', resource: 'Pod shop/cart-1', message: 'the cluster reader could not start: eks:DescribeCluster: 403 AccessDeniedException: not authorized' }],
    });
    fail = false;
    expect((await open(source).collect(target)).partial).toBe(false);
    expect(loads()).toBe(2);
  });

  it('reports not-configured when the failure carries no reason', async () => {
    const { source } = counting(async () => { throw new Error('AWS_REGION is not set'); });
    const out = await open(source).collect({ kind: 'Node', name: 'worker-1' });
    expect(out.errors).toEqual([{ reason: 'not-configured', resource: 'Node worker-1', message: 'the cluster reader could not start: AWS_REGION is not set' }]);
  });

  it("keeps the request's deadline while loading, without abandoning the shared load", async () => {
    let finish: (s: EvidenceSource) => void = () => {};
    const { source, loads } = counting(() => new Promise<EvidenceSource>((r) => { finish = r; }));
    const controller = new AbortController();
    const pending = open(source, controller.signal).collect(target);
    controller.abort();
    const out = await pending;
    expect(out.partial).toBe(true);
    expect(out.errors[0]).toMatchObject({ reason: 'timeout' });
    finish(real);
    expect((await open(source).collect(target)).partial).toBe(false);
    expect(loads()).toBe(1);
  });
});
