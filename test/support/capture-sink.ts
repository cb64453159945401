// A webhook endpoint on loopback that records what it receives and can be told to fail first.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CaptureSink {
  url: string;
  /** Bodies accepted (2xx), parsed. */
  received: Array<{ alerts: Array<{ fingerprint?: string; labels: Record<string, string>; annotations: Record<string, string>; kubetriage?: unknown }> }>;
  /** Requests answered with a failure. */
  rejected: number;
  /** Answer the next `n` requests with `status`. */
  failNext(n: number, status?: number): void;
  close(): Promise<void>;
}

export async function startCaptureSink(): Promise<CaptureSink> {
  let failures = 0;
  let failStatus = 503;
  const sink: Omit<CaptureSink, 'url' | 'close'> & { failNext: CaptureSink['failNext'] } = {
    received: [],
    rejected: 0,
    failNext: (n, status = 503) => { failures = n; failStatus = status; },
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (failures > 0) {
        failures--;
        sink.rejected++;
        res.writeHead(failStatus).end();
        return;
      }
      sink.received.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return Object.assign(sink, {
    url: `http://127.0.0.1:${port}/hook`,
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  }) as CaptureSink;
}

/** Polls until `check` is true or the timeout passes; returns whether it became true. */
export async function eventually(check: () => boolean, timeoutMs: number, stepMs = 100): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, stepMs));
  }
  return check();
}
