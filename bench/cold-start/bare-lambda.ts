// The cold-start baseline: a bare Hono app on the same aws-lambda adapter, bundled the same way
// as the function (scripts/build-lambda.ts). It parses the JSON body and answers, nothing more.
import { Hono } from 'hono';
import { handle } from 'hono/aws-lambda';

const app = new Hono();
app.post('/v1/diagnose', async (c) => {
  const body = await c.req.json<Record<string, unknown>>();
  return c.json({ received: Object.keys(body) });
});

export const handler = handle(app);
