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
import { fetchPath, groupContext, type FetchResult, type FetchSpec } from './planner.ts';
import { boundLog, collectInRounds, contextOf, fromClassification, narrowed, parseJson } from './fetch-results.ts';
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
    session({ signal, targets }: SessionOptions): EvidenceSession {
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
            if (isLog) return { state: 'log', ...boundLog(text, tailLines, limitBytes, undefined, cut) };
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
        if (!p) cache.set(spec.key, (p = fetchSpec(spec).then((r) => narrowed(spec, r))));
        return p;
      };

      const group = groupContext(targets ?? []);
      return {
        collect: (target: Target): Promise<CollectedEvidence> => collectInRounds(target, fetchOnce, group),
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








