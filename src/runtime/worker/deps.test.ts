import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../config/config.ts';
import { noEvidenceSource } from '../../evidence/source.ts';
import { workerDeps } from './deps.ts';

const TOKEN = 'a-worker-token-0123456789';

function problemsOf(env: Record<string, unknown>): string[] {
  try {
    workerDeps(env, '');
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('workerDeps', () => {
  it('with only a token: inline evidence, no sinks, the config defaults', () => {
    const deps = workerDeps({ KUBETRIAGE_AUTH_TOKEN: TOKEN, KUBETRIAGE_FORWARD_URL: '', SOME_KV: { get() {} } }, 'spec');
    expect(deps.evidence).toBe(noEvidenceSource);
    expect(deps.auth).toEqual({ bearerTokens: [TOKEN], basicCredentials: [] });
    expect(deps.sinks).toEqual([]);
    expect(deps.openapiYaml).toBe('spec');
    expect(deps.deadlineMs).toBe(4000);
  });

  it('reads evidence from the API server when both its URL and token are set, and forwards when a URL is set', () => {
    const deps = workerDeps({
      KUBETRIAGE_AUTH_TOKEN: TOKEN,
      KUBETRIAGE_KUBE_API_URL: 'https://k8s.example.com:6443',
      KUBETRIAGE_KUBE_TOKEN: 'sa-token',
      KUBETRIAGE_FORWARD_URL: 'https://hooks.example.com/am',
      KUBETRIAGE_DEADLINE_MS: '2500',
    }, '');
    expect(deps.evidence.description).toBe('Kubernetes API https://k8s.example.com:6443 (bearer token, fetch)');
    expect(deps.sinks?.map((s) => s.kind)).toEqual(['webhook']);
    expect(deps.deadlineMs).toBe(2500);
  });

  it('configures PagerDuty and Slack sinks from their variables, as on Node', () => {
    const deps = workerDeps({
      KUBETRIAGE_AUTH_TOKEN: TOKEN,
      KUBETRIAGE_PAGERDUTY_ROUTING_KEY: 'r'.repeat(32),
      KUBETRIAGE_SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T/B/X',
    }, '');
    expect(deps.sinks?.map((s) => s.kind).sort()).toEqual(['pagerduty', 'slack']);
    expect(deps.routeAlert).toBeTypeOf('function');
  });

  it('runs open only when asked to', () => {
    expect(problemsOf({})).toEqual([expect.stringMatching(/^KUBETRIAGE_AUTH_TOKEN: no credentials are configured/)]);
    expect(workerDeps({ KUBETRIAGE_AUTH_OPEN: 'true' }, '').auth).toEqual({ bearerTokens: [], basicCredentials: [] });
  });

  it('lists every bad variable in one error, the shared schema\'s and the Worker\'s own', () => {
    const problems = problemsOf({
      KUBETRIAGE_AUTH_TOKEN: TOKEN,
      KUBETRIAGE_DEADLINE_MS: 'soon',
      KUBETRIAGE_KUBE_API_URL: 'http://10.0.0.1:6443',
      KUBETRIAGE_DEMO: 'true',
      KUBETRIAGE_CLUSTERS: 'prod=ctx',
      KUBECONFIG: '/etc/kube/config',
      KUBETRIAGE_BASIC_AUTH_FILE: '/run/secrets/basic',
    });
    const names = problems.map((p) => p.split(':')[0]);
    expect(names).toEqual(expect.arrayContaining([
      'KUBETRIAGE_BASIC_AUTH_FILE',
      'KUBETRIAGE_DEADLINE_MS',
      'KUBETRIAGE_KUBE_API_URL',
      'KUBETRIAGE_DEMO',
      'KUBETRIAGE_CLUSTERS',
      'KUBECONFIG',
    ]));
    expect(problems.find((p) => p.startsWith('KUBETRIAGE_KUBE_API_URL:'))).toMatch(/https/);
    expect(problems.find((p) => p.startsWith('KUBETRIAGE_BASIC_AUTH_FILE'))).toMatch(/wrangler secret put/);
  });

  it('wants the API server URL and its token together', () => {
    expect(problemsOf({ KUBETRIAGE_AUTH_TOKEN: TOKEN, KUBETRIAGE_KUBE_API_URL: 'https://k8s.example.com' })).toEqual([
      'KUBETRIAGE_KUBE_API_URL and KUBETRIAGE_KUBE_TOKEN: set both, or neither (evidence inline only)',
    ]);
  });

  it('accepts the settings that mean "nothing special" on Workers', () => {
    expect(() => workerDeps({ KUBETRIAGE_AUTH_TOKEN: TOKEN, KUBETRIAGE_DEMO: 'auto', KUBETRIAGE_CLUSTERS: ' ' }, '')).not.toThrow();
  });
});
