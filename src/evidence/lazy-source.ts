// An EvidenceSource that builds the real one on first use. The live reader pulls in
// @kubernetes/client-node (megabytes of code); behind this wrapper a cold start that only
// diagnoses inline evidence never imports it, and the first request that needs the cluster does.
import type { CollectedEvidence, EvidenceErrorReason, EvidenceSession, EvidenceSource } from './source.ts';

export interface LazySourceOptions {
  /** Known before loading, for /healthz and logs. */
  description: string;
  /** Builds the real source, typically behind a dynamic import(). Called at most once at a time. */
  load: () => Promise<EvidenceSource>;
}

/** A load failure that knows its reason (e.g. 'unreachable' when the cluster cannot be described). */
export interface ReasonedError extends Error {
  reason?: EvidenceErrorReason;
}

/** The request's deadline still applies while the shared load runs on (for the next request). */
function untilAborted<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  const timeout = (): ReasonedError => Object.assign(new Error('the request deadline passed while it was starting'), { reason: 'timeout' as const });
  if (signal.aborted) return Promise.reject(timeout());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(timeout());
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

export function lazyEvidenceSource(o: LazySourceOptions): EvidenceSource {
  let loading: Promise<EvidenceSource> | undefined;
  const source = () => {
    // A failed load is not kept: the next request tries again (a transient AWS or network error).
    loading ??= o.load().catch((err: unknown) => {
      loading = undefined;
      throw err;
    });
    return loading;
  };
  return {
    description: o.description,
    session(options) {
      let inner: Promise<EvidenceSession> | undefined;
      return {
        async collect(target): Promise<CollectedEvidence> {
          let session: EvidenceSession;
          try {
            inner ??= source().then((s) => s.session(options));
            session = await untilAborted(inner, options.signal);
          } catch (err) {
            if ((err as ReasonedError).reason !== 'timeout') inner = undefined;
            const where = target.namespace ? `${target.namespace}/${target.name}` : target.name;
            return {
              objects: [], logs: [], partial: true,
              errors: [{ reason: (err as ReasonedError).reason ?? 'not-configured', resource: `${target.kind} ${where}`, message: `the cluster reader could not start: ${(err as Error).message}` }],
            };
          }
          return session.collect(target);
        },
      };
    },
  };
}
