import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { SignJWT } from 'jose';
import { approvalLink, createApprovalId } from '../../functions/approval/approval-link';
import { putPendingApproval } from '../../functions/approval/approval-store';
import { createApprovalApiHandler } from '../../functions/handlers/approval-api';
import type { Runtime } from '../../functions/platform/runtime';
import { LINK_SECRET, TASK_TOKEN, assessment, finding, testRuntime } from '../approval/fixtures';
import { createApprovalTable, startDynalite, type LocalDynamo } from '../support/dynalite';
import { captureLogs } from '../support/captured-logs';

/**
 * Forged sign-ins: an identity provider (a stand-in on loopback, so the test controls what its token endpoint answers)
 * hands the approval API ID tokens that must never become a person. Each: 401, no session cookie, nothing decided,
 * and neither the token nor the code in any log line. The real flow through oidc-provider: the e2e and workflow tests.
 */

const TABLE = 'approvals-sign-in-attacks';
const CLIENT_ID = 'hubfix-approval-page';
const sfn = mockClient(SFNClient);
const secrets = mockClient(SecretsManagerClient);
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const logLines = captureLogs();
let dynamo: LocalDynamo;
let server: Server;
let issuer: string;
let rt: Runtime;
let idToken = '';

const context = { functionName: 'approval-api', awsRequestId: 'req-1', getRemainingTimeInMillis: () => 10_000 } as unknown as Context;
const invoke = (event: Partial<APIGatewayProxyEvent>): Promise<APIGatewayProxyResult> =>
  createApprovalApiHandler(() => rt)(
    {
      headers: {},
      queryStringParameters: null,
      pathParameters: null,
      body: null,
      isBase64Encoded: false,
      ...event,
    } as APIGatewayProxyEvent,
    context,
  );

beforeAll(async () => {
  dynamo = await startDynalite();
  await createApprovalTable(dynamo.client, TABLE);
  server = createServer((request, response) => {
    const json = (body: unknown) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    if (request.url === '/.well-known/openid-configuration') {
      return json({
        issuer,
        authorization_endpoint: `${issuer}/authorize`,
        token_endpoint: `${issuer}/token`,
        jwks_uri: `${issuer}/jwks`,
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256'],
      });
    }
    if (request.url === '/jwks') return json({ keys: [{ ...publicKey.export({ format: 'jwk' }), kid: 'k1', use: 'sig', alg: 'RS256' }] });
    if (request.url === '/token') return json({ access_token: 'at', token_type: 'Bearer', expires_in: 300, id_token: idToken });
    response.writeHead(404);
    response.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  issuer = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const base = testRuntime(dynamo.client, TABLE, () => new Date());
  rt = { ...base, settings: { ...base.settings, authIssuer: issuer } };
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await dynamo.stop();
});

beforeEach(() => {
  sfn.reset();
  secrets.reset();
  secrets.on(GetSecretValueCommand).resolves({ SecretString: LINK_SECRET });
});

/** Starts a sign-in for a pending approval: the sign-in cookie and the state and nonce the provider was sent. */
const startSignIn = async () => {
  const approvalId = createApprovalId();
  const expiresAt = Math.floor(Date.now() / 1000) + 3600;
  await putPendingApproval(rt, {
    approvalId,
    kind: 'remediation',
    taskToken: TASK_TOKEN,
    executionId: 'arn:aws:states:us-east-1:111111111111:execution:hubfix:attack',
    finding: finding(),
    assessment: assessment(),
    trigger: 'custom-action',
    createdAt: new Date().toISOString(),
    expiresAt,
  });
  const link = new URL(approvalLink(rt.settings.approvalBaseUrl, approvalId, expiresAt, LINK_SECRET));
  const started = await invoke({
    httpMethod: 'GET',
    path: `/approvals/${approvalId}/sign-in`,
    queryStringParameters: { e: link.searchParams.get('e') ?? '', s: link.searchParams.get('s') ?? '' },
  });
  const location = new URL(started.headers?.Location as string);
  const cookie = String(started.multiValueHeaders?.['Set-Cookie']?.[0]).split(';')[0];
  return { started, location, cookie, state: location.searchParams.get('state') ?? '', nonce: location.searchParams.get('nonce') ?? '' };
};

const callback = (cookie: string, state: string) =>
  invoke({ httpMethod: 'GET', path: '/auth/callback', headers: { Cookie: cookie }, queryStringParameters: { code: 'code-123', state } });

const now = () => Math.floor(Date.now() / 1000);
const rs256 = (claims: Record<string, unknown>) => new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).sign(privateKey);
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('forged sign-ins never become a person', () => {
  it('starts with PKCE (S256), state and nonce, and a sealed Lax sign-in cookie', async () => {
    const { location, started } = await startSignIn();
    expect(location.origin).toBe(issuer);
    expect(location.searchParams.get('code_challenge_method')).toBe('S256');
    expect(location.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(location.searchParams.get('redirect_uri')).toBe(`${rt.settings.approvalBaseUrl}/auth/callback`);
    expect(started.multiValueHeaders?.['Set-Cookie']?.[0]).toMatch(
      /^__Host-hubfix-sign-in=[^;]+; Path=\/; Max-Age=600; HttpOnly; Secure; SameSite=Lax$/,
    );
  });

  it('accepts a correctly signed token for this client (the harness works)', async () => {
    const { cookie, state, nonce } = await startSignIn();
    idToken = await rs256({
      iss: issuer,
      aud: CLIENT_ID,
      sub: 'ana',
      nonce,
      iat: now(),
      exp: now() + 300,
      'cognito:groups': ['hubfix-approvers'],
    });

    const response = await callback(cookie, state);

    expect(response.statusCode).toBe(200);
    expect(response.multiValueHeaders?.['Set-Cookie']?.[0]).toMatch(
      /^__Host-hubfix-session=[^;]+; Path=\/; Max-Age=900; HttpOnly; Secure; SameSite=Strict$/,
    );
  });

  it.each([
    [
      'from another issuer',
      async (nonce: string) => rs256({ iss: 'https://evil.example', aud: CLIENT_ID, sub: 'ana', nonce, iat: now(), exp: now() + 300 }),
    ],
    [
      'for another audience',
      async (nonce: string) => rs256({ iss: issuer, aud: 'another-app', sub: 'ana', nonce, iat: now(), exp: now() + 300 }),
    ],
    [
      'that expired',
      async (nonce: string) => rs256({ iss: issuer, aud: CLIENT_ID, sub: 'ana', nonce, iat: now() - 7200, exp: now() - 3600 }),
    ],
    [
      'with another nonce (replayed from another sign-in)',
      async () => rs256({ iss: issuer, aud: CLIENT_ID, sub: 'ana', nonce: 'old', iat: now(), exp: now() + 300 }),
    ],
    [
      'with alg none',
      async (nonce: string) =>
        `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ iss: issuer, aud: CLIENT_ID, sub: 'ana', nonce, iat: now(), exp: now() + 300 })}.`,
    ],
    [
      'signed HS256 with the public key (key confusion)',
      async (nonce: string) =>
        new SignJWT({ iss: issuer, aud: CLIENT_ID, sub: 'ana', nonce, iat: now(), exp: now() + 300 })
          .setProtectedHeader({ alg: 'HS256', kid: 'k1' })
          .sign(new TextEncoder().encode(publicKey.export({ format: 'pem', type: 'spki' }).toString())),
    ],
    [
      'signed by another key under the right kid',
      async (nonce: string) =>
        new SignJWT({ iss: issuer, aud: CLIENT_ID, sub: 'ana', nonce, iat: now(), exp: now() + 300 })
          .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
          .sign(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey),
    ],
  ])('refuses a token %s: 401, no session, nothing logged that could be replayed', async (_name, forge) => {
    const { cookie, state, nonce } = await startSignIn();
    idToken = await forge(nonce);

    const response = await callback(cookie, state);

    expect(response.statusCode).toBe(401);
    expect(response.body).toContain('Nothing was decided');
    expect(JSON.stringify(response.multiValueHeaders ?? {})).not.toContain('__Host-hubfix-session=');
    expect(sfn.calls()).toHaveLength(0);
    for (const line of logLines) {
      expect(line).not.toContain(idToken);
      expect(line).not.toContain('code-123');
      expect(line).not.toContain(cookie.split('=')[1]);
    }
  });

  it('refuses a callback without the sign-in cookie (a login CSRF) or with a wrong state', async () => {
    const { cookie, nonce } = await startSignIn();
    idToken = await rs256({ iss: issuer, aud: CLIENT_ID, sub: 'ana', nonce, iat: now(), exp: now() + 300 });

    const noCookie = await callback('', 'whatever');
    const wrongState = await callback(cookie, 'not-the-state');

    expect([noCookie.statusCode, wrongState.statusCode]).toEqual([401, 401]);
  });

  it('refuses a forged session cookie (alg none JWT) on the decision POST', async () => {
    const claims = { person: { issuer, subject: 'ana', groups: ['hubfix-approvers'] }, csrf: 'x'.repeat(43) };
    const forged = `${b64({ alg: 'none' })}.${b64(claims)}.`;

    const response = await invoke({
      httpMethod: 'POST',
      path: `/approvals/${createApprovalId()}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded', Cookie: `__Host-hubfix-session=${forged}` },
      body: `decision=approve&csrf=${'x'.repeat(43)}`,
    });

    expect(response.statusCode).toBe(401);
    expect(sfn.calls()).toHaveLength(0);
  });
});
