import { describe, expect, it } from 'vitest';
import { probeDetail, probes } from './probes.ts';
import { ruleCases } from '../../../test/support/rule-cases.ts';
import { bundle, event, eventV1, object, pod } from '../../../test/support/kube-builders.ts';
import type { KubeObject } from '../types.ts';

const POD = 'cart-7d9f8b6c5d-x2x9k';
const T0 = '2026-11-21T09:00:00Z';
const httpProbe = { httpGet: { path: '/ready', port: 8080 }, periodSeconds: 5, timeoutSeconds: 1, failureThreshold: 3 };

/** Running, not ready, with a readiness probe. */
const notReady = (extra: Record<string, unknown> = {}): KubeObject => pod({
  containers: [{ name: 'app', ready: false, started: true, state: { running: { startedAt: T0 } }, spec: { readinessProbe: httpProbe }, ...extra }],
});

const unhealthy = (message: string, count = 30, container = 'app') =>
  event({ name: POD, reason: 'Unhealthy', message, count, fieldPath: `spec.containers{${container}}`, last: '2026-11-21T09:20:00Z' });

const startupProbe = { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 10, failureThreshold: 30 };
const starting = (o: { restarts?: number; waiting?: boolean; exit?: number } = {}): KubeObject => pod({
  containers: [{
    name: 'app', ready: false, started: false, restartCount: o.restarts ?? 0,
    state: o.waiting ? { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 2m40s restarting failed container=app pod=cart-7d9f8b6c5d-x2x9k_shop(1f0c)' } } : { running: { startedAt: T0 } },
    ...(o.exit !== undefined ? { lastState: { terminated: { reason: 'Error', exitCode: o.exit, startedAt: T0, finishedAt: '2026-11-21T09:05:00Z' } } } : {}),
    spec: { startupProbe, livenessProbe: { httpGet: { path: '/healthz', port: 8080 } } },
  }],
});

ruleCases(probes, [
  // --- readiness
  {
    name: 'HTTP readiness probe answers 503',
    bundle: bundle([notReady(), unhealthy('Readiness probe failed: HTTP probe failed with statuscode: 503', 42)]),
    fires: 'probe.readiness-failing', summaryIncludes: ['running but not ready', '(GET /ready port 8080) fails with HTTP 503', '42 failures'],
  },
  {
    name: 'readiness probe connection refused (the app does not listen on the port)',
    bundle: bundle([notReady(), unhealthy('Readiness probe failed: Get "http://10.244.1.7:8080/ready": dial tcp 10.244.1.7:8080: connect: connection refused')]),
    fires: 'probe.readiness-failing', summaryIncludes: ['connection refused on 10.244.1.7:8080'],
  },
  {
    name: 'readiness probe times out (Client.Timeout), events.k8s.io/v1',
    bundle: bundle([notReady(), eventV1({ name: POD, reason: 'Unhealthy', fieldPath: 'spec.containers{app}', seriesCount: 18,
      message: 'Readiness probe failed: Get "http://10.244.1.7:8080/ready": context deadline exceeded (Client.Timeout exceeded while awaiting headers)' })]),
    fires: 'probe.readiness-failing', summaryIncludes: ['timeout after 1s'],
  },
  {
    name: 'TCP readiness probe refused',
    bundle: bundle([pod({ containers: [{ name: 'db', ready: false, started: true, state: { running: { startedAt: T0 } }, spec: { readinessProbe: { tcpSocket: { port: 5432 } } } }] }),
      unhealthy('Readiness probe failed: dial tcp 10.244.2.9:5432: connect: connection refused', 12, 'db')]),
    fires: 'probe.readiness-failing', summaryIncludes: ['connection refused'],
  },
  {
    name: 'exec readiness probe with its output',
    bundle: bundle([notReady({ spec: { readinessProbe: { exec: { command: ['pg_isready', '-U', 'postgres'] } } } }),
      unhealthy('Readiness probe failed: /var/run/postgresql:5432 - no response')]),
    fires: 'probe.readiness-failing', summaryIncludes: ['no response'],
  },
  {
    name: 'no events left, but KubePodNotReady fired for a pod with a readiness probe',
    bundle: bundle([notReady()], { alert: { labels: { alertname: 'KubePodNotReady', namespace: 'shop', pod: POD }, annotations: {} } }),
    fires: 'probe.readiness-failing',
  },
  {
    name: 'a sidecar not ready while the app container is fine',
    bundle: bundle([pod({ containers: [{ name: 'app' }, { name: 'envoy', ready: false, started: true, state: { running: { startedAt: T0 } }, spec: { readinessProbe: { httpGet: { path: '/ready', port: 15021 } } } }] }),
      unhealthy('Readiness probe failed: HTTP probe failed with statuscode: 503', 40, 'envoy')]),
    fires: 'probe.readiness-failing', summaryIncludes: ['Container envoy'],
  },
  {
    name: 'Service target whose only endpoint fails readiness: the probe, not the Service, is the cause',
    bundle: bundle([notReady(), unhealthy('Readiness probe failed: HTTP probe failed with statuscode: 503', 42),
      object('Service', 'v1', 'cart', { spec: { selector: { app: 'cart' }, ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }], clusterIP: '10.96.14.2', type: 'ClusterIP' } }),
      object('EndpointSlice', 'discovery.k8s.io/v1', 'cart-x7k2p', { metadata: { labels: { 'kubernetes.io/service-name': 'cart' } }, addressType: 'IPv4',
        endpoints: [{ addresses: ['10.244.1.7'], conditions: { ready: false, serving: false, terminating: false }, targetRef: { kind: 'Pod', namespace: 'shop', name: POD } }],
        ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] })],
    { target: { kind: 'Service', namespace: 'shop', name: 'cart' } }),
    fires: 'probe.readiness-failing',
  },
  // --- startup
  {
    name: 'startup probe keeps failing and the kubelet restarts the container',
    bundle: bundle([starting({ restarts: 4, waiting: true, exit: 137 }),
      unhealthy('Startup probe failed: Get "http://10.244.1.7:8080/healthz": dial tcp 10.244.1.7:8080: connect: connection refused', 120),
      event({ name: POD, reason: 'Killing', type: 'Normal', fieldPath: 'spec.containers{app}', count: 4, message: 'Container app failed startup probe, will be restarted' })]),
    fires: 'probe.startup-failing', silent: ['probe.readiness-failing'], summaryIncludes: ['never passes its startup probe within 300s', 'connection refused', '4 restarts'],
  },
  {
    name: 'startup probe HTTP 500 while still within the first attempt',
    bundle: bundle([starting(), unhealthy('Startup probe failed: HTTP probe failed with statuscode: 500', 25)]),
    fires: 'probe.startup-failing', summaryIncludes: ['HTTP 500'],
  },
  {
    name: 'SIGTERM exit 143 after a startup kill (CRI-O reports 143)',
    bundle: bundle([starting({ restarts: 2, waiting: true, exit: 143 }),
      event({ name: POD, reason: 'Killing', type: 'Normal', fieldPath: 'spec.containers{app}', count: 2, message: 'Container app failed startup probe, will be restarted' })]),
    fires: 'probe.startup-failing',
  },
  {
    name: 'the process exits 1 by itself while the startup probe fails: the crash comes first',
    bundle: bundle([starting({ restarts: 3, waiting: true, exit: 1 }),
      unhealthy('Startup probe failed: Get "http://10.244.1.7:8080/healthz": dial tcp 10.244.1.7:8080: connect: connection refused', 6)]),
    fires: 'probe.startup-failing', primary: false, summaryIncludes: ['exits with code 1'],
  },
  // --- silent
  { name: 'a running, ready pod', bundle: bundle([pod()]) },
  { name: 'a ready pod with old readiness failures from its start-up', bundle: bundle([pod({ containers: [{ name: 'app', spec: { readinessProbe: httpProbe } }] }), unhealthy('Readiness probe failed: HTTP probe failed with statuscode: 503', 3)]) },
  { name: 'not ready without probe events or an alert', bundle: bundle([notReady()]) },
  {
    name: 'a readiness error only because the container was stopping',
    bundle: bundle([notReady(), unhealthy('Readiness probe errored: rpc error: code = NotFound desc = failed to exec in container: container is in CONTAINER_EXITED state: container not running', 1)]),
  },
  {
    name: 'liveness failures are crashloop.liveness-probe, not a probe finding',
    bundle: bundle([pod({ containers: [{ name: 'app', restartCount: 4, state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off' } }, lastState: { terminated: { reason: 'Error', exitCode: 137 } } }] }),
      unhealthy('Liveness probe failed: HTTP probe failed with statuscode: 500', 12),
      event({ name: POD, reason: 'Killing', type: 'Normal', fieldPath: 'spec.containers{app}', count: 4, message: 'Container app failed liveness probe, will be restarted' })]),
  },
  { name: 'a started container with old startup failures', bundle: bundle([pod({ containers: [{ name: 'app', started: true }] }), unhealthy('Startup probe failed: HTTP probe failed with statuscode: 503', 4)]) },
  {
    name: 'readiness failures of another container do not make this one fail',
    bundle: bundle([pod({ containers: [{ name: 'app' }, { name: 'envoy' }] }), unhealthy('Readiness probe failed: HTTP probe failed with statuscode: 503', 4, 'envoy')]),
  },
]);

describe('probe failure detail', () => {
  it.each([
    ['HTTP probe failed with statuscode: 503', 'HTTP 503'],
    ['Get "http://10.0.0.1:8080/ready": dial tcp 10.0.0.1:8080: connect: connection refused', 'connection refused on 10.0.0.1:8080'],
    ['Get "http://10.0.0.1:8080/ready": context deadline exceeded (Client.Timeout exceeded while awaiting headers)', 'timeout'],
    ['timeout: failed to connect service "10.0.0.1:9090" within 1s', 'timeout'],
    ['service unhealthy (responded with "NOT_SERVING")', '"service unhealthy (responded with "NOT_SERVING")"'],
    ['', 'no output'],
  ])('%s → %s', (output, detail) => {
    expect(probeDetail(output, undefined)).toBe(detail);
  });
});
