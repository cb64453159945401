// AWS SigV4 for the few AWS calls kubetriage makes from Lambda (the EKS token, DescribeCluster,
// Secrets Manager). Signing is done with the SDK v3 signing packages; requests are plain fetch,
// so no service client (and its weight) is bundled. Loaded lazily: only a function that uses a
// secret ARN or live EKS evidence imports this module.
import { Sha256 } from '@aws-crypto/sha256-js';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { SignatureV4 } from '@smithy/signature-v4';

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  /** When temporary credentials stop working; a token signed with them dies with them. */
  expiration?: Date;
}

export type CredentialProvider = () => Promise<AwsCredentials>;

/** The SDK's default chain (on Lambda: the execution role's credentials from the environment). */
export function defaultCredentials(): CredentialProvider {
  return defaultProvider();
}

/** Regional endpoint host of an AWS service, e.g. sts.eu-west-1.amazonaws.com (China: .amazonaws.com.cn). */
export function awsHost(service: string, region: string): string {
  return `${service}.${region}.amazonaws.com${region.startsWith('cn-') ? '.cn' : ''}`;
}

export function signer(service: string, region: string, credentials: CredentialProvider): SignatureV4 {
  return new SignatureV4({ service, region, sha256: Sha256, credentials, uriEscapePath: true });
}

/** RFC 3986 encoding, as SigV4 canonicalises query strings. */
export function rfc3986(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export interface AwsCall {
  service: string;
  region: string;
  method: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  body?: string;
  /** Names the call in error messages, e.g. "secretsmanager:GetSecretValue". */
  action: string;
}

export interface AwsCallDeps {
  credentials: CredentialProvider;
  fetch?: typeof globalThis.fetch;
  signal?: AbortSignal;
  /** Signing time; tests fix it. */
  now?: () => Date;
}

export class AwsCallError extends Error {
  readonly status: number | undefined;
  readonly errorType: string | undefined;
  constructor(message: string, status?: number, errorType?: string) {
    super(message);
    this.status = status;
    this.errorType = errorType;
  }
}

/** Signs and sends one request; resolves the JSON answer of a 2xx, else throws AwsCallError. */
export async function awsCall(call: AwsCall, deps: AwsCallDeps): Promise<unknown> {
  const hostname = awsHost(call.service, call.region);
  const signed = await signer(call.service, call.region, deps.credentials).sign({
    method: call.method,
    protocol: 'https:',
    hostname,
    path: call.path,
    query: {},
    headers: { host: hostname, ...call.headers },
    ...(call.body !== undefined ? { body: call.body } : {}),
  }, { signingDate: deps.now?.() ?? new Date() });
  const headers = { ...signed.headers };
  delete headers['host']; // fetch sets Host itself and refuses to be told
  let res: Response;
  try {
    res = await (deps.fetch ?? globalThis.fetch)(`https://${hostname}${call.path}`, {
      method: call.method,
      headers,
      ...(call.body !== undefined ? { body: call.body } : {}),
      ...(deps.signal ? { signal: deps.signal } : {}),
    });
  } catch (err) {
    throw new AwsCallError(`${call.action}: ${hostname} cannot be reached: ${(err as Error).message}`);
  }
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : {};
  } catch {
    json = undefined;
  }
  if (!res.ok) {
    // JSON protocols put the error type in __type ("com.amazon...#ResourceNotFoundException"), REST ones in a header.
    const body = (json ?? {}) as { __type?: string; message?: string; Message?: string };
    // "ResourceNotFoundException:http://internal.amazon.com/..." or "com.amazonaws.secretsmanager#ResourceNotFoundException"
    const errorType = (res.headers.get('x-amzn-errortype') ?? body.__type ?? '').split(':')[0]!.split('#').at(-1);
    const message = body.message ?? body.Message ?? text.slice(0, 200);
    throw new AwsCallError(`${call.action}: ${res.status}${errorType ? ` ${errorType}` : ''}: ${message}`, res.status, errorType || undefined);
  }
  if (json === undefined) throw new AwsCallError(`${call.action}: the answer is not JSON`, res.status);
  return json;
}
