// Builders for the networking rule tests: Services, EndpointSlices, Endpoints, NetworkPolicies.
import type { KubeObject } from '../../src/core/types.ts';
import { NS, object } from './kube-builders.ts';

export interface ServicePort { name?: string; port: number; targetPort?: number | string; protocol?: string }

export function service(name: string, o: { selector?: Record<string, string> | null; ports?: ServicePort[]; type?: string; externalName?: string; namespace?: string } = {}): KubeObject {
  return object('Service', 'v1', name, {
    spec: {
      type: o.type ?? 'ClusterIP',
      ...(o.type === 'ExternalName' ? { externalName: o.externalName ?? 'db.example.com' } : { clusterIP: '10.96.120.15', clusterIPs: ['10.96.120.15'] }),
      ...(o.selector === null ? {} : { selector: o.selector ?? { app: name } }),
      ports: (o.ports ?? [{ name: 'http', port: 80, targetPort: 8080 }]).map((p) => ({ protocol: 'TCP', ...p })),
    },
  }, o.namespace ?? NS);
}

export interface SliceEndpoint { ip: string; pod?: string; ready?: boolean; serving?: boolean; terminating?: boolean; node?: string }

/** A discovery.k8s.io/v1 EndpointSlice as the EndpointSlice controller writes it (endpoints: null when empty). */
export function endpointSlice(service: string, endpoints: SliceEndpoint[], o: { name?: string; ports?: Array<{ name?: string; port?: number }> | null; apiVersion?: string; namespace?: string } = {}): KubeObject {
  return object('EndpointSlice', o.apiVersion ?? 'discovery.k8s.io/v1', o.name ?? `${service}-x7k2p`, {
    metadata: {
      labels: { 'kubernetes.io/service-name': service, 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' },
      ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name: service, uid: 'svc-uid', controller: true, blockOwnerDeletion: true }],
    },
    addressType: 'IPv4',
    endpoints: endpoints.length === 0 ? null : endpoints.map((e) => ({
      addresses: [e.ip],
      conditions: { ready: e.ready ?? true, serving: e.serving ?? e.ready ?? true, terminating: e.terminating ?? false },
      ...(e.pod ? { targetRef: { kind: 'Pod', namespace: o.namespace ?? NS, name: e.pod, uid: `${e.pod}-uid` } } : {}),
      nodeName: e.node ?? 'worker-1',
    })),
    ports: o.ports === undefined ? [{ name: 'http', port: 8080, protocol: 'TCP' }] : o.ports === null ? null : o.ports.map((p) => ({ protocol: 'TCP', ...p })),
  }, o.namespace ?? NS);
}

/** A core/v1 Endpoints object; subsets omitted entirely when there is no address at all. */
export function endpoints(service: string, o: { ready?: Array<{ ip: string; pod?: string }>; notReady?: Array<{ ip: string; pod?: string }>; port?: number; namespace?: string } = {}): KubeObject {
  const addr = (a: { ip: string; pod?: string }) => ({ ip: a.ip, nodeName: 'worker-1', ...(a.pod ? { targetRef: { kind: 'Pod', namespace: o.namespace ?? NS, name: a.pod } } : {}) });
  const any = (o.ready ?? []).length + (o.notReady ?? []).length > 0;
  return object('Endpoints', 'v1', service, any
    ? { subsets: [{ ...(o.ready?.length ? { addresses: o.ready.map(addr) } : {}), ...(o.notReady?.length ? { notReadyAddresses: o.notReady.map(addr) } : {}), ports: [{ name: 'http', port: o.port ?? 8080, protocol: 'TCP' }] }] }
    : {}, o.namespace ?? NS);
}

export function networkPolicy(name: string, spec: Record<string, unknown>, namespace = NS): KubeObject {
  return object('NetworkPolicy', 'networking.k8s.io/v1', name, { spec }, namespace);
}

/** Sets status.podIP (and podIPs) on a built pod. */
export function withPodIP<T extends KubeObject>(p: T, ip: string): T {
  const status = (p as { status?: Record<string, unknown> }).status ?? {};
  return { ...p, status: { ...status, podIP: ip, podIPs: [{ ip }] } };
}

export function currentLog(container: string, lines: string[], podName?: string): { container: string; previous: boolean; lines: string[]; pod?: string } {
  return { container, previous: false, lines, ...(podName ? { pod: podName } : {}) };
}
