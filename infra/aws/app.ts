// CDK app: `npm run build:lambda`, then `npx cdk synth` (or deploy) from infra/aws.
// Settings come from CDK context: -c eksCluster=prod-eu -c clusters=eu=prod-eu,us=prod-us
// -c createAccessEntries=true -c forwardUrl=https://... -c authTokenSecretArn=arn:...
import { fileURLToPath } from 'node:url';
import { App } from 'aws-cdk-lib';
import { KubetriageStack } from './kubetriage-stack.ts';

const app = new App();
const ctx = (name: string): string | undefined => app.node.tryGetContext(name) as string | undefined;
const clusters = ctx('clusters');
new KubetriageStack(app, ctx('stackName') ?? 'Kubetriage', {
  codeDir: fileURLToPath(new URL('../../dist/lambda/', import.meta.url)),
  ...(ctx('eksCluster') ? { eksClusterName: ctx('eksCluster')! } : {}),
  ...(clusters ? { clusters: Object.fromEntries(clusters.split(',').map((pair) => pair.split('=') as [string, string])) } : {}),
  createAccessEntries: ctx('createAccessEntries') === 'true',
  ...(ctx('authTokenSecretArn') ? { authTokenSecretArn: ctx('authTokenSecretArn')! } : {}),
  ...(ctx('forwardUrl') ? { forwardUrl: ctx('forwardUrl')! } : {}),
});
app.synth();
