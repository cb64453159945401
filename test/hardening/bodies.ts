// Request bodies for the property-based hardening tests: the real samples (shared/samples,
// examples/requests, the demo cluster's names) mutated structurally and byte-wise, plus bodies
// generated from the shape each route expects. Everything comes from fast-check's seeded
// random source, so a run is reproduced by its seed.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { loadSnapshotDir } from '../../src/demo/cluster-snapshot.ts';
import { TARGET_KINDS } from '../../src/diagnose/request.ts';
import { alertFor, DEMO_EXPECTED, payloadOf } from '../support/enriched-alerts.ts';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const SAMPLES = new URL('../../../shared/samples/', import.meta.url);
const EXAMPLES = new URL('../../examples/requests/', import.meta.url);
const read = (base: URL, name: string) => readFileSync(new URL(name, base), 'utf8');

/** Runs per property; the issue asks for at least 10,000 per route (HARDENING_RUNS=200 for a quick look). */
export const RUNS = Number(process.env['HARDENING_RUNS'] ?? 10_000);

// ---------------------------------------------------------------------------------------------
// Seeds

const demo = loadSnapshotDir(fileURLToPath(new URL('../../examples/demo-cluster/', import.meta.url)));
const meta = (o: { metadata?: unknown }) => (o.metadata ?? {}) as { name?: string; namespace?: string };
export const DEMO_NAMES = [...new Set(demo.objects.map((o) => meta(o).name).filter((n): n is string => !!n))].sort();
export const DEMO_NAMESPACES = [...new Set(demo.objects.map((o) => meta(o).namespace).filter((n): n is string => !!n))].sort();

export const ALERTMANAGER_SEEDS: Json[] = [
  ...['k8s-deployment-resolved.json', 'legacy-firing-no-fingerprint.json', 'multi-alert-firing-compact.json'].map((f) => JSON.parse(read(SAMPLES, `alertmanager/${f}`)) as Json),
  // The demo cluster's targets as Alertmanager alerts on them: these resolve and reach the core.
  ...DEMO_EXPECTED.map((e) => JSON.parse(JSON.stringify(payloadOf([alertFor(e.target)]))) as Json),
  JSON.parse(JSON.stringify(payloadOf(DEMO_EXPECTED.slice(0, 6).map((e) => alertFor(e.target))))) as Json,
];

/** examples/requests/batch.jsonl, including its deliberately broken line. */
export const BATCH_LINES = read(EXAMPLES, 'batch.jsonl').split('\n').filter((l) => l.trim() !== '');
const parses = (l: string) => { try { JSON.parse(l); return true; } catch { return false; } };
export const DIAGNOSE_SEEDS: Json[] = [
  ...['crashloop-oom.json', 'dns-failure.json', 'image-pull-unauthorized.json', 'pending-cpu.json', 'target-only.json'].map((f) => JSON.parse(read(EXAMPLES, f)) as Json),
  ...BATCH_LINES.filter(parses).map((l) => JSON.parse(l) as Json),
  ...DEMO_EXPECTED.map((e) => ({ target: e.target } as unknown as Json)),
];

const pdSample = JSON.parse(read(SAMPLES, 'pagerduty/webhook-v3-incident.priority_updated.docs.json')) as { event: Record<string, Json> & { data: Record<string, Json> } };
/** The official v3 envelope as it is, and as incident.triggered carrying the details kubetriage or Alertmanager put there. */
export const PAGERDUTY_SEEDS: Json[] = [
  pdSample as unknown as Json,
  ...DEMO_EXPECTED.slice(0, 8).flatMap((e, i): Json[] => {
    const labels = alertFor(e.target).labels;
    const triggered = (details: Json) => ({ event: { ...pdSample.event, id: `seed-${i}-${typeof details}`, event_type: 'incident.triggered', data: { ...pdSample.event.data, body: { details } } } });
    return [
      triggered({ target: e.target as unknown as Json, labels }),
      triggered({ firing: `Labels:\n${Object.entries(labels).map(([k, v]) => ` - ${k} = ${v}`).join('\n')}\nAnnotations:\n - summary = x\n` }),
      triggered(labels),
    ];
  }),
];

// ---------------------------------------------------------------------------------------------
// Values that have broken parsers, paths and selectors before

export const NASTY: string[] = [
  '', ' ', '../', '../../etc/passwd', '..%2F..%2Fsecrets', '%2F', 'a%2Fb', 'a/b', '?', 'a?watch=true', 'x?labelSelector=', 'a,b', 'a=b,c!=d',
  'metadata.name=x', '#frag', 'Cart-1', 'UPPER', '-lead', 'trail-', 'a..b', 'x'.repeat(64), 'x'.repeat(254), 'a b', '\t', '\n', '\r\n',
  '\u0000', '\u202e', '\ud800', '\uffff', '💥', 'ü', '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'null', 'true', '0', '-1',
  '1e309', 'NaN', '0001-01-01T00:00:00Z', '2026-13-45T99:99:99Z', 'firing', 'resolved', 'kube-state-metrics', 'kube-state-metrics-7d9f8b6c5d-x2x9k',
  'Bearer AKIAIOSFODNN7EXAMPLE', 'postgres://app:hunter2@db:5432/shop', 'password=hunter2', '{"a":1}', '[1,2]', '\\', '"', "'", '${jndi:ldap://x}',
  '<script>', 'v1=abc', '*', '.*', '(?<x>.*)', 'Labels:\n - pod = ../x', 'Q1ABCDEF', 'P123',
];

const ALERTNAMES = [
  'KubePodCrashLooping', 'KubePodNotReady', 'KubeContainerWaiting', 'CPUThrottlingHigh', 'KubeDeploymentReplicasMismatch', 'KubeDeploymentRolloutStuck',
  'KubeStatefulSetReplicasMismatch', 'KubeDaemonSetRolloutStuck', 'KubeJobFailed', 'KubeJobNotCompleted', 'KubeHpaMaxedOut', 'KubePdbNotEnoughHealthyPods',
  'KubeQuotaExceeded', 'KubePersistentVolumeFillingUp', 'KubePersistentVolumeErrors', 'KubeNodeNotReady', 'KubeletTooManyPods', 'Watchdog', 'TargetDown',
];
const LABEL_NAMES = [
  'alertname', 'namespace', 'pod', 'container', 'deployment', 'statefulset', 'daemonset', 'job', 'job_name', 'node', 'instance', 'persistentvolumeclaim',
  'persistentvolume', 'service', 'horizontalpodautoscaler', 'poddisruptionbudget', 'resourcequota', 'cluster', 'reason', 'severity', 'exported_namespace',
  'exported_pod', 'runbook_url', 'summary', 'description',
];

export const stringArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...DEMO_NAMES, ...DEMO_NAMESPACES) },
  { weight: 3, arbitrary: fc.constantFrom(...NASTY) },
  { weight: 2, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
);
const labelName = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...LABEL_NAMES) }, { weight: 1, arbitrary: stringArb });
const labelValue = fc.oneof({ weight: 4, arbitrary: stringArb }, { weight: 1, arbitrary: fc.constantFrom(...ALERTNAMES) });
export const labelsArb: fc.Arbitrary<Record<string, string>> = fc.tuple(fc.constantFrom(...ALERTNAMES), fc.dictionary(labelName, labelValue, { maxKeys: 8 }))
  .map(([alertname, rest]) => ({ alertname, ...rest }));
const looseJson = fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json>;
const anyValue: fc.Arbitrary<Json> = fc.oneof({ weight: 3, arbitrary: stringArb }, { weight: 2, arbitrary: looseJson });

// ---------------------------------------------------------------------------------------------
// Structural mutations

type Op =
  | { kind: 'restring'; value: string }
  | { kind: 'replace'; value: Json }
  | { kind: 'delete' }
  | { kind: 'add'; key: string; value: Json }
  | { kind: 'retype' }
  | { kind: 'nest'; depth: number }
  | { kind: 'huge'; size: number }
  | { kind: 'wide'; keys: number }
  | { kind: 'duplicate' }
  | { kind: 'empty' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  // Keeps the shape valid and changes what it says: names, namespaces, statuses, times.
  { weight: 8, arbitrary: stringArb.map((value) => ({ kind: 'restring' as const, value })) },
  { weight: 6, arbitrary: anyValue.map((value) => ({ kind: 'replace' as const, value })) },
  { weight: 3, arbitrary: fc.constant({ kind: 'delete' as const }) },
  { weight: 3, arbitrary: fc.tuple(labelName, anyValue).map(([key, value]) => ({ kind: 'add' as const, key, value })) },
  { weight: 2, arbitrary: fc.constant({ kind: 'retype' as const }) },
  { weight: 1, arbitrary: fc.oneof(fc.integer({ min: 2, max: 120 }), fc.constant(20_000)).map((depth) => ({ kind: 'nest' as const, depth })) },
  { weight: 1, arbitrary: fc.constantFrom(300, 17_000, 17_000, 1_100_000).map((size) => ({ kind: 'huge' as const, size })) },
  { weight: 1, arbitrary: fc.constantFrom(20, 130, 300).map((keys) => ({ kind: 'wide' as const, keys })) },
  { weight: 1, arbitrary: fc.constant({ kind: 'duplicate' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'empty' as const }) },
);

interface Slot { parent: Json[] | { [k: string]: Json }; key: string | number }

/** Every value in the tree below the root, as (parent, key). */
function slots(root: Json): Slot[] {
  const out: Slot[] = [];
  const stack: Json[] = [root];
  while (stack.length > 0) {
    const v = stack.pop()!;
    if (Array.isArray(v)) v.forEach((child, i) => { out.push({ parent: v, key: i }); stack.push(child); });
    else if (v && typeof v === 'object') for (const [k, child] of Object.entries(v)) { out.push({ parent: v, key: k }); stack.push(child); }
  }
  return out;
}

const getAt = (s: Slot): Json => (s.parent as Record<string | number, Json>)[s.key]!;
const setAt = (s: Slot, v: Json) => { (s.parent as Record<string | number, Json>)[s.key] = v; };

function retype(v: Json): Json {
  if (typeof v === 'string') return v.length;
  if (typeof v === 'number') return String(v);
  if (typeof v === 'boolean') return null;
  if (v === null) return {};
  if (Array.isArray(v)) return Object.fromEntries(v.map((x, i) => [String(i), x]));
  return Object.values(v);
}

/** Stands for nesting too deep to build as a tree (stringify and structuredClone recurse); serialize() expands it. */
const DEEP = (depth: number) => `\u0000deep:${depth}\u0000`;
const DEEP_TEXT = /"\\u0000deep:(\d+)\\u0000"/g;

/** JSON text of a tree, with DEEP markers expanded into that many nested arrays. */
export function serialize(tree: Json): string {
  return JSON.stringify(tree).replace(DEEP_TEXT, (_, n: string) => `${'['.repeat(Number(n))}${']'.repeat(Number(n))}`);
}

function nested(depth: number): Json {
  if (depth > 1000) return DEEP(depth);
  let v: Json = 'bottom';
  for (let i = 0; i < depth; i++) v = i % 2 === 0 ? [v] : { n: v };
  return v;
}

function apply(root: Json, at: number, op: Op): Json {
  const all = slots(root);
  if (all.length === 0) return op.kind === 'replace' ? op.value : root;
  const s = all[at % all.length]!;
  const v = getAt(s);
  switch (op.kind) {
    case 'restring':
      if (typeof v === 'string') setAt(s, op.value);
      else if (v && typeof v === 'object' && !Array.isArray(v)) v[op.value] = op.value;
      break;
    case 'replace': setAt(s, op.value); break;
    case 'delete':
      if (Array.isArray(s.parent)) s.parent.splice(s.key as number, 1);
      else delete s.parent[s.key as string];
      break;
    case 'add':
      if (v && typeof v === 'object' && !Array.isArray(v)) v[op.key] = op.value;
      else if (Array.isArray(v)) v.push(op.value);
      else setAt(s, { [op.key]: op.value });
      break;
    case 'retype': setAt(s, retype(v)); break;
    case 'nest': setAt(s, nested(op.depth)); break;
    case 'huge': setAt(s, 'x'.repeat(op.size)); break;
    case 'wide': setAt(s, Object.fromEntries(Array.from({ length: op.keys }, (_, i) => [`label_${i}`, `value-${i}`]))); break;
    case 'duplicate':
      if (Array.isArray(s.parent)) s.parent.push(structuredClone(v));
      else if (Array.isArray(v)) v.push(...structuredClone(v));
      break;
    case 'empty': setAt(s, Array.isArray(v) ? [] : v && typeof v === 'object' ? {} : ''); break;
  }
  return root;
}

/** A seed, mutated 1-4 times at positions picked by the seeded source. */
export function mutatedArb(seeds: Json[]): fc.Arbitrary<Json> {
  return fc.tuple(fc.nat({ max: seeds.length - 1 }), fc.array(fc.tuple(fc.nat(), opArb), { minLength: 1, maxLength: 4 }))
    .map(([i, ops]) => ops.reduce<Json>((tree, [at, op]) => apply(tree, at, op), structuredClone(seeds[i]!)));
}

// ---------------------------------------------------------------------------------------------
// Byte-level mutations of a serialized body

type TextOp = { kind: 'truncate'; at: number } | { kind: 'insert'; at: number; text: string } | { kind: 'cut'; at: number; len: number } | { kind: 'wrap'; prefix: string; suffix: string };

const textOpArb: fc.Arbitrary<TextOp> = fc.oneof(
  fc.nat().map((at) => ({ kind: 'truncate' as const, at })),
  fc.tuple(fc.nat(), fc.oneof(fc.constantFrom('{', '}', '[', ']', '"', ',', ':', '\\', '\\u', '\\ud800', 'null', '\u0000', '\ufeff', '💥', '1e999', '-'), fc.string({ unit: 'binary', maxLength: 8 })))
    .map(([at, text]) => ({ kind: 'insert' as const, at, text })),
  fc.tuple(fc.nat(), fc.integer({ min: 1, max: 40 })).map(([at, len]) => ({ kind: 'cut' as const, at, len })),
  fc.constantFrom(['\ufeff', ''], [' \n\t', '\n'], ['[', ']'], ['', ',{}'], ['', 'garbage']).map(([prefix, suffix]) => ({ kind: 'wrap' as const, prefix: prefix!, suffix: suffix! })),
);

function applyText(text: string, op: TextOp): string {
  const at = (n: number) => (text.length === 0 ? 0 : n % (text.length + 1));
  switch (op.kind) {
    case 'truncate': return text.slice(0, at(op.at));
    case 'insert': return text.slice(0, at(op.at)) + op.text + text.slice(at(op.at));
    case 'cut': return text.slice(0, at(op.at)) + text.slice(at(op.at) + op.len);
    case 'wrap': return op.prefix + text + op.suffix;
  }
}

// ---------------------------------------------------------------------------------------------
// Generated bodies, from the shape each route expects

/** Mostly a valid value, sometimes one the schema refuses. */
const rarely = <T, U>(valid: fc.Arbitrary<T>, invalid: fc.Arbitrary<U>) => fc.oneof({ weight: 15, arbitrary: valid }, { weight: 1, arbitrary: invalid });

const alertArb: fc.Arbitrary<Json> = fc.record({
  status: rarely(fc.constantFrom('firing', 'firing', 'resolved'), fc.constantFrom('pending', 1)),
  labels: labelsArb,
  annotations: fc.dictionary(labelName, labelValue, { maxKeys: 4 }),
  startsAt: fc.constantFrom('2026-11-21T09:20:00Z', '0001-01-01T00:00:00Z', 'yesterday', ''),
  endsAt: fc.constantFrom('0001-01-01T00:00:00Z', '2026-11-21T10:00:00Z', ''),
  generatorURL: stringArb,
  fingerprint: fc.oneof(fc.stringMatching(/^[0-9a-f]{16}$/), stringArb),
}, { requiredKeys: ['labels'] }) as fc.Arbitrary<Json>;

export const generatedAlertmanager: fc.Arbitrary<Json> = fc.record({
  version: rarely(fc.constant('4'), fc.constantFrom('3', 4)),
  groupKey: stringArb,
  truncatedAlerts: rarely(fc.nat(), fc.constant(-1)),
  status: fc.constantFrom('firing', 'resolved'),
  receiver: fc.constantFrom('kube\\.triage', 'web\\.hook', ''),
  groupLabels: labelsArb,
  commonLabels: labelsArb,
  commonAnnotations: fc.dictionary(labelName, labelValue, { maxKeys: 3 }),
  externalURL: fc.constantFrom('http://am:9093', 'http://:9093', ''),
  alerts: fc.array(alertArb, { maxLength: 6 }),
  notification_reason: fc.constantFrom('initial', 'repeat', 'update'),
  routeLabels: labelsArb,
}, { requiredKeys: ['alerts'] }) as fc.Arbitrary<Json>;

const targetArb = fc.record({
  kind: rarely(fc.constantFrom(...TARGET_KINDS), stringArb),
  namespace: rarely(fc.constantFrom(...DEMO_NAMESPACES), stringArb),
  name: rarely(fc.constantFrom(...DEMO_NAMES), stringArb),
  container: rarely(fc.constantFrom('app', 'cart', 'ledger', 'frontend'), stringArb),
}, { requiredKeys: ['kind', 'name'] });

const kubeObjectArb: fc.Arbitrary<Json> = fc.record({
  apiVersion: fc.constantFrom('v1', 'apps/v1', 'batch/v1', 'events.k8s.io/v1'),
  kind: fc.oneof(fc.constantFrom('Pod', 'Event', 'Node', 'Deployment', 'ReplicaSet', 'Service', 'PersistentVolumeClaim', 'List'), stringArb),
  metadata: fc.record({ name: stringArb, namespace: stringArb, labels: fc.dictionary(stringArb, stringArb, { maxKeys: 3 }), ownerReferences: fc.array(fc.record({ kind: stringArb, name: stringArb }), { maxLength: 2 }) }, { requiredKeys: [] }),
  spec: looseJson,
  status: fc.oneof(looseJson, fc.record({ phase: stringArb, containerStatuses: fc.array(fc.record({ name: stringArb, restartCount: fc.integer(), state: looseJson, lastState: looseJson }, { requiredKeys: [] }), { maxLength: 2 }) }, { requiredKeys: [] })),
  items: fc.array(looseJson, { maxLength: 2 }),
}, { requiredKeys: ['kind'] }) as fc.Arbitrary<Json>;

export const generatedDiagnose: fc.Arbitrary<Json> = fc.record({
  target: targetArb,
  objects: fc.oneof(fc.array(kubeObjectArb, { maxLength: 4 }), fc.record({ kind: fc.constant('List'), items: fc.array(kubeObjectArb, { maxLength: 3 }) })),
  logs: fc.array(fc.record({ namespace: stringArb, pod: stringArb, container: stringArb, previous: fc.boolean(), lines: fc.array(stringArb, { maxLength: 4 }), text: stringArb }, { requiredKeys: ['container'] }), { maxLength: 2 }),
  alert: fc.record({ labels: labelsArb, annotations: fc.dictionary(labelName, labelValue, { maxKeys: 3 }) }, { requiredKeys: ['labels'] }),
}, { requiredKeys: [] }) as fc.Arbitrary<Json>;

const incidentId = fc.oneof(fc.stringMatching(/^[A-Z0-9]{7,14}$/), stringArb);
export const generatedPagerDuty: fc.Arbitrary<Json> = fc.record({
  event: fc.record({
    id: fc.uuid(),
    event_type: fc.constantFrom('incident.triggered', 'incident.triggered', 'incident.acknowledged', 'incident.resolved', 'pagey.ping', ''),
    resource_type: fc.constantFrom('incident', 'pagey'),
    data: fc.record({
      id: incidentId,
      title: fc.oneof(stringArb, fc.constantFrom(...DEMO_NAMES.map((n) => `KubePodCrashLooping shop/${n}`))),
      service: fc.option(fc.record({ summary: stringArb, name: stringArb }, { requiredKeys: [] })),
      body: fc.record({ details: fc.oneof(
        fc.record({ target: targetArb, labels: labelsArb }, { requiredKeys: [] }) as fc.Arbitrary<Json>,
        labelsArb.map((l) => `Labels:\n${Object.entries(l).map(([k, v]) => ` - ${k} = ${v}`).join('\n')}\n`),
        labelsArb,
        looseJson,
      ) }),
      details: looseJson,
      custom_details: fc.oneof(fc.record({ labels: labelsArb }) as fc.Arbitrary<Json>, looseJson),
    }, { requiredKeys: ['id'] }),
  }, { requiredKeys: ['event_type'] }),
}, { requiredKeys: [] }) as fc.Arbitrary<Json>;

// ---------------------------------------------------------------------------------------------
// The mix sent to a route

export interface FuzzBody {
  body: string;
  contentType: string | undefined;
}

const contentTypeArb = fc.oneof(
  { weight: 30, arbitrary: fc.constant('application/json') },
  { weight: 2, arbitrary: fc.constantFrom('application/json; charset=utf-8', 'APPLICATION/JSON', 'application/vnd.kubetriage+json') },
  { weight: 1, arbitrary: fc.constantFrom(undefined, 'text/plain', 'application/x-www-form-urlencoded', '') },
);

/** Mutated samples (most), generated shapes, byte-mutated text, and plain noise. */
export function bodyArb(seeds: Json[], generated: fc.Arbitrary<Json>): fc.Arbitrary<FuzzBody> {
  const tree = fc.oneof({ weight: 5, arbitrary: mutatedArb(seeds) }, { weight: 3, arbitrary: generated }, { weight: 1, arbitrary: looseJson });
  const text = fc.oneof(
    { weight: 9, arbitrary: tree.map(serialize) },
    { weight: 2, arbitrary: fc.tuple(tree, fc.array(textOpArb, { minLength: 1, maxLength: 3 })).map(([t, ops]) => ops.reduce(applyText, serialize(t))) },
    { weight: 1, arbitrary: fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), fc.constantFrom('', 'null', '[]', '{}', '"x"', '1', 'true', '{"alerts":null}', '{"event":null}', '{"__proto__":{"alerts":[]}}')) },
  );
  return fc.record({ body: text, contentType: contentTypeArb });
}
