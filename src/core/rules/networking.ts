// Service wiring (selector, endpoints, ports), DNS resolution failures read from container logs,
// and NetworkPolicies that likely drop a pod's traffic. DNS and policy findings are root causes:
// they supersede the crash loop they explain.
import type { EvidenceLine, Finding, RuleDefinition, RuleFamily, Target } from '../types.ts';
import type { EndpointSlice, Endpoints, Pod, Service } from '../kube.ts';
import { matchesSelector, metaOf, type LabelSelector, type Snapshot } from '../snapshot.ts';
import { containersOf, eventEvidence, fieldEvidence, logEvidence, podEvents, podRef, statusPath, type ContainerView } from '../pod-view.ts';
import { kubectl } from '../next-steps.ts';
import { DOCS } from '../docs-links.ts';

// ---------------------------------------------------------------------------------------------
// Rule metadata and next steps

const nsOf = (f: Finding) => f.subject.namespace;
const serviceRef = (f: Finding) => ({ kind: 'Service', namespace: nsOf(f)!, name: f.vars?.['service'] ?? f.subject.name });
const sliceList = (f: Finding) => kubectl.list('endpointslices', nsOf(f), `-l kubernetes.io/service-name=${serviceRef(f).name} -o wide`,
  'The EndpointSlices the control plane built for the Service, with their addresses and conditions');
const podOf = (f: Finding) => ({ kind: 'Pod', namespace: nsOf(f)!, name: f.vars?.['pod'] ?? f.subject.name });

export const noEndpoints: RuleDefinition = {
  id: 'service.no-endpoints', title: 'Service has no endpoints', layer: 'networking',
  meaning: 'The Service selects no running pod, so it has no endpoints and every connection to it fails; usually the selector and the pod labels disagree.',
  evidenceNeeded: 'A Service with a selector whose EndpointSlices (or Endpoints) hold no address, or whose selector matches no pod of its namespace.',
  docs: DOCS.debugService,
  nextSteps: (f) => {
    const svc = serviceRef(f);
    const fix = f.vars?.['selectorKey'] && f.vars['labelValue']
      ? [kubectl.custom(`kubectl -n ${svc.namespace} patch service ${svc.name} -p '{"spec":{"selector":{"${f.vars['selectorKey']}":"${f.vars['labelValue']}"}}}'`,
        `If the Service selector is the typo, point it at the pods' label (revert by patching back ${f.vars['selectorKey']}=${f.vars['selectorValue'] ?? '<old value>'})`, 'reversible')]
      : [];
    return [
      kubectl.jsonpath(svc, '{.spec.selector}', 'The label selector the Service uses'),
      kubectl.list('pods', svc.namespace, '--show-labels', 'Compare the pods\' labels with the selector'),
      sliceList(f),
      ...fix,
    ];
  },
};

export const endpointsNotReady: RuleDefinition = {
  id: 'service.endpoints-not-ready', title: 'Service endpoints are not ready', layer: 'networking',
  meaning: 'The Service selects pods, but none (or few) of them are Ready, so traffic has nowhere (or too little) to go; the pods\' own failure is the cause.',
  evidenceNeeded: 'EndpointSlice endpoints with conditions.ready false (or Endpoints notReadyAddresses), or selected pods that are not Ready.',
  runbookAlert: 'KubePodNotReady', docs: DOCS.debugService,
  nextSteps: (f) => {
    const svc = serviceRef(f);
    return [
      sliceList(f),
      kubectl.describe(podOf(f), 'Why the pod is not Ready: container states, probe failures, events'),
      kubectl.list('pods', svc.namespace, f.vars?.['selector'] ? `-l ${f.vars['selector']} -o wide` : '-o wide', 'Every pod the Service selects and its readiness'),
    ];
  },
};

export const portMismatch: RuleDefinition = {
  id: 'service.port-mismatch', title: 'Service targetPort matches no container port', layer: 'networking',
  meaning: 'The Service forwards to a targetPort that the selected pods do not declare, so connections are refused or the endpoints carry no port.',
  evidenceNeeded: 'A Service targetPort (number or name) absent from the containerPorts (or port names) of every selected pod that declares ports.',
  docs: DOCS.debugService,
  nextSteps: (f) => {
    const svc = serviceRef(f);
    return [
      kubectl.jsonpath(svc, '{.spec.ports}', 'The Service ports and their targetPort'),
      kubectl.jsonpath(podOf(f), '{.spec.containers[*].ports}', 'The ports the pod declares (name and containerPort)'),
      kubectl.list('endpointslices', svc.namespace, `-l kubernetes.io/service-name=${svc.name} -o yaml`, 'The ports the EndpointSlices resolved (empty when a named targetPort is not found)'),
    ];
  },
};

export const dnsFailure: RuleDefinition = {
  id: 'dns.resolution-failure', title: 'DNS resolution fails', layer: 'networking',
  meaning: 'The application cannot resolve a host name it depends on: the name does not exist (wrong Service name or namespace) or the cluster DNS does not answer.',
  evidenceNeeded: 'Container logs with a resolver error: "lookup x on 10.96.0.10:53: no such host", "getaddrinfo ENOTFOUND x", "UnknownHostException", "Temporary failure in name resolution"...',
  docs: DOCS.dns,
  nextSteps: (f) => {
    const ns = nsOf(f) ?? 'default';
    const host = f.vars?.['host'] ?? '<host>';
    const svc = serviceOfHost(host, ns);
    return [
      ...(svc ? [kubectl.list('svc', svc.namespace, svc.name,
        svc.namespace === ns ? `Does the Service exist in namespace ${ns}? A Service in another namespace must be addressed as <svc>.<namespace>` : `Does the Service exist in namespace ${svc.namespace}?`)] : []),
      kubectl.list('pods', 'kube-system', '-l k8s-app=kube-dns -o wide', 'Is the cluster DNS (CoreDNS) running and ready?'),
      kubectl.custom('kubectl -n kube-system logs -l k8s-app=kube-dns --tail=100', 'CoreDNS errors (upstream failures, SERVFAIL, timeouts)'),
      kubectl.list('networkpolicy', ns, '', 'An egress policy without a DNS allowance makes lookups time out'),
      kubectl.custom(`kubectl -n ${ns} run dns-debug --rm -it --restart=Never --image=busybox:1.36 -- nslookup ${host}`,
        'Resolve the name from a throw-away pod in the same namespace (removed on exit)', 'reversible'),
    ];
  },
};

export const policyBlocked: RuleDefinition = {
  id: 'network.policy-blocked', title: 'A NetworkPolicy likely blocks the traffic', layer: 'networking',
  meaning: 'NetworkPolicies isolate the pod and no rule appears to allow the connection it needs, so packets are dropped and connections time out.',
  evidenceNeeded: 'NetworkPolicies selecting the pod (or its peer) for Egress/Ingress, plus connection or DNS timeouts in the container logs.',
  docs: DOCS.networkPolicies,
  nextSteps: (f) => {
    const ns = nsOf(f);
    const pod = { kind: 'Pod', namespace: ns!, name: f.subject.name };
    const policy = f.vars?.['policy'];
    const policyNs = f.vars?.['policyNamespace'] ?? ns;
    const peer = f.vars?.['peer'];
    return [
      kubectl.list('networkpolicy', policyNs, '', 'The policies in the namespace and the pods they select'),
      ...(policy ? [kubectl.describe({ kind: 'NetworkPolicy', namespace: policyNs!, name: policy }, 'Which traffic the policy allows')] : []),
      kubectl.custom(`kubectl ${policyNs ? `-n ${policyNs} ` : ''}get pod ${peer ?? f.subject.name} --show-labels`, 'The pod labels the policies select on'),
      kubectl.debug(pod, f.subject.container, 'Test the connection from inside the pod\'s network namespace (nc -vz <ip> <port>, nslookup <host>)'),
    ];
  },
};

/** The Service a host name points at, when it is a cluster name: `svc`, `svc.ns`, `svc.ns.svc[.cluster.local]`. */
function serviceOfHost(host: string, ns: string): { namespace: string; name: string } | undefined {
  if (host.startsWith('<')) return { namespace: ns, name: host };
  const parts = host.replace(/\.$/, '').split('.');
  if (parts.length === 1) return { namespace: ns, name: parts[0]! };
  if (parts.length === 2 || parts[2] === 'svc') return { namespace: parts[1]!, name: parts[0]! };
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Services

function podReady(p: Pod): boolean {
  const cond = p.status?.conditions?.find((c) => c.type === 'Ready');
  if (cond) return cond.status === 'True';
  const cs = p.status?.containerStatuses ?? [];
  return p.status?.phase === 'Running' && cs.length > 0 && cs.every((c) => c.ready === true);
}

const terminal = (p: Pod) => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';

/** A pod's state in a few words: the first waiting/terminated reason, else its phase or Ready condition. */
function podState(p: Pod): string {
  for (const c of containersOf(p)) {
    const w = c.status.state?.waiting?.reason;
    if (w && w !== 'PodInitializing' && w !== 'ContainerCreating') return `${c.init ? 'init ' : ''}container ${c.name} ${w}`;
    const t = c.status.state?.terminated;
    if (t && (t.exitCode ?? 0) !== 0) return `container ${c.name} terminated ${t.reason ?? ''} exit ${t.exitCode}`.replace('  ', ' ');
  }
  const phase = p.status?.phase;
  if (phase && phase !== 'Running') return phase;
  const notReady = (p.status?.containerStatuses ?? []).filter((c) => c.ready === false).map((c) => c.name);
  if (notReady.length > 0) return `containers not ready: ${notReady.join(', ')}`;
  const cond = p.status?.conditions?.find((c) => c.type === 'Ready');
  return cond?.reason ?? 'not ready';
}

function selectorText(sel: Record<string, string>): string {
  return Object.entries(sel).map(([k, v]) => `${k}=${v}`).join(',');
}

function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(up + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length]!;
}

interface SelectorMiss {
  text: string;
  /** A pod that matches every key of the selector but one. */
  pod?: string;
  key?: string;
  want?: string;
  have?: string;
}

/** Why a selector matches no pod: a pod that matches all keys but one, ideally by a small typo. */
export function explainSelectorMiss(selector: Record<string, string>, pods: Pod[]): SelectorMiss {
  const sel = selectorText(selector);
  const near: Array<{ key: string; want: string; have: string | undefined; pod: string }> = [];
  for (const p of pods) {
    const labels = metaOf(p).labels ?? {};
    const off = Object.entries(selector).filter(([k, v]) => labels[k] !== v);
    if (off.length === 1) near.push({ key: off[0]![0], want: off[0]![1], have: labels[off[0]![0]], pod: metaOf(p).name ?? '' });
  }
  const small = (n: (typeof near)[number]) => n.have !== undefined && editDistance(n.want.toLowerCase(), n.have.toLowerCase()) <= Math.max(2, Math.floor(n.want.length / 4));
  const best = near.find(small) ?? near.find((n) => n.have !== undefined) ?? near[0];
  if (!best) return { text: pods.length > 0 ? `selector ${sel} matches no pod in the namespace` : `selector ${sel} matches no pod` };
  if (best.have === undefined) {
    return { text: `selector ${sel} matches no pod; pods that match the rest of it (e.g. ${best.pod}) have no ${best.key} label`, pod: best.pod };
  }
  const others = [...new Set(near.filter((n) => n.key === best.key && n.have !== undefined).map((n) => n.have))];
  const typo = small(best) ? ' (a typo?)' : '';
  return {
    text: `selector ${best.key}=${best.want} matches no pod; pods are labelled ${others.map((v) => `${best.key}=${v}`).join(' or ')}${typo}`,
    key: best.key, want: best.want, have: best.have, pod: best.pod,
  };
}

interface EndpointEntry {
  pod?: string;
  ip?: string;
  ready: boolean;
  terminating: boolean;
}

interface EndpointView {
  /** Whether the evidence holds any EndpointSlice or Endpoints object for the Service. */
  known: boolean;
  entries: EndpointEntry[];
  slices: EndpointSlice[];
  endpoints?: Endpoints;
  evidence: EvidenceLine[];
}

function endpointView(snap: Snapshot, ns: string, name: string): EndpointView {
  const slices = snap.list<EndpointSlice>('EndpointSlice', ns).filter((s) => metaOf(s).labels?.['kubernetes.io/service-name'] === name);
  const endpoints = snap.get<Endpoints>('Endpoints', ns, name);
  const fromSlices: EndpointEntry[] = slices.flatMap((s) => (s.endpoints ?? []).map((e) => ({
    ...(e.targetRef?.name ? { pod: e.targetRef.name } : {}),
    ...(e.addresses?.[0] ? { ip: e.addresses[0] } : {}),
    // EndpointSlice: a nil ready condition means "unknown" and consumers treat it as ready.
    ready: e.conditions?.ready !== false,
    terminating: e.conditions?.terminating === true,
  })));
  const fromEndpoints: EndpointEntry[] = (endpoints?.subsets ?? []).flatMap((s) => [
    ...(s.addresses ?? []).map((a) => ({ ...(a.targetRef?.name ? { pod: a.targetRef.name } : {}), ...(a.ip ? { ip: a.ip } : {}), ready: true, terminating: false })),
    ...(s.notReadyAddresses ?? []).map((a) => ({ ...(a.targetRef?.name ? { pod: a.targetRef.name } : {}), ...(a.ip ? { ip: a.ip } : {}), ready: false, terminating: false })),
  ]);
  const entries = fromSlices.length > 0 ? dedupe(fromSlices) : fromEndpoints;
  const evidence: EvidenceLine[] = [];
  for (const s of slices) {
    const eps = s.endpoints ?? [];
    const ready = eps.filter((e) => e.conditions?.ready !== false).length;
    evidence.push(fieldEvidence({ kind: 'EndpointSlice', namespace: ns, name: metaOf(s).name ?? '' }, 'endpoints',
      eps.length === 0 ? 'none' : `${eps.length} endpoints, ${ready} ready`));
  }
  if (endpoints) {
    const ready = fromEndpoints.filter((e) => e.ready).length;
    evidence.push(fieldEvidence({ kind: 'Endpoints', namespace: ns, name }, 'subsets',
      fromEndpoints.length === 0 ? 'none' : `${ready} addresses, ${fromEndpoints.length - ready} notReadyAddresses`));
  }
  return { known: slices.length > 0 || endpoints !== undefined, entries, slices, ...(endpoints ? { endpoints } : {}), evidence };
}

function dedupe(entries: EndpointEntry[]): EndpointEntry[] {
  const seen = new Set<string>();
  return entries.filter((e) => {
    const key = e.pod ?? e.ip ?? '';
    if (!key) return true;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function serviceFindings(snap: Snapshot): Finding[] {
  if (snap.target.kind !== 'Service') return [];
  const svc = snap.targetObject as Service | undefined;
  if (!svc) return [];
  const selector = svc.spec?.selector;
  // No selector: endpoints are managed by hand (or it is an ExternalName Service). Not ours to judge.
  if (svc.spec?.type === 'ExternalName' || !selector || Object.keys(selector).length === 0) return [];
  const ns = metaOf(svc).namespace ?? snap.target.namespace ?? '';
  const name = metaOf(svc).name ?? snap.target.name;
  const subject: Target = { kind: 'Service', namespace: ns, name };
  const sel = selectorText(selector);
  const selEvidence = fieldEvidence(subject, 'spec.selector', sel);
  const baseVars = { service: name, selector: sel };
  const where = `Service ${ns}/${name}`;
  const nsPods = snap.list<Pod>('Pod', ns);
  const matching = snap.scopePods.filter((p) => !terminal(p));
  const ep = endpointView(snap, ns, name);
  const findings: Finding[] = [];

  const notReadyFinding = (pods: Array<{ name: string; pod?: Pod }>, readyCount: number, confidence: number, via: string): Finding => {
    const shown = pods.slice(0, 5).map((p) => `${p.name} (${p.pod ? podState(p.pod) : 'not ready'})`);
    const more = pods.length > 5 ? ` and ${pods.length - 5} more` : '';
    const podEvidence = pods.slice(0, 5).flatMap((p) => {
      if (!p.pod) return [];
      const ready = p.pod.status?.conditions?.find((c) => c.type === 'Ready');
      return [fieldEvidence(podRef(p.pod), 'status', `phase=${p.pod.status?.phase ?? '?'} Ready=${ready?.status ?? '?'}${ready?.reason ? ` (${ready.reason})` : ''}; ${podState(p.pod)}`)];
    });
    return {
      id: 'service.endpoints-not-ready', confidence, subject,
      summary: `${where} has ${readyCount === 0 ? 'no ready endpoint' : `only ${readyCount} ready endpoint${readyCount === 1 ? '' : 's'}`} (${via}): ${shown.join(', ')}${more}.`,
      evidence: [selEvidence, ...ep.evidence, ...podEvidence],
      vars: { ...baseVars, ...(pods[0] ? { pod: pods[0].name } : {}) },
    };
  };

  const noEndpointsFinding = (confidence: number, why: string, miss?: SelectorMiss): Finding => ({
    id: 'service.no-endpoints', confidence, subject,
    summary: `${where} has no endpoints: ${why}.`,
    evidence: [selEvidence, ...ep.evidence,
      ...nsPods.filter((p) => !terminal(p))
        .sort((a, b) => Number(metaOf(b).name === miss?.pod) - Number(metaOf(a).name === miss?.pod))
        .slice(0, 3).map((p) => fieldEvidence(podRef(p), 'metadata.labels', selectorText(metaOf(p).labels ?? {})))],
    vars: { ...baseVars, ...(miss?.key && miss.have !== undefined ? { selectorKey: miss.key, selectorValue: miss.want ?? '', labelValue: miss.have } : {}) },
  });

  if (ep.known) {
    const live = ep.entries.filter((e) => !e.terminating);
    if (live.length === 0) {
      if (matching.length === 0) {
        const miss = explainSelectorMiss(selector, nsPods.filter((p) => !terminal(p)));
        findings.push(noEndpointsFinding(0.9, miss.text, miss));
      } else if (!matching.some(podReady)) {
        findings.push(notReadyFinding(matching.map((p) => ({ name: metaOf(p).name ?? '', pod: p })), 0, 0.75, `none of the ${matching.length} selected pod${matching.length === 1 ? '' : 's'} is ready, so none is published`));
      } else {
        const ready = matching.filter(podReady).length;
        findings.push(noEndpointsFinding(0.7, `${ready} ready pod${ready === 1 ? '' : 's'} match selector ${sel}, yet no endpoint was published (check the targetPort and the endpoint controller)`));
      }
    } else {
      const notReady = live.filter((e) => !e.ready);
      const ready = live.length - notReady.length;
      if (notReady.length > 0 && (ready === 0 || notReady.length > ready)) {
        const byName = new Map(snap.scopePods.map((p) => [metaOf(p).name ?? '', p]));
        const pods = notReady.map((e) => {
          const pod = e.pod ? byName.get(e.pod) : undefined;
          return { name: e.pod ?? e.ip ?? '?', ...(pod ? { pod } : {}) };
        });
        findings.push(notReadyFinding(pods, ready, ready === 0 ? 0.75 : 0.65, `${notReady.length}/${live.length} endpoints not ready`));
      }
    }
  } else if (matching.length === 0 && nsPods.some((p) => !terminal(p))) {
    const miss = explainSelectorMiss(selector, nsPods.filter((p) => !terminal(p)));
    findings.push(noEndpointsFinding(0.75, miss.text, miss));
  } else if (matching.length > 0 && !matching.some(podReady)) {
    findings.push(notReadyFinding(matching.map((p) => ({ name: metaOf(p).name ?? '', pod: p })), 0, 0.7, `none of the ${matching.length} selected pod${matching.length === 1 ? '' : 's'} is ready`));
  }

  const mismatch = portMismatchFinding(svc, subject, matching, ep, baseVars);
  if (mismatch) findings.push(mismatch);
  return findings;
}

function portMismatchFinding(svc: Service, subject: Target, pods: Pod[], ep: EndpointView, baseVars: Record<string, string>): Finding | undefined {
  const withSpec = pods.filter((p) => (p.spec?.containers ?? []).length > 0);
  if (withSpec.length === 0) return undefined;
  const declared = withSpec.flatMap((p) => (p.spec?.containers ?? []).flatMap((c) => (c.ports ?? []).map((port) => ({ ...port, container: c.name ?? '' }))));
  const ports = svc.spec?.ports ?? [];
  for (const [i, port] of ports.entries()) {
    const raw = port.targetPort ?? port.port;
    if (raw === undefined || raw === '') continue;
    const numeric = typeof raw === 'number' ? raw : /^\d+$/.test(raw) ? Number(raw) : undefined;
    const first = withSpec[0]!;
    const firstPorts = (first.spec?.containers ?? []).flatMap((c) => (c.ports ?? []).map((p) => `${p.name ? `${p.name}:` : ''}${p.containerPort}/${p.protocol ?? 'TCP'}`));
    const podName = metaOf(first).name ?? '';
    const portLabel = `spec.ports[${port.name ?? i}]`;
    const svcEvidence = fieldEvidence(subject, portLabel, `port ${port.port ?? '?'} → targetPort ${raw}${port.protocol ? ` (${port.protocol})` : ''}`);
    const podEvidence = fieldEvidence(podRef(first), 'spec.containers[*].ports', firstPorts.length > 0 ? firstPorts.join(', ') : 'none declared');
    const where = `Service ${subject.namespace}/${subject.name}`;
    if (numeric !== undefined) {
      // containerPort is informational: when no container declares a port, a number cannot be checked.
      if (declared.length === 0 || declared.some((d) => d.containerPort === numeric)) continue;
      return {
        id: 'service.port-mismatch', confidence: 0.75, subject,
        summary: `${where} sends port ${port.port ?? '?'} to targetPort ${numeric}, but its pods declare ${firstPorts.join(', ')} (e.g. pod ${podName}); connections to the Service are likely refused.`,
        evidence: [svcEvidence, podEvidence],
        vars: { ...baseVars, pod: podName, targetPort: String(numeric) },
      };
    }
    if (declared.some((d) => d.name === raw)) continue;
    const emptySlices = ep.slices.filter((s) => (s.ports ?? []).length === 0 && (s.endpoints ?? []).length > 0);
    return {
      id: 'service.port-mismatch', confidence: 0.9, subject,
      summary: `${where} targetPort "${raw}" names no port of its pods (pod ${podName} declares ${firstPorts.length > 0 ? firstPorts.join(', ') : 'no ports'}), so its endpoints carry no port.`,
      evidence: [svcEvidence, podEvidence,
        ...emptySlices.map((s) => fieldEvidence({ kind: 'EndpointSlice', namespace: subject.namespace!, name: metaOf(s).name ?? '' }, 'ports', 'none (the named targetPort was not found on the pods)'))],
      vars: { ...baseVars, pod: podName, targetPort: String(raw) },
      supersedes: ['service.no-endpoints'],
    };
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// DNS, as resolvers and runtimes print their failures

type DnsKind = 'nxdomain' | 'timeout' | 'servfail' | 'unresolved';

export interface DnsHit {
  kind: DnsKind;
  host?: string;
  server?: string;
}

const HOST = '[A-Za-z0-9_][A-Za-z0-9._-]*';

/** Classifies the tail of a resolver error ("no such host", "Temporary failure in name resolution"...). */
function dnsKindOf(text: string): DnsKind | undefined {
  if (/no such host|name or service not known|nodename nor servname|no address associated with hostname|NXDOMAIN|host not found|non-existing domain|ENOTFOUND|EAI_NONAME/i.test(text)) return 'nxdomain';
  if (/i\/o timeout|timed out|timeout|temporary failure in name resolution|try again|EAI_AGAIN|no servers could be reached|resource temporarily unavailable/i.test(text)) return 'timeout';
  if (/server misbehaving|SERVFAIL|server failure|EAI_FAIL|connection refused|REFUSED|network is unreachable/i.test(text)) return 'servfail';
  return undefined;
}

// Compiled once: these run on every log line of every container in scope.
const DNS_RE = [
  new RegExp(`\\blookup (${HOST}?)\\.?(?: on (\\[?[0-9A-Fa-f.:]+\\]?:\\d+))?: (.+)`),
  new RegExp(`getaddrinfo (ENOTFOUND|EAI_AGAIN|EAI_FAIL|EAI_NONAME)(?: (${HOST}))?`),
  new RegExp(`\\bquery(?:A|AAAA|Srv|Txt|Cname|Any)? (ENOTFOUND|ETIMEOUT|ESERVFAIL|ECONNREFUSED|EREFUSED) (${HOST})`),
  new RegExp(`UnknownHostException: (?:Failed to resolve '([^']+)'|(${HOST}))(?::? ?(.*))?`),
  new RegExp(`Error -?\\d+ connecting to (${HOST}):\\d+\\. (Name or service not known|Temporary failure in name resolution|No address associated with hostname)`),
  new RegExp(`Could not resolve host: (${HOST})`),
  new RegExp(`bad address '(${HOST})`),
  new RegExp(`can't resolve '(${HOST})'`),
  new RegExp(`server can't find (${HOST}?)\\.?: (NXDOMAIN|SERVFAIL|REFUSED)`),
  new RegExp(`host not found in upstream "(${HOST})`),
  new RegExp(`(${HOST}) could not be resolved \\((\\d+): ([^)]+)\\)`),
  new RegExp(`tcp connect \\((${HOST}):\\d+\\): non-existing domain`),
  new RegExp(`php_network_getaddresses: getaddrinfo(?: for (${HOST}))? failed: (.+)`),
  new RegExp(`connection to (${HOST}):\\d+`),
  new RegExp(`\\((${HOST}):\\d+\\)`),
];

const DNS_PATTERNS: Array<(line: string) => DnsHit | undefined> = [
  // Go: dial tcp: lookup postgres on 10.96.0.10:53: no such host / read udp ...->10.96.0.10:53: i/o timeout
  (l) => {
    const m = DNS_RE[0]!.exec(l);
    const kind = m ? dnsKindOf(m[3]!) : undefined;
    if (!m || !kind) return undefined;
    // Without " on <server>", only resolver wording counts ("cache lookup failed: timeout" is not DNS).
    if (!m[2] && !/no such host|temporary failure in name resolution|server misbehaving|name or service not known|:53: i\/o timeout/i.test(m[3]!)) return undefined;
    const server = m[2] ?? /->(\[?[0-9A-Fa-f.:]+\]?:53)\b/.exec(m[3]!)?.[1];
    return { kind, host: m[1]!, ...(server ? { server } : {}) };
  },
  // Node.js: getaddrinfo ENOTFOUND redis / getaddrinfo EAI_AGAIN redis / queryA ETIMEOUT redis
  (l) => {
    const m = DNS_RE[1]!.exec(l);
    if (m) return { kind: dnsKindOf(m[1]!) ?? 'unresolved', ...(m[2] ? { host: m[2] } : {}) };
    const q = DNS_RE[2]!.exec(l);
    if (q) return { kind: q[1] === 'ENOTFOUND' ? 'nxdomain' : q[1] === 'ETIMEOUT' ? 'timeout' : 'servfail', host: q[2]!.replace(/^_[^.]+\._tcp\./, '') };
    return undefined;
  },
  // libpq: could not translate host name "postgres" to address: Name or service not known
  (l) => {
    const m = /could not translate host name "([^"]+)" to address: (.+)/i.exec(l);
    return m ? { kind: dnsKindOf(m[2]!) ?? 'unresolved', host: m[1]! } : undefined;
  },
  // Java: java.net.UnknownHostException: db[: Name or service not known] / Netty: Failed to resolve 'db'
  (l) => {
    const m = DNS_RE[3]!.exec(l);
    if (!m) return undefined;
    const rest = m[3] ?? '';
    return { kind: /temporary failure|try again/i.test(rest) ? 'timeout' : 'nxdomain', host: (m[1] ?? m[2])! };
  },
  // Python urllib3 2.x: Failed to resolve 'api' ([Errno -3] Temporary failure in name resolution)
  (l) => {
    const m = /Failed to resolve '([^']+)' \(([^)]*)\)/.exec(l);
    return m ? { kind: dnsKindOf(m[2]!) ?? 'unresolved', host: m[1]! } : undefined;
  },
  // redis-py: Error -2 connecting to redis:6379. Name or service not known.
  (l) => {
    const m = DNS_RE[4]!.exec(l);
    return m ? { kind: dnsKindOf(m[2]!)!, host: m[1]! } : undefined;
  },
  // curl (6), busybox wget/nslookup, MySQL, nginx, Erlang/Elixir
  (l) => {
    const m = DNS_RE[5]!.exec(l) ?? DNS_RE[6]!.exec(l) ?? DNS_RE[7]!.exec(l);
    return m ? { kind: 'unresolved', host: m[1]!.replace(/\.$/, '') } : undefined;
  },
  (l) => {
    const m = DNS_RE[8]!.exec(l);
    return m ? { kind: m[2] === 'NXDOMAIN' ? 'nxdomain' : 'servfail', host: m[1]! } : undefined;
  },
  (l) => (/connection timed out; no servers could be reached/.test(l) ? { kind: 'timeout' } : undefined),
  (l) => {
    const m = /Unknown MySQL server host '([^']+)'/.exec(l);
    return m ? { kind: 'nxdomain', host: m[1]! } : undefined;
  },
  (l) => {
    const m = DNS_RE[9]!.exec(l);
    if (m) return { kind: 'nxdomain', host: m[1]! };
    const r = DNS_RE[10]!.exec(l);
    return r ? { kind: dnsKindOf(r[3]!) ?? 'unresolved', host: r[1]! } : undefined;
  },
  (l) => {
    const m = DNS_RE[11]!.exec(l);
    return m ? { kind: 'nxdomain', host: m[1]! } : undefined;
  },
  // PHP: php_network_getaddresses: getaddrinfo for mysql failed: Name or service not known
  (l) => {
    const m = DNS_RE[12]!.exec(l);
    return m ? { kind: dnsKindOf(m[2]!) ?? 'unresolved', ...(m[1] ? { host: m[1] } : {}) } : undefined;
  },
  // glibc / getaddrinfo messages printed by Python, Ruby, Rust, .NET... with the host found nearby, if at all.
  (l) => {
    const m = /Name or service not known|Temporary failure in name resolution|No address associated with hostname|nodename nor servname provided|failed to lookup address information/i.exec(l);
    if (!m) return undefined;
    const host = /host='([^']+)'/.exec(l)?.[1] ?? DNS_RE[13]!.exec(l)?.[1] ?? DNS_RE[14]!.exec(l)?.[1];
    return { kind: dnsKindOf(m[0]) ?? 'unresolved', ...(host ? { host } : {}) };
  },
  // A bare timeout talking to a DNS server: read udp 10.244.1.7:39285->10.96.0.10:53: i/o timeout
  (l) => {
    const m = /->(\[?[0-9A-Fa-f.:]+\]?:53): i\/o timeout/.exec(l);
    return m ? { kind: 'timeout', server: m[1]! } : undefined;
  },
];

/** Cheap gate: a line without any of these words cannot match a resolver error pattern. */
const DNS_HINT = /lookup|getaddrinfo|query|translate host|UnknownHost|resolve|name or service|name resolution|no address associated|nodename|non-existing|can't find|no servers|server host|host not found|bad address|:53\b/i;

export function parseDnsLine(line: string): DnsHit | undefined {
  if (!DNS_HINT.test(line)) return undefined;
  for (const p of DNS_PATTERNS) {
    const hit = p(line);
    if (hit) return hit;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Connections that time out (or are refused), for the NetworkPolicy rule

export interface ConnHit {
  refused: boolean;
  ip?: string;
  port?: number;
}

export function parseConnLine(line: string): ConnHit | undefined {
  const timeout = /\bdial tcp [^\s]+: (?:i\/o timeout|connect: connection timed out)|\bETIMEDOUT\b|connection timed out|connect timed out|\[Errno 110\]|Operation timed out/i.test(line);
  const refused = !timeout && /connect: connection refused|\bECONNREFUSED\b|Connection refused/i.test(line);
  if (!timeout && !refused) return undefined;
  const m = /server at "(\d{1,3}(?:\.\d{1,3}){3})", port (\d+)/.exec(line) ?? /(\d{1,3}(?:\.\d{1,3}){3}):(\d{1,5})\b/.exec(line);
  return { refused, ...(m ? { ip: m[1]!, port: Number(m[2]) } : {}) };
}

// ---------------------------------------------------------------------------------------------
// NetworkPolicies, evaluated only as far as the evidence allows

interface PolicyPort { protocol?: string; port?: number | string; endPort?: number }
interface PolicyPeer { ipBlock?: { cidr?: string; except?: string[] }; podSelector?: LabelSelector; namespaceSelector?: LabelSelector }
interface PolicyRule { to?: PolicyPeer[]; from?: PolicyPeer[]; ports?: PolicyPort[] }
interface NetworkPolicy {
  metadata?: unknown;
  spec?: { podSelector?: LabelSelector; policyTypes?: string[]; ingress?: PolicyRule[] | null; egress?: PolicyRule[] | null };
}

function policySelects(pol: NetworkPolicy, pod: Pod): boolean {
  const sel = pol.spec?.podSelector;
  const empty = !sel || (Object.keys(sel.matchLabels ?? {}).length === 0 && (sel.matchExpressions ?? []).length === 0);
  return empty || matchesSelector(metaOf(pod).labels, sel);
}

function policyTypes(pol: NetworkPolicy): string[] {
  return pol.spec?.policyTypes ?? ['Ingress', ...((pol.spec?.egress ?? []).length > 0 ? ['Egress'] : [])];
}

function ipv4(ip: string): number | undefined {
  const parts = ip.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return undefined;
  return ((parts[0]! << 24) >>> 0) + (parts[1]! << 16) + (parts[2]! << 8) + parts[3]!;
}

function inCidr(ip: string, cidr: string): boolean | undefined {
  const [base, bitsText] = cidr.split('/');
  const a = ipv4(ip);
  const b = ipv4(base ?? '');
  const bits = Number(bitsText ?? '32');
  if (a === undefined || b === undefined || !Number.isInteger(bits)) return undefined;
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return ((a & mask) >>> 0) === ((b & mask) >>> 0);
}

type Verdict = 'allowed' | 'denied' | 'unknown';

function portAllowed(rule: PolicyRule, port: number | undefined, dns: boolean): boolean | undefined {
  const ports = rule.ports ?? [];
  if (ports.length === 0) return true;
  let unknown = false;
  for (const p of ports) {
    if (!dns && p.protocol && p.protocol !== 'TCP') continue;
    if (p.port === undefined) return true;
    if (typeof p.port === 'string') {
      if (dns && /^(dns|dns-tcp|domain)$/i.test(p.port)) return true;
      unknown = true;
      continue;
    }
    if (port === undefined) { unknown = true; continue; }
    if (port >= p.port && port <= (p.endPort ?? p.port)) return true;
  }
  return unknown ? undefined : false;
}

function peerAllowed(peers: PolicyPeer[], ip: string | undefined): boolean | undefined {
  if (peers.length === 0) return true;
  let unknown = false;
  for (const p of peers) {
    const cidr = p.ipBlock?.cidr;
    if (!cidr) { unknown = true; continue; } // pod and namespace selectors cannot be resolved from an IP here
    const inside = ip ? inCidr(ip, cidr) : undefined;
    if (inside === undefined) { unknown = true; continue; }
    if (inside && !(p.ipBlock?.except ?? []).some((e) => inCidr(ip!, e) === true)) return true;
  }
  return unknown ? undefined : false;
}

/**
 * Whether a set of rules lets a destination through: 'allowed' when one surely does, 'denied' when
 * none can, 'unknown' otherwise. For DNS, a rule that opens port 53 counts as the DNS allowance
 * whatever its peers (they usually select kube-dns, which an IP cannot be matched against).
 */
function verdictOf(rules: PolicyRule[], ip: string | undefined, port: number | undefined, dns: boolean): Verdict {
  let unknown = false;
  for (const r of rules) {
    const portOk = portAllowed(r, port, dns);
    if (portOk === false) continue;
    const peerOk = peerAllowed(r.to ?? r.from ?? [], ip);
    if (peerOk === false) continue;
    if (portOk === true && (peerOk === true || (dns && (r.ports ?? []).length > 0))) return 'allowed';
    unknown = true;
  }
  return unknown ? 'unknown' : 'denied';
}

interface Isolation {
  policies: string[];
  rules: PolicyRule[];
}

function isolation(snap: Snapshot, pod: Pod, direction: 'Egress' | 'Ingress'): Isolation | undefined {
  const ns = metaOf(pod).namespace;
  const pols = snap.list<NetworkPolicy>('NetworkPolicy', ns).filter((p) => policyTypes(p).includes(direction) && policySelects(p, pod));
  if (pols.length === 0) return undefined;
  return {
    policies: pols.map((p) => metaOf(p).name ?? ''),
    rules: pols.flatMap((p) => (direction === 'Egress' ? p.spec?.egress : p.spec?.ingress) ?? []),
  };
}

// ---------------------------------------------------------------------------------------------
// Per container: DNS failures and blocked connections

interface LogScan {
  previous: boolean;
  lines: string[];
}

function crashed(c: ContainerView): boolean {
  const t = c.status.lastState?.terminated ?? c.status.state?.terminated;
  return c.status.state?.waiting?.reason === 'CrashLoopBackOff' || (t !== undefined && (t.exitCode ?? 0) !== 0);
}

function logsOf(snap: Snapshot, c: ContainerView): LogScan[] {
  const out: LogScan[] = [];
  const prev = snap.logLines(c.pod, c.name, true);
  if (prev && prev.length > 0) out.push({ previous: true, lines: prev });
  const cur = snap.logLines(c.pod, c.name, false);
  if (cur && cur.length > 0) out.push({ previous: false, lines: cur });
  return out;
}

const RECENT = 50;

function ownedByJob(pod: Pod): boolean {
  return (metaOf(pod).ownerReferences ?? []).some((o) => o.kind === 'Job');
}

function mostCommon(values: Array<string | undefined>): string | undefined {
  const counts = new Map<string, number>();
  for (const v of values) if (v) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
}

function describeKind(kind: DnsKind): string {
  return kind === 'nxdomain' ? 'the name does not exist (NXDOMAIN)'
    : kind === 'timeout' ? 'the DNS query timed out'
    : kind === 'servfail' ? 'the DNS server failed to answer'
    : 'the name could not be resolved';
}

function containerFindings(snap: Snapshot, pod: Pod, c: ContainerView): Finding[] {
  const logs = logsOf(snap, c);
  if (logs.length === 0) return [];
  const didCrash = crashed(c);
  const restarts = c.status.restartCount ?? 0;
  const subject: Target = { kind: 'Pod', namespace: c.pod.namespace, name: c.pod.name, container: c.name };
  const where = `container ${c.name} of pod ${c.pod.namespace}/${c.pod.name}`;
  const crashSupersedes = didCrash
    ? ['crashloop.app-error', ...(c.init ? ['init-container.failing'] : []), ...(ownedByJob(pod) ? ['job.backoff-limit'] : [])]
    : [];
  const findings: Finding[] = [];

  // The crashed instance's logs first (previous), then the current ones.
  let dns: { scan: LogScan; hits: Array<{ line: string; hit: DnsHit }>; recent: boolean } | undefined;
  let conn: { scan: LogScan; hits: Array<{ line: string; hit: ConnHit }> } | undefined;
  for (const scan of logs) {
    const tail = scan.lines.slice(-200);
    const dnsHits = tail.flatMap((line) => { const hit = parseDnsLine(line); return hit ? [{ line, hit }] : []; });
    if (!dns && dnsHits.length > 0) {
      const lastIndex = tail.lastIndexOf(dnsHits.at(-1)!.line);
      dns = { scan, hits: dnsHits, recent: tail.length - lastIndex <= RECENT };
    }
    const connHits = tail.flatMap((line) => { if (parseDnsLine(line)) return []; const hit = parseConnLine(line); return hit ? [{ line, hit }] : []; });
    if (!conn && connHits.length > 0) conn = { scan, hits: connHits };
  }

  // A running container with an old, lone resolver error is noise, not a diagnosis.
  const dnsCounts = dns && (didCrash ? dns.recent || dns.scan.previous : dns.recent && (c.status.ready === false || dns.hits.length >= 3));
  let dnsFinding: Finding | undefined;
  if (dns && dnsCounts) {
    const kinds = dns.hits.map((h) => h.hit.kind);
    const kind: DnsKind = kinds.includes('nxdomain') ? 'nxdomain' : kinds.includes('timeout') ? 'timeout' : kinds.includes('servfail') ? 'servfail' : 'unresolved';
    const host = mostCommon(dns.hits.map((h) => h.hit.host));
    const server = mostCommon(dns.hits.map((h) => h.hit.server));
    const shown = [...new Map(dns.hits.map((h) => [h.line, h])).values()].slice(-3);
    const dnsEvents = podEvents(snap, c.pod, /^DNSConfigForming$/);
    const t = c.status.lastState?.terminated ?? c.status.state?.terminated;
    const crashText = didCrash ? `; the process exits${t?.exitCode !== undefined ? ` with code ${t.exitCode}` : ''}${restarts > 0 ? ` (${restarts} restarts)` : ''}` : '';
    const ns = c.pod.namespace;
    const svcHint = host && kind === 'nxdomain' && !host.includes('.')
      ? snap.list<Service>('Service').find((s) => metaOf(s).name === host && metaOf(s).namespace !== ns)
      : undefined;
    const hint = svcHint ? ` (a Service ${host} exists in namespace ${metaOf(svcHint).namespace}: use ${host}.${metaOf(svcHint).namespace})` : '';
    dnsFinding = {
      id: 'dns.resolution-failure',
      confidence: didCrash ? (dns.recent ? 0.85 : 0.75) : 0.7,
      subject,
      summary: `${cap(where)} cannot resolve ${host ? `host ${host}` : 'a host name'}${server ? ` via DNS server ${server}` : ''}: ${describeKind(kind)}${hint}${crashText}.`,
      evidence: [
        ...shown.map((h) => logEvidence(c, dns!.scan.previous, h.line.slice(0, 500))),
        ...(didCrash && t ? [fieldEvidence(c.pod, `${statusPath(c)}.${c.status.lastState?.terminated ? 'lastState' : 'state'}.terminated`, `reason=${t.reason ?? '?'} exitCode=${t.exitCode ?? '?'}`)] : []),
        ...dnsEvents.slice(-1).map(eventEvidence),
      ],
      vars: { ...(host ? { host } : {}), ...(server ? { server } : {}), kind },
      ...(crashSupersedes.length > 0 ? { supersedes: crashSupersedes } : {}),
    };
    findings.push(dnsFinding);
  }

  // NetworkPolicy: only when a policy isolates the pod (or its peer) and the logs show timeouts.
  const egress = isolation(snap, pod, 'Egress');
  const dnsTimeouts = dns && dnsCounts ? dns.hits.filter((h) => h.hit.kind === 'timeout') : [];
  if (egress && dnsTimeouts.length > 0) {
    const server = mostCommon(dnsTimeouts.map((h) => h.hit.server));
    const ip = server?.replace(/^\[/, '').replace(/\]?:\d+$/, '');
    const verdict = verdictOf(egress.rules, ip, 53, true);
    if (verdict !== 'allowed') {
      const host = mostCommon(dnsTimeouts.map((h) => h.hit.host));
      findings.push({
        id: 'network.policy-blocked', confidence: verdict === 'denied' ? 0.7 : 0.6, subject,
        summary: `${cap(where)} likely has its DNS traffic dropped by NetworkPolicy ${egress.policies.join(', ')}: egress is isolated ${egress.rules.length === 0 ? 'with no egress rule at all' : 'and no rule clearly allows port 53'}, and lookups${host ? ` of ${host}` : ''} time out${server ? ` against ${server}` : ''}.`,
        evidence: [
          ...egress.policies.map((p) => policyEvidence(snap, c.pod.namespace, p)),
          ...dnsTimeouts.slice(-2).map((h) => logEvidence(c, dns!.scan.previous, h.line.slice(0, 500))),
        ],
        vars: { policy: egress.policies[0]!, ...(host ? { host } : {}) },
        supersedes: ['dns.resolution-failure', ...crashSupersedes],
      });
      return findings;
    }
  }

  if (conn && (didCrash || c.status.ready === false || conn.hits.length >= 3)) {
    const timeouts = conn.hits.filter((h) => !h.hit.refused);
    const relevant = timeouts.length > 0 ? timeouts : conn.hits;
    const last = relevant.at(-1)!.hit;
    const dest = last.ip ? `${last.ip}${last.port !== undefined ? `:${last.port}` : ''}` : undefined;
    let blocked: { policies: string[]; verdict: Verdict; direction: string; peer?: string; peerPod?: string } | undefined;
    if (egress) {
      const verdict = verdictOf(egress.rules, last.ip, last.port, false);
      if (verdict !== 'allowed') blocked = { policies: egress.policies, verdict, direction: egress.rules.length === 0 ? 'egress is isolated with no egress rule' : `no egress rule clearly allows ${dest ?? 'the destination'}` };
    }
    if (!blocked && last.ip) {
      // The peer's side: a pod in the evidence with that IP, isolated for ingress.
      const peer = snap.list<Pod>('Pod').find((p) => p.status?.podIP === last.ip);
      const ingress = peer ? isolation(snap, peer, 'Ingress') : undefined;
      if (peer && ingress) {
        const verdict = ingress.rules.length === 0 ? 'denied' : ingress.rules.some((r) => portAllowed(r, last.port, false) !== false) ? 'unknown' : 'denied';
        if (verdict === 'denied') blocked = { policies: ingress.policies, verdict, direction: `pod ${metaOf(peer).namespace}/${metaOf(peer).name} is isolated for ingress and no rule allows port ${last.port ?? '?'}`, peer: metaOf(peer).namespace ?? '', peerPod: metaOf(peer).name ?? '' };
      }
    }
    if (blocked && (timeouts.length > 0 || blocked.verdict === 'denied')) {
      const refusedOnly = timeouts.length === 0;
      const confidence = refusedOnly ? 0.55 : blocked.verdict === 'denied' ? 0.7 : 0.6;
      const policyNs = blocked.peer ?? c.pod.namespace;
      findings.push({
        id: 'network.policy-blocked', confidence, subject,
        summary: `${cap(where)} is likely blocked by NetworkPolicy ${blocked.policies.join(', ')}: ${blocked.direction}, and its connections${dest ? ` to ${dest}` : ''} ${refusedOnly ? 'are refused' : 'time out'}.`,
        evidence: [
          ...blocked.policies.map((p) => policyEvidence(snap, policyNs, p)),
          ...relevant.slice(-3).map((h) => logEvidence(c, conn!.scan.previous, h.line.slice(0, 500))),
        ],
        vars: { policy: blocked.policies[0]!, policyNamespace: policyNs, ...(blocked.peerPod ? { peer: blocked.peerPod } : {}) },
        ...(crashSupersedes.length > 0 ? { supersedes: crashSupersedes } : {}),
      });
    }
  }
  return findings;
}

function policyEvidence(snap: Snapshot, ns: string, name: string): EvidenceLine {
  const pol = snap.get<NetworkPolicy>('NetworkPolicy', ns, name);
  const sel = pol?.spec?.podSelector;
  const selText = sel && (Object.keys(sel.matchLabels ?? {}).length > 0 || (sel.matchExpressions ?? []).length > 0)
    ? JSON.stringify(sel) : '{} (every pod)';
  const egress = pol?.spec?.egress ?? [];
  const ingress = pol?.spec?.ingress ?? [];
  return fieldEvidence({ kind: 'NetworkPolicy', namespace: ns, name }, 'spec',
    `podSelector=${selText} policyTypes=${pol ? policyTypes(pol).join(',') : '?'} ingress rules=${ingress.length} egress rules=${egress.length}`);
}

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function detect(snap: Snapshot): Finding[] {
  const findings = serviceFindings(snap);
  for (const pod of snap.scopePods) {
    for (const c of containersOf(pod)) findings.push(...containerFindings(snap, pod, c));
  }
  return findings;
}

export const networking: RuleFamily = {
  name: 'networking',
  rules: [noEndpoints, endpointsNotReady, portMismatch, dnsFailure, policyBlocked],
  detect,
};
