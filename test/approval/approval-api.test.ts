import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { InvalidToken, SendTaskFailureCommand, SendTaskSuccessCommand, SFNClient, TaskTimedOut } from '@aws-sdk/client-sfn';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { createApprovalApiHandler } from '../../functions/handlers/approval-api';
import { approvalLink, createApprovalId, signApproval } from '../../functions/approval/approval-link';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { getApproval, putPendingApproval, type VerifiedPerson } from '../../functions/approval/approval-store';
import { createSession } from '../../functions/approval/session';
import { documentClient } from '../../functions/platform/dynamo';
import { logger } from '../../functions/platform/logger';
import type { Runtime } from '../../functions/platform/runtime';
import type { ApprovalDecision, FindingRef } from '../../functions/findings/types';
import { createApprovalTable, startDynalite, type LocalDynamo } from '../support/dynalite';
import { LINK_SECRET, NOW, TASK_TOKEN, assessment, finding, testRuntime, version1Item } from './fixtures';
import { captureLogs } from '../support/captured-logs';

const TABLE = 'approvals-api-test';
const NOW_S = NOW.getTime() / 1000;
const sfn = mockClient(SFNClient);
const secrets = mockClient(SecretsManagerClient);

let dynamo: LocalDynamo;
let rt: Runtime;
let clock: Date;
const logLines = captureLogs();
const signaturesIssued: string[] = [];

const context = { functionName: 'approval-api', awsRequestId: 'req-1', getRemainingTimeInMillis: () => 10_000 } as unknown as Context;

const invoke = async (event: Partial<APIGatewayProxyEvent>): Promise<APIGatewayProxyResult> => {
  // Powertools resets the level on each invocation (sampling refresh), so raise it where the handler starts.
  const handler = createApprovalApiHandler(() => {
    logger.setLogLevel('DEBUG');
    return rt;
  });
  return handler(
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
};

/** A pending approval as RequestApproval stores it, and the parts of its emailed link. */
const pendingApproval = async (overrides: { finding?: FindingRef; expiresAt?: number } = {}) => {
  const approvalId = createApprovalId();
  const expiresAt = overrides.expiresAt ?? NOW_S + 3600;
  await putPendingApproval(rt, {
    approvalId,
    kind: 'remediation',
    taskToken: TASK_TOKEN,
    executionId: 'arn:aws:states:us-east-1:111111111111:execution:hubfix:exec-1',
    finding: overrides.finding ?? finding(),
    assessment: assessment(),
    trigger: 'custom-action',
    createdAt: NOW.toISOString(),
    expiresAt,
  });
  const link = new URL(approvalLink(rt.settings.approvalBaseUrl, approvalId, expiresAt, LINK_SECRET));
  const e = link.searchParams.get('e')!;
  const s = link.searchParams.get('s')!;
  signaturesIssued.push(s);
  return { approvalId, e, s, path: `/approvals/${approvalId}` };
};

const ISSUER = 'https://idp.example.com';
const people = {
  ana: { name: 'Ana Lima', groups: ['hubfix-approvers'] },
  bo: { name: 'Bo', groups: ['hubfix-approvers'] },
  cy: { name: 'Cy', groups: ['hubfix-approvers'] },
  mallory: { name: 'Mallory', groups: ['hubfix-approvers'] },
  devi: { name: 'Devi', groups: ['developers'] },
};
type Who = keyof typeof people;
const personOf = (who: Who): VerifiedPerson => ({
  issuer: ISSUER,
  subject: who,
  email: `${who}@example.com`,
  channel: 'web',
  ...people[who],
});

/** A signed-in browser's session cookie and the CSRF token its page carries (sign-in itself: sign-in.test.ts, e2e). */
const sessionOf = async (who: Who) => {
  const { session, setCookie } = await createSession(rt, personOf(who));
  return { cookie: setCookie.split(';')[0], csrf: session.csrf };
};

const get = async (path: string, query: Record<string, string>, as: Who | 'nobody' = 'ana') =>
  invoke({
    httpMethod: 'GET',
    path,
    queryStringParameters: query,
    headers: as === 'nobody' ? {} : { Cookie: (await sessionOf(as)).cookie },
  });

const post = async (
  path: string,
  fields: Record<string, string>,
  options: { base64?: boolean; contentType?: string; as?: Who; headers?: Record<string, string> } = {},
) => {
  const { cookie, csrf } = await sessionOf(options.as ?? 'ana');
  const body = new URLSearchParams({ csrf, ...fields }).toString();
  return invoke({
    httpMethod: 'POST',
    path,
    headers: { 'Content-Type': options.contentType ?? 'application/x-www-form-urlencoded', Cookie: cookie, ...options.headers },
    body: options.base64 ? Buffer.from(body).toString('base64') : body,
    isBase64Encoded: options.base64 ?? false,
  });
};

const sentDecisions = (): ApprovalDecision[] =>
  sfn.commandCalls(SendTaskSuccessCommand).map((call) => JSON.parse(call.args[0].input.output ?? '{}') as ApprovalDecision);

beforeAll(async () => {
  dynamo = await startDynalite();
  await createApprovalTable(dynamo.client, TABLE);
  rt = testRuntime(dynamo.client, TABLE, () => clock);
});

afterAll(async () => {
  await dynamo.stop();
});

beforeEach(() => {
  clock = NOW;
  sfn.reset();
  sfn.on(SendTaskSuccessCommand).resolves({});
  secrets.reset();
  secrets.on(GetSecretValueCommand).resolves({ SecretString: LINK_SECRET });
});

describe('GET /approvals/{id}', () => {
  it('renders the confirmation page and decides nothing', async () => {
    // Prepare
    const { approvalId, e, s, path } = await pendingApproval();

    // Act
    const response = await get(path, { e, s });

    // Assess
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('IAM.3');
    expect(response.body).toContain('IAM users access keys should be rotated every 90 days or less');
    expect(response.body).toContain('222222222222');
    expect(response.body).toContain('arn:aws:iam::222222222222:user/ci-deployer');
    expect(response.body).toContain('iam:GetAccessKeyLastUsed');
    expect(response.body).toContain('Deactivate access key AKIA...XYZ of ci-deployer');
    expect(response.body).toContain('deactivating it may break deployments');
    expect(response.body).toContain('2025-03-01 13:00 UTC');
    expect(response.body).toMatch(/<form method="post"/);
    expect(response.body).toContain(`name="e" value="${e}"`);
    expect(response.body).toContain(`name="s" value="${s}"`);
    expect(response.body).toContain('name="decision" value="approve"');
    expect(response.body).toContain('name="decision" value="reject"');
    expect(response.body).not.toContain('<script');
    expect(response.body).not.toContain(TASK_TOKEN);
    expect(sfn.calls()).toHaveLength(0);
    expect((await getApproval(rt, approvalId))?.status).toBe('PENDING');
  });

  it('sends the security headers', async () => {
    // Prepare
    const { e, s, path } = await pendingApproval();

    // Act
    const { headers } = await get(path, { e, s });

    // Assess
    expect(headers?.['Content-Security-Policy']).toMatch(/default-src 'none'/);
    expect(headers?.['Content-Security-Policy']).toMatch(/form-action 'self'/);
    expect(headers?.['Content-Security-Policy']).toMatch(/frame-ancestors 'none'/);
    expect(headers?.['Content-Security-Policy']).not.toMatch(/script-src/);
    expect(headers).toMatchObject({
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'Cache-Control': 'no-store',
      'X-Robots-Tag': expect.stringContaining('noindex'),
      'Content-Type': 'text/html; charset=utf-8',
    });
  });

  it('escapes a hostile finding title and resource id', async () => {
    // Prepare
    const hostile = finding({
      title: '<script>alert("x")</script><img src=x onerror=alert(1)>',
      resource: {
        type: 'AwsIamUser',
        id: '"><iframe src="https://evil.example">',
        canonicalId: '"><iframe src="https://evil.example">',
        region: 'us-east-1',
        partition: 'aws',
      },
    });
    const { e, s, path } = await pendingApproval({ finding: hostile });

    // Act
    const response = await get(path, { e, s });

    // Assess
    expect(response.statusCode).toBe(200);
    expect(response.body).not.toContain('<script>');
    expect(response.body).not.toContain('<img');
    expect(response.body).not.toContain('<iframe');
    expect(response.body).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
  });

  it('refuses a forged signature with 403', async () => {
    // Prepare
    const { e, s, path } = await pendingApproval();
    const forged = `${s.slice(0, -1)}${s.endsWith('A') ? 'B' : 'A'}`;

    // Act
    const response = await get(path, { e, s: forged });

    // Assess
    expect(response.statusCode).toBe(403);
    expect(response.body).not.toContain('name="decision"');
  });

  it('refuses an expired link with 410', async () => {
    // Prepare
    const { e, s, path } = await pendingApproval();
    clock = new Date((NOW_S + 3601) * 1000);

    // Act
    const response = await get(path, { e, s });

    // Assess
    expect(response.statusCode).toBe(410);
  });

  it('answers 404 for a validly signed but unknown approval id', async () => {
    // Prepare
    const approvalId = createApprovalId();
    const e = String(NOW_S + 3600);

    // Act
    const response = await get(`/approvals/${approvalId}`, { e, s: signApproval(LINK_SECRET, approvalId, NOW_S + 3600) });

    // Assess
    expect(response.statusCode).toBe(404);
  });

  it('answers 404 for an unknown path', async () => {
    expect((await get('/admin', {})).statusCode).toBe(404);
    expect((await get('/approvals/not-an-id/extra', {})).statusCode).toBe(404);
  });
});

describe('POST /approvals/{id}', () => {
  it('approves once: sends the decision through SendTaskSuccess and shows who decided', async () => {
    // Prepare
    const { approvalId, e, s, path } = await pendingApproval();

    // Act
    const response = await post(path, { e, s, decision: 'approve', reason: '' });

    // Assess
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('Ana Lima');
    expect(response.body).toContain('approved');
    expect(sfn).toHaveReceivedCommandTimes(SendTaskSuccessCommand, 1);
    expect(sfn).toHaveReceivedCommandWith(SendTaskSuccessCommand, { taskToken: TASK_TOKEN });
    expect(sentDecisions()).toEqual([
      {
        decision: 'approved',
        approver: 'Ana Lima <ana@example.com>',
        reason: '',
        decidedAt: NOW.toISOString(),
        votes: [{ ...personOf('ana'), decision: 'approve', reason: '', at: NOW.toISOString() }],
      },
    ]);
    expect(await getApproval(rt, approvalId)).toMatchObject({ status: 'APPROVED', approver: 'Ana Lima <ana@example.com>' });
  });

  it('sends a rejection as SendTaskSuccess with decision "rejected", never SendTaskFailure', async () => {
    // Prepare
    const { approvalId, e, s, path } = await pendingApproval();

    // Act
    const response = await post(path, { e, s, decision: 'reject', reason: 'The key is used by the release pipeline' });

    // Assess
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('rejected');
    expect(response.body).toContain('The key is used by the release pipeline');
    expect(sentDecisions()).toEqual([
      expect.objectContaining({
        decision: 'rejected',
        approver: 'Ana Lima <ana@example.com>',
        reason: 'The key is used by the release pipeline',
        decidedAt: NOW.toISOString(),
      }),
    ]);
    expect(sfn).not.toHaveReceivedCommand(SendTaskFailureCommand);
    expect((await getApproval(rt, approvalId))?.status).toBe('REJECTED');
  });

  it('handles a base64-encoded body', async () => {
    // Prepare
    const { e, s, path } = await pendingApproval();

    // Act
    const response = await post(path, { e, s, decision: 'approve' }, { base64: true });

    // Assess
    expect(response.statusCode).toBe(200);
    expect(sfn).toHaveReceivedCommandTimes(SendTaskSuccessCommand, 1);
  });

  it('answers a replay with 409 and sends exactly one SendTaskSuccess', async () => {
    // Prepare
    const { e, s, path } = await pendingApproval();
    await post(path, { e, s, decision: 'approve' });

    // Act
    const replay = await post(path, { e, s, decision: 'reject', reason: 'changed my mind' }, { as: 'mallory' });
    const pageAfter = await get(path, { e, s });

    // Assess
    expect(replay.statusCode).toBe(409);
    expect(replay.body).toContain('Ana');
    expect(pageAfter.statusCode).toBe(409);
    expect(sfn).toHaveReceivedCommandTimes(SendTaskSuccessCommand, 1);
  });

  it('gives exactly one decision when two approvers race', async () => {
    // Prepare
    const { e, s, path } = await pendingApproval();

    // Act
    const responses = await Promise.all([
      post(path, { e, s, decision: 'approve' }),
      post(path, { e, s, decision: 'reject', reason: 'no' }, { as: 'bo' }),
      post(path, { e, s, decision: 'approve' }, { as: 'cy' }),
    ]);

    // Assess
    expect(responses.map((r) => r.statusCode).sort()).toEqual([200, 409, 409]);
    expect(sfn).toHaveReceivedCommandTimes(SendTaskSuccessCommand, 1);
  });

  it('refuses an expired link with 410 and sends nothing', async () => {
    // Prepare
    const { approvalId, e, s, path } = await pendingApproval();
    clock = new Date((NOW_S + 3600) * 1000);

    // Act
    const response = await post(path, { e, s, decision: 'approve' });

    // Assess
    expect(response.statusCode).toBe(410);
    expect(sfn.calls()).toHaveLength(0);
    expect((await getApproval(rt, approvalId))?.status).toBe('PENDING');
  });

  it.each([
    ['forged', (s: string) => `${s.slice(0, -2)}${s.endsWith('AA') ? 'BB' : 'AA'}`],
    ['truncated', (s: string) => s.slice(0, 20)],
    ['empty', () => ''],
  ])('refuses a %s signature with 403 and sends nothing', async (_name, tamper) => {
    // Prepare
    const { approvalId, e, s, path } = await pendingApproval();

    // Act
    const response = await post(path, { e, s: tamper(s), decision: 'approve' });

    // Assess
    expect(response.statusCode).toBe(403);
    expect(sfn.calls()).toHaveLength(0);
    expect((await getApproval(rt, approvalId))?.status).toBe('PENDING');
  });

  it("refuses another approval's signature used on this approval id", async () => {
    // Prepare
    const mine = await pendingApproval();
    const other = await pendingApproval();

    // Act
    const response = await post(other.path, { e: mine.e, s: mine.s, decision: 'approve' });

    // Assess
    expect(response.statusCode).toBe(403);
    expect(sfn.calls()).toHaveLength(0);
    expect((await getApproval(rt, other.approvalId))?.status).toBe('PENDING');
  });

  it('refuses an extended expiry with 403', async () => {
    // Prepare
    const { e, s, path } = await pendingApproval();

    // Act
    const response = await post(path, { e: String(Number(e) + 86400), s, decision: 'approve' });

    // Assess
    expect(response.statusCode).toBe(403);
  });

  it('requires a reason to reject (400, form shown again, nothing decided)', async () => {
    // Prepare
    const { approvalId, e, s, path } = await pendingApproval();

    // Act
    const response = await post(path, { e, s, decision: 'reject', reason: '   ' });

    // Assess
    expect(response.statusCode).toBe(400);
    expect(response.body).toContain('A reason is required to reject.');
    expect(response.body).toContain('name="decision"');
    expect(sfn.calls()).toHaveLength(0);
    expect((await getApproval(rt, approvalId))?.status).toBe('PENDING');
  });

  it.each([
    ['a reason over 500 characters', { decision: 'reject', reason: 'r'.repeat(501) }],
    ['an unknown decision', { decision: 'maybe' }],
    ['no decision', {}],
  ])('refuses %s with 400', async (_name, fields) => {
    // Prepare
    const { approvalId, e, s, path } = await pendingApproval();

    // Act
    const response = await post(path, { e, s, ...fields });

    // Assess
    expect(response.statusCode).toBe(400);
    expect(sfn.calls()).toHaveLength(0);
    expect((await getApproval(rt, approvalId))?.status).toBe('PENDING');
  });

  it('refuses a body over 8 KB with 413', async () => {
    // Prepare
    const { e, s, path } = await pendingApproval();

    // Act
    const plain = await post(path, { e, s, decision: 'approve', reason: 'r'.repeat(9000) });
    const encoded = await post(path, { e, s, decision: 'approve', reason: 'r'.repeat(9000) }, { base64: true });

    // Assess
    expect(plain.statusCode).toBe(413);
    expect(encoded.statusCode).toBe(413);
    expect(sfn.calls()).toHaveLength(0);
  });

  it('refuses a body that is not a form with 415', async () => {
    // Prepare
    const { e, s, path } = await pendingApproval();

    // Act
    const response = await post(path, { e, s, decision: 'approve' }, { contentType: 'application/json' });

    // Assess
    expect(response.statusCode).toBe(415);
    expect(sfn.calls()).toHaveLength(0);
  });

  it('says the request expired when Step Functions no longer waits for the token', async () => {
    // Prepare
    const { e, s, path } = await pendingApproval();
    sfn.on(SendTaskSuccessCommand).rejects(new TaskTimedOut({ message: 'Task Timed Out', $metadata: {} }));

    // Act
    const response = await post(path, { e, s, decision: 'approve' });

    // Assess
    expect(response.statusCode).toBe(410);
    expect(response.body).toContain('stopped waiting');
  });

  it('undoes the decision when Step Functions cannot be reached, so a retry works', async () => {
    // Prepare
    const { approvalId, e, s, path } = await pendingApproval();
    sfn
      .on(SendTaskSuccessCommand)
      .rejectsOnce(Object.assign(new Error('service unavailable'), { name: 'ServiceUnavailable' }))
      .resolves({});

    // Act
    const first = await post(path, { e, s, decision: 'approve' });
    const statusBetween = (await getApproval(rt, approvalId))?.status;
    const retry = await post(path, { e, s, decision: 'approve' });

    // Assess
    expect(first.statusCode).toBe(503);
    expect(statusBetween).toBe('PENDING');
    expect(retry.statusCode).toBe(200);
    expect(sfn).toHaveReceivedCommandTimes(SendTaskSuccessCommand, 2);
  });
});

describe('who decides: the signed-in person under the policy', () => {
  it('shows a link without a sign-in only a sign-in page: nothing of the finding, no form', async () => {
    // Prepare
    const { e, s, path } = await pendingApproval();

    // Act
    const response = await get(path, { e, s }, 'nobody');

    // Assess
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('Sign in to see this approval request');
    expect(response.body).toContain(`/sign-in?e=${e}&amp;s=${s}`);
    expect(response.body).not.toContain('ci-deployer');
    expect(response.body).not.toContain('name="decision"');
  });

  it('refuses a decision without a session with 401 and decides nothing', async () => {
    // Prepare
    const { approvalId, e, s, path } = await pendingApproval();

    // Act
    const response = await invoke({
      httpMethod: 'POST',
      path,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ e, s, decision: 'approve', approver: 'Ana' }).toString(),
    });

    // Assess
    expect(response.statusCode).toBe(401);
    expect(response.body).toContain('Nothing was decided');
    expect(sfn.calls()).toHaveLength(0);
    expect((await getApproval(rt, approvalId))?.status).toBe('PENDING');
  });

  it.each([
    ['a wrong CSRF token', { fields: { csrf: 'x'.repeat(43) }, headers: {} }],
    ['a form from another origin', { fields: {}, headers: { Origin: 'https://evil.example' } }],
    ['a cross-site fetch', { fields: {}, headers: { 'Sec-Fetch-Site': 'cross-site' } }],
  ])('refuses %s with 403 and decides nothing', async (_name, { fields, headers }) => {
    // Prepare
    const { approvalId, e, s, path } = await pendingApproval();

    // Act
    const response = await post(path, { e, s, decision: 'approve', ...fields }, { headers });

    // Assess
    expect(response.statusCode).toBe(403);
    expect(sfn.calls()).toHaveLength(0);
    expect((await getApproval(rt, approvalId))?.status).toBe('PENDING');
  });

  it('accepts the form from the approval page itself (same origin)', async () => {
    // Prepare
    const { e, s, path } = await pendingApproval();

    // Act
    const response = await post(
      path,
      { e, s, decision: 'approve' },
      { headers: { Origin: 'https://abc123.execute-api.us-east-1.amazonaws.com', 'Sec-Fetch-Site': 'same-origin' } },
    );

    // Assess
    expect(response.statusCode).toBe(200);
  });

  it('tells a signed-in person outside the approver groups why, shows no form, and refuses their POST', async () => {
    // Prepare
    const { approvalId, e, s, path } = await pendingApproval();

    // Act
    const page = await get(path, { e, s }, 'devi');
    const response = await post(path, { e, s, decision: 'approve' }, { as: 'devi' });

    // Assess
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain(
      'You cannot decide this request: You are not in an approver group for this request (one of: hubfix-approvers).',
    );
    expect(page.body).not.toContain('name="decision"');
    expect(response.statusCode).toBe(403);
    expect(response.body).toContain('not in an approver group');
    expect(sfn.calls()).toHaveLength(0);
    expect((await getApproval(rt, approvalId))?.status).toBe('PENDING');
  });

  it('needs two people for a quorum of two: the first vote is recorded, the second decides', async () => {
    // Prepare
    const quorumRt: Runtime = { ...rt, config: { ...rt.config, approvalPolicy: { ...rt.config.approvalPolicy, highRiskQuorum: 2 } } };
    const saved = rt;
    rt = quorumRt;
    const { e, s, path } = await pendingApproval();

    // Act
    const first = await post(path, { e, s, decision: 'approve', reason: 'fine by me' });
    const twice = await post(path, { e, s, decision: 'approve' });
    const pageForBo = await get(path, { e, s }, 'bo');
    const second = await post(path, { e, s, decision: 'approve' }, { as: 'bo' });
    rt = saved;

    // Assess
    expect(first.statusCode).toBe(200);
    expect(first.body).toContain('1 of 2 approvals');
    expect(twice.statusCode).toBe(403);
    expect(twice.body).toContain('already voted');
    expect(pageForBo.body).toContain('needs 2 different approvers; 1 approved so far: Ana Lima &lt;ana@example.com&gt;');
    expect(second.statusCode).toBe(200);
    expect(second.body).toContain('Thank you: decision recorded');
    expect(second.body).toContain('Ana Lima &lt;ana@example.com&gt; and Bo &lt;bo@example.com&gt;');
    expect(sfn).toHaveReceivedCommandTimes(SendTaskSuccessCommand, 1);
  });
});

describe('other methods', () => {
  it.each(['HEAD', 'OPTIONS', 'PUT', 'DELETE', 'PATCH'])('answers %s with 405 and changes nothing', async (httpMethod) => {
    // Prepare
    const { approvalId, e, s, path } = await pendingApproval();

    // Act
    const response = await invoke({
      httpMethod,
      path,
      queryStringParameters: { e, s },
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ e, s, decision: 'approve' }).toString(),
    });

    // Assess
    expect(response.statusCode).toBe(405);
    expect(response.headers?.Allow).toBe('GET, POST');
    expect(sfn.calls()).toHaveLength(0);
    expect((await getApproval(rt, approvalId))?.status).toBe('PENDING');
  });
});

describe('an approval emailed by the previous build (approval schema 1), decided after an upgrade', () => {
  /** Stored as the previous build's RequestApproval stored it: no schemaVersion, no kind, no canonical resource. */
  const version1Approval = async () => {
    const approvalId = createApprovalId();
    const expiresAt = NOW_S + 3600;
    const reported = finding({
      resource: {
        type: 'AwsIamUser',
        id: 'arn:aws:iam::222222222222:user/ops/ci-deployer',
        canonicalId: '',
        region: 'us-east-1',
        partition: 'aws',
      },
    });
    const item = version1Item({
      approvalId,
      taskToken: TASK_TOKEN,
      executionId: 'arn:aws:states:us-east-1:111111111111:execution:hubfix:exec-v1',
      finding: reported,
      assessment: assessment(),
      trigger: 'custom-action',
      status: 'PENDING',
      createdAt: NOW.toISOString(),
      expiresAt,
      ttl: expiresAt + 7 * 86400,
    });
    await documentClient(rt).send(new PutCommand({ TableName: TABLE, Item: item }));
    const link = new URL(approvalLink(rt.settings.approvalBaseUrl, approvalId, expiresAt, LINK_SECRET));
    return { approvalId, e: link.searchParams.get('e')!, s: link.searchParams.get('s')!, path: `/approvals/${approvalId}` };
  };

  it('shows its page, naming the resource as the finding reported it', async () => {
    // Prepare
    const { e, s, path } = await version1Approval();

    // Act
    const response = await get(path, { e, s });

    // Assess
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('Approve a change to arn:aws:iam::222222222222:user/ops/ci-deployer?');
    expect(response.body).toContain('Deactivate access key AKIA...XYZ of ci-deployer');
    expect(response.body).toContain('name="decision" value="approve"');
    expect(response.body).not.toContain(TASK_TOKEN);
  });

  it('decides it once and answers the waiting run with the decision every workflow version reads', async () => {
    // Prepare
    const { approvalId, e, s, path } = await version1Approval();

    // Act
    const response = await post(path, { e, s, decision: 'approve', reason: 'after the upgrade' });
    const replay = await post(path, { e, s, decision: 'reject', reason: 'too late' }, { as: 'bo' });

    // Assess
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('write the outcome onto the finding');
    expect(replay.statusCode).toBe(409);
    expect(sfn).toHaveReceivedCommandTimes(SendTaskSuccessCommand, 1);
    expect(sfn).toHaveReceivedCommandWith(SendTaskSuccessCommand, { taskToken: TASK_TOKEN });
    expect(sentDecisions()).toEqual([
      expect.objectContaining({ decision: 'approved', approver: 'Ana Lima <ana@example.com>', reason: 'after the upgrade' }),
    ]);
    expect(await getApproval(rt, approvalId)).toMatchObject({ status: 'APPROVED' });
  });

  it('refuses a record it cannot read with a page that decides nothing, and logs which fields were missing', async () => {
    // Prepare: a record without its assessment
    const { approvalId, e, s, path } = await version1Approval();
    await documentClient(rt).send(
      new PutCommand({ TableName: TABLE, Item: { approvalId, taskToken: TASK_TOKEN, status: 'PENDING', expiresAt: NOW_S + 3600 } }),
    );
    logLines.length = 0;

    // Act
    const shown = await get(path, { e, s });
    const posted = await post(path, { e, s, decision: 'approve' });

    // Assess
    expect([shown.statusCode, posted.statusCode]).toEqual([500, 500]);
    expect(posted.body).toContain('Nothing was decided');
    expect(sfn.calls()).toHaveLength(0);
    expect(logLines.join('\n')).toMatch(
      new RegExp(
        '"errorName": "UnreadableApprovalError",\\s*"errorMessage": "Approval record \\(schema version 1\\) cannot be read: ' +
          'executionId, finding, assessment, trigger, createdAt, ttl"',
      ),
    );
    for (const line of logLines) expect(line).not.toContain(TASK_TOKEN);
  });
});

describe('logging', () => {
  it('never writes the task token or a link signature, even when Step Functions quotes the token in an error', async () => {
    // Prepare
    const { e, s, path } = await pendingApproval();
    sfn.on(SendTaskSuccessCommand).rejects(new InvalidToken({ message: `Invalid Token: '${TASK_TOKEN}'`, $metadata: {} }));
    logLines.length = 0;

    // Act
    await get(path, { e, s });
    await post(path, { e, s, decision: 'approve' });
    await post(path, { e, s: `${s.slice(0, -1)}x`, decision: 'approve' });

    // Assess
    expect(logLines.length).toBeGreaterThan(0); // the capture works: the handler did log
    for (const line of logLines) {
      expect(line).not.toContain(TASK_TOKEN);
      for (const signature of signaturesIssued) expect(line).not.toContain(signature);
    }
  });
});
