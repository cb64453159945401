// eks:DescribeCluster: the API endpoint and CA of a cluster, so the function's environment only
// names the cluster. One signed REST call; the IAM role needs eks:DescribeCluster on it.
import { awsCall, AwsCallError, type AwsCallDeps } from './aws-signing.ts';
import type { ReasonedError } from '../../evidence/lazy-source.ts';
import type { EvidenceErrorReason } from '../../evidence/source.ts';

export interface EksCluster {
  name: string;
  /** https://XXXX.gr7.eu-west-1.eks.amazonaws.com */
  endpoint: string;
  /** Base64 PEM of the cluster CA, as kubeconfig's certificate-authority-data wants it. */
  caData: string;
}

export async function describeCluster(name: string, region: string, deps: AwsCallDeps): Promise<EksCluster> {
  let out: { cluster?: { endpoint?: string; certificateAuthority?: { data?: string }; status?: string } };
  try {
    out = await awsCall({ service: 'eks', region, method: 'GET', path: `/clusters/${encodeURIComponent(name)}`, action: 'eks:DescribeCluster' }, deps) as typeof out;
  } catch (err) {
    const status = err instanceof AwsCallError ? err.status : undefined;
    const reason: EvidenceErrorReason = status === undefined ? 'unreachable' : status === 404 ? 'unknown-cluster' : status === 401 || status === 403 ? 'forbidden' : status === 429 ? 'rate-limited' : status >= 500 ? 'server-error' : 'invalid-response';
    throw Object.assign(new Error((err as Error).message), { reason }) satisfies ReasonedError;
  }
  const endpoint = out.cluster?.endpoint;
  const caData = out.cluster?.certificateAuthority?.data;
  if (!endpoint || !caData) {
    throw Object.assign(new Error(`eks:DescribeCluster: cluster ${name} has no endpoint or CA yet (status ${out.cluster?.status ?? 'unknown'})`), { reason: 'not-configured' as const });
  }
  return { name, endpoint, caData };
}
