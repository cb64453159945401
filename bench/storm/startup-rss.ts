// Where the Node server's memory goes before any request: VmRSS of fresh processes that load one
// part of it each, from the .ts sources (Node's type stripping, as `npm start` runs it) and
// bundled by esbuild into one minified file (tree-shaken, with the plugins scripts/build-server.ts
// uses for the image). The first rows are floors: bare Node, and a bare Hono server listening.
// Usage: node bench/storm/startup-rss.ts   Prints JSON (MiB; each part includes bare Node).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { SERVER_BUNDLE_PLUGINS } from '../../scripts/build-server.ts';
import { machine, median, round } from '../fixtures/measure.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
// Absolute paths: both Node and esbuild resolve them (esbuild does not take file: URLs).
const src = (p: string) => join(ROOT, p);
const PARTS: Record<string, string> = {
  'bare node': '',
  'Hono on @hono/node-server, listening (no kubetriage code)': `import { serve } from ${JSON.stringify(src('node_modules/@hono/node-server/dist/index.mjs'))}; import { Hono } from ${JSON.stringify(src('node_modules/hono/dist/index.js'))}; const app = new Hono(); app.get('/', (c) => c.text('ok')); const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }); await new Promise((r) => server.once('listening', r)); server.close();`,
  '@kubernetes/client-node (KubeConfig)': `import { KubeConfig } from ${JSON.stringify(src('node_modules/@kubernetes/client-node/dist/index.js'))}; globalThis.keep = KubeConfig;`,
  'live reader (src/evidence/kube-reader.ts)': `import * as m from ${JSON.stringify(src('src/evidence/kube-reader.ts'))}; globalThis.keep = m;`,
  'OpenTelemetry SDK (src/telemetry/node-sdk.ts)': `import * as m from ${JSON.stringify(src('src/telemetry/node-sdk.ts'))}; globalThis.keep = m;`,
  'prom-client (src/telemetry/prom-metrics.ts)': `import * as m from ${JSON.stringify(src('src/telemetry/prom-metrics.ts'))}; globalThis.keep = m;`,
  'createApp (src/app.ts)': `import * as m from ${JSON.stringify(src('src/app.ts'))}; globalThis.keep = m;`,
  'the whole server (src/runtime/node/server.ts)': `import * as m from ${JSON.stringify(src('src/runtime/node/server.ts'))}; globalThis.keep = m;`,
};
const REPORT = `\nconst s = (await import('node:fs')).readFileSync('/proc/self/status', 'utf8'); process.stdout.write(/VmRSS:\\s+(\\d+)/.exec(s)[1]);`;

const work = mkdtempSync(join(tmpdir(), 'kubetriage-rss-'));
try {
  const rows: Array<{ part: string; sourcesMiB: number; bundledMiB: number; bundleKiB: number }> = [];
  let i = 0;
  for (const [part, code] of Object.entries(PARTS)) {
    const entry = join(work, `part-${i}.mjs`);
    const bundled = join(work, `part-${i++}.bundle.mjs`);
    writeFileSync(entry, code + REPORT);
    const r = await build({
      entryPoints: [entry], outfile: bundled, bundle: true, format: 'esm', platform: 'node', target: 'node22', minify: true, metafile: true, logLevel: 'error', plugins: SERVER_BUNDLE_PLUGINS,
      banner: { js: "import { createRequire as __ktCreateRequire } from 'node:module'; const require = __ktCreateRequire(import.meta.url);" },
    });
    // Median of 5 fresh processes each.
    const rss = (file: string) => median(Array.from({ length: 5 }, () => Number(execFileSync(process.execPath, [file], { encoding: 'utf8', env: { PATH: process.env['PATH'] ?? '' } })) / 1024));
    rows.push({ part, sourcesMiB: round(rss(entry), 1), bundledMiB: round(rss(bundled), 1), bundleKiB: round(Object.values(r.metafile.outputs).reduce((n, o) => n + o.bytes, 0) / 1024, 0) });
  }
  console.log(JSON.stringify({ machine: machine(), vmRssAfterImport: rows }, null, 2));
} finally {
  rmSync(work, { recursive: true, force: true });
}
