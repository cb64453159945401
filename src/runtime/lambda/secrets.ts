// Secrets Manager GetSecretValue as one signed HTTPS call (no service client to bundle).
// Used at cold start for the *_SECRET_ARN variables.
import { awsCall, defaultCredentials, type AwsCallDeps } from './aws-signing.ts';

/** The secret's SecretString, trimmed. `region` is the ARN's (a secret may live in another region than the function). */
export async function getSecretValue(arn: string, region: string, deps: Partial<AwsCallDeps> = {}): Promise<string> {
  const out = await awsCall({
    service: 'secretsmanager', region, method: 'POST', path: '/', action: 'secretsmanager:GetSecretValue',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'secretsmanager.GetSecretValue' },
    body: JSON.stringify({ SecretId: arn }),
  }, { credentials: deps.credentials ?? defaultCredentials(), ...deps }) as { SecretString?: unknown };
  if (typeof out.SecretString !== 'string') throw new Error(`${arn} has no SecretString (binary secrets are not supported)`);
  return out.SecretString.trim();
}
