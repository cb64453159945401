// Structural input limits for the ingest routes, checked on the parsed body before any schema
// or recursive code sees it. The body limit (413) bounds the bytes; these bound the shape:
//   - nesting depth: redaction, serialization and the core walk values recursively, and a
//     1 MiB body can nest half a million levels (JSON.parse does not mind; they overflow);
//   - label and annotation maps: how many entries, how long a name or a value. These are
//     copied onto every enriched alert and into every sink, so they are bounded where they come in.
// A body over a limit will never be accepted, so the answer is a 400 (Alertmanager does not
// retry a 4xx) with the offending path, like any other invalid field.
// The walk is iterative: the check itself must not overflow on the input it exists to refuse.
import type { MiddlewareHandler } from 'hono';
import type { JsonBodyVariables } from './json-body.ts';
import { problem, problemResponse, type FieldError, type Problem } from './problem.ts';

export interface InputLimits {
  /** Nesting of objects and arrays; the body itself is level 1. */
  maxDepth: number;
  /** Entries in one label or annotation map. */
  maxLabels: number;
  /** Characters in a label or annotation name. */
  maxLabelNameLength: number;
  /** Characters in a label or annotation value. */
  maxLabelValueLength: number;
}

// Real bodies stay far below these: an Alertmanager payload nests 4 levels, a Pod with its
// managedFields about 15; kube-state-metrics alerts carry 10-30 labels.
export const DEFAULT_INPUT_LIMITS: InputLimits = {
  maxDepth: 64,
  maxLabels: 128,
  maxLabelNameLength: 256,
  maxLabelValueLength: 16 * 1024,
};

/**
 * Where a route's label and annotation maps are, as dotted paths; `*` stands for every array
 * element (or every property) at that step, e.g. `alerts.*.labels`.
 */
export type LabelMapPaths = readonly string[];

/** At most this many field errors are reported; one is enough to fix, a few save round trips. */
const MAX_ERRORS = 20;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A path segment as reported: long names are cut, so an error never echoes a large input. */
const segment = (key: string | number): string => {
  const s = String(key);
  return s.length > 64 ? `${s.slice(0, 61)}...` : s;
};

interface Frame {
  value: unknown;
  depth: number;
  parent: Frame | undefined;
  key: string | number;
}

function pathOf(frame: Frame): string {
  const parts: string[] = [];
  for (let f: Frame | undefined = frame; f?.parent; f = f.parent) parts.push(segment(f.key));
  return parts.length === 0 ? '(body)' : parts.reverse().join('.');
}

/** The path of the first container nested deeper than maxDepth, if any. */
function tooDeep(body: unknown, maxDepth: number): string | undefined {
  const stack: Frame[] = [{ value: body, depth: 1, parent: undefined, key: '' }];
  while (stack.length > 0) {
    const frame = stack.pop()!;
    const v = frame.value;
    if (typeof v !== 'object' || v === null) continue;
    if (frame.depth > maxDepth) return pathOf(frame);
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) if (typeof v[i] === 'object' && v[i] !== null) stack.push({ value: v[i], depth: frame.depth + 1, parent: frame, key: i });
    } else {
      for (const k of Object.keys(v)) {
        const child = (v as Record<string, unknown>)[k];
        if (typeof child === 'object' && child !== null) stack.push({ value: child, depth: frame.depth + 1, parent: frame, key: k });
      }
    }
  }
  return undefined;
}

/** Every map the pattern reaches, with its path; steps through values that are not containers are dead ends. */
function mapsAt(body: unknown, pattern: string): Array<{ map: Record<string, unknown>; path: string }> {
  let level: Array<{ value: unknown; path: string[] }> = [{ value: body, path: [] }];
  for (const step of pattern.split('.')) {
    const next: typeof level = [];
    for (const { value, path } of level) {
      if (step === '*') {
        if (Array.isArray(value)) value.forEach((v, i) => next.push({ value: v, path: [...path, String(i)] }));
        else if (isObject(value)) for (const [k, v] of Object.entries(value)) next.push({ value: v, path: [...path, segment(k)] });
      } else if (isObject(value) && Object.hasOwn(value, step)) {
        next.push({ value: value[step], path: [...path, step] });
      }
    }
    level = next;
  }
  return level.filter((l) => isObject(l.value)).map((l) => ({ map: l.value as Record<string, unknown>, path: l.path.join('.') }));
}

function labelErrors(body: unknown, limits: InputLimits, labelMaps: LabelMapPaths): FieldError[] {
  const errors: FieldError[] = [];
  for (const pattern of labelMaps) {
    for (const { map, path } of mapsAt(body, pattern)) {
      const keys = Object.keys(map);
      if (keys.length > limits.maxLabels) errors.push({ path, message: `at most ${limits.maxLabels} entries (got ${keys.length})` });
      for (const k of keys) {
        if (errors.length >= MAX_ERRORS) return errors;
        if (k.length > limits.maxLabelNameLength) errors.push({ path: `${path}.${segment(k)}`, message: `name longer than ${limits.maxLabelNameLength} characters (${k.length})` });
        const v = map[k];
        // Values that are not strings are the schema's to refuse, with its own message.
        if (typeof v === 'string' && v.length > limits.maxLabelValueLength) errors.push({ path: `${path}.${segment(k)}`, message: `value longer than ${limits.maxLabelValueLength} characters (${v.length})` });
      }
      if (errors.length >= MAX_ERRORS) return errors;
    }
  }
  return errors;
}

/** The problem to answer when the parsed body is over a limit; undefined when it is within all of them. */
export function checkInputLimits(body: unknown, limits: InputLimits, labelMaps: LabelMapPaths = []): Problem | undefined {
  const deep = tooDeep(body, limits.maxDepth);
  if (deep !== undefined) {
    return problem('invalid-request', 400, `the body nests deeper than ${limits.maxDepth} levels`, [{ path: deep, message: `nested deeper than ${limits.maxDepth} levels` }]);
  }
  const errors = labelErrors(body, limits, labelMaps);
  if (errors.length > 0) return problem('invalid-request', 400, 'labels or annotations over the input limits; see errors[]', errors);
  return undefined;
}

/** Middleware for routes behind jsonBody(): refuses a parsed body that is over a limit. */
export function inputLimits(o: { limits: InputLimits; labelMaps?: LabelMapPaths }): MiddlewareHandler<{ Variables: JsonBodyVariables }> {
  return async (c, next) => {
    const p = checkInputLimits(c.get('jsonBody'), o.limits, o.labelMaps);
    if (p) return problemResponse(c, p);
    await next();
  };
}
