// Kubernetes API failures → readable EvidenceErrors. Every way a read can fail (HTTP status,
// RBAC denial, pods/log quirks, network errors, aborted deadlines, garbage bodies, and the
// exceptions @kubernetes/client-node throws for them) is classified here, so readers never
// throw and an on-call engineer reads "grant get on pods/log", not a stack trace.
//
// Three outcomes:
//   absent  – nothing to read, not a failure: 404 on the object, no previous container
//             instance, a pod with no node yet (204 on pods/log). The caller decides whether
//             absence matters (the alert's own object: "gone"; a guessed owner: silent).
//   error   – report it: reason + message (+ status, Retry-After for 429).
import type { EvidenceErrorReason } from './source.ts';

export interface RequestContext {
  verb: 'get' | 'list';
  /** API group, '' for core. */
  group: string;
  /** Plural resource, with subresource when there is one: 'pods', 'pods/log', 'deployments'. */
  resource: string;
  namespace?: string;
  name?: string;
  /** pods/log only: the container and the node the pod runs on (for kubelet errors). */
  container?: string;
  previous?: boolean;
  node?: string;
  /** Field/label selectors of a list, shown in the resource label. */
  selector?: string;
}

export type Classification =
  | { outcome: 'absent'; status?: number; message?: string }
  | { outcome: 'error'; reason: EvidenceErrorReason; message: string; status?: number; retryAfterSeconds?: number };

export interface StatusBody {
  kind?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: { name?: string; group?: string; kind?: string; retryAfterSeconds?: number };
}

type Headers = Record<string, string | string[] | undefined> | Headers_;
interface Headers_ {
  get(name: string): string | null;
}

// ---------------------------------------------------------------------------------------------
// Naming

/** 'deployments' + 'apps' → 'deployments.apps'; 'pods/log' stays; 'deployments/scale' + apps → 'deployments.apps/scale'. */
export function qualifiedResource(resource: string, group: string): string {
  if (!group) return resource;
  const slash = resource.indexOf('/');
  return slash < 0 ? `${resource}.${group}` : `${resource.slice(0, slash)}.${group}${resource.slice(slash)}`;
}

/** "pods/log shop/cart-1 (container app)", "deployments.apps shop/cart", "nodes node-1", "events in shop". */
export function resourceLabel(ctx: RequestContext): string {
  const res = qualifiedResource(ctx.resource, ctx.group);
  const where = ctx.name !== undefined ? (ctx.namespace ? `${ctx.namespace}/${ctx.name}` : ctx.name) : ctx.namespace ? `in ${ctx.namespace}` : 'cluster-wide';
  const container = ctx.container ? ` (container ${ctx.container}${ctx.previous ? ', previous' : ''})` : '';
  const selector = ctx.selector ? ` (${ctx.selector})` : '';
  return `${res} ${where}${container}${selector}`;
}

// ---------------------------------------------------------------------------------------------
// Parsing

export function parseStatus(body: string | undefined): StatusBody | undefined {
  if (!body) return undefined;
  try {
    const parsed = JSON.parse(body) as unknown;
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as StatusBody;
  } catch {
    // not JSON: a proxy's HTML page, a plain-text kubelet error...
  }
  return undefined;
}

export interface ForbiddenInfo {
  user?: string;
  verb: string;
  /** With subresource: 'pods/log'. */
  resource: string;
  group: string;
  /** undefined = cluster scope. */
  namespace?: string;
}

const RBAC_RE = /cannot (\w+) resource "([^"]+)" in API group "([^"]*)"(?: in the namespace "([^"]+)"| at the cluster scope)?/;
const USER_RE = /User "([^"]*)"/;

/** Parses the RBAC authorizer's message: `pods "x" is forbidden: User "u" cannot get resource "pods/log" in API group "" in the namespace "shop"`. */
export function parseForbidden(message: string): ForbiddenInfo | undefined {
  const m = RBAC_RE.exec(message);
  if (!m) return undefined;
  const info: ForbiddenInfo = { verb: m[1]!, resource: m[2]!, group: m[3] ?? '' };
  if (m[4]) info.namespace = m[4];
  const u = USER_RE.exec(message);
  if (u) info.user = u[1]!;
  return info;
}

/** "cannot get pods/log in namespace shop: grant get on pods/log". */
export function forbiddenMessage(info: ForbiddenInfo): string {
  const res = qualifiedResource(info.resource, info.group);
  const scope = info.namespace ? `in namespace ${info.namespace}` : 'at the cluster scope';
  const grant = info.namespace ? `grant ${info.verb} on ${res}` : `grant ${info.verb} on ${res} in a ClusterRole`;
  return `cannot ${info.verb} ${res} ${scope}: ${grant}`;
}

function header(headers: Headers | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  if (typeof (headers as Headers_).get === 'function') return (headers as Headers_).get(name) ?? undefined;
  const h = headers as Record<string, string | string[] | undefined>;
  const v = h[name] ?? h[name.toLowerCase()] ?? Object.entries(h).find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1];
  return Array.isArray(v) ? v[0] : v;
}

/** Retry-After in seconds (delta-seconds or an HTTP date); undefined when absent or unparsable. */
export function retryAfterSeconds(headers: Headers | undefined, body?: StatusBody, now: number = Date.now()): number | undefined {
  const raw = header(headers, 'retry-after')?.trim();
  if (raw) {
    if (/^\d+$/.test(raw)) return Number(raw);
    const at = Date.parse(raw);
    if (Number.isFinite(at)) return Math.max(0, Math.ceil((at - now) / 1000));
  }
  const fromBody = body?.details?.retryAfterSeconds;
  return typeof fromBody === 'number' && fromBody >= 0 ? fromBody : undefined;
}

function clip(s: string, max = 300): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}

// ---------------------------------------------------------------------------------------------
// HTTP responses

const KUBELET_UNREACHABLE = /dial tcp|connect: connection refused|i\/o timeout|no route to host|connection reset by peer|:10250|containerLogs|error trying to reach service|proxy error|tls: |x509: /i;
const NO_PREVIOUS = /previous terminated container "[^"]*" in pod "[^"]*" not found/;
const WAITING_TO_START = /container "[^"]*" in pod "[^"]*" is waiting to start/;
const NOT_VALID_CONTAINER = /container [^ ]+ is not valid for pod/;
const QUOTED_NOT_FOUND = /^(\w+)(?:\.[\w.-]+)? "([^"]+)" not found$/;

/**
 * Classifies a non-2xx answer (and a 204 on pods/log). `body` is the raw response text
 * (client-node's ApiException.body; undefined for a 401).
 */
export function classifyResponse(status: number, body: string | undefined, headers: Headers | undefined, ctx: RequestContext): Classification {
  const st = parseStatus(body);
  const serverMessage = typeof st?.message === 'string' ? st.message : (body && !st ? clip(body) : '');
  const label = resourceLabel(ctx);
  const isLog = ctx.resource === 'pods/log';
  const said = serverMessage ? `: ${clip(serverMessage)}` : '';

  if (isLog) {
    if (status === 204) return { outcome: 'absent', status, message: 'the pod has no node, so it has no logs' };
    if (status === 400 && (NO_PREVIOUS.test(serverMessage) || WAITING_TO_START.test(serverMessage) || NOT_VALID_CONTAINER.test(serverMessage))) {
      return { outcome: 'absent', status, message: serverMessage };
    }
    if (status === 404) {
      const m = QUOTED_NOT_FOUND.exec(serverMessage);
      // The log proxy looks up the pod's Node to reach its kubelet; when the Node object is gone
      // the 404 names the node, not the pod.
      if (m && m[2] !== ctx.name) {
        const node = ctx.node ?? m[2]!;
        return { outcome: 'error', reason: 'not-found', status, message: `cannot read logs of pod ${ctx.namespace}/${ctx.name}: its node ${node} no longer exists` };
      }
      return { outcome: 'absent', status, message: serverMessage };
    }
    if (status >= 500 && KUBELET_UNREACHABLE.test(serverMessage)) {
      const node = ctx.node ?? 'of the pod';
      return { outcome: 'error', reason: 'unreachable', status, message: `cannot read logs: kubelet on node ${node} unreachable (${clip(serverMessage, 200)})` };
    }
  }

  switch (status) {
    case 401:
      return { outcome: 'error', reason: 'unauthorized', status, message: "the API server rejected kubetriage's credentials (401 Unauthorized): check the kubeconfig user or the service account token" };
    case 403: {
      const info = parseForbidden(serverMessage);
      if (info) return { outcome: 'error', reason: 'forbidden', status, message: forbiddenMessage(info) };
      const fallback = forbiddenMessage({
        verb: ctx.verb,
        resource: ctx.resource,
        group: ctx.group,
        ...(ctx.namespace ? { namespace: ctx.namespace } : {}),
      });
      return { outcome: 'error', reason: 'forbidden', status, message: `${fallback}${serverMessage ? ` (API server said: ${clip(serverMessage, 200)})` : ''}` };
    }
    case 404: {
      // A get whose object does not exist names it; a 404 naming nothing (or not a Status at
      // all) means the group/version/resource itself is not served by this cluster.
      const notServed = ctx.name === undefined || !st || serverMessage === 'the server could not find the requested resource';
      if (!notServed) return { outcome: 'absent', status, message: serverMessage };
      return { outcome: 'error', reason: 'not-found', status, message: `the API server does not serve ${qualifiedResource(ctx.resource, ctx.group)}: ${label} cannot be read` };
    }
    case 409:
      return { outcome: 'error', reason: 'conflict', status, message: `conflict reading ${label}${said}` };
    case 429: {
      const retry = retryAfterSeconds(headers, st);
      return {
        outcome: 'error', reason: 'rate-limited', status,
        message: `the API server is rate-limiting kubetriage (429 Too Many Requests${retry !== undefined ? `, Retry-After ${retry}s` : ''}) reading ${label}`,
        ...(retry !== undefined ? { retryAfterSeconds: retry } : {}),
      };
    }
    default:
      break;
  }
  if (status >= 500) {
    return { outcome: 'error', reason: 'server-error', status, message: `the API server failed reading ${label} (HTTP ${status})${said}` };
  }
  if (status === 204 || (status >= 200 && status < 300)) {
    return { outcome: 'error', reason: 'invalid-response', status, message: `the API server sent no content for ${label} (HTTP ${status})` };
  }
  return { outcome: 'error', reason: 'invalid-response', status, message: `unexpected answer reading ${label} (HTTP ${status})${said}` };
}

// ---------------------------------------------------------------------------------------------
// Exceptions

const NETWORK_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'EPIPE', 'ECONNABORTED',
  'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_CLOSED', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ERR_STREAM_PREMATURE_CLOSE',
]);
const TLS_CODE = /^(ERR_TLS_|CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|ERR_SSL_|HOSTNAME_MISMATCH)/;

interface ErrorLike {
  name?: string;
  message?: string;
  code?: unknown;
  cause?: unknown;
  body?: unknown;
  headers?: unknown;
}

function chain(err: unknown): ErrorLike[] {
  const out: ErrorLike[] = [];
  let cur: unknown = err;
  for (let i = 0; i < 5 && cur && typeof cur === 'object'; i++) {
    out.push(cur as ErrorLike);
    cur = (cur as ErrorLike).cause;
  }
  return out;
}

/**
 * Classifies a thrown error: an aborted deadline, a network failure (Node http or fetch's
 * TypeError('fetch failed' | 'terminated')), a body that is not JSON, or client-node's
 * ApiException (which carries .code, the raw .body and .headers).
 */
export function classifyError(err: unknown, ctx: RequestContext): Classification {
  const label = resourceLabel(ctx);
  const errs = chain(err);
  const top = errs[0] ?? { message: String(err) };

  // client-node ApiException: an HTTP status with the raw body.
  if (typeof top.code === 'number' && top.code >= 100 && top.code < 600) {
    const headers = top.headers && typeof top.headers === 'object' ? (top.headers as Record<string, string>) : undefined;
    return classifyResponse(top.code, typeof top.body === 'string' ? top.body : undefined, headers, ctx);
  }
  if (errs.some((e) => e.name === 'AbortError' || e.name === 'TimeoutError' || e.code === 'ABORT_ERR')) {
    return { outcome: 'error', reason: 'timeout', message: `no answer for ${label} before the deadline` };
  }
  const message = String(top.message ?? '');
  // client-node's ObjectSerializer on a 204 without Content-Type (pods/log of a pod with no node).
  if (/No Content-Type defined/i.test(message)) {
    if (ctx.resource === 'pods/log') return { outcome: 'absent', status: 204, message: 'the pod has no node, so it has no logs' };
    return { outcome: 'error', reason: 'invalid-response', message: `the API server sent no content for ${label}` };
  }
  if (top.name === 'SyntaxError' || err instanceof SyntaxError) {
    return { outcome: 'error', reason: 'invalid-response', message: `the API server sent an invalid response for ${label}: ${clip(message, 120)}` };
  }
  for (const e of errs) {
    const code = typeof e.code === 'string' ? e.code : '';
    if (TLS_CODE.test(code) || /certificate|self[- ]signed|altnames/i.test(String(e.message ?? ''))) {
      return { outcome: 'error', reason: 'unreachable', message: `TLS verification of the API server failed reading ${label}: ${clip(String(e.message ?? code), 160)}` };
    }
  }
  for (const e of errs) {
    const code = typeof e.code === 'string' ? e.code : '';
    const msg = String(e.message ?? '');
    if (NETWORK_CODES.has(code) || /socket hang up|aborted|other side closed|terminated|fetch failed/i.test(msg)) {
      const detail = code === 'ECONNREFUSED' ? 'connection refused'
        : code === 'ENOTFOUND' || code === 'EAI_AGAIN' ? 'host not found'
        : code === 'ECONNRESET' || /socket hang up|aborted|terminated|other side closed/i.test(msg) ? 'connection reset'
        : clip(msg || code, 120);
      // Keep looking down the chain for the most specific cause (fetch failed → ECONNREFUSED).
      const deeper = errs.slice(errs.indexOf(e) + 1).find((c) => typeof c.code === 'string' && NETWORK_CODES.has(c.code));
      const finalDetail = deeper && deeper !== e ? (deeper.code === 'ECONNREFUSED' ? 'connection refused' : deeper.code === 'ENOTFOUND' ? 'host not found' : String(deeper.code)) : detail;
      return { outcome: 'error', reason: 'unreachable', message: `cannot reach the API server reading ${label}: ${finalDetail}` };
    }
  }
  if (/HTTP protocol is not allowed/i.test(message)) {
    return { outcome: 'error', reason: 'not-configured', message: `the kubeconfig points at a plain http:// server without insecure-skip-tls-verify; kubetriage will not send credentials over it` };
  }
  return { outcome: 'error', reason: 'invalid-response', message: `reading ${label} failed: ${clip(message || String(err), 160)}` };
}
