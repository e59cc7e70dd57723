import { BatchUpdateFindingsCommand, SecurityHubClient } from '@aws-sdk/client-securityhub';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { verifyApprovalSignature } from '../../functions/approval/approval-link';
import { getApproval } from '../../functions/approval/approval-store';
import { approvalSummary } from '../../functions/hygiene/batch';
import { standardsArn } from '../../functions/hygiene/standards';
import { logger } from '../../functions/platform/logger';
import type { Runtime } from '../../functions/platform/runtime';
import { createRequestApprovalHandler, emailSubject, type RequestApprovalInput } from '../../functions/handlers/request-approval';
import { createApprovalTable, startDynalite, type LocalDynamo } from '../support/dynalite';
import { LINK_SECRET, NOW, TASK_TOKEN, assessment, finding, testRuntime } from './fixtures';
import { captureLogs } from '../support/captured-logs';

const TABLE = 'approvals-request-test';
const NOW_S = NOW.getTime() / 1000;
const sns = mockClient(SNSClient);
const securityHub = mockClient(SecurityHubClient);
const secrets = mockClient(SecretsManagerClient);

let dynamo: LocalDynamo;
let rt: Runtime;
const logLines = captureLogs();
const context = { functionName: 'request-approval', awsRequestId: 'req-1', getRemainingTimeInMillis: () => 10_000 } as unknown as Context;

const input = (overrides: Partial<RequestApprovalInput> = {}): RequestApprovalInput => ({
  taskToken: TASK_TOKEN,
  executionId: 'arn:aws:states:us-east-1:111111111111:execution:hubfix:exec-42',
  finding: finding(),
  assessment: assessment(),
  trigger: 'custom-action',
  ...overrides,
});

const run = (event: unknown) =>
  createRequestApprovalHandler(() => {
    logger.setLogLevel('DEBUG'); // Powertools resets the level on each invocation; raise it where the handler starts.
    return rt;
  })(event as RequestApprovalInput, context);

const published = () => {
  const calls = sns.commandCalls(PublishCommand);
  expect(calls).toHaveLength(1);
  return calls[0].args[0].input;
};

const linksIn = (text: string): string[] => Array.from(text.matchAll(/https?:\/\/\S+/g), (match) => match[0]);

beforeAll(async () => {
  dynamo = await startDynalite();
  await createApprovalTable(dynamo.client, TABLE);
  rt = testRuntime(dynamo.client, TABLE);
});

afterAll(async () => {
  await dynamo.stop();
});

beforeEach(() => {
  sns.reset();
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
  securityHub.reset();
  securityHub.on(BatchUpdateFindingsCommand).resolves({ ProcessedFindings: [], UnprocessedFindings: [] });
  secrets.reset();
  secrets.on(GetSecretValueCommand).resolves({ SecretString: LINK_SECRET });
});

describe('RequestApproval', () => {
  it('stores the task token server-side under a random approval id, PENDING, expiring with the link', async () => {
    // Act
    const result = await run(input());

    // Assess
    expect(result.expiresAt).toBe(NOW_S + 24 * 3600);
    expect(await getApproval(rt, result.approvalId)).toMatchObject({
      approvalId: result.approvalId,
      taskToken: TASK_TOKEN,
      executionId: 'arn:aws:states:us-east-1:111111111111:execution:hubfix:exec-42',
      status: 'PENDING',
      trigger: 'custom-action',
      createdAt: NOW.toISOString(),
      expiresAt: NOW_S + 24 * 3600,
      finding: finding(),
      assessment: assessment(),
    });
  });

  it('emails one signed link to the confirmation page and never the task token', async () => {
    // Act
    const result = await run(input());

    // Assess
    const { TopicArn, Subject, Message } = published();
    expect(TopicArn).toBe(rt.settings.approvalTopicArn);
    expect(Message).not.toContain(TASK_TOKEN);
    expect(Subject).not.toContain(TASK_TOKEN);
    const links = linksIn(Message!);
    expect(links).toHaveLength(1);
    const link = new URL(links[0]);
    expect(`${link.origin}${link.pathname}`).toBe(`${rt.settings.approvalBaseUrl}/approvals/${result.approvalId}`);
    expect(
      verifyApprovalSignature(LINK_SECRET, result.approvalId, link.searchParams.get('e') ?? '', link.searchParams.get('s') ?? '', NOW),
    ).toEqual({ ok: true });
  });

  it('tells the approver what, where, why, the evidence, the plan, the expiry, and that the link only opens a page', async () => {
    // Act
    await run(input());

    // Assess
    const message = published().Message!;
    for (const expected of [
      'IAM users access keys should be rotated every 90 days or less',
      'IAM.3',
      'arn:aws:iam::222222222222:user/ci-deployer',
      '222222222222',
      'us-east-1',
      'deactivating it may break deployments',
      'was last used 2 days ago by codebuild (iam:GetAccessKeyLastUsed)',
      'Deactivate access key AKIA...XYZ of ci-deployer',
      '1. Set access key AKIA...XYZ to Inactive',
      'Reversible: yes',
      'expires 2025-03-02 12:00 UTC',
      'nothing happens until you press Approve or Reject',
    ]) {
      expect(message).toContain(expected);
    }
  });

  it('says explicitly why an imported finding was not fixed automatically', async () => {
    // Act
    await run(input({ trigger: 'imported' }));

    // Assess
    expect(published().Message).toContain(
      'hubfix did NOT fix it automatically, because: The key was used 2 days ago from a CI pipeline; deactivating it may break ' +
        'deployments.',
    );
  });

  it('keeps the subject ASCII, on one line, at most 100 characters', async () => {
    // Prepare
    const longResource = finding({
      resource: {
        type: 'AwsS3Bucket',
        id: `arn:aws:s3:::${'b'.repeat(120)}\u00e9\n`,
        canonicalId: `arn:aws:s3:::${'b'.repeat(120)}\u00e9\n`,
        region: 'eu-west-1',
        partition: 'aws',
      },
    });

    // Act
    const subject = emailSubject(longResource);
    await run(input({ finding: longResource }));

    // Assess
    expect(subject.length).toBeLessThanOrEqual(100);
    expect(subject).toMatch(/^[\x20-\x7e]+$/);
    expect(published().Subject).toBe(subject);
    expect(emailSubject(finding())).toBe('[hubfix] Approval needed: IAM.3 on arn:aws:iam::222222222222:user/ci-deployer (222222222222)');
  });

  it('never lets the link outlive the wait: the shorter of link lifetime and approval timeout wins', async () => {
    // Prepare: a 30-minute wait with a (misconfigured) 24-hour link lifetime
    const shortWait = { ...rt, config: { ...rt.config, approval: { timeoutHours: 0.5, linkLifetimeHours: 24 } } };

    // Act
    const result = await createRequestApprovalHandler(() => shortWait)(input(), context);

    // Assess
    expect(result.expiresAt).toBe(NOW_S + 1800);
    expect(published().Message).toContain('expires 2025-03-01 12:30 UTC');
  });

  it('marks the finding NOTIFIED, awaiting approval, with the execution id', async () => {
    // Act
    await run(input());

    // Assess
    expect(securityHub).toHaveReceivedCommandTimes(BatchUpdateFindingsCommand, 1);
    const update = securityHub.commandCalls(BatchUpdateFindingsCommand)[0].args[0].input;
    expect(update.FindingIdentifiers).toEqual([{ Id: finding().id, ProductArn: finding().productArn }]);
    expect(update.Workflow).toEqual({ Status: 'NOTIFIED' });
    expect(update.Note?.Text).toMatch(/^Awaiting approval/);
    expect(update.Note?.Text).toContain('(sent to approvers, expires 2025-03-02 12:00 UTC)');
    expect(update.UserDefinedFields).toMatchObject({
      'hubfix:outcome': 'awaiting-approval',
      'hubfix:execution': 'arn:aws:states:us-east-1:111111111111:execution:hubfix:exec-42',
    });
  });

  it('still waits for the decision when the annotation fails (the email is already out; a retry would send a second link)', async () => {
    // Prepare
    securityHub.on(BatchUpdateFindingsCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));

    // Act
    const result = await run(input());

    // Assess
    expect(result.approvalId).toBeDefined();
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 1);
  });

  it('sends no email when the approval cannot be stored', async () => {
    // Prepare
    const broken: Runtime = { ...rt, settings: { ...rt.settings, approvalTableName: 'no-such-table' } };

    // Act
    const attempt = createRequestApprovalHandler(() => broken)(input(), context);

    // Assess
    await expect(attempt).rejects.toThrow();
    expect(sns).not.toHaveReceivedCommand(PublishCommand);
  });

  it('refuses invalid input with InvalidInputError, without echoing the task token', async () => {
    // Act
    const attempt = run({ ...input(), trigger: 'soon' });

    // Assess
    await expect(attempt).rejects.toThrow(expect.objectContaining({ name: 'InvalidInputError' }));
    await attempt.catch((error: Error) => expect(error.message).not.toContain(TASK_TOKEN));
    expect(sns).not.toHaveReceivedCommand(PublishCommand);
  });

  it("stores the execution input's requestedBy on the record and names the requester in the email", async () => {
    // Prepare
    const requestedBy = {
      arn: 'arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_Ops_0a1b/ana@example.com',
      userName: 'ana@example.com',
    };

    // Act
    const result = await run({ ...input(), executionInput: { requestedBy, finding: { id: 'whatever the caller sent' } } });

    // Assess
    expect((await getApproval(rt, result.approvalId))?.requestedBy).toEqual(requestedBy);
    expect(published().Message).toContain(`Requested by ana@example.com (AWS caller ${requestedBy.arn}).`);
  });

  it('says the requester is not known when a custom action started the run, and stores none', async () => {
    // Act
    const result = await run({ ...input(), executionInput: { finding: {} } });

    // Assess
    expect((await getApproval(rt, result.approvalId))?.requestedBy).toBeUndefined();
    expect(published().Message).toContain('Requested from Security Hub; the requester is not known');
  });

  it('refuses a malformed requestedBy rather than store a run without its requester', async () => {
    // Act
    const attempt = run({ ...input(), executionInput: { requestedBy: { userName: 'ana' } } });

    // Assess
    await expect(attempt).rejects.toThrow(/RequestApproval input is invalid: executionInput\.requestedBy/);
    expect(sns).not.toHaveReceivedCommand(PublishCommand);
  });

  it('logs the approval id but never the task token or the link', async () => {
    // Act
    const result = await run(input());

    // Assess
    const signature = new URL(linksIn(published().Message!)[0]).searchParams.get('s')!;
    expect(logLines.some((line) => line.includes(result.approvalId))).toBe(true);
    for (const line of logLines) {
      expect(line).not.toContain(TASK_TOKEN);
      expect(line).not.toContain(signature);
      expect(line).not.toContain(LINK_SECRET);
    }
  });
});

describe('RequestApproval for a control-hygiene batch (one approval request for both workflows)', () => {
  const execution = 'arn:aws:states:us-east-1:111111111111:execution:hubfix-control-hygiene:hygiene-1';
  const batch = approvalSummary(
    {
      mode: 'disable',
      requestedBy: 'hubfix controls disable',
      changes: [
        {
          accountId: '222222222222',
          region: 'eu-west-1',
          standardsArn: standardsArn('cis-1.2.0', 'eu-west-1'),
          securityControlId: 'IAM.3',
          status: 'DISABLED',
          reason: 'global control outside the home region',
        },
      ],
    },
    NOW,
    execution,
  );

  it('stores one control-hygiene approval, emails the list of controls, and marks no finding', async () => {
    // Act
    const result = await run({ taskToken: TASK_TOKEN, executionId: execution, approval: batch });

    // Assess
    expect(await getApproval(rt, result.approvalId)).toEqual(
      expect.objectContaining({ kind: 'control-hygiene', status: 'PENDING', executionId: execution }),
    );
    expect(published().Subject).toBe('[hubfix] Approval needed: Control hygiene: disable 1 Security Hub control association in 1 account');
    expect(published().Message).toContain('222222222222 eu-west-1: IAM.3 in CIS AWS Foundations Benchmark v1.2.0');
    expect(published().Message).not.toContain(TASK_TOKEN);
    expect(securityHub).not.toHaveReceivedCommand(BatchUpdateFindingsCommand);
  });

  it('stores the batch requester and names them in the email', async () => {
    // Prepare
    const requester = { arn: 'arn:aws:iam::111111111111:user/bo', userName: 'bo' };
    const approval = approvalSummary(
      { mode: 'disable', requestedBy: 'hubfix controls disable by bo', requester, changes: [] },
      NOW,
      execution,
    );

    // Act
    const result = await run({ taskToken: TASK_TOKEN, executionId: execution, approval });

    // Assess
    expect((await getApproval(rt, result.approvalId))?.requestedBy).toEqual(requester);
    expect(published().Message).toContain('Requested by bo (AWS caller arn:aws:iam::111111111111:user/bo).');
  });

  it('refuses a batch without its controls, naming the field and never the token', async () => {
    // Act
    const attempt = run({ taskToken: TASK_TOKEN, executionId: execution, approval: {} });

    // Assess
    await expect(attempt).rejects.toThrow(/RequestApproval input is invalid: approval\.finding/);
    await attempt.catch((error: Error) => expect(error.message).not.toContain(TASK_TOKEN));
    expect(sns).not.toHaveReceivedCommand(PublishCommand);
  });
});
