// All configuration in one zod schema, read from the environment (secrets also from *_FILE).
// An invalid configuration fails at start with one message listing every bad variable.
import { z } from 'zod';

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);
const optionalUrl = z.url({ protocol: /^https?$/ }).optional();

/** name=context pairs, comma-separated: "prod-eu=eks-prod-eu,staging=kind-staging". */
const clusterMap = z.string().optional().transform((s, ctx) => {
  const map: Record<string, string> = {};
  for (const pair of (s ?? '').split(',').map((p) => p.trim()).filter(Boolean)) {
    const [label, context, ...rest] = pair.split('=');
    if (!label || !context || rest.length > 0) {
      ctx.addIssue({ code: 'custom', message: `"${pair}" is not label=context` });
      continue;
    }
    map[label.trim()] = context.trim();
  }
  return map;
});

/** Comma-separated values, several at once during a rotation. */
const list = (item: z.ZodString) => z.string().optional().transform((s, ctx) => {
  const values = (s ?? '').split(',').map((v) => v.trim()).filter(Boolean);
  for (const v of values) {
    const r = item.safeParse(v);
    if (!r.success) ctx.addIssue({ code: 'custom', message: r.error.issues[0]?.message ?? 'invalid' });
  }
  return values;
});

export const configSchema = z.object({
  PORT: positiveInt(8080),
  KUBETRIAGE_AUTH_TOKEN: list(z.string().min(16, 'each token needs at least 16 characters')),
  KUBETRIAGE_BASIC_AUTH: list(z.string().regex(/^[^:]+:.{8,}$/, 'each value must be user:password with a password of at least 8 characters')),
  /** Run the ingest routes without credentials outside demo mode (logs a warning). */
  KUBETRIAGE_AUTH_OPEN: z.enum(['true', 'false']).default('false'),
  KUBETRIAGE_DEDUP_TTL_MS: positiveInt(3_600_000),
  KUBETRIAGE_FORWARD_URL: optionalUrl,
  KUBETRIAGE_DEADLINE_MS: positiveInt(4000),
  KUBETRIAGE_MAX_BODY_BYTES: positiveInt(1024 * 1024),
  KUBETRIAGE_CLUSTERS: clusterMap,
  KUBETRIAGE_CONFIG: z.string().optional(),
  KUBETRIAGE_RUNBOOK_URL_TEMPLATE: z.string().optional(),
  KUBETRIAGE_DEMO: z.enum(['true', 'false', 'auto']).default('auto'),
  /** Workers only: the API server the fetch-based reader reads (a publicly trusted certificate). */
  KUBETRIAGE_KUBE_API_URL: z.url({ protocol: /^https$/, error: 'must be an https:// URL (Workers cannot trust a private CA)' }).optional(),
  KUBETRIAGE_KUBE_TOKEN: z.string().min(1).optional(),
  KUBECONFIG: z.string().optional(),
  KUBETRIAGE_PAGERDUTY_ROUTING_KEY: z.string().regex(/^\S{32}$/, 'must be the 32-character integration key of an Events API v2 integration').optional(),
  KUBETRIAGE_PAGERDUTY_EVENTS_URL: z.url({ protocol: /^https?$/ }).default('https://events.pagerduty.com/v2/enqueue'),
  KUBETRIAGE_PAGERDUTY_WEBHOOK_SECRET: list(z.string().min(16, 'each secret needs at least 16 characters')),
  KUBETRIAGE_PAGERDUTY_API_TOKEN: z.string().min(1).optional(),
  KUBETRIAGE_PAGERDUTY_API_URL: z.url({ protocol: /^https?$/ }).default('https://api.pagerduty.com'),
  /** The PagerDuty user notes are written as (the REST API's From header). */
  KUBETRIAGE_PAGERDUTY_FROM: z.email('must be the email address of a PagerDuty user').optional(),
  KUBETRIAGE_SLACK_WEBHOOK_URL: z.url({ protocol: /^https?$/ }).optional(),
}).superRefine((c, ctx) => {
  // Webhooks are only worth receiving when the note can be written.
  if (c.KUBETRIAGE_PAGERDUTY_WEBHOOK_SECRET.length > 0 && !c.KUBETRIAGE_PAGERDUTY_API_TOKEN) {
    ctx.addIssue({ code: 'custom', path: ['KUBETRIAGE_PAGERDUTY_API_TOKEN'], message: 'required with KUBETRIAGE_PAGERDUTY_WEBHOOK_SECRET: notes are written through the REST API' });
  }
  if (c.KUBETRIAGE_PAGERDUTY_API_TOKEN && !c.KUBETRIAGE_PAGERDUTY_FROM) {
    ctx.addIssue({ code: 'custom', path: ['KUBETRIAGE_PAGERDUTY_FROM'], message: 'required with KUBETRIAGE_PAGERDUTY_API_TOKEN: the email of the PagerDuty user notes are written as' });
  }
});

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
  const parsed = configSchema.safeParse(values);
  if (!parsed.success) problems.push(...parsed.error.issues.map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`));
  if (problems.length > 0 || !parsed.success) throw new ConfigError(problems);
  return parsed.data;
}
