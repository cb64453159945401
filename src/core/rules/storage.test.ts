import { describe, expect, it } from 'vitest';
import { storage } from './storage.ts';
import { ruleCases } from '../../../test/support/rule-cases.ts';
import { bundle, event, eventV1, pod, previousLog } from '../../../test/support/kube-builders.ts';
import { claimVolume, creatingPod, pendingPod, pvc, storageClass } from '../../../test/support/kube-builders-scheduling.ts';
import { diagnose } from '../diagnose.ts';
import { FORBIDDEN_STEP } from '../next-steps.ts';

const NAME = 'cart-7d9f8b6c5d-x2x9k';
const UNBOUND = '0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling..';
const PV = 'pvc-5c0e9f7a-2b1d-4c3e-8f6a-9d8e7c6b5a41';
const pvcEvent = (claim: string, reason: string, message: string, o: { type?: 'Normal' | 'Warning'; count?: number; component?: string } = {}) =>
  event({ kind: 'PersistentVolumeClaim', name: claim, reason, message, type: o.type ?? 'Warning', component: o.component ?? 'persistentvolume-controller', ...(o.count ? { count: o.count } : {}) });
const podEvent = (reason: string, message: string, component = 'kubelet', count = 1) => event({ name: NAME, reason, message, component, count });
const pvcTarget = (name: string) => ({ target: { kind: 'PersistentVolumeClaim', namespace: 'shop', name } });
const backoff = { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 5m0s restarting failed container' } };
const exited = (exitCode: number) => ({ terminated: { reason: 'Error', exitCode, startedAt: '2026-11-21T09:10:00Z', finishedAt: '2026-11-21T09:10:01Z' } });
const crashing = (name: string, mounts: Array<{ name: string; mountPath: string; readOnly?: boolean }>, o: { init?: boolean } = {}) => {
  const c = { name, restartCount: 6, state: backoff, lastState: exited(1), spec: { volumeMounts: mounts } as never };
  return o.init
    ? pod({ name: 'db-0', phase: 'Pending', owner: { kind: 'StatefulSet', name: 'db' }, volumes: [claimVolume('data', 'data-db-0')], initContainers: [c], containers: [{ name: 'postgres', state: { waiting: { reason: 'PodInitializing' } } }] })
    : pod({ name: 'db-0', owner: { kind: 'StatefulSet', name: 'db' }, volumes: [claimVolume('data', 'data-db-0')], containers: [c], spec: { securityContext: { runAsUser: 999 } } });
};

ruleCases(storage, [
  // ---- storage.pvc-pending ------------------------------------------------------------------
  {
    name: 'a Pending pod whose unbound claim has no StorageClass (no default class, FailedBinding)',
    bundle: bundle([pendingPod({ volumes: [claimVolume('data', 'data-0')], unschedulable: UNBOUND }), pvc('data-0'),
      pvcEvent('data-0', 'FailedBinding', 'no persistent volumes available for this claim and no storage class is set', { type: 'Normal', count: 42 })]),
    fires: 'storage.pvc-pending', summaryIncludes: ['data-0', 'no storageClassName', 'no default StorageClass'],
  },
  {
    name: 'a claim without a class while the cluster\'s only class is not the default',
    bundle: bundle([pendingPod({ volumes: [claimVolume('data', 'data-0')] }), pvc('data-0'), storageClass('gp3', { volumeBindingMode: 'Immediate' })]),
    fires: 'storage.pvc-pending', summaryIncludes: ['no default StorageClass', 'gp3'],
  },
  {
    name: 'PVC target: ProvisioningFailed, StorageClass not found',
    bundle: bundle([pvc('data-0', { storageClassName: 'fast' }), storageClass('standard', { isDefault: true }),
      pvcEvent('data-0', 'ProvisioningFailed', 'storageclass.storage.k8s.io "fast" not found', { count: 12 })], pvcTarget('data-0')),
    fires: 'storage.pvc-pending', summaryIncludes: ['PersistentVolumeClaim shop/data-0', 'StorageClass fast does not exist'],
  },
  {
    name: 'PVC target: the class is missing from the StorageClass list (no events yet)',
    bundle: bundle([pvc('data-0', { storageClassName: 'fast' }), storageClass('standard', { isDefault: true }), storageClass('gp3')], pvcTarget('data-0')),
    fires: 'storage.pvc-pending', summaryIncludes: ['StorageClass fast does not exist', 'standard, gp3'],
  },
  {
    name: 'CSI provisioning error (EBS unauthorized)',
    bundle: bundle([pvc('data-0', { storageClassName: 'gp3' }), storageClass('gp3', { isDefault: true, volumeBindingMode: 'Immediate' }),
      pvcEvent('data-0', 'ProvisioningFailed', `failed to provision volume with StorageClass "gp3": rpc error: code = Internal desc = Could not create volume "${PV}": could not create volume in EC2: UnauthorizedOperation: You are not authorized to perform this operation.`, { component: 'ebs.csi.aws.com_ebs-csi-controller-7d9c_4f1e', count: 8 })], pvcTarget('data-0')),
    fires: 'storage.pvc-pending', summaryIncludes: ['provisioning fails', 'UnauthorizedOperation'],
  },
  {
    name: 'ProvisioningFailed as an events.k8s.io/v1 event, seen from the pod',
    bundle: bundle([pendingPod({ volumes: [claimVolume('data', 'data-0')], unschedulable: UNBOUND }), pvc('data-0', { storageClassName: 'standard' }), storageClass('standard', { isDefault: true, volumeBindingMode: 'Immediate', provisioner: 'kubernetes.io/gce-pd' }),
      eventV1({ kind: 'PersistentVolumeClaim', name: 'data-0', reason: 'ProvisioningFailed', message: 'Failed to provision volume with StorageClass "standard": googleapi: Error 403: QUOTA_EXCEEDED - Quota \'SSD_TOTAL_GB\' exceeded.  Limit: 500.0 in region europe-west1.', component: 'persistentvolume-controller', seriesCount: 5 })]),
    fires: 'storage.pvc-pending', summaryIncludes: ['Pod shop/cart-7d9f8b6c5d-x2x9k', 'data-0', 'QUOTA_EXCEEDED'],
  },
  {
    name: 'static binding (storageClassName "") with no matching PersistentVolume',
    bundle: bundle([pvc('data-0', { storageClassName: '' }),
      pvcEvent('data-0', 'FailedBinding', 'no persistent volumes available for this claim and no storage class is set', { type: 'Normal', count: 20 })], pvcTarget('data-0')),
    fires: 'storage.pvc-pending', summaryIncludes: ['static binding'],
  },
  {
    name: 'an external provisioner that never answers',
    bundle: bundle([pvc('data-0', { storageClassName: 'csi-rbd' }), storageClass('csi-rbd', { provisioner: 'rbd.csi.ceph.com', volumeBindingMode: 'Immediate' }),
      pvcEvent('data-0', 'ExternalProvisioning', 'Waiting for a volume to be created either by the external provisioner \'rbd.csi.ceph.com\' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.', { type: 'Normal', count: 63 })], pvcTarget('data-0')),
    fires: 'storage.pvc-pending', summaryIncludes: ['63 attempts'],
  },
  // ---- storage.mount-failed -----------------------------------------------------------------
  {
    name: 'NFS mount fails (old kubelet wording with unattached volumes)',
    bundle: bundle([creatingPod({ volumes: [{ name: 'media', nfs: { server: '10.0.12.5', path: '/exports/media' } }, { name: 'kube-api-access-8x7kq', projected: { sources: [] } }] }),
      podEvent('FailedMount', 'MountVolume.SetUp failed for volume "media" : mount failed: exit status 32\nMounting command: mount\nMounting arguments: -t nfs 10.0.12.5:/exports/media /var/lib/kubelet/pods/1f0c/volumes/kubernetes.io~nfs/media\nOutput: mount.nfs: Connection timed out', 'kubelet', 7),
      podEvent('FailedMount', 'Unable to attach or mount volumes: unmounted volumes=[media], unattached volumes=[media kube-api-access-8x7kq]: timed out waiting for the condition', 'kubelet', 3)]),
    fires: 'storage.mount-failed', summaryIncludes: ['volume media', 'worker-1', 'mount.nfs: Connection timed out'],
  },
  {
    name: 'only the timeout (1.26+ wording with failed to process volumes)',
    bundle: bundle([creatingPod({ volumes: [claimVolume('data', 'data-0')] }), pvc('data-0', { phase: 'Bound', volumeName: PV, storageClassName: 'gp3' }),
      podEvent('FailedMount', 'Unable to attach or mount volumes: unmounted volumes=[data], unattached volumes=[], failed to process volumes=[]: timed out waiting for the condition', 'kubelet', 5)]),
    fires: 'storage.mount-failed', summaryIncludes: ['volume data (claim data-0)'],
  },
  {
    name: 'CSI MountDevice failure names the PV, mapped back to the claim',
    bundle: bundle([creatingPod({ volumes: [claimVolume('data', 'data-0')] }), pvc('data-0', { phase: 'Bound', volumeName: PV, storageClassName: 'gp3' }),
      podEvent('FailedMount', `MountVolume.MountDevice failed for volume "${PV}" : rpc error: code = Internal desc = could not format "/dev/nvme1n1" and mount it at "/var/lib/kubelet/plugins/kubernetes.io/csi/ebs.csi.aws.com/3f1e/globalmount": format of disk "/dev/nvme1n1" failed`)]),
    fires: 'storage.mount-failed', summaryIncludes: [PV, 'claim data-0'],
  },
  {
    name: 'FailedMount as an events.k8s.io/v1 event',
    bundle: bundle([creatingPod({ volumes: [claimVolume('data', 'data-0')] }),
      eventV1({ name: NAME, reason: 'FailedMount', message: 'MountVolume.NewMounter initialization failed for volume "pv-local-1" : path "/mnt/disks/ssd1" does not exist', component: 'kubelet', seriesCount: 4 })]),
    fires: 'storage.mount-failed',
  },
  // ---- storage.multi-attach -----------------------------------------------------------------
  {
    name: 'Multi-Attach: the old pod still holds the RWO volume',
    bundle: bundle([creatingPod({ name: NAME, volumes: [claimVolume('data', 'data-0')] }), pvc('data-0', { phase: 'Bound', volumeName: PV, storageClassName: 'gp3' }),
      podEvent('FailedAttachVolume', `Multi-Attach error for volume "${PV}" Volume is already used by pod(s) cart-7d9f8b6c5d-q8w7e`, 'attachdetach-controller', 9),
      podEvent('FailedMount', 'Unable to attach or mount volumes: unmounted volumes=[data], unattached volumes=[data kube-api-access-2kz9d]: timed out waiting for the condition', 'kubelet', 4)]),
    fires: 'storage.multi-attach', summaryIncludes: [PV, 'claim data-0', 'ReadWriteOnce', 'cart-7d9f8b6c5d-q8w7e'],
  },
  {
    name: 'Multi-Attach: exclusively attached to another node (events.k8s.io/v1)',
    bundle: bundle([creatingPod({ volumes: [claimVolume('data', 'data-0')] }),
      eventV1({ name: NAME, reason: 'FailedAttachVolume', message: `Multi-Attach error for volume "${PV}" Volume is already exclusively attached to one node and can't be attached to another`, component: 'attachdetach-controller' })]),
    fires: 'storage.multi-attach', summaryIncludes: ['still attached to another node'],
  },
  // ---- storage.attach-failed ----------------------------------------------------------------
  {
    name: 'AttachVolume.Attach failed: rpc error from the CSI driver',
    bundle: bundle([creatingPod({ volumes: [claimVolume('data', 'data-0')] }), pvc('data-0', { phase: 'Bound', volumeName: PV, storageClassName: 'gp3' }),
      podEvent('FailedAttachVolume', `AttachVolume.Attach failed for volume "${PV}" : rpc error: code = Internal desc = Could not attach volume "vol-0a1b2c3d4e5f67890" to node "i-0123456789abcdef0": could not attach volume "vol-0a1b2c3d4e5f67890" to node "i-0123456789abcdef0": AttachVolumeLimitExceeded`, 'attachdetach-controller', 6),
      podEvent('FailedMount', 'Unable to attach or mount volumes: unmounted volumes=[data], unattached volumes=[data]: timed out waiting for the condition', 'kubelet', 2)]),
    fires: 'storage.attach-failed', summaryIncludes: ['claim data-0', 'AttachVolumeLimitExceeded'],
  },
  {
    name: 'AttachVolume.Attach failed: the external attacher timed out',
    bundle: bundle([creatingPod({ volumes: [claimVolume('data', 'data-0')] }),
      podEvent('FailedAttachVolume', `AttachVolume.Attach failed for volume "${PV}" : timed out waiting for external-attacher of ebs.csi.aws.com CSI driver to attach volume vol-0a1b2c3d4e5f67890`, 'attachdetach-controller')]),
    fires: 'storage.attach-failed',
  },
  // ---- storage.permission-denied ------------------------------------------------------------
  {
    name: 'postgres cannot create its data directory on the volume',
    bundle: bundle([crashing('postgres', [{ name: 'data', mountPath: '/var/lib/postgresql/data' }])],
      { logs: [previousLog('postgres', ['mkdir: cannot create directory ‘/var/lib/postgresql/data/pgdata’: Permission denied'])] }),
    fires: 'storage.permission-denied', summaryIncludes: ['volume data at /var/lib/postgresql/data', 'runAsUser 999, no fsGroup set', 'Permission denied'],
  },
  {
    name: 'Go-style open error on the volume (Prometheus query log)',
    bundle: bundle([crashing('prometheus', [{ name: 'data', mountPath: '/prometheus' }])],
      { logs: [previousLog('prometheus', [
        'ts=2026-11-21T09:10:00.412Z caller=main.go:585 level=info msg="Starting Prometheus Server" mode=server version="(version=2.53.0)"',
        'ts=2026-11-21T09:10:00.431Z caller=query_logger.go:93 level=error component=activeQueryTracker msg="Error opening query log file" file=/prometheus/queries.active err="open /prometheus/queries.active: permission denied"',
        'panic: Unable to create mmap-ed active query log'])] }),
    fires: 'storage.permission-denied', summaryIncludes: ['/prometheus'],
  },
  {
    name: 'an init container cannot chown the volume',
    bundle: bundle([crashing('fix-perms', [{ name: 'data', mountPath: '/data' }], { init: true })],
      { logs: [previousLog('fix-perms', ['chown: /data: Operation not permitted'])] }),
    fires: 'storage.permission-denied', summaryIncludes: ['Init container fix-perms'],
  },
  {
    name: 'Node.js EACCES on a mounted uploads directory',
    bundle: bundle([crashing('api', [{ name: 'data', mountPath: '/app/uploads' }])],
      { logs: [previousLog('api', ["Error: EACCES: permission denied, mkdir '/app/uploads/2026'", '    at Object.mkdirSync (node:fs:1391:3)'])] }),
    fires: 'storage.permission-denied',
  },
  {
    name: 'Read-only file system on a readOnly mount',
    bundle: bundle([crashing('app', [{ name: 'data', mountPath: '/data', readOnly: true }])],
      { logs: [previousLog('app', ['open /data/app.lock: read-only file system'])] }),
    fires: 'storage.permission-denied', summaryIncludes: ['mounted readOnly'],
  },
  // ---- silent cases -------------------------------------------------------------------------
  { name: 'a running, ready pod', bundle: bundle([pod()]) },
  {
    name: 'WaitForFirstConsumer alone is normal',
    bundle: bundle([pvc('data-0', { storageClassName: 'local-path' }), storageClass('local-path', { provisioner: 'rancher.io/local-path', isDefault: true }),
      pvcEvent('data-0', 'WaitForFirstConsumer', 'waiting for first consumer to be created before binding', { type: 'Normal', count: 15 })], pvcTarget('data-0')),
  },
  {
    name: 'a pod Pending for cpu whose WaitForFirstConsumer claim waits for it',
    bundle: bundle([pendingPod({ volumes: [claimVolume('data', 'data-0')], unschedulable: '0/3 nodes are available: 3 Insufficient cpu.' }), pvc('data-0', { storageClassName: 'gp3' }), storageClass('gp3', { isDefault: true }),
      pvcEvent('data-0', 'WaitForFirstConsumer', 'waiting for first consumer to be created before binding', { type: 'Normal', count: 4 })]),
  },
  { name: 'a Bound claim', bundle: bundle([pvc('data-0', { phase: 'Bound', volumeName: PV, storageClassName: 'gp3' })], pvcTarget('data-0')) },
  {
    name: 'provisioning just started (one ExternalProvisioning event)',
    bundle: bundle([pvc('data-0', { storageClassName: 'gp3' }), storageClass('gp3', { volumeBindingMode: 'Immediate' }),
      pvcEvent('data-0', 'ExternalProvisioning', 'Waiting for a volume to be created either by the external provisioner \'ebs.csi.aws.com\' or manually by the system administrator.', { type: 'Normal' })], pvcTarget('data-0')),
  },
  {
    name: 'a missing ConfigMap volume belongs to the config family',
    bundle: bundle([creatingPod({ volumes: [{ name: 'config', configMap: { name: 'app-config' } }] }),
      podEvent('FailedMount', 'MountVolume.SetUp failed for volume "config" : configmap "app-config" not found', 'kubelet', 8),
      podEvent('FailedMount', 'Unable to attach or mount volumes: unmounted volumes=[config], unattached volumes=[config kube-api-access-8x7kq]: timed out waiting for the condition', 'kubelet', 3)]),
  },
  {
    name: 'a missing Secret volume belongs to the config family',
    bundle: bundle([creatingPod({ volumes: [{ name: 'tls', secret: { secretName: 'cart-tls' } }] }),
      podEvent('FailedMount', 'MountVolume.SetUp failed for volume "tls" : secret "cart-tls" not found', 'kubelet', 8)]),
  },
  {
    name: 'a running pod with an old FailedMount event',
    bundle: bundle([pod({ volumes: [claimVolume('data', 'data-0')] }),
      podEvent('FailedMount', 'Unable to attach or mount volumes: unmounted volumes=[data], unattached volumes=[data]: timed out waiting for the condition')]),
  },
  {
    name: 'permission denied on a path that is not a volume mount',
    bundle: bundle([crashing('web', [{ name: 'data', mountPath: '/data' }])],
      { logs: [previousLog('web', ['nginx: [emerg] open() "/etc/nginx/conf.d/default.conf" failed (13: Permission denied)'])] }),
  },
  {
    name: 'permission denied without a path',
    bundle: bundle([crashing('redis', [{ name: 'data', mountPath: '/data' }])],
      { logs: [previousLog('redis', ["1:M 21 Nov 2026 09:10:00.000 # Can't open the append-only file: Permission denied"])] }),
  },
  {
    name: 'a healthy container that once logged permission denied on its volume',
    bundle: bundle([pod({ containers: [{ name: 'app', spec: { volumeMounts: [{ name: 'data', mountPath: '/data' }] } as never }] })],
      { logs: [{ container: 'app', previous: false, lines: ['warn: open /data/cache/tmp-1: permission denied, retrying'] }] }),
  },
]);

describe('storage details', () => {
  it('supersedes scheduling.unbound-pvc and names the claim', () => {
    const r = diagnose(bundle([pendingPod({ volumes: [claimVolume('data', 'data-0')], unschedulable: UNBOUND }), pvc('data-0')]));
    expect(r.diagnosis.id).toBe('storage.pvc-pending');
    expect(r.diagnosis.subject).toMatchObject({ kind: 'Pod', name: NAME });
    expect(r.diagnosis.summary).toContain('data-0');
    const unbound = r.alternatives.find((a) => a.id === 'scheduling.unbound-pvc');
    expect(unbound?.confidence).toBeLessThanOrEqual(0.5);
    expect(r.diagnosis.nextSteps.map((s) => s.command)).toContain('kubectl -n shop describe persistentvolumeclaim data-0');
  });

  it('supersedes crashloop.app-error when the denied path is on a volume', () => {
    const r = diagnose(bundle([crashing('postgres', [{ name: 'data', mountPath: '/var/lib/postgresql/data' }])],
      { logs: [previousLog('postgres', ['initdb: error: could not change permissions of directory "/var/lib/postgresql/data/pgdata": Operation not permitted'])] }));
    expect(r.diagnosis.id).toBe('storage.permission-denied');
    expect(r.alternatives.map((a) => a.id)).toContain('crashloop.app-error');
    expect(r.diagnosis.nextSteps.some((s) => s.command.includes('patch statefulset/db') && s.command.includes('"fsGroup":999'))).toBe(true);
  });

  it('never suggests deleting a claim, and fills in every name', () => {
    const bundles = [
      bundle([pvc('data-0', { storageClassName: 'fast' }), storageClass('standard', { isDefault: true }), pvcEvent('data-0', 'ProvisioningFailed', 'storageclass.storage.k8s.io "fast" not found')], pvcTarget('data-0')),
      bundle([creatingPod({ volumes: [claimVolume('data', 'data-0')] }), podEvent('FailedAttachVolume', `Multi-Attach error for volume "${PV}" Volume is already used by pod(s) cart-7d9f8b6c5d-q8w7e`, 'attachdetach-controller')]),
    ];
    for (const b of bundles) {
      const r = diagnose(b);
      expect(r.diagnosis.id.startsWith('storage.')).toBe(true);
      for (const d of [r.diagnosis, ...r.alternatives]) {
        for (const s of d.nextSteps) {
          expect(s.command).toMatch(/^kubectl /);
          expect(s.command).not.toMatch(FORBIDDEN_STEP);
          expect(s.command).not.toContain('undefined');
        }
      }
    }
  });
});
