// No secret that reaches kubetriage in evidence (a log line, an event message, a label or an
// annotation) leaves it through a sink: the PagerDuty event, the Slack message and the PagerDuty
// incident note are all rendered from an enriched alert with one secret planted everywhere, and
// none of the secret's characters may be found in what would be sent.
import { beforeAll, describe, expect, it } from 'vitest';
import type { EnrichedAlert, EnrichedGroup } from '../../src/alertmanager/enrich.ts';
import { renderIncidentNote } from '../../src/pagerduty/note.ts';
import { pagerdutySink } from '../../src/sinks/pagerduty.ts';
import { slackSink } from '../../src/sinks/slack.ts';
import { demoGroup } from '../support/enriched-alerts.ts';

import { ALNUM, B64, b64url, fill as fillFrom, HEX, UPPERNUM as UPPER } from '../support/fake-secrets.ts';

// This table's own seed, so its secrets differ from the redaction test's.
const fill = (n: number, alphabet = ALNUM, seed = 11) => fillFrom(n, alphabet, seed);
const jwt = (payload: string, seed: number) => `${b64url('{"alg":"RS256","typ":"JWT"}')}.${b64url(payload)}.${fill(43, `${ALNUM}-_`, seed)}`;
const pw = (seed: number) => `Hx7${fill(13, ALNUM, seed)}`;
const pemBody = (seed: number) => [`MIIEowIBAAKCAQEA${fill(48, B64, seed)}`, fill(64, B64, seed + 1), fill(64, B64, seed + 2), `${fill(20, B64, seed + 3)}==`];

interface Shape {
  name: string;
  /** How the secret appears in a log line or event message. */
  line: string;
  /** Substrings that must not leave. */
  secrets: string[];
}

const shapes: Shape[] = [];
const add = (name: string, line: string, ...secrets: string[]) => shapes.push({ name, line, secrets });

// Cloud keys
{ const k = `AKIA${fill(16, UPPER, 1)}`; add('AWS access key id', `using aws_access_key_id=${k} region=eu-west-1`, k); }
{ const k = `ASIA${fill(16, UPPER, 2)}`; add('AWS temporary key id', `assumed role with ${k}`, k); }
{ const s = `${fill(20, B64, 3)}/${fill(19, B64, 4)}`; add('AWS secret access key', `AWS_SECRET_ACCESS_KEY=${s}`, s); }
{ const s = `IQoJb3JpZ2luX2VjE${fill(80, B64, 5)}==`; add('AWS session token', `refreshed credentials ${s} for role app`, s); }
{ const k = `AIza${fill(35, `${ALNUM}_-`, 6)}`; add('Google API key', `maps client key ${k} rejected`, k); }
// Code hosting and chat
for (const [i, p] of ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_'].entries()) { const t = `${p}${fill(36, ALNUM, 10 + i)}`; add(`GitHub token ${p}`, `git clone failed with ${t}: 401`, t); }
{ const t = `github_pat_${fill(22, ALNUM, 16)}_${fill(59, ALNUM, 17)}`; add('GitHub fine-grained token', `GH auth ${t} ok`, t.slice(11, 40), t.slice(-40)); }
{ const t = `glpat-${fill(20, `${ALNUM}_-`, 18)}`; add('GitLab token', `registry login ${t}`, t); }
for (const [i, p] of ['xoxb', 'xoxp', 'xoxa'].entries()) { const t = `${p}-${fill(12, '0123456789', 20 + i)}-${fill(12, '0123456789', 23 + i)}-${fill(24, ALNUM, 26 + i)}`; add(`Slack token ${p}`, `slack init token ${t} team=T1`, t.slice(5)); }
{ const path = `T0${fill(8, UPPER, 30)}/B0${fill(8, UPPER, 31)}/${fill(24, ALNUM, 32)}`; add('Slack webhook URL', `POST https://hooks.slack.com/services/${path} -> 200`, fill(24, ALNUM, 32)); }
// Tokens in headers
{ const t = jwt('{"sub":"1234567890","name":"Jane"}', 40); add('JWT', `validated ${t} for user 42`, t.split('.')[1]!, t.split('.')[2]!); }
{ const t = jwt('{"iss":"kubernetes/serviceaccount","sub":"system:serviceaccount:shop:default"}', 41); add('Kubernetes service-account token', `token=${t}`, t.split('.')[1]!, t.split('.')[2]!); }
{ const t = fill(40, ALNUM, 42); add('Authorization: Bearer', `> GET /api Authorization: Bearer ${t} host=api`, t); }
{ const c = btoa(`admin:${pw(43)}`); add('Authorization: Basic', `Authorization: Basic ${c}`, c); }
{ const k = fill(32, ALNUM, 44); add('X-Api-Key header', `X-Api-Key: ${k}`, k); }
// Passwords in URLs and DSNs
{ const p = pw(50); add('password in an https URL', `fetching https://deploy:${p}@registry.example.com/v2/ failed`, p); }
for (const [i, scheme] of ['postgres', 'mysql', 'mongodb+srv', 'redis', 'amqp'].entries()) { const p = pw(51 + i); add(`${scheme} DSN`, `connecting to ${scheme}://app:${p}@db.shop.svc:5432/shop`, p); }
{ const p = pw(57); add('Go MySQL DSN', `dsn root:${p}@tcp(db:3306)/shop?parseTime=true`, p); }
// key=value and key: value
{ const p = pw(60); add('password=', `login user=bob password=${p} ok`, p); }
{ const p = pw(61); add('passwd:', `passwd: ${p}`, p); }
{ const p = pw(62); add('client_secret in a form body', `grant_type=client_credentials&client_id=app&client_secret=${p}&scope=read`, p); }
{ const p = pw(63); add('secret:', `secret: ${p}`, p); }
{ const k = fill(32, HEX, 64); add('api_key=', `calling weather api_key=${k} city=Paris`, k); }
{ const t = fill(40, ALNUM, 65); add('access_token in a query string', `GET /callback?state=xyz&access_token=${t}&expires_in=3600`, t); }
{ const p = pw(66); add('JSON "password" field', `{"user":"app","password":"${p}"}`, p); }
// Private keys
for (const [i, label] of ['RSA PRIVATE KEY', 'EC PRIVATE KEY', 'OPENSSH PRIVATE KEY', 'PRIVATE KEY'].entries()) {
  const body = pemBody(70 + i * 4);
  add(`PEM ${label}`, `-----BEGIN ${label}-----\n${body.join('\n')}\n-----END ${label}-----`, ...body);
}
// Payment and SaaS keys
{ const k = `sk_live_${fill(24, ALNUM, 90)}`; add('Stripe live key', `stripe charge with ${k}`, k); }
{ const k = `npm_${fill(36, ALNUM, 91)}`; add('npm token', `//registry.npmjs.org/:_authToken=${k}`, k); }
{ const k = `SG.${fill(22, `${ALNUM}_-`, 92)}.${fill(43, `${ALNUM}_-`, 93)}`; add('SendGrid key', `mail via ${k}`, k.slice(3)); }

let group: EnrichedGroup;
let base: EnrichedAlert;
beforeAll(async () => {
  group = await demoGroup();
  base = group.alerts[0]!;
});

/** An enriched alert with the secret planted in every place cluster data reaches a sink. */
function planted(s: Shape): EnrichedAlert {
  const a = structuredClone(base);
  const d = a.kubetriage.diagnosis!;
  d.evidence = [{ source: 'log shop/cart-86bbddb887-sf7xx container cart (previous)', text: s.line }, ...d.evidence];
  d.summary = `${d.summary} Last log line: ${s.line}`;
  a.kubetriage.timeline = [...a.kubetriage.timeline, { at: '2026-11-21T09:30:00Z', count: 1, object: { kind: 'Pod', namespace: 'shop', name: 'cart-86bbddb887-sf7xx' }, kind: 'event', type: 'Warning', reason: 'Failed', message: s.line }];
  a.kubetriage.errors = [{ reason: 'server-error', resource: 'pods/log', message: s.line }];
  a.kubetriage.partial = true;
  a.annotations = { ...a.annotations, description: s.line };
  return a;
}

/** Every string inside a JSON body, joined: what a receiver could read. */
function readable(body: string): string {
  const out: string[] = [];
  const walk = (v: unknown) => {
    if (typeof v === 'string') out.push(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(JSON.parse(body));
  return `${out.join('\n')}\n${body}`;
}

describe('secrets in evidence never reach a sink', () => {
  it('has at least 30 secret shapes', () => {
    expect(shapes.length).toBeGreaterThanOrEqual(30);
    expect(new Set(shapes.map((s) => s.name)).size).toBe(shapes.length);
  });

  it.each(shapes.map((s) => [s.name, s] as const))('%s', (_name, shape) => {
    const alert = planted(shape);
    const pd = readable(pagerdutySink({ routingKey: 'R'.repeat(32) }).render(group, [alert])[0]!.body);
    const slack = readable(slackSink({ webhookUrl: 'https://hooks.slack.example/x' }).render(group, [alert])[0]!.body);
    const note = renderIncidentNote({ target: alert.kubetriage.target!, diagnosis: alert.kubetriage.diagnosis!, partial: true, errors: alert.kubetriage.errors, via: 'test' });
    for (const [where, text] of [['PagerDuty event', pd], ['Slack message', slack], ['incident note', note]] as const) {
      // The planted line was rendered (its place shows a redaction marker), and its secret is gone.
      expect(text, where).toContain('[REDACTED');
      for (const secret of shape.secrets) expect(text.includes(secret), `${where} leaks ${shape.name}`).toBe(false);
    }
  });
});
