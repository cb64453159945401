// The diagnosis engine: runs every rule family over one snapshot, prefers root causes over
// symptoms, picks the worst finding as primary and keeps the rest as alternatives.
import type { DiagnoseOptions, DiagnoseResult, Diagnosis, EvidenceBundle, Finding, RuleDefinition } from './types.ts';
import { buildSnapshot, formatRef, type Snapshot } from './snapshot.ts';
import { buildTimeline } from './timeline.ts';
import { orderSteps } from './next-steps.ts';
import { runbookLinks } from './runbooks.ts';
import { RULE_FAMILIES, ruleById } from './rules/registry.ts';
import { describeWhatWasSeen } from './rules/outcomes.ts';

const MAX_EVIDENCE = 12;
const MAX_ALTERNATIVES = 8;

function toDiagnosis(rule: RuleDefinition, finding: Finding, snap: Snapshot, options: DiagnoseOptions): Diagnosis {
  return {
    id: rule.id,
    title: rule.title,
    layer: rule.layer,
    confidence: Math.round(Math.min(1, Math.max(0, finding.confidence)) * 100) / 100,
    summary: finding.summary,
    subject: finding.subject,
    evidence: finding.evidence.slice(0, MAX_EVIDENCE),
    nextSteps: orderSteps(rule.nextSteps(finding)),
    runbooks: runbookLinks(rule, finding, snap.alert, options.runbookTemplates),
  };
}

function rank(findings: Finding[]): Finding[] {
  const superseded = new Set(findings.flatMap((f) => f.supersedes ?? []));
  const order = new Map<string, number>();
  RULE_FAMILIES.forEach((fam, fi) => fam.rules.forEach((r, ri) => order.set(r.id, fi * 100 + ri)));
  return findings
    .map((f, i) => ({ f, i, down: superseded.has(f.id) && !(f.supersedes ?? []).includes(f.id) }))
    .sort((a, b) => Number(a.down) - Number(b.down) || b.f.confidence - a.f.confidence || (order.get(a.f.id) ?? 0) - (order.get(b.f.id) ?? 0) || a.i - b.i)
    .map(({ f, down }) => (down ? { ...f, confidence: Math.min(f.confidence, 0.5) } : f));
}

/** For workload targets: "3/5 pods of deployment shop/cart: <what the worst pod shows>". */
function workloadSummary(snap: Snapshot, primary: Finding, all: Finding[]): string | undefined {
  if (['Pod', 'Node', 'Service', 'PersistentVolumeClaim', 'PersistentVolume'].includes(snap.target.kind)) return undefined;
  const pods = snap.scopePods;
  if (pods.length === 0 || primary.subject.kind !== 'Pod') return undefined;
  const affected = new Set(all.filter((f) => f.id === primary.id && f.subject.kind === 'Pod').map((f) => f.subject.name));
  return `${affected.size}/${pods.length} pods of ${formatRef(snap.target)}: ${primary.summary}`;
}

export function diagnose(bundle: EvidenceBundle, options: DiagnoseOptions = {}): DiagnoseResult {
  const snap = buildSnapshot(bundle);
  const found = RULE_FAMILIES.flatMap((family) => family.detect(snap));
  // "healthy" only stands when nothing is wrong: a past OOMKill outranks a pod that is ready again.
  const findings = rank(found.some((f) => f.id !== 'healthy') ? found.filter((f) => f.id !== 'healthy') : found);
  const timeline = buildTimeline(snap);

  if (findings.length === 0) {
    const unknownRule = ruleById('unknown');
    const seen = describeWhatWasSeen(snap);
    return {
      target: snap.target,
      diagnosis: toDiagnosis(unknownRule, seen, snap, options),
      alternatives: [],
      timeline,
      ignoredObjects: snap.ignored,
    };
  }

  const [primary, ...rest] = findings as [Finding, ...Finding[]];
  const primaryRule = ruleById(primary.id);
  const diagnosis = toDiagnosis(primaryRule, primary, snap, options);
  const summary = workloadSummary(snap, primary, findings);
  if (summary) diagnosis.summary = summary;

  // One alternative per id (its strongest finding); the primary's id is already shown.
  const seenIds = new Set([primary.id]);
  const alternatives: Diagnosis[] = [];
  for (const f of rest) {
    if (seenIds.has(f.id)) continue;
    seenIds.add(f.id);
    alternatives.push(toDiagnosis(ruleById(f.id), f, snap, options));
    if (alternatives.length >= MAX_ALTERNATIVES) break;
  }
  return { target: snap.target, diagnosis, alternatives, timeline, ignoredObjects: snap.ignored };
}

/** The answer when an alert names no Kubernetes object: unknown, with the labels as what was seen. */
export function unresolvedDiagnosis(summary: string, labels: Record<string, string>, runbookUrl?: string): Diagnosis {
  const rule = ruleById('unknown');
  return {
    id: rule.id,
    title: rule.title,
    layer: rule.layer,
    confidence: 0,
    summary,
    subject: { kind: 'Alert', name: labels['alertname'] ?? 'alert' },
    evidence: Object.entries(labels).slice(0, 20).map(([k, v]) => ({ source: 'alert label', text: `${k}=${v}` })),
    nextSteps: [],
    runbooks: [...(runbookUrl ? [runbookUrl] : []), rule.docs],
  };
}
