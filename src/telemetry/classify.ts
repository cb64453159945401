// The diagnosis core wrapped in its span and metric: the one way entry points call it.
import { diagnose } from '../core/diagnose.ts';
import type { DiagnoseOptions, DiagnoseResult, EvidenceBundle } from '../core/types.ts';
import type { Metrics } from './metrics.ts';
import { inSpanSync } from './tracing.ts';

export function classify(bundle: EvidenceBundle, options: DiagnoseOptions | undefined, metrics: Metrics | undefined): DiagnoseResult {
  return inSpanSync('kubetriage.classify', { 'k8s.resource.kind': bundle.target.kind, 'k8s.namespace.name': bundle.target.namespace ?? '', 'k8s.resource.name': bundle.target.name }, (span) => {
    const start = performance.now();
    const result = diagnose(bundle, options);
    metrics?.classification((performance.now() - start) / 1000);
    span.setAttribute('kubetriage.diagnosis.id', result.diagnosis.id);
    span.setAttribute('kubetriage.diagnosis.confidence', result.diagnosis.confidence);
    return result;
  });
}
