// A client-side token bucket (client-go's QPS/Burst): `burst` requests may go at once, then
// `qps` per second. One bucket is shared by every session of a source, so a storm of alert
// groups cannot flood the API server; the defaults (100 qps, burst 200) never throttle a
// 20-alert group. Waiters are served first come, first served and give up when their signal fires.

export interface RateLimiter {
  /** Resolves when a token is available; rejects with the signal's reason if it fires first. */
  acquire(signal?: AbortSignal): Promise<void>;
  /** Requests currently waiting for a token. */
  readonly waiting: number;
}

export interface TokenBucketOptions {
  /** Sustained requests per second (> 0). */
  qps: number;
  /** Requests that may go at once after an idle period (>= 1). */
  burst: number;
  /** Clock in ms; injectable for tests. Default Date.now. */
  now?: () => number;
}

interface Waiter {
  resolve: () => void;
  reject: (reason: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

export function tokenBucket(options: TokenBucketOptions): RateLimiter {
  if (!(options.qps > 0) || !Number.isFinite(options.qps)) throw new RangeError(`qps must be a positive number, got ${options.qps}`);
  if (!(options.burst >= 1) || !Number.isFinite(options.burst)) throw new RangeError(`burst must be at least 1, got ${options.burst}`);
  const { qps } = options;
  const burst = Math.floor(options.burst);
  const now = options.now ?? Date.now;
  let tokens = burst;
  let last = now();
  const queue: Waiter[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;

  const refill = (): void => {
    const t = now();
    if (t > last) {
      tokens = Math.min(burst, tokens + ((t - last) * qps) / 1000);
      last = t;
    }
  };

  const settle = (w: Waiter): void => {
    if (w.onAbort) w.signal?.removeEventListener('abort', w.onAbort);
  };

  const drain = (): void => {
    timer = undefined;
    refill();
    while (queue.length > 0 && tokens >= 1) {
      const w = queue.shift()!;
      tokens -= 1;
      settle(w);
      w.resolve();
    }
    if (queue.length > 0) {
      const waitMs = Math.max(1, Math.ceil(((1 - tokens) * 1000) / qps));
      timer = setTimeout(drain, waitMs);
      // Never keep the process alive just to hand out tokens.
      (timer as { unref?: () => void }).unref?.();
    }
  };

  return {
    get waiting() {
      return queue.length;
    },
    acquire(signal) {
      if (signal?.aborted) return Promise.reject(signal.reason);
      refill();
      if (queue.length === 0 && tokens >= 1) {
        tokens -= 1;
        return Promise.resolve();
      }
      return new Promise<void>((resolve, reject) => {
        const w: Waiter = { resolve, reject, signal, onAbort: undefined };
        if (signal) {
          w.onAbort = () => {
            const i = queue.indexOf(w);
            if (i >= 0) queue.splice(i, 1);
            reject(signal.reason);
          };
          signal.addEventListener('abort', w.onAbort, { once: true });
        }
        queue.push(w);
        if (timer === undefined) drain();
      });
    },
  };
}
