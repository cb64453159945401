// The diagnose function the webhook route is given: collect evidence for one target from the
// configured source (within the signal's deadline) and run the core, as the Alertmanager path does.
import type { AlertContext, DiagnoseOptions, Diagnosis, Target } from '../core/types.ts';
import { diagnose } from '../core/diagnose.ts';
import type { EvidenceError, EvidenceSource } from '../evidence/source.ts';
import { withinDeadline } from '../alertmanager/enrich.ts';

export interface TargetDiagnosis {
  diagnosis: Diagnosis;
  partial: boolean;
  errors: EvidenceError[];
}

export type DiagnoseTarget = (target: Target, o: { cluster?: string; alert?: AlertContext; signal: AbortSignal }) => Promise<TargetDiagnosis>;

export function diagnoseFromSource(source: EvidenceSource, options: DiagnoseOptions = {}): DiagnoseTarget {
  return async (target, o) => {
    const what = `${target.kind.toLowerCase()} ${target.namespace ? `${target.namespace}/` : ''}${target.name}`;
    const session = source.session({ signal: o.signal, ...(o.cluster ? { cluster: o.cluster } : {}) });
    const evidence = await withinDeadline(session.collect(target), o.signal, what);
    const result = diagnose({ target, objects: evidence.objects, logs: evidence.logs, ...(o.alert ? { alert: o.alert } : {}) }, options);
    return { diagnosis: result.diagnosis, partial: evidence.partial, errors: evidence.errors };
  };
}
