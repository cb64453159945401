// A/B of two source trees in one process, for changes too small to see across separate runs on
// a noisy machine: issue 3's 20-alert group through each tree's createApp and live reader (as in
// bench/enrich-cpu.ts), the two alternated group by group (ABBA), so both see the same noise.
// Usage: git worktree add /tmp/before <commit>   (or: git archive <commit> | tar -x -C /tmp/before;
//        both trees resolve node_modules, e.g. a symlink to this clone's)
//        node bench/ab-trees.ts /tmp/before . [--groups 200] [--latency 0] [--mode app|reader|warm]
// app: POST /v1/alertmanager with a fresh reader per group (cold); reader: only the reader's
// session collecting the group's 20 targets; warm: the group re-delivered to one reader with the
// default cache (0 API calls). Prints, per tree, the median CPU (this process) and wall time per
// group, the ratio over one GET when --latency > 0, and B/A. The API double and the fixtures come
// from this tree.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { startApiDoubleProcess } from './fixtures/api-double-process.ts';
import { issue3GroupAlerts, webhookBody } from './fixtures/alerts.ts';
import { median, plainGet, round } from './fixtures/measure.ts';
import { groupCluster } from './fixtures/synthetic-cluster.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { groups: { type: 'string', default: '200' }, latency: { type: 'string', default: '0' }, mode: { type: 'string', default: 'app' } },
});
if (positionals.length !== 2) throw new Error('usage: node bench/ab-trees.ts <tree A> <tree B> [--groups N] [--latency MS] [--mode app|reader|warm]');
const trees = positionals.map((t) => resolve(t));
const groups = Number(values.groups);
const latencyMs = Number(values.latency);
const mode = values.mode;

interface Session { collect(t: unknown): Promise<{ partial: boolean }> }
interface Source { session(o: unknown): Session }
interface TreeModules {
  createApp(deps: unknown): { request(path: string, init: RequestInit): Promise<Response> };
  kubeEvidenceSource(o: unknown): Source;
  redactText(s: string): string;
  resolveTarget(labels: Record<string, string>): { target?: unknown };
}
const load = async (tree: string): Promise<TreeModules> => ({
  createApp: (await import(`${tree}/src/app.ts`)).createApp,
  kubeEvidenceSource: (await import(`${tree}/src/evidence/kube-reader.ts`)).kubeEvidenceSource,
  redactText: (await import(`${tree}/src/redact/redact.ts`)).redactText,
  resolveTarget: (await import(`${tree}/src/alerts/resolve-target.ts`)).resolveTarget,
});

const cluster = groupCluster();
const api = await startApiDoubleProcess({ cluster: 'group' }, { latencyMs });
try {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(api.kubeconfigYaml);
  const { cart, others } = issue3GroupAlerts(cluster);
  const alerts = [...cart, ...others];
  const body = webhookBody(alerts, { severity: 'warning' });
  const podPath = `/api/v1/namespaces/shop/pods/${cluster.pods[0]!.name}`;

  /** One group through a tree; resolves with its partial alerts. */
  const runner = (m: TreeModules) => {
    const fresh = () => m.kubeEvidenceSource({ kubeConfig, redactLine: m.redactText, ...(mode === 'warm' ? {} : { cacheTtlMs: 0 }) });
    let reader = fresh();
    const app = m.createApp({ evidence: { description: 'ab', session: (o: unknown) => reader.session(o) }, openapiYaml: '' });
    const targets = alerts.map((a) => m.resolveTarget(a.labels).target);
    return async (): Promise<number> => {
      if (mode !== 'warm') reader = fresh();
      if (mode === 'reader') {
        const s = reader.session({ signal: AbortSignal.timeout(4000) });
        return (await Promise.all(targets.map((t) => s.collect(t)))).filter((e) => e.partial).length;
      }
      const res = await app.request('/v1/alertmanager', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
      return ((await res.json()) as { alerts: Array<{ kubetriage: { partial: boolean } }> }).alerts.filter((a) => a.kubetriage.partial).length;
    };
  };
  const runners = await Promise.all(trees.map(async (t) => runner(await load(t))));

  for (let i = 0; i < 30; i++) for (const r of runners) await r();
  const cpu: number[][] = [[], []];
  const wall: number[][] = [[], []];
  const ratio: number[][] = [[], []];
  const partial = [0, 0];
  for (let i = 0; i < groups; i++) {
    for (const k of i % 2 === 0 ? [0, 1] : [1, 0]) {
      let t = performance.now();
      if (latencyMs > 0) await plainGet(kubeConfig, podPath);
      const get = performance.now() - t;
      const c0 = process.cpuUsage();
      t = performance.now();
      partial[k]! += await runners[k]!();
      const took = performance.now() - t;
      const used = process.cpuUsage(c0);
      cpu[k]!.push((used.user + used.system) / 1000);
      wall[k]!.push(took);
      ratio[k]!.push(took / get);
    }
  }
  const row = (k: number) => ({
    tree: trees[k],
    cpuMsPerGroupMedian: round(median(cpu[k]!)),
    wallMsMedian: round(median(wall[k]!)),
    ...(latencyMs > 0 ? { ratioOverOneGetMedian: round(median(ratio[k]!)) } : {}),
    partialAlerts: partial[k],
  });
  console.log(JSON.stringify({
    mode, latencyMs, groups, a: row(0), b: row(1),
    bOverA: { cpu: round(median(cpu[1]!) / median(cpu[0]!)), wall: round(median(wall[1]!) / median(wall[0]!)) },
  }, null, 2));
} finally {
  await api.close();
}
