// The kubelet end of `pods/log`: the real kube-apiserver proxies a log request to
// https://<node InternalIP>:<status.daemonEndpoints.kubeletEndpoint.Port>/containerLogs/<ns>/<pod>/<container>
// with the query it was given (previous, tailLines, limitBytes). Without --kubelet-certificate-authority
// the API server does not verify the kubelet's certificate, so a self-signed one is enough.
// This serves staged logs the way the kubelet applies tailLines then limitBytes, and records what
// the API server asked for.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

export interface KubeletStandIn {
  port: number;
  /** Path and query of every request the API server proxied here. */
  requests: string[];
  /** Sets the log of one container instance (`previous` = the terminated instance before the current one). */
  setLog(namespace: string, pod: string, container: string, previous: boolean, text: string): void;
  close(): Promise<void>;
}

export async function startKubeletStandIn(): Promise<KubeletStandIn> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kubetriage-kubelet-'));
  try {
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-days', '1',
      '-keyout', path.join(dir, 'kubelet.key'), '-out', path.join(dir, 'kubelet.crt'),
      '-subj', '/CN=kubelet', '-addext', 'subjectAltName=IP:127.0.0.1',
    ], { stdio: ['ignore', 'ignore', 'pipe'] });
    const key = fs.readFileSync(path.join(dir, 'kubelet.key'));
    const cert = fs.readFileSync(path.join(dir, 'kubelet.crt'));
    const logs = new Map<string, string>();
    const requests: string[] = [];
    const server = https.createServer({ key, cert }, (req, res) => {
      requests.push(req.url ?? '');
      const url = new URL(req.url ?? '/', 'https://kubelet');
      const m = /^\/containerLogs\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(url.pathname);
      const previous = url.searchParams.get('previous') === 'true';
      const text = m ? logs.get(`${m[1]}/${m[2]}/${m[3]}/${previous}`) : undefined;
      if (text === undefined) {
        res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('404 page not found\n');
        return;
      }
      let lines = text.split('\n');
      if (lines.at(-1) === '') lines.pop();
      const tail = url.searchParams.get('tailLines');
      if (tail !== null) lines = lines.slice(Math.max(0, lines.length - Number(tail)));
      let body = Buffer.from(lines.map((l) => `${l}\n`).join(''), 'utf8');
      const limit = url.searchParams.get('limitBytes');
      if (limit !== null && body.length > Number(limit)) body = body.subarray(0, Number(limit));
      res.writeHead(200, { 'Content-Type': 'text/plain' }).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return {
      port: (server.address() as AddressInfo).port,
      requests,
      setLog(namespace, pod, container, previous, text) {
        logs.set(`${namespace}/${pod}/${container}/${previous}`, text);
      },
      close: () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
