// Middleware factory: one span and one metric per request, and a structured log line that
// carries the same request id as the span.
import type { MiddlewareHandler } from 'hono';
import { matchedRoutes, routePath } from 'hono/route';
import type { Metrics } from './metrics.ts';
import { inSpan } from './tracing.ts';

export interface TelemetryOptions {
  metrics?: Metrics;
  log?: (entry: Record<string, unknown>) => void;
}

export function telemetry(o: TelemetryOptions): MiddlewareHandler {
  return async (c, next) => {
    const start = performance.now();
    const method = c.req.method;
    const requestId = (c.get('requestId' as never) as string | undefined) ?? '';
    await inSpan(`${method} ${c.req.path}`, { 'http.request.method': method, 'url.path': c.req.path, 'kubetriage.request_id': requestId }, async (span) => {
      await next();
      // The handler's registered path (never the raw URL, which would explode metric cardinality).
      const route = matchedRoutes(c).some((r) => r.method !== 'ALL') ? routePath(c, -1) : 'unmatched';
      span.updateName(`${method} ${route}`);
      span.setAttribute('http.route', route);
      span.setAttribute('http.response.status_code', c.res.status);
      const seconds = (performance.now() - start) / 1000;
      o.metrics?.request(route, method, c.res.status, seconds);
      if (c.req.path !== '/healthz' && c.req.path !== '/metrics') {
        o.log?.({ msg: 'request', requestId, method, route, status: c.res.status, ms: Math.round(seconds * 1000) });
      }
    });
  };
}
