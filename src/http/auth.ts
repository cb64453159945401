// Middleware factory: accept either of the schemes Alertmanager's http_config sends, a bearer
// token or basic auth. Several values may be valid at once, so credentials can be rotated.
// Compares are constant-time (constantTimeEqual below).
import type { MiddlewareHandler } from 'hono';
import { problem, problemResponse } from './problem.ts';

export interface AuthOptions {
  bearerTokens: string[];
  /** "user:password" pairs. */
  basicCredentials: string[];
}

export function authConfigured(o: AuthOptions): boolean {
  return o.bearerTokens.length > 0 || o.basicCredentials.length > 0;
}

/**
 * Whether candidate equals accepted, in a time that depends on the accepted value's length only:
 * every character is compared whatever the candidate holds or how long it is. Hono's
 * timingSafeEqual runs the same loop on the two strings after comparing their SHA-256 digests
 * through WebCrypto; the digests add nothing to the answer, and loading WebCrypto cost a Lambda
 * cold start about 7 ms of its 90 (bench/RESULTS.md, "Cold start").
 */
export function constantTimeEqual(candidate: string, accepted: string): boolean {
  let diff = candidate.length ^ accepted.length;
  // Past the candidate's end charCodeAt gives NaN, and NaN | 0 is 0: the loop still runs to the end.
  for (let i = 0; i < accepted.length; i++) diff |= accepted.charCodeAt(i) ^ (candidate.charCodeAt(i) | 0);
  return diff === 0;
}

function anyEqual(candidate: string, accepted: string[]): boolean {
  // Check every accepted value so the time taken does not reveal which one matched.
  let matched = false;
  for (const a of accepted) matched = constantTimeEqual(candidate, a) || matched;
  return matched;
}

function decodeBasic(value: string): string | undefined {
  try {
    return new TextDecoder().decode(Uint8Array.from(atob(value), (c) => c.charCodeAt(0)));
  } catch {
    return undefined;
  }
}

export function requireAuth(o: AuthOptions): MiddlewareHandler {
  const schemes = [...(o.bearerTokens.length ? ['Bearer realm="kubetriage"'] : []), ...(o.basicCredentials.length ? ['Basic realm="kubetriage"'] : [])].join(', ');
  const deny = (c: Parameters<MiddlewareHandler>[0], detail: string) =>
    problemResponse(c, problem('unauthorized', 401, detail), { 'www-authenticate': schemes });
  return async (c, next) => {
    const header = c.req.header('authorization');
    if (!header) return deny(c, 'send Authorization: Bearer <token> or Basic <credentials>');
    const space = header.indexOf(' ');
    const scheme = header.slice(0, space).toLowerCase();
    const value = header.slice(space + 1).trim();
    let ok = false;
    if (scheme === 'bearer' && o.bearerTokens.length > 0) ok = anyEqual(value, o.bearerTokens);
    else if (scheme === 'basic' && o.basicCredentials.length > 0) {
      const decoded = decodeBasic(value);
      ok = decoded !== undefined && anyEqual(decoded, o.basicCredentials);
    } else return deny(c, `the ${scheme || 'given'} scheme is not accepted here`);
    if (!ok) return deny(c, 'the credentials are wrong');
    await next();
  };
}
