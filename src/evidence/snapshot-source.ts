// An in-memory evidence source over a cluster snapshot (the bundled demo cluster, or objects a
// test holds). It hands the core the target's namespace and the cluster-scoped objects; the
// core scopes to the target itself.
import type { Target } from '../core/types.ts';
import type { ClusterSnapshot } from '../demo/cluster-snapshot.ts';
import type { EvidenceSource } from './source.ts';

const CLUSTER_SCOPED = new Set(['Node', 'PersistentVolume', 'StorageClass', 'Namespace']);

export function snapshotSource(snapshot: ClusterSnapshot, description: string): EvidenceSource {
  const namespaceOf = (o: { metadata?: unknown }) => (o.metadata as { namespace?: string } | undefined)?.namespace;
  return {
    description,
    session: () => ({
      collect: async (target: Target) => {
        const objects = snapshot.objects.filter((o) => CLUSTER_SCOPED.has(String(o.kind)) || namespaceOf(o) === target.namespace);
        const found = objects.some((o) => o.kind === target.kind && (o.metadata as { name?: string } | undefined)?.name === target.name);
        const logs = snapshot.logs
          .filter((l) => l.namespace === target.namespace)
          .map((l) => ({ namespace: l.namespace, pod: l.pod, container: l.container, previous: l.previous, lines: l.text.replace(/\n$/, '').split('\n') }));
        const where = target.namespace ? `${target.namespace}/${target.name}` : target.name;
        return found
          ? { objects, logs, partial: false, errors: [] }
          : { objects, logs, partial: true, errors: [{ reason: 'not-found' as const, resource: `${target.kind} ${where}`, message: `${target.kind.toLowerCase()} ${where} does not exist in the snapshot`, status: 404 }] };
      },
    }),
  };
}
