import { describe, expect, it } from 'vitest';
import type { KubeObject, Target } from '../core/types.ts';
import {
  PLANNABLE_KINDS,
  eventSpecs,
  failureSignature,
  fetchPath,
  getSpec,
  groupContext,
  guessPodOwners,
  itemsFor,
  listSpec,
  maxRounds,
  planRound,
  podLogPlan,
  RESOURCES,
  selectorString,
  targetProblem,
  targetSpec,
  type FetchResult,
  type FetchSpec,
} from './planner.ts';
import { narrowed } from './fetch-results.ts';

const NS = 'shop';
const POD = 'cart-7d9f8b6c5d-x2x9k';

type Results = Map<string, FetchResult>;
const results = (...entries: Array<[FetchSpec, FetchResult]>): Results => new Map(entries.map(([s, r]) => [s.key, r]));
const obj = (object: KubeObject): FetchResult => ({ state: 'object', object });
const list = (items: KubeObject[]): FetchResult => ({ state: 'list', items, more: false });
const short = (s: FetchSpec) => `${s.kind} ${fetchPath(s)} [${s.role}${s.anyOf ? ' anyOf' : ''}]`;

/** Runs the planner like the reader does, answering each fetch from `answer`. */
function run(target: Target, answer: (s: FetchSpec) => FetchResult): FetchSpec[][] {
  const res: Results = new Map();
  const rounds: FetchSpec[][] = [];
  for (let r = 1; r <= maxRounds(target.kind); r++) {
    const specs = planRound(target, r, res);
    if (specs.length === 0) break;
    rounds.push(specs);
    for (const s of specs) res.set(s.key, answer(s));
  }
  return rounds;
}

function pod(name: string, extra: Partial<{ labels: Record<string, string>; owner: { kind: string; name: string }; node: string; statuses: unknown[]; volumes: unknown[] }> = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: NS,
      labels: extra.labels ?? { app: 'cart', 'pod-template-hash': '7d9f8b6c5d' },
      ownerReferences: [{ ...(extra.owner ?? { kind: 'ReplicaSet', name: 'cart-7d9f8b6c5d' }), controller: true }],
    },
    spec: { ...(extra.node ? { nodeName: extra.node } : {}), containers: [{ name: 'app' }], volumes: extra.volumes ?? [] },
    status: { containerStatuses: extra.statuses ?? [] },
  };
}

const crashing = { name: 'app', restartCount: 4, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { reason: 'Error', exitCode: 1 } } };

describe('planner: Pod target', () => {
  const target: Target = { kind: 'Pod', namespace: NS, name: POD };

  it('round 1 comes from the target alone: the pod, its events in both API groups, guessed owners, the Services', () => {
    expect(planRound(target, 1, new Map()).map(short)).toEqual([
      `get /api/v1/namespaces/shop/pods/${POD} [target]`,
      `list /api/v1/namespaces/shop/events?fieldSelector=involvedObject.name%3D${POD}%2CinvolvedObject.kind%3DPod&limit=200 [required anyOf]`,
      `list /apis/events.k8s.io/v1/namespaces/shop/events?fieldSelector=regarding.name%3D${POD}%2Cregarding.kind%3DPod&limit=200 [required anyOf]`,
      'get /apis/apps/v1/namespaces/shop/replicasets/cart-7d9f8b6c5d [optional]',
      'get /apis/apps/v1/namespaces/shop/deployments/cart [optional]',
      'list /api/v1/namespaces/shop/services?limit=200 [required]',
    ]);
  });

  it('round 2 comes from round 1: logs, node, claims + StorageClasses, EndpointSlices of selecting Services, owner events, quota on a hint', () => {
    const p = pod(POD, {
      node: 'node-1',
      statuses: [crashing, { name: 'sidecar', restartCount: 0, state: { running: {} } }],
      volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'cart-data' } }, { name: 'cfg', configMap: { name: 'cart' } }, { name: 'tmp', ephemeral: {} }],
    });
    const rs: KubeObject = {
      apiVersion: 'apps/v1', kind: 'ReplicaSet',
      metadata: { name: 'cart-7d9f8b6c5d', namespace: NS, ownerReferences: [{ kind: 'Deployment', name: 'cart', controller: true }] },
      status: { conditions: [{ type: 'ReplicaFailure', status: 'True', reason: 'FailedCreate', message: 'pods "cart-7d9f8b6c5d-abcde" is forbidden: exceeded quota: compute' }] },
    };
    const r1 = planRound(target, 1, new Map());
    const res = results(
      [r1[0]!, obj(p)],
      [r1[1]!, list([])],
      [r1[2]!, list([])],
      [r1[3]!, obj(rs)],
      [r1[4]!, obj({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'cart', namespace: NS } })],
      [r1[5]!, list([
        { kind: 'Service', metadata: { name: 'cart' }, spec: { selector: { app: 'cart' } } },
        { kind: 'Service', metadata: { name: 'other' }, spec: { selector: { app: 'other' } } },
        { kind: 'Service', metadata: { name: 'headless-external' }, spec: {} },
      ])],
    );
    expect(planRound(target, 2, res).map(short)).toEqual([
      `log /api/v1/namespaces/shop/pods/${POD}/log?container=app&previous=true [required anyOf]`,
      'get /api/v1/nodes/node-1 [required]',
      'list /api/v1/namespaces/shop/events?fieldSelector=involvedObject.name%3Dcart%2CinvolvedObject.kind%3DDeployment&limit=200 [required]',
      'get /api/v1/namespaces/shop/persistentvolumeclaims/cart-data [required]',
      `get /api/v1/namespaces/shop/persistentvolumeclaims/${POD}-tmp [required]`,
      'list /apis/storage.k8s.io/v1/storageclasses?limit=100 [required]',
      'list /apis/discovery.k8s.io/v1/namespaces/shop/endpointslices?labelSelector=kubernetes.io%2Fservice-name%3Dcart&limit=100 [optional]',
      'list /api/v1/namespaces/shop/resourcequotas?limit=100 [required]',
    ]);
    expect(planRound(target, 3, res)).toEqual([]);
    // A pod read alone takes 2 rounds; the third exists only for a batched pod its list lacked.
    expect(maxRounds('Pod')).toBe(3);
  });

  it('a missing pod plans no round 2 (its events and guesses were already read in round 1)', () => {
    const r1 = planRound(target, 1, new Map());
    const res = results(...r1.map((s): [FetchSpec, FetchResult] => [s, s.role === 'target' ? { state: 'absent', status: 404 } : list([])]));
    expect(planRound(target, 2, res)).toEqual([]);
  });

  it('owners the name did not reveal come from ownerReferences in round 2 (Deployment via pod-template-hash)', () => {
    const t: Target = { kind: 'Pod', namespace: NS, name: 'web-abc' };
    expect(guessPodOwners('web-abc')).toEqual([]);
    const p = pod('web-abc', { labels: { app: 'web', 'pod-template-hash': '5f7b9' }, owner: { kind: 'ReplicaSet', name: 'web-5f7b9' } });
    const rounds = run(t, (s) => (s.role === 'target' ? obj(p) : list([])));
    expect(rounds).toHaveLength(2);
    expect(rounds[1]!.map(short)).toEqual([
      'get /apis/apps/v1/namespaces/shop/replicasets/web-5f7b9 [optional]',
      'get /apis/apps/v1/namespaces/shop/deployments/web [optional]',
      'list /api/v1/namespaces/shop/events?fieldSelector=involvedObject.name%3Dweb%2CinvolvedObject.kind%3DDeployment&limit=200 [required]',
    ]);
  });

  it('a Job pod: the Job from ownerReferences and its CronJob guessed from the Job name', () => {
    const t: Target = { kind: 'Pod', namespace: NS, name: 'backup-28391234-q7w2z' };
    const p = pod(t.name, {
      labels: { 'job-name': 'backup-28391234' }, owner: { kind: 'Job', name: 'backup-28391234' },
      statuses: [{ name: 'app', restartCount: 0, state: { terminated: { reason: 'Error', exitCode: 2 } } }],
    });
    const rounds = run(t, (s) => (s.role === 'target' ? obj(p) : list([])));
    expect(rounds[1]!.map(short)).toEqual([
      'log /api/v1/namespaces/shop/pods/backup-28391234-q7w2z/log?container=app [required anyOf]',
      'get /apis/batch/v1/namespaces/shop/jobs/backup-28391234 [optional]',
      'list /api/v1/namespaces/shop/events?fieldSelector=involvedObject.name%3Dbackup-28391234%2CinvolvedObject.kind%3DJob&limit=200 [required]',
      'get /apis/batch/v1/namespaces/shop/cronjobs/backup [optional]',
    ]);
  });

  it('guesses owners from pod names', () => {
    expect(guessPodOwners('cart-7d9f8b6c5d-x2x9k')).toEqual([{ kind: 'ReplicaSet', name: 'cart-7d9f8b6c5d' }, { kind: 'Deployment', name: 'cart' }]);
    expect(guessPodOwners('my-app-v2-6c9f4d8b7-zp4xq')).toEqual([{ kind: 'ReplicaSet', name: 'my-app-v2-6c9f4d8b7' }, { kind: 'Deployment', name: 'my-app-v2' }]);
    expect(guessPodOwners('postgres-0')).toEqual([{ kind: 'StatefulSet', name: 'postgres' }]);
    expect(guessPodOwners('web-12')).toEqual([{ kind: 'StatefulSet', name: 'web' }]);
    expect(guessPodOwners('standalone')).toEqual([]);
    expect(guessPodOwners('node-exporter-abcde')).toEqual([]); // 'a', 'e' are not in the suffix alphabet
  });

  it('log plan: previous for restarted containers, current for failed ones without a previous instance, the alert container first', () => {
    const p = pod('x', {
      statuses: [
        { name: 'ok', restartCount: 0, state: { running: {} } },
        { name: 'crashy', restartCount: 3, state: { waiting: { reason: 'CrashLoopBackOff' } } },
        { name: 'failed', restartCount: 0, state: { terminated: { exitCode: 1 } } },
        { name: 'fresh', restartCount: 0, state: { waiting: { reason: 'CrashLoopBackOff' } } },
      ],
    });
    expect(podLogPlan(p)).toEqual([
      { container: 'crashy', previous: true },
      { container: 'failed', previous: false },
      { container: 'fresh', previous: false },
    ]);
    expect(podLogPlan(p, 'ok')[0]).toEqual({ container: 'ok', previous: false });
    expect(podLogPlan(p, 'failed')[0]).toEqual({ container: 'failed', previous: false });
    expect(failureSignature(p)).toBe('crashy|CrashLoopBackOff||');
    expect(failureSignature(pod('y', { statuses: [{ name: 'a', restartCount: 0, state: { running: {} } }] }))).toBeUndefined();
  });
});

describe('planner: workloads take 3 rounds', () => {
  const deployment: KubeObject = {
    apiVersion: 'apps/v1', kind: 'Deployment',
    metadata: { name: 'cart', namespace: NS },
    spec: { replicas: 5, selector: { matchLabels: { app: 'cart' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['fe', 'be'] }] } },
    status: { conditions: [{ type: 'ReplicaFailure', status: 'True', reason: 'FailedCreate', message: 'exceeded quota: pods' }] },
  };
  const pods = [
    pod('cart-1', { statuses: [crashing], node: 'n1' }),
    pod('cart-2', { statuses: [{ ...crashing, restartCount: 9 }], node: 'n1' }),
    pod('cart-3', { statuses: [{ name: 'app', restartCount: 1, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { reason: 'OOMKilled', exitCode: 137 } } }] }),
    pod('cart-4', { statuses: [{ name: 'app', restartCount: 0, state: { waiting: { reason: 'ImagePullBackOff' } } }] }),
    pod('cart-5', { statuses: [{ name: 'app', restartCount: 0, state: { running: {} } }] }),
    pod('cart-6', { statuses: [{ name: 'app', restartCount: 2, state: { running: {} }, lastState: { terminated: { reason: 'Completed', exitCode: 0 } } }] }),
    pod('cart-7', { statuses: [{ name: 'app', restartCount: 1, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { reason: 'Error', exitCode: 3 } } }] }),
  ];

  it('Deployment: object + events + namespace Warnings; then pods/ReplicaSets by selector (+ quota); then one log per distinct failure, at most 3', () => {
    const t: Target = { kind: 'Deployment', namespace: NS, name: 'cart' };
    const rounds = run(t, (s) => (s.role === 'target' ? obj(deployment) : s.resource === 'pods' && s.kind === 'list' ? list(pods) : list([])));
    expect(rounds.map((r) => r.map(short))).toEqual([
      [
        'get /apis/apps/v1/namespaces/shop/deployments/cart [target]',
        'list /api/v1/namespaces/shop/events?fieldSelector=involvedObject.name%3Dcart%2CinvolvedObject.kind%3DDeployment&limit=200 [required anyOf]',
        'list /apis/events.k8s.io/v1/namespaces/shop/events?fieldSelector=regarding.name%3Dcart%2Cregarding.kind%3DDeployment&limit=200 [required anyOf]',
        'list /api/v1/namespaces/shop/events?fieldSelector=type%3DWarning&limit=500 [required]',
      ],
      [
        'list /api/v1/namespaces/shop/pods?labelSelector=app%3Dcart%2Ctier+in+%28be%2Cfe%29&limit=200 [required]',
        'list /apis/apps/v1/namespaces/shop/replicasets?labelSelector=app%3Dcart%2Ctier+in+%28be%2Cfe%29&limit=100 [required]',
        'list /api/v1/namespaces/shop/resourcequotas?limit=100 [required]',
      ],
      [
        // Most restarts first; cart-1 repeats cart-2's failure; cart-6 (exit 0) and cart-7 differ but the cap is 3.
        'log /api/v1/namespaces/shop/pods/cart-2/log?container=app&previous=true [required]',
        'log /api/v1/namespaces/shop/pods/cart-6/log?container=app&previous=true [required]',
        'log /api/v1/namespaces/shop/pods/cart-3/log?container=app&previous=true [required]',
      ],
    ]);
    expect(rounds[2]![0]!.log).toEqual({ container: 'app', previous: true, node: 'n1' });
  });

  it('StatefulSet: claims of the first ordinals from volumeClaimTemplates and the StorageClasses in round 2', () => {
    const sts: KubeObject = { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'pg', namespace: NS }, spec: { replicas: 5, selector: { matchLabels: { app: 'pg' } }, volumeClaimTemplates: [{ metadata: { name: 'data' } }] } };
    const rounds = run({ kind: 'StatefulSet', namespace: NS, name: 'pg' }, (s) => (s.role === 'target' ? obj(sts) : list([])));
    expect(rounds).toHaveLength(2); // no failing pods: no round 3
    expect(rounds[1]!.map(short)).toEqual([
      'list /api/v1/namespaces/shop/pods?labelSelector=app%3Dpg&limit=200 [required]',
      'get /api/v1/namespaces/shop/persistentvolumeclaims/data-pg-0 [optional]',
      'get /api/v1/namespaces/shop/persistentvolumeclaims/data-pg-1 [optional]',
      'get /api/v1/namespaces/shop/persistentvolumeclaims/data-pg-2 [optional]',
      'list /apis/storage.k8s.io/v1/storageclasses?limit=100 [required]',
    ]);
  });

  it('CronJob: the namespace Jobs in round 1, pods of its newest Job in round 2', () => {
    const jobs: KubeObject[] = [
      { kind: 'Job', metadata: { name: 'backup-1', creationTimestamp: '2024-05-01T00:00:00Z', ownerReferences: [{ kind: 'CronJob', name: 'backup' }] }, spec: { selector: { matchLabels: { 'controller-uid': 'u1' } } } },
      { kind: 'Job', metadata: { name: 'backup-2', creationTimestamp: '2024-05-02T00:00:00Z', ownerReferences: [{ kind: 'CronJob', name: 'backup' }] }, spec: { selector: { matchLabels: { 'controller-uid': 'u2' } } } },
      { kind: 'Job', metadata: { name: 'other', creationTimestamp: '2024-05-03T00:00:00Z' }, spec: { selector: { matchLabels: { 'controller-uid': 'u3' } } } },
    ];
    const rounds = run({ kind: 'CronJob', namespace: NS, name: 'backup' }, (s) =>
      s.role === 'target' ? obj({ kind: 'CronJob', metadata: { name: 'backup', namespace: NS } }) : s.resource === 'jobs' ? list(jobs) : list([]));
    expect(rounds[0]!.map(short)).toContain('list /apis/batch/v1/namespaces/shop/jobs?limit=100 [required]');
    expect(rounds[1]!.map(short)).toEqual(['list /api/v1/namespaces/shop/pods?labelSelector=controller-uid%3Du2&limit=200 [required]']);
  });

  it('a workload that is gone plans nothing after round 1', () => {
    const rounds = run({ kind: 'DaemonSet', namespace: NS, name: 'agent' }, (s) => (s.role === 'target' ? { state: 'absent', status: 404 } : list([])));
    expect(rounds).toHaveLength(1);
  });
});

describe('planner: other targets', () => {
  it('Service: service, events, EndpointSlices + Endpoints (anyOf) in round 1; pods by its selector in round 2', () => {
    const svc: KubeObject = { kind: 'Service', metadata: { name: 'cart', namespace: NS }, spec: { selector: { app: 'cart', tier: 'fe' } } };
    const rounds = run({ kind: 'Service', namespace: NS, name: 'cart' }, (s) => (s.role === 'target' ? obj(svc) : list([])));
    expect(rounds.map((r) => r.map(short))).toEqual([
      [
        'get /api/v1/namespaces/shop/services/cart [target]',
        'list /api/v1/namespaces/shop/events?fieldSelector=involvedObject.name%3Dcart%2CinvolvedObject.kind%3DService&limit=200 [required anyOf]',
        'list /apis/events.k8s.io/v1/namespaces/shop/events?fieldSelector=regarding.name%3Dcart%2Cregarding.kind%3DService&limit=200 [required anyOf]',
        'list /apis/discovery.k8s.io/v1/namespaces/shop/endpointslices?labelSelector=kubernetes.io%2Fservice-name%3Dcart&limit=100 [required anyOf]',
        'get /api/v1/namespaces/shop/endpoints/cart [optional anyOf]',
      ],
      ['list /api/v1/namespaces/shop/pods?labelSelector=app%3Dcart%2Ctier%3Dfe&limit=200 [required]'],
    ]);
  });

  it('Service on a server without discovery.k8s.io/v1 (<= 1.20): round 2 reads EndpointSlices through v1beta1, in the same anyOf', () => {
    const svc: KubeObject = { kind: 'Service', metadata: { name: 'cart', namespace: NS }, spec: { selector: { app: 'cart' } } };
    const v1Answer = (answer: FetchResult) => run({ kind: 'Service', namespace: NS, name: 'cart' }, (s) =>
      s.role === 'target' ? obj(svc) : s.resource === 'endpointslices' && s.version === 'v1' ? answer : list([]));

    const notServed = v1Answer({ state: 'failed', reason: 'not-found', status: 404, message: 'the API server does not serve endpointslices.discovery.k8s.io' });
    expect(notServed[1]!.map(short)).toEqual([
      'list /api/v1/namespaces/shop/pods?labelSelector=app%3Dcart&limit=200 [required]',
      'list /apis/discovery.k8s.io/v1beta1/namespaces/shop/endpointslices?labelSelector=kubernetes.io%2Fservice-name%3Dcart&limit=100 [required anyOf]',
    ]);
    // One alternative group: the v1beta1 answer stands in for the v1 list and the Endpoints get.
    const alternatives = notServed.flat().filter((s) => s.resource === 'endpointslices' || s.resource === 'endpoints');
    expect(alternatives).toHaveLength(3);
    expect(new Set(alternatives.map((s) => s.anyOf)).size).toBe(1);

    // Forbidden is not "not served": v1beta1 would be forbidden too.
    const forbidden = v1Answer({ state: 'failed', reason: 'forbidden', status: 403, message: 'cannot list endpointslices.discovery.k8s.io in namespace shop: grant list on endpointslices.discovery.k8s.io' });
    expect(forbidden[1]!.map(short)).toEqual(['list /api/v1/namespaces/shop/pods?labelSelector=app%3Dcart&limit=200 [required]']);
  });

  it('Node: one round; events across namespaces and pods field-selected to the node', () => {
    const rounds = run({ kind: 'Node', name: 'n1' }, (s) => (s.role === 'target' ? obj({ kind: 'Node', metadata: { name: 'n1' } }) : list([])));
    expect(rounds.map((r) => r.map(short))).toEqual([[
      'get /api/v1/nodes/n1 [target]',
      'list /api/v1/events?fieldSelector=involvedObject.name%3Dn1%2CinvolvedObject.kind%3DNode&limit=200 [required anyOf]',
      'list /apis/events.k8s.io/v1/events?fieldSelector=regarding.name%3Dn1%2Cregarding.kind%3DNode&limit=200 [required anyOf]',
      'list /api/v1/pods?fieldSelector=spec.nodeName%3Dn1&limit=200 [required]',
    ]]);
  });

  it('PersistentVolumeClaim: StorageClasses and the namespace pods (bounded) in round 1; the volume and users\' events in round 2', () => {
    const pvc: KubeObject = { kind: 'PersistentVolumeClaim', metadata: { name: 'data', namespace: NS }, spec: { volumeName: 'pv-1' } };
    const users = [
      pod('b', { volumes: [{ persistentVolumeClaim: { claimName: 'data' } }] }),
      pod('a', { volumes: [{ persistentVolumeClaim: { claimName: 'data' } }] }),
      pod('c', { volumes: [{ persistentVolumeClaim: { claimName: 'other' } }] }),
    ];
    const rounds = run({ kind: 'PersistentVolumeClaim', namespace: NS, name: 'data' }, (s) =>
      s.role === 'target' ? obj(pvc) : s.resource === 'pods' ? list(users) : list([]));
    expect(rounds[0]!.map(short).slice(3)).toEqual([
      'list /apis/storage.k8s.io/v1/storageclasses?limit=100 [required]',
      'list /api/v1/namespaces/shop/pods?limit=200 [required]',
    ]);
    expect(rounds[1]!.map(short)).toEqual([
      'get /api/v1/persistentvolumes/pv-1 [required]',
      'list /api/v1/namespaces/shop/events?fieldSelector=involvedObject.name%3Da%2CinvolvedObject.kind%3DPod&limit=200 [required]',
      'list /api/v1/namespaces/shop/events?fieldSelector=involvedObject.name%3Db%2CinvolvedObject.kind%3DPod&limit=200 [required]',
    ]);
  });

  it('PersistentVolume, ResourceQuota, HPA, PDB: the object and its events, then the obvious related object', () => {
    const pv = run({ kind: 'PersistentVolume', name: 'pv-1' }, (s) => (s.role === 'target' ? obj({ kind: 'PersistentVolume', metadata: { name: 'pv-1' }, spec: { claimRef: { namespace: NS, name: 'data' } } }) : list([])));
    expect(pv[1]!.map(short)).toEqual(['get /api/v1/namespaces/shop/persistentvolumeclaims/data [optional]']);

    const rq = run({ kind: 'ResourceQuota', namespace: NS, name: 'compute' }, () => list([]));
    expect(rq).toHaveLength(1);
    expect(rq[0]!.map(short)).toContain('list /api/v1/namespaces/shop/events?fieldSelector=type%3DWarning&limit=500 [required]');

    const hpa = run({ kind: 'HorizontalPodAutoscaler', namespace: NS, name: 'cart' }, (s) =>
      s.role === 'target' ? obj({ kind: 'HorizontalPodAutoscaler', metadata: { name: 'cart' }, spec: { scaleTargetRef: { kind: 'Deployment', name: 'cart' } } }) : list([]));
    expect(hpa[0]![0]!.key).toBe('get /apis/autoscaling/v2/namespaces/shop/horizontalpodautoscalers/cart');
    expect(hpa[1]!.map(short)).toEqual(['get /apis/apps/v1/namespaces/shop/deployments/cart [required]']);

    const pdb = run({ kind: 'PodDisruptionBudget', namespace: NS, name: 'cart' }, (s) =>
      s.role === 'target' ? obj({ kind: 'PodDisruptionBudget', metadata: { name: 'cart' }, spec: { selector: { matchLabels: { app: 'cart' } } } }) : list([]));
    expect(pdb[1]!.map(short)).toEqual(['list /api/v1/namespaces/shop/pods?labelSelector=app%3Dcart&limit=200 [required]']);
  });

  it('targets it cannot read', () => {
    expect(targetProblem({ kind: 'Ingress', namespace: NS, name: 'x' })).toMatch(/cannot read Ingress/);
    expect(targetProblem({ kind: 'Pod', name: 'x' })).toMatch(/needs a namespace/);
    expect(targetProblem({ kind: 'Node', name: 'n' })).toBeUndefined();
    expect(planRound({ kind: 'Secret', namespace: NS, name: 'x' }, 1, new Map())).toEqual([]);
  });
});

describe('planner: scope invariants for every target kind', () => {
  // Answers every fetch with a rich world so every branch plans as much as it can.
  const world = (s: FetchSpec): FetchResult => {
    if (s.kind === 'log') return { state: 'log', lines: [], truncated: false };
    if (s.kind === 'list') {
      if (s.resource === 'pods') return list([pod('p-1', { statuses: [crashing], node: 'n1', volumes: [{ persistentVolumeClaim: { claimName: 'data' } }] })]);
      if (s.resource === 'services') return list([{ kind: 'Service', metadata: { name: 'cart' }, spec: { selector: { app: 'cart' } } }]);
      if (s.resource === 'jobs') return list([{ kind: 'Job', metadata: { name: 'j-1', ownerReferences: [{ kind: 'CronJob', name: 'x' }] }, spec: { selector: { matchLabels: { a: 'b' } } } }]);
      return list([{ kind: 'Event', reason: 'FailedCreate', message: 'exceeded quota; maximum cpu usage per Container', involvedObject: { name: 'x-1' } }]);
    }
    return obj({
      kind: s.objectKind,
      metadata: { name: s.name, namespace: NS, labels: { app: 'cart' }, ownerReferences: [{ kind: 'ReplicaSet', name: 'x-5f7b9', controller: true }] },
      spec: {
        selector: { matchLabels: { app: 'cart' } }, nodeName: 'n1', volumeName: 'pv', claimRef: { namespace: NS, name: 'data' },
        scaleTargetRef: { kind: 'Deployment', name: 'x' }, volumeClaimTemplates: [{ metadata: { name: 'd' } }], replicas: 2,
        volumes: [{ persistentVolumeClaim: { claimName: 'data' } }],
      },
      status: { containerStatuses: [crashing], conditions: [{ type: 'ReplicaFailure', reason: 'FailedCreate', message: 'exceeded quota' }] },
    });
  };

  for (const kind of PLANNABLE_KINDS) {
    it(`${kind}`, () => {
      const target: Target = kind === 'Node' || kind === 'PersistentVolume' ? { kind, name: 'x' } : { kind, namespace: NS, name: 'x-7d9f8b6c5d-x2x9k' };
      const rounds = run(target, world);
      expect(rounds.length).toBeGreaterThanOrEqual(1);
      expect(rounds.length).toBeLessThanOrEqual(maxRounds(kind));
      const all = rounds.flat();
      expect(all.filter((s) => s.role === 'target')).toEqual([targetSpec(target)]);
      expect(new Set(all.map((s) => s.key)).size).toBe(all.length);
      for (const s of all) {
        expect(s.resource).not.toMatch(/^(secrets|configmaps)$/);
        if (s.kind === 'list') {
          expect(s.limit).toBeGreaterThan(0);
          if (s.resource === 'pods' && s.namespace === undefined) {
            expect(kind).toBe('Node');
            expect(s.fieldSelector).toBe('spec.nodeName=x');
          }
          if (s.resource === 'pods' && !s.labelSelector && !s.fieldSelector) expect(kind).toBe('PersistentVolumeClaim');
        }
      }
      if (kind === 'Pod') expect(rounds.length).toBeLessThanOrEqual(2);
    });
  }
});

describe('planner: building blocks', () => {
  it('selectorString: matchLabels and matchExpressions, sorted; empty selects nothing', () => {
    expect(selectorString({ matchLabels: { b: '2', a: '1' } })).toBe('a=1,b=2');
    expect(selectorString({ matchExpressions: [
      { key: 'z', operator: 'Exists' }, { key: 'y', operator: 'DoesNotExist' }, { key: 'x', operator: 'NotIn', values: ['b', 'a'] }, { key: 'w', operator: 'In', values: ['q'] },
    ] })).toBe('w in (q),x notin (a,b),!y,z');
    expect(selectorString({ app: 'web' })).toBe('app=web');
    expect(selectorString({})).toBeUndefined();
    expect(selectorString({ matchLabels: {} })).toBeUndefined();
    expect(selectorString({ matchExpressions: [{ key: 'a', operator: 'Bogus' }] })).toBeUndefined();
    expect(selectorString(undefined)).toBeUndefined();
  });

  it('keys identify requests: equal fetches from different alerts share a key regardless of role or reason', () => {
    const a = getSpec(RESOURCES.deployments, NS, 'cart', 'optional', 'guessed');
    const b = getSpec(RESOURCES.deployments, NS, 'cart', 'target', 'the alert');
    expect(a.key).toBe(b.key);
    expect(listSpec(RESOURCES.nodes, NS, 'required', '').namespace).toBeUndefined();
    const [core, v1] = eventSpecs('Pod', NS, 'p', 'both');
    expect(core!.anyOf).toBe(v1!.anyOf);
    expect(eventSpecs('Pod', NS, 'p', 'core')).toHaveLength(1);
  });

  it('fetchPath: core and group paths, cluster scope, logs, extra query', () => {
    expect(fetchPath(getSpec(RESOURCES.nodes, undefined, 'n1', 'required', ''))).toBe('/api/v1/nodes/n1');
    expect(fetchPath(getSpec(RESOURCES.statefulSets, NS, 'pg', 'required', ''))).toBe('/apis/apps/v1/namespaces/shop/statefulsets/pg');
    const log = planRound({ kind: 'Pod', namespace: NS, name: 'p' }, 2, results([targetSpec({ kind: 'Pod', namespace: NS, name: 'p' })!, obj(pod('p', { statuses: [crashing] }))]))
      .find((s) => s.kind === 'log')!;
    expect(fetchPath(log, { tailLines: '200' })).toBe('/api/v1/namespaces/shop/pods/p/log?container=app&previous=true&tailLines=200');
  });
});

describe("planner: a group's pods are read together", () => {
  const RS = 'cart-7d9f8b6c5d';
  const A = `${RS}-x2x9k`;
  const B = `${RS}-b4d6f`;
  const C = `${RS}-c5g7h`;
  const OTHER = 'search-6c8b7d5f4-q2w4e';
  // With A, B and C: the 10 pods of one namespace that make the group read its events with one list.
  const EXTRA = ['d', 'f', 'g', 'h', 'j', 'k', 'l'].map((c) => `${RS}-${c}2222`);
  const t = (name: string, container?: string): Target => ({ kind: 'Pod', namespace: NS, name, ...(container ? { container } : {}) });
  const oom = { name: 'app', restartCount: 6, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { reason: 'OOMKilled', exitCode: 137 } } };
  const batchList = (items: KubeObject[], more = false): FetchResult => ({ state: 'list', items, more });
  const podsList = (r1: FetchSpec[]) => r1.find((s) => s.kind === 'list' && s.labelSelector === 'pod-template-hash=7d9f8b6c5d')!;

  /** Round 1 of every target, answered: the batch list with `listed`, everything else empty. */
  function round1(group: ReturnType<typeof groupContext>, targets: Target[], listed: KubeObject[], more = false): Results {
    const res: Results = new Map();
    for (const target of targets) {
      for (const s of planRound(target, 1, res, group)) {
        res.set(s.key, s.labelSelector?.startsWith('pod-template-hash=') ? batchList(listed) : s.kind === 'list' ? { state: 'list', items: [], more: s.resource === 'events' && more } : { state: 'absent', status: 404 });
      }
    }
    return res;
  }

  it('round 1: pods named like one ReplicaSet share one list by pod-template-hash; a lone pod is read by name', () => {
    const lone: Target = { kind: 'Pod', namespace: 'web', name: OTHER };
    const group = groupContext([t(A), t(B), lone]);
    const [ra, rb, ro] = [t(A), t(B), lone].map((x) => planRound(x, 1, new Map(), group));
    expect(podsList(ra!).key).toBe(podsList(rb!).key);
    expect(short(podsList(ra!))).toBe('list /api/v1/namespaces/shop/pods?labelSelector=pod-template-hash%3D7d9f8b6c5d&limit=200 [required anyOf]');
    // The list and, if it fails or lacks the pod, the read by name are alternatives for each pod.
    expect(podsList(ra!).anyOf).toBe(`pod shop/${A}`);
    expect(ra!.some((s) => s.kind === 'get' && s.resource === 'pods')).toBe(false);
    expect(ro!.filter((s) => s.resource === 'pods').map(short)).toEqual([`get /api/v1/namespaces/web/pods/${OTHER} [target]`]);
    // Two pod targets in the namespace: each still reads its own events.
    expect(ra!.filter((s) => s.resource === 'events').map((s) => s.fieldSelector)).toEqual([`involvedObject.name=${A},involvedObject.kind=Pod`, `regarding.name=${A},regarding.kind=Pod`]);
  });

  it('round 1: ten or more pods of a namespace read its events once, in both API groups; fewer read their own', () => {
    const group = groupContext([t(A), t(B), t(OTHER), ...EXTRA.map((n) => t(n)), { kind: 'Pod', namespace: 'web', name: 'api-1' }]);
    const nine = groupContext([t(A), t(B), ...EXTRA.map((n) => t(n))]);
    expect(planRound(t(A), 1, new Map(), nine).filter((s) => s.resource === 'events').map((s) => s.fieldSelector)).toEqual([`involvedObject.name=${A},involvedObject.kind=Pod`, `regarding.name=${A},regarding.kind=Pod`]);
    const events = planRound(t(OTHER), 1, new Map(), group).filter((s) => s.resource === 'events');
    expect(events.map(short)).toEqual([
      'list /api/v1/namespaces/shop/events?limit=500 [required anyOf]',
      'list /apis/events.k8s.io/v1/namespaces/shop/events?limit=500 [required anyOf]',
    ]);
    expect(planRound(t(A), 1, new Map(), group).filter((s) => s.resource === 'events').map((s) => s.key)).toEqual(events.map((s) => s.key));
    // No workload target in the group: the lists keep only its pods' events (and non-Pods').
    expect(events.map((s) => s.podPrefixes)).toEqual([undefined, undefined]);
    // Alone in its namespace: its own pair.
    const web = planRound({ kind: 'Pod', namespace: 'web', name: 'api-1' }, 1, new Map(), group).filter((s) => s.resource === 'events');
    expect(web.map((s) => s.fieldSelector)).toEqual(['involvedObject.name=api-1,involvedObject.kind=Pod', 'regarding.name=api-1,regarding.kind=Pod']);
  });

  it('round 2: pods OOMKilled the same way read one log, the first of them by name; pods failing otherwise read their own', () => {
    const D = `${RS}-d5f7g`;
    const targets = [t(A), t(B), t(C), t(D)];
    const group = groupContext(targets);
    const appError = { ...oom, lastState: { terminated: { reason: 'Error', exitCode: 1 } } };
    const res = round1(group, targets, [pod(A, { node: 'n1', statuses: [oom] }), pod(B, { node: 'n2', statuses: [oom] }), pod(C, { node: 'n1', statuses: [appError] }), pod(D, { node: 'n1', statuses: [appError] })]);
    const logsOf = (name: string, container?: string) => planRound(t(name, container), 2, res, group).filter((s) => s.kind === 'log').map(short);
    const log = (name: string) => `log /api/v1/namespaces/shop/pods/${name}/log?container=app&previous=true [required anyOf]`;
    expect(logsOf(A)).toEqual([log(B)]);
    expect(logsOf(B)).toEqual([log(B)]);
    // The same application error in two pods: the rules that read logs read each pod's own.
    expect(logsOf(C)).toEqual([log(C)]);
    expect(logsOf(D)).toEqual([log(D)]);
    // An alert about another container of the pod reads that pod's own logs.
    expect(logsOf(A, 'sidecar')).toEqual([log(A)]);
    // Each pod still reads its own node.
    expect(planRound(t(B), 2, res, group).filter((s) => s.resource === 'nodes').map((s) => s.name)).toEqual(['n2']);
    expect(planRound(t(A), 3, res, group)).toEqual([]);
  });

  it('a shared log that did not come (failed, or absent: the pod or its previous instance gone since the list) is replaced by the pod\'s own in round 3', () => {
    const targets = [t(A), t(B)];
    const group = groupContext(targets);
    for (const missed of [
      { state: 'failed', reason: 'not-found', status: 404, message: `cannot read logs of pod shop/${B}: its node n9 no longer exists` },
      { state: 'absent', status: 400, message: `previous terminated container "app" in pod "${B}" not found` },
    ] as FetchResult[]) {
      const res = round1(group, targets, [pod(A, { statuses: [oom] }), pod(B, { statuses: [oom] })]);
      const shared = planRound(t(A), 2, res, group).find((s) => s.kind === 'log')!;
      expect(shared.name).toBe(B);
      res.set(shared.key, missed);
      expect(planRound(t(A), 3, res, group).map((s) => s.name)).toEqual([A]);
      res.set(shared.key, { state: 'log', lines: ['ok'], truncated: false });
      expect(planRound(t(A), 3, res, group)).toEqual([]);
    }
  });

  it('a failed batch list: each pod is read by name in round 2, in the same anyOf', () => {
    const targets = [t(A), t(B)];
    const group = groupContext(targets);
    const res = round1(group, targets, []);
    const list = podsList(planRound(t(A), 1, new Map(), group));
    res.set(list.key, { state: 'failed', reason: 'server-error', status: 500, message: 'etcd timeout' });
    const byName = planRound(t(A), 2, res, group).filter((s) => s.resource === 'pods');
    expect(byName.map(short)).toEqual([`get /api/v1/namespaces/shop/pods/${A} [target anyOf]`]);
    expect(byName[0]!.anyOf).toBe(list.anyOf);
  });

  it('namespace event lists that both failed: each pod reads its own events, unless RBAC refused them', () => {
    const targets = [t(A), t(B), t(C), ...EXTRA.map((n) => t(n))];
    const group = groupContext(targets);
    const ownEvents = (reason: 'timeout' | 'forbidden') => {
      const res = round1(group, targets, targets.map((x) => pod(x.name, { statuses: [oom] })));
      for (const s of planRound(t(C), 1, new Map(), group).filter((x) => x.resource === 'events')) res.set(s.key, { state: 'failed', reason, message: reason });
      return planRound(t(C), 2, res, group).filter((s) => s.resource === 'events' && s.fieldSelector?.includes(C)).length;
    };
    expect(ownEvents('timeout')).toBe(2);
    expect(ownEvents('forbidden')).toBe(0);
  });

  it("a CronJob Job's pods are not batched, though their names look like a ReplicaSet's", () => {
    const jobPods = ['backup-29245678-bcdfg', 'backup-29245678-hjklm'].map((n) => t(n));
    const group = groupContext(jobPods);
    expect(planRound(jobPods[0]!, 1, new Map(), group).filter((s) => s.resource === 'pods').map(short)).toEqual(['get /api/v1/namespaces/shop/pods/backup-29245678-bcdfg [target]']);
  });

  it('a pod the list lacks is read by name in round 2 and followed up in round 3', () => {
    const targets = [t(A), t(B)];
    const group = groupContext(targets);
    const res = round1(group, targets, [pod(B, { statuses: [oom] })]);
    const r2 = planRound(t(A), 2, res, group);
    expect(r2.map(short)).toEqual([`get /api/v1/namespaces/shop/pods/${A} [target anyOf]`]);
    res.set(r2[0]!.key, obj(pod(A, { statuses: [oom], labels: { app: 'cart' } })));
    expect(planRound(t(A), 3, res, group).filter((s) => s.kind === 'log').map((s) => s.name)).toEqual([A]);
  });

  it("round 2 in a shared namespace: no owner events of its own (the namespace's hold them), one EndpointSlice list for the namespace", () => {
    const targets = [t(A), t(B), t(C), ...EXTRA.map((n) => t(n))];
    const group = groupContext(targets);
    const res = round1(group, targets, targets.map((x) => pod(x.name, { statuses: [oom] })));
    res.set(listSpec(RESOURCES.services, NS, 'required', '', { limit: 200 }).key, list([
      { kind: 'Service', metadata: { name: 'cart', namespace: NS }, spec: { selector: { app: 'cart' } } },
      { kind: 'Service', metadata: { name: 'search', namespace: NS }, spec: { selector: { app: 'search' } } },
    ]));
    const r2 = planRound(t(A), 2, res, group);
    expect(r2.filter((s) => s.resource === 'events')).toEqual([]);
    expect(r2.filter((s) => s.resource === 'endpointslices').map(short)).toEqual(['list /apis/discovery.k8s.io/v1/namespaces/shop/endpointslices?limit=200 [optional]']);
    // Its evidence keeps the slices of the Services selecting it, and its own and its Deployment's events.
    const slice = (svc: string): KubeObject => ({ kind: 'EndpointSlice', metadata: { name: `${svc}-x`, labels: { 'kubernetes.io/service-name': svc } } });
    expect(itemsFor(t(A), r2.find((s) => s.resource === 'endpointslices')!, [slice('cart'), slice('search')], res, group)).toEqual([slice('cart')]);
    const ev = (kind: string, name: string): KubeObject => ({ kind: 'Event', metadata: { name: `${name}.1` }, involvedObject: { kind, name } });
    const nsEvents = planRound(t(A), 1, new Map(), group).filter((s) => s.resource === 'events');
    expect(itemsFor(t(A), nsEvents[0]!, [ev('Pod', A), ev('Pod', B), ev('Deployment', 'cart'), ev('ReplicaSet', RS), ev('Deployment', 'search')], res, group))
      .toEqual([ev('Pod', A), ev('Deployment', 'cart')]);
  });

  it('namespace pod events cut at the limit: each pod reads its own pair in round 2', () => {
    const targets = [t(A), t(B), t(C), ...EXTRA.map((n) => t(n))];
    const group = groupContext(targets);
    const res = round1(group, targets, targets.map((x) => pod(x.name, { statuses: [oom] })), true);
    const events = planRound(t(C), 2, res, group).filter((s) => s.resource === 'events' && s.fieldSelector?.includes(C));
    expect(events.map((s) => s.fieldSelector)).toEqual([`involvedObject.name=${C},involvedObject.kind=Pod`, `regarding.name=${C},regarding.kind=Pod`]);
  });

  it("a workload of the group in a shared namespace reads its events from the namespace's lists; its own reads only when those were cut, then its quota hints in round 3", () => {
    const pods = [t(A), t(B), t(C), ...EXTRA.map((n) => t(n))];
    const cart: Target = { kind: 'Deployment', namespace: NS, name: 'cart' };
    const group = groupContext([...pods, cart]);
    const nsEvents = planRound(t(A), 1, new Map(), group).filter((s) => s.resource === 'events');
    // The namespace's lists keep the events of pods named after the group's workloads too.
    expect(nsEvents.map((s) => s.podPrefixes)).toEqual([['cart-'], ['cart-']]);
    const r1 = planRound(cart, 1, new Map(), group);
    expect(r1.filter((s) => s.resource === 'events').map((s) => s.key)).toEqual(nsEvents.map((s) => s.key));
    // Alone in its namespace, or with fewer pods: its own pair and the namespace's Warnings.
    expect(planRound(cart, 1, new Map(), groupContext([t(A), cart])).filter((s) => s.resource === 'events').map((s) => s.fieldSelector))
      .toEqual(['involvedObject.name=cart,involvedObject.kind=Deployment', 'regarding.name=cart,regarding.kind=Deployment', 'type=Warning']);

    const deployment: KubeObject = { kind: 'Deployment', metadata: { name: 'cart', namespace: NS }, spec: { selector: { matchLabels: { app: 'cart' } } } };
    const quotaWarning: KubeObject = { kind: 'Event', type: 'Warning', reason: 'FailedCreate', message: 'exceeded quota: compute', involvedObject: { kind: 'ReplicaSet', name: RS } };
    const answered = (cut: boolean): Results => {
      const res: Results = new Map();
      for (const s of r1) res.set(s.key, s.role === 'target' ? obj(deployment) : { state: 'list', items: cut ? [] : [quotaWarning], more: cut });
      return res;
    };
    // Whole: the quota hint in the namespace's events reads the ResourceQuotas in round 2.
    const whole = planRound(cart, 2, answered(false), group);
    expect(whole.filter((s) => s.resource === 'events')).toEqual([]);
    expect(whole.map((s) => s.resource)).toContain('resourcequotas');
    // Cut: its own pair and the Warnings in round 2; the hint found there reads the quotas in round 3.
    const res = answered(true);
    const r2 = planRound(cart, 2, res, group);
    expect(r2.filter((s) => s.resource === 'events').map((s) => s.fieldSelector)).toEqual(['involvedObject.name=cart,involvedObject.kind=Deployment', 'regarding.name=cart,regarding.kind=Deployment', 'type=Warning']);
    expect(r2.map((s) => s.resource)).not.toContain('resourcequotas');
    for (const s of r2) res.set(s.key, s.fieldSelector === 'type=Warning' ? list([quotaWarning]) : list([]));
    expect(planRound(cart, 3, res, group).map((s) => s.resource)).toEqual(['resourcequotas']);
  });

  it("a workload named with 58 characters or more: the lists keep its pods' events by the name's first 58, as the API server cuts generated names", () => {
    const long = `checkout-${'x'.repeat(60)}`;
    const group = groupContext([t(A), t(B), t(C), ...EXTRA.map((n) => t(n)), { kind: 'Deployment', namespace: NS, name: long }]);
    const nsEvents = planRound(t(A), 1, new Map(), group).find((s) => s.resource === 'events')!;
    expect(nsEvents.podPrefixes).toEqual([long.slice(0, 58)]);
    const podOfLong = `${long.slice(0, 58)}q7x2z`; // pod names are at most 63 characters
    const warning: KubeObject = { kind: 'Event', type: 'Warning', metadata: { name: 'w' }, involvedObject: { kind: 'Pod', name: podOfLong } };
    expect(narrowed(nsEvents, { state: 'list', items: [warning], more: false })).toEqual({ state: 'list', items: [warning], more: false });
  });

  it("itemsFor: a workload keeps of the namespace's events its own, its Deployment's (a ReplicaSet), and the Warnings", () => {
    const pods = [t(A), t(B), t(C), ...EXTRA.map((n) => t(n))];
    const rs: Target = { kind: 'ReplicaSet', namespace: NS, name: RS };
    const group = groupContext([...pods, rs]);
    const nsEvents = planRound(rs, 1, new Map(), group).filter((s) => s.resource === 'events');
    const res: Results = new Map([[targetSpec(rs)!.key, obj({ kind: 'ReplicaSet', metadata: { name: RS, namespace: NS, ownerReferences: [{ kind: 'Deployment', name: 'cart', controller: true }] } })]]);
    const ev = (kind: string, name: string, type: string): KubeObject => ({ kind: 'Event', type, metadata: { name: `${name}.${type}` }, involvedObject: { kind, name } });
    const items = [ev('ReplicaSet', RS, 'Normal'), ev('Deployment', 'cart', 'Normal'), ev('Pod', A, 'Warning'), ev('Pod', A, 'Normal'), ev('Deployment', 'search', 'Normal')];
    expect(itemsFor(rs, nsEvents[0]!, items, res, group)).toEqual([ev('ReplicaSet', RS, 'Normal'), ev('Deployment', 'cart', 'Normal'), ev('Pod', A, 'Warning')]);
    // Its Deployment's events come with the namespace's: not read again in round 2.
    for (const s of nsEvents) res.set(s.key, list([]));
    expect(planRound(rs, 2, res, group).filter((s) => s.resource === 'events')).toEqual([]);
    expect(planRound(rs, 2, res, groupContext([rs])).map((s) => s.fieldSelector)).toContain('involvedObject.name=cart,involvedObject.kind=Deployment');
    // The namespace's lists cut: its own pair and Warnings, and its Deployment's events, in round 2.
    for (const s of nsEvents) res.set(s.key, { state: 'list', items: [], more: true });
    expect(planRound(rs, 2, res, group).filter((s) => s.resource === 'events').map((s) => s.fieldSelector)).toEqual([
      `involvedObject.name=${RS},involvedObject.kind=ReplicaSet`, `regarding.name=${RS},regarding.kind=ReplicaSet`, 'type=Warning', 'involvedObject.name=cart,involvedObject.kind=Deployment',
    ]);
  });

  it("itemsFor: a pod's evidence keeps itself and the pod whose log it reads from the batch list, and its own events from the namespace's", () => {
    const targets = [t(A), t(B), t(C), ...EXTRA.map((n) => t(n))];
    const group = groupContext(targets);
    const pods = targets.map((x) => pod(x.name, { statuses: [oom] }));
    const res = round1(group, targets, pods);
    const list = podsList(planRound(t(C), 1, new Map(), group));
    // B is the first of the three by name: every pod reads its log.
    expect(itemsFor(t(C), list, pods, res, group).map((p) => (p.metadata as { name: string }).name)).toEqual([B, C]);
    expect(itemsFor(t(A), list, pods, res, group).map((p) => (p.metadata as { name: string }).name)).toEqual([A, B]);
    expect(itemsFor(t(B), list, pods, res, group).map((p) => (p.metadata as { name: string }).name)).toEqual([B]);
    const ev = (name: string, group_: 'core' | 'v1'): KubeObject => ({ kind: 'Event', metadata: { name: `${name}.1` }, ...(group_ === 'core' ? { involvedObject: { kind: 'Pod', name } } : { regarding: { kind: 'Pod', name } }) });
    const nsEvents = planRound(t(C), 1, new Map(), group).filter((s) => s.resource === 'events');
    expect(itemsFor(t(C), nsEvents[0]!, [ev(A, 'core'), ev(C, 'core')], res, group)).toEqual([ev(C, 'core')]);
    expect(itemsFor(t(C), nsEvents[1]!, [ev(A, 'v1'), ev(C, 'v1')], res, group)).toEqual([ev(C, 'v1')]);
    // Solo, lists stay whole.
    expect(itemsFor(t(C), list, pods, res)).toEqual(pods);
  });
});
