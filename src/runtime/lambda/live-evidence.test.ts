// The EKS path end to end, short of AWS: DescribeCluster answered by a recording fetch, each
// cluster played by a Kubernetes API server double over HTTPS with its own CA that demands the
// exact bearer token aws-iam-authenticator would produce for it, read by the real live reader.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKubeApiServer, type KubeApiServer } from '../../../test/support/kube-api-server.ts';
import { node, pod } from '../../../test/support/kube-builders.ts';
import type { AwsCredentials } from './aws-signing.ts';
import { presignEksToken } from './eks-token.ts';
import { eksEvidenceSource } from './live-evidence.ts';

const CREDS: AwsCredentials = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', sessionToken: 'session-token' };
const AT = Date.UTC(2026, 10, 21, 9, 30, 5);
const credentials = async () => CREDS;
const now = () => AT;
const oom = (name: string) => pod({ name, containers: [{ name: 'app', restartCount: 5, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { reason: 'OOMKilled', exitCode: 137 } } }] }) as never;
const target = { kind: 'Pod', namespace: 'shop', name: 'cart-1' };
const collect = (source: Awaited<ReturnType<typeof eksEvidenceSource>>, cluster?: string) =>
  source.session({ signal: AbortSignal.timeout(5000), ...(cluster ? { cluster } : {}) }).collect(target);

describe('eksEvidenceSource', () => {
  const servers: Record<string, KubeApiServer> = {};
  const described: string[] = [];
  let fetch: typeof globalThis.fetch;

  beforeAll(async () => {
    // Each API server accepts only the token signed for its own cluster name.
    for (const name of ['prod-eu', 'prod-us']) {
      const { token } = await presignEksToken({ clusterName: name, region: 'eu-west-1', credentials, now });
      servers[name] = await startKubeApiServer({ snapshot: { objects: [oom('cart-1'), node('worker-1') as never], logs: [] }, tls: true, token });
    }
    fetch = (async (url: string) => {
      described.push(url);
      const name = url.split('/').at(-1)!;
      const server = servers[name === 'prod-eu-wrong-ca' ? 'prod-eu' : name]!;
      const ca = name === 'prod-eu-wrong-ca' ? servers['prod-us']!.caPem! : server.caPem!;
      return Response.json({ cluster: { name, status: 'ACTIVE', endpoint: server.url, certificateAuthority: { data: Buffer.from(ca).toString('base64') } } });
    }) as unknown as typeof globalThis.fetch;
  });
  afterAll(async () => {
    await Promise.all(Object.values(servers).map((s) => s.close()));
  });

  const settings = { region: 'eu-west-1', defaultCluster: 'prod-eu', clusters: ['prod-eu', 'prod-us'], labels: { eu: 'prod-eu', us: 'prod-us' }, deadlineMs: 4000 };

  it('describes each cluster, then reads it over TLS with its CA and its own in-process EKS token', async () => {
    const source = await eksEvidenceSource({ ...settings, credentials, fetch, now });
    expect(described).toEqual(['https://eks.eu-west-1.amazonaws.com/clusters/prod-eu', 'https://eks.eu-west-1.amazonaws.com/clusters/prod-us']);
    expect(source.description).toBe('EKS cluster prod-eu (eu-west-1)');

    const eu = await collect(source);
    expect(eu.errors).toEqual([]);
    expect(eu.objects.some((o) => o.kind === 'Pod' && (o.metadata as { name?: string }).name === 'cart-1')).toBe(true);
    expect(servers['prod-eu']!.requests.some((r) => r.path === '/api/v1/namespaces/shop/pods/cart-1' && r.status === 200)).toBe(true);

    // The `cluster` label picks the other context; its token is the one signed for prod-us.
    const before = servers['prod-us']!.requests.length;
    const us = await collect(source, 'us');
    expect(us.errors).toEqual([]);
    expect(servers['prod-us']!.requests.length).toBeGreaterThan(before);
    expect(servers['prod-us']!.requests.every((r) => r.status !== 401)).toBe(true);
  });

  it('an unmapped cluster label is partial evidence saying so, not a read of the default cluster', async () => {
    const source = await eksEvidenceSource({ ...settings, credentials, fetch, now });
    const out = await collect(source, 'ap');
    expect(out.partial).toBe(true);
    expect(out.errors[0]).toMatchObject({ reason: 'unknown-cluster' });
  });

  it('a token for another cluster is refused (401): the cluster name is bound into the signature', async () => {
    const source = await eksEvidenceSource({ ...settings, labels: { eu: 'prod-eu', us: 'prod-us' }, clusters: ['prod-eu', 'prod-us'], defaultCluster: 'prod-us', credentials, fetch: (async (url: string) => {
      // prod-us's endpoint points at prod-eu's server: prod-us's token must not open it.
      const name = url.split('/').at(-1)!;
      const s = servers['prod-eu']!;
      return Response.json({ cluster: { name, endpoint: s.url, certificateAuthority: { data: Buffer.from(s.caPem!).toString('base64') } } });
    }) as unknown as typeof globalThis.fetch, now });
    const out = await collect(source);
    expect(out.partial).toBe(true);
    expect(out.errors.map((e) => e.reason)).toContain('unauthorized');
  });

  it('refuses a server whose certificate the described CA did not sign', async () => {
    const source = await eksEvidenceSource({ ...settings, defaultCluster: 'prod-eu-wrong-ca', clusters: ['prod-eu-wrong-ca'], labels: {}, credentials, fetch, now });
    const out = await collect(source);
    expect(out.partial).toBe(true);
    expect(out.objects).toEqual([]);
  });
});
