/**
 * A frozen picture of a Kubernetes cluster: API objects plus container logs.
 *
 * The on-disk format is what `kubectl get ... -o json` prints, so a snapshot
 * can be captured from a real cluster with nothing but kubectl:
 *
 *   <dir>/*.json                  each a `List` ({apiVersion:"v1",kind:"List",items:[...]}),
 *                                 a bare JSON array of objects, or a single object
 *   <dir>/logs/<ns>__<pod>__<container>.log            current container log
 *   <dir>/logs/<ns>__<pod>__<container>__previous.log  previous (terminated) container log
 *
 * Consumed by the in-process Kubernetes API server double (kube-api-server.ts).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export interface KubeObjectMetadataLike {
  name?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  creationTimestamp?: string;
  ownerReferences?: Array<{ apiVersion?: string; kind?: string; name?: string; uid?: string; controller?: boolean }>;
  [k: string]: unknown;
}

export interface KubeObjectLike {
  apiVersion?: string;
  kind?: string;
  metadata?: KubeObjectMetadataLike;
  [k: string]: unknown;
}

export interface PodLogFixture {
  namespace: string;
  pod: string;
  container: string;
  /** true = log of the previous (terminated) instance of the container (`kubectl logs -p`). */
  previous: boolean;
  text: string;
}

export interface ClusterSnapshot {
  objects: KubeObjectLike[];
  logs: PodLogFixture[];
}

const LOG_FILE_RE = /^(.+?)__(.+?)__(.+?)(__previous)?\.log$/;

/** Parses `<namespace>__<pod>__<container>[__previous].log`; undefined if the name does not fit. */
export function parseLogFileName(
  fileName: string,
): { namespace: string; pod: string; container: string; previous: boolean } | undefined {
  const m = LOG_FILE_RE.exec(fileName);
  if (!m || m[1] === undefined || m[2] === undefined || m[3] === undefined) return undefined;
  return { namespace: m[1], pod: m[2], container: m[3], previous: m[4] !== undefined };
}

/** File name under logs/ for a fixture (inverse of parseLogFileName). */
export function logFileName(f: { namespace: string; pod: string; container: string; previous: boolean }): string {
  return `${f.namespace}__${f.pod}__${f.container}${f.previous ? '__previous' : ''}.log`;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Flattens parsed JSON into objects: a `List` / `*List` (items), an array, or one object.
 * Nested Lists (kubectl sometimes nests when given several resource types) are flattened too.
 */
export function objectsFromJson(parsed: unknown, source = '<json>'): KubeObjectLike[] {
  const out: KubeObjectLike[] = [];
  const visit = (v: unknown, where: string): void => {
    if (Array.isArray(v)) {
      v.forEach((item, i) => visit(item, `${where}[${i}]`));
      return;
    }
    if (!isRecord(v)) throw new Error(`${where}: expected a Kubernetes object, List or array, got ${typeof v}`);
    const kind = v['kind'];
    if (typeof kind === 'string' && kind.endsWith('List') && Array.isArray(v['items'])) {
      const listApiVersion = typeof v['apiVersion'] === 'string' ? v['apiVersion'] : undefined;
      const itemKind = kind === 'List' ? undefined : kind.slice(0, -'List'.length);
      (v['items'] as unknown[]).forEach((item, i) => {
        // Raw API lists (not kubectl output) omit kind/apiVersion on items: restore them from the list.
        if (isRecord(item) && itemKind !== undefined) {
          if (item['kind'] === undefined) item['kind'] = itemKind;
          if (item['apiVersion'] === undefined && listApiVersion !== undefined) item['apiVersion'] = listApiVersion;
        }
        visit(item, `${where}.items[${i}]`);
      });
      return;
    }
    if (typeof kind !== 'string' || typeof v['apiVersion'] !== 'string') {
      throw new Error(`${where}: object without apiVersion/kind`);
    }
    out.push(v as KubeObjectLike);
  };
  visit(parsed, source);
  return out;
}

/**
 * Reads a snapshot directory (see module doc). Files are read in name order so the
 * result is deterministic. Throws with the file name on malformed JSON.
 */
export function loadSnapshotDir(dir: string): ClusterSnapshot {
  const objects: KubeObjectLike[] = [];
  const logs: PodLogFixture[] = [];
  const entries = readdirSync(dir).sort();
  for (const name of entries) {
    // expected.json beside the snapshot holds test expectations, not cluster objects.
    if (!name.endsWith('.json') || name === 'expected.json') continue;
    const file = join(dir, name);
    if (!statSync(file).isFile()) continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new Error(`snapshot ${file}: invalid JSON: ${(err as Error).message}`);
    }
    objects.push(...objectsFromJson(parsed, file));
  }
  const logDir = join(dir, 'logs');
  let logEntries: string[] = [];
  try {
    if (statSync(logDir).isDirectory()) logEntries = readdirSync(logDir).sort();
  } catch {
    logEntries = [];
  }
  for (const name of logEntries) {
    const meta = parseLogFileName(name);
    if (!meta) continue;
    const file = join(logDir, name);
    if (!statSync(file).isFile()) continue;
    logs.push({ ...meta, text: readFileSync(file, 'utf8') });
  }
  return { objects, logs };
}
