import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { tokenBucket } from './rate-limiter.ts';

describe('tokenBucket', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('lets a burst through at once, then paces at qps', async () => {
    const limiter = tokenBucket({ qps: 10, burst: 3, now: () => Date.now() });
    const done: number[] = [];
    const start = Date.now();
    const all = Array.from({ length: 6 }, () => limiter.acquire().then(() => done.push(Date.now() - start)));
    await vi.advanceTimersByTimeAsync(0);
    expect(done).toHaveLength(3);
    expect(limiter.waiting).toBe(3);
    await vi.advanceTimersByTimeAsync(100);
    expect(done).toHaveLength(4);
    await vi.advanceTimersByTimeAsync(200);
    expect(done).toHaveLength(6);
    await Promise.all(all);
    expect(limiter.waiting).toBe(0);
  });

  it('refills up to burst after idling', async () => {
    const limiter = tokenBucket({ qps: 100, burst: 5, now: () => Date.now() });
    for (let i = 0; i < 5; i++) await limiter.acquire();
    await vi.advanceTimersByTimeAsync(10_000);
    let granted = 0;
    for (let i = 0; i < 7; i++) void limiter.acquire().then(() => granted++);
    await vi.advanceTimersByTimeAsync(0);
    expect(granted).toBe(5);
  });

  it('the defaults never throttle a 20-alert group (~200 requests)', async () => {
    const limiter = tokenBucket({ qps: 100, burst: 200, now: () => Date.now() });
    let granted = 0;
    for (let i = 0; i < 200; i++) void limiter.acquire().then(() => granted++);
    await vi.advanceTimersByTimeAsync(0);
    expect(granted).toBe(200);
  });

  it('a waiter whose signal fires is rejected and leaves the queue', async () => {
    const limiter = tokenBucket({ qps: 1, burst: 1, now: () => Date.now() });
    await limiter.acquire();
    const ac = new AbortController();
    const p = limiter.acquire(ac.signal);
    expect(limiter.waiting).toBe(1);
    ac.abort(new Error('deadline'));
    await expect(p).rejects.toThrow('deadline');
    expect(limiter.waiting).toBe(0);
    await expect(limiter.acquire(AbortSignal.abort(new Error('already')))).rejects.toThrow('already');
  });

  it('rejects nonsense settings', () => {
    expect(() => tokenBucket({ qps: 0, burst: 1 })).toThrow(RangeError);
    expect(() => tokenBucket({ qps: 1, burst: 0 })).toThrow(RangeError);
  });
});
