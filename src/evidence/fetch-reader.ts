// A Kubernetes reader over fetch(), for runtimes where @kubernetes/client-node cannot run
// (Cloudflare Workers: no node:http/https, no kubeconfig files, no custom CA). One API server,
// one bearer token, and a certificate the runtime already trusts (a publicly trusted one on
// Workers).
//
// What is read is decided by the same pure planner as the live reader (planner.ts), and every
// failure is mapped by the same classifier (api-errors.ts), so both readers return the same
// evidence and the same readable errors. What this reader leaves out, compared with
// kube-reader.ts: kubeconfig contexts and KUBETRIAGE_CLUSTERS (one server only), the shared
// token bucket (a promise shared across Worker requests must not be resolved from another
// request's context), and waiting out a 429's Retry-After. Instead, each session has a budget
// of requests, because Workers cap the subrequests of one invocation.
import type { KubeObject, LogTail, Target } from '../core/types.ts';
import { classifyError, classifyResponse, resourceLabel, type Classification, type RequestContext } from './api-errors.ts';
import { fetchPath, maxRounds, planRound, targetProblem, type FetchResult, type FetchSpec } from './planner.ts';
import type { CollectedEvidence, EvidenceError, EvidenceSession, EvidenceSource, SessionOptions } from './source.ts';

export interface FetchEvidenceOptions {
  /** API server base URL, e.g. https://k8s.example.com:6443. */
  server: string;
  /** Bearer token (a service account token bound to the read-only ClusterRole). */
  token: string;
  fetch?: typeof globalThis.fetch;
  /** Log lines kept per container (default 200). */
  tailLines?: number;
  /** Log bytes kept per container, newest lines first (default 65536). */
  limitBytes?: number;
  /**
   * API requests per session, i.e. per inbound request (default 40). Workers allow 50
   * subrequests per invocation on the free plan; the rest is left for forwarding.
   */
  maxRequests?: number;
  /** Largest JSON answer accepted, in bytes (default 8 MiB: a Worker has 128 MB). */
  maxResponseBytes?: number;
  description?: string;
}

export const FETCH_DEFAULTS = { tailLines: 200, limitBytes: 65_536, maxRequests: 40, maxResponseBytes: 8 * 1024 * 1024 } as const;

export function fetchEvidenceSource(options: FetchEvidenceOptions): EvidenceSource {
  const server = options.server.replace(/\/+$/, '');
  const doFetch = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => globalThis.fetch(input, init));
  const tailLines = Math.max(1, Math.floor(options.tailLines ?? FETCH_DEFAULTS.tailLines));
  const limitBytes = Math.max(1, Math.floor(options.limitBytes ?? FETCH_DEFAULTS.limitBytes));
  const maxRequests = options.maxRequests ?? FETCH_DEFAULTS.maxRequests;
  const maxResponseBytes = options.maxResponseBytes ?? FETCH_DEFAULTS.maxResponseBytes;
  // A generous byte cap on the wire so tailLines applies first; the newest lines are kept here.
  const logWireBytes = limitBytes * 4;
  const headers = { authorization: `Bearer ${options.token}`, accept: 'application/json, */*', 'user-agent': 'kubetriage (read-only; fetch)' };

  return {
    description: options.description ?? `Kubernetes API ${server} (bearer token, fetch)`,
    session({ signal }: SessionOptions): EvidenceSession {
      const cache = new Map<string, Promise<FetchResult>>();
      let sent = 0;

      const fetchSpec = async (spec: FetchSpec): Promise<FetchResult> => {
        const ctx = contextOf(spec);
        if (signal.aborted) return timeout(ctx);
        if (sent >= maxRequests) {
          return { state: 'failed', reason: 'rate-limited', message: `not read: this request's budget of ${maxRequests} API requests is spent (${resourceLabel(ctx)})` };
        }
        sent++;
        const isLog = spec.kind === 'log';
        const path = fetchPath(spec, isLog ? { tailLines: String(tailLines), limitBytes: String(logWireBytes) } : {});
        let res: Response;
        try {
          // No redirects: the bearer token goes to the configured server and nowhere else.
          res = await doFetch(server + path, { method: 'GET', headers, signal, redirect: 'manual' });
        } catch (err) {
          return fromClassification(transportError(err, ctx));
        }
        try {
          if (res.status >= 200 && res.status < 300 && res.status !== 204) {
            const { text, cut } = await readCapped(res, isLog ? logWireBytes : maxResponseBytes);
            if (isLog) return { state: 'log', ...tailLog(text, tailLines, limitBytes, cut) };
            if (cut) return { state: 'failed', reason: 'invalid-response', message: `the answer for ${resourceLabel(ctx)} is larger than ${maxResponseBytes} bytes` };
            return parseJson(spec, text, ctx);
          }
          const { text } = await readCapped(res, 64 * 1024);
          return fromClassification(classifyResponse(res.status, text, res.headers, ctx));
        } catch (err) {
          return fromClassification(transportError(err, ctx));
        }
      };

      const fetchOnce = (spec: FetchSpec): Promise<FetchResult> => {
        let p = cache.get(spec.key);
        if (!p) cache.set(spec.key, (p = fetchSpec(spec)));
        return p;
      };

      return {
        async collect(target: Target): Promise<CollectedEvidence> {
          const problem = targetProblem(target);
          if (problem) {
            return { objects: [], logs: [], partial: true, errors: [{ reason: 'invalid-target', resource: `${target.kind} ${where(target.namespace, target.name)}`, message: problem }] };
          }
          const results = new Map<string, FetchResult>();
          const specs: FetchSpec[] = [];
          for (let round = 1; round <= maxRounds(target.kind); round++) {
            const next = planRound(target, round, results);
            if (next.length === 0) break;
            specs.push(...next);
            const outcomes = await Promise.all(next.map(fetchOnce));
            next.forEach((s, i) => results.set(s.key, outcomes[i]!));
          }
          return assemble(target, specs, results);
        },
      };
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Responses. contextOf, parseJson and assemble follow kube-reader.ts, which keeps them private
// and imports node:http; they belong in one shared pure module.

const timeout = (ctx: RequestContext): FetchResult => ({ state: 'failed', reason: 'timeout', message: `no answer for ${resourceLabel(ctx)} before the deadline` });

/** A rejected fetch() is a transport failure, whatever the runtime calls it ("Network connection lost", ...). */
function transportError(err: unknown, ctx: RequestContext): Classification {
  const c = classifyError(err, ctx);
  if (c.outcome === 'error' && c.reason === 'invalid-response' && !(err instanceof SyntaxError)) {
    return { outcome: 'error', reason: 'unreachable', message: `cannot reach the API server reading ${resourceLabel(ctx)}: ${String((err as Error)?.message ?? err).slice(0, 160)}` };
  }
  return c;
}

/** The body as text, at most maxBytes of it (the rest is not downloaded). */
async function readCapped(res: Response, maxBytes: number): Promise<{ text: string; cut: boolean }> {
  if (!res.body) return { text: '', cut: false };
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return { text: text + decoder.decode(), cut: false };
    if (size + value.byteLength > maxBytes) {
      text += decoder.decode(value.subarray(0, maxBytes - size));
      await reader.cancel();
      return { text, cut: true };
    }
    size += value.byteLength;
    text += decoder.decode(value, { stream: true });
  }
}

const encoder = new TextEncoder();

/** The newest lines within tailLines and limitBytes; a cut body's last (partial) line is dropped. */
export function tailLog(text: string, tailLines: number, limitBytes: number, cut = false): { lines: string[]; truncated: boolean } {
  const raw = text.split('\n');
  if (raw.at(-1) === '') raw.pop();
  let truncated = cut;
  if (cut) raw.pop();
  if (raw.length > tailLines) {
    raw.splice(0, raw.length - tailLines);
    truncated = true;
  }
  const kept: string[] = [];
  let bytes = 0;
  for (let i = raw.length - 1; i >= 0; i--) {
    const line = raw[i]!.replace(/\r$/, '');
    const size = encoder.encode(line).byteLength + 1;
    if (bytes + size > limitBytes) {
      // A single line longer than the limit keeps its beginning.
      if (kept.length === 0) kept.push(new TextDecoder().decode(encoder.encode(line).subarray(0, limitBytes)).replace(/\uFFFD+$/, ''));
      truncated = true;
      break;
    }
    bytes += size;
    kept.push(line);
  }
  return { lines: kept.reverse(), truncated };
}

function contextOf(spec: FetchSpec): RequestContext {
  const ctx: RequestContext = { verb: spec.kind === 'list' ? 'list' : 'get', group: spec.group, resource: spec.kind === 'log' ? `${spec.resource}/log` : spec.resource };
  if (spec.namespace !== undefined) ctx.namespace = spec.namespace;
  if (spec.name !== undefined) ctx.name = spec.name;
  if (spec.log) {
    ctx.container = spec.log.container;
    ctx.previous = spec.log.previous;
    if (spec.log.node) ctx.node = spec.log.node;
  }
  const selector = [spec.fieldSelector, spec.labelSelector].filter(Boolean).join(', ');
  if (selector) ctx.selector = selector;
  return ctx;
}

function fromClassification(c: Classification): FetchResult {
  if (c.outcome === 'absent') return { state: 'absent', ...(c.status !== undefined ? { status: c.status } : {}), ...(c.message ? { message: c.message } : {}) };
  return { state: 'failed', reason: c.reason, message: c.message, ...(c.status !== undefined ? { status: c.status } : {}) };
}

const isRecord = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);
const apiVersionOf = (spec: FetchSpec) => (spec.group ? `${spec.group}/${spec.version}` : spec.version);

function parseJson(spec: FetchSpec, text: string, ctx: RequestContext): FetchResult {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    return fromClassification(classifyError(err, ctx));
  }
  const invalid = (why: string): FetchResult => ({ state: 'failed', reason: 'invalid-response', message: `the API server sent an invalid response for ${resourceLabel(ctx)}: ${why}` });
  if (!isRecord(parsed)) return invalid('not a JSON object');
  if (spec.kind === 'list') {
    const items = parsed['items'];
    if (!Array.isArray(items) && items !== null) return invalid('a list without items');
    const kind = typeof parsed['kind'] === 'string' && parsed['kind'].endsWith('List') ? parsed['kind'].slice(0, -4) : spec.objectKind;
    const apiVersion = typeof parsed['apiVersion'] === 'string' ? parsed['apiVersion'] : apiVersionOf(spec);
    // List items come without kind and apiVersion; put them first, as a GET returns them.
    const out = (items ?? []).filter(isRecord).map((item) => ({ apiVersion, kind, ...item }) as KubeObject);
    const meta = parsed['metadata'];
    return { state: 'list', items: out, more: isRecord(meta) && typeof meta['continue'] === 'string' && meta['continue'] !== '' };
  }
  if (!isRecord(parsed['metadata'])) return invalid('an object without metadata');
  return { state: 'object', object: { apiVersion: apiVersionOf(spec), kind: spec.objectKind, ...parsed } as KubeObject };
}

function where(namespace: string | undefined, name: string | undefined): string {
  return namespace ? `${namespace}/${name ?? ''}` : (name ?? '');
}

/** Objects (events through both API groups once, by uid), logs, and the errors worth reporting. */
function assemble(target: Target, specs: FetchSpec[], results: ReadonlyMap<string, FetchResult>): CollectedEvidence {
  const objects: KubeObject[] = [];
  const logs: LogTail[] = [];
  const errors: EvidenceError[] = [];
  const seen = new Set<string>();
  const add = (o: KubeObject) => {
    const m = (o.metadata ?? {}) as { uid?: string; namespace?: string; name?: string };
    const id = o.kind === 'Event' && m.uid ? `uid:${m.uid}` : `${o.kind}|${m.namespace ?? ''}|${m.name ?? ''}|${m.uid ?? ''}`;
    if (seen.has(id)) return;
    seen.add(id);
    objects.push(o);
  };
  // An anyOf group is answered when any of its fetches did not fail.
  const answered = new Set(specs.filter((s) => s.anyOf && results.get(s.key) && results.get(s.key)!.state !== 'failed').map((s) => s.anyOf!));
  const reported = new Set<string>();
  const report = (e: EvidenceError) => {
    const k = `${e.reason}|${e.resource}|${e.message}`;
    if (!reported.has(k)) {
      reported.add(k);
      errors.push(e);
    }
  };
  for (const s of specs) {
    const r = results.get(s.key);
    if (!r) continue;
    const resource = resourceLabel(contextOf(s));
    if (r.state === 'object') add(r.object);
    else if (r.state === 'list') r.items.forEach(add);
    else if (r.state === 'log') logs.push({ namespace: s.namespace!, pod: s.name!, container: s.log!.container, previous: s.log!.previous, lines: r.lines });
    else if (r.state === 'absent') {
      if (s.kind === 'log' || s.role === 'optional' || (s.anyOf && answered.has(s.anyOf) && s.role !== 'target')) continue;
      report(s.role === 'target'
        ? { reason: 'gone', resource, message: `${target.kind.toLowerCase()} ${where(s.namespace, s.name)} no longer exists`, status: r.status ?? 404 }
        : { reason: 'not-found', resource, message: `${s.objectKind.toLowerCase()} ${where(s.namespace, s.name)} does not exist`, status: r.status ?? 404 });
    } else {
      if ((s.anyOf && answered.has(s.anyOf)) || (s.role === 'optional' && r.reason === 'not-found')) continue;
      report({ reason: r.reason, resource, message: r.message, ...(r.status !== undefined ? { status: r.status } : {}) });
    }
  }
  return { objects, logs, partial: errors.length > 0, errors };
}
