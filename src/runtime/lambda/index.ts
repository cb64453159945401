// AWS Lambda entry point (bundled by scripts/build-lambda.ts to dist/lambda/index.mjs).
// AWS signing and @kubernetes/client-node sit behind dynamic imports: a cold start that only
// diagnoses inline evidence loads neither.
import { readFileSync } from 'node:fs';
import { createLambdaHandler } from './handler.ts';
import { openapiYaml } from './openapi-text.ts';

export const handler = createLambdaHandler({
  env: process.env,
  openapiYaml,
  readFile: (path) => readFileSync(path, 'utf8'),
  getSecret: async (arn, region) => (await import('./secrets.ts')).getSecretValue(arn, region),
  loadLiveEvidence: async (eks) => (await import('./live-evidence.ts')).eksEvidenceSource(eks),
});
