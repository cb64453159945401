// RFC 9457 problem details. Every client error leaves the service in this one shape,
// with field paths, and never with a stack trace.
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

export interface FieldError {
  path: string;
  message: string;
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  errors?: FieldError[];
}

// A URN rather than a web address: the problem types are documented in docs/problems.md.
const TYPE_BASE = 'urn:kubetriage:problem:';

export const PROBLEM_TITLES: Record<string, string> = {
  'invalid-json': 'Request body is not valid JSON',
  'invalid-request': 'Request body does not match the schema',
  'payload-too-large': 'Request body is too large',
  'unsupported-media-type': 'Content-Type must be application/json',
  'not-found': 'No such route',
  'method-not-allowed': 'Method not allowed on this route',
  unauthorized: 'Missing or wrong credentials',
  'target-not-found': 'The target could not be inferred or found',
  'delivery-failed': 'The enriched alerts could not be delivered; retry later',
  busy: 'Too much work in flight; retry later',
  'not-implemented': 'Not available on this runtime',
  internal: 'Internal error',
};

export function problem(slug: keyof typeof PROBLEM_TITLES | string, status: number, detail?: string, errors?: FieldError[]): Problem {
  return {
    type: TYPE_BASE + slug,
    title: PROBLEM_TITLES[slug] ?? slug,
    status,
    ...(detail ? { detail } : {}),
    ...(errors && errors.length > 0 ? { errors } : {}),
  };
}

export function problemResponse(c: Context, p: Problem, headers: Record<string, string> = {}): Response {
  return c.body(JSON.stringify(p), p.status as ContentfulStatusCode, { 'content-type': 'application/problem+json', ...headers });
}

/** zod-style issue paths ("objects.items.3.kind") in JSON-pointer-ish dotted form. */
export function fieldPath(path: ReadonlyArray<PropertyKey>): string {
  return path.length === 0 ? '(body)' : path.map(String).join('.');
}
