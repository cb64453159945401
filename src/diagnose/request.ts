// The /v1/diagnose request: `{ target?, objects, logs?, alert? }`, shared by the REST route and
// the CLI. Objects are kept as the API returns them; the core decides which it understands.
import * as z from 'zod/mini';
import { safeParse } from '../config/schema-parse.ts';
import type { AlertContext, KubeObject, LogTail, Target } from '../core/types.ts';
import { problem, fieldPath, type Problem } from '../http/problem.ts';

// Names must be valid Kubernetes object names before they reach a path or a selector, by the
// API server's own rules (k8s.io/apimachinery/pkg/util/validation): object names are DNS-1123
// subdomains (dot-separated labels, 253 at most), namespaces and containers DNS-1123 labels,
// Service names DNS-1035 labels (a letter first).
export const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
export const DNS_1035_LABEL = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** Why `name` cannot name an object of `kind`, if it cannot. */
export function nameProblem(kind: string, name: string): string | undefined {
  if (kind === 'Service') return DNS_1035_LABEL.test(name) ? undefined : 'must be a DNS-1035 label (a Service name)';
  return DNS_SUBDOMAIN.test(name) ? undefined : 'must be a DNS-1123 subdomain';
}

export const TARGET_KINDS = [
  'Pod', 'Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'Node', 'PersistentVolumeClaim',
  'PersistentVolume', 'Service', 'ResourceQuota', 'HorizontalPodAutoscaler', 'PodDisruptionBudget',
] as const;
export const CLUSTER_SCOPED_KINDS = new Set<string>(['Node', 'PersistentVolume']);

export const targetSchema = z.object({
  kind: z.enum(TARGET_KINDS),
  namespace: z.optional(z.string().check(z.regex(DNS_LABEL, 'must be a DNS-1123 label'))),
  name: z.string().check(z.regex(DNS_SUBDOMAIN, 'must be a DNS-1123 subdomain')),
  container: z.optional(z.string().check(z.regex(DNS_LABEL, 'must be a DNS-1123 label'))),
}).check(
  z.refine((t) => CLUSTER_SCOPED_KINDS.has(t.kind) || t.namespace !== undefined, { message: 'namespace is required for namespaced kinds', path: ['namespace'] }),
  z.refine((t) => nameProblem(t.kind, t.name) === undefined, { message: 'must be a DNS-1035 label (a Service name)', path: ['name'] }),
);

const objectsSchema = z.union([
  z.array(z.unknown()),
  z.looseObject({ kind: z.optional(z.string()), items: z.array(z.unknown()) }),
]);

const logSchema = z.object({
  namespace: z.optional(z.string()),
  pod: z.optional(z.string()),
  container: z.string().check(z.minLength(1)),
  previous: z._default(z.boolean(), false),
  lines: z.optional(z.array(z.string())),
  text: z.optional(z.string()),
}).check(z.refine((l) => l.lines !== undefined || l.text !== undefined, { message: 'give lines[] or text', path: ['lines'] }));

const alertSchema = z.object({
  labels: z.record(z.string(), z.string()),
  annotations: z._default(z.record(z.string(), z.string()), {}),
});

export const diagnoseRequestSchema = z.object({
  target: z.optional(targetSchema),
  objects: z.optional(objectsSchema),
  logs: z.optional(z.array(logSchema)),
  alert: z.optional(alertSchema),
}).check(z.refine((r) => r.target !== undefined || r.objects !== undefined, { message: 'give objects (evidence), a target, or both', path: ['objects'] }));

export interface DiagnoseRequest {
  target?: Target;
  objects?: KubeObject[];
  logs?: LogTail[];
  alert?: AlertContext;
}

/** Where a /v1/diagnose body carries labels, for the input limits (objects are evidence: the body limit bounds them). */
export const DIAGNOSE_LABEL_MAPS = ['alert.labels', 'alert.annotations'];

export type Parsed<T> = { ok: true; value: T } | { ok: false; problem: Problem };

export function parseDiagnoseRequest(body: unknown): Parsed<DiagnoseRequest> {
  const result = safeParse(diagnoseRequestSchema, body);
  if (!result.success) {
    return { ok: false, problem: problem('invalid-request', 400, 'see errors[] for the fields', result.error.issues.map((i) => ({ path: fieldPath(i.path), message: i.message }))) };
  }
  const r = result.data;
  const objects = r.objects === undefined ? undefined : Array.isArray(r.objects) ? (r.objects as KubeObject[]) : ((r.objects.items ?? []) as KubeObject[]);
  const value: DiagnoseRequest = {};
  if (r.target) value.target = stripUndefined(r.target) as Target;
  if (objects) value.objects = objects;
  if (r.logs) value.logs = r.logs.map((l) => ({ container: l.container, previous: l.previous, lines: l.lines ?? (l.text ?? '').split('\n'), ...(l.namespace ? { namespace: l.namespace } : {}), ...(l.pod ? { pod: l.pod } : {}) }));
  if (r.alert) value.alert = r.alert;
  return { ok: true, value };
}

function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

