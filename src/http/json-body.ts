// Middleware factory for JSON ingest routes: 415 for a wrong content type, 413 above the
// size limit (Hono's bodyLimit counts the streamed bytes, not just Content-Length), 400 for
// bytes that are not JSON. The raw text stays available for signature checks.
import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { every } from 'hono/combine';
import { problem, problemResponse } from './problem.ts';

export interface JsonBodyOptions {
  maxBytes: number;
  /** Extra media types accepted besides application/json (e.g. application/x-ndjson). */
  accept?: string[];
}

export type JsonBodyVariables = { rawBody: string; jsonBody: unknown };

export function jsonBody(options: JsonBodyOptions): MiddlewareHandler<{ Variables: JsonBodyVariables }> {
  const accepted = new Set(['application/json', ...(options.accept ?? [])]);
  const checkType: MiddlewareHandler = async (c, next) => {
    const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (!accepted.has(type) && !type.endsWith('+json')) {
      return problemResponse(c, problem('unsupported-media-type', 415, `got ${type ? `"${type}"` : 'no Content-Type'}; send application/json`));
    }
    await next();
  };
  const limit = bodyLimit({
    maxSize: options.maxBytes,
    onError: (c) => problemResponse(c, problem('payload-too-large', 413, `the limit is ${options.maxBytes} bytes`)),
  });
  const parse: MiddlewareHandler<{ Variables: JsonBodyVariables }> = async (c, next) => {
    const raw = await c.req.text();
    c.set('rawBody', raw);
    try {
      c.set('jsonBody', JSON.parse(raw));
    } catch (err) {
      return problemResponse(c, problem('invalid-json', 400, (err as Error).message.slice(0, 200), [{ path: '(body)', message: 'not valid JSON' }]));
    }
    await next();
  };
  return every(checkType, limit, parse) as MiddlewareHandler<{ Variables: JsonBodyVariables }>;
}
