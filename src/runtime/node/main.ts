// Node entry point: read config, pick the evidence source, serve createApp on PORT; on SIGTERM
// stop accepting, drain in-flight requests (up to 20 s, inside the pod's 30 s grace period), exit.
import type { Server } from 'node:http';
import { startNodeServer } from './server.ts';
import { installGracefulShutdown } from './graceful.ts';

startNodeServer(process.env).then((running) => {
  installGracefulShutdown(running.server as Server, {
    timeoutMs: 20_000,
    onSignal: (signal) => running.log({ msg: 'draining', signal }),
    exit: (code) => void running.release().finally(() => process.exit(code)),
  });
}, (err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
