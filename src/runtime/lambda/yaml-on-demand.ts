// The Lambda bundle maps `import { parse } from 'yaml'` here (scripts/build-lambda.ts), so the YAML
// parser (115 KB) is not compiled at every cold start: it is loaded, as a lazy chunk, only when
// KUBETRIAGE_CONFIG names a file, before the configuration is read (handler.ts calls preloadYaml).
type Parse = (text: string) => unknown;

let loaded: Parse | undefined;

export async function preloadYaml(): Promise<void> {
  loaded ??= (await import('./yaml-parser.ts')).parse;
}

export function parse(text: string): unknown {
  if (!loaded) throw new Error('the YAML parser was not loaded: preloadYaml() must run before the configuration file is read');
  return loaded(text);
}
