import { Hono } from 'hono';
import { jsonBody, type JsonBodyVariables } from '../http/json-body.ts';
import { inputLimits, type InputLimits } from '../http/limits.ts';
import { problemResponse } from '../http/problem.ts';
import { DIAGNOSE_LABEL_MAPS, parseDiagnoseRequest } from './request.ts';
import { diagnoseRequest, type DiagnoseServiceDeps } from './service.ts';

export interface DiagnoseRouteOptions extends DiagnoseServiceDeps {
  maxBodyBytes: number;
  limits: InputLimits;
  /** Applied to the response: evidence can carry log lines and event messages. */
  redact: <T>(value: T) => T;
}

export function diagnoseRoutes(options: DiagnoseRouteOptions): Hono<{ Variables: JsonBodyVariables }> {
  const routes = new Hono<{ Variables: JsonBodyVariables }>();
  routes.post('/v1/diagnose', jsonBody({ maxBytes: options.maxBodyBytes }), inputLimits({ limits: options.limits, labelMaps: DIAGNOSE_LABEL_MAPS }), async (c) => {
    const parsed = parseDiagnoseRequest(c.get('jsonBody'));
    if (!parsed.ok) return problemResponse(c, parsed.problem);
    const result = await diagnoseRequest(parsed.value, options);
    if (!result.ok) return problemResponse(c, result.problem);
    return c.json(options.redact(result.response));
  });
  return routes;
}
