// Node entry point: read config, pick the evidence source, serve createApp on PORT.
import { startNodeServer } from './server.ts';

startNodeServer(process.env).catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
