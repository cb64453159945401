import { ApiException } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import {
  classifyError,
  classifyResponse,
  forbiddenMessage,
  parseForbidden,
  qualifiedResource,
  resourceLabel,
  retryAfterSeconds,
  type Classification,
  type RequestContext,
} from './api-errors.ts';

const status = (code: number, message: string, details: Record<string, unknown> = {}) =>
  JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: 'X', details, code });

const getPod: RequestContext = { verb: 'get', group: '', resource: 'pods', namespace: 'shop', name: 'cart-1' };
const getDeploy: RequestContext = { verb: 'get', group: 'apps', resource: 'deployments', namespace: 'shop', name: 'cart' };
const listEvents: RequestContext = { verb: 'list', group: 'events.k8s.io', resource: 'events', namespace: 'shop', selector: 'regarding.name=cart-1' };
const listNodes: RequestContext = { verb: 'list', group: '', resource: 'nodes' };
const podLog: RequestContext = { verb: 'get', group: '', resource: 'pods/log', namespace: 'shop', name: 'cart-1', container: 'app', previous: true, node: 'node-7' };

type Row = [string, number, string | undefined, Record<string, string>, RequestContext, Partial<Classification> & { outcome: Classification['outcome'] }];

const TABLE: Row[] = [
  ['401 (no body, as client-node reports it)', 401, undefined, {}, getPod,
    { outcome: 'error', reason: 'unauthorized', status: 401, message: "the API server rejected kubetriage's credentials (401 Unauthorized): check the kubeconfig user or the service account token" }],
  ['403 RBAC on pods/log', 403, status(403, 'pods "cart-1" is forbidden: User "system:serviceaccount:kubetriage:kubetriage" cannot get resource "pods/log" in API group "" in the namespace "shop"'), {}, podLog,
    { outcome: 'error', reason: 'forbidden', status: 403, message: 'cannot get pods/log in namespace shop: grant get on pods/log' }],
  ['403 RBAC with an API group', 403, status(403, 'deployments.apps "cart" is forbidden: User "u" cannot get resource "deployments" in API group "apps" in the namespace "shop"'), {}, getDeploy,
    { outcome: 'error', reason: 'forbidden', message: 'cannot get deployments.apps in namespace shop: grant get on deployments.apps' }],
  ['403 RBAC at the cluster scope', 403, status(403, 'nodes is forbidden: User "u" cannot list resource "nodes" in API group "" at the cluster scope'), {}, listNodes,
    { outcome: 'error', reason: 'forbidden', message: 'cannot list nodes at the cluster scope: grant list on nodes in a ClusterRole' }],
  ['403 from a webhook authorizer with its own words', 403, status(403, 'denied by policy engine'), {}, listEvents,
    { outcome: 'error', reason: 'forbidden', message: 'cannot list events.events.k8s.io in namespace shop: grant list on events.events.k8s.io (API server said: denied by policy engine)' }],
  ['404 on the object: absent (the caller decides gone vs silent)', 404, status(404, 'pods "cart-1" not found', { name: 'cart-1', kind: 'pods' }), {}, getPod,
    { outcome: 'absent', status: 404 }],
  ['404 on a group the cluster does not serve', 404, status(404, 'the server could not find the requested resource'), {}, listEvents,
    { outcome: 'error', reason: 'not-found', message: 'the API server does not serve events.events.k8s.io: events.events.k8s.io in shop (regarding.name=cart-1) cannot be read' }],
  ['404 page that is not a Status', 404, '404 page not found', {}, getDeploy,
    { outcome: 'error', reason: 'not-found' }],
  ['409', 409, status(409, 'Operation cannot be fulfilled'), {}, getPod,
    { outcome: 'error', reason: 'conflict', status: 409, message: 'conflict reading pods shop/cart-1: Operation cannot be fulfilled' }],
  ['429 with Retry-After', 429, status(429, 'Too many requests, please try again later.'), { 'retry-after': '3' }, getPod,
    { outcome: 'error', reason: 'rate-limited', status: 429, retryAfterSeconds: 3, message: 'the API server is rate-limiting kubetriage (429 Too Many Requests, Retry-After 3s) reading pods shop/cart-1' }],
  ['500', 500, status(500, 'Internal error occurred: etcdserver: leader changed'), {}, getPod,
    { outcome: 'error', reason: 'server-error', status: 500, message: 'the API server failed reading pods shop/cart-1 (HTTP 500): Internal error occurred: etcdserver: leader changed' }],
  ['503 with an HTML body from a proxy', 503, '<html><body>Service Unavailable</body></html>', {}, getPod,
    { outcome: 'error', reason: 'server-error', status: 503 }],
  ['pods/log 204: the pod has no node', 204, undefined, {}, podLog,
    { outcome: 'absent', status: 204 }],
  ['pods/log 400: no previous instance', 400, status(400, 'previous terminated container "app" in pod "cart-1" not found'), {}, podLog,
    { outcome: 'absent', status: 400 }],
  ['pods/log 400: waiting to start', 400, status(400, 'container "app" in pod "cart-1" is waiting to start: ContainerCreating'), {}, podLog,
    { outcome: 'absent', status: 400 }],
  ['pods/log 404 naming the node: the Node object is gone', 404, status(404, 'pods "node-7" not found'), {}, podLog,
    { outcome: 'error', reason: 'not-found', status: 404, message: 'cannot read logs of pod shop/cart-1: its node node-7 no longer exists' }],
  ['pods/log 404 naming the pod: the pod is gone', 404, status(404, 'pods "cart-1" not found'), {}, podLog,
    { outcome: 'absent', status: 404 }],
  ['pods/log 500 kubelet dial error', 500, status(500, 'Get "https://10.0.0.7:10250/containerLogs/shop/cart-1/app?previous=true": dial tcp 10.0.0.7:10250: connect: connection refused'), {}, podLog,
    { outcome: 'error', reason: 'unreachable', status: 500, message: 'cannot read logs: kubelet on node node-7 unreachable (Get "https://10.0.0.7:10250/containerLogs/shop/cart-1/app?previous=true": dial tcp 10.0.0.7:10250: connect: connection refused)' }],
  ['pods/log 400 some other bad request', 400, status(400, 'couldn\'t parse query parameter tailLines'), {}, podLog,
    { outcome: 'error', reason: 'invalid-response', status: 400 }],
];

describe('classifyResponse', () => {
  for (const [name, code, body, headers, ctx, expected] of TABLE) {
    it(name, () => {
      expect(classifyResponse(code, body, headers, ctx)).toMatchObject(expected);
    });
  }
});

const netError = (code: string, message = code) => Object.assign(new Error(message), { code });

const ERRORS: Array<[string, unknown, RequestContext, Partial<Classification> & { outcome: Classification['outcome'] }]> = [
  ['AbortSignal.timeout', new DOMException('The operation was aborted due to timeout', 'TimeoutError'), getPod,
    { outcome: 'error', reason: 'timeout', message: 'no answer for pods shop/cart-1 before the deadline' }],
  ['AbortError from node:http', Object.assign(new Error('The operation was aborted'), { name: 'AbortError', code: 'ABORT_ERR' }), getPod,
    { outcome: 'error', reason: 'timeout' }],
  ['fetch refused: TypeError("fetch failed") caused by ECONNREFUSED', Object.assign(new TypeError('fetch failed'), { cause: netError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:6443') }), getPod,
    { outcome: 'error', reason: 'unreachable', message: 'cannot reach the API server reading pods shop/cart-1: connection refused' }],
  ['fetch reset mid-body: TypeError("terminated")', new TypeError('terminated'), getPod,
    { outcome: 'error', reason: 'unreachable', message: 'cannot reach the API server reading pods shop/cart-1: connection reset' }],
  ['node:http socket hang up', netError('ECONNRESET', 'socket hang up'), getPod,
    { outcome: 'error', reason: 'unreachable', message: 'cannot reach the API server reading pods shop/cart-1: connection reset' }],
  ['DNS failure', netError('ENOTFOUND', 'getaddrinfo ENOTFOUND api.example'), getPod,
    { outcome: 'error', reason: 'unreachable', message: 'cannot reach the API server reading pods shop/cart-1: host not found' }],
  ['TLS: unknown CA', netError('UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'unable to verify the first certificate'), getPod,
    { outcome: 'error', reason: 'unreachable', message: 'TLS verification of the API server failed reading pods shop/cart-1: unable to verify the first certificate' }],
  ['truncated JSON', (() => { try { JSON.parse('{"kind":"Pod","meta'); } catch (e) { return e; } })(), getPod,
    { outcome: 'error', reason: 'invalid-response' }],
  ['client-node on a 204 without Content-Type (pods/log): no logs, not an error', new Error('Cannot parse content. No Content-Type defined.'), podLog,
    { outcome: 'absent', status: 204 }],
  ['client-node ApiException 403 with the raw Status body', new ApiException(403, 'forbidden', status(403, 'pods "cart-1" is forbidden: User "u" cannot get resource "pods" in API group "" in the namespace "shop"'), {}), getPod,
    { outcome: 'error', reason: 'forbidden', message: 'cannot get pods in namespace shop: grant get on pods' }],
  ['client-node ApiException 429 with Retry-After header', new ApiException(429, 'too many', status(429, 'slow down'), { 'retry-after': '2' }), getPod,
    { outcome: 'error', reason: 'rate-limited', retryAfterSeconds: 2 }],
  ['client-node ApiException 401 (body undefined)', new ApiException(401, 'Unauthorized', undefined as unknown as string, {}), getPod,
    { outcome: 'error', reason: 'unauthorized' }],
  ['client-node refusing plain http', new Error('HTTP protocol is not allowed when skipTLSVerify is not set or false'), getPod,
    { outcome: 'error', reason: 'not-configured' }],
  ['anything else', 'a string was thrown', getPod,
    { outcome: 'error', reason: 'invalid-response', message: 'reading pods shop/cart-1 failed: a string was thrown' }],
];

describe('classifyError', () => {
  for (const [name, err, ctx, expected] of ERRORS) {
    it(name, () => {
      expect(classifyError(err, ctx)).toMatchObject(expected);
    });
  }
});

describe('helpers', () => {
  it('parseForbidden reads the RBAC authorizer message', () => {
    expect(parseForbidden('pods "x" is forbidden: User "u" cannot get resource "pods/log" in API group "" in the namespace "shop"'))
      .toEqual({ user: 'u', verb: 'get', resource: 'pods/log', group: '', namespace: 'shop' });
    expect(parseForbidden('something else')).toBeUndefined();
    expect(forbiddenMessage({ verb: 'get', resource: 'replicasets/scale', group: 'apps', namespace: 'shop' }))
      .toBe('cannot get replicasets.apps/scale in namespace shop: grant get on replicasets.apps/scale');
  });

  it('names resources readably', () => {
    expect(qualifiedResource('pods/log', '')).toBe('pods/log');
    expect(resourceLabel(podLog)).toBe('pods/log shop/cart-1 (container app, previous)');
    expect(resourceLabel(listNodes)).toBe('nodes cluster-wide');
    expect(resourceLabel(getDeploy)).toBe('deployments.apps shop/cart');
  });

  it('retryAfterSeconds: seconds, HTTP date, Status details, absent', () => {
    expect(retryAfterSeconds({ 'Retry-After': '7' })).toBe(7);
    expect(retryAfterSeconds({ 'retry-after': new Date(10_000 + 5000).toUTCString() }, undefined, 10_000)).toBe(5);
    expect(retryAfterSeconds({}, { details: { retryAfterSeconds: 4 } })).toBe(4);
    expect(retryAfterSeconds(new Headers({ 'retry-after': '2' }))).toBe(2);
    expect(retryAfterSeconds({})).toBeUndefined();
  });
});
