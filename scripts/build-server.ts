// Bundles the Node server: `npm run build:server` → dist/server/main.mjs (ESM, Node 22+), which
// the container runs (infra/container/Dockerfile).
//
// Why a bundle: from the .ts sources the server holds about 100 MiB more before its first request
// (Node's type stripping, and all of @kubernetes/client-node: bench/RESULTS.md, "Memory of the
// Node server"). Every dynamic import() stays a chunk of its own beside main.mjs, loaded only when
// used: the demo cluster machinery, the OpenTelemetry SDK. Nothing is external except Node's
// built-ins, so the image needs no node_modules. openapi.yaml and the demo cluster snapshot are
// read at run time: they are copied beside main.mjs, where src/runtime/node/server.ts looks for
// them when bundled (FILES_ROOT).
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { loadedWith, zodEnglishOnly } from './bundle-common.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Where `npm run build:server` writes, relative to the repository; the image keeps the same path. */
export const SERVER_BUNDLE_DIR = 'dist/server';
/** Read by the server at run time: from the repository, or from beside the bundle. */
export const SERVER_FILES = ['openapi.yaml', 'examples/demo-cluster'];

export interface BundleFile {
  /** Absolute. */
  path: string;
  bytes: number;
  /** Loaded when the server starts: main.mjs and what it imports statically. Otherwise reached only through import(). */
  atStart: boolean;
  /** Source files in it, relative to the repository. */
  inputs: string[];
  /** Imports left to Node at run time (its built-ins, and optional add-ons required in a try). */
  external: string[];
}

export interface ServerBundle {
  /** Absolute path of main.mjs. */
  entry: string;
  files: BundleFile[];
}

// @kubernetes/client-node declares no "sideEffects", so esbuild keeps every module its index
// re-exports: ObjectSerializer and about 700 generated model classes, all evaluated at start
// although the server uses only KubeConfig (4 to 7 MiB of RSS). Its modules do nothing at import
// but define their exports (static class fields at most), except polyfill.js (a global File for
// Node 18), which the package index imports and which stays with it.
export const clientNodeWithoutSideEffects: Plugin = {
  name: 'client-node-without-side-effects',
  setup(b) {
    const CLIENT_NODE = `${sep}@kubernetes${sep}client-node${sep}`;
    b.onResolve({ filter: /.*/ }, async (args) => {
      if (args.pluginData === 'resolved' || !args.importer.includes(CLIENT_NODE)) return undefined;
      const r = await b.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: 'resolved' });
      if (r.errors.length > 0 || !r.path.includes(CLIENT_NODE) || r.path.endsWith(`${sep}polyfill.js`)) return undefined;
      return { ...r, sideEffects: false };
    });
  },
};

// client-node imports undici at top level for what the server never runs: the dispatcher of
// applyToFetchOptions (config.js) and the fetch of its generated API clients
// (gen/http/isomorphic-fetch.js, kept because KubeConfig.makeApiClient refers to it). That import
// evaluates all of undici (730 KiB minified) at start. The reader sends over node:http with what
// applyToHTTPSOptions gives (src/evidence/kube-reader.ts), so client-node's undici resolves to
// stand-ins that say so if they are ever called.
export const clientNodeWithoutUndici: Plugin = {
  name: 'client-node-without-undici',
  setup(b) {
    const CLIENT_NODE = `${sep}@kubernetes${sep}client-node${sep}`;
    b.onResolve({ filter: /^undici$/ }, (args) => (args.importer.includes(CLIENT_NODE) ? { path: 'undici', namespace: 'undici-not-bundled' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'undici-not-bundled' }, () => {
      const why = 'is not bundled: kubetriage reads through applyToHTTPSOptions and node:http (scripts/build-server.ts)';
      return {
        loader: 'js',
        contents: [
          ...['Agent', 'ProxyAgent'].map((name) => `export class ${name} { constructor() { throw new Error('undici ${name} ${why}'); } }`),
          `export function fetch() { return Promise.reject(new Error('undici fetch ${why}')); }`,
        ].join('\n'),
      };
    });
  },
};

/** Every plugin of the server bundle (bench/storm/startup-rss.ts bundles its parts the same way). */
export const SERVER_BUNDLE_PLUGINS: Plugin[] = [clientNodeWithoutSideEffects, clientNodeWithoutUndici, zodEnglishOnly];

export async function bundleServer(o: { outdir: string; minify?: boolean }): Promise<ServerBundle> {
  rmSync(o.outdir, { recursive: true, force: true });
  mkdirSync(o.outdir, { recursive: true });
  const r = await build({
    entryPoints: { main: join(ROOT, 'src/runtime/node/main.ts') },
    outdir: o.outdir,
    entryNames: '[name]',
    chunkNames: 'chunk-[hash]',
    outExtension: { '.js': '.mjs' },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node22',
    minify: o.minify ?? true,
    metafile: true,
    absWorkingDir: ROOT, // metafile paths are relative to it
    logLevel: 'warning',
    plugins: SERVER_BUNDLE_PLUGINS,
    // Some bundled CommonJS dependencies call require() for Node built-ins; ESM has no require.
    banner: { js: "import { createRequire as __ktCreateRequire } from 'node:module'; const require = __ktCreateRequire(import.meta.url);" },
  });
  for (const f of SERVER_FILES) cpSync(join(ROOT, f), join(o.outdir, f), { recursive: true });
  const outputs = r.metafile.outputs;
  // Chunks reached through import() are entry points too; main.mjs is the one from main.ts.
  const entryPath = Object.keys(outputs).find((p) => outputs[p]!.entryPoint === 'src/runtime/node/main.ts');
  if (!entryPath) throw new Error(`no entry point was written to ${o.outdir}`);
  const atStart = loadedWith(outputs, entryPath);
  return {
    entry: resolve(ROOT, entryPath),
    files: Object.keys(outputs).filter((p) => p.endsWith('.mjs')).map((p) => ({
      path: resolve(ROOT, p),
      bytes: outputs[p]!.bytes,
      atStart: atStart.has(p),
      inputs: Object.keys(outputs[p]!.inputs).sort(),
      external: [...new Set(outputs[p]!.imports.filter((i) => i.external).map((i) => i.path))].sort(),
    })),
  };
}

if (import.meta.main) {
  const r = await bundleServer({ outdir: join(ROOT, SERVER_BUNDLE_DIR) });
  const kib = (files: BundleFile[]) => `${(files.reduce((n, f) => n + f.bytes, 0) / 1024).toFixed(0)} KiB`;
  const start = r.files.filter((f) => f.atStart);
  console.log(`${relative(ROOT, r.entry)}: ${kib(start)} loaded at start in ${start.length} file(s); ${kib(r.files.filter((f) => !f.atStart))} in ${r.files.length - start.length} lazy chunk(s); run: node ${relative(ROOT, r.entry)}`);
}
