// kubetriage on AWS Lambda behind an HTTP API.
//
// Auth: HTTP API + the app's own bearer token, not a Function URL with IAM auth. Alertmanager's
// webhook_configs can send a bearer token (http_config.authorization) but cannot sign requests
// with SigV4, so IAM auth would shut out the one client this endpoint exists for. The token is
// generated into Secrets Manager and read by the function at cold start
// (KUBETRIAGE_AUTH_TOKEN_SECRET_ARN): it never sits in the function's environment or in the
// template. The HTTP API adds stage throttling in front of the function.
//
// EKS: the function calls eks:DescribeCluster for the endpoint and CA, and mints its own EKS
// token; the cluster must map the function's role to the read-only ClusterRole, either by the
// access entries this stack can create (createAccessEntries) or an aws-auth mapping.
import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { HttpApi, HttpStage, PayloadFormatVersion } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { CfnAccessEntry } from 'aws-cdk-lib/aws-eks';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Architecture, Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Secret, type ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import type { SECRET_VARIABLES } from '../../src/config/config.ts';

/** The Kubernetes group the function's role is mapped to; infra/kubernetes binds it to the read-only ClusterRole. */
export const KUBERNETES_GROUP = 'kubetriage-readonly';

export interface KubetriageStackProps extends StackProps {
  /** The bundle directory (`npm run build:lambda` → dist/lambda). */
  codeDir: string;
  /** EKS cluster to read evidence from (same region). Without it, evidence must be sent inline. */
  eksClusterName?: string;
  /** Alert `cluster` label → EKS cluster name, for more clusters than the default one. */
  clusters?: Record<string, string>;
  /** Create EKS access entries mapping the function's role to KUBERNETES_GROUP (clusters in API auth mode). */
  createAccessEntries?: boolean;
  /** An existing secret holding the bearer token(s); default: a generated one. */
  authTokenSecretArn?: string;
  /**
   * Other secrets from Secrets Manager, by variable (e.g. KUBETRIAGE_PAGERDUTY_ROUTING_KEY,
   * KUBETRIAGE_SLACK_WEBHOOK_URL): passed as NAME_SECRET_ARN and granted read.
   */
  secretArns?: Partial<Record<Exclude<(typeof SECRET_VARIABLES)[number], 'KUBETRIAGE_AUTH_TOKEN'>, string>>;
  /** Forward enriched groups to this Alertmanager-compatible webhook. */
  forwardUrl?: string;
  /** Evidence deadline per request (KUBETRIAGE_DEADLINE_MS). */
  deadlineMs?: number;
  logRetention?: RetentionDays;
  /** Steady-state requests per second and burst at the HTTP API stage. */
  throttle?: { rateLimit: number; burstLimit: number };
}

export class KubetriageStack extends Stack {
  readonly function: LambdaFunction;
  readonly authToken: ISecret;
  readonly api: HttpApi;

  constructor(scope: Construct, id: string, props: KubetriageStackProps) {
    super(scope, id, props);
    const clusterNames = [...new Set([props.eksClusterName, ...Object.values(props.clusters ?? {})].filter((c): c is string => Boolean(c)))];
    if (props.clusters && Object.keys(props.clusters).length > 0 && !props.eksClusterName) {
      throw new Error('eksClusterName is required with clusters: alerts without a cluster label are read from it');
    }

    this.authToken = props.authTokenSecretArn
      ? Secret.fromSecretCompleteArn(this, 'AuthToken', props.authTokenSecretArn)
      : new Secret(this, 'AuthToken', {
        description: 'kubetriage: bearer token Alertmanager sends (http_config.authorization); comma-separate two during a rotation',
        generateSecretString: { passwordLength: 48, excludePunctuation: true },
      });

    const logGroup = new LogGroup(this, 'Logs', { retention: props.logRetention ?? RetentionDays.ONE_MONTH });

    this.function = new LambdaFunction(this, 'Function', {
      description: 'kubetriage: Kubernetes alert enrichment',
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      handler: 'index.handler',
      code: Code.fromAsset(props.codeDir),
      // Lambda gives CPU in proportion to memory; 1 GB keeps the cold start and the diagnosis fast.
      memorySize: 1024,
      // The evidence deadline (4 s) plus the forwarding budget with retries (8 s), and a margin.
      timeout: Duration.seconds(15),
      logGroup,
      environment: {
        KUBETRIAGE_AUTH_TOKEN_SECRET_ARN: this.authToken.secretArn,
        ...(props.eksClusterName ? { KUBETRIAGE_EKS_CLUSTER: props.eksClusterName } : {}),
        ...(props.clusters ? { KUBETRIAGE_CLUSTERS: Object.entries(props.clusters).map(([label, name]) => `${label}=${name}`).join(',') } : {}),
        ...(props.forwardUrl ? { KUBETRIAGE_FORWARD_URL: props.forwardUrl } : {}),
        ...(props.deadlineMs ? { KUBETRIAGE_DEADLINE_MS: String(props.deadlineMs) } : {}),
        ...Object.fromEntries(Object.entries(props.secretArns ?? {}).map(([name, arn]) => [`${name}_SECRET_ARN`, arn])),
      },
    });
    this.authToken.grantRead(this.function);
    for (const [name, arn] of Object.entries(props.secretArns ?? {})) Secret.fromSecretCompleteArn(this, `Secret-${name}`, arn).grantRead(this.function);

    if (clusterNames.length > 0) {
      this.function.addToRolePolicy(new PolicyStatement({
        actions: ['eks:DescribeCluster'],
        resources: clusterNames.map((name) => this.formatArn({ service: 'eks', resource: 'cluster', resourceName: name })),
      }));
      if (props.createAccessEntries) {
        clusterNames.forEach((clusterName, i) => new CfnAccessEntry(this, `AccessEntry${i}`, {
          clusterName,
          principalArn: this.function.role!.roleArn,
          kubernetesGroups: [KUBERNETES_GROUP],
          type: 'STANDARD',
        }));
      }
    }

    this.api = new HttpApi(this, 'Api', {
      description: 'kubetriage: Alertmanager webhook and /v1/diagnose (bearer token checked by the function)',
      defaultIntegration: new HttpLambdaIntegration('Function', this.function, { payloadFormatVersion: PayloadFormatVersion.VERSION_2_0 }),
      createDefaultStage: false,
    });
    new HttpStage(this, 'Stage', {
      httpApi: this.api,
      autoDeploy: true,
      throttle: props.throttle ?? { rateLimit: 50, burstLimit: 100 },
    });

    new CfnOutput(this, 'AlertmanagerWebhookUrl', { value: `${this.api.apiEndpoint}/v1/alertmanager` });
    new CfnOutput(this, 'AuthTokenSecretArn', { value: this.authToken.secretArn });
    new CfnOutput(this, 'FunctionRoleArn', { value: this.function.role!.roleArn, description: `map it to the Kubernetes group ${KUBERNETES_GROUP}` });
  }
}
