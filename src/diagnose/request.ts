// The /v1/diagnose request: `{ target?, objects, logs?, alert? }`, shared by the REST route and
// the CLI. Objects are kept as the API returns them; the core decides which it understands.
import { z } from 'zod';
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
  namespace: z.string().regex(DNS_LABEL, 'must be a DNS-1123 label').optional(),
  name: z.string().regex(DNS_SUBDOMAIN, 'must be a DNS-1123 subdomain'),
  container: z.string().regex(DNS_LABEL, 'must be a DNS-1123 label').optional(),
}).refine((t) => CLUSTER_SCOPED_KINDS.has(t.kind) || t.namespace !== undefined, { message: 'namespace is required for namespaced kinds', path: ['namespace'] })
  .refine((t) => nameProblem(t.kind, t.name) === undefined, { message: 'must be a DNS-1035 label (a Service name)', path: ['name'] });

const objectsSchema = z.union([
  z.array(z.unknown()),
  z.looseObject({ kind: z.string().optional(), items: z.array(z.unknown()) }),
]);

const logSchema = z.object({
  namespace: z.string().optional(),
  pod: z.string().optional(),
  container: z.string().min(1),
  previous: z.boolean().default(false),
  lines: z.array(z.string()).optional(),
  text: z.string().optional(),
}).refine((l) => l.lines !== undefined || l.text !== undefined, { message: 'give lines[] or text', path: ['lines'] });

const alertSchema = z.object({
  labels: z.record(z.string(), z.string()),
  annotations: z.record(z.string(), z.string()).default({}),
});

export const diagnoseRequestSchema = z.object({
  target: targetSchema.optional(),
  objects: objectsSchema.optional(),
  logs: z.array(logSchema).optional(),
  alert: alertSchema.optional(),
}).refine((r) => r.target !== undefined || r.objects !== undefined, { message: 'give objects (evidence), a target, or both', path: ['objects'] });

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
  const result = diagnoseRequestSchema.safeParse(body);
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

