import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../config/config.ts';
import { loadLambdaConfig } from './config.ts';

const TOKEN = 'lambda-token-0123456789abcdef';
const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:kubetriage/auth-token-AbCdEf';
const BASIC_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:kubetriage/basic-AbCdEf';
const secrets: Record<string, string> = { [ARN]: `${TOKEN}\n`, [BASIC_ARN]: 'alertmanager:correct-horse-battery' };
const deps = {
  getSecret: async (arn: string) => { const v = secrets[arn]; if (v === undefined) throw new Error('400 ResourceNotFoundException: Secrets Manager can\'t find the specified secret.'); return v; },
  readFile: (path: string) => { if (path === '/opt/token') return 'file-token-0123456789abcdef'; throw Object.assign(new Error('nope'), { code: 'ENOENT' }); },
};

async function problemsOf(env: Record<string, string>): Promise<string[]> {
  try {
    await loadLambdaConfig(env, deps);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('loadLambdaConfig', () => {
  it('resolves NAME_SECRET_ARN through Secrets Manager into the one config schema (trimmed)', async () => {
    const { config, eks } = await loadLambdaConfig({ KUBETRIAGE_AUTH_TOKEN_SECRET_ARN: ARN, KUBETRIAGE_BASIC_AUTH_SECRET_ARN: BASIC_ARN, KUBETRIAGE_DEADLINE_MS: '2500' }, deps);
    expect(config.KUBETRIAGE_AUTH_TOKEN).toEqual([TOKEN]);
    expect(config.KUBETRIAGE_BASIC_AUTH).toEqual(['alertmanager:correct-horse-battery']);
    expect(config.KUBETRIAGE_DEADLINE_MS).toBe(2500);
    expect(eks).toBeUndefined();
  });

  it('keeps NAME and NAME_FILE working', async () => {
    expect((await loadLambdaConfig({ KUBETRIAGE_AUTH_TOKEN: TOKEN }, deps)).config.KUBETRIAGE_AUTH_TOKEN).toEqual([TOKEN]);
    expect((await loadLambdaConfig({ KUBETRIAGE_AUTH_TOKEN_FILE: '/opt/token' }, deps)).config.KUBETRIAGE_AUTH_TOKEN).toEqual(['file-token-0123456789abcdef']);
  });

  it('builds the EKS settings: the default cluster first, then the clusters KUBETRIAGE_CLUSTERS maps labels onto', async () => {
    const { eks, config } = await loadLambdaConfig({ KUBETRIAGE_AUTH_TOKEN: TOKEN, AWS_REGION: 'eu-west-1', KUBETRIAGE_EKS_CLUSTER: 'prod-eu', KUBETRIAGE_CLUSTERS: 'eu=prod-eu,us=prod_us-2' }, deps);
    expect(eks).toEqual({ region: 'eu-west-1', defaultCluster: 'prod-eu', clusters: ['prod-eu', 'prod_us-2'], labels: { eu: 'prod-eu', us: 'prod_us-2' }, deadlineMs: 4000 });
    expect(config.KUBETRIAGE_CLUSTERS).toEqual({ eu: 'prod-eu', us: 'prod_us-2' });
  });

  it('reports every problem, Lambda-only and schema alike, in one ConfigError', async () => {
    const problems = await problemsOf({
      KUBETRIAGE_AUTH_TOKEN: TOKEN, KUBETRIAGE_AUTH_TOKEN_SECRET_ARN: ARN,
      KUBETRIAGE_BASIC_AUTH_SECRET_ARN: 'kubetriage/basic',
      KUBETRIAGE_EKS_CLUSTER: '-bad name',
      KUBETRIAGE_CLUSTERS: 'us=has space',
      KUBETRIAGE_DEMO: 'true',
      KUBECONFIG: '/var/task/kubeconfig',
      KUBETRIAGE_DEADLINE_MS: 'soon',
    });
    expect(problems).toEqual(expect.arrayContaining([
      'KUBETRIAGE_AUTH_TOKEN_SECRET_ARN and KUBETRIAGE_AUTH_TOKEN are both set; set one',
      'KUBETRIAGE_BASIC_AUTH_SECRET_ARN: "kubetriage/basic" is not a Secrets Manager secret ARN',
      'KUBETRIAGE_EKS_CLUSTER: "-bad name" is not an EKS cluster name',
      'AWS_REGION: must be set for KUBETRIAGE_EKS_CLUSTER (Lambda sets it)',
      'KUBETRIAGE_CLUSTERS: "has space" is not an EKS cluster name',
      expect.stringMatching(/^KUBETRIAGE_DEMO: the demo cluster is not bundled/),
      expect.stringMatching(/^KUBECONFIG: not used on Lambda/),
      expect.stringMatching(/^KUBETRIAGE_DEADLINE_MS: /),
    ]));
    expect(problems).toHaveLength(8);
  });

  it('names the secret that could not be read and why', async () => {
    const missing = ARN.replace('auth-token', 'gone');
    expect(await problemsOf({ KUBETRIAGE_AUTH_TOKEN_SECRET_ARN: missing })).toEqual([
      `KUBETRIAGE_AUTH_TOKEN_SECRET_ARN: cannot read ${missing}: 400 ResourceNotFoundException: Secrets Manager can't find the specified secret.`,
    ]);
  });

  it('requires a default cluster when labels are mapped, so an alert without a cluster label is never read from an arbitrary one', async () => {
    expect(await problemsOf({ KUBETRIAGE_AUTH_TOKEN: TOKEN, AWS_REGION: 'eu-west-1', KUBETRIAGE_CLUSTERS: 'eu=prod-eu' })).toEqual([
      'KUBETRIAGE_EKS_CLUSTER: must be set with KUBETRIAGE_CLUSTERS (alerts without a cluster label are read from it)',
    ]);
  });
});
