// Classification throughput against JSON.parse of the same bundles, in the same run.
// Usage: node bench/classify.bench.ts [--rounds 30] [--iterations 200]
// Each round times every bundle with both operations, interleaved, so machine noise hits
// both alike; the report is the median over rounds of (classify time / parse time).
import { readFileSync, existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { diagnose } from '../src/core/diagnose.ts';
import type { EvidenceBundle, KubeObject } from '../src/core/types.ts';
import { loadSnapshotDir } from '../src/demo/cluster-snapshot.ts';
import { testBundles } from './test-bundles.ts';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '30' }, iterations: { type: 'string', default: '200' } } });
const rounds = Number(values.rounds);
const iterations = Number(values.iterations);

function demoBundles(): Array<{ name: string; bundle: EvidenceBundle }> {
  const dir = new URL('../examples/demo-cluster/', import.meta.url);
  if (!existsSync(new URL('expected.json', dir))) return [];
  const snap = loadSnapshotDir(dir.pathname);
  const expected = JSON.parse(readFileSync(new URL('expected.json', dir), 'utf8')) as Array<{ target: EvidenceBundle['target'] }>;
  const clusterScoped = new Set(['Node', 'PersistentVolume', 'StorageClass', 'Namespace']);
  return expected.map(({ target }) => ({
    name: `demo ${target.kind}/${target.name}`,
    bundle: {
      target,
      objects: snap.objects.filter((o) => clusterScoped.has(String(o.kind)) || o.metadata?.namespace === target.namespace) as KubeObject[],
      logs: snap.logs.filter((l) => l.namespace === target.namespace).map((l) => ({ ...l, lines: l.text.split('\n') })),
    },
  }));
}

const cases = [...demoBundles(), ...testBundles()].map((c) => ({ ...c, json: JSON.stringify(c.bundle) }));
let sink = 0;
function time(fn: () => void): number {
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) fn();
  return Number(process.hrtime.bigint() - start) / iterations;
}

// Warm up both paths so the JIT has compiled them before measuring.
for (const c of cases) for (let i = 0; i < 50; i++) { sink += (JSON.parse(c.json) as object) ? 1 : 0; sink += diagnose(c.bundle).timeline.length; }

const ratios: number[] = [];
let parseTotal = 0;
let classifyTotal = 0;
for (let r = 0; r < rounds; r++) {
  let parseNs = 0;
  let classifyNs = 0;
  for (const c of cases) {
    parseNs += time(() => { sink += (JSON.parse(c.json) as { objects: unknown[] }).objects.length; });
    classifyNs += time(() => { sink += diagnose(c.bundle).diagnosis.confidence; });
  }
  ratios.push(classifyNs / parseNs);
  parseTotal += parseNs;
  classifyTotal += classifyNs;
}
ratios.sort((a, b) => a - b);
const median = ratios[Math.floor(ratios.length / 2)]!;
const bytes = cases.reduce((n, c) => n + c.json.length, 0);
console.log(JSON.stringify({
  bundles: cases.length,
  totalJsonBytes: bytes,
  rounds,
  iterations,
  parseMicrosPerPass: +(parseTotal / rounds / 1000).toFixed(1),
  classifyMicrosPerPass: +(classifyTotal / rounds / 1000).toFixed(1),
  medianRatioClassifyOverParse: +median.toFixed(3),
  p10: +ratios[Math.floor(ratios.length * 0.1)]!.toFixed(3),
  p90: +ratios[Math.floor(ratios.length * 0.9)]!.toFixed(3),
  node: process.version,
  _sink: sink > 0,
}, null, 2));
