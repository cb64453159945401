// Cloudflare Workers entry: env bindings → createApp. Bundled by wrangler
// (infra/cloudflare/wrangler.toml), which imports openapi.yaml as text.
import type { ExecutionContext, Hono } from 'hono';
import openapiYaml from '../../../openapi.yaml';
import { createApp } from '../../app.ts';
import { problem } from '../../http/problem.ts';
import { workerDeps, type WorkerEnv } from './deps.ts';

// Built on the first request (no configuration at import time), once per env object.
const apps = new WeakMap<object, Hono | Error>();

function appFor(env: WorkerEnv): Hono | Error {
  let app = apps.get(env);
  if (!app) {
    try {
      app = createApp(workerDeps(env, openapiYaml));
    } catch (err) {
      app = err instanceof Error ? err : new Error(String(err));
      console.error(app.message);
    }
    apps.set(env, app);
  }
  return app;
}

export default {
  fetch(request: Request, env: WorkerEnv, ctx: ExecutionContext): Response | Promise<Response> {
    const app = appFor(env);
    if (!(app instanceof Error)) return app.fetch(request, env, ctx);
    // The configuration problems are in the Worker's log, never in a response.
    const body = problem('internal', 500, 'kubetriage is misconfigured; the Worker log lists every bad variable');
    return new Response(JSON.stringify(body), { status: 500, headers: { 'content-type': 'application/problem+json' } });
  },
};
