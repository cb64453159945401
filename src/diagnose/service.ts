// One diagnose path for every entry point (REST, CLI, Alertmanager, PagerDuty): infer or take
// the target, use inline evidence or collect it from the configured source, run the core.
import type { DiagnoseOptions, DiagnoseResult, EvidenceBundle, KubeObject, Target } from '../core/types.ts';
import { classify } from '../telemetry/classify.ts';
import type { Metrics } from '../telemetry/metrics.ts';
import { problem, type Problem } from '../http/problem.ts';
import { resolveTarget } from '../alerts/resolve-target.ts';
import type { EvidenceError, EvidenceSession } from '../evidence/source.ts';
import { TARGET_KINDS, type DiagnoseRequest } from './request.ts';

export interface DiagnoseResponse extends DiagnoseResult {
  /** True when some evidence could not be fetched; `errors` says what and why. */
  partial: boolean;
  errors: EvidenceError[];
  /** Where the evidence came from: "inline" or the source's description. */
  evidenceSource: string;
}

export type TargetInference = { ok: true; target: Target } | { ok: false; problem: Problem };

/** No target given: the single pod, else the object the alert names, else the single workload-like object. */
export function inferTarget(objects: KubeObject[], alertLabels: Record<string, string> | undefined): TargetInference {
  // Inline objects are any JSON: only objects (and List items that are objects) can be targets.
  const isObject = (o: unknown): o is KubeObject => typeof o === 'object' && o !== null && !Array.isArray(o);
  const flat = objects.filter(isObject).flatMap((o) => (Array.isArray((o as { items?: unknown }).items) ? ((o as { items: unknown[] }).items.filter(isObject)) : [o]));
  const meta = (o: KubeObject) => {
    const m = isObject(o.metadata) ? (o.metadata as { name?: unknown; namespace?: unknown }) : {};
    return { ...(typeof m.name === 'string' ? { name: m.name } : {}), ...(typeof m.namespace === 'string' ? { namespace: m.namespace } : {}) };
  };
  const asTarget = (o: KubeObject): Target => ({ kind: String(o.kind), name: meta(o).name ?? '', ...(meta(o).namespace ? { namespace: meta(o).namespace! } : {}) });
  const pods = flat.filter((o) => o?.kind === 'Pod' && meta(o).name);
  if (pods.length === 1) return { ok: true, target: asTarget(pods[0]!) };
  if (alertLabels) {
    const resolved = resolveTarget(alertLabels);
    if (resolved.target) return { ok: true, target: resolved.target };
  }
  const candidates = flat.filter((o) => o && (TARGET_KINDS as readonly string[]).includes(String(o.kind)) && o.kind !== 'Pod' && meta(o).name);
  if (pods.length === 0 && candidates.length === 1) return { ok: true, target: asTarget(candidates[0]!) };
  const seen = pods.length > 0 ? `${pods.length} pods` : `${candidates.length} candidate objects`;
  return { ok: false, problem: problem('target-not-found', 400, `cannot infer the target: the evidence has ${seen}; name it in "target"`, [{ path: 'target', message: 'required when the evidence does not name a single object' }]) };
}

export interface DiagnoseServiceDeps {
  diagnoseOptions?: DiagnoseOptions;
  /** Opens an evidence session; absent when only inline evidence is accepted. */
  openSession?: () => EvidenceSession;
  evidenceDescription?: string;
  metrics?: Metrics;
}

export async function diagnoseRequest(req: DiagnoseRequest, deps: DiagnoseServiceDeps): Promise<{ ok: true; response: DiagnoseResponse } | { ok: false; problem: Problem }> {
  let target = req.target;
  if (!target) {
    const inferred = inferTarget(req.objects ?? [], req.alert?.labels);
    if (!inferred.ok) return inferred;
    target = inferred.target;
  }
  let bundle: EvidenceBundle;
  let partial = false;
  let errors: EvidenceError[] = [];
  let evidenceSource = 'inline';
  if (req.objects) {
    bundle = { target, objects: req.objects, ...(req.logs ? { logs: req.logs } : {}), ...(req.alert ? { alert: req.alert } : {}) };
  } else if (deps.openSession) {
    const collected = await deps.openSession().collect(target);
    ({ partial, errors } = collected);
    evidenceSource = deps.evidenceDescription ?? 'cluster';
    bundle = { target, objects: collected.objects, logs: [...collected.logs, ...(req.logs ?? [])], ...(req.alert ? { alert: req.alert } : {}) };
  } else {
    return { ok: false, problem: problem('invalid-request', 400, 'no evidence source is configured; send objects inline', [{ path: 'objects', message: 'required' }]) };
  }
  const result = classify(bundle, deps.diagnoseOptions, deps.metrics);
  deps.metrics?.diagnosis(result.diagnosis.id, partial);
  for (const e of errors) deps.metrics?.evidenceError(e.reason);
  return { ok: true, response: { ...result, partial, errors, evidenceSource } };
}
