// Starts a real Alertmanager (Debian's prometheus-alertmanager 0.25, installed by
// .ci/install-real-components.sh) on a free loopback port, clustering disabled, with a single
// webhook receiver pointed at the URL under test.
//
// Only node built-ins are used, so this file can be imported from any test.
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort, removeTmpDir, startProcess, stopProcess, tmpDir, waitUntil, whichBinary } from './processes.ts';

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


export function findAlertmanager(): { alertmanager: string } | { missing: string } {
  const alertmanager = whichBinary([process.env.KUBETRIAGE_ALERTMANAGER, '/usr/bin/prometheus-alertmanager'], 'prometheus-alertmanager', 'alertmanager');
  if (alertmanager) return { alertmanager };
  return { missing: `missing prometheus-alertmanager (Debian package prometheus-alertmanager): ${INSTALL_HINT}` };
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
  const dir = tmpDir('kubetriage-am-', os.tmpdir());
  const configFile = path.join(dir, 'alertmanager.yml');
  fs.writeFileSync(configFile, renderConfig(opts), { mode: 0o600 });
  fs.mkdirSync(path.join(dir, 'data'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const proc = startProcess(found.alertmanager, [
    `--config.file=${configFile}`,
    `--storage.path=${path.join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    `--web.external-url=${url}`,
    '--cluster.listen-address=',
    '--log.level=warn',
  ], path.join(dir, 'alertmanager.log'));
  const stop = async () => {
    await stopProcess(proc);
    removeTmpDir(dir);
  };
  try {
    await waitUntil('alertmanager', proc, async () => (await request(`${url}/-/ready`, 'GET', undefined, 2000)).status === 200, opts.readyTimeoutMs ?? 30_000, 100);
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
