// The one way kubetriage runs a schema. Schemas are written with zod/mini: full zod costs a
// Lambda cold start about 170 KB of bundle and 25 ms of import for methods we do not need. Unlike
// full zod, zod/mini registers no locale, so every message would read "Invalid input"; each parse
// passes zod's English messages instead of changing zod's global configuration.
import * as z from 'zod/mini';

let english: z.core.$ZodErrorMap | undefined;

/** `schema.safeParse(value)` with zod's English messages, as full zod words them. */
export function safeParse<S extends z.ZodMiniType>(schema: S, value: unknown): z.core.util.SafeParseResult<z.output<S>> {
  english ??= z.locales.en().localeError;
  return z.safeParse(schema, value, { error: english });
}
