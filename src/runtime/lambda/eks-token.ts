// The EKS bearer token, made in-process as aws-iam-authenticator (and `aws eks get-token`) make
// it: Lambda has no aws CLI, so an exec-plugin kubeconfig cannot work there.
//
// The token is a presigned STS GetCallerIdentity URL: the cluster's authenticator calls it and
// learns which IAM role is asking. The x-k8s-aws-id header (the cluster name) is signed, so a
// token minted for one cluster is refused by another. EKS accepts a token for 15 minutes after
// X-Amz-Date whatever X-Amz-Expires says; the CLI still sends 60, and so do we.
import { awsHost, rfc3986, signer, type AwsCredentials, type CredentialProvider } from './aws-signing.ts';

export const TOKEN_PREFIX = 'k8s-aws-v1.';
/** How long EKS honours a token after its X-Amz-Date. */
export const TOKEN_LIFETIME_MS = 15 * 60_000;
/** Refresh well before the end, so a token never expires between being handed out and used. */
export const DEFAULT_REFRESH_AFTER_MS = 10 * 60_000;
const CLUSTER_ID_HEADER = 'x-k8s-aws-id';

export interface EksTokenOptions {
  clusterName: string;
  region: string;
  credentials: CredentialProvider;
  /** Signing clock; tests fix it. */
  now?: () => number;
}

export interface EksToken {
  token: string;
  /** The presigned STS URL inside the token. */
  url: string;
  /** When it was signed (ms since the epoch). */
  issuedAt: number;
  /** When EKS stops accepting it: 15 min after signing, or earlier if the signing credentials expire first. */
  expiresAt: number;
}

/** base64url without padding, as the authenticator expects. */
function base64Url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}

export async function presignEksToken(o: EksTokenOptions): Promise<EksToken> {
  const issuedAt = (o.now ?? Date.now)();
  const hostname = awsHost('sts', o.region);
  // Resolve once, so the signature and the expiry below see the same credentials.
  const credentials: AwsCredentials = await o.credentials();
  const signed = await signer('sts', o.region, async () => credentials).presign({
    method: 'GET',
    protocol: 'https:',
    hostname,
    path: '/',
    query: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
    headers: { host: hostname, [CLUSTER_ID_HEADER]: o.clusterName },
  }, { expiresIn: 60, signingDate: new Date(issuedAt) });
  const query = Object.entries(signed.query ?? {})
    .flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === 'string').map((x) => [k, x] as const))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${rfc3986(k)}=${rfc3986(v)}`)
    .join('&');
  const url = `https://${hostname}/?${query}`;
  const credentialsEnd = credentials.expiration?.getTime() ?? Number.POSITIVE_INFINITY;
  return { token: TOKEN_PREFIX + base64Url(url), url, issuedAt, expiresAt: Math.min(issuedAt + TOKEN_LIFETIME_MS, credentialsEnd) };
}

export interface EksTokenCacheOptions extends EksTokenOptions {
  /** Age at which a new token is signed; default 10 minutes. */
  refreshAfterMs?: number;
}

export interface EksTokenCache {
  /** A token valid for at least (lifetime - refreshAfterMs); signs a new one when needed. */
  token(): Promise<string>;
  /**
   * The current token without waiting, for callers that must be synchronous: undefined before
   * the first signing and once it has expired. When it is due for refresh, a new one is signed
   * in the background (5 minutes before the old one stops working).
   */
  peek(): string | undefined;
}

/** One token per cluster, shared by every request; concurrent callers wait for the same signing. */
export function eksTokenCache(o: EksTokenCacheOptions): EksTokenCache {
  const now = o.now ?? Date.now;
  const refreshAfterMs = o.refreshAfterMs ?? DEFAULT_REFRESH_AFTER_MS;
  const margin = TOKEN_LIFETIME_MS - refreshAfterMs;
  let current: EksToken | undefined;
  let pending: Promise<EksToken> | undefined;
  const fresh = (t: EksToken) => {
    const at = now();
    return at - t.issuedAt < refreshAfterMs && t.expiresAt - at > margin;
  };
  const refresh = () => {
    pending ??= presignEksToken(o).then(
      (t) => { current = t; pending = undefined; return t; },
      (err: unknown) => { pending = undefined; throw err; },
    );
    return pending;
  };
  return {
    async token() {
      if (current && fresh(current)) return current.token;
      return (await refresh()).token;
    },
    peek() {
      if (!current || !fresh(current)) refresh().catch(() => undefined); // a failure is retried on the next peek
      return current && current.expiresAt > now() ? current.token : undefined;
    },
  };
}
