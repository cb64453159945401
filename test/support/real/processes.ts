// Process handling shared by the real-component harnesses (kube-apiserver with etcd, Alertmanager):
// finding binaries, free loopback ports, starting and stopping children with their output in a log
// file, waiting for readiness, and never leaving a process or a temp dir behind.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';

function isExecutable(p: string): boolean {
  try {
    fs.accessSync(p, fs.constants.X_OK);
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

/** First executable among explicit candidates, then each name on PATH. */
export function whichBinary(candidates: Array<string | undefined>, ...names: string[]): string | undefined {
  for (const c of candidates) if (c && isExecutable(c)) return c;
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    for (const name of names) if (dir && isExecutable(path.join(dir, name))) return path.join(dir, name);
  }
  return undefined;
}

const liveChildren = new Set<ChildProcess>();
const liveTmpDirs = new Set<string>();
let exitHookInstalled = false;

/** On exit (even without stop()), kill what is still running and remove the temp dirs. */
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

/** A temp dir removed on exit, or by removeTmpDir. */
export function tmpDir(prefix: string, parent: string): string {
  installExitHook();
  const dir = fs.mkdtempSync(path.join(parent, prefix));
  liveTmpDirs.add(dir);
  return dir;
}

export function removeTmpDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
  liveTmpDirs.delete(dir);
}

export function freePort(): Promise<number> {
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

export function logTail(file: string, lines = 40): string {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

export interface Proc {
  child: ChildProcess;
  logFile: string;
  exited: Promise<number | null>;
  hasExited(): boolean;
}

export function startProcess(bin: string, args: string[], logFile: string): Proc {
  installExitHook();
  const fd = fs.openSync(logFile, 'a');
  const child = spawn(bin, args, { stdio: ['ignore', fd, fd] });
  fs.closeSync(fd);
  liveChildren.add(child);
  let done = false;
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code, signal) => {
      done = true;
      liveChildren.delete(child);
      resolve(code ?? (signal ? -1 : null));
    });
    child.once('error', () => {
      done = true;
      liveChildren.delete(child);
      resolve(-1);
    });
  });
  return { child, logFile, exited, hasExited: () => done };
}

/** SIGTERM, then SIGKILL after the grace period. */
export async function stopProcess(p: Proc, graceMs = 5000): Promise<void> {
  if (p.hasExited()) return;
  p.child.kill('SIGTERM');
  const timer = setTimeout(() => {
    if (!p.hasExited()) p.child.kill('SIGKILL');
  }, graceMs);
  await p.exited;
  clearTimeout(timer);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` until it returns true; fails early, with the log's tail, when the process exits. */
export async function waitUntil(what: string, proc: Proc, probe: () => Promise<boolean>, timeoutMs: number, stepMs = 150): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc.hasExited()) throw new Error(`${what} exited before becoming ready; log tail:\n${logTail(proc.logFile)}`);
    try {
      if (await probe()) return;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) throw new Error(`${what} not ready after ${timeoutMs} ms; log tail:\n${logTail(proc.logFile)}`);
    await sleep(stepMs);
  }
}
