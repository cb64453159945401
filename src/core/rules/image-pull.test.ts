import { describe, expect, it } from 'vitest';
import { classifyPullError, imagePull } from './image-pull.ts';
import { ruleCases } from '../../../test/support/rule-cases.ts';
import { bundle, event, eventV1, object, pod } from '../../../test/support/kube-builders.ts';
import { buildSnapshot } from '../snapshot.ts';
import type { KubeObject } from '../types.ts';

const POD = 'cart-7d9f8b6c5d-x2x9k';

/** A pod whose container waits on an image pull, as the kubelet reports it. */
function pullPod(image: string, reason = 'ImagePullBackOff', message = `Back-off pulling image "${image}"`, init = false): KubeObject {
  const c = { name: init ? 'migrate' : 'app', image, state: { waiting: { reason, message } } };
  return init
    ? pod({ phase: 'Pending', nodeName: 'worker-1', initContainers: [c], containers: [{ name: 'app', state: { waiting: { reason: 'PodInitializing' } } }] })
    : pod({ phase: 'Pending', nodeName: 'worker-1', containers: [c] });
}

/** The kubelet's events for a failing pull: the cause, then the generic ones. */
function pullEvents(image: string, cause: string, container = 'app'): KubeObject[] {
  const fieldPath = `spec.${container === 'app' ? 'containers' : 'initContainers'}{${container}}`;
  return [
    event({ name: POD, reason: 'Pulling', type: 'Normal', message: `Pulling image "${image}"`, count: 4, fieldPath }),
    event({ name: POD, reason: 'Failed', message: `Failed to pull image "${image}": ${cause}`, count: 4, fieldPath, last: '2026-11-21T09:05:00Z' }),
    event({ name: POD, reason: 'Failed', message: 'Error: ErrImagePull', count: 4, fieldPath }),
    event({ name: POD, reason: 'BackOff', type: 'Normal', message: `Back-off pulling image "${image}"`, count: 12, fieldPath }),
    event({ name: POD, reason: 'Failed', message: 'Error: ImagePullBackOff', count: 12, fieldPath }),
  ];
}

const ICR = 'registry.example.com/shop/cart:1.4.2';

ruleCases(imagePull, [
  // --- not found
  {
    name: 'containerd: tag does not exist on Docker Hub (rpc NotFound)',
    bundle: bundle([pullPod('mycompany/payment-api:v99.9.9'), ...pullEvents('mycompany/payment-api:v99.9.9',
      'rpc error: code = NotFound desc = failed to pull and unpack image "docker.io/mycompany/payment-api:v99.9.9": failed to resolve reference "docker.io/mycompany/payment-api:v99.9.9": docker.io/mycompany/payment-api:v99.9.9: not found')]),
    fires: 'image-pull.not-found', silent: ['image-pull.unauthorized'], summaryIncludes: ['mycompany/payment-api:v99.9.9', 'does not exist', 'not found'],
  },
  {
    name: 'CRI-O: manifest unknown on quay.io',
    bundle: bundle([pullPod('quay.io/acme/cart:2.4.0'), ...pullEvents('quay.io/acme/cart:2.4.0',
      'rpc error: code = Unknown desc = reading manifest 2.4.0 in quay.io/acme/cart: manifest unknown: manifest unknown')]),
    fires: 'image-pull.not-found', summaryIncludes: ['manifest unknown'],
  },
  {
    name: 'dockershim: manifest for x not found',
    bundle: bundle([pullPod('nginx:1.99'), ...pullEvents('nginx:1.99',
      'rpc error: code = Unknown desc = Error response from daemon: manifest for nginx:1.99 not found: manifest unknown: manifest unknown')]),
    fires: 'image-pull.not-found',
  },
  {
    name: 'newer kubelet without the rpc prefix, events.k8s.io/v1 events',
    bundle: bundle([pullPod('ghcr.io/acme/cart:v3'),
      eventV1({ name: POD, reason: 'Failed', fieldPath: 'spec.containers{app}', seriesCount: 6,
        message: 'Failed to pull image "ghcr.io/acme/cart:v3": failed to pull and unpack image "ghcr.io/acme/cart:v3": failed to resolve reference "ghcr.io/acme/cart:v3": ghcr.io/acme/cart:v3: not found' })]),
    fires: 'image-pull.not-found',
  },
  {
    name: 'ErrImagePull whose waiting message carries the cause (no events)',
    bundle: bundle([pullPod('nginx:1.99', 'ErrImagePull',
      'rpc error: code = NotFound desc = failed to pull and unpack image "docker.io/library/nginx:1.99": failed to resolve reference "docker.io/library/nginx:1.99": docker.io/library/nginx:1.99: not found')]),
    fires: 'image-pull.not-found',
  },
  {
    name: 'newer kubelet back-off message that appends the cause',
    bundle: bundle([pullPod('nginx:1.99', 'ImagePullBackOff',
      'Back-off pulling image "nginx:1.99": ErrImagePull: failed to pull and unpack image "docker.io/library/nginx:1.99": failed to resolve reference "docker.io/library/nginx:1.99": docker.io/library/nginx:1.99: not found')]),
    fires: 'image-pull.not-found',
  },
  {
    name: 'ECR: repository does not exist (name unknown)',
    bundle: bundle([pullPod('123456789012.dkr.ecr.eu-west-1.amazonaws.com/cart:1.4.2'), ...pullEvents('123456789012.dkr.ecr.eu-west-1.amazonaws.com/cart:1.4.2',
      'rpc error: code = Unknown desc = Error response from daemon: repository 123456789012.dkr.ecr.eu-west-1.amazonaws.com/cart not found: name unknown: The repository with name \'cart\' does not exist in the registry with id \'123456789012\'')]),
    fires: 'image-pull.not-found',
  },
  {
    name: 'init container whose image tag does not exist',
    bundle: bundle([pullPod('registry.example.com/migrate:9.9', 'ErrImagePull', 'ErrImagePull', true), ...pullEvents('registry.example.com/migrate:9.9',
      'rpc error: code = NotFound desc = failed to pull and unpack image "registry.example.com/migrate:9.9": failed to resolve reference "registry.example.com/migrate:9.9": registry.example.com/migrate:9.9: not found', 'migrate')]),
    fires: 'image-pull.not-found', summaryIncludes: ['Init container migrate'],
  },
  {
    name: 'Deployment target whose new pods cannot pull: the pull failure, not the stuck rollout, is the cause',
    bundle: bundle([pullPod('registry.example.com/cart:1.5.0'), ...pullEvents('registry.example.com/cart:1.5.0',
      'rpc error: code = NotFound desc = failed to pull and unpack image "registry.example.com/cart:1.5.0": failed to resolve reference "registry.example.com/cart:1.5.0": registry.example.com/cart:1.5.0: not found'),
    object('ReplicaSet', 'apps/v1', 'cart-7d9f8b6c5d', { metadata: { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'cart', controller: true }] } }),
    object('Deployment', 'apps/v1', 'cart', { metadata: { generation: 4 }, spec: { replicas: 3, selector: { matchLabels: { app: 'cart' } }, progressDeadlineSeconds: 600 },
      status: { observedGeneration: 4, replicas: 4, updatedReplicas: 1, readyReplicas: 3, availableReplicas: 3, unavailableReplicas: 1,
        conditions: [{ type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable' },
          { type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'ReplicaSet "cart-7d9f8b6c5d" has timed out progressing.' }] } })],
    { target: { kind: 'Deployment', namespace: 'shop', name: 'cart' } }),
    fires: 'image-pull.not-found',
  },
  // --- unauthorized (and the Docker Hub ambiguity)
  {
    name: 'containerd: pull access denied on Docker Hub (private or missing)',
    bundle: bundle([pullPod('nginxdoesntexist'), ...pullEvents('nginxdoesntexist',
      'rpc error: code = Unknown desc = failed to pull and unpack image "docker.io/library/nginxdoesntexist:latest": failed to resolve reference "docker.io/library/nginxdoesntexist:latest": pull access denied, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed')]),
    fires: 'image-pull.unauthorized', summaryIncludes: ['or does not exist'],
  },
  {
    name: 'the same ambiguity also reports not-found as an alternative',
    bundle: bundle([pullPod('acme/private:1.0'), ...pullEvents('acme/private:1.0',
      'rpc error: code = Unknown desc = Error response from daemon: pull access denied for acme/private, repository does not exist or may require \'docker login\': denied: requested access to the resource is denied')]),
    fires: 'image-pull.not-found', primary: false,
  },
  {
    name: 'Harbor: token endpoint answers 401 Unauthorized',
    bundle: bundle([pullPod(ICR), ...pullEvents(ICR,
      'rpc error: code = Unknown desc = failed to pull and unpack image "registry.example.com/shop/cart:1.4.2": failed to resolve reference "registry.example.com/shop/cart:1.4.2": failed to authorize: failed to fetch oauth token: unexpected status from GET request to https://registry.example.com/service/token?scope=repository%3Ashop%2Fcart%3Apull&service=harbor-registry: 401 Unauthorized')]),
    fires: 'image-pull.unauthorized', silent: ['image-pull.not-found'], summaryIncludes: ['401 Unauthorized'],
  },
  {
    name: 'dockershim + ECR: no basic auth credentials',
    bundle: bundle([pullPod('123456789012.dkr.ecr.eu-west-1.amazonaws.com/cart:1.4.2'), ...pullEvents('123456789012.dkr.ecr.eu-west-1.amazonaws.com/cart:1.4.2',
      'rpc error: code = Unknown desc = Error response from daemon: Get https://123456789012.dkr.ecr.eu-west-1.amazonaws.com/v2/cart/manifests/1.4.2: no basic auth credentials')]),
    fires: 'image-pull.unauthorized', silent: ['image-pull.not-found'],
  },
  {
    name: 'Artifact Registry: 403 Forbidden',
    bundle: bundle([pullPod('europe-docker.pkg.dev/proj/repo/cart:1.4.2'), ...pullEvents('europe-docker.pkg.dev/proj/repo/cart:1.4.2',
      'failed to pull and unpack image "europe-docker.pkg.dev/proj/repo/cart:1.4.2": failed to resolve reference "europe-docker.pkg.dev/proj/repo/cart:1.4.2": failed to authorize: failed to fetch oauth token: unexpected status from GET request to https://europe-docker.pkg.dev/v2/token?scope=repository%3Aproj%2Frepo%2Fcart%3Apull&service=europe-docker.pkg.dev: 403 Forbidden')]),
    fires: 'image-pull.unauthorized',
  },
  {
    name: 'ACR: unauthorized: authentication required',
    bundle: bundle([pullPod('acme.azurecr.io/cart:1.4.2'), ...pullEvents('acme.azurecr.io/cart:1.4.2',
      'rpc error: code = Unknown desc = failed to pull and unpack image "acme.azurecr.io/cart:1.4.2": failed to resolve reference "acme.azurecr.io/cart:1.4.2": failed to authorize: failed to fetch anonymous token: unexpected status: 401 Unauthorized')]),
    fires: 'image-pull.unauthorized',
  },
  // --- rate limited
  {
    name: 'containerd: Docker Hub 429 toomanyrequests',
    bundle: bundle([pullPod('redis:7'), ...pullEvents('redis:7',
      'rpc error: code = Unknown desc = failed to pull and unpack image "docker.io/library/redis:7": failed to copy: httpReadSeeker: failed open: unexpected status code https://registry-1.docker.io/v2/library/redis/manifests/sha256:5a93f6b2e391b78e8bd3f9e7e1e1e06c6f7a6e7f0f8c1b0a9e6f5d4c3b2a1908: 429 Too Many Requests - Server message: toomanyrequests: You have reached your pull rate limit. You may increase the limit by authenticating and upgrading: https://www.docker.com/increase-rate-limit')]),
    fires: 'image-pull.rate-limited', silent: ['image-pull.unauthorized'], summaryIncludes: ['rate-limits'],
  },
  {
    name: 'dockershim: toomanyrequests from the daemon',
    bundle: bundle([pullPod('postgres:16'), ...pullEvents('postgres:16',
      'rpc error: code = Unknown desc = Error response from daemon: toomanyrequests: You have reached your pull rate limit. You may increase the limit by authenticating and upgrading: https://www.docker.com/increase-rate-limit')]),
    fires: 'image-pull.rate-limited',
  },
  // --- network
  {
    name: 'containerd: registry host does not resolve',
    bundle: bundle([pullPod('registry.internal:5000/cart:1.4.2'), ...pullEvents('registry.internal:5000/cart:1.4.2',
      'rpc error: code = Unknown desc = failed to pull and unpack image "registry.internal:5000/cart:1.4.2": failed to resolve reference "registry.internal:5000/cart:1.4.2": failed to do request: Head "https://registry.internal:5000/v2/cart/manifests/1.4.2": dial tcp: lookup registry.internal on 10.96.0.10:53: no such host')]),
    fires: 'image-pull.network', summaryIncludes: ['cannot be reached', 'no such host'],
  },
  {
    name: 'containerd: i/o timeout to Docker Hub',
    bundle: bundle([pullPod('nginx:1.25'), ...pullEvents('nginx:1.25',
      'rpc error: code = Unknown desc = failed to pull and unpack image "docker.io/library/nginx:1.25": failed to resolve reference "docker.io/library/nginx:1.25": failed to do request: Head "https://registry-1.docker.io/v2/library/nginx/manifests/1.25": dial tcp 54.236.113.205:443: i/o timeout')]),
    fires: 'image-pull.network',
  },
  {
    name: 'dockershim: net/http TLS handshake timeout is a network failure',
    bundle: bundle([pullPod(ICR), ...pullEvents(ICR,
      'rpc error: code = Unknown desc = Error response from daemon: Get https://registry.example.com/v2/: net/http: TLS handshake timeout')]),
    fires: 'image-pull.network', silent: ['image-pull.tls'],
  },
  {
    name: 'dockershim: request canceled while waiting for connection',
    bundle: bundle([pullPod(ICR), ...pullEvents(ICR,
      'rpc error: code = Unknown desc = Error response from daemon: Get "https://registry.example.com/v2/": net/http: request canceled while waiting for connection (Client.Timeout exceeded while awaiting headers)')]),
    fires: 'image-pull.network',
  },
  {
    name: 'CRI-O: connection refused by a mirror',
    bundle: bundle([pullPod(ICR), ...pullEvents(ICR,
      'rpc error: code = Unknown desc = pinging container registry registry.example.com: Get "https://registry.example.com/v2/": dial tcp 10.20.0.15:443: connect: connection refused')]),
    fires: 'image-pull.network',
  },
  // --- tls
  {
    name: 'containerd: certificate signed by unknown authority',
    bundle: bundle([pullPod('harbor.corp.local/shop/cart:1.4.2'), ...pullEvents('harbor.corp.local/shop/cart:1.4.2',
      'rpc error: code = Unknown desc = failed to pull and unpack image "harbor.corp.local/shop/cart:1.4.2": failed to resolve reference "harbor.corp.local/shop/cart:1.4.2": failed to do request: Head "https://harbor.corp.local/v2/shop/cart/manifests/1.4.2": tls: failed to verify certificate: x509: certificate signed by unknown authority')]),
    fires: 'image-pull.tls', silent: ['image-pull.network'], summaryIncludes: ['not trusted'],
  },
  {
    name: 'dockershim: x509 certificate has expired',
    bundle: bundle([pullPod('harbor.corp.local/shop/cart:1.4.2'), ...pullEvents('harbor.corp.local/shop/cart:1.4.2',
      'rpc error: code = Unknown desc = Error response from daemon: Get "https://harbor.corp.local/v2/": x509: certificate has expired or is not yet valid: current time 2026-11-21T09:00:00Z is after 2026-10-01T00:00:00Z')]),
    fires: 'image-pull.tls', summaryIncludes: ['has expired'],
  },
  {
    name: 'containerd: plain-HTTP registry',
    bundle: bundle([pullPod('10.0.0.5:5000/cart:1.4.2'), ...pullEvents('10.0.0.5:5000/cart:1.4.2',
      'rpc error: code = Unknown desc = failed to pull and unpack image "10.0.0.5:5000/cart:1.4.2": failed to resolve reference "10.0.0.5:5000/cart:1.4.2": failed to do request: Head "https://10.0.0.5:5000/v2/cart/manifests/1.4.2": http: server gave HTTP response to HTTPS client')]),
    fires: 'image-pull.tls', summaryIncludes: ['plain HTTP'],
  },
  // --- invalid name
  {
    name: 'InvalidImageName: upper-case repository',
    bundle: bundle([pullPod('registry.example.com/Shop/cart:1.4.2', 'InvalidImageName',
      'Failed to apply default image tag "registry.example.com/Shop/cart:1.4.2": couldn\'t parse image reference "registry.example.com/Shop/cart:1.4.2": invalid reference format: repository name must be lowercase'),
    event({ name: POD, reason: 'InspectFailed', fieldPath: 'spec.containers{app}', message: 'Failed to apply default image tag "registry.example.com/Shop/cart:1.4.2": couldn\'t parse image reference "registry.example.com/Shop/cart:1.4.2": invalid reference format: repository name must be lowercase' }),
    event({ name: POD, reason: 'Failed', fieldPath: 'spec.containers{app}', message: 'Error: InvalidImageName' })]),
    fires: 'image-pull.invalid-name', summaryIncludes: ['invalid image reference', 'must be lowercase'],
  },
  {
    name: 'InvalidImageName with a trailing colon and no events',
    bundle: bundle([pullPod('registry.example.com/shop/cart:', 'InvalidImageName',
      'Failed to apply default image tag "registry.example.com/shop/cart:": couldn\'t parse image reference "registry.example.com/shop/cart:": invalid reference format')]),
    fires: 'image-pull.invalid-name',
  },
  // --- silent
  { name: 'a running, ready pod', bundle: bundle([pod()]) },
  {
    name: 'a pod running again after an old pull failure',
    bundle: bundle([pod({ containers: [{ name: 'app', image: 'nginx:1.25' }] }), ...pullEvents('nginx:1.25', 'rpc error: code = Unknown desc = failed to do request: dial tcp 54.236.113.205:443: i/o timeout')]),
  },
  { name: 'back-off without any cause available', bundle: bundle([pullPod('nginx:1.99')]) },
  {
    name: 'pull events about another image (the spec was since changed)',
    bundle: bundle([pullPod('nginx:1.26'), ...pullEvents('nginx:1.99', 'rpc error: code = NotFound desc = docker.io/library/nginx:1.99: not found')]),
  },
  {
    name: 'a pull error with no recognisable cause',
    bundle: bundle([pullPod('nginx:1.25'), ...pullEvents('nginx:1.25', 'rpc error: code = Canceled desc = context canceled')]),
  },
  {
    name: 'a crash-looping container is not a pull failure',
    bundle: bundle([pod({ containers: [{ name: 'app', restartCount: 3, state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 40s restarting failed container' } }, lastState: { terminated: { reason: 'Error', exitCode: 1 } } }] })]),
  },
  {
    name: 'the image is present locally with pull policy Never (not a registry failure)',
    bundle: bundle([pullPod('cart:dev', 'ErrImageNeverPull', 'Container image "cart:dev" is not present with pull policy of Never')]),
  },
]);

describe('image pull classification', () => {
  it.each([
    ['docker.io/library/nginx:1.99: not found', 'image-pull.not-found'],
    ['reading manifest v1 in quay.io/a/b: manifest unknown: manifest unknown', 'image-pull.not-found'],
    ['pull access denied, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed', 'image-pull.unauthorized'],
    ['unexpected status: 401 Unauthorized', 'image-pull.unauthorized'],
    ['denied: requested access to the resource is denied', 'image-pull.unauthorized'],
    ['429 Too Many Requests - Server message: toomanyrequests: You have reached your pull rate limit.', 'image-pull.rate-limited'],
    ['dial tcp: lookup r.example on 10.96.0.10:53: no such host', 'image-pull.network'],
    ['net/http: TLS handshake timeout', 'image-pull.network'],
    ['rpc error: code = DeadlineExceeded desc = context deadline exceeded', 'image-pull.network'],
    ['x509: certificate signed by unknown authority', 'image-pull.tls'],
    ['tls: failed to verify certificate: x509: certificate is valid for a.example, not b.example', 'image-pull.tls'],
    ['couldn\'t parse image reference "A:b": invalid reference format', 'image-pull.invalid-name'],
  ])('%s → %s', (message, id) => {
    expect(classifyPullError(message)?.id).toBe(id);
  });

  it('flags the Docker Hub answer as ambiguous', () => {
    expect(classifyPullError('pull access denied, repository does not exist or may require authorization')?.ambiguous).toBe(true);
    expect(classifyPullError('failed to fetch anonymous token: unexpected status: 401 Unauthorized')?.ambiguous).toBe(false);
  });

  it('fills the image, node and ServiceAccount into the finding and its next steps', () => {
    const b = bundle([pod({ phase: 'Pending', nodeName: 'worker-1', spec: { serviceAccountName: 'cart-sa' }, containers: [{ name: 'app', image: ICR, state: { waiting: { reason: 'ImagePullBackOff', message: `Back-off pulling image "${ICR}"` } } }] }),
      ...pullEvents(ICR, 'failed to authorize: failed to fetch anonymous token: unexpected status: 401 Unauthorized')]);
    const [f] = imagePull.detect(buildSnapshot(b));
    expect(f?.vars).toMatchObject({ image: ICR, node: 'worker-1', serviceAccount: 'cart-sa', owner: 'deployment/cart' });
    const steps = imagePull.rules.find((r) => r.id === 'image-pull.unauthorized')!.nextSteps(f!).map((s) => s.command);
    expect(steps).toContain(`kubectl -n shop get serviceaccount cart-sa -o jsonpath='{.imagePullSecrets}'`);
    expect(steps.join('\n')).not.toMatch(/get secrets? \S+ -o (yaml|json)|describe secret/);
  });
});
