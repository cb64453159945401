import { describe, expect, it } from 'vitest';
import { classifyRejection, controllers, parseQuantity } from './controllers.ts';
import { ruleCases } from '../../../test/support/rule-cases.ts';
import { bundle, event, eventV1, pod, previousLog } from '../../../test/support/kube-builders.ts';
import { daemonSet, deployment, job, replicaSet, resourceQuota, statefulSet } from '../../../test/support/kube-builders-controllers.ts';
import { currentLog } from '../../../test/support/kube-builders-networking.ts';
import { diagnose } from '../diagnose.ts';

const T = '2026-11-21T09:20:00Z';
const depTarget = (name = 'cart') => ({ target: { kind: 'Deployment', namespace: 'shop', name } });
const stuckDeployment = (conditions = true) => deployment('cart', {
  status: { replicas: 4, updatedReplicas: 1, readyReplicas: 3, availableReplicas: 3, unavailableReplicas: 1 },
  ...(conditions ? { conditions: [
    { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' },
    { type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'ReplicaSet "cart-5c9b7d8f4" has timed out progressing.', lastTransitionTime: T },
  ] } : { conditions: [
    { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' },
    { type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', message: 'ReplicaSet "cart-5c9b7d8f4" is progressing.' },
  ] }),
});
const newPod = (state: Record<string, unknown>, restartCount = 5, lastState?: Record<string, unknown>) => pod({
  name: 'cart-5c9b7d8f4-h7j8k', labels: { app: 'cart', 'pod-template-hash': '5c9b7d8f4' }, owner: { kind: 'ReplicaSet', name: 'cart-5c9b7d8f4' },
  containers: [{ name: 'app', restartCount, state, ...(lastState ? { lastState } : {}) }],
});
const failedCreate = (kind: string, name: string, message: string, o: { count?: number; component?: string } = {}) =>
  event({ kind, name, reason: 'FailedCreate', message, count: o.count ?? 14, component: o.component ?? (kind === 'ReplicaSet' ? 'replicaset-controller' : kind === 'Job' ? 'job-controller' : kind === 'StatefulSet' ? 'statefulset-controller' : 'daemonset-controller'), first: '2026-11-21T09:01:00Z', last: T });
const unavailable = { status: { replicas: 0, updatedReplicas: 0, readyReplicas: 0, availableReplicas: 0, unavailableReplicas: 3 }, conditions: [
  { type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable', message: 'Deployment does not have minimum availability.' },
  { type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', message: 'ReplicaSet "cart-7d9f8b6c5d" is progressing.' },
] };
const failedJobPod = (name: string, exitCode: number) => pod({ name, labels: { 'batch.kubernetes.io/job-name': 'migrate', 'job-name': 'migrate' }, owner: { kind: 'Job', name: 'migrate' }, phase: 'Failed',
  containers: [{ name: 'main', ready: false, state: { terminated: { reason: 'Error', exitCode, startedAt: '2026-11-21T09:05:00Z', finishedAt: '2026-11-21T09:05:03Z' } } }] });

ruleCases(controllers, [
  // ----- rollout.stuck
  {
    name: 'Progressing=False ProgressDeadlineExceeded while the new ReplicaSet\'s pod crash-loops',
    bundle: bundle([
      stuckDeployment(),
      replicaSet('cart-7d9f8b6c5d', 'cart', { revision: 3, replicas: 3 }),
      replicaSet('cart-5c9b7d8f4', 'cart', { revision: 4, replicas: 1, ready: 0 }),
      pod({ name: 'cart-7d9f8b6c5d-x2x9k' }),
      newPod({ waiting: { reason: 'CrashLoopBackOff', message: 'back-off 5m0s restarting failed container=app' } }, 5, { terminated: { reason: 'Error', exitCode: 1 } }),
    ], depTarget()),
    fires: 'rollout.stuck', silent: ['rollout.failed-create'],
    summaryIncludes: ['Rollout of deployment shop/cart is stuck', 'ReplicaSet "cart-5c9b7d8f4" has timed out progressing', '1/3 replicas updated', 'cart-5c9b7d8f4-h7j8k container app CrashLoopBackOff', 'pods\' own diagnosis'],
  },
  {
    name: 'no deadline yet, but fewer updated replicas than desired and the new pods fail to pull',
    bundle: bundle([
      stuckDeployment(false),
      replicaSet('cart-7d9f8b6c5d', 'cart', { revision: 3, replicas: 3 }),
      replicaSet('cart-5c9b7d8f4', 'cart', { revision: 4, replicas: 1, ready: 0 }),
      newPod({ waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "registry.example.com/cart:1.1.0"' } }, 0),
    ], depTarget()),
    fires: 'rollout.stuck', primary: false, summaryIncludes: ['ImagePullBackOff'],
  },
  {
    name: 'a StatefulSet whose update revision\'s pod keeps crashing',
    bundle: bundle([
      statefulSet('web', { status: { updatedReplicas: 1, readyReplicas: 2, currentRevision: 'web-6c5f7b9d8', updateRevision: 'web-7f8e9d0c1' } }),
      pod({ name: 'web-2', labels: { app: 'web', 'controller-revision-hash': 'web-7f8e9d0c1' }, owner: { kind: 'StatefulSet', name: 'web' },
        containers: [{ name: 'app', restartCount: 4, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { reason: 'Error', exitCode: 2 } } }] }),
    ], { target: { kind: 'StatefulSet', namespace: 'shop', name: 'web' } }),
    fires: 'rollout.stuck', primary: false, summaryIncludes: ['statefulset shop/web', 'web-2'],
  },
  // ----- rollout.failed-create
  {
    name: 'ReplicaSet FailedCreate: the ServiceAccount does not exist',
    bundle: bundle([
      deployment('cart', unavailable),
      replicaSet('cart-7d9f8b6c5d', 'cart', { revision: 1, replicas: 3, ready: 0 }),
      failedCreate('ReplicaSet', 'cart-7d9f8b6c5d', 'Error creating: pods "cart-7d9f8b6c5d-" is forbidden: error looking up service account shop/cart: serviceaccount "cart" not found'),
    ], depTarget()),
    fires: 'rollout.failed-create', silent: ['quota.exceeded', 'admission.denied', 'rollout.stuck'],
    summaryIncludes: ['Deployment shop/cart cannot create pods', 'serviceaccount "cart" not found', 'replicaset shop/cart-7d9f8b6c5d', '14 times'],
  },
  {
    name: 'StatefulSet FailedCreate: invalid pod spec',
    bundle: bundle([
      statefulSet('web', { status: { replicas: 0, readyReplicas: 0, currentReplicas: 0, updatedReplicas: 0 } }),
      failedCreate('StatefulSet', 'web', 'create Pod web-0 in StatefulSet web failed error: Pod "web-0" is invalid: spec.containers[0].resources.requests: Invalid value: "2": must be less than or equal to cpu limit of 1'),
    ], { target: { kind: 'StatefulSet', namespace: 'shop', name: 'web' } }),
    fires: 'rollout.failed-create', summaryIncludes: ['must be less than or equal to cpu limit'],
  },
  {
    name: 'only a ReplicaFailure condition on the Deployment (the ReplicaSet is not in the evidence)',
    bundle: bundle([deployment('cart', { ...unavailable, conditions: [
      ...unavailable.conditions,
      { type: 'ReplicaFailure', status: 'True', reason: 'FailedCreate', message: 'pods "cart-7d9f8b6c5d-" is forbidden: error looking up service account shop/cart: serviceaccount "cart" not found' },
    ] })], depTarget()),
    fires: 'rollout.failed-create',
  },
  // ----- quota.exceeded
  {
    name: 'exceeded quota on limits.memory, events on a ReplicaSet that is not in the evidence',
    bundle: bundle([
      deployment('cart', unavailable),
      failedCreate('ReplicaSet', 'cart-7d9f8b6c5d', 'Error creating: pods "cart-7d9f8b6c5d-8xk2p" is forbidden: exceeded quota: compute-resources, requested: limits.memory=512Mi, used: limits.memory=3840Mi, limited: limits.memory=4Gi'),
    ], depTarget()),
    fires: 'quota.exceeded', silent: ['rollout.failed-create', 'admission.denied'],
    summaryIncludes: ['ResourceQuota compute-resources is exhausted for limits.memory (requested 512Mi, used 3840Mi, limited 4Gi)'],
  },
  {
    name: 'a Job whose pods lack limits: failed quota ... must specify',
    bundle: bundle([
      job('migrate', { status: { active: 0 } }),
      failedCreate('Job', 'migrate', 'Error creating: pods "migrate-x8f2k" is forbidden: failed quota: compute-resources: must specify limits.cpu,limits.memory'),
    ], { target: { kind: 'Job', namespace: 'shop', name: 'migrate' } }),
    fires: 'quota.exceeded', summaryIncludes: ['requires limits.cpu, limits.memory to be set'],
  },
  {
    name: 'the newer "must specify ... for: <container>" wording, as an events.k8s.io/v1 event',
    bundle: bundle([
      deployment('cart', unavailable),
      replicaSet('cart-7d9f8b6c5d', 'cart', { replicas: 3, ready: 0 }),
      eventV1({ kind: 'ReplicaSet', name: 'cart-7d9f8b6c5d', reason: 'FailedCreate', component: 'replicaset-controller', seriesCount: 9,
        message: 'Error creating: pods "cart-7d9f8b6c5d-2bq7w" is forbidden: failed quota: compute-resources: must specify limits.cpu for: app,istio-proxy; limits.memory for: app' }),
    ], depTarget()),
    fires: 'quota.exceeded', summaryIncludes: ['limits.cpu, limits.memory'],
  },
  {
    name: 'a StatefulSet whose volume claim is over the storage quota',
    bundle: bundle([
      statefulSet('web', { status: { replicas: 0, readyReplicas: 0, currentReplicas: 0, updatedReplicas: 0 } }),
      failedCreate('StatefulSet', 'web', 'create Claim data-web-0 for Pod web-0 in StatefulSet web failed error: persistentvolumeclaims "data-web-0" is forbidden: exceeded quota: storage, requested: requests.storage=10Gi, used: requests.storage=95Gi, limited: requests.storage=100Gi'),
    ], { target: { kind: 'StatefulSet', namespace: 'shop', name: 'web' } }),
    fires: 'quota.exceeded', summaryIncludes: ['ResourceQuota storage', 'requests.storage'],
  },
  {
    name: 'a ResourceQuota target whose used reaches hard, with the rejections it causes',
    bundle: bundle([
      resourceQuota('compute-resources', { 'limits.memory': '4Gi', 'limits.cpu': '8', pods: '20' }, { 'limits.memory': '4096Mi', 'limits.cpu': '3500m', pods: '12' }),
      failedCreate('ReplicaSet', 'cart-7d9f8b6c5d', 'Error creating: pods "cart-7d9f8b6c5d-8xk2p" is forbidden: exceeded quota: compute-resources, requested: limits.memory=512Mi, used: limits.memory=4Gi, limited: limits.memory=4Gi'),
    ], { target: { kind: 'ResourceQuota', namespace: 'shop', name: 'compute-resources' } }),
    fires: 'quota.exceeded', summaryIncludes: ['ResourceQuota shop/compute-resources is fully used', 'limits.memory used 4096Mi of 4Gi'],
  },
  // ----- admission.denied
  {
    name: 'Gatekeeper denies the pods (events.k8s.io/v1 event)',
    bundle: bundle([
      deployment('cart', unavailable),
      replicaSet('cart-7d9f8b6c5d', 'cart', { replicas: 3, ready: 0 }),
      eventV1({ kind: 'ReplicaSet', name: 'cart-7d9f8b6c5d', reason: 'FailedCreate', component: 'replicaset-controller', seriesCount: 12,
        message: 'Error creating: admission webhook "validation.gatekeeper.sh" denied the request: [psp-privileged-container] Privileged container is not allowed: app, securityContext: {"privileged": true}' }),
    ], depTarget()),
    fires: 'admission.denied', silent: ['rollout.failed-create'], summaryIncludes: ['admission webhook "validation.gatekeeper.sh" denied the request', 'Privileged container'],
  },
  {
    name: 'Kyverno denies with a multi-line message',
    bundle: bundle([
      deployment('cart', unavailable),
      failedCreate('ReplicaSet', 'cart-7d9f8b6c5d', 'Error creating: admission webhook "validate.kyverno.svc-fail" denied the request: \n\nresource Pod/shop/cart-7d9f8b6c5d-abcde was blocked due to the following policies\n\nrequire-requests-limits:\n  validate-resources: \'validation error: CPU and memory resource requests and limits are required. rule validate-resources failed at path /spec/containers/0/resources/limits/\''),
    ], depTarget()),
    fires: 'admission.denied', summaryIncludes: ['validate.kyverno.svc-fail', 'require-requests-limits'],
  },
  {
    name: 'Pod Security admission: violates PodSecurity "restricted:latest" (DaemonSet)',
    bundle: bundle([
      daemonSet('node-agent', { status: { desiredNumberScheduled: 3, currentNumberScheduled: 0, numberReady: 0, numberAvailable: 0, updatedNumberScheduled: 0, numberUnavailable: 3 } }),
      failedCreate('DaemonSet', 'node-agent', 'Error creating: pods "node-agent-7xkq2" is forbidden: violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false (container "agent" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "agent" must set securityContext.capabilities.drop=["ALL"]), runAsNonRoot != true (pod or container "agent" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container "agent" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")'),
    ], { target: { kind: 'DaemonSet', namespace: 'shop', name: 'node-agent' } }),
    fires: 'admission.denied', summaryIncludes: ['PodSecurity "restricted:latest"', 'allowPrivilegeEscalation'],
  },
  {
    name: 'a webhook that is down: failed calling webhook ... context deadline exceeded',
    bundle: bundle([
      deployment('cart', unavailable),
      failedCreate('ReplicaSet', 'cart-7d9f8b6c5d', 'Error creating: Internal error occurred: failed calling webhook "validate.kyverno.svc-fail": failed to call webhook: Post "https://kyverno-svc.kyverno.svc:443/validate/fail?timeout=10s": context deadline exceeded'),
    ], depTarget()),
    fires: 'admission.denied', summaryIncludes: ['"validate.kyverno.svc-fail" cannot be called (context deadline exceeded)', 'down'],
  },
  {
    name: 'an older webhook-down wording: no endpoints available for service',
    bundle: bundle([
      deployment('cart', unavailable),
      failedCreate('ReplicaSet', 'cart-7d9f8b6c5d', 'Error creating: Internal error occurred: failed calling webhook "sidecar-injector.istio.io": Post https://istiod.istio-system.svc:443/inject?timeout=10s: no endpoints available for service "istiod"'),
    ], depTarget()),
    fires: 'admission.denied', summaryIncludes: ['no endpoints available for service "istiod"'],
  },
  {
    name: 'OpenShift: unable to validate against any security context constraint',
    bundle: bundle([
      deployment('cart', unavailable),
      failedCreate('ReplicaSet', 'cart-7d9f8b6c5d', 'Error creating: pods "cart-7d9f8b6c5d-" is forbidden: unable to validate against any security context constraint: [provider "anyuid": Forbidden: not usable by user or serviceaccount, spec.containers[0].securityContext.runAsUser: Invalid value: 0: must be in the ranges: [1000680000, 1000689999]]'),
    ], depTarget()),
    fires: 'admission.denied', summaryIncludes: ['SecurityContextConstraints'],
  },
  {
    name: 'a LimitRange maximum',
    bundle: bundle([
      deployment('cart', unavailable),
      failedCreate('ReplicaSet', 'cart-7d9f8b6c5d', 'Error creating: pods "cart-7d9f8b6c5d-k2j4h" is forbidden: maximum memory usage per Container is 1Gi, but limit is 2Gi'),
    ], depTarget()),
    fires: 'admission.denied', summaryIncludes: ['LimitRange', 'maximum memory usage per Container is 1Gi, but limit is 2Gi'],
  },
  // ----- job.backoff-limit
  {
    name: 'Failed BackoffLimitExceeded with failed pods exiting 1',
    bundle: bundle([
      job('migrate', { backoffLimit: 1, status: { failed: 2, active: 0 }, conditions: [
        { type: 'FailureTarget', status: 'True', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' },
        { type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit', lastTransitionTime: T },
      ] }),
      failedJobPod('migrate-4xk2p', 1),
      failedJobPod('migrate-9qz7m', 1),
      event({ kind: 'Job', name: 'migrate', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit', component: 'job-controller' }),
    ], { target: { kind: 'Job', namespace: 'shop', name: 'migrate' }, logs: [currentLog('main', ['running migration 0042_add_sku', 'ERROR: relation "orders" does not exist'], 'migrate-9qz7m')] }),
    fires: 'job.backoff-limit', silent: ['job.deadline-exceeded'],
    summaryIncludes: ['Job shop/migrate failed', 'backoff limit (1) after 2 failed pods', 'exit with code 1 (Error) ×2', 'relation "orders" does not exist'],
  },
  {
    name: 'only the BackoffLimitExceeded event (events.k8s.io/v1), pods already gone',
    bundle: bundle([
      job('migrate', { status: { failed: 7 } }),
      eventV1({ kind: 'Job', name: 'migrate', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit', component: 'job-controller' }),
    ], { target: { kind: 'Job', namespace: 'shop', name: 'migrate' } }),
    fires: 'job.backoff-limit', summaryIncludes: ['after 7 failed pods'],
  },
  // ----- job.deadline-exceeded
  {
    name: 'Failed DeadlineExceeded',
    bundle: bundle([
      job('nightly-report', { activeDeadlineSeconds: 600, status: { failed: 1, active: 0 }, conditions: [
        { type: 'Failed', status: 'True', reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline', lastTransitionTime: T },
      ] }),
      event({ kind: 'Job', name: 'nightly-report', reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline', component: 'job-controller' }),
    ], { target: { kind: 'Job', namespace: 'shop', name: 'nightly-report' } }),
    fires: 'job.deadline-exceeded', silent: ['job.backoff-limit'], summaryIncludes: ['activeDeadlineSeconds 600'],
  },
  // ----- silent
  { name: 'a Deployment fully rolled out', bundle: bundle([deployment('cart'), replicaSet('cart-7d9f8b6c5d', 'cart'), pod()], depTarget()) },
  { name: 'a healthy Deployment with a stale FailedCreate event from an hour ago', bundle: bundle([
    deployment('cart'), replicaSet('cart-7d9f8b6c5d', 'cart'), pod(),
    failedCreate('ReplicaSet', 'cart-7d9f8b6c5d', 'Error creating: pods "cart-7d9f8b6c5d-8xk2p" is forbidden: exceeded quota: compute-resources, requested: limits.memory=512Mi, used: limits.memory=3840Mi, limited: limits.memory=4Gi', { count: 1 }),
  ], depTarget()) },
  { name: 'a paused Deployment mid-rollout', bundle: bundle([
    deployment('cart', { paused: true, status: { updatedReplicas: 1 }, conditions: [{ type: 'Progressing', status: 'Unknown', reason: 'DeploymentPaused', message: 'Deployment is paused' }] }),
    replicaSet('cart-7d9f8b6c5d', 'cart', { revision: 1 }), replicaSet('cart-5c9b7d8f4', 'cart', { revision: 2, replicas: 1, ready: 0 }),
    newPod({ waiting: { reason: 'CrashLoopBackOff' } }),
  ], depTarget()) },
  { name: 'a rollout in progress whose new pods are just starting', bundle: bundle([
    stuckDeployment(false), replicaSet('cart-7d9f8b6c5d', 'cart', { revision: 3 }), replicaSet('cart-5c9b7d8f4', 'cart', { revision: 4, replicas: 1, ready: 0 }),
    newPod({ waiting: { reason: 'ContainerCreating' } }, 0),
  ], depTarget()) },
  { name: 'FailedCreate events on a Pod target are not the controller\'s', bundle: bundle([pod(),
    failedCreate('ReplicaSet', 'cart-7d9f8b6c5d', 'Error creating: pods "cart-7d9f8b6c5d-" is forbidden: exceeded quota: compute-resources, requested: pods=1, used: pods=10, limited: pods=10')]) },
  { name: 'a FailedCreatePodSandBox kubelet event is not FailedCreate', bundle: bundle([deployment('cart', unavailable),
    event({ name: 'cart-7d9f8b6c5d-x2x9k', reason: 'FailedCreatePodSandBox', message: 'Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox' })], depTarget()) },
  { name: 'a ResourceQuota with headroom', bundle: bundle([resourceQuota('compute-resources', { 'limits.memory': '4Gi', 'requests.cpu': '2' }, { 'limits.memory': '3840Mi', 'requests.cpu': '1500m' })],
    { target: { kind: 'ResourceQuota', namespace: 'shop', name: 'compute-resources' } }) },
  { name: 'a Job that completed', bundle: bundle([job('migrate', { status: { succeeded: 1, completionTime: T }, conditions: [
    { type: 'SuccessCriteriaMet', status: 'True', reason: 'CompletionsReached' }, { type: 'Complete', status: 'True', reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods' }] })],
    { target: { kind: 'Job', namespace: 'shop', name: 'migrate' } }) },
  { name: 'a Job still running with one failed attempt', bundle: bundle([job('migrate', { status: { active: 1, failed: 1 } }), failedJobPod('migrate-4xk2p', 1)],
    { target: { kind: 'Job', namespace: 'shop', name: 'migrate' }, logs: [previousLog('main', ['boom'])] }) },
  { name: 'a Job that failed for another reason (PodFailurePolicy)', bundle: bundle([job('migrate', { status: { failed: 1 }, conditions: [
    { type: 'Failed', status: 'True', reason: 'PodFailurePolicy', message: 'Container main for pod shop/migrate-4xk2p failed with exit code 42 matching FailJob rule at index 0' }] })],
    { target: { kind: 'Job', namespace: 'shop', name: 'migrate' } }) },
]);

describe('rejection messages', () => {
  it('parses a multi-resource quota message', () => {
    const r = classifyRejection('Error creating: pods "cart-x" is forbidden: exceeded quota: compute-resources, requested: limits.cpu=1,limits.memory=512Mi, used: limits.cpu=7500m,limits.memory=3840Mi, limited: limits.cpu=8,limits.memory=4Gi');
    expect(r.id).toBe('quota.exceeded');
    expect(r.vars).toMatchObject({ quota: 'compute-resources', resource: 'limits.cpu,limits.memory' });
    expect(r.cause).toContain('limits.cpu (requested 1, used 7500m, limited 8); limits.memory (requested 512Mi, used 3840Mi, limited 4Gi)');
  });
  it('parses a count quota on Jobs from a CronJob', () => {
    const r = classifyRejection('Error creating job: jobs.batch "report-28903440" is forbidden: exceeded quota: object-counts, requested: count/jobs.batch=1, used: count/jobs.batch=10, limited: count/jobs.batch=10');
    expect(r.vars['resource']).toBe('count/jobs.batch');
  });
  it('classifies PodSecurityPolicy and other rejections', () => {
    expect(classifyRejection('Error creating: pods "x-" is forbidden: PodSecurityPolicy: unable to admit pod: [spec.containers[0].securityContext.privileged: Invalid value: true: Privileged containers are not allowed]').id).toBe('admission.denied');
    expect(classifyRejection('Error creating: pods "x-" is forbidden: memory max limit to request ratio per Container is 2, but provided ratio is 4.000000').id).toBe('admission.denied');
    expect(classifyRejection('Error creating: Timeout: request did not complete within requested timeout - context deadline exceeded').id).toBe('rollout.failed-create');
  });
  it('reads resource quantities', () => {
    expect(parseQuantity('4Gi')).toBe(4 * 2 ** 30);
    expect(parseQuantity('4096Mi')).toBe(parseQuantity('4Gi'));
    expect(parseQuantity('3500m')).toBe(3.5);
    expect(parseQuantity('1e3')).toBe(1000);
    expect(parseQuantity('2E')).toBe(2e18);
    expect(parseQuantity('lots')).toBeUndefined();
  });
});

describe('engine precedence', () => {
  it('quota.exceeded outranks the stuck rollout it causes', () => {
    const r = diagnose(bundle([
      deployment('cart', { status: { replicas: 3, updatedReplicas: 0, availableReplicas: 3 }, conditions: [
        { type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'ReplicaSet "cart-5c9b7d8f4" has timed out progressing.' },
        { type: 'ReplicaFailure', status: 'True', reason: 'FailedCreate', message: 'pods "cart-5c9b7d8f4-" is forbidden: exceeded quota: compute-resources, requested: limits.memory=512Mi, used: limits.memory=4Gi, limited: limits.memory=4Gi' }] }),
      replicaSet('cart-7d9f8b6c5d', 'cart', { revision: 1 }), replicaSet('cart-5c9b7d8f4', 'cart', { revision: 2, replicas: 1, ready: 0 }),
    ], depTarget()));
    expect(r.diagnosis.id).toBe('quota.exceeded');
    expect(r.alternatives.map((a) => a.id)).toContain('rollout.stuck');
    expect(r.diagnosis.nextSteps[0]!.command).toBe('kubectl -n shop describe resourcequota compute-resources');
  });
  it('points at the Service behind a webhook that is down', () => {
    const r = diagnose(bundle([
      deployment('cart', unavailable),
      failedCreate('ReplicaSet', 'cart-7d9f8b6c5d', 'Error creating: Internal error occurred: failed calling webhook "sidecar-injector.istio.io": Post https://istiod.istio-system.svc:443/inject?timeout=10s: no endpoints available for service "istiod"'),
    ], depTarget()));
    expect(r.diagnosis.id).toBe('admission.denied');
    expect(r.diagnosis.nextSteps.map((s) => s.command)).toContain('kubectl -n istio-system get endpointslices -l kubernetes.io/service-name=istiod');
  });
});
