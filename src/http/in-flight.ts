// Middleware factory: bounds the request bodies being handled at once, by their size. A request is
// taken when its body fits in what is left of the budget, or when nothing else is in flight (one
// larger than the whole budget would otherwise be refused forever); otherwise it is answered 503
// with Retry-After at once, and Alertmanager (which retries every 5xx) sends it again.
// Why bytes: what a request holds on the heap while it is handled (its parsed body, its alerts'
// evidence, the enriched answer) grows with its alerts, and so with its body: small groups flow
// side by side, the largest go one at a time. The container's V8 heap is capped
// (infra/container/Dockerfile), and this bound is what keeps a storm of large groups under the cap.
// One instance shares its budget across every route it is mounted on.
import type { MiddlewareHandler } from 'hono';
import { problem, problemResponse } from './problem.ts';

export interface InFlightOptions {
  /** Bytes of request bodies handled at once. */
  maxBytes: number;
  /** The body limit of the routes it guards. */
  maxBodyBytes: number;
  /**
   * What a body without Content-Length counts as. Its size is not known until it is read, and
   * counting it as the body limit would make every such sender wait for all others.
   */
  unknownLengthBytes: number;
  /** What Retry-After says (default 1 s). */
  retryAfterSeconds?: number;
}

export function inFlightLimit(o: InFlightOptions): MiddlewareHandler {
  let inFlight = 0;
  let bytes = 0;
  const retryAfter = String(o.retryAfterSeconds ?? 1);
  return async (c, next) => {
    const declared = Number(c.req.header('content-length'));
    // A declared size over the body limit is refused (413) without being read; it counts as the
    // limit until then.
    const weight = Number.isSafeInteger(declared) && declared >= 0 ? Math.min(declared, o.maxBodyBytes) : o.unknownLengthBytes;
    if (inFlight > 0 && bytes + weight > o.maxBytes) {
      return problemResponse(c, problem('busy', 503, `${bytes} bytes of requests are being handled (the budget is ${o.maxBytes}); retry in ${retryAfter} s`), { 'retry-after': retryAfter });
    }
    inFlight++;
    bytes += weight;
    try {
      await next();
    } finally {
      inFlight--;
      bytes -= weight;
    }
  };
}
