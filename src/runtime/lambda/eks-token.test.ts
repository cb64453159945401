import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DEFAULT_REFRESH_AFTER_MS, TOKEN_PREFIX, eksTokenCache, presignEksToken } from './eks-token.ts';
import type { AwsCredentials } from './aws-signing.ts';

// AWS's documented example credentials (not real).
const CREDS: AwsCredentials = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', sessionToken: 'FwoGZXIvYXdzEBYaDH+session/token==' };
const AT = Date.UTC(2026, 10, 21, 9, 30, 5); // 2026-11-21T09:30:05Z

/** SigV4 for a presigned URL, written from the spec with node:crypto only, to check the SDK's output independently. */
function referenceSignature(o: { method: string; host: string; path: string; query: Record<string, string>; headers: Record<string, string>; payloadHash: string; secret: string; region: string; service: string; amzDate: string }): string {
  const enc = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  const canonicalQuery = Object.keys(o.query).sort().map((k) => `${enc(k)}=${enc(o.query[k]!)}`).join('&');
  const names = Object.keys(o.headers).map((h) => h.toLowerCase()).sort();
  const canonicalHeaders = names.map((h) => `${h}:${o.headers[h]!.trim()}\n`).join('');
  const canonicalRequest = [o.method, o.path, canonicalQuery, canonicalHeaders, names.join(';'), o.payloadHash].join('\n');
  const day = o.amzDate.slice(0, 8);
  const scope = `${day}/${o.region}/${o.service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', o.amzDate, scope, createHash('sha256').update(canonicalRequest).digest('hex')].join('\n');
  let key: Buffer | string = `AWS4${o.secret}`;
  for (const part of [day, o.region, o.service, 'aws4_request']) key = createHmac('sha256', key).update(part).digest();
  return createHmac('sha256', key).update(stringToSign).digest('hex');
}

function decodeToken(token: string): URL {
  expect(token.startsWith(TOKEN_PREFIX)).toBe(true);
  const b64 = token.slice(TOKEN_PREFIX.length);
  expect(b64).toMatch(/^[A-Za-z0-9_-]+$/); // base64url, no padding
  return new URL(Buffer.from(b64, 'base64url').toString('utf8'));
}

describe('the reference SigV4 implementation used by these tests', () => {
  it("reproduces AWS's published presigned-URL example (S3 GET /test.txt, 2013-05-24)", () => {
    const sig = referenceSignature({
      method: 'GET', host: 'examplebucket.s3.amazonaws.com', path: '/test.txt',
      query: { 'X-Amz-Algorithm': 'AWS4-HMAC-SHA256', 'X-Amz-Credential': 'AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request', 'X-Amz-Date': '20130524T000000Z', 'X-Amz-Expires': '86400', 'X-Amz-SignedHeaders': 'host' },
      headers: { host: 'examplebucket.s3.amazonaws.com' }, payloadHash: 'UNSIGNED-PAYLOAD',
      secret: CREDS.secretAccessKey, region: 'us-east-1', service: 's3', amzDate: '20130524T000000Z',
    });
    expect(sig).toBe('aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404');
  });
});

describe('presignEksToken', () => {
  const options = { clusterName: 'prod-eu', region: 'eu-west-1', credentials: async () => CREDS, now: () => AT };

  it('is k8s-aws-v1. + base64url (no padding) of a presigned STS GetCallerIdentity URL', async () => {
    const { token, url } = await presignEksToken(options);
    const u = decodeToken(token);
    expect(u.toString()).toBe(new URL(url).toString());
    expect(u.protocol).toBe('https:');
    expect(u.host).toBe('sts.eu-west-1.amazonaws.com');
    expect(u.pathname).toBe('/');
    const q = Object.fromEntries(u.searchParams);
    expect(q).toMatchObject({
      Action: 'GetCallerIdentity',
      Version: '2011-06-15',
      'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
      'X-Amz-Credential': 'AKIAIOSFODNN7EXAMPLE/20261121/eu-west-1/sts/aws4_request',
      'X-Amz-Date': '20261121T093005Z',
      'X-Amz-Expires': '60',
      'X-Amz-SignedHeaders': 'host;x-k8s-aws-id',
      'X-Amz-Security-Token': CREDS.sessionToken,
    });
    expect(q['X-Amz-Signature']).toMatch(/^[0-9a-f]{64}$/);
    // The cluster name travels only inside the signature: the authenticator adds the header back when it verifies.
    expect(u.toString()).not.toContain('prod-eu');
  });

  it('signs exactly what SigV4 says, checked against an independent node:crypto implementation', async () => {
    const { token } = await presignEksToken(options);
    const u = decodeToken(token);
    const query = Object.fromEntries([...u.searchParams].filter(([k]) => k !== 'X-Amz-Signature'));
    const expected = referenceSignature({
      method: 'GET', host: 'sts.eu-west-1.amazonaws.com', path: '/', query,
      headers: { host: 'sts.eu-west-1.amazonaws.com', 'x-k8s-aws-id': 'prod-eu' },
      payloadHash: createHash('sha256').update('').digest('hex'),
      secret: CREDS.secretAccessKey, region: 'eu-west-1', service: 'sts', amzDate: '20261121T093005Z',
    });
    expect(u.searchParams.get('X-Amz-Signature')).toBe(expected);
  });

  it('is deterministic for fixed credentials and clock, and bound to the cluster name', async () => {
    const a = await presignEksToken(options);
    const b = await presignEksToken(options);
    const other = await presignEksToken({ ...options, clusterName: 'prod-us' });
    expect(a.token).toBe(b.token);
    expect(decodeToken(other.token).searchParams.get('X-Amz-Signature')).not.toBe(decodeToken(a.token).searchParams.get('X-Amz-Signature'));
  });

  it('omits the security token for long-term keys and uses the .cn domain in China regions', async () => {
    const { token } = await presignEksToken({ ...options, region: 'cn-north-1', credentials: async () => ({ accessKeyId: CREDS.accessKeyId, secretAccessKey: CREDS.secretAccessKey }) });
    const u = decodeToken(token);
    expect(u.host).toBe('sts.cn-north-1.amazonaws.com.cn');
    expect(u.searchParams.has('X-Amz-Security-Token')).toBe(false);
  });

  it('expires 15 minutes after signing, or when the signing credentials do if that is sooner', async () => {
    expect((await presignEksToken(options)).expiresAt).toBe(AT + 15 * 60_000);
    const soon = new Date(AT + 4 * 60_000);
    expect((await presignEksToken({ ...options, credentials: async () => ({ ...CREDS, expiration: soon }) })).expiresAt).toBe(soon.getTime());
  });
});

describe('eksTokenCache', () => {
  function setup(credentials: () => Promise<AwsCredentials> = async () => CREDS) {
    let t = AT;
    let signings = 0;
    const cache = eksTokenCache({ clusterName: 'prod-eu', region: 'eu-west-1', credentials: async () => { signings++; return credentials(); }, now: () => t });
    return { cache, advance: (ms: number) => { t += ms; }, signings: () => signings };
  }
  const dateOf = (token: string) => decodeToken(token).searchParams.get('X-Amz-Date');

  it('reuses a token until it is 10 minutes old, then signs a new one', async () => {
    const { cache, advance, signings } = setup();
    const first = await cache.token();
    advance(DEFAULT_REFRESH_AFTER_MS - 1);
    expect(await cache.token()).toBe(first);
    expect(signings()).toBe(1);
    advance(1);
    const second = await cache.token();
    expect(second).not.toBe(first);
    expect(dateOf(second)).toBe('20261121T094005Z');
    expect(signings()).toBe(2);
  });

  it('signs once for concurrent callers', async () => {
    const { cache, signings } = setup();
    const tokens = await Promise.all([cache.token(), cache.token(), cache.token()]);
    expect(new Set(tokens).size).toBe(1);
    expect(signings()).toBe(1);
  });

  it('signs again early when the credentials behind the token are about to expire', async () => {
    const { cache: long, advance, signings: longSignings } = setup(async () => ({ ...CREDS, expiration: new Date(AT + 60 * 60_000) }));
    await long.token();
    advance(4 * 60_000);
    await long.token();
    expect(longSignings()).toBe(1);
    // Credentials ending within the refresh margin are never trusted for a reuse.
    const { cache: short, signings: shortSignings } = setup(async () => ({ ...CREDS, expiration: new Date(AT + 2 * 60_000) }));
    await short.token();
    await short.token();
    expect(shortSignings()).toBe(2);
  });

  it('does not keep a failure: the next call signs again', async () => {
    let fail = true;
    const { cache } = setup(async () => {
      if (fail) throw new Error('no credentials in the environment');
      return CREDS;
    });
    await expect(cache.token()).rejects.toThrow('no credentials in the environment');
    fail = false;
    expect((await cache.token()).startsWith(TOKEN_PREFIX)).toBe(true);
  });

  it('peek: nothing before the first signing, the cached token after, a background refresh when due, nothing once expired', async () => {
    let fail = false;
    const { cache, advance, signings } = setup(async () => { if (fail) throw new Error('credentials are gone'); return CREDS; });
    expect(cache.peek()).toBeUndefined();
    const first = await cache.token(); // the peek above started a signing; token() joins it
    expect(signings()).toBe(1);
    expect(cache.peek()).toBe(first);
    advance(DEFAULT_REFRESH_AFTER_MS);
    expect(cache.peek()).toBe(first); // still valid: handed out while a new one is signed
    const second = await cache.token();
    expect(second).not.toBe(first);
    expect(signings()).toBe(2);
    expect(cache.peek()).toBe(second);
    fail = true;
    advance(15 * 60_000);
    expect(cache.peek()).toBeUndefined(); // expired, and the refresh fails
    await Promise.resolve();
  });
});
