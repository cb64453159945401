// Human-readable rendering of a diagnosis: the diagnosis first, then the evidence, then the
// next steps. Used by the CLI's --format text and as the plain-text body for notes and chat.
import type { Diagnosis } from '../core/types.ts';
import type { DiagnoseResponse } from '../diagnose/service.ts';

export interface TextOptions {
  maxEvidence?: number;
  maxSteps?: number;
}

export function renderDiagnosis(d: Diagnosis, o: TextOptions = {}): string[] {
  const lines = [`${d.id} · ${d.title}`, `layer ${d.layer} · confidence ${d.confidence.toFixed(2)}`, '', d.summary];
  const evidence = d.evidence.slice(0, o.maxEvidence ?? 12);
  if (evidence.length > 0) {
    lines.push('', 'Evidence:');
    for (const e of evidence) lines.push(`  - ${e.source}: ${e.text}`);
  }
  const steps = d.nextSteps.slice(0, o.maxSteps ?? 10);
  if (steps.length > 0) {
    lines.push('', 'Next steps (read-only first):');
    steps.forEach((s, i) => lines.push(`  ${i + 1}. [${s.safety}] ${s.command}`, `     ${s.why}`));
  }
  if (d.runbooks.length > 0) {
    lines.push('', 'Runbooks:');
    for (const r of d.runbooks) lines.push(`  - ${r}`);
  }
  return lines;
}

export function renderResponse(r: DiagnoseResponse, o: TextOptions = {}): string {
  const t = r.target;
  const lines = [`Target: ${t.kind} ${t.namespace ? `${t.namespace}/` : ''}${t.name}${t.container ? ` (container ${t.container})` : ''}`, ''];
  lines.push(...renderDiagnosis(r.diagnosis, o));
  if (r.partial) {
    lines.push('', 'Partial evidence:');
    for (const e of r.errors) lines.push(`  - ${e.resource}: ${e.message}`);
  }
  if (r.alternatives.length > 0) {
    lines.push('', 'Alternatives:');
    for (const a of r.alternatives) lines.push(`  - ${a.id} (${a.confidence.toFixed(2)}): ${a.summary}`);
  }
  if (r.timeline.length > 0) {
    lines.push('', 'Timeline:');
    for (const e of r.timeline.slice(-15)) lines.push(`  ${e.at}${e.count > 1 ? ` ×${e.count}` : ''} ${e.object.kind}/${e.object.name} ${e.reason}: ${e.message}`);
  }
  return lines.join('\n') + '\n';
}
