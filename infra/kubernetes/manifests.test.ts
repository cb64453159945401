// The Kubernetes manifests as kustomize renders them: the read-only ClusterRole cannot widen
// unnoticed, the Deployment stays locked down, the pieces reference each other correctly, and
// a real kube-apiserver accepts them (server-side dry run).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { applyAdmin, findKubeApiServer, startRealKubeApiServer, whichBinary, type RealKubeApiServer } from '../../test/support/real/kube-apiserver.ts';

const DIR = fileURLToPath(new URL('.', import.meta.url));
const IN_CI = process.env.CI === 'true';

// Every test here needs kubectl (with its built-in kustomize); the dry run also needs the real kube-apiserver.
const kubectl = whichBinary([process.env.KUBETRIAGE_KUBECTL], 'kubectl');
const kubectlMissing = kubectl ? undefined : 'missing kubectl (>= 1.21, for `kubectl kustomize`)';
const kube = findKubeApiServer();
const apiserverMissing = kubectlMissing ?? ('missing' in kube ? kube.missing : undefined);
if (!IN_CI && kubectlMissing) console.warn(`[manifests] skipping: ${kubectlMissing}`);
if (!IN_CI && !kubectlMissing && apiserverMissing) console.warn(`[manifests] skipping the server-side dry run: ${apiserverMissing}`);

interface Obj {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [k: string]: any;
}

function render(): { text: string; objects: Obj[] } {
  const text = execFileSync(kubectl!, ['kustomize', DIR], { encoding: 'utf8' });
  const objects = parseAllDocuments(text).map((d) => {
    if (d.errors.length > 0) throw d.errors[0];
    return d.toJS() as Obj;
  });
  return { text, objects };
}

const one = (objects: Obj[], kind: string): Obj => {
  const found = objects.filter((o) => o.kind === kind);
  expect(found, `exactly one ${kind}`).toHaveLength(1);
  return found[0]!;
};

/** The only grants kubetriage may have: get and list on these (group, resource) pairs. */
const ALLOWED: Array<[group: string, resource: string]> = [
  ['', 'pods'], ['', 'pods/log'], ['', 'events'], ['events.k8s.io', 'events'], ['', 'nodes'],
  ['', 'persistentvolumeclaims'], ['', 'persistentvolumes'], ['storage.k8s.io', 'storageclasses'],
  ['', 'services'], ['discovery.k8s.io', 'endpointslices'], ['apps', 'replicasets'], ['apps', 'deployments'],
  ['apps', 'statefulsets'], ['apps', 'daemonsets'], ['batch', 'jobs'], ['', 'resourcequotas'],
  ['networking.k8s.io', 'networkpolicies'],
];
const VERBS = ['get', 'list'];

function grants(role: Obj): string[] {
  const out: string[] = [];
  for (const rule of role['rules'] as Array<Record<string, string[] | undefined>>) {
    for (const g of rule['apiGroups'] ?? ['(none)']) {
      for (const r of rule['resources'] ?? ['(none)']) {
        for (const v of rule['verbs'] ?? ['(none)']) out.push(`${v} ${g}/${r}`);
      }
    }
  }
  return out.sort();
}

describe.skipIf(kubectlMissing !== undefined && !IN_CI)('infra/kubernetes rendered by kustomize', () => {
  let objects: Obj[] = [];
  beforeAll(() => {
    expect(kubectlMissing).toBeUndefined();
    objects = render().objects;
  });

  it('holds exactly the expected objects, all in one namespace', () => {
    expect(objects.map((o) => `${o.apiVersion} ${o.kind}`).sort()).toEqual([
      'apps/v1 Deployment',
      'networking.k8s.io/v1 NetworkPolicy',
      'policy/v1 PodDisruptionBudget',
      'rbac.authorization.k8s.io/v1 ClusterRole',
      'rbac.authorization.k8s.io/v1 ClusterRoleBinding',
      'v1 Service',
      'v1 ServiceAccount',
    ]);
    const namespaced = objects.filter((o) => !o.kind.startsWith('Cluster'));
    expect(new Set(namespaced.map((o) => o.metadata.namespace))).toEqual(new Set(['monitoring']));
    // No Secret or ConfigMap is rendered, so no credential can be baked into the manifests.
    expect(objects.filter((o) => o.kind === 'Secret' || o.kind === 'ConfigMap')).toEqual([]);
  });

  it('the ClusterRole grants get and list on exactly the allowed resources, nothing else', () => {
    const role = one(objects, 'ClusterRole');
    const expected = ALLOWED.flatMap(([g, r]) => VERBS.map((v) => `${v} ${g}/${r}`)).sort();
    expect(grants(role)).toEqual(expected);
    for (const rule of role['rules'] as Array<Record<string, unknown>>) {
      expect(Object.keys(rule).sort(), 'no resourceNames or nonResourceURLs').toEqual(['apiGroups', 'resources', 'verbs']);
    }
    expect(role['aggregationRule'], 'an aggregated role could pick up other rules').toBeUndefined();
    expect(grants(role).join('\n')).not.toMatch(/\*|secrets|configmaps|watch|create|update|patch|delete|escalate|bind|impersonate/);
    expect(objects.filter((o) => o.kind === 'Role' || o.kind === 'RoleBinding')).toEqual([]);
  });

  it('the ClusterRoleBinding gives that role, and only it, to the service account the pods run as', () => {
    const binding = one(objects, 'ClusterRoleBinding');
    const sa = one(objects, 'ServiceAccount');
    const pod = one(objects, 'Deployment')['spec']['template']['spec'];
    expect(binding['roleRef']).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: one(objects, 'ClusterRole').metadata.name });
    expect(binding['subjects']).toEqual([{ kind: 'ServiceAccount', name: sa.metadata.name, namespace: sa.metadata.namespace }]);
    expect(pod['serviceAccountName']).toBe(sa.metadata.name);
    expect(pod['automountServiceAccountToken']).toBe(true);
  });

  it('the Deployment runs locked down: non-root, read-only root, no capabilities, RuntimeDefault seccomp', () => {
    const pod = one(objects, 'Deployment')['spec']['template']['spec'];
    expect(pod['securityContext']).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod['securityContext']['runAsUser']).toBeGreaterThan(0);
    expect(pod['hostNetwork'] ?? false).toBe(false);
    expect(pod['hostPID'] ?? false).toBe(false);
    expect(pod['hostIPC'] ?? false).toBe(false);
    const containers = [...(pod['initContainers'] ?? []), ...pod['containers']];
    expect(containers).toHaveLength(1);
    for (const c of containers) {
      expect(c['securityContext']).toMatchObject({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        runAsNonRoot: true,
        capabilities: { drop: ['ALL'] },
        seccompProfile: { type: 'RuntimeDefault' },
      });
      expect(c['securityContext']['privileged'] ?? false).toBe(false);
      expect(c['securityContext']['capabilities']['add'] ?? []).toEqual([]);
      expect(c['securityContext']['runAsUser'] ?? pod['securityContext']['runAsUser']).toBeGreaterThan(0);
      // A writable /tmp comes from an emptyDir, since the root filesystem is read-only.
      const tmp = c['volumeMounts'].find((m: { mountPath: string }) => m.mountPath === '/tmp');
      expect(pod['volumes'].find((v: { name: string }) => v.name === tmp?.name)?.emptyDir).toBeDefined();
      // Pinned image, not :latest.
      expect(c['image']).toMatch(/:[\w][\w.-]*$|@sha256:[0-9a-f]{64}$/);
      expect(c['image']).not.toMatch(/:latest$/);
    }
    for (const v of pod['volumes'] as Array<Record<string, unknown>>) expect(v['hostPath'], `volume ${v['name']}`).toBeUndefined();
  });

  it('the container has probes on /healthz, resources, and takes secrets only from files', () => {
    const pod = one(objects, 'Deployment')['spec']['template']['spec'];
    const c = pod['containers'][0];
    const port = c['ports'].find((p: { name: string }) => p.name === 'http');
    expect(port?.containerPort).toBe(8080);
    for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
      expect(c[probe]?.httpGet, probe).toEqual({ path: '/healthz', port: 'http' });
    }
    expect(c['resources']['requests']).toMatchObject({ cpu: expect.any(String), memory: expect.any(String) });
    expect(c['resources']['limits']).toMatchObject({ memory: expect.any(String) });
    const env = c['env'] as Array<{ name: string; value?: string }>;
    expect(env.find((e) => e.name === 'PORT')?.value).toBe(String(port.containerPort));
    // Secrets are never literal values in the manifest; *_FILE points into a Secret volume.
    for (const name of ['KUBETRIAGE_AUTH_TOKEN', 'KUBETRIAGE_BASIC_AUTH']) expect(env.find((e) => e.name === name), name).toBeUndefined();
    const tokenFile = env.find((e) => e.name === 'KUBETRIAGE_AUTH_TOKEN_FILE')?.value ?? '';
    const mount = c['volumeMounts'].find((m: { mountPath: string }) => tokenFile.startsWith(`${m.mountPath}/`));
    const volume = pod['volumes'].find((v: { name: string }) => v.name === mount?.name);
    expect(volume?.secret?.secretName).toBe('kubetriage-auth');
    // The Secret's files are group-readable by the pod's fsGroup, not world-readable.
    expect((volume.secret.defaultMode as number) & 0o007).toBe(0);
    expect(pod['securityContext']['fsGroup']).toBe(pod['securityContext']['runAsGroup']);
    expect(env.find((e) => e.name === 'KUBETRIAGE_DEMO')?.value, 'never the demo snapshot in a cluster').toBe('false');
  });

  it('the Service, PodDisruptionBudget and NetworkPolicy select the Deployment\'s pods', () => {
    const deployment = one(objects, 'Deployment');
    const podLabels = deployment['spec']['template']['metadata']['labels'] as Record<string, string>;
    const selects = (sel: Record<string, string>) => Object.keys(sel).length > 0 && Object.entries(sel).every(([k, v]) => podLabels[k] === v);

    expect(selects(deployment['spec']['selector']['matchLabels'])).toBe(true);
    const service = one(objects, 'Service');
    expect(selects(service['spec']['selector'])).toBe(true);
    expect(service['spec']['ports']).toEqual([{ name: 'http', port: 8080, targetPort: 'http', protocol: 'TCP' }]);

    const pdb = one(objects, 'PodDisruptionBudget');
    expect(selects(pdb['spec']['selector']['matchLabels'])).toBe(true);
    expect(pdb['spec']['minAvailable']).toBeLessThan(deployment['spec']['replicas']);

    const np = one(objects, 'NetworkPolicy');
    expect(selects(np['spec']['podSelector']['matchLabels'])).toBe(true);
    expect(np['spec']['policyTypes']).toEqual(['Ingress', 'Egress']);
  });

  it('the NetworkPolicy lets in Alertmanager on the HTTP port and lets out only DNS, the API server and HTTPS sinks', () => {
    const np = one(objects, 'NetworkPolicy')['spec'];
    const ingress = np['ingress'] as Array<{ from: Array<Record<string, any>>; ports: unknown[] }>;
    expect(ingress).toHaveLength(1);
    expect(ingress[0]!.ports).toEqual([{ port: 'http', protocol: 'TCP' }]);
    expect(ingress[0]!.from.map((f) => f['podSelector']?.matchLabels?.['app.kubernetes.io/name'])).toContain('alertmanager');
    for (const f of ingress[0]!.from) expect(f['namespaceSelector'], 'ingress from one namespace, not all').toBeDefined();

    const ports = (np['egress'] as Array<{ ports?: Array<{ port: number; protocol: string }> }>)
      .flatMap((r) => {
        expect(r.ports, 'every egress rule names its ports').toBeDefined();
        return r.ports!.map((p) => `${p.protocol}/${p.port}`);
      })
      .sort();
    expect(ports).toEqual(['TCP/443', 'TCP/53', 'TCP/6443', 'UDP/53']);
    const dns = (np['egress'] as Array<{ to?: Array<Record<string, any>>; ports: Array<{ port: number }> }>).find((r) => r.ports.some((p) => p.port === 53));
    expect(dns?.to?.[0]?.['podSelector']?.matchLabels).toEqual({ 'k8s-app': 'kube-dns' });
  });

  it('alertmanager-receiver.yaml points at the Service with a token from a file', () => {
    const config = parse(readFileSync(join(DIR, 'alertmanager-receiver.yaml'), 'utf8'));
    const service = one(objects, 'Service');
    const receiver = config.receivers.find((r: { name: string }) => r.name === 'kubetriage');
    const hook = receiver.webhook_configs[0];
    expect(hook.url).toBe(`http://${service.metadata.name}.${service.metadata.namespace}.svc:${service['spec']['ports'][0].port}/v1/alertmanager`);
    expect(hook.http_config.authorization.credentials).toBeUndefined();
    expect(hook.http_config.authorization.credentials_file).toMatch(/^\//);
    expect(config.route.routes.some((r: { receiver: string }) => r.receiver === 'kubetriage')).toBe(true);
  });

  const amtool = whichBinary([], 'amtool');
  it.runIf(amtool !== undefined || IN_CI)('alertmanager-receiver.yaml is a valid Alertmanager configuration (amtool check-config)', () => {
    expect(amtool, 'amtool (Debian package prometheus-alertmanager)').toBeDefined();
    const r = spawnSync(amtool!, ['check-config', join(DIR, 'alertmanager-receiver.yaml')], { encoding: 'utf8' });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/SUCCESS/);
  });
});

describe.skipIf(apiserverMissing !== undefined && !IN_CI)('infra/kubernetes applied to a real kube-apiserver v1.20 (--dry-run=server)', () => {
  let server: RealKubeApiServer | undefined;
  let dir = '';
  let kubeconfig = '';

  beforeAll(async () => {
    expect(apiserverMissing).toBeUndefined();
    server = await startRealKubeApiServer();
    dir = mkdtempSync(join(tmpdir(), 'kubetriage-manifests-'));
    kubeconfig = join(dir, 'kubeconfig');
    server.writeKubeconfig(kubeconfig, 'admin');
    // Namespaced objects need their namespace to exist, even in a dry run; a real cluster running
    // Alertmanager has it.
    const ns = await applyAdmin(server, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'monitoring' } });
    expect(ns.status).toBe(201);
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  const dryRun = (manifests: string) =>
    spawnSync(kubectl!, ['--kubeconfig', kubeconfig, 'apply', '--dry-run=server', '-f', '-'], { input: manifests, encoding: 'utf8' });

  it('accepts every object v1.20 serves; only the policy/v1 PodDisruptionBudget is left out', async () => {
    const { objects } = render();
    // v1.20 serves policy/v1beta1 only; policy/v1 PodDisruptionBudget arrived in 1.21.
    const skipped = objects.filter((o) => o.apiVersion === 'policy/v1');
    expect(skipped.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['PodDisruptionBudget/kubetriage']);
    const applied = objects.filter((o) => !skipped.includes(o));

    const r = dryRun(applied.map((o) => stringify(o)).join('---\n'));
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n').sort();
    expect(lines).toEqual(applied.map((o) => `${kindPath(o)}/${o.metadata.name} created (server dry run)`).sort());

    // A dry run persists nothing.
    const get = await applyAdmin(server!, 'GET', '/apis/apps/v1/namespaces/monitoring/deployments/kubetriage');
    expect(get.status).toBe(404);
  });

  it('the unmodified render fails on v1.20 exactly because of policy/v1', () => {
    const r = dryRun(render().text);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/no matches for kind "PodDisruptionBudget" in version "policy\/v1"/);
  });

  it('the PodDisruptionBudget\'s spec is accepted as policy/v1beta1 (same fields; our selector is not empty, the one case v1 reads differently)', () => {
    const pdb = render().objects.find((o) => o.kind === 'PodDisruptionBudget')!;
    const r = dryRun(stringify({ ...pdb, apiVersion: 'policy/v1beta1' }));
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('poddisruptionbudget.policy/kubetriage created (server dry run)');
  });

  it('the dry run does validate: a Deployment with an invalid value is rejected', () => {
    const deployment = render().objects.find((o) => o.kind === 'Deployment')!;
    const broken = structuredClone(deployment);
    broken['spec']['template']['spec']['containers'][0]['securityContext']['runAsUser'] = -1;
    const r = dryRun(stringify(broken));
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/runAsUser/);
  });
});

/** kubectl's resource/name prefix: "deployment.apps", "serviceaccount", "clusterrole.rbac.authorization.k8s.io". */
function kindPath(o: Obj): string {
  const slash = o.apiVersion.indexOf('/');
  const group = slash < 0 ? '' : o.apiVersion.slice(0, slash);
  return group ? `${o.kind.toLowerCase()}.${group}` : o.kind.toLowerCase();
}
