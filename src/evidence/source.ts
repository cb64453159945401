// Where evidence comes from when a request names only a target: the live cluster reader, the
// demo cluster, or (on Workers) a fetch-based reader. One session per inbound request, so a
// reader can coalesce duplicate fetches across the alerts of one group.
import type { KubeObject, LogTail, Target } from '../core/types.ts';

export type EvidenceErrorReason =
  | 'unauthorized' | 'forbidden' | 'not-found' | 'gone' | 'conflict' | 'rate-limited' | 'server-error'
  | 'timeout' | 'unreachable' | 'invalid-response' | 'unknown-cluster' | 'invalid-target' | 'not-configured'
  /** Not about evidence: the diagnosis itself failed (a bug); the alert still goes out. */
  | 'internal-error';

export interface EvidenceError {
  reason: EvidenceErrorReason;
  /** The resource that could not be read, e.g. "pods/log shop/cart-1". */
  resource: string;
  /** Readable, e.g. "cannot get pods/log in namespace shop: grant get on pods/log". */
  message: string;
  status?: number;
}

export interface CollectedEvidence {
  objects: KubeObject[];
  logs: LogTail[];
  /** True when some evidence could not be fetched; errors say what and why. */
  partial: boolean;
  errors: EvidenceError[];
}

export interface SessionOptions {
  signal: AbortSignal;
  /** The alert's `cluster` label, mapped to a kubeconfig context by the reader. */
  cluster?: string;
  /**
   * Every target the session will be asked for (an Alertmanager group's), when known up front:
   * a reader may read what they share once (the pods of one ReplicaSet, a namespace's pod events).
   */
  targets?: readonly Target[];
}

export interface EvidenceSession {
  collect(target: Target): Promise<CollectedEvidence>;
}

export interface EvidenceSource {
  /** For logs and the first line of `npm start`, e.g. "demo cluster (examples/demo-cluster)". */
  readonly description: string;
  session(options: SessionOptions): EvidenceSession;
}

/** A source that has nothing: requests must carry their evidence inline. */
export const noEvidenceSource: EvidenceSource = {
  description: 'none (evidence must be sent inline)',
  session: () => ({
    collect: async (target) => ({
      objects: [], logs: [], partial: true,
      errors: [{ reason: 'not-configured', resource: `${target.kind} ${target.namespace ?? ''}/${target.name}`, message: 'no cluster is configured; send the objects inline' }],
    }),
  }),
};
