import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isSecretKeyName, redactDeep, redactText, REDACTED } from './redact.ts';

import { ALNUM, B64, b64url, fill, UPPERNUM } from '../../test/support/fake-secrets.ts';

const awsKeyId = `AKIA${fill(16, UPPERNUM, 1)}`;
const awsStsKeyId = `ASIA${fill(16, UPPERNUM, 2)}`;
const awsSecret = `${fill(20, B64, 3)}/${fill(19, B64, 4)}`; // 40 chars, contains '/'
const awsSession = `IQoJb3JpZ2luX2VjE${fill(60, B64, 5)}${fill(40, B64, 6)}==`;
const jwt = `${b64url('{"alg":"RS256","typ":"JWT"}')}.${b64url('{"sub":"1234567890","name":"Jane"}')}.${fill(43, `${ALNUM}-_`, 8)}`;
const saToken = `${b64url('{"alg":"RS256","kid":"k1"}')}.${b64url('{"iss":"kubernetes/serviceaccount","kubernetes.io/serviceaccount/namespace":"shop","sub":"system:serviceaccount:shop:default"}')}.${fill(86, `${ALNUM}-_`, 9)}`;
const pemBody = `MIIEowIBAAKCAQEA${fill(48, B64, 10)}\n${fill(64, B64, 11)}\n${fill(20, B64, 12)}==`;
const pem = (label: string, body = pemBody) => `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----`;
const pw = `Hx7${fill(9, ALNUM, 13)}`;

interface Positive { name: string; input: string; secrets: string[]; keep: string[] }

const positives: Positive[] = [
  // AWS
  { name: 'AWS access key id (AKIA) in key=value', input: `aws_access_key_id=${awsKeyId} region=us-east-1`, secrets: [awsKeyId], keep: ['aws_access_key_id=', 'region=us-east-1'] },
  { name: 'AWS temporary key id (ASIA) in prose', input: `assumed role, using ${awsStsKeyId} until expiry`, secrets: [awsStsKeyId], keep: ['assumed role, using', 'until expiry'] },
  { name: 'aws_secret_access_key=', input: `aws_secret_access_key=${awsSecret} profile=prod`, secrets: [awsSecret], keep: ['aws_secret_access_key=', 'profile=prod'] },
  { name: 'AWS_SECRET_ACCESS_KEY: (env dump)', input: `AWS_SECRET_ACCESS_KEY: ${awsSecret}`, secrets: [awsSecret], keep: ['AWS_SECRET_ACCESS_KEY: '] },
  { name: 'STS JSON SecretAccessKey / SessionToken', input: `{"AccessKeyId": "${awsStsKeyId}", "SecretAccessKey": "${awsSecret}", "SessionToken": "${awsSession}", "Expiration": "2024-01-01T00:00:00Z"}`, secrets: [awsStsKeyId, awsSecret, awsSession, awsSecret.slice(0, 12)], keep: ['"SecretAccessKey": "', '"Expiration": "2024-01-01T00:00:00Z"'] },
  { name: 'AWS session token without a key', input: `refreshed credentials ${awsSession} for role app`, secrets: [awsSession], keep: ['refreshed credentials', 'for role app'] },
  // GitHub
  ...(['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_'] as const).map((p, i): Positive => {
    const tok = `${p}${fill(36, ALNUM, 20 + i)}`;
    return { name: `GitHub token ${p}`, input: `checkout with ${tok} failed: 401`, secrets: [tok], keep: ['checkout with', 'failed: 401'] };
  }),
  { name: 'GitHub fine-grained PAT github_pat_', input: `GH auth ${`github_pat_${fill(22, ALNUM, 30)}_${fill(59, ALNUM, 31)}`} ok`, secrets: [`github_pat_${fill(22, ALNUM, 30)}`, fill(59, ALNUM, 31)], keep: ['GH auth', ' ok'] },
  // Slack
  ...(['xoxb', 'xoxp', 'xoxa'] as const).map((p, i): Positive => {
    const tok = `${p}-${fill(12, '0123456789', 40 + i)}-${fill(12, '0123456789', 41 + i)}-${fill(24, ALNUM, 42 + i)}`;
    return { name: `Slack token ${p}-`, input: `slack client init token ${tok} team=T1`, secrets: [tok], keep: ['slack client init token', 'team=T1'] };
  }),
  { name: 'Slack app token xapp-', input: `socket mode: xapp-1-A${fill(10, UPPERNUM, 50)}-${fill(13, '0123456789', 51)}-${fill(64, 'abcdef0123456789', 52)} connected`, secrets: [fill(64, 'abcdef0123456789', 52)], keep: ['socket mode:', 'connected'] },
  { name: 'Slack webhook URL', input: `POST https://hooks.slack.com/services/T0${fill(8, UPPERNUM, 53)}/B0${fill(8, UPPERNUM, 54)}/${fill(24, ALNUM, 55)} -> 200`, secrets: [fill(24, ALNUM, 55), `T0${fill(8, UPPERNUM, 53)}`], keep: ['POST https://hooks.slack.com/services/', '-> 200'] },
  // JWT / bearer / basic
  { name: 'JWT in free text', input: `validated ${jwt} for user 42`, secrets: [jwt, jwt.split('.')[1]!, jwt.split('.')[2]!], keep: ['validated', 'for user 42'] },
  { name: 'Kubernetes service-account token (JWT)', input: `token=${saToken}`, secrets: [saToken.split('.')[1]!, saToken.split('.')[2]!], keep: ['token='] },
  { name: 'Authorization: Bearer (opaque)', input: `> GET /api Authorization: Bearer ${fill(32, ALNUM, 60)} host=api`, secrets: [fill(32, ALNUM, 60)], keep: ['Authorization: Bearer ', 'host=api'] },
  { name: 'Authorization: Bearer JWT in JSON', input: `{"headers":{"authorization":"Bearer ${jwt}"}}`, secrets: [jwt.split('.')[2]!], keep: ['"authorization":"Bearer '] },
  { name: 'Authorization: Basic', input: `Authorization: Basic ${btoa('admin:' + pw)}`, secrets: [btoa('admin:' + pw)], keep: ['Authorization: Basic '] },
  { name: 'standalone Basic credentials', input: `proxy sent Basic ${btoa('bob:' + pw)} upstream`, secrets: [btoa('bob:' + pw)], keep: ['proxy sent Basic', 'upstream'] },
  // URLs and DSNs
  { name: 'password in https URL', input: `fetching https://deploy:${pw}@registry.example.com/v2/ failed`, secrets: [pw], keep: ['https://deploy:', '@registry.example.com/v2/ failed'] },
  ...(['postgres', 'postgresql', 'mysql', 'mongodb', 'mongodb+srv', 'redis', 'amqp'] as const).map((scheme, i): Positive => {
    const secret = `${fill(10, ALNUM, 70 + i)}#!`;
    return { name: `${scheme}:// DSN`, input: `connecting to ${scheme}://app:${secret}@db.shop.svc:5432/shop?sslmode=disable`, secrets: [secret], keep: [`connecting to ${scheme}://app:`, '@db.shop.svc:5432/shop?sslmode=disable'] };
  }),
  { name: 'password containing @ in a DSN', input: `postgres://app:p@ss${pw}@db:5432/shop`, secrets: [`ss${pw}`], keep: ['postgres://app:', '@db:5432/shop'] },
  { name: 'redis URL with empty user', input: `redis://:${pw}@cache:6379/0`, secrets: [pw], keep: ['redis://:', '@cache:6379/0'] },
  { name: 'Go MySQL DSN user:pass@tcp()', input: `dsn root:${pw}@tcp(db:3306)/shop?parseTime=true`, secrets: [pw], keep: ['root:', '@tcp(db:3306)/shop'] },
  // key=value and key: value
  { name: 'password=', input: `login user=bob password=${pw} ok`, secrets: [pw], keep: ['login user=bob password=', ' ok'] },
  { name: 'passwd: (YAML)', input: `  passwd: ${pw}`, secrets: [pw], keep: ['  passwd: '] },
  { name: 'pwd=', input: `Server=db;Database=shop;Uid=sa;Pwd=${pw};`, secrets: [pw], keep: ['Server=db;Database=shop;Uid=sa;Pwd=', ';'] },
  { name: 'secret:', input: `secret: ${pw}`, secrets: [pw], keep: ['secret: '] },
  { name: 'client_secret= in form body', input: `grant_type=client_credentials&client_id=app&client_secret=${pw}&scope=read`, secrets: [pw], keep: ['client_id=app&client_secret=', '&scope=read'] },
  { name: 'api_key=', input: `calling weather api_key=${fill(32, 'abcdef0123456789', 80)} city=Paris`, secrets: [fill(32, 'abcdef0123456789', 80)], keep: ['api_key=', 'city=Paris'] },
  { name: 'apikey:', input: `apikey: ${fill(24, ALNUM, 81)}`, secrets: [fill(24, ALNUM, 81)], keep: ['apikey: '] },
  { name: 'token=', input: `level=info msg="login" token=${fill(30, ALNUM, 82)} user=42`, secrets: [fill(30, ALNUM, 82)], keep: ['msg="login" token=', 'user=42'] },
  { name: 'access_token in a query string', input: `GET /callback?state=xyz&access_token=${fill(40, ALNUM, 83)}&expires_in=3600 HTTP/1.1`, secrets: [fill(40, ALNUM, 83)], keep: ['GET /callback?state=xyz&access_token=', '&expires_in=3600 HTTP/1.1'] },
  { name: 'X-Api-Key header', input: `X-Api-Key: ${fill(32, ALNUM, 84)}`, secrets: [fill(32, ALNUM, 84)], keep: ['X-Api-Key: '] },
  { name: 'Cookie header (whole value)', input: `Cookie: session=${fill(20, ALNUM, 85)}; csrftoken=${fill(20, ALNUM, 86)}`, secrets: [fill(20, ALNUM, 85), fill(20, ALNUM, 86)], keep: ['Cookie: '] },
  { name: 'CLI flag --password value', input: `exec: mysqladmin --user root --password ${pw} ping`, secrets: [pw], keep: ['--user root --password', 'ping'] },
  { name: 'Java system property -D…password=', input: `java -Dspring.datasource.password=${pw} -jar app.jar`, secrets: [pw], keep: ['-Dspring.datasource.password=', '-jar app.jar'] },
  { name: 'escaped JSON inside a log line', input: `{"log":"{\\"user\\":\\"bob\\",\\"password\\":\\"${pw}\\"}"}`, secrets: [pw], keep: ['\\"user\\":\\"bob\\"', '\\"password\\":\\"'] },
  // PEM
  ...(['RSA PRIVATE KEY', 'EC PRIVATE KEY', 'OPENSSH PRIVATE KEY', 'ENCRYPTED PRIVATE KEY', 'PRIVATE KEY'] as const).map((label): Positive => (
    { name: `PEM ${label}`, input: `loaded key:\n${pem(label)}\nlistening on :8443`, secrets: [pemBody.slice(0, 30), fill(64, B64, 11), fill(20, B64, 12)], keep: ['loaded key:', `-----BEGIN ${label}-----`, `-----END ${label}-----`, 'listening on :8443'] }
  )),
  { name: 'PEM on one line with \\n escapes', input: `key="${pem('RSA PRIVATE KEY').replaceAll('\n', '\\n')}" loaded`, secrets: [fill(48, B64, 10), fill(64, B64, 11)], keep: ['key="', 'loaded'] },
  { name: 'PEM cut off (no END)', input: `-----BEGIN EC PRIVATE KEY-----\n${pemBody}`, secrets: [fill(64, B64, 11), fill(20, B64, 12)], keep: ['-----BEGIN EC PRIVATE KEY-----'] },
  { name: 'single PEM body line (logs split by line)', input: fill(64, B64, 11), secrets: [fill(64, B64, 11)], keep: [] },
  // Vendor keys
  { name: 'Google API key', input: `maps client key=AIza${fill(35, `${ALNUM}-_`, 90)} ready`, secrets: [fill(35, `${ALNUM}-_`, 90)], keep: ['maps client', 'ready'] },
  { name: 'Stripe secret key sk_live_', input: `charging with sk_live_${fill(24, ALNUM, 91)}`, secrets: [fill(24, ALNUM, 91)], keep: ['charging with'] },
  { name: 'Stripe restricted key rk_live_', input: `stripe rk_live_${fill(24, ALNUM, 92)} loaded`, secrets: [fill(24, ALNUM, 92)], keep: ['stripe', 'loaded'] },
  { name: 'npm token', input: `//registry.npmjs.org/:_authToken=npm_${fill(36, ALNUM, 93)}`, secrets: [fill(36, ALNUM, 93)], keep: ['//registry.npmjs.org/:_authToken='] },
  { name: 'GitLab PAT', input: `PRIVATE-TOKEN glpat-${fill(20, ALNUM, 94)} used`, secrets: [fill(20, ALNUM, 94)], keep: ['PRIVATE-TOKEN', 'used'] },
  { name: 'SendGrid key', input: `mailer SG.${fill(22, ALNUM, 95)}.${fill(43, ALNUM, 96)} ok`, secrets: [fill(22, ALNUM, 95), fill(43, ALNUM, 96)], keep: ['mailer', 'ok'] },
  { name: 'PagerDuty routing_key in JSON', input: `{"routing_key":"R0${fill(30, 'abcdef0123456789', 97)}","event_action":"trigger"}`, secrets: [fill(30, 'abcdef0123456789', 97)], keep: ['"routing_key":"', '"event_action":"trigger"'] },
  { name: 'dockerconfigjson auth', input: `{"auths":{"ghcr.io":{"username":"bot","auth":"${btoa('bot:' + pw)}"}}}`, secrets: [btoa('bot:' + pw)], keep: ['"auths":{"ghcr.io":{"username":"bot","auth":"'] },
  { name: 'Azure storage connection string AccountKey', input: `DefaultEndpointsProtocol=https;AccountName=shopdata;AccountKey=${fill(86, B64, 98)}==;EndpointSuffix=core.windows.net`, secrets: [fill(86, B64, 98)], keep: ['AccountName=shopdata;AccountKey=', ';EndpointSuffix=core.windows.net'] },
  { name: 'GCP service-account JSON private_key', input: `{"type": "service_account", "private_key_id": "${fill(40, 'abcdef0123456789', 99)}", "private_key": "${pem('PRIVATE KEY').replaceAll('\n', '\\n')}\\n", "client_email": "sa@p.iam.gserviceaccount.com"}`, secrets: [fill(48, B64, 10), fill(64, B64, 11), fill(40, 'abcdef0123456789', 99)], keep: ['"type": "service_account"', '"private_key": "', '"client_email": "sa@p.iam.gserviceaccount.com"'] },
  { name: 'AWS presigned URL signature', input: `GET https://b.s3.amazonaws.com/o?X-Amz-Credential=${awsKeyId}%2F20240101&X-Amz-Signature=${fill(64, 'abcdef0123456789', 100)} 403`, secrets: [awsKeyId, fill(64, 'abcdef0123456789', 100)], keep: ['GET https://b.s3.amazonaws.com/o?X-Amz-Credential=', '&X-Amz-Signature=', ' 403'] },
];

const negatives: string[] = [
  'GET /healthz 200 1.2ms',
  'connecting to postgres at db:5432',
  'dial tcp: lookup postgres on 10.96.0.10:53: no such host',
  'password reset email sent to user 42',
  'token bucket refilled: 100 tokens',
  'Back-off restarting failed container app in pod cart-7d9f8b6c5d-x2x9k_shop(1f0c8a4e-2b7d-4c55-9d3e-6a1b2c3d4e5f)',
  'Successfully pulled image "nginx:1.25" in 1.2s (1.2s including waiting)',
  'request 123e4567-e89b-12d3-a456-426614174000 completed',
  'starting app version=3f2a9c1e8b7d6a5f4e3d2c1b0a9f8e7d6c5b4a39 commit=3f2a9c1',
  'secret "smtp-credentials" not found',
  'Error: couldn\'t find key password in Secret shop/db',
  'OOMKilled exitCode=137',
  'MountVolume.SetUp failed for volume "secret-volume" : secret "app-secret" not found',
  'Failed to pull image "registry.example.com/app:v1": rpc error: code = Unknown desc = failed to pull and unpack image "registry.example.com/app:v1": failed to resolve reference "registry.example.com/app:v1": pull access denied, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed',
  'failed to authorize: failed to fetch oauth token: unexpected status: 401 Unauthorized',
  'token: token is expired',
  'Readiness probe failed: Get "http://10.1.2.3:8080/ready": context deadline exceeded (Client.Timeout exceeded while awaiting headers)',
  'Container image "ghcr.io/acme/cart@sha256:9b2a1c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9" already present on machine',
  '0/3 nodes are available: 1 Insufficient memory, 2 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }. preemption: 0/3 nodes are available',
  'secretName: db-credentials',
  'using token file /var/run/secrets/kubernetes.io/serviceaccount/token',
  'max_tokens=512 temperature=0.2',
  'password_min_length=12 password=null token=${API_TOKEN} secret=$(DB_SECRET)',
  'Bearer token expired, re-authenticating with Basic authentication',
  'Created container app',
  'Started container app',
  'I0101 12:00:00.000000       1 leaderelection.go:258] successfully acquired lease kube-system/kube-controller-manager',
  'Liveness probe failed: HTTP probe failed with statuscode: 500',
  'level=info ts=2024-01-01T00:00:00Z caller=main.go:42 msg="rotated token" ttl=3600s',
  'Pulling image "ghcr.io/acme/token-service:1.4.2"',
  'Failed to pull image "auth:latest": rpc error: code = NotFound desc = failed to pull and unpack image',
  'dial tcp auth-service.shop.svc:8080: connect: connection refused',
  'connecting to token-cache:6379 (attempt 3)',
  'image secret-sync:v0.3.1-rc1 is up to date',
];

describe('redactText: secrets that must be masked', () => {
  it('has at least 30 distinct cases', () => {
    expect(new Set(positives.map((p) => p.name)).size).toBe(positives.length);
    expect(positives.length).toBeGreaterThanOrEqual(30);
  });

  it.each(positives)('$name', ({ input, secrets, keep }) => {
    const out = redactText(input);
    expect(out).toContain('[REDACTED');
    for (const s of secrets) {
      expect(s.length).toBeGreaterThanOrEqual(6);
      expect(input).toContain(s); // the case really contains its secret
      expect(out).not.toContain(s);
    }
    for (const k of keep) expect(out).toContain(k);
    expect(redactText(out)).toBe(out);
  });

  it('produces the documented readable shapes', () => {
    expect(redactText('postgres://app:hunter2@db:5432/shop')).toBe('postgres://app:[REDACTED]@db:5432/shop');
    expect(redactText('Authorization: Bearer abcdef')).toBe('Authorization: Bearer [REDACTED]');
    expect(redactText('password=hunter2')).toBe('password=[REDACTED]');
    expect(redactText(`aws_access_key_id=${awsKeyId}`)).toBe('aws_access_key_id=[REDACTED:aws-access-key]');
    expect(redactText(`validated ${jwt} ok`)).toBe('validated [REDACTED:jwt] ok');
    expect(redactText(`{"password": "${pw}", "user": "bob"}`)).toBe('{"password": "[REDACTED]", "user": "bob"}');
    expect(redactText(pem('RSA PRIVATE KEY'))).toBe('-----BEGIN RSA PRIVATE KEY-----[REDACTED:private-key]-----END RSA PRIVATE KEY-----');
  });

  it('masks several secrets on one multi-line text and keeps the other lines', () => {
    const text = `starting\npassword=${pw}\nconnected to postgres://app:${pw}@db/shop\nready`;
    expect(redactText(text)).toBe('starting\npassword=[REDACTED]\nconnected to postgres://app:[REDACTED]@db/shop\nready');
  });
});

describe('redactText: ordinary text stays byte-identical', () => {
  it('has at least 10 cases', () => expect(negatives.length).toBeGreaterThanOrEqual(10));
  it.each(negatives)('%s', (line) => {
    expect(redactText(line)).toBe(line);
  });
});

describe('redactText: properties', () => {
  const fragments = [
    'password', 'token', 'secret', 'authorization', 'cookie', 'apikey', '--password', '-D', 'x.token',
    '=', ':', ': ', '=>', ' ', '\n', '\\n', '"', "'", '\\"', '&', ';', ',', '@', '://', 'postgres://', 'a:b@',
    '@tcp(', 'Bearer ', 'Basic ', 'dXNlcjpwYXNz', 'AKIA', awsKeyId, 'eyJ', jwt, '.', '-----BEGIN PRIVATE KEY-----',
    '-----END PRIVATE KEY-----', 'ghp_', `ghp_${fill(36)}`, 'xoxb-', 'hooks.slack.com/services/', 'sk_live_',
    'IQoJb3JpZ2lu', '[REDACTED]', '[REDACTED:jwt]', '[', ']', 'null', 'is', 'oauth2:', '${X}', 'hunter2', 'abc',
    fill(64, B64, 11), '/', '?', '#', '*',
  ];
  const structured = fc.array(fc.oneof(fc.constantFrom(...fragments), fc.string({ maxLength: 4 })), { maxLength: 25 }).map((a) => a.join(''));
  const anyText = fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), fc.string({ maxLength: 200 }), structured);

  it('is idempotent, never throws and has bounded output', () => {
    fc.assert(
      fc.property(anyText, (s) => {
        const once = redactText(s);
        expect(redactText(once)).toBe(once);
        expect(once.length).toBeLessThanOrEqual(4 * s.length + 64);
      }),
      { numRuns: 3000 },
    );
  });

  it('never reveals a planted password after a secret key', () => {
    const key = fc.constantFrom('password', 'PASSWORD', 'db_password', 'secret', 'client_secret', 'api_key', 'X-Api-Key', 'token', 'access_token', 'pwd', 'passwd');
    const value = fc.stringMatching(/^[A-Za-z0-9!%^*()+\-_/]{6,30}$/).map((v) => `Q9${v}`);
    const sep = fc.constantFrom('=', ': ', ':', ' = ', '="', "='", '": "');
    fc.assert(
      fc.property(fc.string({ maxLength: 20 }), key, sep, value, (prefix, k, sp, v) => {
        const text = `${prefix.replace(/[\w.-]$/, '')} ${k}${sp}${v}${sp.endsWith('"') ? '"' : sp.endsWith("'") ? "'" : ''} done`;
        expect(redactText(text)).not.toContain(v);
      }),
      { numRuns: 1000 },
    );
  });

  it.each([
    ['a', 1e6], ['=', 1e6], ['eyJ', 3e5], ['eyJ-', 2.5e5], ['a.', 5e5], ['password: ', 1e5], ['token:', 1.5e5],
    ['a://b:', 1.5e5], ['a-a:', 2.5e5], ['Bearer ', 1.4e5], ['-----BEGIN PRIVATE KEY-----', 4e4], ['"password":"', 8e4],
    ['\\"token\\":\\"', 7e4], ['--token ', 1.2e5], ['a:a@', 2.5e5], ['x@tcp(', 1.7e5], ['SG.', 3e5], [`${'Ab1'.repeat(22)}\n`, 1.5e4],
  ] as const)('returns on 1 MB of adversarial input %j', (unit, n) => {
    const s = unit.repeat(n);
    const out = redactText(s);
    expect(typeof out).toBe('string');
    expect(out.length).toBeLessThanOrEqual(4 * s.length + 64);
  });
});

describe('isSecretKeyName', () => {
  it.each([
    'password', 'Password', 'PASSWORD', 'db_password', 'passwd', 'pwd', 'DB_PASS', 'secret', 'clientSecret', 'client_secret',
    'token', 'accessToken', 'refresh_token', 'apiKey', 'api_key', 'API-KEY', 'x-api-key', 'access_key', 'secretAccessKey',
    'private_key', 'authorization', 'Proxy-Authorization', 'cookie', 'Set-Cookie', 'routing_key', 'credentials', 'auth',
    'AccountKey', 'sig', 'X-Amz-Signature', 'client-key-data', 'service_key', 'integration_key', 'dsn',
  ])('%s is secret', (k) => expect(isSecretKeyName(k)).toBe(true));
  it.each([
    'secretName', 'secretKeyRef', 'secretRef', 'imagePullSecrets', 'automountServiceAccountToken', 'tokenPath',
    'password_file', 'max_tokens', 'token_type', 'expires_in', 'name', 'key', 'username', 'bypass', 'passthrough',
    'author', 'tokenExpirationSeconds', 'version', 'message',
  ])('%s is not secret', (k) => expect(isSecretKeyName(k)).toBe(false));
});

describe('redactDeep', () => {
  it('masks values of secret-named keys whatever the value, case-insensitively', () => {
    const input = {
      password: 'hunter2', PASSWORD: 12345, passwd: 'x', Secret: { nested: 'value' }, token: ['a', 'b'], apiKey: 'k',
      api_key: 'k', access_key: 'k', private_key: 'k', client_secret: 'k', Authorization: 'Bearer k', cookie: 'c=1',
      routing_key: 'R0abc', credentials: { user: 'u', pass: 'p' }, enabled: true, count: 3, user: 'bob',
    };
    expect(redactDeep(input)).toEqual({
      password: REDACTED, PASSWORD: REDACTED, passwd: REDACTED, Secret: REDACTED, token: REDACTED, apiKey: REDACTED,
      api_key: REDACTED, access_key: REDACTED, private_key: REDACTED, client_secret: REDACTED, Authorization: REDACTED,
      cookie: REDACTED, routing_key: REDACTED, credentials: REDACTED, enabled: true, count: 3, user: 'bob',
    });
  });

  it('keeps null, booleans and empty strings under secret keys (they carry no secret)', () => {
    expect(redactDeep({ password: null, token: '', secret: false, apiKey: undefined })).toEqual({ password: null, token: '', secret: false, apiKey: undefined });
  });

  it('redacts every string, in nested objects and arrays', () => {
    const alert = {
      labels: { alertname: 'KubePodCrashLooping', pod: 'cart-7d9f8b6c5d-x2x9k' },
      evidence: { logs: ['starting', `connecting to postgres://app:${pw}@db:5432/shop`, `Authorization: Bearer ${jwt}`], events: [{ message: 'Back-off restarting failed container app' }] },
    };
    const out = redactDeep(alert);
    expect(JSON.stringify(out)).not.toContain(pw);
    expect(JSON.stringify(out)).not.toContain(jwt.split('.')[2]!);
    expect(out.evidence.logs[1]).toBe('connecting to postgres://app:[REDACTED]@db:5432/shop');
    expect(out.labels).toEqual(alert.labels);
    expect(out.evidence.events[0]!.message).toBe('Back-off restarting failed container app');
  });

  it('does not mutate its input', () => {
    const input = { a: { password: 'hunter2', list: [`token=${pw}`, { secret: 's' }] }, b: 'password=abc' };
    const before = structuredClone(input);
    const deepFreeze = (o: unknown): void => { if (o && typeof o === 'object') { Object.freeze(o); Object.values(o).forEach(deepFreeze); } };
    deepFreeze(input);
    const out = redactDeep(input);
    expect(input).toEqual(before);
    expect(out).not.toBe(input);
    expect(out.a).not.toBe(input.a);
    expect(out.a.list[0]).toBe('token=[REDACTED]');
  });

  it('handles cycles and shared references', () => {
    type Node = { name: string; password?: string; self?: Node; peers: Node[] };
    const a: Node = { name: 'a', password: 'x', peers: [] };
    const b: Node = { name: `b token=${pw}`, peers: [a] };
    a.self = a;
    a.peers.push(b, a);
    const out = redactDeep({ root: a, again: a });
    expect(out.root.self).toBe(out.root);
    expect(out.again).toBe(out.root);
    expect(out.root.peers[1]).toBe(out.root);
    expect(out.root.peers[0]!.peers[0]).toBe(out.root);
    expect(out.root.password).toBe(REDACTED);
    expect(out.root.peers[0]!.name).toBe('b token=[REDACTED]');
    expect(a.password).toBe('x');
  });

  it('masks Kubernetes Secret data, env name/value pairs and docker auth, but keeps references', () => {
    const secret = {
      apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/dockerconfigjson',
      metadata: {
        name: 'regcred', namespace: 'shop',
        annotations: { 'kubectl.kubernetes.io/last-applied-configuration': `${JSON.stringify({ apiVersion: 'v1', kind: 'Secret', data: { '.dockerconfigjson': 'eyJhdXRocyI6e30=' }, metadata: { name: 'regcred' } })}\n` },
      },
      data: { '.dockerconfigjson': 'eyJhdXRocyI6e30=' },
      stringData: { username: 'bob' },
    };
    const out = redactDeep(secret);
    expect(out.data).toEqual({ '.dockerconfigjson': REDACTED });
    expect(out.stringData).toEqual({ username: REDACTED });
    expect(out.metadata.name).toBe('regcred');
    const lastApplied = out.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration'];
    expect(lastApplied).not.toContain('eyJhdXRocyI6e30=');
    expect(lastApplied.endsWith('}\n')).toBe(true);

    const podSpec = {
      imagePullSecrets: [{ name: 'regcred' }],
      automountServiceAccountToken: false,
      containers: [{
        name: 'app',
        env: [
          { name: 'DB_PASSWORD', value: pw }, { name: 'LOG_LEVEL', value: 'info' },
          { name: 'API_TOKEN', valueFrom: { secretKeyRef: { name: 'api', key: 'token' } } },
        ],
        volumeMounts: [{ name: 'creds', mountPath: '/secrets' }],
      }],
      volumes: [{ name: 'creds', secret: { secretName: 'db-credentials' } }],
    };
    const spec = redactDeep(podSpec);
    expect(spec.containers[0]!.env).toEqual([
      { name: 'DB_PASSWORD', value: REDACTED }, { name: 'LOG_LEVEL', value: 'info' },
      { name: 'API_TOKEN', valueFrom: { secretKeyRef: { name: 'api', key: 'token' } } },
    ]);
    expect(spec.imagePullSecrets).toEqual([{ name: 'regcred' }]);
    expect(spec.automountServiceAccountToken).toBe(false);
    expect(spec.volumes[0]!.secret).toBe(REDACTED); // a key named "secret" is masked whatever it holds

    const docker = redactDeep({ auths: { 'ghcr.io': { username: 'bot', password: pw, auth: btoa(`bot:${pw}`) } } });
    expect(docker).toEqual({ auths: { 'ghcr.io': { username: 'bot', password: REDACTED, auth: REDACTED } } });
  });

  it('passes primitives through and copes with odd objects', () => {
    expect(redactDeep(42)).toBe(42);
    expect(redactDeep(null)).toBe(null);
    expect(redactDeep(`password=${pw}`)).toBe('password=[REDACTED]');
    const d = new Date(0);
    expect(redactDeep({ d }).d).toBe(d);
    const m = redactDeep(new Map<string, unknown>([['token', 'abc'], ['note', `password=${pw}`]]));
    expect([...m]).toEqual([['token', REDACTED], ['note', 'password=[REDACTED]']]);
    const evil = JSON.parse('{"__proto__": {"password": "x"}, "a": 1}') as Record<string, unknown>;
    const out = redactDeep(evil);
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.keys(out)).toEqual(['__proto__', 'a']);
    expect(({} as Record<string, unknown>)['password']).toBeUndefined();
  });

  it('handles deep nesting without recursion limits', () => {
    let deep: unknown = `token=${pw}`;
    for (let i = 0; i < 50_000; i++) deep = [deep];
    let out = redactDeep(deep);
    for (let i = 0; i < 50_000; i++) out = (out as unknown[])[0];
    expect(out).toBe('token=[REDACTED]');
  });

  it('pushes 1000 alerts through (smoke; no timing assertion)', () => {
    const alerts = Array.from({ length: 1000 }, (_, i) => ({
      status: 'firing',
      labels: { alertname: 'KubePodCrashLooping', namespace: 'shop', pod: `cart-${i}`, severity: 'critical' },
      annotations: { summary: `Pod shop/cart-${i} is crash looping`, runbook_url: 'https://runbooks.example.com/crashloop' },
      evidence: {
        logs: Array.from({ length: 50 }, (_, j) => j === 7 ? `db connect postgres://app:${pw}@db:5432/shop` : `2024-01-01T00:00:${String(j).padStart(2, '0')}Z level=info msg="handled request" path=/api/cart/${i} status=200 duration=1.2ms`),
        events: [{ reason: 'BackOff', message: `Back-off restarting failed container app in pod cart-${i}_shop(1f0c8a4e)` }],
      },
    }));
    const out = redactDeep(alerts);
    expect(out).toHaveLength(1000);
    expect(JSON.stringify(out)).not.toContain(pw);
    expect(out[3]!.evidence.logs[8]).toBe(alerts[3]!.evidence.logs[8]);
  });
});
