// Spans through @opentelemetry/api. Without a registered SDK these are no-ops; the Node entry
// registers one when OTEL_EXPORTER_OTLP_ENDPOINT is set.
import { SpanStatusCode, trace, type Attributes, type Span } from '@opentelemetry/api';

const TRACER = 'kubetriage';

export async function inSpan<T>(name: string, attributes: Attributes, fn: (span: Span) => Promise<T> | T): Promise<T> {
  return trace.getTracer(TRACER).startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await fn(span);
    } catch (err) {
      span.recordException(err as Error);
      span.setStatus({ code: SpanStatusCode.ERROR });
      throw err;
    } finally {
      span.end();
    }
  });
}

export function inSpanSync<T>(name: string, attributes: Attributes, fn: (span: Span) => T): T {
  return trace.getTracer(TRACER).startActiveSpan(name, { attributes }, (span) => {
    try {
      return fn(span);
    } finally {
      span.end();
    }
  });
}
