// Secrets Manager and EKS DescribeCluster, each as one signed request: checked against a fetch
// that records what would go over the wire and answers as the AWS APIs do.
import { describe, expect, it } from 'vitest';
import { getSecretValue } from './secrets.ts';
import { describeCluster } from './eks-cluster.ts';
import type { AwsCredentials } from './aws-signing.ts';

const CREDS: AwsCredentials = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', sessionToken: 'session-token' };
const now = () => new Date(Date.UTC(2026, 10, 21, 9, 30, 5));
const ARN = 'arn:aws:secretsmanager:eu-central-1:123456789012:secret:kubetriage/auth-token-AbCdEf';

interface Sent { url: string; method: string; headers: Record<string, string>; body: string | undefined }

function recorder(answer: (sent: Sent) => Response) {
  const sent: Sent[] = [];
  const fetch = (async (url: string, init: RequestInit) => {
    const s = { url, method: String(init.method), headers: init.headers as Record<string, string>, body: init.body as string | undefined };
    sent.push(s);
    return answer(s);
  }) as unknown as typeof globalThis.fetch;
  return { sent, fetch };
}

const AUTH = /^AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE\/(\d{8})\/([a-z0-9-]+)\/([a-z]+)\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/;

describe('getSecretValue', () => {
  it('POSTs a signed GetSecretValue to the regional endpoint of the ARN and returns the trimmed SecretString', async () => {
    const { sent, fetch } = recorder(() => Response.json({ ARN, Name: 'kubetriage/auth-token', SecretString: 'the-token\n' }));
    expect(await getSecretValue(ARN, 'eu-central-1', { credentials: async () => CREDS, fetch, now })).toBe('the-token');
    const [req] = sent;
    expect(req).toMatchObject({ url: 'https://secretsmanager.eu-central-1.amazonaws.com/', method: 'POST', body: JSON.stringify({ SecretId: ARN }) });
    expect(req!.headers).toMatchObject({ 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'secretsmanager.GetSecretValue', 'x-amz-date': '20261121T093005Z', 'x-amz-security-token': 'session-token' });
    expect(req!.headers['host']).toBeUndefined(); // fetch derives it from the URL
    const [, day, region, service, signedHeaders] = AUTH.exec(req!.headers['authorization']!) ?? [];
    expect([day, region, service]).toEqual(['20261121', 'eu-central-1', 'secretsmanager']);
    expect(signedHeaders!.split(';')).toEqual(expect.arrayContaining(['content-type', 'host', 'x-amz-date', 'x-amz-security-token', 'x-amz-target']));
  });

  it('signs deterministically, and the signature covers the body', async () => {
    const { sent, fetch } = recorder(() => Response.json({ SecretString: 'x' }));
    await getSecretValue(ARN, 'eu-central-1', { credentials: async () => CREDS, fetch, now });
    await getSecretValue(ARN, 'eu-central-1', { credentials: async () => CREDS, fetch, now });
    await getSecretValue(ARN.replace('auth-token', 'other'), 'eu-central-1', { credentials: async () => CREDS, fetch, now });
    const sigs = sent.map((s) => AUTH.exec(s.headers['authorization']!)?.[5]);
    expect(sigs[0]).toBe(sigs[1]);
    expect(sigs[2]).not.toBe(sigs[0]);
  });

  it('names the AWS error type and message', async () => {
    const { fetch } = recorder(() => new Response(JSON.stringify({ __type: 'ResourceNotFoundException', Message: "Secrets Manager can't find the specified secret." }), { status: 400, headers: { 'content-type': 'application/x-amz-json-1.1' } }));
    await expect(getSecretValue(ARN, 'eu-central-1', { credentials: async () => CREDS, fetch, now })).rejects.toThrow("secretsmanager:GetSecretValue: 400 ResourceNotFoundException: Secrets Manager can't find the specified secret.");
    const binary = recorder(() => Response.json({ SecretBinary: 'AAEC' }));
    await expect(getSecretValue(ARN, 'eu-central-1', { credentials: async () => CREDS, fetch: binary.fetch, now })).rejects.toThrow('has no SecretString');
  });
});

describe('describeCluster', () => {
  const caData = Buffer.from('-----BEGIN CERTIFICATE-----\nMIIC\n-----END CERTIFICATE-----\n').toString('base64');

  it('GETs a signed DescribeCluster and returns the endpoint and CA', async () => {
    const { sent, fetch } = recorder(() => Response.json({ cluster: { name: 'prod-eu', status: 'ACTIVE', endpoint: 'https://ABCDEF.gr7.eu-west-1.eks.amazonaws.com', certificateAuthority: { data: caData } } }));
    expect(await describeCluster('prod-eu', 'eu-west-1', { credentials: async () => CREDS, fetch, now })).toEqual({ name: 'prod-eu', endpoint: 'https://ABCDEF.gr7.eu-west-1.eks.amazonaws.com', caData });
    expect(sent[0]).toMatchObject({ url: 'https://eks.eu-west-1.amazonaws.com/clusters/prod-eu', method: 'GET', body: undefined });
    const [, , region, service] = AUTH.exec(sent[0]!.headers['authorization']!) ?? [];
    expect([region, service]).toEqual(['eu-west-1', 'eks']);
  });

  it.each([
    [404, 'ResourceNotFoundException', 'No cluster found for name: prod-eu.', 'unknown-cluster'],
    [403, 'AccessDeniedException', 'User: arn:aws:sts::123456789012:assumed-role/kubetriage/fn is not authorized to perform: eks:DescribeCluster', 'forbidden'],
    [429, 'ThrottlingException', 'Rate exceeded', 'rate-limited'],
    [503, 'ServiceUnavailableException', 'try later', 'server-error'],
  ])('maps %i %s to the evidence reason the lazy source reports', async (status, type, message, reason) => {
    const { fetch } = recorder(() => new Response(JSON.stringify({ message }), { status, headers: { 'x-amzn-errortype': `${type}:http://internal.amazon.com/coral/com.amazonaws.eks/` } }));
    const err = await describeCluster('prod-eu', 'eu-west-1', { credentials: async () => CREDS, fetch, now }).catch((e: unknown) => e) as Error & { reason: string };
    expect(err.reason).toBe(reason);
    expect(err.message).toBe(`eks:DescribeCluster: ${status} ${type}: ${message}`);
  });

  it('maps a network failure to unreachable, and a cluster still being created to not-configured', async () => {
    const down = (async () => { throw new TypeError('fetch failed'); }) as unknown as typeof globalThis.fetch;
    await expect(describeCluster('prod-eu', 'eu-west-1', { credentials: async () => CREDS, fetch: down, now })).rejects.toMatchObject({ reason: 'unreachable', message: 'eks:DescribeCluster: eks.eu-west-1.amazonaws.com cannot be reached: fetch failed' });
    const { fetch } = recorder(() => Response.json({ cluster: { name: 'prod-eu', status: 'CREATING' } }));
    await expect(describeCluster('prod-eu', 'eu-west-1', { credentials: async () => CREDS, fetch, now })).rejects.toMatchObject({ reason: 'not-configured', message: 'eks:DescribeCluster: cluster prod-eu has no endpoint or CA yet (status CREATING)' });
  });
});
