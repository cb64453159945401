// What the Lambda bundle (scripts/build-lambda.ts) and the server bundle the container runs
// (scripts/build-server.ts) share. Only node:path and esbuild's types: the image's build stage
// copies this file beside build-server.ts and nothing else from scripts/.
import { dirname, join } from 'node:path';
import type { Metafile, Plugin } from 'esbuild';

/** The output files a process loads when it imports `entry`: its static imports, transitively (import() chunks are not). */
export function loadedWith(outputs: Metafile['outputs'], entry: string): Set<string> {
  const loaded = new Set<string>();
  const visit = (p: string) => {
    if (loaded.has(p)) return;
    loaded.add(p);
    for (const i of outputs[p]!.imports) if (i.kind === 'import-statement' && !i.external) visit(i.path);
  };
  visit(entry);
  return loaded;
}

// zod exposes every locale through `z.locales`, and a namespace export cannot be tree-shaken:
// 60 translations (260 KB minified, a third of the cold path) would be compiled at every cold
// start. kubetriage reports in English, and zod's default (`en`, imported by zod directly) stays.
export const zodEnglishOnly: Plugin = {
  name: 'zod-english-only',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) => {
      if (!/[\\/]node_modules[\\/]zod[\\/]/.test(args.importer)) return undefined;
      return { path: join(dirname(args.importer), '../locales/en.js'), namespace: 'zod-english-only' };
    });
    b.onLoad({ filter: /.*/, namespace: 'zod-english-only' }, (args) => ({
      contents: `export { default as en } from ${JSON.stringify(args.path)};`,
      resolveDir: dirname(args.path),
      loader: 'js',
    }));
  },
};
