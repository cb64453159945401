// The Lambda handler: on the first event (the cold start) it reads the configuration, resolves
// secret ARNs, builds the app with createApp(deps), and from then on hands every event to Hono's
// aws-lambda adapter, which answers API Gateway REST (v1), HTTP API (v2), Function URL and ALB
// events. Nothing happens at import time.
import { Hono } from 'hono';
import { handle, type APIGatewayProxyResult, type LambdaContext, type LambdaEvent } from 'hono/aws-lambda';
import { createApp } from '../../app.ts';
import { ConfigError } from '../../config/config.ts';
import { lazyEvidenceSource } from '../../evidence/lazy-source.ts';
import { noEvidenceSource, type EvidenceSource } from '../../evidence/source.ts';
import { problem, problemResponse, type Problem } from '../../http/problem.ts';
import { depsFromConfig } from '../deps-from-config.ts';
import { loadLambdaConfig, type EksSettings } from './config.ts';
import { preloadYaml } from './yaml-on-demand.ts';

export interface LambdaHandlerOptions {
  env: Record<string, string | undefined>;
  openapiYaml: () => string;
  /** Reads a Secrets Manager secret (for NAME_SECRET_ARN variables); `region` is the ARN's. */
  getSecret: (arn: string, region: string) => Promise<string>;
  /** Builds the live EKS evidence source; called on the first request that needs the cluster. */
  loadLiveEvidence: (eks: EksSettings) => Promise<EvidenceSource>;
  readFile?: (path: string) => string;
  /** One JSON log line (default: stdout, which Lambda sends to CloudWatch Logs). */
  writeLog?: (line: string) => void;
  /** The hash credentials are compared through (AuthOptions.hash); default: WebCrypto's SHA-256. */
  authHash?: (data: string) => string | Promise<string>;
}

export type LambdaHandler = (event: LambdaEvent, context?: LambdaContext) => Promise<APIGatewayProxyResult>;

/**
 * The adapter answers an event it cannot turn into a Request (a GET with a body, a host that is
 * not a valid URL host) itself, in text/plain, before the app sees it. Every error leaves the
 * service as problem+json, so those answers are rewritten, keeping the result's header form.
 */
function adapterErrorsAsProblems(result: APIGatewayProxyResult): APIGatewayProxyResult {
  const type = result.headers?.['content-type'] ?? result.multiValueHeaders?.['content-type']?.[0];
  const adapterError = (result.statusCode === 400 && result.body === 'Invalid request') || (result.statusCode === 500 && result.body === 'Internal Server Error');
  if (!adapterError || !String(type).startsWith('text/plain')) return result;
  const p: Problem = result.statusCode === 400
    ? problem('invalid-request', 400, 'the event cannot be read as an HTTP request (for example a GET or HEAD with a body, or a host name that is not valid)')
    : problem('internal', 500, 'the event could not be read; it was logged');
  const body = JSON.stringify(p);
  return result.multiValueHeaders
    ? { ...result, body, isBase64Encoded: false, multiValueHeaders: { ...result.multiValueHeaders, 'content-type': ['application/problem+json'] } }
    : { ...result, body, isBase64Encoded: false, headers: { ...result.headers, 'content-type': 'application/problem+json' } };
}

function cannotRead(path: string): string {
  throw new Error(`cannot read ${path}: no file reader was given`);
}

export function createLambdaHandler(o: LambdaHandlerOptions): LambdaHandler {
  const writeLog = o.writeLog ?? ((line: string) => console.log(line));
  const log = (entry: Record<string, unknown>) => writeLog(JSON.stringify({ time: new Date().toISOString(), level: 'info', ...entry }));

  const init = async () => {
    // Load the YAML parser only when there is a configuration file (see yaml-on-demand.ts).
    if (o.env['KUBETRIAGE_CONFIG']) await preloadYaml();
    const { config, eks } = await loadLambdaConfig(o.env, { getSecret: o.getSecret, readFile: o.readFile ?? cannotRead });
    const evidence = eks
      ? lazyEvidenceSource({ description: `EKS cluster ${eks.defaultCluster} (${eks.region})`, load: () => o.loadLiveEvidence(eks) })
      : noEvidenceSource;
    const app = createApp(depsFromConfig(config, {
      evidence,
      openapiYaml: o.openapiYaml(),
      ...(o.readFile ? { readFile: o.readFile } : {}),
      ...(o.authHash ? { authHash: o.authHash } : {}),
      log,
      // Hono's adapter puts the invocation's context in c.env; the real runtime always passes one.
      requestIdOf: (c) => (c.env as { lambdaContext?: LambdaContext } | undefined)?.lambdaContext?.awsRequestId,
      onUnexpectedError: (err) => log({ level: 'error', msg: 'unexpected error', error: err instanceof Error ? err.stack ?? err.message : String(err) }),
    }));
    log({ msg: 'kubetriage ready', evidence: evidence.description });
    const handler = handle(app);
    return (async (event, context) => adapterErrorsAsProblems(await handler(event, context))) satisfies LambdaHandler;
  };

  // Answers every event while the configuration cannot be loaded: the caller learns nothing about
  // the configuration (that goes to the log), and the result is shaped for the event's source.
  const unavailable = handle(new Hono().all('*', (c) => problemResponse(c, problem('internal', 500, "the function's configuration cannot be loaded; see its logs"))));

  let ready: Promise<LambdaHandler> | undefined;
  return async (event, context) => {
    let handler: LambdaHandler;
    try {
      handler = await (ready ??= init());
    } catch (err) {
      ready = undefined; // a secret that could not be read may be readable on the next event
      log({ level: 'error', msg: err instanceof ConfigError ? err.message : 'cannot start', ...(err instanceof ConfigError ? {} : { error: String(err) }) });
      return adapterErrorsAsProblems(await unavailable(event, context));
    }
    return handler(event, context);
  };
}
