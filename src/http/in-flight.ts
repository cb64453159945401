// Middleware factory: at most `max` requests of the routes it guards are handled at once; one more
// is answered 503 with Retry-After at once, and Alertmanager (which retries every 5xx) sends it
// again. Each request in flight holds its alerts, their evidence and the enriched answer on the
// heap, and the container's V8 heap is capped (infra/container/Dockerfile), so the number in
// flight is what bounds the server's memory when a storm arrives as many groups at once.
// One instance shares its count across every route it is mounted on.
import type { MiddlewareHandler } from 'hono';
import { problem, problemResponse } from './problem.ts';

export interface InFlightOptions {
  max: number;
  /** What Retry-After says (default 1 s). */
  retryAfterSeconds?: number;
}

export function inFlightLimit(o: InFlightOptions): MiddlewareHandler {
  let inFlight = 0;
  const retryAfter = String(o.retryAfterSeconds ?? 1);
  return async (c, next) => {
    if (inFlight >= o.max) {
      return problemResponse(c, problem('busy', 503, `${o.max} requests are already being handled; retry in ${retryAfter} s`), { 'retry-after': retryAfter });
    }
    inFlight++;
    try {
      await next();
    } finally {
      inFlight--;
    }
  };
}
