// The one way kubetriage runs a schema. Schemas are written with zod/mini: full zod cost the
// Lambda cold path about 150 KB of bundle and 40 ms of import (bench/RESULTS.md). Unlike
// full zod, zod/mini registers no locale, so every message would read "Invalid input"; each parse
// passes zod's English messages instead of changing zod's global configuration.
import * as z from 'zod/mini';

let english: z.core.$ZodErrorMap | undefined;

/**
 * A schema built on first use rather than at import. zod does its work when a schema is built;
 * a schema that only some routes or only a configuration file need costs a Lambda cold start
 * that never uses it (bench/RESULTS.md, "Cold start (Lambda)").
 */
export function onFirstUse<S>(build: () => S): () => S {
  let built: S | undefined;
  return () => (built ??= build());
}

/** `schema.safeParse(value)` with zod's English messages, as full zod words them. */
export function safeParse<S extends z.ZodMiniType>(schema: S, value: unknown): z.core.util.SafeParseResult<z.output<S>> {
  english ??= z.locales.en().localeError;
  return z.safeParse(schema, value, { error: english });
}
