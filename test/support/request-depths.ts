// How many sequential round trips a request log of the API server double shows: used by the
// reader's tests (the planner's rounds) and by bench/enrich.bench.ts (the group's critical path).
import type { RequestLogEntry } from './kube-api-server.ts';

/**
 * Sequential depth of each request of a log (sorted by arrival): a request is one level deeper
 * than any request that had been answered when it arrived (answered = arrived + latency, minus a
 * little slack).
 */
export function requestDepths(requests: RequestLogEntry[], latencyMs: number): Array<{ request: RequestLogEntry; depth: number }> {
  const sorted = [...requests].sort((a, b) => a.at - b.at);
  const depth: number[] = [];
  sorted.forEach((r, i) => {
    let d = 1;
    for (let j = 0; j < i; j++) if (sorted[j]!.at + latencyMs * 0.9 <= r.at) d = Math.max(d, depth[j]! + 1);
    depth.push(d);
  });
  return sorted.map((request, i) => ({ request, depth: depth[i]! }));
}

/** The deepest level of requestDepths: the number of sequential round trips. */
export function criticalPath(requests: RequestLogEntry[], latencyMs: number): number {
  return Math.max(0, ...requestDepths(requests, latencyMs).map((r) => r.depth));
}
