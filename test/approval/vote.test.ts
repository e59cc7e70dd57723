import { SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { createApprovalId } from '../../functions/approval/approval-link';
import { getApproval, putPendingApproval, type NewApproval } from '../../functions/approval/approval-store';
import { castVote, DecisionNotDeliveredError, type ApproverIdentity } from '../../functions/approval/vote';
import { parseConfig } from '../../functions/platform/config';
import { documentClient } from '../../functions/platform/dynamo';
import type { Runtime } from '../../functions/platform/runtime';
import type { ApprovalDecision } from '../../functions/findings/types';
import { requesterFromCallerArn } from '../../functions/findings/requester';
import { createApprovalTable, startDynalite, type LocalDynamo } from '../support/dynalite';
import { NOW, TASK_TOKEN, assessment, finding, testRuntime } from './fixtures';

const TABLE = 'approvals-vote-test';
const NOW_S = NOW.getTime() / 1000;
const ISSUER = 'https://idp.example.com';
const sfn = mockClient(SFNClient);
let dynamo: LocalDynamo;
let base: Runtime;

beforeAll(async () => {
  dynamo = await startDynalite();
  await createApprovalTable(dynamo.client, TABLE);
  base = testRuntime(dynamo.client, TABLE);
});

afterAll(async () => {
  sfn.restore();
  await dynamo.stop();
});

beforeEach(() => {
  sfn.reset();
  sfn.on(SendTaskSuccessCommand).resolves({});
});

const person = (subject: string, groups = ['hubfix-approvers'], extra: Partial<ApproverIdentity> = {}): ApproverIdentity => ({
  issuer: ISSUER,
  subject,
  email: `${subject}@example.com`,
  name: subject.charAt(0).toUpperCase() + subject.slice(1),
  groups,
  channel: 'web',
  ...extra,
});
const ana = person('ana');
const bo = person('bo');

const withPolicy = (policy: unknown, extra: Record<string, unknown> = {}): Runtime => ({
  ...base,
  config: parseConfig({ approvalPolicy: policy, ...extra }),
});

const pending = async (overrides: Partial<NewApproval> = {}): Promise<string> => {
  const approvalId = createApprovalId();
  await putPendingApproval(base, {
    approvalId,
    kind: 'remediation',
    taskToken: TASK_TOKEN,
    executionId: 'arn:aws:states:us-east-1:111111111111:execution:hubfix:vote',
    finding: finding(),
    assessment: assessment({ risk: 'low' }),
    trigger: 'custom-action',
    createdAt: NOW.toISOString(),
    expiresAt: NOW_S + 3600,
    ...overrides,
  });
  return approvalId;
};

const sent = (): ApprovalDecision[] =>
  sfn.commandCalls(SendTaskSuccessCommand).map((call) => JSON.parse(call.args[0].input.output ?? '{}') as ApprovalDecision);

describe('castVote', () => {
  it('decides with one approver in the default group and sends the verified identity to the workflow', async () => {
    // Prepare
    const id = await pending();

    // Act
    const result = await castVote(base, id, ana, 'approve', 'looks safe');

    // Assess
    expect(result).toEqual({ status: 'recorded', decided: 'approved', approvals: 1, needed: 1 });
    expect(sent()).toEqual([
      expect.objectContaining({
        decision: 'approved',
        approver: 'Ana <ana@example.com>',
        reason: 'looks safe',
        votes: [expect.objectContaining({ issuer: ISSUER, subject: 'ana', groups: ['hubfix-approvers'], channel: 'web' })],
      }),
    ]);
    const stored = await getApproval(base, id);
    expect(stored).toMatchObject({ status: 'APPROVED', approver: 'Ana <ana@example.com>', schemaVersion: 3 });
    expect(stored?.votes).toHaveLength(1);
  });

  it('refuses a person outside the approver groups and changes nothing', async () => {
    // Prepare
    const id = await pending();

    // Act
    const result = await castVote(base, id, person('mallory', ['developers']), 'approve', '');

    // Assess
    expect(result).toEqual({ status: 'refused', reason: expect.stringContaining('not in an approver group') });
    expect(sent()).toEqual([]);
    expect(await getApproval(base, id)).toMatchObject({ status: 'PENDING', votes: [] });
  });

  it('needs two distinct approvers for a high-risk plan and records both; the same person twice counts once', async () => {
    // Prepare
    const rt = withPolicy({ highRiskQuorum: 2 });
    const id = await pending({ assessment: assessment({ risk: 'high' }) });

    // Act
    const first = await castVote(rt, id, ana, 'approve', 'ok from me');
    const again = await castVote(rt, id, { ...ana, channel: 'slack' }, 'approve', 'ok again');
    const second = await castVote(rt, id, bo, 'approve', 'agreed');

    // Assess
    expect(first).toEqual({ status: 'recorded', approvals: 1, needed: 2 });
    expect(again).toEqual({ status: 'refused', reason: expect.stringContaining('already voted') });
    expect(second).toEqual({ status: 'recorded', decided: 'approved', approvals: 2, needed: 2 });
    expect(sent()).toHaveLength(1);
    expect(sent()[0]).toMatchObject({
      approver: 'Ana <ana@example.com> and Bo <bo@example.com>',
      votes: [expect.objectContaining({ subject: 'ana' }), expect.objectContaining({ subject: 'bo' })],
    });
  });

  it('lets the first rejection decide, whatever the quorum', async () => {
    // Prepare
    const rt = withPolicy({ highRiskQuorum: 3 });
    const id = await pending({ assessment: assessment({ risk: 'high' }) });
    await castVote(rt, id, ana, 'approve', '');

    // Act
    const result = await castVote(rt, id, bo, 'reject', 'the key is in use');

    // Assess
    expect(result).toEqual({ status: 'recorded', decided: 'rejected', approvals: 1, needed: 3 });
    expect(sent()).toEqual([
      expect.objectContaining({ decision: 'rejected', approver: 'Bo <bo@example.com>', reason: 'the key is in use' }),
    ]);
  });

  it('treats an unknown risk as high for the quorum', async () => {
    // Prepare
    const rt = withPolicy({ highRiskQuorum: 2 });
    const id = await pending({ assessment: assessment({ risk: undefined }) });

    // Act
    const result = await castVote(rt, id, ana, 'approve', '');

    // Assess
    expect(result).toEqual({ status: 'recorded', approvals: 1, needed: 2 });
  });

  it('refuses the requester approving their own run, by subject or by verified email', async () => {
    // Prepare
    const bySubject = await pending({ requestedBy: { issuer: ISSUER, subject: 'ana' } });
    const byEmail = await pending({ requestedBy: { email: 'ANA@example.com' } });

    // Act
    const first = await castVote(base, bySubject, ana, 'approve', '');
    const second = await castVote(base, byEmail, ana, 'approve', '');

    // Assess
    expect(first).toEqual({ status: 'refused', reason: 'You started this run, so you cannot approve it.' });
    expect(second).toEqual({ status: 'refused', reason: 'You started this run, so you cannot approve it.' });
    expect(sent()).toEqual([]);
  });

  it('refuses an IAM requester by session name (email or preferred username, any case), and lets others decide', async () => {
    // Prepare: runs started from IAM Identity Center sessions, as sts:GetCallerIdentity names them
    const sso = (session: string) => requesterFromCallerArn(`arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_Admin_0a1b/${session}`);
    const byEmail = await pending({ requestedBy: sso('Ana@Example.com') });
    const byUsername = await pending({ requestedBy: sso('ANA') });
    const byOther = await pending({ requestedBy: sso('carol@example.com') });
    const anaWithUsername = person('ana', ['hubfix-approvers'], { email: undefined, username: 'ana' });

    // Act
    const email = await castVote(base, byEmail, ana, 'approve', '');
    const username = await castVote(base, byUsername, anaWithUsername, 'approve', '');
    const rejectOwn = await castVote(base, byEmail, ana, 'reject', 'changed my mind');
    const other = await castVote(base, byOther, ana, 'approve', '');

    // Assess: refused with nothing written; a requester may still withdraw (reject); someone else's run is Ana's to approve
    expect(email).toEqual({ status: 'refused', reason: 'You started this run, so you cannot approve it.' });
    expect(username).toEqual({ status: 'refused', reason: 'You started this run, so you cannot approve it.' });
    expect(rejectOwn).toMatchObject({ status: 'recorded', decided: 'rejected' });
    expect(other).toMatchObject({ status: 'recorded', decided: 'approved' });
    expect((await getApproval(base, byUsername))?.votes).toEqual([]);
  });

  it('applies rules per control, account, OU and severity: a voter needs a group of every matching rule', async () => {
    // Prepare
    const rt = withPolicy(
      {
        rules: [
          { controlIds: ['IAM.3'], approverGroups: ['iam-owners'] },
          { organizationalUnits: ['ou-ab12-cd34ef56'], approverGroups: ['prod-owners'], quorum: 2 },
          { severities: ['CRITICAL'], approverGroups: ['ciso'] },
        ],
      },
      { organization: { accountsByOu: { 'ou-ab12-cd34ef56': ['222222222222'] } } },
    );
    const id = await pending();

    // Act
    const iamOnly = await castVote(rt, id, person('carl', ['iam-owners']), 'approve', '');
    const both = await castVote(rt, id, person('dora', ['iam-owners', 'prod-owners']), 'approve', '');

    // Assess: the OU rule matched (account 222222222222) and asks for two; the severity rule (MEDIUM here) did not
    expect(iamOnly).toEqual({ status: 'refused', reason: expect.stringContaining('prod-owners') });
    expect(both).toEqual({ status: 'recorded', approvals: 1, needed: 2 });
  });

  it('refuses a vote on an expired, decided or unknown approval', async () => {
    // Prepare
    const expired = await pending({ expiresAt: NOW_S - 1 });
    const decided = await pending();
    await castVote(base, decided, ana, 'approve', '');

    // Act
    const results = [
      await castVote(base, expired, bo, 'approve', ''),
      await castVote(base, decided, bo, 'approve', ''),
      await castVote(base, createApprovalId(), bo, 'approve', ''),
    ];

    // Assess
    expect(results.map((r) => r.status === 'refused' && r.reason)).toEqual([
      'This request has expired.',
      'This request was already decided.',
      'No such approval request.',
    ]);
  });

  it('counts two approvers racing toward a quorum of 2 exactly once each and decides once', async () => {
    // Prepare
    const rt = withPolicy({ highRiskQuorum: 2 });
    const id = await pending({ assessment: assessment({ risk: 'high' }) });

    // Act
    const results = await Promise.all([ana, bo, person('cy')].map((p) => castVote(rt, id, p, 'approve', '')));

    // Assess
    expect(results.filter((r) => r.status === 'recorded' && r.decided === 'approved')).toHaveLength(1);
    expect(sent()).toHaveLength(1);
    expect((await getApproval(rt, id))?.votes).toHaveLength(2);
  });

  it('undoes the deciding vote when Step Functions cannot be reached, so the person can try again', async () => {
    // Prepare
    const id = await pending();
    sfn.on(SendTaskSuccessCommand).rejectsOnce(Object.assign(new Error('throttled'), { name: 'ThrottlingException' }));

    // Act
    await expect(castVote(base, id, ana, 'approve', '')).rejects.toBeInstanceOf(DecisionNotDeliveredError);
    const retry = await castVote(base, id, ana, 'approve', '');

    // Assess
    expect(retry).toMatchObject({ status: 'recorded', decided: 'approved' });
    expect((await getApproval(base, id))?.votes).toHaveLength(1);
  });

  it('requires a reason to reject', async () => {
    // Prepare
    const id = await pending();

    // Act
    const result = await castVote(base, id, ana, 'reject', '   ');

    // Assess
    expect(result).toEqual({ status: 'refused', reason: 'A reason is required to reject.' });
  });

  it('reads a version 2 record (no votes) and decides it', async () => {
    // Prepare
    const id = createApprovalId();
    await documentClient(base).send(
      new PutCommand({
        TableName: TABLE,
        Item: {
          approvalId: id,
          schemaVersion: 2,
          kind: 'remediation',
          taskToken: TASK_TOKEN,
          executionId: 'arn:aws:states:us-east-1:111111111111:execution:hubfix:v2',
          finding: finding(),
          assessment: assessment({ risk: 'low' }),
          trigger: 'custom-action',
          status: 'PENDING',
          createdAt: NOW.toISOString(),
          expiresAt: NOW_S + 3600,
          ttl: NOW_S + 9999,
        },
      }),
    );

    // Act
    const result = await castVote(base, id, ana, 'approve', '');

    // Assess
    expect(result).toMatchObject({ status: 'recorded', decided: 'approved' });
  });
});
