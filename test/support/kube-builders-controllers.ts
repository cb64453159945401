// Builders for the controllers rule tests: Deployments, ReplicaSets, StatefulSets, DaemonSets, Jobs, ResourceQuotas.
import type { Condition } from '../../src/core/kube.ts';
import type { KubeObject } from '../../src/core/types.ts';
import { NS, object } from './kube-builders.ts';

const T0 = '2026-11-21T09:00:00Z';

export function deployment(name: string, o: { replicas?: number; status?: Record<string, unknown>; conditions?: Condition[]; paused?: boolean; generation?: number } = {}): KubeObject {
  const replicas = o.replicas ?? 3;
  return object('Deployment', 'apps/v1', name, {
    metadata: { generation: o.generation ?? 2, labels: { app: name } },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image: `registry.example.com/${name}:1.1.0` }] } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      progressDeadlineSeconds: 600,
      ...(o.paused ? { paused: true } : {}),
    },
    status: {
      observedGeneration: o.generation ?? 2,
      replicas, updatedReplicas: replicas, readyReplicas: replicas, availableReplicas: replicas,
      ...o.status,
      conditions: o.conditions ?? [
        { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.', lastUpdateTime: T0, lastTransitionTime: T0 },
        { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable', message: `ReplicaSet "${name}-7d9f8b6c5d" has successfully progressed.`, lastUpdateTime: T0, lastTransitionTime: T0 },
      ],
    },
  });
}

export function replicaSet(name: string, deploymentName: string, o: { revision?: number; replicas?: number; ready?: number; conditions?: Condition[] } = {}): KubeObject {
  const hash = name.slice(deploymentName.length + 1);
  return object('ReplicaSet', 'apps/v1', name, {
    metadata: {
      labels: { app: deploymentName, 'pod-template-hash': hash },
      annotations: { 'deployment.kubernetes.io/revision': String(o.revision ?? 1), 'deployment.kubernetes.io/desired-replicas': '3' },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: deploymentName, uid: `${deploymentName}-uid`, controller: true, blockOwnerDeletion: true }],
    },
    spec: { replicas: o.replicas ?? 3, selector: { matchLabels: { app: deploymentName, 'pod-template-hash': hash } } },
    status: { replicas: o.ready ?? o.replicas ?? 3, readyReplicas: o.ready ?? o.replicas ?? 3, availableReplicas: o.ready ?? o.replicas ?? 3, ...(o.conditions ? { conditions: o.conditions } : {}) },
  });
}

export function statefulSet(name: string, o: { replicas?: number; status?: Record<string, unknown> } = {}): KubeObject {
  return object('StatefulSet', 'apps/v1', name, {
    spec: { replicas: o.replicas ?? 3, serviceName: name, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } } } },
    status: { replicas: o.replicas ?? 3, readyReplicas: o.replicas ?? 3, currentReplicas: o.replicas ?? 3, updatedReplicas: o.replicas ?? 3, currentRevision: `${name}-6c5f7b9d8`, updateRevision: `${name}-6c5f7b9d8`, ...o.status },
  });
}

export function daemonSet(name: string, o: { status?: Record<string, unknown> } = {}): KubeObject {
  return object('DaemonSet', 'apps/v1', name, {
    spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } } } },
    status: { desiredNumberScheduled: 3, currentNumberScheduled: 3, numberReady: 3, numberAvailable: 3, updatedNumberScheduled: 3, numberMisscheduled: 0, ...o.status },
  });
}

export function job(name: string, o: { conditions?: Condition[]; status?: Record<string, unknown>; backoffLimit?: number; activeDeadlineSeconds?: number; owner?: string } = {}): KubeObject {
  return object('Job', 'batch/v1', name, {
    metadata: {
      labels: { 'batch.kubernetes.io/job-name': name, 'job-name': name },
      ...(o.owner ? { ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: o.owner, uid: `${o.owner}-uid`, controller: true }] } : {}),
    },
    spec: {
      backoffLimit: o.backoffLimit ?? 6,
      ...(o.activeDeadlineSeconds !== undefined ? { activeDeadlineSeconds: o.activeDeadlineSeconds } : {}),
      completions: 1, parallelism: 1,
      selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': `${name}-uid` } },
      template: { spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: `registry.example.com/${name}:1.0.0` }] } },
    },
    status: { startTime: T0, ...o.status, ...(o.conditions ? { conditions: o.conditions } : {}) },
  });
}

export function resourceQuota(name: string, hard: Record<string, string>, used: Record<string, string>): KubeObject {
  return object('ResourceQuota', 'v1', name, { spec: { hard }, status: { hard, used } });
}

export { NS };
