// Which sinks take which alert. Sinks come from the environment (KUBETRIAGE_FORWARD_URL,
// KUBETRIAGE_PAGERDUTY_ROUTING_KEY, KUBETRIAGE_SLACK_WEBHOOK_URL, named webhook, pagerduty and
// slack) and from the `sinks` of the KUBETRIAGE_CONFIG YAML; `routes` pick them by alert labels
// with Alertmanager's matcher syntax. The first matching route wins unless it says `continue`.
// Without routes every sink takes every alert. Each route names its sinks, each `required`
// (default) or not: a required sink that cannot take an alert fails the inbound request (5xx,
// so Alertmanager retries); an optional one is logged. The file is validated at start, and one
// ConfigError lists every problem. Secrets never appear in a message.
import { parse as parseYaml } from 'yaml';
import * as z from 'zod/mini';
import type { EnrichedAlert } from '../alertmanager/enrich.ts';
import { ConfigError, type Config } from '../config/config.ts';
import { onFirstUse, safeParse } from '../config/schema-parse.ts';
import { incidentTargetsSchema, type IncidentTargetPattern } from '../pagerduty/incident-target.ts';
import { allRules } from '../core/rules/registry.ts';
import type { PagerDutyDeps } from '../pagerduty/webhook-route.ts';
import { pagerdutySink } from './pagerduty.ts';
import type { Sink } from './sink.ts';
import { slackSink } from './slack.ts';
import { webhookSink } from './webhook.ts';

// ---------------------------------------------------------------------------------------------
// Matchers: name=value, name!=value, name=~regex, name!~regex (value optionally "quoted"); a
// regex matches the whole value and a missing label is the empty string, as in Alertmanager.

export interface Matcher {
  name: string;
  op: '=' | '!=' | '=~' | '!~';
  value: string;
  re?: RegExp;
}

const MATCHER = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*(.*?)\s*$/;

export function parseMatcher(text: string): Matcher | string {
  const m = MATCHER.exec(text);
  if (!m) return `"${text}" is not a matcher: write name=value, name!=value, name=~regex or name!~regex`;
  const [, name, op, rawValue] = m as unknown as [string, string, Matcher['op'], string];
  let value = rawValue;
  if (value.startsWith('"')) {
    if (value.length < 2 || !value.endsWith('"')) return `"${text}": the quoted value is not closed`;
    value = value.slice(1, -1).replace(/\\(["\\])/g, '$1');
  }
  if (op === '=~' || op === '!~') {
    try {
      return { name, op, value, re: new RegExp(`^(?:${value})$`) };
    } catch (err) {
      return `"${text}": not a valid regular expression: ${(err as Error).message}`;
    }
  }
  return { name, op, value };
}

export function matches(m: Matcher, labels: Record<string, string>): boolean {
  const v = labels[m.name] ?? '';
  switch (m.op) {
    case '=': return v === m.value;
    case '!=': return v !== m.value;
    case '=~': return m.re!.test(v);
    case '!~': return !m.re!.test(v);
  }
}

// ---------------------------------------------------------------------------------------------
// The KUBETRIAGE_CONFIG file

// Built when a file is read: without one, nothing here is needed (loadConfigFile).
const fileSchemas = onFirstUse(() => {
  const sinkName = z.string().check(z.regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'use lowercase letters, digits, - and _ (at most 63)'));
  const httpUrl = z.url({ protocol: /^https?$/ });

  const sinkSchema = z.discriminatedUnion('type', [
    z.strictObject({
      name: sinkName,
      type: z.literal('pagerduty'),
      /** Prefer routingKeyFile: the key then stays out of the config file. */
      routingKey: z.optional(z.string()),
      routingKeyFile: z.optional(z.string().check(z.minLength(1))),
      eventsUrl: z.optional(httpUrl),
    }),
    z.strictObject({
      name: sinkName,
      type: z.literal('slack'),
      webhookUrl: z.optional(z.string()),
      webhookUrlFile: z.optional(z.string().check(z.minLength(1))),
    }),
    z.strictObject({
      name: sinkName,
      type: z.literal('webhook'),
      url: httpUrl,
    }),
  ], { error: 'each sink needs type: pagerduty, slack or webhook' });

  const routeSinkSchema = z.union([sinkName, z.strictObject({ name: sinkName, required: z._default(z.boolean(), true) })], { error: 'a sink name, or { name, required }' });

  const matcherSchema = z.pipe(z.string(), z.transform((text: string, ctx) => {
    const m = parseMatcher(text);
    if (typeof m === 'string') {
      ctx.issues.push({ code: 'custom', message: m, input: text });
      return z.NEVER;
    }
    return m;
  }));

  const routeSchema = z.strictObject({
    matchers: z._default(z.array(matcherSchema), []),
    sinks: z.array(routeSinkSchema).check(z.minLength(1, 'name at least one sink')),
    continue: z._default(z.boolean(), false),
  });

  const configFileSchema = z.strictObject({
    sinks: z._default(z.array(sinkSchema), []),
    routes: z.optional(z.array(routeSchema)),
    pagerduty: z.optional(z.strictObject({ incidentTargets: incidentTargetsSchema() })),
    /** The organisation's runbook link per diagnosis id ('*' for all): `{id}`, `{kind}`, `{namespace}`, `{name}` are filled in. */
    runbooks: z._default(z.record(z.string(), z.string().check(z.regex(/^https?:\/\//, 'must be an http(s) URL template'))), {}),
  });
  return { httpUrl, configFile: configFileSchema };
});

/** The KUBETRIAGE_CONFIG file's schema. */
export const configFileSchema = (): ReturnType<typeof fileSchemas>['configFile'] => fileSchemas().configFile;
export type ConfigFileDocument = z.output<ReturnType<typeof configFileSchema>>;

/** What an absent file (the document {}) parses to; routing.test.ts checks that the schema agrees. */
export const emptyConfigFile = (): ConfigFileDocument => ({ sinks: [], runbooks: {} });

// ---------------------------------------------------------------------------------------------

export interface Routing {
  sinks: Sink[];
  route(alert: EnrichedAlert): Sink[];
  required(sink: Sink, alert: EnrichedAlert): boolean;
}

export interface ConfigFile {
  routing: Routing;
  incidentTargets: IncidentTargetPattern[];
  runbookTemplates: Record<string, string>;
  /** Not errors, but worth a line in the start-up log. */
  warnings: string[];
}

/** What routing needs from the environment configuration. */
export type RoutingEnv = Pick<Config, 'KUBETRIAGE_FORWARD_URL' | 'KUBETRIAGE_PAGERDUTY_ROUTING_KEY' | 'KUBETRIAGE_PAGERDUTY_EVENTS_URL' | 'KUBETRIAGE_SLACK_WEBHOOK_URL'>;

export interface LoadOptions {
  /** The KUBETRIAGE_CONFIG file's text, when one is configured. */
  yamlText?: string;
  /** Where the file came from, for messages. */
  yamlPath?: string;
  /** Reads *File settings; absent on runtimes without files. */
  readFile?: (path: string) => string;
}

const ROUTING_KEY = /^\S{32}$/;
const path = (p: ReadonlyArray<PropertyKey>) => p.map((s, i) => (typeof s === 'number' ? `[${s}]` : `${i > 0 ? '.' : ''}${String(s)}`)).join('');

/** Every sink the environment configures, by its implicit name. */
function envSinks(env: RoutingEnv): Map<string, Sink> {
  const sinks = new Map<string, Sink>();
  if (env.KUBETRIAGE_FORWARD_URL) sinks.set('webhook', webhookSink({ name: 'webhook', url: env.KUBETRIAGE_FORWARD_URL }));
  if (env.KUBETRIAGE_PAGERDUTY_ROUTING_KEY) sinks.set('pagerduty', pagerdutySink({ name: 'pagerduty', routingKey: env.KUBETRIAGE_PAGERDUTY_ROUTING_KEY, eventsUrl: env.KUBETRIAGE_PAGERDUTY_EVENTS_URL }));
  if (env.KUBETRIAGE_SLACK_WEBHOOK_URL) sinks.set('slack', slackSink({ name: 'slack', webhookUrl: env.KUBETRIAGE_SLACK_WEBHOOK_URL }));
  return sinks;
}

/**
 * The sinks, the routes and the PagerDuty incident patterns, from the environment and the
 * optional KUBETRIAGE_CONFIG file. Throws one ConfigError listing every problem.
 */
export function loadConfigFile(env: RoutingEnv, o: LoadOptions = {}): ConfigFile {
  const where = o.yamlPath ?? 'KUBETRIAGE_CONFIG';
  const problems: string[] = [];
  const warnings: string[] = [];
  // Without a file the document is {}, and its defaults are known: the file's schemas are then
  // never built (every Lambda cold start without KUBETRIAGE_CONFIG).
  let file = emptyConfigFile();
  if (o.yamlText !== undefined) {
    let doc: unknown;
    try {
      doc = parseYaml(o.yamlText) ?? {};
    } catch (err) {
      throw new ConfigError([`${where}: not valid YAML: ${(err as Error).message.split('\n')[0]}`]);
    }
    const parsed = safeParse(configFileSchema(), doc);
    if (!parsed.success) throw new ConfigError(parsed.error.issues.map((i) => `${where}: ${path(i.path) || '(document)'}: ${i.message}`));
    file = parsed.data;
  }
  const knownIds = new Set(allRules().map((r) => r.id));
  for (const id of Object.keys(file.runbooks)) {
    if (id !== '*' && !knownIds.has(id)) problems.push(`${where}: runbooks.${id}: no diagnosis has this id (see docs/diagnoses.md)`);
  }

  const sinks = envSinks(env);
  const secret = (p: string, inline: string | undefined, filePath: string | undefined, fallback: string | undefined, what: string): string | undefined => {
    if (inline !== undefined && filePath !== undefined) {
      problems.push(`${where}: ${p}: set ${what} or ${what}File, not both`);
      return undefined;
    }
    if (filePath !== undefined) {
      if (!o.readFile) {
        problems.push(`${where}: ${p}.${what}File: files cannot be read on this runtime`);
        return undefined;
      }
      try {
        return o.readFile(filePath).trim();
      } catch (err) {
        problems.push(`${where}: ${p}.${what}File: cannot read ${filePath}: ${(err as { code?: string }).code ?? (err as Error).message}`);
        return undefined;
      }
    }
    return inline ?? fallback;
  };
  const defined = new Set<string>();
  file.sinks.forEach((s, i) => {
    const p = `sinks[${i}]`;
    if (defined.has(s.name)) problems.push(`${where}: ${p}.name: "${s.name}" is defined twice`);
    defined.add(s.name);
    if (s.type === 'pagerduty') {
      const key = secret(p, s.routingKey, s.routingKeyFile, env.KUBETRIAGE_PAGERDUTY_ROUTING_KEY, 'routingKey');
      if (key === undefined) {
        if (s.routingKey === undefined && s.routingKeyFile === undefined) problems.push(`${where}: ${p}: no routing key: set routingKeyFile, routingKey or KUBETRIAGE_PAGERDUTY_ROUTING_KEY`);
      } else if (!ROUTING_KEY.test(key)) problems.push(`${where}: ${p}: the routing key must be the 32-character integration key of an Events API v2 integration`);
      else sinks.set(s.name, pagerdutySink({ name: s.name, routingKey: key, eventsUrl: s.eventsUrl ?? env.KUBETRIAGE_PAGERDUTY_EVENTS_URL }));
    } else if (s.type === 'slack') {
      const url = secret(p, s.webhookUrl, s.webhookUrlFile, env.KUBETRIAGE_SLACK_WEBHOOK_URL, 'webhookUrl');
      if (url === undefined) {
        if (s.webhookUrl === undefined && s.webhookUrlFile === undefined) problems.push(`${where}: ${p}: no webhook URL: set webhookUrlFile, webhookUrl or KUBETRIAGE_SLACK_WEBHOOK_URL`);
      } else if (!safeParse(fileSchemas().httpUrl, url).success) problems.push(`${where}: ${p}: the Slack webhook URL is not an http(s) URL`);
      else sinks.set(s.name, slackSink({ name: s.name, webhookUrl: url }));
    } else {
      sinks.set(s.name, webhookSink({ name: s.name, url: s.url }));
    }
  });

  type Entry = { sink: Sink; required: boolean };
  const routes: Array<{ matchers: Matcher[]; entries: Entry[]; continue: boolean }> = [];
  const used = new Set<string>();
  (file.routes ?? []).forEach((r, i) => {
    const entries: Entry[] = [];
    r.sinks.forEach((rs, j) => {
      const { name, required } = typeof rs === 'string' ? { name: rs, required: true } : rs;
      const sink = sinks.get(name);
      used.add(name);
      if (sink) entries.push({ sink, required });
      // A defined sink with a bad secret is already reported above.
      else if (!defined.has(name)) problems.push(`${where}: routes[${i}].sinks[${j}]: no sink named "${name}" (defined: ${[...new Set([...sinks.keys(), ...defined])].join(', ') || 'none'})`);
    });
    routes.push({ matchers: r.matchers, entries, continue: r.continue });
  });
  if (problems.length > 0) throw new ConfigError(problems);

  if (file.routes) {
    for (const name of sinks.keys()) if (!used.has(name)) warnings.push(`sink "${name}" is configured but no route uses it`);
    if (!file.routes.some((r) => r.matchers.length === 0)) warnings.push('no route without matchers: alerts that match no route are enriched and returned, but not forwarded');
  }
  const all = [...sinks.values()];
  const select = (alert: EnrichedAlert): Entry[] => {
    if (!file.routes) return all.map((sink) => ({ sink, required: true }));
    const out: Entry[] = [];
    for (const r of routes) {
      if (!r.matchers.every((m) => matches(m, alert.labels))) continue;
      out.push(...r.entries);
      if (!r.continue) break;
    }
    return out;
  };
  return {
    routing: {
      sinks: all,
      route: (alert) => [...new Set(select(alert).map((e) => e.sink))],
      required: (sink, alert) => select(alert).some((e) => e.sink === sink && e.required),
    },
    incidentTargets: file.pagerduty?.incidentTargets ?? [],
    runbookTemplates: file.runbooks,
    warnings,
  };
}

/** The AppDeps fields for forwarding and PagerDuty webhooks, for a runtime's config → deps step. */
export interface SinkDeps {
  sinks: Sink[];
  routeAlert: Routing['route'];
  sinkRequired: Routing['required'];
  pagerduty?: PagerDutyDeps;
  /** Runbook URL templates per diagnosis id from the config file. */
  runbookTemplates: Record<string, string>;
  /** For the start-up log. */
  warnings: string[];
}

/**
 * Sinks, routes and the PagerDuty webhook settings from the environment configuration and the
 * KUBETRIAGE_CONFIG file (its text and a file reader, where the runtime has files). Throws one
 * ConfigError listing every problem.
 */
export function sinkDepsFromConfig(config: RoutingEnv & Pick<Config, 'KUBETRIAGE_PAGERDUTY_WEBHOOK_SECRET' | 'KUBETRIAGE_PAGERDUTY_API_TOKEN' | 'KUBETRIAGE_PAGERDUTY_API_URL' | 'KUBETRIAGE_PAGERDUTY_FROM'>, o: LoadOptions = {}): SinkDeps {
  const { routing, incidentTargets, runbookTemplates, warnings } = loadConfigFile(config, o);
  const secrets = config.KUBETRIAGE_PAGERDUTY_WEBHOOK_SECRET;
  const token = config.KUBETRIAGE_PAGERDUTY_API_TOKEN;
  const from = config.KUBETRIAGE_PAGERDUTY_FROM;
  if (secrets.length === 0 && incidentTargets.length > 0) warnings.push('pagerduty.incidentTargets is set but KUBETRIAGE_PAGERDUTY_WEBHOOK_SECRET is not: PagerDuty webhooks are off');
  return {
    sinks: routing.sinks,
    routeAlert: routing.route,
    sinkRequired: routing.required,
    ...(secrets.length > 0 ? { pagerduty: {
      webhookSecrets: secrets,
      ...(token && from ? { api: { url: config.KUBETRIAGE_PAGERDUTY_API_URL, token, from } } : {}),
      incidentTargets,
    } } : {}),
    runbookTemplates,
    warnings,
  };
}
