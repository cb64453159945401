// Graceful shutdown for the Node entry. Kubernetes sends SIGTERM, waits
// terminationGracePeriodSeconds, then SIGKILLs: in between, stop accepting connections, let the
// requests in flight finish (an Alertmanager group being enriched and forwarded), then exit.
// Past the timeout the remaining connections are cut and the exit code is 1.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';

export interface GracefulShutdownOptions {
  /** How long in-flight requests may take to finish after the signal. */
  timeoutMs: number;
  /** Called with 0 once drained, 1 when the timeout cut requests off. Usually process.exit. */
  exit: (code: number) => void;
  /** Called first, e.g. to log that shutdown started. */
  onSignal?: (signal: NodeJS.Signals) => void;
  /** Default SIGTERM and SIGINT. */
  signals?: NodeJS.Signals[];
  /** Where signals are listened for; default the process (tests pass an emitter). */
  emitter?: Pick<NodeJS.EventEmitter, 'once' | 'removeListener'>;
}

export interface GracefulShutdown {
  /** Runs the shutdown as if a signal had arrived; resolves once exit was called. */
  shutdown(signal?: NodeJS.Signals): Promise<void>;
  /** Removes the signal listeners (the server keeps running). */
  uninstall(): void;
}

export function installGracefulShutdown(server: Server, options: GracefulShutdownOptions): GracefulShutdown {
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  const emitter = options.emitter ?? process;
  let draining: Promise<void> | undefined;

  // Keep-alive connections outlive server.close(): a request arriving on one after the signal is
  // still answered, but with `Connection: close`, and every connection that goes idle is closed,
  // so the drain ends as soon as the last in-flight response is sent.
  const onRequest = (_req: IncomingMessage, res: ServerResponse) => {
    if (draining && !res.headersSent) res.setHeader('connection', 'close');
    res.once('finish', () => {
      if (draining) setImmediate(() => server.closeIdleConnections());
    });
  };
  server.prependListener('request', onRequest);

  const shutdown = (signal: NodeJS.Signals = 'SIGTERM'): Promise<void> => {
    if (draining) return draining;
    options.onSignal?.(signal);
    draining = new Promise<void>((resolve) => {
      let done = false;
      const finish = (code: number) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        options.exit(code);
        resolve();
      };
      const timer = setTimeout(() => {
        server.closeAllConnections();
        finish(1);
      }, options.timeoutMs);
      server.close(() => finish(0));
      server.closeIdleConnections();
    });
    return draining;
  };

  const handlers = new Map<NodeJS.Signals, () => void>();
  for (const s of signals) {
    const h = () => void shutdown(s);
    handlers.set(s, h);
    emitter.once(s, h);
  }

  return {
    shutdown,
    uninstall() {
      for (const [s, h] of handlers) emitter.removeListener(s, h);
      server.removeListener('request', onRequest);
    },
  };
}
