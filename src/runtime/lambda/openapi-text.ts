// openapi.yaml as text. From source it is read from the repository; the Lambda build
// (scripts/build-lambda.ts) replaces this module with the text inlined, as the bundle ships alone.
import { readFileSync } from 'node:fs';

export function openapiYaml(): string {
  return readFileSync(new URL('../../../openapi.yaml', import.meta.url), 'utf8');
}
