// The Lambda's configuration: the one schema (src/config/config.ts), plus what only Lambda has.
//   - NAME_SECRET_ARN for each secret variable: read from Secrets Manager at cold start, so the
//     secret never sits in the function's environment (NAME and NAME_FILE still work).
//   - KUBETRIAGE_EKS_CLUSTER: the EKS cluster to read evidence from (in AWS_REGION, which Lambda
//     sets). KUBETRIAGE_CLUSTERS maps alert `cluster` labels onto more EKS cluster names.
// Every problem, from either part, is reported in one ConfigError.
import { ConfigError, SECRET_VARIABLES, configSchema, loadConfig, type Config } from '../../config/config.ts';

export const SECRET_ARN_SUFFIX = '_SECRET_ARN';
// EKS cluster names: 1-100 characters, alphanumerics, hyphens and underscores, starting alphanumeric.
const EKS_CLUSTER_NAME = /^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/;
const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:([a-z0-9-]+):\d{12}:secret:.+$/;

/** The region of a Secrets Manager secret ARN; undefined when it is not one. */
export function secretArnRegion(arn: string): string | undefined {
  return SECRET_ARN.exec(arn)?.[1];
}

/** What the live EKS evidence source needs; set when KUBETRIAGE_EKS_CLUSTER is. */
export interface EksSettings {
  region: string;
  /** Read for alerts without a `cluster` label (and for /v1/diagnose). */
  defaultCluster: string;
  /** Every cluster to describe: the default one, then those KUBETRIAGE_CLUSTERS maps labels onto. */
  clusters: string[];
  /** Alert `cluster` label → EKS cluster name (KUBETRIAGE_CLUSTERS). */
  labels: Record<string, string>;
  deadlineMs: number;
}

export interface LambdaConfig {
  config: Config;
  eks?: EksSettings;
}

export interface LambdaConfigDeps {
  /** Reads a secret; `region` is the ARN's. */
  getSecret: (arn: string, region: string) => Promise<string>;
  readFile: (path: string) => string;
}

export async function loadLambdaConfig(env: Record<string, string | undefined>, deps: LambdaConfigDeps): Promise<LambdaConfig> {
  const problems: string[] = [];
  const values: Record<string, string | undefined> = { ...env };

  await Promise.all(SECRET_VARIABLES.map(async (name) => {
    const arn = env[name + SECRET_ARN_SUFFIX];
    if (!arn) return;
    const region = secretArnRegion(arn);
    if (!region) return void problems.push(`${name}${SECRET_ARN_SUFFIX}: "${arn}" is not a Secrets Manager secret ARN`);
    if (env[name] || env[`${name}_FILE`]) return void problems.push(`${name}${SECRET_ARN_SUFFIX} and ${env[name] ? name : `${name}_FILE`} are both set; set one`);
    try {
      values[name] = await deps.getSecret(arn, region);
    } catch (err) {
      problems.push(`${name}${SECRET_ARN_SUFFIX}: cannot read ${arn}: ${(err as Error).message}`);
    }
  }));

  if (env['KUBETRIAGE_DEMO'] === 'true') problems.push('KUBETRIAGE_DEMO: the demo cluster is not bundled into the Lambda function; send evidence inline or set KUBETRIAGE_EKS_CLUSTER');
  // 'auto' would look for a kubeconfig; on Lambda the choice is explicit: EKS or inline only.
  values['KUBETRIAGE_DEMO'] = 'false';
  if (env['KUBECONFIG']) problems.push('KUBECONFIG: not used on Lambda (there is no aws CLI for its exec plugin); set KUBETRIAGE_EKS_CLUSTER');

  const defaultCluster = env['KUBETRIAGE_EKS_CLUSTER'];
  const region = env['AWS_REGION'];
  if (defaultCluster !== undefined && defaultCluster !== '') {
    if (!EKS_CLUSTER_NAME.test(defaultCluster)) problems.push(`KUBETRIAGE_EKS_CLUSTER: "${defaultCluster}" is not an EKS cluster name`);
    if (!region) problems.push('AWS_REGION: must be set for KUBETRIAGE_EKS_CLUSTER (Lambda sets it)');
  }

  // The map is parsed by the schema's own field, so its names are checked even when another variable is bad.
  const mapped = Object.values(configSchema.shape.KUBETRIAGE_CLUSTERS.safeParse(env['KUBETRIAGE_CLUSTERS'] || undefined).data ?? {});
  for (const name of mapped) if (!EKS_CLUSTER_NAME.test(name)) problems.push(`KUBETRIAGE_CLUSTERS: "${name}" is not an EKS cluster name`);
  if (mapped.length > 0 && !defaultCluster) problems.push('KUBETRIAGE_EKS_CLUSTER: must be set with KUBETRIAGE_CLUSTERS (alerts without a cluster label are read from it)');

  let config: Config | undefined;
  try {
    config = loadConfig(values, deps.readFile);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    problems.push(...err.problems);
  }
  if (problems.length > 0 || !config) throw new ConfigError(problems);
  return {
    config,
    ...(defaultCluster ? { eks: {
      region: region!,
      defaultCluster,
      clusters: [...new Set([defaultCluster, ...Object.values(config.KUBETRIAGE_CLUSTERS)])],
      labels: config.KUBETRIAGE_CLUSTERS,
      deadlineMs: config.KUBETRIAGE_DEADLINE_MS,
    } } : {}),
  };
}
