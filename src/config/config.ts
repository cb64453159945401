// All configuration in one zod schema, read from the environment (secrets also from *_FILE).
// An invalid configuration fails at start with one message listing every bad variable.
import * as z from 'zod/mini';
import { safeParse } from './schema-parse.ts';

const positiveInt = (fallback: number) => z._default(z.coerce.number().check(z.int(), z.positive()), fallback);
const optionalUrl = z.optional(z.url({ protocol: /^https?$/ }));

/** name=context pairs, comma-separated: "prod-eu=eks-prod-eu,staging=kind-staging". */
const clusterMap = z.pipe(z.optional(z.string()), z.transform((s: string | undefined, ctx) => {
  const map: Record<string, string> = {};
  for (const pair of (s ?? '').split(',').map((p) => p.trim()).filter(Boolean)) {
    const [label, context, ...rest] = pair.split('=');
    if (!label || !context || rest.length > 0) {
      ctx.issues.push({ code: 'custom', message: `"${pair}" is not label=context`, input: s });
      continue;
    }
    map[label.trim()] = context.trim();
  }
  return map;
}));

/** Comma-separated values, several at once during a rotation. */
const list = (item: z.ZodMiniString) => z.pipe(z.optional(z.string()), z.transform((s: string | undefined, ctx) => {
  const values = (s ?? '').split(',').map((v) => v.trim()).filter(Boolean);
  for (const v of values) {
    const r = safeParse(item, v);
    if (!r.success) ctx.issues.push({ code: 'custom', message: r.error.issues[0]?.message ?? 'invalid', input: s });
  }
  return values;
}));

const configFields = z.object({
  PORT: positiveInt(8080),
  KUBETRIAGE_AUTH_TOKEN: list(z.string().check(z.minLength(16, 'each token needs at least 16 characters'))),
  KUBETRIAGE_BASIC_AUTH: list(z.string().check(z.regex(/^[^:]+:.{8,}$/, 'each value must be user:password with a password of at least 8 characters'))),
  /** Run the ingest routes without credentials outside demo mode (logs a warning). */
  KUBETRIAGE_AUTH_OPEN: z._default(z.enum(['true', 'false']), 'false'),
  KUBETRIAGE_DEDUP_TTL_MS: positiveInt(3_600_000),
  KUBETRIAGE_FORWARD_URL: optionalUrl,
  KUBETRIAGE_DEADLINE_MS: positiveInt(4000),
  /** How long an answer from the API server is reused across requests (0: never). */
  KUBETRIAGE_EVIDENCE_CACHE_TTL_MS: z._default(z.coerce.number().check(z.int(), z.minimum(0)), 10_000),
  KUBETRIAGE_MAX_BODY_BYTES: positiveInt(1024 * 1024),
  KUBETRIAGE_MAX_IN_FLIGHT_BYTES: positiveInt(1024 * 1024),
  KUBETRIAGE_CLUSTERS: clusterMap,
  KUBETRIAGE_CONFIG: z.optional(z.string()),
  KUBETRIAGE_RUNBOOK_URL_TEMPLATE: z.optional(z.string()),
  KUBETRIAGE_DEMO: z._default(z.enum(['true', 'false', 'auto']), 'auto'),
  /** Workers only: the API server the fetch-based reader reads (a publicly trusted certificate). */
  KUBETRIAGE_KUBE_API_URL: z.optional(z.url({ protocol: /^https$/, error: 'must be an https:// URL (Workers cannot trust a private CA)' })),
  KUBETRIAGE_KUBE_TOKEN: z.optional(z.string().check(z.minLength(1))),
  KUBECONFIG: z.optional(z.string()),
  KUBETRIAGE_PAGERDUTY_ROUTING_KEY: z.optional(z.string().check(z.regex(/^\S{32}$/, 'must be the 32-character integration key of an Events API v2 integration'))),
  KUBETRIAGE_PAGERDUTY_EVENTS_URL: z._default(z.url({ protocol: /^https?$/ }), 'https://events.pagerduty.com/v2/enqueue'),
  KUBETRIAGE_PAGERDUTY_WEBHOOK_SECRET: list(z.string().check(z.minLength(16, 'each secret needs at least 16 characters'))),
  KUBETRIAGE_PAGERDUTY_API_TOKEN: z.optional(z.string().check(z.minLength(1))),
  KUBETRIAGE_PAGERDUTY_API_URL: z._default(z.url({ protocol: /^https?$/ }), 'https://api.pagerduty.com'),
  /** The PagerDuty user notes are written as (the REST API's From header). */
  KUBETRIAGE_PAGERDUTY_FROM: z.optional(z.email('must be the email address of a PagerDuty user')),
  KUBETRIAGE_SLACK_WEBHOOK_URL: z.optional(z.url({ protocol: /^https?$/ })),
});

export const configSchema = configFields.check(z.superRefine((c: z.output<typeof configFields>, ctx) => {
  // Webhooks are only worth receiving when the note can be written.
  if (c.KUBETRIAGE_PAGERDUTY_WEBHOOK_SECRET.length > 0 && !c.KUBETRIAGE_PAGERDUTY_API_TOKEN) {
    ctx.addIssue({ code: 'custom', path: ['KUBETRIAGE_PAGERDUTY_API_TOKEN'], message: 'required with KUBETRIAGE_PAGERDUTY_WEBHOOK_SECRET: notes are written through the REST API' });
  }
  if (c.KUBETRIAGE_PAGERDUTY_API_TOKEN && !c.KUBETRIAGE_PAGERDUTY_FROM) {
    ctx.addIssue({ code: 'custom', path: ['KUBETRIAGE_PAGERDUTY_FROM'], message: 'required with KUBETRIAGE_PAGERDUTY_API_TOKEN: the email of the PagerDuty user notes are written as' });
  }
}));

export type Config = z.infer<typeof configSchema>;

/** Variables that hold secrets: each may instead be given as a file path in NAME_FILE. */
export const SECRET_VARIABLES = [
  'KUBETRIAGE_AUTH_TOKEN', 'KUBETRIAGE_BASIC_AUTH', 'KUBETRIAGE_PAGERDUTY_ROUTING_KEY', 'KUBETRIAGE_PAGERDUTY_WEBHOOK_SECRET',
  'KUBETRIAGE_PAGERDUTY_API_TOKEN', 'KUBETRIAGE_SLACK_WEBHOOK_URL', 'KUBETRIAGE_KUBE_TOKEN',
] as const;

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.problems = problems;
  }
}

export function loadConfig(env: Record<string, string | undefined>, readFile: (path: string) => string): Config {
  const problems: string[] = [];
  const values: Record<string, string | undefined> = { ...env };
  for (const name of SECRET_VARIABLES) {
    const file = env[`${name}_FILE`];
    if (!file) continue;
    if (env[name]) problems.push(`${name} and ${name}_FILE are both set; set one`);
    try {
      values[name] = readFile(file).trim();
    } catch (err) {
      problems.push(`${name}_FILE: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }
  for (const [k, v] of Object.entries(values)) if (v === '') values[k] = undefined;
  const parsed = safeParse(configSchema, values);
  if (!parsed.success) problems.push(...parsed.error.issues.map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`));
  if (problems.length > 0 || !parsed.success) throw new ConfigError(problems);
  return parsed.data;
}
