// The incident note: short, readable text for the person who was just paged. The diagnosis,
// the top evidence, the first safe (read-only or reversible) next steps and the runbook links,
// in the shared text rendering. Redacted before it leaves.
import type { Diagnosis, Target } from '../core/types.ts';
import type { EvidenceError } from '../evidence/source.ts';
import { renderDiagnosis } from '../render/text.ts';
import { redactText } from '../redact/redact.ts';

export const MAX_NOTE_CHARS = 4000;
const MAX_EVIDENCE = 3;
const MAX_STEPS = 3;
const MAX_LINE = 400;

export interface NoteInput {
  target: Target;
  diagnosis: Diagnosis;
  partial: boolean;
  errors: EvidenceError[];
  /** How the object was found: "alert details" or "title/service pattern". */
  via: string;
}

const cut = (s: string, max: number) => (s.length <= max ? s : `${s.slice(0, max - 1)}…`);

export function renderIncidentNote(n: NoteInput): string {
  const t = n.target;
  const d: Diagnosis = {
    ...n.diagnosis,
    evidence: n.diagnosis.evidence.slice(0, MAX_EVIDENCE).map((e) => ({ source: cut(e.source, 200), text: cut(e.text, MAX_LINE) })),
    // Only steps that change nothing, or can be undone, belong in a note read at 3 a.m.
    nextSteps: n.diagnosis.nextSteps.filter((s) => s.safety !== 'risky').slice(0, MAX_STEPS),
  };
  const lines = [`kubetriage: ${t.kind} ${t.namespace ? `${t.namespace}/` : ''}${t.name} (found from the ${n.via})`, '', ...renderDiagnosis(d)];
  if (n.partial) lines.push('', `Partial evidence: ${cut(n.errors.map((e) => e.message).join('; '), MAX_LINE)}`);
  return cut(redactText(lines.join('\n')), MAX_NOTE_CHARS);
}
