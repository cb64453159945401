import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

const files: Record<string, string> = { '/run/secrets/token': 'token-from-a-file-0123456789\n' };
const readFile = (p: string) => {
  if (!(p in files)) throw Object.assign(new Error('no such file'), { code: 'ENOENT' });
  return files[p]!;
};
const problems = (env: Record<string, string>) => {
  try {
    loadConfig(env, readFile);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
};

describe('loadConfig', () => {
  it('has working defaults for an empty environment', () => {
    const c = loadConfig({}, readFile);
    expect(c).toMatchObject({ PORT: 8080, KUBETRIAGE_DEADLINE_MS: 4000, KUBETRIAGE_MAX_BODY_BYTES: 1_048_576, KUBETRIAGE_MAX_IN_FLIGHT_BYTES: 1_048_576, KUBETRIAGE_EVIDENCE_CACHE_TTL_MS: 10_000, KUBETRIAGE_DEMO: 'auto', KUBETRIAGE_AUTH_TOKEN: [], KUBETRIAGE_CLUSTERS: {} });
  });

  it('lists every bad variable in one error', () => {
    const p = problems({ PORT: 'eighty', KUBETRIAGE_DEADLINE_MS: '-5', KUBETRIAGE_FORWARD_URL: 'ftp://x', KUBETRIAGE_AUTH_TOKEN: 'short', KUBETRIAGE_CLUSTERS: 'prod-eu', KUBETRIAGE_DEMO: 'maybe' });
    const named = p.map((m) => m.split(':')[0]);
    expect(named).toEqual(expect.arrayContaining(['PORT', 'KUBETRIAGE_DEADLINE_MS', 'KUBETRIAGE_FORWARD_URL', 'KUBETRIAGE_AUTH_TOKEN', 'KUBETRIAGE_CLUSTERS', 'KUBETRIAGE_DEMO']));
    expect(p.length).toBeGreaterThanOrEqual(6);
  });

  it('reads secrets from NAME_FILE, refuses both forms at once, and reports an unreadable file', () => {
    expect(loadConfig({ KUBETRIAGE_AUTH_TOKEN_FILE: '/run/secrets/token' }, readFile).KUBETRIAGE_AUTH_TOKEN).toEqual(['token-from-a-file-0123456789']);
    expect(problems({ KUBETRIAGE_AUTH_TOKEN: 'token-in-the-env-0123456789', KUBETRIAGE_AUTH_TOKEN_FILE: '/run/secrets/token' }).join('\n')).toContain('set one');
    expect(problems({ KUBETRIAGE_AUTH_TOKEN_FILE: '/run/secrets/missing' }).join('\n')).toContain('KUBETRIAGE_AUTH_TOKEN_FILE: cannot read /run/secrets/missing: ENOENT');
  });

  it('takes several comma-separated credentials for a rotation, and the cluster map', () => {
    const c = loadConfig({ KUBETRIAGE_AUTH_TOKEN: 'old-token-0123456789abcdef, new-token-0123456789abcdef', KUBETRIAGE_BASIC_AUTH: 'am:password-one,am:password-two', KUBETRIAGE_CLUSTERS: 'prod-eu=eks-prod-eu, staging=kind-staging' }, readFile);
    expect(c.KUBETRIAGE_AUTH_TOKEN).toEqual(['old-token-0123456789abcdef', 'new-token-0123456789abcdef']);
    expect(c.KUBETRIAGE_BASIC_AUTH).toEqual(['am:password-one', 'am:password-two']);
    expect(c.KUBETRIAGE_CLUSTERS).toEqual({ 'prod-eu': 'eks-prod-eu', staging: 'kind-staging' });
  });

  it('takes an in-flight budget in bytes, and refuses 0 (nothing could ever be handled beside another request)', () => {
    expect(loadConfig({ KUBETRIAGE_MAX_IN_FLIGHT_BYTES: '262144' }, readFile).KUBETRIAGE_MAX_IN_FLIGHT_BYTES).toBe(262_144);
    expect(problems({ KUBETRIAGE_MAX_IN_FLIGHT_BYTES: '0' })[0]).toMatch(/^KUBETRIAGE_MAX_IN_FLIGHT_BYTES:/);
  });

  it('allows turning the evidence cache off with 0, but not a negative TTL', () => {
    expect(loadConfig({ KUBETRIAGE_EVIDENCE_CACHE_TTL_MS: '0' }, readFile).KUBETRIAGE_EVIDENCE_CACHE_TTL_MS).toBe(0);
    expect(problems({ KUBETRIAGE_EVIDENCE_CACHE_TTL_MS: '-1' })[0]).toMatch(/^KUBETRIAGE_EVIDENCE_CACHE_TTL_MS:/);
  });
});
