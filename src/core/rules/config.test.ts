import { describe, expect, it } from 'vitest';
import { config, parseConfigError } from './config.ts';
import { ruleCases } from '../../../test/support/rule-cases.ts';
import { bundle, event, eventV1, pod } from '../../../test/support/kube-builders.ts';
import { buildSnapshot } from '../snapshot.ts';
import type { KubeObject } from '../types.ts';

const POD = 'cart-7d9f8b6c5d-x2x9k';

function configErrorPod(message: string, spec: Record<string, unknown> = {}, init = false): KubeObject {
  const waiting = { name: init ? 'migrate' : 'app', state: { waiting: { reason: 'CreateContainerConfigError', message } }, spec };
  return init
    ? pod({ phase: 'Pending', nodeName: 'worker-1', initContainers: [waiting], containers: [{ name: 'app', state: { waiting: { reason: 'PodInitializing' } } }] })
    : pod({ phase: 'Pending', nodeName: 'worker-1', containers: [waiting] });
}

const creatingPod = (volumes: unknown[]) =>
  pod({ phase: 'Pending', nodeName: 'worker-1', volumes, containers: [{ name: 'app', state: { waiting: { reason: 'ContainerCreating' } } }] });

const failed = (message: string, container = 'app') =>
  event({ name: POD, reason: 'Failed', message: `Error: ${message}`, count: 6, fieldPath: `spec.containers{${container}}` });

const failedMount = (message: string, count = 9) =>
  event({ name: POD, reason: 'FailedMount', message, count, last: '2026-11-21T09:06:00Z' });

ruleCases(config, [
  {
    name: 'env from a ConfigMap that does not exist (watch-based kubelet cache message)',
    bundle: bundle([configErrorPod('configmap "cart-config" not found', { envFrom: [{ configMapRef: { name: 'cart-config' } }] }), failed('configmap "cart-config" not found')]),
    fires: 'config.missing-configmap', silent: ['config.missing-secret'], summaryIncludes: ['ConfigMap shop/cart-config does not exist', 'CreateContainerConfigError'],
  },
  {
    name: 'older kubelet: plural API NotFound message',
    bundle: bundle([configErrorPod('configmaps "cart-config" not found')]),
    fires: 'config.missing-configmap',
  },
  {
    name: 'secretKeyRef to a Secret that does not exist',
    bundle: bundle([configErrorPod('secret "db-creds" not found', { env: [{ name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'db-creds', key: 'password' } } }] }),
      failed('secret "db-creds" not found')]),
    fires: 'config.missing-secret', silent: ['config.missing-configmap', 'config.missing-key'], summaryIncludes: ['Secret shop/db-creds does not exist'],
  },
  {
    name: 'older kubelet: secrets "x" not found, in an init container',
    bundle: bundle([configErrorPod('secrets "migrate-creds" not found', {}, true)]),
    fires: 'config.missing-secret', summaryIncludes: ['Init container migrate'],
  },
  {
    name: 'a key missing from a Secret',
    bundle: bundle([configErrorPod("couldn't find key password in Secret shop/db-creds", { env: [{ name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'db-creds', key: 'password' } } }] }),
      failed("couldn't find key password in Secret shop/db-creds")]),
    fires: 'config.missing-key', silent: ['config.missing-secret'], summaryIncludes: ['key "password" is missing from Secret shop/db-creds'],
  },
  {
    name: 'a key missing from a ConfigMap whose name has dots',
    bundle: bundle([configErrorPod("couldn't find key LOG_LEVEL in ConfigMap shop/cart.settings.v2")]),
    fires: 'config.missing-key', summaryIncludes: ['ConfigMap shop/cart.settings.v2'],
  },
  {
    name: 'a configMap volume whose ConfigMap does not exist (pod stays ContainerCreating)',
    bundle: bundle([creatingPod([{ name: 'config', configMap: { name: 'cart-config' } }]),
      failedMount('MountVolume.SetUp failed for volume "config" : configmap "cart-config" not found'),
      failedMount('Unable to attach or mount volumes: unmounted volumes=[config], unattached volumes=[config kube-api-access-8xk2p]: timed out waiting for the condition', 2)]),
    fires: 'config.missing-configmap', summaryIncludes: ['ContainerCreating', 'volume "config"'],
  },
  {
    name: 'a secret volume whose Secret does not exist (older plural message)',
    bundle: bundle([creatingPod([{ name: 'tls', secret: { secretName: 'cart-tls' } }]),
      failedMount('MountVolume.SetUp failed for volume "tls" : secrets "cart-tls" not found')]),
    fires: 'config.missing-secret',
  },
  {
    name: 'a configMap volume item referencing a key that does not exist (events.k8s.io/v1)',
    bundle: bundle([creatingPod([{ name: 'config', configMap: { name: 'cart-config', items: [{ key: 'app.yaml', path: 'app.yaml' }] } }]),
      eventV1({ name: POD, reason: 'FailedMount', seriesCount: 5, message: 'MountVolume.SetUp failed for volume "config" : configmap references non-existent config key: app.yaml' })]),
    fires: 'config.missing-key', summaryIncludes: ['key "app.yaml" is missing from ConfigMap shop/cart-config'],
  },
  {
    name: 'a secret volume item referencing a missing key',
    bundle: bundle([creatingPod([{ name: 'tls', secret: { secretName: 'cart-tls', items: [{ key: 'tls.key', path: 'tls.key' }] } }]),
      failedMount('MountVolume.SetUp failed for volume "tls" : secret references non-existent secret key: tls.key')]),
    fires: 'config.missing-key', summaryIncludes: ['Secret shop/cart-tls'],
  },
  {
    name: 'the root CA ConfigMap missing from a brand-new namespace (projected volume)',
    bundle: bundle([creatingPod([{ name: 'kube-api-access-8xk2p', projected: { sources: [{ configMap: { name: 'kube-root-ca.crt' } }] } }]),
      failedMount('MountVolume.SetUp failed for volume "kube-api-access-8xk2p" : configmap "kube-root-ca.crt" not found')]),
    fires: 'config.missing-configmap',
  },
  // --- silent
  { name: 'a running, ready pod', bundle: bundle([pod()]) },
  {
    name: 'a running pod with an old FailedMount event (the ConfigMap was created since)',
    bundle: bundle([pod({ volumes: [{ name: 'config', configMap: { name: 'cart-config' } }] }),
      failedMount('MountVolume.SetUp failed for volume "config" : configmap "cart-config" not found')]),
  },
  {
    name: 'CreateContainerConfigError for a reason that is not a missing reference',
    bundle: bundle([configErrorPod('failed to sync configmap cache: timed out waiting for the condition')]),
  },
  {
    name: 'CreateContainerError from the runtime is not a config reference',
    bundle: bundle([pod({ phase: 'Pending', containers: [{ name: 'app', state: { waiting: { reason: 'CreateContainerError', message: 'failed to reserve container name "app_cart_shop_0": name "app_cart_shop_0" is reserved for "8a7f"' } } }] })]),
  },
  {
    name: 'a PVC mount failure is storage, not config',
    bundle: bundle([creatingPod([{ name: 'data', persistentVolumeClaim: { claimName: 'data-0' } }]),
      failedMount('MountVolume.MountDevice failed for volume "pvc-1f0c" : rpc error: code = Internal desc = mount failed: exit status 32')]),
  },
]);

describe('config error parsing', () => {
  it('reads the names and keys as the kubelet prints them', () => {
    expect(parseConfigError('configmap "a" not found')).toMatchObject({ id: 'config.missing-configmap', name: 'a' });
    expect(parseConfigError('secrets "b" not found')).toMatchObject({ id: 'config.missing-secret', name: 'b' });
    expect(parseConfigError("couldn't find key K in ConfigMap ns/c")).toMatchObject({ id: 'config.missing-key', kind: 'ConfigMap', key: 'K', name: 'c' });
    expect(parseConfigError('MountVolume.SetUp failed for volume "v" : secret "s" not found')).toMatchObject({ id: 'config.missing-secret', name: 's', volume: 'v' });
    expect(parseConfigError('persistentvolumeclaim "data" not found')).toBeUndefined();
  });

  it('names the pod spec reference in the evidence and never reads Secret contents in next steps', () => {
    const b = bundle([configErrorPod("couldn't find key password in Secret shop/db-creds", { env: [{ name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'db-creds', key: 'password' } } }] })]);
    const [f] = config.detect(buildSnapshot(b));
    expect(f?.vars).toMatchObject({ secret: 'db-creds', key: 'password', owner: 'deployment/cart' });
    expect(f?.evidence.map((e) => e.source).join('\n')).toContain('env[DB_PASSWORD].valueFrom.secretKeyRef');
    for (const rule of config.rules) {
      const cmds = rule.nextSteps(f!).map((s) => s.command).join('\n');
      expect(cmds).not.toMatch(/secret\S* \S+ -o|get secrets? -o/);
    }
  });
});
