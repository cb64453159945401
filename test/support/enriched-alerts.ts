// Enriched alerts for sink tests: the demo cluster's targets (examples/demo-cluster/expected.json)
// as Alertmanager would alert on them, enriched through the real path (snapshot evidence source
// → core diagnose), and a resolved alert.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { enrichGroup, type EnrichedAlert, type EnrichedGroup } from '../../src/alertmanager/enrich.ts';
import type { WebhookPayload } from '../../src/alertmanager/webhook-payload.ts';
import type { Target } from '../../src/core/types.ts';
import { loadSnapshotDir } from '../../src/demo/cluster-snapshot.ts';
import { snapshotSource } from '../../src/evidence/snapshot-source.ts';
import type { EvidenceSource } from '../../src/evidence/source.ts';

const DIR = fileURLToPath(new URL('../../examples/demo-cluster/', import.meta.url));
export const DEMO_EXPECTED = JSON.parse(readFileSync(`${DIR}expected.json`, 'utf8')) as Array<{ target: Target; diagnosis: string }>;
export const demoSource = (): EvidenceSource => snapshotSource(loadSnapshotDir(DIR), 'demo');

const ALERT_BY_KIND: Record<string, [alertname: string, label: string]> = {
  Pod: ['KubePodCrashLooping', 'pod'],
  Deployment: ['KubeDeploymentReplicasMismatch', 'deployment'],
  Job: ['KubeJobFailed', 'job_name'],
  Service: ['KubeServiceWithoutEndpoints', 'service'],
  PersistentVolumeClaim: ['KubePersistentVolumeClaimPending', 'persistentvolumeclaim'],
};

/** A deterministic 16-hex-digit fingerprint, like Alertmanager's. */
export function fingerprint(s: string): string {
  let h = 0xcbf29ce484222325n;
  for (const c of new TextEncoder().encode(s)) h = BigInt.asUintN(64, (h ^ BigInt(c)) * 0x100000001b3n);
  return h.toString(16).padStart(16, '0');
}

export function alertFor(target: Target, extra: Record<string, string> = {}): WebhookPayload['alerts'][number] {
  const [alertname, label] = ALERT_BY_KIND[target.kind] ?? ['KubeObjectProblem', target.kind.toLowerCase()];
  const labels: Record<string, string> = { alertname, cluster: 'demo', namespace: target.namespace ?? '', [label]: target.name, severity: target.kind === 'Pod' ? 'warning' : 'critical', ...extra };
  return {
    status: 'firing',
    labels,
    annotations: { summary: `${alertname} on ${target.namespace}/${target.name}` },
    startsAt: '2026-11-21T09:20:00Z',
    endsAt: '0001-01-01T00:00:00Z',
    generatorURL: `http://prometheus.monitoring:9090/graph?g0.expr=${encodeURIComponent(`${alertname}{namespace="${target.namespace}"}`)}`,
    fingerprint: fingerprint(JSON.stringify(labels)),
  };
}

export function payloadOf(alerts: WebhookPayload['alerts']): WebhookPayload {
  return {
    version: '4', groupKey: '{}:{alertname=~".+"}', status: 'firing', receiver: 'kubetriage', truncatedAlerts: 0,
    groupLabels: {}, commonLabels: {}, commonAnnotations: {}, externalURL: 'http://alertmanager.monitoring:9093', alerts,
  };
}

export async function enrich(payload: WebhookPayload, source: EvidenceSource = demoSource()): Promise<EnrichedGroup> {
  return enrichGroup(payload, { openSession: (o) => source.session(o), signal: new AbortController().signal });
}

/** One enriched group holding every demo target's alert, in expected.json order. */
export async function demoGroup(): Promise<EnrichedGroup> {
  return enrich(payloadOf(DEMO_EXPECTED.map((e) => alertFor(e.target))));
}

export function resolvedAlert(group: EnrichedGroup, of: EnrichedAlert): EnrichedAlert {
  return { ...of, status: 'resolved', endsAt: '2026-11-21T10:05:00Z', kubetriage: { deliveryKey: `${of.kubetriage.alertKey}|resolved|${of.startsAt}`, alertKey: of.kubetriage.alertKey, alternatives: [], timeline: [], partial: false, errors: [], skipped: 'resolved' } };
}
