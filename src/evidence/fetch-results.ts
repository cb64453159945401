// What both evidence readers (client-node on Node and Lambda, fetch on Workers) do with the API
// server's answers: the same request context for error messages, the same JSON handling, the
// same log bounds, the same round loop over the planner, and the same assembly into evidence.
// Pure and runtime-neutral (no Buffer), so the Worker bundle can carry it.
import type { KubeObject, LogTail, Target } from '../core/types.ts';
import { classifyError, resourceLabel, type Classification, type RequestContext } from './api-errors.ts';
import { involved, itemsFor, maxRounds, planRound, SOLO, targetProblem, type FetchResult, type FetchSpec, type GroupContext } from './planner.ts';
import type { CollectedEvidence, EvidenceError } from './source.ts';

export function apiVersionOf(spec: FetchSpec): string {
  return spec.group ? `${spec.group}/${spec.version}` : spec.version;
}

export function contextOf(spec: FetchSpec): RequestContext {
  const ctx: RequestContext = {
    verb: spec.kind === 'list' ? 'list' : 'get',
    group: spec.group,
    resource: spec.kind === 'log' ? `${spec.resource}/log` : spec.resource,
  };
  if (spec.namespace !== undefined) ctx.namespace = spec.namespace;
  if (spec.name !== undefined) ctx.name = spec.name;
  if (spec.log) {
    ctx.container = spec.log.container;
    ctx.previous = spec.log.previous;
    if (spec.log.node) ctx.node = spec.log.node;
  }
  const selector = [spec.fieldSelector, spec.labelSelector].filter(Boolean).join(', ');
  if (selector) ctx.selector = selector;
  return ctx;
}

export function fromClassification(c: Classification): FetchResult {
  if (c.outcome === 'absent') return { state: 'absent', ...(c.status !== undefined ? { status: c.status } : {}), ...(c.message ? { message: c.message } : {}) };
  return { state: 'failed', reason: c.reason, message: c.message, ...(c.status !== undefined ? { status: c.status } : {}) };
}

const isRecord = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

/** A 2xx JSON body → object or list (list items get the kind/apiVersion the API leaves out). */
export function parseJson(spec: FetchSpec, text: string, ctx: RequestContext): FetchResult {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    return fromClassification(classifyError(err, ctx));
  }
  const invalid = (why: string): FetchResult => ({ state: 'failed', reason: 'invalid-response', message: `the API server sent an invalid response for ${resourceLabel(ctx)}: ${why}` });
  if (!isRecord(parsed)) return invalid('not a JSON object');
  if (spec.kind === 'list') {
    const items = parsed['items'];
    if (!Array.isArray(items) && items !== null) return invalid('a list without items');
    const listKind = typeof parsed['kind'] === 'string' && parsed['kind'].endsWith('List') ? parsed['kind'].slice(0, -4) : spec.objectKind;
    const apiVersion = typeof parsed['apiVersion'] === 'string' ? parsed['apiVersion'] : apiVersionOf(spec);
    // Wire order: apiVersion and kind first, as a GET returns them; an item's own values win.
    const out = (items ?? []).filter(isRecord).map((item) => ({ apiVersion, kind: listKind, ...item }) as KubeObject);
    const more = isRecord(parsed['metadata']) && typeof parsed['metadata']['continue'] === 'string' && parsed['metadata']['continue'] !== '';
    return { state: 'list', items: out, more };
  }
  if (!isRecord(parsed['metadata'])) return invalid('an object without metadata');
  const object = { ...parsed } as KubeObject;
  if (typeof object.apiVersion !== 'string') object.apiVersion = apiVersionOf(spec);
  if (typeof object.kind !== 'string') object.kind = spec.objectKind;
  return { state: 'object', object };
}

/**
 * A list answer narrowed to what the spec's session keeps (`onlyPods`: those pods, the pods named
 * with one of `podPrefixes`, and the events about them or about non-Pods); other results as they are.
 */
export function narrowed(spec: FetchSpec, result: FetchResult): FetchResult {
  if (!spec.onlyPods || result.state !== 'list') return result;
  const pods = new Set(spec.onlyPods);
  const prefixes = spec.podPrefixes ?? [];
  const kept = (name: string) => pods.has(name) || prefixes.some((p) => name.startsWith(p));
  const items = result.items.filter((e) => {
    if (e.kind === 'Pod') return kept(String((e.metadata as { name?: unknown } | undefined)?.name));
    const about = involved(e);
    return about['kind'] !== 'Pod' || kept(String(about['name']));
  });
  return { ...result, items };
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * The newest lines of a log within tailLines and limitBytes, each passed through redact. When the
 * wire cap cut the body (`cut`), its last, partial line is dropped. A single line longer than
 * limitBytes keeps its beginning.
 */
export function boundLog(text: string, tailLines: number, limitBytes: number, redact: (line: string) => string = (l) => l, cut = false): { lines: string[]; truncated: boolean } {
  let raw = text.split('\n');
  if (raw.length > 0 && raw[raw.length - 1] === '') raw.pop();
  let truncated = cut;
  if (cut && raw.length > 0) raw.pop();
  if (raw.length > tailLines) {
    raw = raw.slice(raw.length - tailLines);
    truncated = true;
  }
  const kept: string[] = [];
  let bytes = 0;
  for (let i = raw.length - 1; i >= 0; i--) {
    const line = raw[i]!.endsWith('\r') ? raw[i]!.slice(0, -1) : raw[i]!;
    const size = encoder.encode(line).byteLength + 1;
    if (bytes + size > limitBytes) {
      if (kept.length === 0) kept.push(decoder.decode(encoder.encode(line).subarray(0, limitBytes)).replace(/\uFFFD+$/, ''));
      truncated = true;
      break;
    }
    bytes += size;
    kept.push(line);
  }
  kept.reverse();
  return { lines: kept.map((l) => redact(l)), truncated };
}

export function where(namespace: string | undefined, name: string | undefined): string {
  return namespace ? `${namespace}/${name ?? ''}` : (name ?? '');
}

function identity(o: KubeObject): string {
  const m = (o.metadata ?? {}) as { uid?: string; namespace?: string; name?: string };
  // Events arrive through both API groups with the same uid; other objects by kind + name.
  if (o.kind === 'Event' && m.uid) return `uid:${m.uid}`;
  return `${o.kind}|${m.namespace ?? ''}|${m.name ?? ''}|${m.uid ?? ''}`;
}

/** Objects (each once), logs, and the errors worth reporting, from the planned fetches' results. */
export function assemble(target: Target, specs: FetchSpec[], results: ReadonlyMap<string, FetchResult>, group: GroupContext = SOLO): CollectedEvidence {
  const objects: KubeObject[] = [];
  const logs: LogTail[] = [];
  const errors: EvidenceError[] = [];
  const seen = new Set<string>();
  const add = (o: KubeObject) => {
    const id = identity(o);
    if (seen.has(id)) return;
    seen.add(id);
    objects.push(o);
  };
  // An anyOf group is answered when any of its fetches did not fail.
  const answered = new Set(specs.filter((s) => s.anyOf && results.get(s.key) && results.get(s.key)!.state !== 'failed').map((s) => s.anyOf!));
  const reported = new Set<string>();
  const report = (e: EvidenceError) => {
    const k = `${e.reason}|${e.resource}|${e.message}`;
    if (reported.has(k)) return;
    reported.add(k);
    errors.push(e);
  };
  for (const s of specs) {
    const r = results.get(s.key);
    if (!r) continue;
    const resource = resourceLabel(contextOf(s));
    switch (r.state) {
      case 'object':
        add(r.object);
        break;
      case 'list':
        itemsFor(target, s, r.items, results, group).forEach(add);
        break;
      case 'log':
        logs.push({ namespace: s.namespace!, pod: s.name!, container: s.log!.container, previous: s.log!.previous, lines: r.lines });
        break;
      case 'absent':
        // A 404 is worth reporting only for what was required: a log, a guess or an answered anyOf is not.
        if (s.kind === 'log' || s.role === 'optional' || (s.anyOf && answered.has(s.anyOf) && s.role !== 'target')) break;
        report(s.role === 'target'
          ? { reason: 'gone', resource, message: `${target.kind.toLowerCase()} ${where(s.namespace, s.name)} no longer exists`, status: r.status ?? 404 }
          : { reason: 'not-found', resource, message: `${s.objectKind.toLowerCase()} ${where(s.namespace, s.name)} does not exist`, status: r.status ?? 404 });
        break;
      case 'failed':
        if ((s.anyOf && answered.has(s.anyOf)) || (s.role === 'optional' && r.reason === 'not-found')) break;
        report({ reason: r.reason, resource, message: r.message, ...(r.status !== undefined ? { status: r.status } : {}) });
        break;
    }
  }
  return { objects, logs, partial: errors.length > 0, errors };
}

/**
 * The planner's rounds for one target: each round's fetches in parallel, then the next round.
 * `group`: the other Pod targets of the session, whose shared reads the planner batches.
 */
export async function collectInRounds(target: Target, fetchOnce: (spec: FetchSpec) => Promise<FetchResult>, group: GroupContext = SOLO): Promise<CollectedEvidence> {
  const problem = targetProblem(target);
  if (problem) {
    return { objects: [], logs: [], partial: true, errors: [{ reason: 'invalid-target', resource: `${target.kind} ${where(target.namespace, target.name)}`, message: problem }] };
  }
  const results = new Map<string, FetchResult>();
  const specs: FetchSpec[] = [];
  for (let round = 1; round <= maxRounds(target.kind); round++) {
    const next = planRound(target, round, results, group);
    if (next.length === 0) break;
    specs.push(...next);
    const outcomes = await Promise.all(next.map(fetchOnce));
    next.forEach((s, i) => results.set(s.key, outcomes[i]!));
  }
  return assemble(target, specs, results, group);
}
