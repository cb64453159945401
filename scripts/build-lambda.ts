// Bundles the Lambda function: `npm run build:lambda` → dist/lambda/index.mjs (ESM, Node 22+).
//
// index.mjs is one file holding everything a cold start runs. Every dynamic import() in our own
// source is a lazy boundary (AWS signing for secret ARNs; @kubernetes/client-node behind the
// live reader): those modules are bundled separately into dist/lambda/lazy/ and loaded on first
// use. client-node and its HTTP stack alone are about 1.4 MB minified. Nothing is external except
// Node's built-ins; the AWS SDK pieces are bundled too, so the function does not depend on the
// SDK version the Lambda runtime happens to ship.
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Metafile, type Plugin } from 'esbuild';
import { loadedWith, zodEnglishOnly } from './bundle-common.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export interface BundleOptions {
  entry: string;
  outdir: string;
  minify?: boolean;
}

export interface BundleFile {
  /** Absolute. */
  path: string;
  bytes: number;
}

export interface BundleReport {
  entry: BundleFile;
  /** The entry and every chunk it imports statically: what a cold start loads. */
  coldPath: BundleFile[];
  coldPathBytes: number;
  /** Source files bundled into the cold path (relative to the repository). */
  coldPathInputs: string[];
  /** Chunks reached only through dynamic import(). */
  lazy: BundleFile[];
  totalBytes: number;
}

// The bundle ships alone, so openapi.yaml goes inside it instead of being read from the repository.
const inlineOpenapi: Plugin = {
  name: 'inline-openapi',
  setup(b) {
    b.onLoad({ filter: /[\\/]runtime[\\/]lambda[\\/]openapi-text\.ts$/ }, () => ({
      contents: `export function openapiYaml() { return ${JSON.stringify(readFileSync(join(ROOT, 'openapi.yaml'), 'utf8'))}; }`,
      loader: 'js',
    }));
  },
};

// The YAML parser is only needed when KUBETRIAGE_CONFIG names a file: our own imports of 'yaml'
// resolve to a stand-in that loads the real parser on demand (src/runtime/lambda/yaml-on-demand.ts).
const yamlOnDemand: Plugin = {
  name: 'yaml-on-demand',
  setup(b) {
    b.onResolve({ filter: /^yaml$/ }, (args) => {
      if (args.importer.includes(`${sep}node_modules${sep}`) || args.importer.endsWith(`${sep}yaml-parser.ts`)) return undefined;
      return { path: join(ROOT, 'src/runtime/lambda/yaml-on-demand.ts') };
    });
  },
};

const common = {
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node22',
  outExtension: { '.js': '.mjs' },
  metafile: true,
  absWorkingDir: ROOT, // metafile paths are relative to it
  logLevel: 'warning',
  // Some bundled CommonJS dependencies call require() for Node built-ins; ESM has no require.
  banner: { js: "import { createRequire as __ktCreateRequire } from 'node:module'; const require = __ktCreateRequire(import.meta.url);" },
} as const;

/** Bundles one Lambda entry the way the function is shipped (the benchmark's bare app too). */
export async function bundleLambda(o: BundleOptions): Promise<BundleReport> {
  rmSync(o.outdir, { recursive: true, force: true });
  mkdirSync(o.outdir, { recursive: true });
  // Pass 1, the entry: each dynamic import() of our own modules stays an import() of ./lazy/<name>.mjs.
  const lazyEntries = new Map<string, string>();
  const lazyBoundaries: Plugin = {
    name: 'lazy-boundaries',
    setup(b) {
      b.onResolve({ filter: /^\.\.?\// }, (args) => {
        if (args.kind !== 'dynamic-import' || args.importer.includes(`${sep}node_modules${sep}`)) return undefined;
        const path = resolve(dirname(args.importer), args.path);
        const name = basename(path).replace(/\.[cm]?[jt]s$/, '');
        if (lazyEntries.has(name) && lazyEntries.get(name) !== path) throw new Error(`two lazy modules are named ${name}`);
        lazyEntries.set(name, path);
        return { path: `./lazy/${name}.mjs`, external: true };
      });
    },
  };
  const entry = await build({ ...common, entryPoints: { index: o.entry }, outdir: o.outdir, entryNames: '[name]', minify: o.minify ?? true, plugins: [inlineOpenapi, zodEnglishOnly, yamlOnDemand, lazyBoundaries] });
  let outputs = entry.metafile.outputs;
  // Pass 2, the lazy modules: split, so what they share (AWS signing) is loaded once.
  if (lazyEntries.size > 0) {
    const lazy = await build({ ...common, entryPoints: Object.fromEntries(lazyEntries), outdir: join(o.outdir, 'lazy'), entryNames: '[name]', chunkNames: 'chunk-[hash]', splitting: true, minify: o.minify ?? true, plugins: [inlineOpenapi, zodEnglishOnly] });
    outputs = { ...outputs, ...lazy.metafile.outputs };
  }
  const entryPath = Object.keys(entry.metafile.outputs).find((p) => entry.metafile.outputs[p]!.entryPoint);
  if (!entryPath) throw new Error(`no entry point was written to ${o.outdir}`);
  return report(outputs, entryPath);
}

function report(outputs: Metafile['outputs'], entryPath: string): BundleReport {
  const file = (path: string): BundleFile => ({ path: resolve(ROOT, path), bytes: outputs[path]!.bytes });
  const cold = loadedWith(outputs, entryPath);
  const js = Object.keys(outputs).filter((p) => p.endsWith('.mjs'));
  const coldPath = [...cold].map(file);
  return {
    entry: file(entryPath),
    coldPath,
    coldPathBytes: coldPath.reduce((n, f) => n + f.bytes, 0),
    coldPathInputs: [...new Set([...cold].flatMap((p) => Object.keys(outputs[p]!.inputs)))].sort(),
    lazy: js.filter((p) => !cold.has(p)).map(file),
    totalBytes: js.reduce((n, p) => n + outputs[p]!.bytes, 0),
  };
}

if (import.meta.main) {
  const r = await bundleLambda({ entry: join(ROOT, 'src/runtime/lambda/index.ts'), outdir: join(ROOT, 'dist/lambda') });
  const kb = (n: number) => `${(n / 1024).toFixed(0)} KiB`;
  console.log(`${relative(ROOT, r.entry.path)}: ${kb(r.entry.bytes)}; cold path ${kb(r.coldPathBytes)} in ${r.coldPath.length} file(s); lazy chunks ${r.lazy.length} (${kb(r.totalBytes - r.coldPathBytes)}); handler: index.handler`);
}
