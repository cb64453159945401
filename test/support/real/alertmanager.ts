// Starts a real Alertmanager (Debian's prometheus-alertmanager 0.25, installed by
// .ci/install-real-components.sh) on a free loopback port, clustering disabled, with a single
// webhook receiver pointed at the URL under test.
//
// Only node built-ins are used, so this file can be imported from any test.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

export const INSTALL_HINT = 'run bash .ci/install-real-components.sh (as root, Debian bookworm)';

export interface AlertmanagerAlert {
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  startsAt?: string;
  endsAt?: string;
  generatorURL?: string;
}

export interface StartAlertmanagerOptions {
  webhookUrl: string;
  bearerToken?: string;
  groupWaitMs?: number;
  groupIntervalMs?: number;
  repeatIntervalMs?: number;
  sendResolved?: boolean;
  /** Route group_by; default ['alertname']. Use ['...'] to give each alert its own group. */
  groupBy?: string[];
  /** Readiness timeout. Default 30 s. */
  readyTimeoutMs?: number;
}

export interface RealAlertmanager {
  url: string;
  configFile: string;
  postAlerts(alerts: AlertmanagerAlert[]): Promise<void>;
  stop(): Promise<void>;
}

function isExecutable(p: string): boolean {
  try {
    fs.accessSync(p, fs.constants.X_OK);
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

export function findAlertmanager(): { alertmanager: string } | { missing: string } {
  const candidates = [process.env.KUBETRIAGE_ALERTMANAGER, '/usr/bin/prometheus-alertmanager'];
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir) candidates.push(path.join(dir, 'prometheus-alertmanager'), path.join(dir, 'alertmanager'));
  }
  for (const c of candidates) if (c && isExecutable(c)) return { alertmanager: c };
  return { missing: `missing prometheus-alertmanager (Debian package prometheus-alertmanager): ${INSTALL_HINT}` };
}

const liveChildren = new Set<ChildProcess>();
const liveTmpDirs = new Set<string>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of liveChildren) {
      try {
        child.kill('SIGKILL');
      } catch {
        /* already gone */
      }
    }
    for (const dir of liveTmpDirs) {
      try {
        fs.rmSync(dir, { recursive: true, force: true });
      } catch {
        /* best effort */
      }
    }
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function request(
  url: string,
  method: string,
  body?: string,
  timeoutMs = 5000,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {};
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      headers['Content-Length'] = String(Buffer.byteLength(body));
    }
    const req = http.request(url, { method, headers, timeout: timeoutMs }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${url} timed out`)));
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

function logTail(file: string, lines = 40): string {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Alertmanager durations accept ms/s/m/h units ("500ms"). */
function duration(ms: number): string {
  if (!Number.isFinite(ms) || ms <= 0) throw new Error(`invalid duration ${ms} ms`);
  return `${Math.round(ms)}ms`;
}

function renderConfig(opts: StartAlertmanagerOptions): string {
  // JSON is valid YAML; Alertmanager's loader parses it as YAML.
  const webhook: Record<string, unknown> = {
    url: opts.webhookUrl,
    send_resolved: opts.sendResolved ?? true,
    max_alerts: 0,
  };
  if (opts.bearerToken !== undefined) {
    webhook.http_config = { authorization: { type: 'Bearer', credentials: opts.bearerToken } };
  }
  const config = {
    route: {
      receiver: 'kubetriage',
      group_by: opts.groupBy ?? ['alertname'],
      group_wait: duration(opts.groupWaitMs ?? 1000),
      group_interval: duration(opts.groupIntervalMs ?? 2000),
      repeat_interval: duration(opts.repeatIntervalMs ?? 3_600_000),
    },
    receivers: [{ name: 'kubetriage', webhook_configs: [webhook] }],
  };
  return JSON.stringify(config, null, 2) + '\n';
}

export async function startAlertmanager(opts: StartAlertmanagerOptions): Promise<RealAlertmanager> {
  const found = findAlertmanager();
  if ('missing' in found) throw new Error(found.missing);
  installExitHook();

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kubetriage-am-'));
  liveTmpDirs.add(dir);
  const configFile = path.join(dir, 'alertmanager.yml');
  fs.writeFileSync(configFile, renderConfig(opts), { mode: 0o600 });
  fs.mkdirSync(path.join(dir, 'data'));
  const logFile = path.join(dir, 'alertmanager.log');

  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const fd = fs.openSync(logFile, 'a');
  const child = spawn(
    found.alertmanager,
    [
      `--config.file=${configFile}`,
      `--storage.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      `--web.external-url=${url}`,
      '--cluster.listen-address=',
      '--log.level=warn',
    ],
    { stdio: ['ignore', fd, fd] },
  );
  fs.closeSync(fd);
  liveChildren.add(child);
  let exited = false;
  const exitedP = new Promise<void>((resolve) => {
    const done = () => {
      exited = true;
      liveChildren.delete(child);
      resolve();
    };
    child.once('exit', done);
    child.once('error', done);
  });

  const stop = async () => {
    if (!exited) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => {
        if (!exited) child.kill('SIGKILL');
      }, 5000);
      await exitedP;
      clearTimeout(timer);
    }
    fs.rmSync(dir, { recursive: true, force: true });
    liveTmpDirs.delete(dir);
  };

  try {
    const timeoutMs = opts.readyTimeoutMs ?? 30_000;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (exited) throw new Error(`alertmanager exited before becoming ready; log tail:\n${logTail(logFile)}`);
      try {
        if ((await request(`${url}/-/ready`, 'GET', undefined, 2000)).status === 200) break;
      } catch {
        /* not up yet */
      }
      if (Date.now() > deadline) {
        throw new Error(`alertmanager not ready after ${timeoutMs} ms; log tail:\n${logTail(logFile)}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  } catch (err) {
    await stop();
    throw err;
  }

  return {
    url,
    configFile,
    async postAlerts(alerts: AlertmanagerAlert[]) {
      const res = await request(`${url}/api/v2/alerts`, 'POST', JSON.stringify(alerts));
      if (res.status !== 200) throw new Error(`POST /api/v2/alerts: ${res.status} ${res.text}`);
    },
    stop,
  };
}
