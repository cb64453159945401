// createApp(deps): the one Hono application every runtime serves. No configuration is read
// here: runtimes pass their bindings in, so the same code runs on Node, Lambda and Workers.
import { Hono } from 'hono';
import type { DiagnoseOptions } from './core/types.ts';
import type { EvidenceSource } from './evidence/source.ts';
import { diagnoseRoutes } from './diagnose/route.ts';
import { problem, problemResponse } from './http/problem.ts';

export interface AppDeps {
  /** Evidence for requests that name only a target. */
  evidence: EvidenceSource;
  /** The top-level openapi.yaml, served at /openapi.yaml. */
  openapiYaml: string;
  diagnoseOptions?: DiagnoseOptions;
  /** Body limit for ingest routes, in bytes (default 1 MiB). */
  maxBodyBytes?: number;
  /** Per-request evidence deadline in ms (default 4000). */
  deadlineMs?: number;
  /** Where unexpected errors are reported (never to the caller). */
  onUnexpectedError?: (err: unknown) => void;
}

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
export const DEFAULT_DEADLINE_MS = 4000;

export function createApp(deps: AppDeps): Hono {
  const app = new Hono();
  const deadlineMs = deps.deadlineMs ?? DEFAULT_DEADLINE_MS;
  const openSession = () => deps.evidence.session({ signal: AbortSignal.timeout(deadlineMs) });

  app.get('/healthz', (c) => c.json({ status: 'ok', evidence: deps.evidence.description }));
  app.get('/openapi.yaml', (c) => c.body(deps.openapiYaml, 200, { 'content-type': 'application/yaml; charset=utf-8' }));
  app.route('/', diagnoseRoutes({
    maxBodyBytes: deps.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    openSession,
    evidenceDescription: deps.evidence.description,
    ...(deps.diagnoseOptions ? { diagnoseOptions: deps.diagnoseOptions } : {}),
  }));

  app.notFound((c) => problemResponse(c, problem('not-found', 404, `${c.req.method} ${new URL(c.req.url).pathname} is not a route; see /openapi.yaml`)));
  app.onError((err, c) => {
    deps.onUnexpectedError?.(err);
    return problemResponse(c, problem('internal', 500, 'the error was logged; the request can be retried'));
  });
  return app;
}
