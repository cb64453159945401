// Starts a real kube-apiserver (v1.20.2, built from Debian's source package by
// .ci/install-real-components.sh) backed by a real etcd (Debian etcd-server), on free loopback
// ports, with TLS, token authentication and RBAC. There are no controllers, no scheduler and no
// kubelet: tests create objects and PATCH .../status themselves.
// See /work/shared/real-kube-apiserver.md for the facts this relies on.
//
// Only node built-ins are used, so this file can be imported from any test.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { freePort, logTail, removeTmpDir, startProcess, stopProcess, tmpDir, waitUntil, whichBinary, type Proc } from './processes.ts';

export { freePort, logTail, whichBinary };

export const INSTALL_HINT = 'run bash .ci/install-real-components.sh (as root, Debian bookworm)';
export const READONLY_USER = 'kapi-readonly';
export const ADMIN_USER = 'kapi-admin';

const CACHE_BIN = '/var/cache/kubetriage/bin';

export interface TokenUser {
  token: string;
  user: string;
  uid: string;
  groups: string[];
}

export interface RealKubeApiServer {
  url: string;
  caPem: string;
  caFile: string;
  adminToken: string;
  readonlyToken: string;
  readonlyUser: string;
  writeKubeconfig(path: string, which: 'admin' | 'readonly'): void;
  stop(): Promise<void>;
}

export interface KubeResponse {
  status: number;
  /** Parsed JSON body, or undefined when the body is empty or not JSON. */
  json: any;
  text: string;
  headers: http.IncomingHttpHeaders;
}

// ---------------------------------------------------------------------------------------------
// Locating binaries
// ---------------------------------------------------------------------------------------------



export function findKubeApiServer(): { apiserver: string; etcd: string } | { missing: string } {
  const apiserver = whichBinary(
    [process.env.KUBETRIAGE_KUBE_APISERVER, path.join(CACHE_BIN, 'kube-apiserver')],
    'kube-apiserver',
  );
  const etcd = whichBinary([process.env.KUBETRIAGE_ETCD, '/usr/bin/etcd'], 'etcd');
  const missing: string[] = [];
  if (!apiserver) missing.push(`kube-apiserver (expected at ${CACHE_BIN}/kube-apiserver)`);
  if (!etcd) missing.push('etcd (Debian package etcd-server)');
  if (missing.length > 0) return { missing: `missing ${missing.join(' and ')}: ${INSTALL_HINT}` };
  return { apiserver: apiserver!, etcd: etcd! };
}

// ---------------------------------------------------------------------------------------------
// Process handling
// ---------------------------------------------------------------------------------------------










function httpGetStatus(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { timeout: 2000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

// ---------------------------------------------------------------------------------------------
// Certificates and tokens
// ---------------------------------------------------------------------------------------------

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

function makeCertificates(dir: string): { caFile: string; certFile: string; keyFile: string; saKey: string; saPub: string } {
  openssl(
    [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-days', '2',
      '-keyout', 'ca.key', '-out', 'ca.crt', '-subj', '/CN=kubetriage-test-ca',
      '-addext', 'basicConstraints=critical,CA:TRUE',
      '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
    ],
    dir,
  );
  openssl(
    ['req', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=kube-apiserver'],
    dir,
  );
  fs.writeFileSync(
    path.join(dir, 'server.ext'),
    [
      'basicConstraints=CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage=serverAuth',
      'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,IP:10.96.0.1',
      '',
    ].join('\n'),
  );
  openssl(
    [
      'x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial',
      '-sha256', '-days', '2', '-out', 'server.crt', '-extfile', 'server.ext',
    ],
    dir,
  );
  openssl(['genrsa', '-out', 'sa.key', '2048'], dir);
  openssl(['rsa', '-in', 'sa.key', '-pubout', '-out', 'sa.pub'], dir);
  return {
    caFile: path.join(dir, 'ca.crt'),
    certFile: path.join(dir, 'server.crt'),
    keyFile: path.join(dir, 'server.key'),
    saKey: path.join(dir, 'sa.key'),
    saPub: path.join(dir, 'sa.pub'),
  };
}

const randomToken = () => randomBytes(24).toString('hex');

function tokenLine(t: TokenUser): string {
  for (const v of [t.token, t.user, t.uid, ...t.groups]) {
    if (/[",\n]/.test(v)) throw new Error(`token-auth value may not contain comma, quote or newline: ${v}`);
  }
  return t.groups.length > 0 ? `${t.token},${t.user},${t.uid},"${t.groups.join(',')}"` : `${t.token},${t.user},${t.uid}`;
}

// ---------------------------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------------------------

const agents = new WeakMap<RealKubeApiServer, https.Agent>();

function agentFor(server: RealKubeApiServer): https.Agent {
  let agent = agents.get(server);
  if (!agent) {
    agent = new https.Agent({ keepAlive: true, ca: server.caPem, maxSockets: 16 });
    agents.set(server, agent);
  }
  return agent;
}

export interface KubeRequestOptions {
  token: string;
  method: string;
  path: string;
  body?: unknown;
  /** Defaults to application/json; use application/merge-patch+json or
   * application/strategic-merge-patch+json for PATCH. For PATCH without an explicit type,
   * application/merge-patch+json is used. */
  contentType?: string;
  timeoutMs?: number;
}

/** One request to the API server with a bearer token, verifying TLS against the test CA. */
export function kubeRequest(server: RealKubeApiServer, opts: KubeRequestOptions): Promise<KubeResponse> {
  const url = new URL(opts.path, server.url);
  const method = opts.method.toUpperCase();
  const payload =
    opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
  const headers: Record<string, string> = { Accept: 'application/json', Authorization: `Bearer ${opts.token}` };
  if (payload !== undefined) {
    headers['Content-Type'] =
      opts.contentType ?? (method === 'PATCH' ? 'application/merge-patch+json' : 'application/json');
    headers['Content-Length'] = String(Buffer.byteLength(payload));
  }
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      { method, headers, agent: agentFor(server), timeout: opts.timeoutMs ?? 15000 },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => {
          let json: any;
          if (text.length > 0) {
            try {
              json = JSON.parse(text);
            } catch {
              json = undefined;
            }
          }
          resolve({ status: res.statusCode ?? 0, json, text, headers: res.headers });
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${opts.path} timed out`)));
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

/** A request as the admin user (system:masters). */
export function applyAdmin(
  server: RealKubeApiServer,
  method: string,
  path: string,
  body?: unknown,
  contentType?: string,
): Promise<{ status: number; json: any }> {
  return kubeRequest(server, { token: server.adminToken, method, path, body, contentType });
}

/** A request as the read-only user `kapi-readonly`. */
export function asReadonly(
  server: RealKubeApiServer,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: any }> {
  return kubeRequest(server, { token: server.readonlyToken, method, path, body });
}

/** Binds `kapi-readonly` to an existing ClusterRole (idempotent). */
export async function bindReadonlyUser(server: RealKubeApiServer, clusterRoleName: string): Promise<void> {
  const name = `${server.readonlyUser}-${clusterRoleName}`.slice(0, 253);
  const binding = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: clusterRoleName },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: server.readonlyUser }],
  };
  const res = await applyAdmin(server, 'POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', binding);
  if (res.status === 201 || res.status === 200) return;
  if (res.status === 409) {
    const put = await applyAdmin(server, 'PUT', `/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/${name}`, binding);
    if (put.status === 200) return;
    throw new Error(`updating ClusterRoleBinding ${name}: ${put.status} ${JSON.stringify(put.json)}`);
  }
  throw new Error(`creating ClusterRoleBinding ${name}: ${res.status} ${JSON.stringify(res.json)}`);
}

// ---------------------------------------------------------------------------------------------
// Start / stop
// ---------------------------------------------------------------------------------------------

export interface StartRealKubeApiServerOptions {
  extraTokens?: TokenUser[];
  /** Readiness timeout for etcd + kube-apiserver together. Default 90 s. */
  readyTimeoutMs?: number;
}

export async function startRealKubeApiServer(opts: StartRealKubeApiServerOptions = {}): Promise<RealKubeApiServer> {
  const found = findKubeApiServer();
  if ('missing' in found) throw new Error(found.missing);
  const readyTimeoutMs = opts.readyTimeoutMs ?? 90_000;
  const started = Date.now();

  const dir = tmpDir('kubetriage-kapi-', os.tmpdir());
  let etcd: Proc | undefined;
  let apiserver: Proc | undefined;
  let agentServer: RealKubeApiServer | undefined;

  const cleanup = async () => {
    if (apiserver) await stopProcess(apiserver);
    if (etcd) await stopProcess(etcd);
    if (agentServer) agents.get(agentServer)?.destroy();
    removeTmpDir(dir);
  };

  try {
    const certs = makeCertificates(dir);
    const caPem = fs.readFileSync(certs.caFile, 'utf8');

    const adminToken = randomToken();
    const readonlyToken = randomToken();
    const tokens: TokenUser[] = [
      { token: adminToken, user: ADMIN_USER, uid: 'kapi-admin-uid', groups: ['system:masters'] },
      { token: readonlyToken, user: READONLY_USER, uid: 'kapi-readonly-uid', groups: [] },
      ...(opts.extraTokens ?? []),
    ];
    const tokenFile = path.join(dir, 'tokens.csv');
    fs.writeFileSync(tokenFile, tokens.map(tokenLine).join('\n') + '\n', { mode: 0o600 });

    // etcd
    const etcdClientPort = await freePort();
    const etcdPeerPort = await freePort();
    const etcdClient = `http://127.0.0.1:${etcdClientPort}`;
    const etcdPeer = `http://127.0.0.1:${etcdPeerPort}`;
    etcd = startProcess(
      found.etcd,
      [
        '--name=kubetriage-test',
        `--data-dir=${path.join(dir, 'etcd')}`,
        `--listen-client-urls=${etcdClient}`,
        `--advertise-client-urls=${etcdClient}`,
        `--listen-peer-urls=${etcdPeer}`,
        `--initial-advertise-peer-urls=${etcdPeer}`,
        `--initial-cluster=kubetriage-test=${etcdPeer}`,
        '--initial-cluster-state=new',
        '--logger=zap',
        '--log-level=warn',
      ],
      path.join(dir, 'etcd.log'),
    );
    const etcdProc = etcd;
    await waitUntil(
      'etcd',
      etcdProc,
      async () => {
        const r = await httpGetStatus(`${etcdClient}/health`);
        return r.status === 200 && r.body.includes('true');
      },
      Math.max(1000, readyTimeoutMs - (Date.now() - started)),
    );

    // kube-apiserver
    const securePort = await freePort();
    apiserver = startProcess(
      found.apiserver,
      [
        `--etcd-servers=${etcdClient}`,
        '--bind-address=127.0.0.1',
        '--advertise-address=127.0.0.1',
        `--secure-port=${securePort}`,
        '--insecure-port=0',
        '--endpoint-reconciler-type=none',
        '--kubelet-preferred-address-types=InternalIP',
        `--tls-cert-file=${certs.certFile}`,
        `--tls-private-key-file=${certs.keyFile}`,
        `--client-ca-file=${certs.caFile}`,
        `--cert-dir=${path.join(dir, 'cert-dir')}`,
        `--token-auth-file=${tokenFile}`,
        '--service-account-issuer=https://kubernetes.default.svc',
        `--service-account-key-file=${certs.saPub}`,
        `--service-account-signing-key-file=${certs.saKey}`,
        '--api-audiences=https://kubernetes.default.svc',
        '--authorization-mode=RBAC',
        '--service-cluster-ip-range=10.96.0.0/12',
        '--disable-admission-plugins=ServiceAccount',
        '--anonymous-auth=false',
        '--profiling=false',
        '--v=0',
      ],
      path.join(dir, 'kube-apiserver.log'),
    );

    const server: RealKubeApiServer = {
      url: `https://127.0.0.1:${securePort}`,
      caPem,
      caFile: certs.caFile,
      adminToken,
      readonlyToken,
      readonlyUser: READONLY_USER,
      writeKubeconfig(file: string, which: 'admin' | 'readonly') {
        const user = which === 'admin' ? ADMIN_USER : READONLY_USER;
        const token = which === 'admin' ? adminToken : readonlyToken;
        // JSON is valid YAML, so any kubeconfig loader reads this.
        const kubeconfig = {
          apiVersion: 'v1',
          kind: 'Config',
          clusters: [
            {
              name: 'kubetriage-test',
              cluster: { server: server.url, 'certificate-authority-data': Buffer.from(caPem).toString('base64') },
            },
          ],
          users: [{ name: user, user: { token } }],
          contexts: [{ name: `${user}@kubetriage-test`, context: { cluster: 'kubetriage-test', user } }],
          'current-context': `${user}@kubetriage-test`,
          preferences: {},
        };
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, JSON.stringify(kubeconfig, null, 2) + '\n', { mode: 0o600 });
      },
      async stop() {
        await cleanup();
      },
    };
    agentServer = server;

    const apiProc = apiserver;
    await waitUntil(
      'kube-apiserver',
      apiProc,
      async () => {
        const r = await kubeRequest(server, { token: adminToken, method: 'GET', path: '/readyz', timeoutMs: 3000 });
        return r.status === 200;
      },
      Math.max(1000, readyTimeoutMs - (Date.now() - started)),
    );
    return server;
  } catch (err) {
    await cleanup();
    throw err;
  }
}
