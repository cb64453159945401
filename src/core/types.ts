// The contracts of the pure diagnosis core. No I/O, no clock, no globals: every input
// arrives in an EvidenceBundle and every output is plain data.

export const LAYERS = ['application', 'scheduling', 'networking', 'storage', 'node', 'control-plane'] as const;
export type Layer = (typeof LAYERS)[number];

/** Rule of minimal mutation: read-only steps come first, then reversible ones, then risky ones. */
export const STEP_SAFETY = ['read-only', 'reversible', 'risky'] as const;
export type StepSafety = (typeof STEP_SAFETY)[number];

export interface NextStep {
  command: string;
  why: string;
  safety: StepSafety;
}

/** One fact that proves a diagnosis: the exact field, event or log line, and where it came from. */
export interface EvidenceLine {
  source: string;
  text: string;
}

export interface ObjectRef {
  kind: string;
  namespace?: string;
  name: string;
}

export interface Target extends ObjectRef {
  container?: string;
}

export interface LogTail {
  namespace?: string;
  pod?: string;
  container: string;
  previous: boolean;
  lines: string[];
}

export interface AlertContext {
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/** Kubernetes objects exactly as the API returns them (JSON wire shape). */
export type KubeObject = Record<string, unknown> & {
  apiVersion?: string;
  kind?: string;
  metadata?: Record<string, unknown>;
};

export interface EvidenceBundle {
  target: Target;
  objects: KubeObject[];
  logs?: LogTail[];
  alert?: AlertContext;
}

export interface Diagnosis {
  id: string;
  title: string;
  layer: Layer;
  confidence: number;
  summary: string;
  subject: Target;
  evidence: EvidenceLine[];
  nextSteps: NextStep[];
  runbooks: string[];
}

export interface TimelineEntry {
  /** ISO-8601 time of the first occurrence (as reported by the cluster). */
  at: string;
  /** Last occurrence, when the entry folds repeats. */
  lastAt?: string;
  count: number;
  object: ObjectRef;
  kind: 'event' | 'transition';
  type?: string;
  reason: string;
  message: string;
}

export interface IgnoredObject {
  index: number;
  apiVersion?: string;
  kind?: string;
  name?: string;
  reason: string;
}

export interface DiagnoseResult {
  target: Target;
  diagnosis: Diagnosis;
  alternatives: Diagnosis[];
  timeline: TimelineEntry[];
  ignoredObjects: IgnoredObject[];
}

/** What a rule family reports; the engine turns it into a Diagnosis with the rule's metadata. */
export interface Finding {
  id: string;
  confidence: number;
  subject: Target;
  summary: string;
  evidence: EvidenceLine[];
  /** Values the rule's next steps need beyond the subject (a ConfigMap name, a node, a PVC...). */
  vars?: Record<string, string>;
  /** Symptom ids this root cause explains; the engine moves those to alternatives. */
  supersedes?: string[];
}

export interface RuleDefinition {
  id: string;
  title: string;
  layer: Layer;
  /** One sentence: what this diagnosis means. Goes into docs/diagnoses.md. */
  meaning: string;
  /** What evidence the rule needs to fire. Goes into docs/diagnoses.md. */
  evidenceNeeded: string;
  /** kube-prometheus runbook alert name, when a runbook page exists for this failure. */
  runbookAlert?: string;
  /** Kubernetes documentation page for this failure. */
  docs: string;
  nextSteps(finding: Finding): NextStep[];
}

export interface RuleFamily {
  name: string;
  rules: RuleDefinition[];
  detect(snapshot: import('./snapshot.ts').Snapshot): Finding[];
}

export interface DiagnoseOptions {
  /**
   * Organisation runbook overrides: a URL template per diagnosis id, or '*' for all.
   * `{id}`, `{namespace}`, `{name}` and `{kind}` are filled in.
   */
  runbookTemplates?: Record<string, string>;
}
