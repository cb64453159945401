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
  // node:crypto is loaded by the time a request arrives (Node's fetch classes load it); WebCrypto
  // is not, and its first digest costs about 2 ms of the cold start. Not a static import: the ESM
  // face of node:crypto reads every export, which loads WebCrypto at import.
  authHash: (data) => process.getBuiltinModule('node:crypto').createHash('sha256').update(data).digest('hex'),
  getSecret: async (arn, region) => (await import('./secrets.ts')).getSecretValue(arn, region),
  loadLiveEvidence: async (eks) => (await import('./live-evidence.ts')).eksEvidenceSource(eks),
});
