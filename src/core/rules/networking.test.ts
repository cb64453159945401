import { describe, expect, it } from 'vitest';
import { explainSelectorMiss, networking, parseConnLine, parseDnsLine } from './networking.ts';
import { ruleCases } from '../../../test/support/rule-cases.ts';
import { bundle, event, pod, previousLog } from '../../../test/support/kube-builders.ts';
import { currentLog, endpointSlice, endpoints, networkPolicy, service, withPodIP } from '../../../test/support/kube-builders-networking.ts';
import type { Pod } from '../kube.ts';
import { buildSnapshot } from '../snapshot.ts';
import { diagnose } from '../diagnose.ts';

const backoff = { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 2m40s restarting failed container=app pod=orders-6b7f9c8d4-q2w3e_shop(9a1f)' } };
const exit1 = { terminated: { reason: 'Error', exitCode: 1, startedAt: '2026-11-21T09:10:00Z', finishedAt: '2026-11-21T09:10:02Z' } };
const crashing = (name = 'orders-6b7f9c8d4-q2w3e', labels: Record<string, string> = { app: 'orders', 'pod-template-hash': '6b7f9c8d4' }, container = 'app') =>
  pod({ name, labels, owner: { kind: 'ReplicaSet', name: 'orders-6b7f9c8d4' }, containers: [{ name: container, restartCount: 6, state: backoff, lastState: exit1 }] });
const notReadyRunning = (name: string, labels: Record<string, string>) =>
  pod({ name, labels, containers: [{ name: 'app', ready: false, state: { running: { startedAt: '2026-11-21T09:00:00Z' } } }] });
const withPorts = (name: string, labels: Record<string, string>, ports: Array<{ name?: string; containerPort: number }>) =>
  pod({ name, labels, containers: [{ name: 'app', spec: { ports: ports.map((p) => ({ protocol: 'TCP', ...p })) } }] });
const svcTarget = (name: string) => ({ target: { kind: 'Service', namespace: 'shop', name } });

const defaultDenyEgress = networkPolicy('default-deny-egress', { podSelector: {}, policyTypes: ['Egress'] });
const allowDns = networkPolicy('allow-dns', {
  podSelector: {}, policyTypes: ['Egress'],
  egress: [{ to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
    ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }] }],
});

ruleCases(networking, [
  // ----- service.no-endpoints
  {
    name: 'a Service selector with a typo (EndpointSlice with endpoints: null)',
    bundle: bundle([
      service('catalog', { selector: { app: 'catalgo' } }),
      endpointSlice('catalog', [], { name: 'catalog-8fj2k' }),
      pod({ name: 'catalog-5d8f7c9b6-abcde', labels: { app: 'catalog', 'pod-template-hash': '5d8f7c9b6' } }),
      pod({ name: 'catalog-5d8f7c9b6-fghij', labels: { app: 'catalog', 'pod-template-hash': '5d8f7c9b6' } }),
    ], svcTarget('catalog')),
    fires: 'service.no-endpoints', silent: ['service.endpoints-not-ready', 'service.port-mismatch'],
    summaryIncludes: ['Service shop/catalog has no endpoints', 'selector app=catalgo matches no pod; pods are labelled app=catalog', 'typo'],
  },
  {
    name: 'a legacy Endpoints object with no subsets and a selector key the pods lack',
    bundle: bundle([
      service('cart', { selector: { app: 'cart', tier: 'backend' } }),
      endpoints('cart'),
      pod({ name: 'cart-7d9f8b6c5d-x2x9k', labels: { app: 'cart', 'pod-template-hash': '7d9f8b6c5d' } }),
    ], svcTarget('cart')),
    fires: 'service.no-endpoints', summaryIncludes: ['have no tier label'],
  },
  {
    name: 'no endpoint objects fetched, but no pod of the namespace matches the selector',
    bundle: bundle([
      service('payments', { selector: { app: 'payments-api' } }),
      pod({ name: 'payments-6f7d8c9b5-k8s9d', labels: { app: 'payments', 'pod-template-hash': '6f7d8c9b5' } }),
    ], svcTarget('payments')),
    fires: 'service.no-endpoints', summaryIncludes: ['app=payments-api matches no pod'],
  },
  // ----- service.endpoints-not-ready
  {
    name: 'EndpointSlice whose endpoints are all ready=false',
    bundle: bundle([
      service('cart'),
      endpointSlice('cart', [
        { ip: '10.244.1.7', pod: 'cart-7d9f8b6c5d-x2x9k', ready: false, serving: false },
        { ip: '10.244.2.9', pod: 'cart-7d9f8b6c5d-p4m8n', ready: false, serving: false },
      ]),
      notReadyRunning('cart-7d9f8b6c5d-x2x9k', { app: 'cart' }),
      notReadyRunning('cart-7d9f8b6c5d-p4m8n', { app: 'cart' }),
    ], svcTarget('cart')),
    fires: 'service.endpoints-not-ready', silent: ['service.no-endpoints'],
    summaryIncludes: ['no ready endpoint', 'cart-7d9f8b6c5d-x2x9k', 'cart-7d9f8b6c5d-p4m8n'],
  },
  {
    name: 'legacy Endpoints with notReadyAddresses only (v1beta1 slice absent)',
    bundle: bundle([
      service('search', { selector: { app: 'search' } }),
      endpoints('search', { notReady: [{ ip: '10.244.3.4', pod: 'search-0' }] }),
      notReadyRunning('search-0', { app: 'search' }),
    ], svcTarget('search')),
    fires: 'service.endpoints-not-ready', summaryIncludes: ['search-0'],
  },
  {
    name: 'discovery.k8s.io/v1beta1 slice with most endpoints not ready',
    bundle: bundle([
      service('cart'),
      endpointSlice('cart', [
        { ip: '10.244.1.7', pod: 'cart-7d9f8b6c5d-x2x9k', ready: true },
        { ip: '10.244.2.9', pod: 'cart-7d9f8b6c5d-p4m8n', ready: false },
        { ip: '10.244.3.3', pod: 'cart-7d9f8b6c5d-z7v6b', ready: false },
      ], { apiVersion: 'discovery.k8s.io/v1beta1' }),
      pod({ name: 'cart-7d9f8b6c5d-x2x9k', labels: { app: 'cart' } }),
      notReadyRunning('cart-7d9f8b6c5d-p4m8n', { app: 'cart' }),
      notReadyRunning('cart-7d9f8b6c5d-z7v6b', { app: 'cart' }),
    ], svcTarget('cart')),
    fires: 'service.endpoints-not-ready', summaryIncludes: ['only 1 ready endpoint', '2/3 endpoints not ready'],
  },
  {
    name: 'an empty slice while the selected pods are still unscheduled',
    bundle: bundle([
      service('cart'),
      endpointSlice('cart', []),
      pod({ name: 'cart-7d9f8b6c5d-x2x9k', labels: { app: 'cart' }, phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable' }] }),
    ], svcTarget('cart')),
    fires: 'service.endpoints-not-ready', silent: ['service.no-endpoints'], primary: false,
  },
  // ----- service.port-mismatch
  {
    name: 'numeric targetPort 8080 while the pods declare containerPort 80',
    bundle: bundle([
      service('web', { ports: [{ name: 'http', port: 80, targetPort: 8080 }] }),
      endpointSlice('web', [{ ip: '10.244.1.7', pod: 'web-5c9b7d8f4-aaaaa' }], { ports: [{ name: 'http', port: 8080 }] }),
      withPorts('web-5c9b7d8f4-aaaaa', { app: 'web' }, [{ name: 'http', containerPort: 80 }]),
    ], svcTarget('web')),
    fires: 'service.port-mismatch', summaryIncludes: ['targetPort 8080', 'http:80/TCP'],
  },
  {
    name: 'named targetPort absent from the pods: slices with ports: null, Endpoints empty',
    bundle: bundle([
      service('api', { ports: [{ name: 'http', port: 80, targetPort: 'http-api' }] }),
      endpointSlice('api', [{ ip: '10.244.1.8', pod: 'api-6d5f4c3b2-qwert' }], { ports: null }),
      endpoints('api'),
      withPorts('api-6d5f4c3b2-qwert', { app: 'api' }, [{ name: 'http', containerPort: 8080 }]),
    ], svcTarget('api')),
    fires: 'service.port-mismatch', summaryIncludes: ['targetPort "http-api" names no port'],
  },
  // ----- dns.resolution-failure
  {
    name: 'Go: exit 1 whose previous logs show "lookup postgres on 10.96.0.10:53: no such host"',
    bundle: bundle([crashing()], { logs: [previousLog('app', [
      '{"level":"info","msg":"starting orders service","version":"2.4.1"}',
      '{"level":"fatal","msg":"cannot connect to database","error":"failed to connect to `host=postgres user=orders database=orders`: hostname resolving error (lookup postgres on 10.96.0.10:53: no such host)"}',
    ])] }),
    fires: 'dns.resolution-failure', silent: ['network.policy-blocked'],
    summaryIncludes: ['cannot resolve host postgres', '10.96.0.10:53', 'NXDOMAIN', 'exits with code 1'],
  },
  {
    name: 'Go net/http: dial tcp: lookup with an FQDN',
    bundle: bundle([crashing()], { logs: [previousLog('app', ['2026/11/21 09:10:02 Get "http://inventory.catalog.svc.cluster.local:8080/items": dial tcp: lookup inventory.catalog.svc.cluster.local on 10.96.0.10:53: no such host'])] }),
    fires: 'dns.resolution-failure', summaryIncludes: ['inventory.catalog.svc.cluster.local'],
  },
  {
    name: 'Node.js: getaddrinfo ENOTFOUND redis',
    bundle: bundle([crashing()], { logs: [previousLog('app', [
      'Error: getaddrinfo ENOTFOUND redis',
      '    at GetAddrInfoReqWrap.onlookup [as oncomplete] (node:dns:107:26) {',
      "  errno: -3008, code: 'ENOTFOUND', syscall: 'getaddrinfo', hostname: 'redis'",
    ])] }),
    fires: 'dns.resolution-failure', summaryIncludes: ['host redis'],
  },
  {
    name: 'Java: java.net.UnknownHostException: db',
    bundle: bundle([crashing()], { logs: [previousLog('app', [
      'Caused by: org.postgresql.util.PSQLException: The connection attempt failed.',
      'Caused by: java.net.UnknownHostException: db',
      '\tat java.base/sun.nio.ch.NioSocketImpl.connect(NioSocketImpl.java:567)',
    ])] }),
    fires: 'dns.resolution-failure', summaryIncludes: ['host db'],
  },
  {
    name: 'libpq: could not translate host name "postgres" to address',
    bundle: bundle([crashing()], { logs: [previousLog('app', [
      'psycopg2.OperationalError: could not translate host name "postgres" to address: Name or service not known',
    ])] }),
    fires: 'dns.resolution-failure', summaryIncludes: ['host postgres'],
  },
  {
    name: 'Python urllib3 2.x: Temporary failure in name resolution, repeated in the current logs of a not-ready container',
    bundle: bundle([pod({ name: 'checkout-7c8d9e6f5-m3n4b', labels: { app: 'checkout' }, containers: [{ name: 'app', ready: false, state: { running: { startedAt: '2026-11-21T09:00:00Z' } } }] })], { logs: [currentLog('app', [
      "requests.exceptions.ConnectionError: HTTPConnectionPool(host='payments', port=80): Max retries exceeded with url: /charge (Caused by NameResolutionError(\"<urllib3.connection.HTTPConnection object at 0x7f3a>: Failed to resolve 'payments' ([Errno -3] Temporary failure in name resolution)\"))",
      'INFO retrying in 5s',
    ])] }),
    fires: 'dns.resolution-failure', summaryIncludes: ['host payments', 'timed out'],
  },
  {
    name: 'an init container waiting on busybox nslookup: NXDOMAIN',
    bundle: bundle([pod({
      name: 'orders-6b7f9c8d4-q2w3e', labels: { app: 'orders' }, phase: 'Pending',
      initContainers: [{ name: 'wait-for-db', ready: false, state: { running: { startedAt: '2026-11-21T09:00:00Z' } } }],
      containers: [{ name: 'app', ready: false, state: { waiting: { reason: 'PodInitializing' } } }],
    })], { logs: [currentLog('wait-for-db', [
      'Server:    10.96.0.10', 'Address 1: 10.96.0.10 kube-dns.kube-system.svc.cluster.local', '',
      "** server can't find mydb.shop.svc.cluster.local: NXDOMAIN", 'waiting for mydb',
    ])] }),
    fires: 'dns.resolution-failure', summaryIncludes: ['mydb.shop.svc.cluster.local'],
  },
  {
    name: 'a short name that only exists as a Service in another namespace',
    bundle: bundle([crashing(), service('postgres', { selector: { app: 'postgres' }, namespace: 'db' })], { logs: [previousLog('app', [
      'panic: dial tcp: lookup postgres on 10.96.0.10:53: no such host',
    ])] }),
    fires: 'dns.resolution-failure', summaryIncludes: ['postgres.db'],
  },
  {
    name: 'DNS timeouts with no NetworkPolicy at all: the DNS rule, not a policy',
    bundle: bundle([crashing()], { logs: [previousLog('app', [
      'error: dial tcp: lookup redis on 10.96.0.10:53: read udp 10.244.1.7:39285->10.96.0.10:53: i/o timeout',
    ])] }),
    fires: 'dns.resolution-failure', silent: ['network.policy-blocked'], summaryIncludes: ['timed out'],
  },
  {
    name: 'default-deny egress WITH a DNS allowance and an NXDOMAIN: the name is wrong, not blocked',
    bundle: bundle([crashing(), defaultDenyEgress, allowDns], { logs: [previousLog('app', ['dial tcp: lookup postgress on 10.96.0.10:53: no such host'])] }),
    fires: 'dns.resolution-failure', silent: ['network.policy-blocked'],
  },
  {
    name: 'DNS timeouts although an egress policy opens port 53 to kube-dns',
    bundle: bundle([crashing(), allowDns], { logs: [previousLog('app', ['dial tcp: lookup redis on 10.96.0.10:53: read udp 10.244.1.7:39285->10.96.0.10:53: i/o timeout'])] }),
    fires: 'dns.resolution-failure', silent: ['network.policy-blocked'],
  },
  // ----- network.policy-blocked
  {
    name: 'default-deny egress without a DNS allowance: lookups time out on :53',
    bundle: bundle([crashing(), defaultDenyEgress], { logs: [previousLog('app', [
      'error: dial tcp: lookup postgres on 10.96.0.10:53: read udp 10.244.1.7:39285->10.96.0.10:53: i/o timeout',
    ])] }),
    fires: 'network.policy-blocked', summaryIncludes: ['default-deny-egress', 'likely', 'postgres'],
  },
  {
    name: 'egress allows DNS and port 8080 only; the app times out on 10.0.0.5:5432',
    bundle: bundle([crashing(), allowDns, networkPolicy('orders-egress', {
      podSelector: { matchLabels: { app: 'orders' } }, policyTypes: ['Egress'],
      egress: [{ to: [{ podSelector: { matchLabels: { app: 'api' } } }], ports: [{ protocol: 'TCP', port: 8080 }] }],
    })], { logs: [previousLog('app', ['2026-11-21T09:10:31Z FATAL failed to connect to database: dial tcp 10.0.0.5:5432: i/o timeout'])] }),
    fires: 'network.policy-blocked', summaryIncludes: ['10.0.0.5:5432', 'time out'],
  },
  {
    name: 'Node.js connect ETIMEDOUT under default-deny egress (DNS allowed)',
    bundle: bundle([crashing(), defaultDenyEgress, allowDns], { logs: [previousLog('app', [
      'Error: connect ETIMEDOUT 10.96.44.12:6379',
      '    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1607:16) {',
    ])] }),
    fires: 'network.policy-blocked', summaryIncludes: ['10.96.44.12:6379'],
  },
  {
    name: 'the peer pod is isolated for ingress with no rule (its default-deny-ingress)',
    bundle: bundle([
      crashing(),
      withPodIP(pod({ name: 'postgres-0', labels: { app: 'postgres' }, owner: { kind: 'StatefulSet', name: 'postgres' } }), '10.244.2.9'),
      networkPolicy('default-deny-ingress', { podSelector: { matchLabels: { app: 'postgres' } }, policyTypes: ['Ingress'] }),
    ], { logs: [previousLog('app', ['java.net.ConnectException: Connection timed out', 'psql: error: connection to server at "10.244.2.9", port 5432 failed: Connection timed out'])] }),
    fires: 'network.policy-blocked', summaryIncludes: ['postgres-0', 'default-deny-ingress'],
  },
  // ----- silent
  { name: 'a healthy Service: ready endpoints, matching ports', bundle: bundle([
    service('web', { ports: [{ name: 'http', port: 80, targetPort: 8080 }] }),
    endpointSlice('web', [{ ip: '10.244.1.7', pod: 'web-5c9b7d8f4-aaaaa' }]),
    endpoints('web', { ready: [{ ip: '10.244.1.7', pod: 'web-5c9b7d8f4-aaaaa' }] }),
    withPorts('web-5c9b7d8f4-aaaaa', { app: 'web' }, [{ name: 'http', containerPort: 8080 }]),
  ], svcTarget('web')) },
  { name: 'a Service without selector (manually managed Endpoints)', bundle: bundle([
    service('legacy-db', { selector: null, ports: [{ port: 5432 }] }), endpoints('legacy-db', { ready: [{ ip: '192.168.10.5' }] }),
  ], svcTarget('legacy-db')) },
  { name: 'a Service without selector and no endpoints at all', bundle: bundle([service('external-api', { selector: null })], svcTarget('external-api')) },
  { name: 'an ExternalName Service', bundle: bundle([service('db', { type: 'ExternalName', selector: null })], svcTarget('db')) },
  { name: 'pods declare no ports: a numeric targetPort cannot be checked', bundle: bundle([
    service('web', { ports: [{ name: 'http', port: 80, targetPort: 9090 }] }),
    endpointSlice('web', [{ ip: '10.244.1.7', pod: 'web-5c9b7d8f4-aaaaa' }]),
    pod({ name: 'web-5c9b7d8f4-aaaaa', labels: { app: 'web' } }),
  ], svcTarget('web')) },
  { name: 'targetPort omitted: it defaults to the port, which the pod declares', bundle: bundle([
    service('web', { ports: [{ name: 'http', port: 8080 }] }),
    endpointSlice('web', [{ ip: '10.244.1.7', pod: 'web-5c9b7d8f4-aaaaa' }]),
    withPorts('web-5c9b7d8f4-aaaaa', { app: 'web' }, [{ containerPort: 8080 }]),
  ], svcTarget('web')) },
  { name: 'one endpoint of three is not ready, the rest serve', bundle: bundle([
    service('cart'),
    endpointSlice('cart', [
      { ip: '10.244.1.7', pod: 'a', ready: true }, { ip: '10.244.2.9', pod: 'b', ready: true }, { ip: '10.244.3.3', pod: 'c', ready: false },
    ]),
  ], svcTarget('cart')) },
  { name: 'terminating endpoints during a rollout are not a failure', bundle: bundle([
    service('cart'),
    endpointSlice('cart', [
      { ip: '10.244.1.7', pod: 'a', ready: true }, { ip: '10.244.2.9', pod: 'b', ready: false, serving: true, terminating: true },
      { ip: '10.244.3.3', pod: 'c', ready: false, serving: false, terminating: true },
    ]),
  ], svcTarget('cart')) },
  { name: 'a running, ready pod with a lone old DNS error far back in its logs', bundle: bundle([pod()], { logs: [currentLog('app', [
    'dial tcp: lookup postgres on 10.96.0.10:53: no such host', ...Array.from({ length: 80 }, (_, i) => `GET /healthz 200 ${i}ms`),
  ])] }) },
  { name: 'a crash whose logs only mention a cache lookup timeout', bundle: bundle([crashing()], { logs: [previousLog('app', [
    'WARN cache lookup failed: timeout after 250ms', 'panic: runtime error: index out of range [3] with length 3',
  ])] }) },
  { name: 'logs that resolve and connect fine', bundle: bundle([crashing()], { logs: [previousLog('app', [
    'connected to postgres.shop.svc.cluster.local:5432 (10.96.12.7)', 'resolved redis to 10.96.44.12', 'fatal: schema migration 42 failed: column "sku" already exists',
  ])] }) },
  { name: 'connection timeouts but no NetworkPolicy in the namespace', bundle: bundle([crashing()], { logs: [previousLog('app', ['dial tcp 10.0.0.5:5432: i/o timeout'])] }) },
  { name: 'timeouts to an address an egress ipBlock rule allows', bundle: bundle([crashing(), allowDns, networkPolicy('db-egress', {
    podSelector: { matchLabels: { app: 'orders' } }, policyTypes: ['Egress'],
    egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/16' } }], ports: [{ protocol: 'TCP', port: 5432 }] }],
  })], { logs: [previousLog('app', ['dial tcp 10.0.0.5:5432: i/o timeout'])] }) },
  { name: 'the pod\'s own ingress-only policy does not explain its outgoing timeouts', bundle: bundle([crashing(),
    networkPolicy('deny-ingress', { podSelector: {}, policyTypes: ['Ingress'] }),
  ], { logs: [previousLog('app', ['dial tcp 203.0.113.10:443: connect: connection timed out'])] }) },
  { name: 'a policy that selects other pods only', bundle: bundle([crashing(), networkPolicy('db-only', {
    podSelector: { matchLabels: { app: 'postgres' } }, policyTypes: ['Egress'],
  })], { logs: [previousLog('app', ['dial tcp 10.0.0.5:5432: i/o timeout'])] }) },
  { name: 'a DNSConfigForming warning alone on a healthy pod', bundle: bundle([pod(), event({
    name: 'cart-7d9f8b6c5d-x2x9k', reason: 'DNSConfigForming',
    message: 'Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver line is: 10.0.0.2 10.0.0.3 10.0.0.4',
  })]) },
]);

describe('resolver messages as runtimes print them', () => {
  const cases: Array<[string, string | undefined, string]> = [
    ['dial tcp: lookup postgres on 10.96.0.10:53: no such host', 'postgres', 'nxdomain'],
    ['dial tcp: lookup postgres on [fd00:10:96::a]:53: no such host', 'postgres', 'nxdomain'],
    ['lookup api.internal on 10.96.0.10:53: server misbehaving', 'api.internal', 'servfail'],
    ['dial tcp: lookup redis on 10.96.0.10:53: read udp 10.244.1.7:39285->10.96.0.10:53: i/o timeout', 'redis', 'timeout'],
    ['dial tcp: lookup db: Temporary failure in name resolution', 'db', 'timeout'],
    ['getaddrinfo ENOTFOUND redis', 'redis', 'nxdomain'],
    ['Error: getaddrinfo EAI_AGAIN kafka-0.kafka', 'kafka-0.kafka', 'timeout'],
    ['Error: querySrv ENOTFOUND _mongodb._tcp.mongo.shop.svc.cluster.local', 'mongo.shop.svc.cluster.local', 'nxdomain'],
    ['java.net.UnknownHostException: db: Name or service not known', 'db', 'nxdomain'],
    ["java.net.UnknownHostException: Failed to resolve 'db' [A(1)] after 2 queries", 'db', 'nxdomain'],
    ['could not translate host name "postgres" to address: Temporary failure in name resolution', 'postgres', 'timeout'],
    ['redis.exceptions.ConnectionError: Error -2 connecting to redis:6379. Name or service not known.', 'redis', 'nxdomain'],
    ['curl: (6) Could not resolve host: api', 'api', 'unresolved'],
    ["wget: bad address 'backend:8080'", 'backend', 'unresolved'],
    ["nslookup: can't resolve 'mydb'", 'mydb', 'unresolved'],
    [';; connection timed out; no servers could be reached', undefined, 'timeout'],
    ["ERROR 2005 (HY000): Unknown MySQL server host 'mysql' (-2)", 'mysql', 'nxdomain'],
    ['2026/11/21 09:10:00 [emerg] 1#1: host not found in upstream "backend" in /etc/nginx/conf.d/default.conf:12', 'backend', 'nxdomain'],
    ['2026/11/21 09:10:00 [error] 29#29: *1 backend.shop.svc.cluster.local could not be resolved (110: Operation timed out)', 'backend.shop.svc.cluster.local', 'timeout'],
    ['** (DBConnection.ConnectionError) tcp connect (postgres:5432): non-existing domain - :nxdomain', 'postgres', 'nxdomain'],
    ['SQLSTATE[HY000] [2002] php_network_getaddresses: getaddrinfo for mysql failed: Name or service not known', 'mysql', 'nxdomain'],
    ["Failed to open TCP connection to redis:6379 (getaddrinfo: Name or service not known)", 'redis', 'nxdomain'],
    ['socket.gaierror: [Errno -2] Name or service not known', undefined, 'nxdomain'],
    ['read udp 10.244.1.7:39285->10.96.0.10:53: i/o timeout', undefined, 'timeout'],
  ];
  for (const [line, host, kind] of cases) {
    it(`parses: ${line.slice(0, 70)}`, () => {
      const hit = parseDnsLine(line);
      expect(hit?.kind).toBe(kind);
      expect(hit?.host).toBe(host);
    });
  }
  for (const line of ['cache lookup failed: timeout after 250ms', 'lookup user 42: not found', 'resolved redis to 10.96.44.12', 'no such host key in known_hosts? no: ok', 'GET /lookup?host=db 200']) {
    it(`ignores: ${line}`, () => expect(parseDnsLine(line)).toBeUndefined());
  }
  it('reads connection timeouts and refusals with their destination', () => {
    expect(parseConnLine('dial tcp 10.0.0.5:5432: i/o timeout')).toEqual({ refused: false, ip: '10.0.0.5', port: 5432 });
    expect(parseConnLine('dial tcp 10.0.0.5:5432: connect: connection refused')).toEqual({ refused: true, ip: '10.0.0.5', port: 5432 });
    expect(parseConnLine('connection to server at "10.244.2.9", port 5432 failed: Connection timed out')).toEqual({ refused: false, ip: '10.244.2.9', port: 5432 });
    expect(parseConnLine('all good')).toBeUndefined();
  });
});

describe('selector explanations', () => {
  const p = (labels: Record<string, string>, name = 'p1') => ({ metadata: { name, labels } }) as Pod;
  it('spots a typo in one value', () => {
    expect(explainSelectorMiss({ app: 'catalgo' }, [p({ app: 'catalog' })]).text).toBe('selector app=catalgo matches no pod; pods are labelled app=catalog (a typo?)');
  });
  it('names a different value without calling it a typo', () => {
    expect(explainSelectorMiss({ app: 'cart', track: 'canary' }, [p({ app: 'cart', track: 'stable' })]).text).toBe('selector track=canary matches no pod; pods are labelled track=stable');
  });
  it('says so when nothing is close', () => {
    expect(explainSelectorMiss({ app: 'x', tier: 'y' }, [p({ app: 'z' })]).text).toBe('selector app=x,tier=y matches no pod in the namespace');
  });
});

describe('engine precedence', () => {
  it('a DNS failure outranks the crash loop it causes', () => {
    const b = bundle([crashing()], { logs: [previousLog('app', ['dial tcp: lookup postgres on 10.96.0.10:53: no such host'])] });
    const r = diagnose(b);
    expect(r.diagnosis.id).toBe('dns.resolution-failure');
    expect(r.diagnosis.nextSteps.map((s) => s.command)).toContain('kubectl -n shop get svc postgres');
    expect(r.alternatives.map((a) => a.id)).toContain('crashloop.app-error');
  });
  it('a default-deny egress policy outranks the DNS timeout it causes', () => {
    const b = bundle([crashing(), defaultDenyEgress], { logs: [previousLog('app', ['dial tcp: lookup postgres on 10.96.0.10:53: read udp 10.244.1.7:39285->10.96.0.10:53: i/o timeout'])] });
    const r = diagnose(b);
    expect(r.diagnosis.id).toBe('network.policy-blocked');
    expect(r.alternatives.map((a) => a.id)).toContain('dns.resolution-failure');
  });
  it('offers the selector fix as a reversible patch', () => {
    const b = bundle([service('catalog', { selector: { app: 'catalgo' } }), endpointSlice('catalog', []),
      pod({ name: 'catalog-5d8f7c9b6-abcde', labels: { app: 'catalog' } })], svcTarget('catalog'));
    const steps = diagnose(b).diagnosis.nextSteps;
    expect(steps[0]!.command).toBe("kubectl -n shop get service catalog -o jsonpath='{.spec.selector}'");
    expect(steps.find((s) => s.safety === 'reversible')?.command).toBe(`kubectl -n shop patch service catalog -p '{"spec":{"selector":{"app":"catalog"}}}'`);
    expect(buildSnapshot(b).scopePods).toHaveLength(0);
  });
});
