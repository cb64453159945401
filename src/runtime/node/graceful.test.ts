import { EventEmitter } from 'node:events';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { installGracefulShutdown } from './graceful.ts';

interface Deferred<T = void> {
  promise: Promise<T>;
  resolve: (v: T) => void;
}
function deferred<T = void>(): Deferred<T> {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** A real server whose /slow route waits until the test releases it. */
async function startServer() {
  const entered = deferred();
  const release = deferred();
  const app = new Hono();
  app.get('/fast', (c) => c.text('fast'));
  app.get('/slow', async (c) => {
    entered.resolve();
    await release.promise;
    return c.text('slow done');
  });
  const server = await new Promise<http.Server>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s as http.Server));
  });
  const port = (server.address() as AddressInfo).port;
  return { server, port, entered, release };
}

function get(port: number, path: string, agent?: http.Agent): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent: agent ?? false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

describe('installGracefulShutdown', () => {
  it('on SIGTERM stops accepting, lets the in-flight request finish, then exits 0', async () => {
    const { server, port, entered, release } = await startServer();
    cleanups.push(() => server.closeAllConnections());
    const signals = new EventEmitter();
    const exits: number[] = [];
    const seen: string[] = [];
    const exited = deferred();
    installGracefulShutdown(server, {
      timeoutMs: 60_000,
      emitter: signals,
      onSignal: (s) => seen.push(s),
      exit: (code) => {
        exits.push(code);
        exited.resolve();
      },
    });

    const slow = get(port, '/slow');
    await entered.promise;
    signals.emit('SIGTERM');
    expect(seen).toEqual(['SIGTERM']);

    // New connections are refused while the slow request is still running.
    await expect(get(port, '/fast')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    expect(exits).toEqual([]);

    release.resolve();
    const res = await slow;
    expect(res).toMatchObject({ status: 200, body: 'slow done' });
    await exited.promise;
    expect(exits).toEqual([0]);
    expect(server.listening).toBe(false);
  });

  it('cuts requests still running at the timeout and exits 1', async () => {
    const { server, port, entered, release } = await startServer();
    cleanups.push(() => release.resolve());
    const exited = deferred<number>();
    const graceful = installGracefulShutdown(server, { timeoutMs: 50, emitter: new EventEmitter(), exit: (code) => exited.resolve(code) });

    const slow = get(port, '/slow');
    await entered.promise;
    void graceful.shutdown();
    expect(await exited.promise).toBe(1);
    await expect(slow).rejects.toMatchObject({ code: 'ECONNRESET' });
  });

  it('does not wait for idle keep-alive connections', async () => {
    const { server, port } = await startServer();
    cleanups.push(() => server.closeAllConnections());
    const agent = new http.Agent({ keepAlive: true });
    cleanups.push(() => agent.destroy());
    const first = await get(port, '/fast', agent);
    expect(first.headers['connection']).toBe('keep-alive');
    const exits: number[] = [];
    // A timeout far beyond the test's own: passing means the idle connection did not hold the drain.
    const graceful = installGracefulShutdown(server, { timeoutMs: 600_000, emitter: new EventEmitter(), exit: (code) => exits.push(code) });
    await graceful.shutdown();
    expect(exits).toEqual([0]);
  });

  it('answers a request that arrives on a busy keep-alive connection during the drain with Connection: close', async () => {
    const { server, port, entered, release } = await startServer();
    cleanups.push(() => server.closeAllConnections());
    const exited = deferred<number>();
    const graceful = installGracefulShutdown(server, { timeoutMs: 60_000, emitter: new EventEmitter(), exit: (code) => exited.resolve(code) });
    // A second request pipelined on the busy connection after the signal.
    const socket = net.connect(port, '127.0.0.1');
    cleanups.push(() => socket.destroy());
    let raw = '';
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (raw += d));
    const closed = new Promise<void>((r) => socket.once('close', () => r()));
    socket.write('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n');
    await entered.promise;
    void graceful.shutdown();
    const handled = new Promise<void>((r) => server.once('request', () => r()));
    socket.write('GET /fast HTTP/1.1\r\nHost: x\r\n\r\n');
    await handled;
    release.resolve();
    await closed;
    const responses = raw.split(/(?=HTTP\/1\.1 )/);
    expect(responses).toHaveLength(2);
    expect(responses[0]).toMatch(/slow done$/);
    expect(responses[1]).toMatch(/^HTTP\/1\.1 200 OK/);
    expect(responses[1]).toMatch(/\r\nconnection: close\r\n/i);
    expect(responses[1]).toMatch(/fast$/);
    expect(await exited.promise).toBe(0);
  });

  it('shuts down once however many signals arrive, and uninstall removes the listeners', async () => {
    const { server } = await startServer();
    const signals = new EventEmitter();
    const exits: number[] = [];
    const graceful = installGracefulShutdown(server, { timeoutMs: 60_000, emitter: signals, exit: (code) => exits.push(code) });
    expect(signals.listenerCount('SIGTERM')).toBe(1);
    expect(signals.listenerCount('SIGINT')).toBe(1);
    const a = graceful.shutdown('SIGINT');
    const b = graceful.shutdown('SIGTERM');
    expect(a).toBe(b);
    await a;
    expect(exits).toEqual([0]);
    graceful.uninstall();
    expect(signals.listenerCount('SIGTERM')).toBe(0);
    expect(signals.listenerCount('SIGINT')).toBe(0);
    expect(server.listenerCount('request')).toBe(1); // only the server's own handler is left
  });
});
