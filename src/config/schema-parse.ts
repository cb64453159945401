// The one way kubetriage runs a schema. Schemas are written with zod/mini: full zod cost the
// Lambda cold path about 150 KB of bundle and 40 ms of import (bench/RESULTS.md). Unlike
// full zod, zod/mini registers no locale, so every message would read "Invalid input"; each parse
// passes zod's English messages instead of changing zod's global configuration.
import * as z from 'zod/mini';

let english: z.core.$ZodErrorMap | undefined;

/** `schema.safeParse(value)` with zod's English messages, as full zod words them. */
export function safeParse<S extends z.ZodMiniType>(schema: S, value: unknown): z.core.util.SafeParseResult<z.output<S>> {
  english ??= z.locales.en().localeError;
  return z.safeParse(schema, value, { error: english });
}
