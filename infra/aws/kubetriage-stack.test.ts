// `cdk synth`, offline: the stack synthesised in-process and its template checked for what matters.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Runtime } from 'aws-cdk-lib/aws-lambda';
import { afterAll, describe, expect, it } from 'vitest';
import { KUBERNETES_GROUP, KubetriageStack, type KubetriageStackProps } from './kubetriage-stack.ts';

// The asset only has to exist for synthesis; the bundle itself is tested in src/runtime/lambda/bundle.test.ts.
const codeDir = mkdtempSync(join(tmpdir(), 'kubetriage-cdk-'));
writeFileSync(join(codeDir, 'index.mjs'), 'export const handler = async () => ({ statusCode: 204, body: "" });\n');
afterAll(() => rmSync(codeDir, { recursive: true, force: true }));

function synth(props: Partial<KubetriageStackProps> = {}): Template {
  const app = new App();
  return Template.fromStack(new KubetriageStack(app, 'Kubetriage', { codeDir, env: { account: '123456789012', region: 'eu-west-1' }, ...props }));
}

/** The newest Node.js runtime aws-cdk-lib offers (NODEJS_24_X today), found by scanning Runtime's members. */
function newestNodeRuntime(): string {
  const names = Object.keys(Runtime).filter((k) => /^NODEJS_\d+_X$/.test(k));
  const newest = names.sort((a, b) => Number(/\d+/.exec(b)![0]) - Number(/\d+/.exec(a)![0]))[0]!;
  return (Runtime as unknown as Record<string, Runtime>)[newest]!.name;
}

describe('KubetriageStack', () => {
  const t = synth({ eksClusterName: 'prod-eu', clusters: { eu: 'prod-eu', us: 'prod-us' } });

  it('runs the bundle on the newest Node.js runtime CDK offers, with a timeout the HTTP API can wait for', () => {
    expect(newestNodeRuntime()).toBe('nodejs24.x');
    t.resourceCountIs('AWS::Lambda::Function', 1);
    t.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: newestNodeRuntime(),
      Handler: 'index.handler',
      Architectures: ['arm64'],
      Timeout: 15,
      MemorySize: 1024,
    });
  });

  it('configures through the environment, with the token only as a Secrets Manager ARN', () => {
    const fn = Object.values(t.findResources('AWS::Lambda::Function'))[0]!;
    const secretId = Object.keys(t.findResources('AWS::SecretsManager::Secret'))[0]!;
    expect(fn['Properties'].Environment.Variables).toEqual({
      KUBETRIAGE_AUTH_TOKEN_SECRET_ARN: { Ref: secretId },
      KUBETRIAGE_EKS_CLUSTER: 'prod-eu',
      KUBETRIAGE_CLUSTERS: 'eu=prod-eu,us=prod-us',
    });
    t.hasResourceProperties('AWS::SecretsManager::Secret', { GenerateSecretString: { PasswordLength: 48, ExcludePunctuation: true } });
  });

  it('grants exactly GetSecretValue on the token and eks:DescribeCluster on the named clusters', () => {
    const policies = Object.values(t.findResources('AWS::IAM::Policy'));
    expect(policies).toHaveLength(1);
    const statements = policies[0]!['Properties'].PolicyDocument.Statement as Array<{ Action: string | string[]; Resource: unknown; Effect: string }>;
    const secretId = Object.keys(t.findResources('AWS::SecretsManager::Secret'))[0]!;
    expect(statements).toContainEqual({ Effect: 'Allow', Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'], Resource: { Ref: secretId } });
    const eks = statements.find((s) => s.Action === 'eks:DescribeCluster')!;
    expect(eks.Resource).toEqual(['prod-eu', 'prod-us'].map((c) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:eks:eu-west-1:123456789012:cluster/${c}`]] })));
    // Nothing else, and no wildcard resources.
    expect(statements).toHaveLength(2);
    expect(JSON.stringify(statements)).not.toContain('"*"');
  });

  it('keeps its logs for a month in its own log group', () => {
    t.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
    const logGroupId = Object.keys(t.findResources('AWS::Logs::LogGroup'))[0]!;
    t.hasResourceProperties('AWS::Lambda::Function', { LoggingConfig: { LogGroup: { Ref: logGroupId } } });
  });

  it('is reached through an HTTP API ($default route, payload 2.0, throttled stage), not a Function URL', () => {
    t.resourceCountIs('AWS::Lambda::Url', 0);
    t.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'HTTP' });
    // No gateway authorizer: the function checks the bearer token Alertmanager sends.
    t.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: '$default', AuthorizationType: 'NONE' });
    t.hasResourceProperties('AWS::ApiGatewayV2::Integration', { IntegrationType: 'AWS_PROXY', PayloadFormatVersion: '2.0' });
    t.hasResourceProperties('AWS::ApiGatewayV2::Stage', { StageName: '$default', AutoDeploy: true, DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 } });
    t.hasResourceProperties('AWS::Lambda::Permission', { Action: 'lambda:InvokeFunction', Principal: 'apigateway.amazonaws.com' });
    t.hasOutput('AlertmanagerWebhookUrl', { Value: Match.objectLike({ 'Fn::Join': Match.arrayWith([Match.arrayWith(['/v1/alertmanager'])]) }) });
  });

  it('creates EKS access entries to the read-only group only when asked', () => {
    t.resourceCountIs('AWS::EKS::AccessEntry', 0);
    const withEntries = synth({ eksClusterName: 'prod-eu', clusters: { us: 'prod-us' }, createAccessEntries: true });
    withEntries.resourceCountIs('AWS::EKS::AccessEntry', 2);
    withEntries.hasResourceProperties('AWS::EKS::AccessEntry', { ClusterName: 'prod-us', KubernetesGroups: [KUBERNETES_GROUP], Type: 'STANDARD', PrincipalArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^FunctionServiceRole'), 'Arn'] } });
  });

  it('without a cluster: no EKS permission at all (evidence inline only); with an existing secret: no new secret', () => {
    const inline = synth({ authTokenSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:kubetriage/token-AbCdEf' });
    inline.resourceCountIs('AWS::SecretsManager::Secret', 0);
    expect(JSON.stringify(inline.toJSON())).not.toContain('eks:');
    inline.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: { KUBETRIAGE_AUTH_TOKEN_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:kubetriage/token-AbCdEf' } } });
    expect(() => synth({ clusters: { us: 'prod-us' } })).toThrow('eksClusterName is required with clusters');
  });

  it('passes other secrets as NAME_SECRET_ARN and grants reading each', () => {
    const slack = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:kubetriage/slack-AbCdEf';
    const withSlack = synth({ secretArns: { KUBETRIAGE_SLACK_WEBHOOK_URL: slack } });
    withSlack.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ KUBETRIAGE_SLACK_WEBHOOK_URL_SECRET_ARN: slack }) } });
    withSlack.hasResourceProperties('AWS::IAM::Policy', { PolicyDocument: { Statement: Match.arrayWith([{ Effect: 'Allow', Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'], Resource: slack }]) } });
  });
});
