import { BatchUpdateFindingsCommand, SecurityHubClient } from '@aws-sdk/client-securityhub';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { getApproval } from '../../functions/approval/approval-store';
import { createRequestApprovalHandler } from '../../functions/handlers/request-approval';
import { approvalSummary } from '../../functions/hygiene/batch';
import { standardsArn } from '../../functions/hygiene/standards';
import type { Runtime } from '../../functions/platform/runtime';
import { LINK_SECRET, NOW, TASK_TOKEN, assessment, finding, testRuntime } from '../approval/fixtures';
import { createApprovalTable, startDynalite, type LocalDynamo } from '../support/dynalite';

/** One approval request for both workflows: a control-hygiene batch through the remediation's RequestApproval handler. */
const TABLE = 'approvals-batch-test';
const EXECUTION = 'arn:aws:states:us-east-1:111111111111:execution:hubfix-control-hygiene:hygiene-1';
const sns = mockClient(SNSClient);
const securityHub = mockClient(SecurityHubClient);
const secrets = mockClient(SecretsManagerClient);
const context = { functionName: 'request-approval', awsRequestId: 'req-1', getRemainingTimeInMillis: () => 10_000 } as unknown as Context;

let dynamo: LocalDynamo;
let rt: Runtime;

beforeAll(async () => {
  dynamo = await startDynalite();
  await createApprovalTable(dynamo.client, TABLE);
  rt = testRuntime(dynamo.client, TABLE);
});
afterAll(() => dynamo.stop());
beforeEach(() => {
  sns.reset();
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
  securityHub.reset();
  securityHub.on(BatchUpdateFindingsCommand).resolves({ ProcessedFindings: [], UnprocessedFindings: [] });
  secrets.reset();
  secrets.on(GetSecretValueCommand).resolves({ SecretString: LINK_SECRET });
});

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
  EXECUTION,
);

describe('RequestApproval for a control-hygiene batch', () => {
  it('stores one control-hygiene approval, emails the list of controls, and marks no finding', async () => {
    // Act
    const result = await createRequestApprovalHandler(() => rt)(
      { taskToken: TASK_TOKEN, executionId: EXECUTION, approval: batch },
      context,
    );

    // Assess
    const stored = await getApproval(rt, result.approvalId);
    expect(stored).toEqual(expect.objectContaining({ kind: 'control-hygiene', status: 'PENDING', executionId: EXECUTION }));
    const email = sns.commandCalls(PublishCommand)[0].args[0].input;
    expect(email.Subject).toBe('[hubfix] Approval needed: Control hygiene: disable 1 Security Hub control association in 1 account');
    expect(email.Message).toContain('222222222222 eu-west-1: IAM.3 in CIS AWS Foundations Benchmark v1.2.0');
    expect(email.Message).not.toContain(TASK_TOKEN);
    expect(securityHub.commandCalls(BatchUpdateFindingsCommand)).toHaveLength(0);
  });

  it('still marks a remediation NOTIFIED: the input, not the function, says which workflow asks', async () => {
    // Act
    await createRequestApprovalHandler(() => rt)(
      { taskToken: TASK_TOKEN, executionId: EXECUTION, finding: finding(), assessment: assessment(), trigger: 'custom-action' },
      context,
    );

    // Assess
    expect(securityHub.commandCalls(BatchUpdateFindingsCommand)).toHaveLength(1);
  });

  it('refuses a batch without its controls, naming the field and never the token', async () => {
    // Act
    const refused = createRequestApprovalHandler(() => rt)({ taskToken: TASK_TOKEN, executionId: EXECUTION, approval: {} }, context);

    // Assess
    await expect(refused).rejects.toThrow(/RequestApproval input is invalid: approval\.finding/);
    await expect(refused).rejects.not.toThrow(TASK_TOKEN);
  });
});
