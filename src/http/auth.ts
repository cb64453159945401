// Middleware factory: accept either of the schemes Alertmanager's http_config sends, a bearer
// token or basic auth. Several values may be valid at once, so credentials can be rotated.
// Compares are constant-time (Hono's timingSafeEqual hashes both sides first).
import type { MiddlewareHandler } from 'hono';
import { timingSafeEqual } from 'hono/utils/buffer';
import { problem, problemResponse } from './problem.ts';

export interface AuthOptions {
  bearerTokens: string[];
  /** "user:password" pairs. */
  basicCredentials: string[];
  /**
   * The hash both sides go through before the constant-time compare, as hex (Hono's
   * timingSafeEqual). Default: SHA-256 through WebCrypto. The Lambda entry passes node:crypto's
   * SHA-256: on Node, WebCrypto's first digest loads and sets up its own modules (2 to 3 ms of a
   * cold start), while node:crypto is already loaded by then.
   */
  hash?: (data: string) => string | Promise<string>;
}

export function authConfigured(o: AuthOptions): boolean {
  return o.bearerTokens.length > 0 || o.basicCredentials.length > 0;
}

async function anyEqual(candidate: string, accepted: string[], hash: AuthOptions['hash']): Promise<boolean> {
  // Check every accepted value so the time taken does not reveal which one matched.
  const results = await Promise.all(accepted.map((a) => timingSafeEqual(candidate, a, hash)));
  return results.includes(true);
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
    if (scheme === 'bearer' && o.bearerTokens.length > 0) ok = await anyEqual(value, o.bearerTokens, o.hash);
    else if (scheme === 'basic' && o.basicCredentials.length > 0) {
      const decoded = decodeBasic(value);
      ok = decoded !== undefined && (await anyEqual(decoded, o.basicCredentials, o.hash));
    } else return deny(c, `the ${scheme || 'given'} scheme is not accepted here`);
    if (!ok) return deny(c, 'the credentials are wrong');
    await next();
  };
}
