import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createApp } from '../app.ts';
import type { EnrichedAlert } from '../alertmanager/enrich.ts';
import { ConfigError, loadConfig } from '../config/config.ts';
import { configFileSchema, emptyConfigFile, loadConfigFile, matches, parseMatcher, sinkDepsFromConfig, type Matcher, type RoutingEnv } from './routing.ts';
import { safeParse } from '../config/schema-parse.ts';
import { createPagerDutyStandIn } from '../../test/support/pagerduty-stand-in.ts';
import { alertFor, DEMO_EXPECTED, demoSource, payloadOf } from '../../test/support/enriched-alerts.ts';

const PD_KEY = 'PDKEY00000000000000000000000000A';
const PD_KEY_2 = 'PDKEY00000000000000000000000000B';
const SLACK = 'https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX';
const env = (o: Partial<RoutingEnv> = {}): RoutingEnv => ({ KUBETRIAGE_PAGERDUTY_EVENTS_URL: 'https://events.pagerduty.com/v2/enqueue', ...o });
const alert = (labels: Record<string, string>) => ({ labels, annotations: {}, status: 'firing', kubetriage: { deliveryKey: 'd', alertKey: 'a', alternatives: [], timeline: [], partial: false, errors: [] } }) as EnrichedAlert;
const problemsOf = (f: () => unknown): string[] => {
  try {
    f();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
};

// The example in README.md's "Routing" section, read from the README so the docs stay true.
const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const README_EXAMPLE = /## Routing[\s\S]*?```yaml\n([\s\S]*?)```/.exec(README)![1]!;

describe('matchers (Alertmanager syntax)', () => {
  const m = (s: string) => parseMatcher(s) as Matcher;
  it.each([
    ['severity=critical', { severity: 'critical' }, true],
    ['severity="critical"', { severity: 'critical' }, true],
    ['severity = "critical"', { severity: 'warning' }, false],
    ['severity!=critical', { severity: 'warning' }, true],
    ['severity!=critical', {}, true],
    ['severity=""', {}, true],
    ['namespace=~"pay.*"', { namespace: 'payments' }, true],
    ['namespace=~"pay"', { namespace: 'payments' }, false],
    ['namespace!~"kube-.*"', { namespace: 'kube-system' }, false],
    ['namespace!~"kube-.*"', { namespace: 'shop' }, true],
    ['team="a\\"b"', { team: 'a"b' }, true],
  ])('%s on %j → %s', (text, labels, expected) => {
    expect(matches(m(text), labels)).toBe(expected);
  });

  it.each(['severity', '=critical', '1abc=x', 'a=~"("', 'a="open'])('refuses %s with a reason', (text) => {
    expect(typeof parseMatcher(text)).toBe('string');
  });
});

describe('routing from the KUBETRIAGE_CONFIG file', () => {
  const files: Record<string, string> = { '/etc/kubetriage/pagerduty-payments-key': `${PD_KEY_2}\n` };
  const readFile = (p: string) => {
    if (p in files) return files[p]!;
    throw Object.assign(new Error(`ENOENT: ${p}`), { code: 'ENOENT' });
  };

  it('routes the README example: critical pages PagerDuty, everything goes to Slack (optional)', () => {
    const { routing, warnings, incidentTargets } = loadConfigFile(env({ KUBETRIAGE_PAGERDUTY_ROUTING_KEY: PD_KEY, KUBETRIAGE_SLACK_WEBHOOK_URL: SLACK }), { yamlText: README_EXAMPLE, readFile });
    expect(warnings).toEqual([]);
    expect(incidentTargets[0]!.pattern.exec('[prod-eu] Deployment shop/cart is down')!.groups).toEqual({ cluster: 'prod-eu', kind: 'Deployment', namespace: 'shop', name: 'cart' });
    const names = (labels: Record<string, string>) => routing.route(alert(labels)).map((s) => s.name);
    expect(names({ severity: 'critical', namespace: 'payments' })).toEqual(['pagerduty-payments']);
    expect(names({ severity: 'critical', namespace: 'shop' })).toEqual(['pagerduty', 'slack']);
    expect(names({ severity: 'warning', namespace: 'shop' })).toEqual(['slack']);
    const pd = routing.sinks.find((s) => s.name === 'pagerduty')!;
    const slack = routing.sinks.find((s) => s.name === 'slack')!;
    expect(routing.required(pd, alert({ severity: 'critical' }))).toBe(true);
    expect(routing.required(slack, alert({ severity: 'critical' }))).toBe(false);
    // The per-route key is the one from the file.
    const [req] = routing.sinks.find((s) => s.name === 'pagerduty-payments')!.render(payloadOf([]) as never, [{ ...alert({ severity: 'critical' }), status: 'resolved' }]);
    expect(JSON.parse(req!.body)).toMatchObject({ routing_key: PD_KEY_2 });
  });

  it('evaluates further routes after one with continue: true', () => {
    const { routing } = loadConfigFile(env({ KUBETRIAGE_PAGERDUTY_ROUTING_KEY: PD_KEY, KUBETRIAGE_SLACK_WEBHOOK_URL: SLACK }), {
      yamlText: 'routes:\n  - matchers: [severity=critical]\n    sinks: [pagerduty]\n    continue: true\n  - sinks: [slack]\n',
    });
    expect(routing.route(alert({ severity: 'critical' })).map((s) => s.name)).toEqual(['pagerduty', 'slack']);
    expect(routing.route(alert({ severity: 'info' })).map((s) => s.name)).toEqual(['slack']);
  });

  it('without routes, every configured sink takes every alert and is required', () => {
    const { routing } = loadConfigFile(env({ KUBETRIAGE_FORWARD_URL: 'http://am-relay:8080/hook', KUBETRIAGE_PAGERDUTY_ROUTING_KEY: PD_KEY, KUBETRIAGE_SLACK_WEBHOOK_URL: SLACK }));
    expect(routing.sinks.map((s) => [s.name, s.kind])).toEqual([['webhook', 'webhook'], ['pagerduty', 'pagerduty'], ['slack', 'slack']]);
    const a = alert({ severity: 'info' });
    expect(routing.route(a)).toEqual(routing.sinks);
    expect(routing.sinks.every((s) => routing.required(s, a))).toBe(true);
    expect(loadConfigFile(env()).routing.sinks).toEqual([]);
  });

  it('warns about unused sinks and about alerts no route takes', () => {
    const { warnings } = loadConfigFile(env({ KUBETRIAGE_PAGERDUTY_ROUTING_KEY: PD_KEY, KUBETRIAGE_SLACK_WEBHOOK_URL: SLACK }), { yamlText: 'routes:\n  - matchers: [severity=critical]\n    sinks: [pagerduty]\n' });
    expect(warnings).toEqual(['sink "slack" is configured but no route uses it', 'no route without matchers: alerts that match no route are enriched and returned, but not forwarded']);
  });

  it('lists every problem at once, naming where each is, and never echoes a secret', () => {
    const inlineKey = 'INLINE-SECRET-THAT-IS-NOT-32-CHARS';
    const yamlText = `
sinks:
  - name: pd-bad-key
    type: pagerduty
    routingKey: ${inlineKey}
  - name: pd-no-file
    type: pagerduty
    routingKeyFile: /nope/key
  - name: pd-both
    type: pagerduty
    routingKey: ${PD_KEY}
    routingKeyFile: /etc/kubetriage/pagerduty-payments-key
  - name: slack-none
    type: slack
routes:
  - matchers: [severity=critical]
    sinks: [pd-bad-key, pd-missing]
`;
    const problems = problemsOf(() => loadConfigFile(env(), { yamlText, yamlPath: '/etc/kubetriage/config.yaml', readFile }));
    expect(problems).toEqual([
      '/etc/kubetriage/config.yaml: sinks[0]: the routing key must be the 32-character integration key of an Events API v2 integration',
      '/etc/kubetriage/config.yaml: sinks[1].routingKeyFile: cannot read /nope/key: ENOENT',
      '/etc/kubetriage/config.yaml: sinks[2]: set routingKey or routingKeyFile, not both',
      '/etc/kubetriage/config.yaml: sinks[3]: no webhook URL: set webhookUrlFile, webhookUrl or KUBETRIAGE_SLACK_WEBHOOK_URL',
      '/etc/kubetriage/config.yaml: routes[0].sinks[1]: no sink named "pd-missing" (defined: pd-bad-key, pd-no-file, pd-both, slack-none)',
    ]);
    expect(problems.join('\n')).not.toContain(inlineKey);
    expect(problems.join('\n')).not.toContain(PD_KEY);
  });

  it('lists every schema problem at once: unknown keys and types, bad matchers, bad patterns', () => {
    const yamlText = `
sinks:
  - name: Bad Name
    type: pagerduty
  - name: teams
    type: msteams
routes:
  - matchers: ['severity', 'namespace=~"("']
    sinks: []
    contnue: true
pagerduty:
  incidentTargets:
    - field: title
      pattern: 'no groups here'
    - field: description
      pattern: '(?<pod>x'
extra: 1
`;
    const problems = problemsOf(() => loadConfigFile(env(), { yamlText }));
    const expected = [
      'sinks[0].name: use lowercase letters',
      'sinks[1].type: each sink needs type: pagerduty, slack or webhook',
      'routes[0].matchers[0]: "severity" is not a matcher',
      'routes[0].matchers[1]: "namespace=~"("": not a valid regular expression',
      'routes[0].sinks: name at least one sink',
      'routes[0]: Unrecognized key: "contnue"',
      'pagerduty.incidentTargets[0].pattern: needs named groups',
      'pagerduty.incidentTargets[1].field',
      'pagerduty.incidentTargets[1].pattern: not a valid regular expression',
      '(document): Unrecognized key: "extra"',
    ];
    for (const e of expected) expect(problems.some((p) => p.startsWith(`KUBETRIAGE_CONFIG: ${e}`)), `${e}\n${problems.join('\n')}`).toBe(true);
  });

  it('says where a YAML syntax error is', () => {
    expect(problemsOf(() => loadConfigFile(env(), { yamlText: 'routes: [\n  - sinks: [a' }))[0]).toMatch(/^KUBETRIAGE_CONFIG: not valid YAML: .*line/);
  });

  it('cannot read key files where there are none (Workers)', () => {
    expect(problemsOf(() => loadConfigFile(env(), { yamlText: 'sinks:\n  - { name: pd, type: pagerduty, routingKeyFile: /k }\n' }))).toEqual(['KUBETRIAGE_CONFIG: sinks[0].routingKeyFile: files cannot be read on this runtime']);
  });

  it('without a file, reads what an empty document parses to (the schema is not built for it)', () => {
    expect(safeParse(configFileSchema(), {})).toStrictEqual({ success: true, data: emptyConfigFile() });
    for (const yamlText of [undefined, '', '{}']) {
      const f = loadConfigFile(env({ KUBETRIAGE_FORWARD_URL: 'https://hook.example/x' }), yamlText === undefined ? {} : { yamlText });
      expect(f.routing.sinks.map((s) => s.name)).toEqual(['webhook']);
      expect({ incidentTargets: f.incidentTargets, runbookTemplates: f.runbookTemplates, warnings: f.warnings }).toStrictEqual({ incidentTargets: [], runbookTemplates: {}, warnings: [] });
    }
  });
});

describe('configuration variables', () => {
  it('reads every secret from *_FILE as well, and never prints a value in an error', () => {
    const files: Record<string, string> = { '/run/pd': `${PD_KEY}\n`, '/run/slack': `${SLACK}\n`, '/run/secret': 'old-secret-0123456789,new-secret-0123456789\n', '/run/token': 'pd-api-token\n' };
    const config = loadConfig({
      KUBETRIAGE_PAGERDUTY_ROUTING_KEY_FILE: '/run/pd', KUBETRIAGE_SLACK_WEBHOOK_URL_FILE: '/run/slack', KUBETRIAGE_PAGERDUTY_WEBHOOK_SECRET_FILE: '/run/secret',
      KUBETRIAGE_PAGERDUTY_API_TOKEN_FILE: '/run/token', KUBETRIAGE_PAGERDUTY_FROM: 'oncall@example.com',
    }, (p) => files[p]!);
    expect(config.KUBETRIAGE_PAGERDUTY_ROUTING_KEY).toBe(PD_KEY);
    expect(config.KUBETRIAGE_SLACK_WEBHOOK_URL).toBe(SLACK);
    expect(config.KUBETRIAGE_PAGERDUTY_WEBHOOK_SECRET).toEqual(['old-secret-0123456789', 'new-secret-0123456789']);
    expect(config.KUBETRIAGE_PAGERDUTY_API_TOKEN).toBe('pd-api-token');
    expect(config.KUBETRIAGE_PAGERDUTY_EVENTS_URL).toBe('https://events.pagerduty.com/v2/enqueue');
    expect(config.KUBETRIAGE_PAGERDUTY_API_URL).toBe('https://api.pagerduty.com');
    const problems = problemsOf(() => loadConfig({ KUBETRIAGE_PAGERDUTY_ROUTING_KEY: 'secret-but-short', KUBETRIAGE_SLACK_WEBHOOK_URL: 'not a url with secret-bits' }, () => ''));
    expect(problems).toHaveLength(2);
    expect(problems.join('\n')).not.toMatch(/secret-but-short|secret-bits/);
    expect(problemsOf(() => loadConfig({ KUBETRIAGE_PAGERDUTY_WEBHOOK_SECRET: 'webhook-secret-0123456789' }, () => ''))).toEqual(['KUBETRIAGE_PAGERDUTY_API_TOKEN: required with KUBETRIAGE_PAGERDUTY_WEBHOOK_SECRET: notes are written through the REST API']);
  });
});

describe('sinkDepsFromConfig: what a runtime hands createApp', () => {
  it('turns on PagerDuty webhooks with the REST API and the file\'s incident patterns', () => {
    const config = loadConfig({ KUBETRIAGE_PAGERDUTY_WEBHOOK_SECRET: 'a-webhook-secret-0123456789,b-webhook-secret-0123456789', KUBETRIAGE_PAGERDUTY_API_TOKEN: 'tok', KUBETRIAGE_PAGERDUTY_FROM: 'bot@example.com', KUBETRIAGE_PAGERDUTY_API_URL: 'https://api.eu.pagerduty.com', KUBETRIAGE_SLACK_WEBHOOK_URL: SLACK }, () => '');
    const deps = sinkDepsFromConfig(config, { yamlText: "pagerduty:\n  incidentTargets:\n    - { field: title, pattern: '(?<namespace>[a-z-]+)/(?<pod>[a-z0-9-]+)' }\n" });
    expect(deps.sinks.map((s) => s.name)).toEqual(['slack']);
    expect(deps.pagerduty).toMatchObject({ webhookSecrets: ['a-webhook-secret-0123456789', 'b-webhook-secret-0123456789'], api: { url: 'https://api.eu.pagerduty.com', token: 'tok', from: 'bot@example.com' } });
    expect(deps.pagerduty!.incidentTargets![0]!.pattern.exec('shop/cart-1')!.groups).toEqual({ namespace: 'shop', pod: 'cart-1' });
    expect(deps.warnings).toEqual([]);
  });

  it('leaves PagerDuty webhooks off without a secret, and says so if patterns are configured', () => {
    const deps = sinkDepsFromConfig(loadConfig({}, () => ''), { yamlText: "pagerduty:\n  incidentTargets:\n    - { field: service, pattern: '(?<cluster>.+)' }\n" });
    expect(deps.pagerduty).toBeUndefined();
    expect(deps.warnings).toEqual(['pagerduty.incidentTargets is set but KUBETRIAGE_PAGERDUTY_WEBHOOK_SECRET is not: PagerDuty webhooks are off']);
  });
});

describe('required and optional sinks at POST /v1/alertmanager', () => {
  const yamlText = 'routes:\n  - matchers: [severity=critical]\n    sinks: [pagerduty, { name: slack, required: false }]\n  - sinks: [{ name: slack, required: false }]\n';
  function setup(slackStatus: () => number) {
    const standIn = createPagerDutyStandIn();
    const slackBodies: string[] = [];
    const fetch = (async (url: string | URL | Request, init?: RequestInit) => {
      if (String(url) === SLACK) {
        slackBodies.push(String(init?.body));
        return new Response('', { status: slackStatus() });
      }
      return standIn.fetch(url, init);
    }) as typeof globalThis.fetch;
    const { routing } = loadConfigFile(env({ KUBETRIAGE_PAGERDUTY_ROUTING_KEY: PD_KEY, KUBETRIAGE_PAGERDUTY_EVENTS_URL: standIn.eventsUrl, KUBETRIAGE_SLACK_WEBHOOK_URL: SLACK }), { yamlText });
    let t = 0;
    const app = createApp({ evidence: demoSource(), openapiYaml: '', sinks: routing.sinks, routeAlert: routing.route, sinkRequired: routing.required, fetch, clock: { now: () => t, sleep: async (ms) => void (t += ms) } });
    const post = (alerts: unknown[]) => app.request('/v1/alertmanager', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(payloadOf(alerts as never)) });
    return { standIn, slackBodies, post };
  }
  const critical = alertFor(DEMO_EXPECTED[0]!.target, { severity: 'critical' });
  const warning = alertFor(DEMO_EXPECTED[2]!.target, { severity: 'warning' });

  it('an optional sink that fails does not fail the request; it is reported', async () => {
    const { standIn, post } = setup(() => 500);
    const res = await post([critical, warning]);
    expect(res.status).toBe(200);
    const body = await res.json() as { kubetriage: { delivered: Array<{ sink: string }>; failedOptional: Array<{ sink: string; required: boolean }> } };
    expect(body.kubetriage.delivered.map((d) => d.sink)).toEqual(['pagerduty']);
    expect(body.kubetriage.failedOptional.map((f) => [f.sink, f.required])).toEqual([['slack', false], ['slack', false]]);
    expect(standIn.accepted).toHaveLength(1);
  });

  it('a required sink that fails answers 503; on the retry, sinks that took the alert are not sent it again', async () => {
    const { standIn, slackBodies, post } = setup(() => 200);
    standIn.scriptEvents(...Array<number>(5).fill(503)); // as many as the backoff loop attempts
    const first = await post([critical]);
    expect(first.status).toBe(503);
    expect(standIn.log.filter((l) => l.status === 503)).toHaveLength(5);
    expect(slackBodies).toHaveLength(1);
    const retry = await post([critical]);
    expect(retry.status).toBe(200);
    expect(standIn.accepted).toHaveLength(1);
    expect(slackBodies).toHaveLength(1);
  });
});

describe('runbook templates in the config file', () => {
  it('reads a URL template per diagnosis id and for all', () => {
    const { runbookTemplates } = loadConfigFile(env(), { yamlText: 'runbooks:\n  crashloop.oom: https://wiki.example.com/oom/{namespace}/{name}\n  "*": https://wiki.example.com/k8s/{id}\n' });
    expect(runbookTemplates).toEqual({ 'crashloop.oom': 'https://wiki.example.com/oom/{namespace}/{name}', '*': 'https://wiki.example.com/k8s/{id}' });
  });

  it('refuses ids no rule has, and templates that are not URLs', () => {
    const problems = problemsOf(() => loadConfigFile(env(), { yamlText: 'runbooks:\n  crashloop.oomm: https://wiki.example.com/{id}\n' }));
    expect(problems.join('\n')).toContain('runbooks.crashloop.oomm: no diagnosis has this id');
    const bad = problemsOf(() => loadConfigFile(env(), { yamlText: 'runbooks:\n  healthy: not-a-url\n' }));
    expect(bad.join('\n')).toContain('must be an http(s) URL template');
  });
});
