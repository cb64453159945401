// The live cluster reader: an EvidenceSource over the Kubernetes API.
//
// Transport: @kubernetes/client-node's KubeConfig does everything a kubeconfig can ask for
// (contexts, bearer tokens and rotating service-account token files, exec and OIDC
// credential plugins, client certificates, CA bundles, insecure-skip-tls-verify,
// tls-server-name, proxies) through `applyToHTTPSOptions`, which yields the headers and the
// http(s) Agent for a request. The GET itself goes through node:http(s) with that agent and
// the raw JSON is kept as is. Why not the typed APIs: client-node 2.x deserializes into model
// classes (Date objects instead of the wire's strings, MicroTime precision lost, unknown
// fields dropped), has no per-request timeout or abort (the deadline signal could not cancel
// a hung request), and throws on the 204 that pods/log answers for a pod with no node.
// A raw GET gives the exact wire shape, one code path for get/list/log, and an AbortSignal.
//
// What is read for a target is decided by the pure planner (planner.ts), in rounds. A session
// (one per inbound request) coalesces identical fetches across the alerts of a group; across
// requests, successful answers are kept for a few seconds and fetches in flight are joined (a
// storm's many groups read each object once); one token bucket per source paces every session.
// Nothing throws: every failure becomes an EvidenceError (api-errors.ts) and the evidence that
// could be read is still returned.
import http from 'node:http';
import https from 'node:https';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { urlToHttpOptions } from 'node:url';
import { KubeConfig } from '@kubernetes/client-node';
import type { KubeObject, LogTail, Target } from '../core/types.ts';
import { classifyError, classifyResponse, resourceLabel, type Classification, type RequestContext } from './api-errors.ts';
import { fetchPath, groupContext, targetProblem, type FetchResult, type FetchSpec } from './planner.ts';
import { boundLog, collectInRounds, contextOf, fromClassification, narrowed, parseJson, where } from './fetch-results.ts';
import { tokenBucket, type RateLimiter } from './rate-limiter.ts';
import { inSpan } from '../telemetry/tracing.ts';
import type { CollectedEvidence, EvidenceError, EvidenceSession, EvidenceSource, SessionOptions } from './source.ts';

export interface KubeEvidenceOptions {
  /** Loaded by the caller, e.g. with loadKubeConfig(process.env). */
  kubeConfig: KubeConfig;
  /** Alert `cluster` label → kubeconfig context (KUBETRIAGE_CLUSTERS). Empty/absent: always the current context. */
  clusters?: Record<string, string>;
  /** Client-side rate limit shared by all sessions (default 100 requests/s, burst 200). */
  qps?: number;
  burst?: number;
  /** Log lines kept per container (default 200). */
  tailLines?: number;
  /** Log bytes kept per container, newest lines first (default 65536). */
  limitBytes?: number;
  /** Applied to every log line before it leaves the reader (default: identity). */
  redactLine?: (line: string) => string;
  description?: string;
  /**
   * The deadline the caller's session signal enforces, in ms (default 4000, the app's default).
   * Only used to decide whether a 429's Retry-After can be waited out.
   */
  deadlineMs?: number;
  /** Largest JSON response accepted, in bytes (default 32 MiB). */
  maxResponseBytes?: number;
  /**
   * How long a successful answer is reused by later requests, in ms (default 10000). A storm
   * reaches the service as many groups at once; within this window each object is read once,
   * not once per request, and a fetch already in flight is joined rather than repeated. The
   * default outlasts the reads of a storm over 200 pods at the default 100 requests/s (about 8 s;
   * with 5 s its API calls doubled, bench/RESULTS.md). Failures are never kept. 0 turns both off
   * (one request's alerts still share their fetches).
   */
  cacheTtlMs?: number;
  /** Answers kept at most (default 2000). */
  cacheMaxEntries?: number;
  /** Their total size as read from the wire, in bytes (default 8 MiB); the oldest go first. */
  cacheMaxBytes?: number;
  /** Clock of the cache in ms (default Date.now); for tests. */
  now?: () => number;
}

export const DEFAULTS = {
  qps: 100,
  burst: 200,
  tailLines: 200,
  limitBytes: 65_536,
  deadlineMs: 4000,
  maxResponseBytes: 32 * 1024 * 1024,
  cacheTtlMs: 10_000,
  cacheMaxEntries: 2000,
  cacheMaxBytes: 8 * 1024 * 1024,
} as const;

const USER_AGENT = 'kubetriage (read-only; @kubernetes/client-node KubeConfig)';
const SERVICEACCOUNT_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

/**
 * The kubeconfig kubectl would use, in KubeConfig.loadFromDefault's order, but read from
 * `env`: $KUBECONFIG (several files merged), then ~/.kube/config, then the in-cluster service
 * account. Throws when none exists (loadFromDefault would silently fall back to
 * http://localhost:8080).
 */
export function loadKubeConfig(env: Record<string, string | undefined> = process.env): KubeConfig {
  const kc = new KubeConfig();
  const listed = (env['KUBECONFIG'] ?? '').split(delimiter).filter((f) => f !== '');
  if (listed.length > 0) {
    // kubectl's merge rules: missing files are skipped, the first file to define a name or
    // the current-context wins.
    const files = listed.filter((f) => existsSync(f));
    if (files.length === 0) throw new Error(`KUBECONFIG names no existing file: ${listed.join(delimiter)}`);
    kc.loadFromFile(files[0]!);
    for (const file of files.slice(1)) {
      const more = new KubeConfig();
      more.loadFromFile(file);
      for (const c of more.getClusters()) if (!kc.getCluster(c.name)) kc.addCluster(c);
      for (const u of more.getUsers()) if (!kc.getUser(u.name)) kc.addUser(u);
      for (const c of more.getContexts()) if (!kc.getContextObject(c.name)) kc.addContext(c);
      if (!kc.getCurrentContext() && more.getCurrentContext()) kc.setCurrentContext(more.getCurrentContext());
    }
    return kc;
  }
  const home = env['HOME'] ?? env['USERPROFILE'] ?? homedir();
  const config = home ? join(home, '.kube', 'config') : undefined;
  if (config && existsSync(config)) {
    kc.loadFromFile(config);
    return kc;
  }
  if (env['KUBERNETES_SERVICE_HOST'] && existsSync(SERVICEACCOUNT_TOKEN)) {
    kc.loadFromCluster();
    return kc;
  }
  throw new Error('no Kubernetes configuration found: set KUBECONFIG, create ~/.kube/config, or run in a pod with a service account');
}

// ---------------------------------------------------------------------------------------------
// Per-context clients

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** The body was cut at maxBytes. */
  cut: boolean;
}

class CredentialsError extends Error {}

// client-node's Agent (one per cluster and user) is a plain http(s).Agent without keep-alive, so
// every API call would open a new connection and, over TLS, pay a handshake first: one or two
// round trips more per call. The reader uses the same options with keep-alive on; proxy agents
// (socks, http(s) proxy) are left as they are.
const keepAliveAgents = new WeakMap<http.Agent, http.Agent>();
export function withKeepAlive(agent: unknown): unknown {
  if (!(agent instanceof http.Agent) || (agent.constructor !== http.Agent && agent.constructor !== https.Agent)) return agent;
  let ours = keepAliveAgents.get(agent);
  if (!ours) {
    const options = { ...(agent as unknown as { options: https.AgentOptions }).options, keepAlive: true };
    ours = agent instanceof https.Agent ? new https.Agent(options) : new http.Agent(options);
    keepAliveAgents.set(agent, ours);
  }
  return ours;
}

// A session's deadline signal is watched by every read of the session (its wait for the answer,
// its HTTP request): one 'abort' listener per signal that runs all the waiters, rather than an
// EventTarget listener (and, for the request, Node's stream plumbing) per read.
const abortWaiters = new WeakMap<AbortSignal, Set<() => void>>();
function whenAborted(signal: AbortSignal, fn: () => void): () => void {
  let waiters = abortWaiters.get(signal);
  if (!waiters) {
    const all = new Set<() => void>();
    waiters = all;
    abortWaiters.set(signal, all);
    signal.addEventListener('abort', () => {
      for (const f of all) f();
      all.clear();
    }, { once: true });
  }
  const own = waiters;
  own.add(fn);
  return () => void own.delete(fn);
}

/** What Node's http.request rejects with when its `signal` fires. */
function abortError(signal: AbortSignal): Error {
  return Object.assign(new Error('The operation was aborted', { cause: signal.reason }), { name: 'AbortError', code: 'ABORT_ERR' });
}

interface ContextClient {
  context: string;
  server: string;
  get(path: string, signal: AbortSignal, maxBytes: number): Promise<RawResponse>;
}

function makeClient(kc: KubeConfig, context: string): ContextClient {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error(`context "${context}" has no cluster in the kubeconfig`);
  const server = cluster.server.replace(/\/+$/, '');
  // The server's URL is parsed once, not per call; a bad one still fails each call as it did.
  let origin: { mod: typeof http | typeof https; options: http.RequestOptions; prefix: string } | undefined;
  const originOf = () => {
    if (!origin) {
      const url = new URL(server);
      const { protocol, hostname, port, auth } = urlToHttpOptions(url);
      origin = { mod: url.protocol === 'http:' ? http : https, options: { protocol, hostname, port, ...(auth ? { auth } : {}) }, prefix: url.pathname.replace(/\/+$/, '') };
    }
    return origin;
  };
  return {
    context,
    server,
    async get(path, signal, maxBytes) {
      const opts: https.RequestOptions = {};
      try {
        // Headers (bearer token, rotated token file, exec/OIDC plugins), TLS material and the
        // Agent (cached per cluster/user by client-node): all from the kubeconfig.
        await kc.applyToHTTPSOptions(opts);
      } catch (err) {
        const message = (err as Error)?.message ?? String(err);
        // client-node refuses plain http:// without insecure-skip-tls-verify: a configuration problem.
        if (/HTTP protocol is not allowed/i.test(message)) throw err;
        throw new CredentialsError(message);
      }
      const { mod, options, prefix } = originOf();
      return await new Promise<RawResponse>((resolve, reject) => {
        const req = mod.request({
          ...options,
          path: prefix + path,
          ...opts,
          agent: withKeepAlive(opts.agent) as http.Agent,
          method: 'GET',
          headers: { ...(opts.headers ?? {}), Accept: 'application/json, */*', 'User-Agent': USER_AGENT },
        }, (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          let done = false;
          res.on('data', (chunk: Buffer) => {
            if (done) return;
            if (size + chunk.length > maxBytes) {
              chunks.push(chunk.subarray(0, maxBytes - size));
              done = true;
              resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), cut: true });
              res.destroy();
              return;
            }
            size += chunk.length;
            chunks.push(chunk);
          });
          res.on('end', () => {
            if (done) return;
            done = true;
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), cut: false });
          });
          res.on('error', (err) => {
            if (!done) reject(err);
          });
        });
        req.on('error', reject);
        if (signal.aborted) {
          req.destroy(abortError(signal));
          return;
        }
        const forget = whenAborted(signal, () => req.destroy(abortError(signal)));
        req.once('close', forget);
        req.end();
      });
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Results







// ---------------------------------------------------------------------------------------------
// Assembly




// ---------------------------------------------------------------------------------------------
// Answers shared across requests

export interface AnswerCache {
  /** The answer stored under key, unless it has expired. */
  get(key: string): FetchResult | undefined;
  /** Keeps an answer; failures, and answers larger than the whole budget, are not kept. */
  set(key: string, result: FetchResult, bytes: number): void;
  readonly size: number;
  readonly bytes: number;
}

/**
 * Successful answers for ttlMs, bounded by count and by bytes. A Map keeps insertion order, so
 * the oldest answer is evicted first and expired ones are always at the front.
 *
 * Answers are kept as JSON text and parsed again on each hit, so what the cache holds on the heap
 * is about its byte budget: parsed, the same answers take several times their text's size, and
 * the server's V8 heap is capped (infra/container/Dockerfile). A hit costs one JSON.parse of a
 * few KiB, and each reader gets its own copy.
 */
export function answerCache(o: { ttlMs: number; maxEntries: number; maxBytes: number; now: () => number }): AnswerCache {
  const entries = new Map<string, { text: string; bytes: number; expires: number }>();
  let total = 0;
  const drop = (key: string): void => {
    const e = entries.get(key);
    if (!e) return;
    entries.delete(key);
    total -= e.bytes;
  };
  return {
    get(key) {
      const e = entries.get(key);
      if (!e) return undefined;
      if (e.expires > o.now()) return JSON.parse(e.text) as FetchResult;
      drop(key);
      return undefined;
    },
    set(key, result, bytes) {
      if (result.state === 'failed' || o.ttlMs <= 0 || o.maxEntries < 1 || bytes > o.maxBytes) return;
      const now = o.now();
      drop(key);
      for (const [k, e] of entries) {
        if (e.expires > now && entries.size < o.maxEntries && total + bytes <= o.maxBytes) break;
        drop(k);
      }
      entries.set(key, { text: JSON.stringify(result), bytes, expires: now + o.ttlMs });
      total += bytes;
    },
    get size() {
      return entries.size;
    },
    get bytes() {
      return total;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Source

/** One span per evidence fetch, with the Kubernetes resource and the outcome. */
function tracedFetch(spec: FetchSpec, fetch: (spec: FetchSpec) => Promise<FetchResult>): Promise<FetchResult> {
  return inSpan('kubetriage.evidence.fetch', {
    'k8s.resource': spec.group ? `${spec.resource}.${spec.group}` : spec.resource,
    'k8s.namespace.name': spec.namespace ?? '',
    'k8s.resource.name': spec.name ?? '',
    'kubetriage.fetch.kind': spec.kind,
  }, async (span) => {
    const result = await fetch(spec);
    span.setAttribute('kubetriage.evidence.outcome', result.state === 'failed' ? result.reason : result.state);
    return result;
  });
}

function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const onAbort = () => {
      clearTimeout(t);
      resolve(false);
    };
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Resolves with the promise, or with onAbort() as soon as the signal fires. */
function raceAbort<T>(p: Promise<T>, signal: AbortSignal, onAbort: () => T): Promise<T> {
  if (signal.aborted) return Promise.resolve(onAbort());
  return new Promise<T>((resolve) => {
    const forget = whenAborted(signal, () => resolve(onAbort()));
    p.then(
      (v) => {
        forget();
        resolve(v);
      },
      () => {
        forget();
        resolve(onAbort());
      },
    );
  });
}

function failedSession(reason: EvidenceError['reason'], message: string): EvidenceSession {
  return {
    collect: async (target) => ({
      objects: [],
      logs: [],
      partial: true,
      errors: [{ reason, resource: `${target.kind} ${where(target.namespace, target.name)}`, message }],
    }),
  };
}

export function kubeEvidenceSource(options: KubeEvidenceOptions): EvidenceSource {
  const base = options.kubeConfig;
  const clusters = options.clusters ?? {};
  const tailLines = Math.max(1, Math.floor(options.tailLines ?? DEFAULTS.tailLines));
  const limitBytes = Math.max(1, Math.floor(options.limitBytes ?? DEFAULTS.limitBytes));
  const redact = options.redactLine ?? ((l: string) => l);
  const deadlineMs = options.deadlineMs ?? DEFAULTS.deadlineMs;
  const maxResponseBytes = options.maxResponseBytes ?? DEFAULTS.maxResponseBytes;
  const limiter: RateLimiter = tokenBucket({ qps: options.qps ?? DEFAULTS.qps, burst: options.burst ?? DEFAULTS.burst });
  // Ask the server for a generous byte cap so tailLines applies first; the newest lines are kept client-side.
  const logWireBytes = limitBytes * 4;
  const cacheTtlMs = Math.max(0, options.cacheTtlMs ?? DEFAULTS.cacheTtlMs);
  const answers = answerCache({
    ttlMs: cacheTtlMs,
    maxEntries: options.cacheMaxEntries ?? DEFAULTS.cacheMaxEntries,
    maxBytes: options.cacheMaxBytes ?? DEFAULTS.cacheMaxBytes,
    now: options.now ?? Date.now,
  });
  /** Fetches in flight by context + request, joined by any session that needs the same answer. */
  const inflight = new Map<string, Promise<FetchResult>>();

  const clients = new Map<string, ContextClient | Error>();
  const clientFor = (context: string | undefined): ContextClient | Error => {
    const name = context ?? base.getCurrentContext();
    const cached = clients.get(name);
    if (cached) return cached;
    let made: ContextClient | Error;
    try {
      if (context === undefined || context === base.getCurrentContext()) {
        made = makeClient(base, name);
      } else {
        if (!base.getContextObject(context)) {
          const known = base.getContexts().map((c) => c.name).join(', ') || 'none';
          throw new Error(`context "${context}" is not in the kubeconfig; its contexts: ${known}`);
        }
        const kc = new KubeConfig();
        kc.loadFromOptions({ clusters: base.getClusters(), contexts: base.getContexts(), users: base.getUsers(), currentContext: context });
        made = makeClient(kc, context);
      }
    } catch (err) {
      made = err instanceof Error ? err : new Error(String(err));
    }
    clients.set(name, made);
    return made;
  };

  const clusterNames = Object.keys(clusters);
  const defaultClient = clientFor(undefined);
  const description = options.description
    ?? (defaultClient instanceof Error
      ? `Kubernetes API (${defaultClient.message})`
      : `Kubernetes API ${defaultClient.server} (context ${defaultClient.context}${clusterNames.length > 0 ? `; clusters ${clusterNames.join(', ')}` : ''})`);

  return {
    description,
    session(sessionOptions: SessionOptions): EvidenceSession {
      const { signal, cluster } = sessionOptions;
      const started = Date.now();
      let context: string | undefined;
      if (cluster !== undefined && clusterNames.length > 0) {
        context = clusters[cluster];
        if (context === undefined) {
          return failedSession('unknown-cluster', `cluster "${cluster}" is not in KUBETRIAGE_CLUSTERS; known: ${clusterNames.join(', ')}`);
        }
      }
      const client = clientFor(context);
      if (client instanceof Error) return failedSession('not-configured', client.message);

      const cache = new Map<string, Promise<FetchResult>>();
      const timeout = (spec: FetchSpec): FetchResult => ({ state: 'failed', reason: 'timeout', message: `no answer for ${resourceLabel(contextOf(spec))} before the deadline` });

      const request = async (spec: FetchSpec, ctx: RequestContext, signal: AbortSignal): Promise<FetchResult | RawResponse> => {
        try {
          await limiter.acquire(signal);
        } catch {
          return timeout(spec);
        }
        const isLog = spec.kind === 'log';
        const path = fetchPath(spec, isLog ? { tailLines: String(tailLines), limitBytes: String(logWireBytes) } : {});
        try {
          return await client.get(path, signal, isLog ? logWireBytes + 1 : maxResponseBytes);
        } catch (err) {
          if (err instanceof CredentialsError) {
            return { state: 'failed', reason: 'unauthorized', message: `cannot get credentials from the kubeconfig (context ${client.context}): ${err.message}` };
          }
          return fromClassification(classifyError(err, ctx));
        }
      };

      /** One API read under `signal`, whose deadline started at `started`; `onBytes` hears the answer's size. */
      const fetchSpec = async (spec: FetchSpec, signal: AbortSignal, started: number, onBytes?: (n: number) => void): Promise<FetchResult> => {
        const ctx = contextOf(spec);
        if (signal.aborted) return timeout(spec);
        for (let attempt = 0; ; attempt++) {
          const res = await request(spec, ctx, signal);
          if ('state' in res) return res;
          onBytes?.(res.body.length);
          if (res.status >= 200 && res.status < 300 && res.status !== 204) {
            if (spec.kind === 'log') {
              const { lines, truncated } = boundLog(res.body.toString('utf8'), tailLines, limitBytes, redact, res.cut);
              return { state: 'log', lines, truncated };
            }
            if (res.cut) return { state: 'failed', reason: 'invalid-response', message: `the answer for ${resourceLabel(ctx)} is larger than ${maxResponseBytes} bytes` };
            return parseJson(spec, res.body.toString('utf8'), ctx);
          }
          const c = classifyResponse(res.status, res.body.toString('utf8'), res.headers, ctx);
          if (c.outcome === 'error' && c.reason === 'rate-limited' && attempt === 0) {
            // Honour Retry-After once, when the wait fits in what is left of the deadline.
            const waitMs = (c.retryAfterSeconds ?? 1) * 1000;
            const remaining = started + deadlineMs - Date.now();
            if (waitMs >= remaining) {
              return { state: 'failed', reason: 'rate-limited', status: 429, message: `${c.message}; waiting ${waitMs / 1000}s does not fit in the deadline` };
            }
            if (!(await sleep(waitMs, signal))) {
              return { state: 'failed', reason: 'rate-limited', status: 429, message: `${c.message}; the deadline ran out while waiting` };
            }
            continue;
          }
          return fromClassification(c);
        }
      };

      // Across requests: a kept answer, or the fetch another session already has in flight. That
      // fetch runs under its own deadline (the same length as a session's), not the session's
      // signal, so a session that gives up does not cut the answer short for the others; each
      // session still stops waiting at its own deadline (raceAbort below).
      const shared = (spec: FetchSpec): Promise<FetchResult> => {
        const key = `${client.context}\n${spec.key}`;
        // Narrowed at once: a group's first round parses all its kept answers in one go, and a
        // namespace's events in full are many times the session's part.
        const kept = answers.get(key);
        if (kept) return Promise.resolve(narrowed(spec, kept));
        let p = inflight.get(key);
        if (!p) {
          let bytes = 0;
          const own = AbortSignal.timeout(deadlineMs);
          const startedAt = Date.now();
          p = tracedFetch(spec, (s) => fetchSpec(s, own, startedAt, (n) => { bytes = n; }))
            .then((result) => {
              answers.set(key, result, bytes + key.length);
              return result;
            })
            .finally(() => inflight.delete(key));
          inflight.set(key, p);
        }
        return p;
      };

      // Within the request: every alert of the group gets the same answer, failures included.
      const fetchOnce = (spec: FetchSpec): Promise<FetchResult> => {
        let p = cache.get(spec.key);
        if (!p) {
          p = signal.aborted
            ? Promise.resolve(timeout(spec))
            : raceAbort(cacheTtlMs > 0 ? shared(spec) : tracedFetch(spec, (s) => fetchSpec(s, signal, started)), signal, () => timeout(spec))
              // The answer may be shared with other sessions; this one keeps only its part.
              .then((r) => narrowed(spec, r));
          cache.set(spec.key, p);
        }
        return p;
      };

      const group = groupContext(sessionOptions.targets ?? []);
      return {
        collect: (target: Target): Promise<CollectedEvidence> => collectInRounds(target, fetchOnce, group),
      };
    },
  };
}
