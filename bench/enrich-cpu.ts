// Where the service's CPU goes in issue 3's 20-alert group (bench/enrich.bench.ts measures the
// wall-time ratio; this isolates the CPU behind it, for profiling and for A/B of code changes).
// Usage: node bench/enrich-cpu.ts [--groups 200] [--latency 0] [--warm] [--profile out.cpuprofile]
//
// The same set-up as enrich.bench.ts part 1: the API server double in a process of its own,
// createApp in this one with the live client-node reader, a fresh reader per group (cold, no
// cross-request cache). Each group is timed in CPU (process.cpuUsage of this process) and wall
// time; the figures are medians over --groups groups after a warm-up. --warm re-delivers the
// group to one reader with the default cache instead (0 API calls: parse, diagnose, redact,
// serialize only). --profile records a V8 CPU profile of the measured groups only (node:inspector)
// and prints the self time by function and by file. Prints JSON.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { parseArgs } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { createApp } from '../src/app.ts';
import { kubeEvidenceSource } from '../src/evidence/kube-reader.ts';
import { redactText } from '../src/redact/redact.ts';
import { startApiDoubleProcess } from './fixtures/api-double-process.ts';
import { issue3GroupAlerts, webhookBody } from './fixtures/alerts.ts';
import { median, plainGet, round } from './fixtures/measure.ts';
import { groupCluster } from './fixtures/synthetic-cluster.ts';

const { values } = parseArgs({
  options: {
    groups: { type: 'string', default: '200' },
    latency: { type: 'string', default: '0' },
    warm: { type: 'boolean', default: false },
    profile: { type: 'string' },
  },
});
const groups = Number(values.groups);

interface ProfileNode { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }
interface Profile { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] }

/** Self time by function and by file (ms per group), the largest first. */
function summarize(profile: Profile, per: number) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const fn = new Map<string, number>();
  const file = new Map<string, number>();
  for (const [id, us] of self) {
    const f = byId.get(id)!.callFrame;
    const url = f.url.replace(/^file:\/\/.*?\/(node_modules|src|bench)\//, '$1/') || '(native)';
    const key = `${f.functionName || '(anonymous)'} ${url}:${f.lineNumber + 1}`;
    fn.set(key, (fn.get(key) ?? 0) + us);
    const where = url.startsWith('node_modules/') ? url.split('/').slice(0, url.split('/')[1]!.startsWith('@') ? 3 : 2).join('/') : url;
    file.set(where, (file.get(where) ?? 0) + us);
  }
  const top = (m: Map<string, number>, n: number) => Object.fromEntries([...m].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, us]) => [k, round(us / 1000 / per, 3)]));
  return { selfMsPerGroupByFunction: top(fn, 40), selfMsPerGroupByFile: top(file, 30) };
}

const cluster = groupCluster();
const api = await startApiDoubleProcess({ cluster: 'group' }, { latencyMs: Number(values.latency) });
try {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(api.kubeconfigYaml);
  let reader = kubeEvidenceSource({ kubeConfig, redactLine: redactText, ...(values.warm ? {} : { cacheTtlMs: 0 }) });
  const app = createApp({ evidence: { description: 'bench', session: (o) => reader.session(o) }, openapiYaml: '' });
  const fresh = () => { if (!values.warm) reader = kubeEvidenceSource({ kubeConfig, redactLine: redactText, cacheTtlMs: 0 }); };
  const { cart, others } = issue3GroupAlerts(cluster);
  const body = webhookBody([...cart, ...others], { severity: 'warning' });
  const podPath = `/api/v1/namespaces/shop/pods/${cluster.pods[0]!.name}`;
  const post = async () => {
    const res = await app.request('/v1/alertmanager', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
    return (await res.json()) as { alerts: Array<{ kubetriage: { partial: boolean } }> };
  };

  for (let i = 0; i < 30; i++) { fresh(); await post(); }
  const session = new Session();
  if (values.profile) {
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 100 });
    await session.post('Profiler.start');
  }
  const cpu: number[] = [];
  const wall: number[] = [];
  const ratio: number[] = [];
  let partial = 0;
  for (let i = 0; i < groups; i++) {
    let t = performance.now();
    await plainGet(kubeConfig, podPath);
    const get = performance.now() - t;
    fresh();
    if (i === groups - 1) await api.resetRequests();
    const c0 = process.cpuUsage();
    t = performance.now();
    const answer = await post();
    const took = performance.now() - t;
    const used = process.cpuUsage(c0);
    cpu.push((used.user + used.system) / 1000);
    wall.push(took);
    ratio.push(took / get);
    partial += answer.alerts.filter((a) => a.kubetriage.partial).length;
  }
  let profile: ReturnType<typeof summarize> | undefined;
  if (values.profile) {
    const { profile: p } = await session.post('Profiler.stop');
    writeFileSync(values.profile, JSON.stringify(p));
    profile = summarize(p as unknown as Profile, groups);
    session.disconnect();
  }
  console.log(JSON.stringify({
    latencyMs: Number(values.latency),
    groups,
    warm: values.warm,
    cpuMsPerGroupMedian: round(median(cpu), 2),
    wallMsMedian: round(median(wall), 2),
    ratioOverOneGetMedian: round(median(ratio), 2),
    apiCallsLastGroup: values.warm ? 0 : (await api.requests()).length,
    partialAlerts: partial,
    ...profile,
  }, null, 2));
} finally {
  await api.close();
}
