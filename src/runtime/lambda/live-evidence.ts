// The lazy half of the Lambda: everything live evidence needs, @kubernetes/client-node and the
// live reader first. The entry point reaches this module only through a dynamic import() behind
// lazyEvidenceSource, so the build puts it (and client-node) in a chunk that a cold start with
// inline evidence never loads.
//
// On Lambda the kubeconfig is built, not read: one context per EKS cluster, named after it (so
// KUBETRIAGE_CLUSTERS maps alert labels straight onto EKS cluster names), endpoint and CA from
// eks:DescribeCluster, and a bearer token minted in-process and re-signed before it expires.
import { KubeConfig } from '@kubernetes/client-node';
import { kubeEvidenceSource } from '../../evidence/kube-reader.ts';
import type { EvidenceSource } from '../../evidence/source.ts';
import { redactText } from '../../redact/redact.ts';
import { defaultCredentials, type CredentialProvider } from './aws-signing.ts';
import type { EksSettings } from './config.ts';
import { describeCluster, type EksCluster } from './eks-cluster.ts';
import { eksTokenCache, type EksTokenCache } from './eks-token.ts';

/**
 * A KubeConfig whose users always carry their cluster's current EKS token. The token is a
 * getter on the user entry rather than a KubeConfig authenticator, because the reader builds a
 * KubeConfig per context from the same user entries, and authenticators do not travel with them.
 */
export function eksKubeConfig(clusters: EksCluster[], defaultCluster: string, tokenFor: (cluster: string) => EksTokenCache): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: clusters.map((c) => ({ name: c.name, server: c.endpoint, caData: c.caData, skipTLSVerify: false })),
    users: clusters.map((c) => {
      const cache = tokenFor(c.name);
      return { name: c.name, get token() { return cache.peek(); } };
    }),
    contexts: clusters.map((c) => ({ name: c.name, cluster: c.name, user: c.name })),
    currentContext: defaultCluster,
  });
  return kc;
}

export interface EksEvidenceOptions extends EksSettings {
  credentials?: CredentialProvider;
  fetch?: typeof globalThis.fetch;
  /** Token signing clock; tests fix it. */
  now?: () => number;
}

/** Describes every configured cluster, signs a first token for each, and hands the live reader the KubeConfig. */
export async function eksEvidenceSource(o: EksEvidenceOptions): Promise<EvidenceSource> {
  const credentials = o.credentials ?? defaultCredentials();
  const deps = { credentials, ...(o.fetch ? { fetch: o.fetch } : {}), signal: AbortSignal.timeout(10_000) };
  const clusters = await Promise.all(o.clusters.map((name) => describeCluster(name, o.region, deps)));
  const caches = new Map(clusters.map((c) => [c.name, eksTokenCache({ clusterName: c.name, region: o.region, credentials, ...(o.now ? { now: o.now } : {}) })]));
  // The first tokens are signed here, so the users' synchronous getters have one from the start.
  await Promise.all([...caches.values()].map((c) => c.token()));
  return kubeEvidenceSource({
    kubeConfig: eksKubeConfig(clusters, o.defaultCluster, (name) => caches.get(name)!),
    clusters: o.labels,
    deadlineMs: o.deadlineMs,
    redactLine: redactText,
    description: `EKS cluster ${o.defaultCluster} (${o.region})`,
  });
}
