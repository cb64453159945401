// Image pull failures (ErrImagePull, ImagePullBackOff, InvalidImageName), classified by the cause
// the runtime reported. The waiting message usually only says `Back-off pulling image "x"`; the cause
// is in the kubelet's `Failed to pull image "x": ...` event (or in the ErrImagePull waiting message,
// or after `ErrImagePull:` in the back-off message of newer kubelets). Messages are matched as
// containerd, CRI-O and dockershim print them.
import type { Finding, NextStep, RuleDefinition, RuleFamily } from '../types.ts';
import { compareTimes, type NormalizedEvent, type Pod } from '../kube.ts';
import type { Snapshot } from '../snapshot.ts';
import { containerEvents, containersOf, eventEvidence, fieldEvidence, ownerWorkload, statusPath, workloadArg, type ContainerView } from '../pod-view.ts';
import { kubectl } from '../next-steps.ts';
import { DOCS } from '../docs-links.ts';

type PullId =
  | 'image-pull.not-found' | 'image-pull.unauthorized' | 'image-pull.rate-limited'
  | 'image-pull.network' | 'image-pull.tls' | 'image-pull.invalid-name';

const pod = (f: Finding) => ({ kind: 'Pod', namespace: f.subject.namespace ?? 'default', name: f.subject.name });
const nsFlag = (f: Finding) => `-n ${f.subject.namespace ?? 'default'}`;
const imageOf = (f: Finding) => kubectl.jsonpath(pod(f),
  f.subject.container ? `{.spec.containers[?(@.name=="${f.subject.container}")].image}{.spec.initContainers[?(@.name=="${f.subject.container}")].image}` : '{.spec.containers[*].image}',
  'The exact image reference the pod asks for (registry, repository, tag or digest)');
const basics = (f: Finding) => [kubectl.describe(pod(f), 'Container state and the kubelet pull events with the registry answer'), kubectl.events(pod(f), 'Every pull attempt and its error, oldest first')];
const owner = (f: Finding) => {
  const o = f.vars?.['owner'];
  const [kind, name] = o?.split('/') ?? [];
  return kind && name ? { kind, namespace: f.subject.namespace ?? 'default', name } : undefined;
};
const rollback = (f: Finding, why: string): NextStep[] => {
  const o = owner(f);
  return o && ['deployment', 'statefulset', 'daemonset'].includes(o.kind)
    ? [kubectl.rolloutHistory(o, 'Which revision changed the image'), kubectl.rolloutUndo(o, why)]
    : [];
};
const pullSecrets = (f: Finding) => [
  kubectl.jsonpath(pod(f), '{.spec.imagePullSecrets}', 'Names of the pull secrets the pod uses (names only)'),
  kubectl.custom(`kubectl ${nsFlag(f)} get serviceaccount ${f.vars?.['serviceAccount'] ?? 'default'} -o jsonpath='{.imagePullSecrets}'`,
    'Pull secrets inherited from the ServiceAccount (names only)'),
  kubectl.custom(`kubectl ${nsFlag(f)} get secrets --field-selector type=kubernetes.io/dockerconfigjson`,
    'Which registry-credential Secrets exist in this namespace (names and types only, never their contents)'),
];
const nodeName = (f: Finding) => f.vars?.['node'];
const nodeSteps = (f: Finding, why: string) => {
  const n = nodeName(f);
  return n ? [kubectl.describe({ kind: 'Node', name: n }, why),
    kubectl.custom(`kubectl get pods -A --field-selector spec.nodeName=${n},status.phase=Pending`, 'Whether other pods pulling on this node fail the same way')] : [];
};

export const notFound: RuleDefinition = {
  id: 'image-pull.not-found', title: 'Image pull fails: the image or tag does not exist', layer: 'application',
  meaning: 'The registry answered that the repository, tag or digest does not exist (manifest unknown / not found), so the kubelet can never pull it.',
  evidenceNeeded: 'ErrImagePull / ImagePullBackOff with a pull error such as "manifest unknown", "<ref>: not found", "manifest for x not found" or "repository x not found".',
  runbookAlert: 'KubeContainerWaiting', docs: DOCS.images,
  nextSteps: (f) => [...basics(f), imageOf(f), ...rollback(f, 'Go back to the previous image if the new tag was never pushed')],
};

export const unauthorized: RuleDefinition = {
  id: 'image-pull.unauthorized', title: 'Image pull fails: the registry denies access', layer: 'application',
  meaning: 'The registry refused the pull for lack of (valid) credentials: the imagePullSecret is missing, wrong, expired or lacks scope; on Docker Hub the same answer also means the repository does not exist.',
  evidenceNeeded: 'A pull error such as "pull access denied", "unauthorized", "authentication required", "no basic auth credentials", "insufficient_scope", "requested access to the resource is denied" or a 401/403 from the registry.',
  runbookAlert: 'KubeContainerWaiting', docs: DOCS.privateRegistry,
  nextSteps: (f) => [...basics(f), imageOf(f), ...pullSecrets(f)],
};

export const rateLimited: RuleDefinition = {
  id: 'image-pull.rate-limited', title: 'Image pull fails: registry rate limit', layer: 'application',
  meaning: 'The registry throttles the pulls (HTTP 429 toomanyrequests), typically Docker Hub anonymous pull limits shared by every node behind one IP.',
  evidenceNeeded: 'A pull error containing "toomanyrequests", "You have reached your pull rate limit" or "429 Too Many Requests".',
  runbookAlert: 'KubeContainerWaiting', docs: DOCS.privateRegistry,
  nextSteps: (f) => [...basics(f),
    kubectl.custom('kubectl get events -A --field-selector reason=Failed --sort-by=.lastTimestamp', 'How many pulls across the cluster hit the same limit'),
    imageOf(f), ...pullSecrets(f)],
};

export const network: RuleDefinition = {
  id: 'image-pull.network', title: 'Image pull fails: the registry is unreachable', layer: 'networking',
  meaning: 'The node cannot reach the registry: DNS does not resolve it, the connection is refused or times out (firewall, proxy, egress rules, registry outage).',
  evidenceNeeded: 'A pull error such as "dial tcp ...: i/o timeout", "no such host", "connection refused", "context deadline exceeded" or "net/http: TLS handshake timeout".',
  runbookAlert: 'KubeContainerWaiting', docs: DOCS.images,
  nextSteps: (f) => [...basics(f), imageOf(f), ...nodeSteps(f, 'The node doing the pull: is it the only one that cannot reach the registry?')],
};

export const tls: RuleDefinition = {
  id: 'image-pull.tls', title: 'Image pull fails: the registry certificate is not trusted', layer: 'networking',
  meaning: 'The TLS connection to the registry fails verification (unknown CA, expired or mismatched certificate) or the registry speaks plain HTTP, so the runtime refuses to pull.',
  evidenceNeeded: 'A pull error such as "x509: certificate signed by unknown authority", "x509: certificate has expired", "tls: failed to verify certificate" or "http: server gave HTTP response to HTTPS client".',
  runbookAlert: 'KubeContainerWaiting', docs: DOCS.images,
  nextSteps: (f) => {
    const n = nodeName(f);
    return [...basics(f), imageOf(f), ...nodeSteps(f, 'The node whose runtime rejects the certificate'),
      ...(n ? [kubectl.custom(`kubectl debug node/${n} -it --image=busybox:1.36 -- ls -R /host/etc/containerd/certs.d /host/etc/docker/certs.d`,
        'Which registry CA/hosts configuration the runtime on this node has (creates a debug pod; delete it afterwards)', 'reversible')] : [])];
  },
};

export const invalidName: RuleDefinition = {
  id: 'image-pull.invalid-name', title: 'The image reference is invalid', layer: 'application',
  meaning: 'The image field cannot be parsed as a reference (upper-case letters, spaces, a stray colon or an empty tag), so the kubelet never tries to pull.',
  evidenceNeeded: 'state.waiting.reason InvalidImageName, or "couldn\'t parse image reference" / "invalid reference format" in the kubelet message.',
  runbookAlert: 'KubeContainerWaiting', docs: DOCS.images,
  nextSteps: (f) => [kubectl.describe(pod(f)), imageOf(f), ...rollback(f, 'Go back to the previous revision while the image reference is fixed')],
};

const CLASSES: ReadonlyArray<readonly [PullId, RegExp]> = [
  ['image-pull.invalid-name', /invalid reference format|couldn't parse image reference|InvalidImageName/i],
  ['image-pull.rate-limited', /toomanyrequests|pull rate limit|429 Too Many Requests|unexpected status(?: code)?(?: \[[^\]]*\])?:? 429\b/i],
  ['image-pull.tls', /x509: |tls: failed to verify certificate|server gave HTTP response to HTTPS client|first record does not look like a TLS handshake|remote error: tls: /i],
  ['image-pull.unauthorized', /pull access denied|requested access to the resource is denied|\bunauthorized\b|authentication required|no basic auth credentials|insufficient_scope|\b40[13] (?:Unauthorized|Forbidden)\b|unexpected status(?: code)?(?: \[[^\]]*\])?:? 40[13]\b|\bdenied: |\bforbidden\b/i],
  ['image-pull.not-found', /manifest unknown|\bnot found\b|name unknown|code = NotFound|repository does not exist/i],
  ['image-pull.network', /i\/o timeout|no such host|connection refused|dial tcp|context deadline exceeded|TLS handshake timeout|connection reset by peer|network is unreachable|no route to host|server misbehaving|Client\.Timeout exceeded|request canceled while waiting for connection|(?:502|503|504) (?:Bad Gateway|Service Unavailable|Gateway Timeout)|code = DeadlineExceeded/i],
];

/** Docker Hub answers the same for a private repository and a missing one. */
const AMBIGUOUS = /repository does not exist or may require|does not exist or no pull access|requested access to the resource is denied/i;

const EXPLAIN: Record<PullId, string> = {
  'image-pull.not-found': 'the image or tag does not exist in the registry',
  'image-pull.unauthorized': 'the registry denies access (missing or invalid pull credentials)',
  'image-pull.rate-limited': 'the registry rate-limits the pulls',
  'image-pull.network': 'the registry cannot be reached from the node',
  'image-pull.tls': 'the registry TLS certificate is not trusted',
  'image-pull.invalid-name': 'the image reference is invalid',
};

export function classifyPullError(message: string): { id: PullId; match: string; ambiguous: boolean } | undefined {
  for (const [id, re] of CLASSES) {
    const m = re.exec(message);
    if (m) return { id, match: m[0], ambiguous: (id === 'image-pull.unauthorized' || id === 'image-pull.not-found') && AMBIGUOUS.test(message) };
  }
  return undefined;
}

/** A rollout that does not progress because its new pods cannot pull is a symptom of the pull failure. */
const STUCK = ['rollout.stuck'];

const PULL_WAITING = new Set(['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName']);
const FAILED_TO_PULL = /^Failed to (?:pull image|apply default image tag|inspect image) "([^"]*)"/;

function quotedImage(message: string): string | undefined {
  return FAILED_TO_PULL.exec(message)?.[1] ?? /^Back-off pulling image "([^"]*)"/.exec(message)?.[1];
}

/** The part of a pull error worth quoting: after the last `desc = `, else the message, shortened. */
function causeText(message: string): string {
  const m = /desc = (.*)$/s.exec(message);
  const text = (m?.[1] ?? message.replace(FAILED_TO_PULL, '').replace(/^Back-off pulling image "[^"]*": (?:ErrImagePull: )?/, '').replace(/^:\s*/, ''))
    // The image reference is already named in the summary: drop the runtime's wrappers that repeat it.
    .replace(/failed to pull and unpack image "[^"]*": /g, '')
    .replace(/failed to resolve reference "[^"]*": /g, '')
    .replace(/^Error response from daemon: /, '')
    .trim();
  return text.length > 220 ? `…${text.slice(-220)}` : text;
}

const latest = (events: NormalizedEvent[]) =>
  [...events].sort((a, b) => compareTimes(a.lastTime ?? '', b.lastTime ?? ''));

function findingsFor(snap: Snapshot, p: Pod, c: ContainerView): Finding[] {
  const waiting = c.status.state?.waiting;
  const waitingPull = waiting?.reason !== undefined && PULL_WAITING.has(waiting.reason);
  // Pull events outlive the failure: once the container runs (or failed for another reason), stay silent.
  const noState = !c.status.state || Object.keys(c.status.state).length === 0;
  if (!waitingPull && !(noState && p.status?.phase === 'Pending')) return [];
  const image = c.status.image || c.spec?.image;
  const sameImage = (e: NormalizedEvent) => {
    const q = quotedImage(e.message);
    return !q || !image || q === image || image.endsWith(`/${q}`) || q.endsWith(`/${image}`);
  };
  const events = containerEvents(snap, c).filter(sameImage);
  const causeEvents = latest(events.filter((e) => FAILED_TO_PULL.test(e.message) && classifyPullError(e.message)));
  const cause = causeEvents.at(-1);
  const errorEvents = latest(events.filter((e) => /^Error: (ErrImagePull|ImagePullBackOff|InvalidImageName)$/.test(e.message) || e.reason === 'BackOff' && /^Back-off pulling image/.test(e.message)));

  const waitingText = waiting ? `${waiting.reason}${waiting.message ? `: ${waiting.message}` : ''}` : '';
  // ErrImagePull carries the cause itself; newer kubelets append it to the back-off message too.
  const statusClass = waiting?.message && !/^Back-off pulling image "[^"]*"$/.test(waiting.message) ? classifyPullError(waiting.message) : undefined;
  let verdict: { id: PullId; match: string; ambiguous: boolean; text: string; confidence: number } | undefined;
  if (waiting?.reason === 'InvalidImageName') {
    verdict = { id: 'image-pull.invalid-name', match: 'InvalidImageName', ambiguous: false, text: waiting.message ?? 'InvalidImageName', confidence: 0.95 };
  } else if (statusClass) {
    verdict = { ...statusClass, text: waiting!.message!, confidence: 0.95 };
  } else if (cause) {
    verdict = { ...classifyPullError(cause.message)!, text: cause.message, confidence: waitingPull ? 0.9 : 0.85 };
  }
  if (!verdict) return [];

  const subject = { kind: 'Pod', namespace: c.pod.namespace, name: c.pod.name, container: c.name };
  const ownerArg = workloadArg(ownerWorkload(snap, p));
  const vars: Record<string, string> = {
    ...(image ? { image } : {}),
    ...(ownerArg ? { owner: ownerArg } : {}),
    ...(p.spec?.nodeName ? { node: p.spec.nodeName } : {}),
    serviceAccount: p.spec?.serviceAccountName ?? 'default',
  };
  const evidence = [
    ...(waiting ? [fieldEvidence(c.pod, `${statusPath(c)}.state.waiting`, waitingText)] : []),
    ...(cause ? [eventEvidence(cause)] : []),
    ...errorEvents.slice(-2).map(eventEvidence),
  ];
  const what = `${c.init ? 'Init container' : 'Container'} ${c.name} of pod ${c.pod.namespace}/${c.pod.name}`;
  const imageText = image ? ` image "${image}"` : ' its image';
  const detail = causeText(verdict.text);

  if (verdict.id === 'image-pull.invalid-name') {
    return [{ id: verdict.id, confidence: verdict.confidence, subject, vars, evidence, supersedes: STUCK,
      summary: `${what} has an invalid image reference${image ? ` "${image}"` : ''}: ${detail.slice(0, 200)}.` }];
  }
  const pulled = `${what} cannot pull${imageText}`;
  if (verdict.ambiguous) {
    const primary: PullId = verdict.id;
    const other: PullId = primary === 'image-pull.unauthorized' ? 'image-pull.not-found' : 'image-pull.unauthorized';
    const either = primary === 'image-pull.unauthorized'
      ? 'the registry denies access: the repository is private and needs a valid imagePullSecret, or does not exist'
      : 'the repository was not found: it does not exist, or it is private and needs a valid imagePullSecret';
    return [
      { id: primary, confidence: 0.8, subject, vars, evidence, summary: `${pulled}: ${either} (${detail}).`, supersedes: STUCK },
      { id: other, confidence: 0.55, subject, vars, evidence,
        summary: `${pulled}: the registry's answer is ambiguous, so the repository or tag may simply not exist (${detail}).` },
    ];
  }
  const explain = verdict.id !== 'image-pull.tls' ? EXPLAIN[verdict.id]
    : /HTTP response to HTTPS/i.test(verdict.match) ? 'the registry answers plain HTTP while the runtime expects HTTPS (an insecure registry not configured as such)'
    : /expired/i.test(verdict.text) ? 'the registry TLS certificate has expired or is not yet valid'
    : EXPLAIN[verdict.id];
  return [{ id: verdict.id, confidence: verdict.confidence, subject, vars, evidence,
    summary: `${pulled}: ${explain} (${detail}).`, supersedes: STUCK }];
}

function detect(snap: Snapshot): Finding[] {
  return snap.scopePods.flatMap((p) => containersOf(p).flatMap((c) => findingsFor(snap, p, c)));
}

export const imagePull: RuleFamily = {
  name: 'image-pull',
  rules: [notFound, unauthorized, rateLimited, network, tls, invalidName],
  detect,
};
