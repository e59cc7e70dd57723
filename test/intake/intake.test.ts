import {
  BatchUpdateFindingsCommand,
  GetFindingsCommand,
  SecurityHubClient,
  type AwsSecurityFinding,
  type GetFindingsCommandInput,
} from '@aws-sdk/client-securityhub';
import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand, type StartExecutionCommandInput } from '@aws-sdk/client-sfn';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import type { ClientFactory } from '../../functions/platform/clients';
import { defaultConfig } from '../../functions/platform/config';
import { executionName, planIntake } from '../../functions/intake/intake-decisions';
import type { Runtime } from '../../functions/platform/runtime';
import type { FindingRef, WorkflowInput } from '../../functions/findings/types';
import { createIntakeHandler, handleIntakeRecord } from '../../functions/handlers/intake';

const ACCOUNT = '111122223333';
const STATE_MACHINE_ARN = `arn:aws:states:us-east-1:${ACCOUNT}:stateMachine:hubfix-remediate-finding`;
const NOW = new Date('2026-05-01T12:00:00.000Z');

const sfn = mockClient(SFNClient);
const securityHub = mockClient(SecurityHubClient);
// Per-resource locks: the conditional put succeeds (lock semantics are tested against dynalite in test/workflow).
const dynamo = mockClient(DynamoDBDocumentClient);

const clients: ClientFactory = {
  home: (ctor) => new ctor({ region: 'us-east-1' }),
  at: (ctor, target) => new ctor({ region: target.region }),
};

const runtime = (): Runtime => ({
  clients,
  config: defaultConfig(),
  settings: {
    approvalTableName: 'approvals',
    lockTableName: 'locks',
    approvalTopicArn: `arn:aws:sns:us-east-1:${ACCOUNT}:hubfix-approvals`,
    linkSecretId: 'hubfix/link-key',
    approvalBaseUrl: 'https://approve.example.com/prod',
    stateMachineArn: STATE_MACHINE_ARN,
    auditTableName: 'audit',
    authIssuer: 'https://idp.example.com',
    authClientId: 'hubfix-approval-page',
    authClientSecretId: 'hubfix/approval-client-secret',
  },
  now: () => NOW,
});

const context = { awsRequestId: 'req-1', functionName: 'hubfix-intake' } as unknown as Context;

/** A consolidated control finding for an IAM user, as Security Hub sends it. */
const asffFinding = (controlId: string, user: string, overrides: Record<string, unknown> = {}) => ({
  SchemaVersion: '2018-10-08',
  Id: `arn:aws:securityhub:us-east-1:${ACCOUNT}:security-control/${controlId}/finding/${user}-0001`,
  ProductArn: 'arn:aws:securityhub:us-east-1::product/aws/securityhub',
  GeneratorId: `security-control/${controlId}`,
  AwsAccountId: ACCOUNT,
  Region: 'us-east-1',
  Title: `${controlId} test finding`,
  UpdatedAt: '2026-04-30T08:00:00.000Z',
  Severity: { Label: 'MEDIUM', Normalized: 40 },
  Compliance: { Status: 'FAILED', SecurityControlId: controlId },
  Workflow: { Status: 'NEW' },
  RecordState: 'ACTIVE',
  Resources: [{ Type: 'AwsIamUser', Id: `arn:aws:iam::${ACCOUNT}:user/${user}`, Partition: 'aws', Region: 'us-east-1' }],
  ...overrides,
});

/** What Security Hub holds: every finding an event of this file carries (as the console and imports put them there). */
let held: AwsSecurityFinding[] = [];
const hold = (findings: unknown[]): void => {
  held.push(...(findings.filter((f) => typeof f === 'object' && f !== null && 'Id' in f) as AwsSecurityFinding[]));
};
/** GetFindings as Security Hub answers it: the held findings whose Id and ProductArn are among the filter values. */
const answerGetFindings = (input: GetFindingsCommandInput) => {
  const ids = input.Filters?.Id?.map((f) => f.Value);
  const products = input.Filters?.ProductArn?.map((f) => f.Value);
  return { Findings: held.filter((f) => ids?.includes(f.Id) && products?.includes(f.ProductArn)) };
};

const customAction = (actionId: string, findings: unknown[]) => (
  hold(findings),
  {
    version: '0',
    id: `event-${actionId}`,
    'detail-type': 'Security Hub Findings - Custom Action',
    source: 'aws.securityhub',
    account: ACCOUNT,
    time: '2026-05-01T11:59:59Z',
    region: 'us-east-1',
    resources: [`arn:aws:securityhub:us-east-1:${ACCOUNT}:action/custom/${actionId}`],
    detail: { actionName: actionId, actionDescription: 'test', findings },
  }
);

const imported = (findings: unknown[]) => (
  hold(findings),
  {
    version: '0',
    id: 'event-imported',
    'detail-type': 'Security Hub Findings - Imported',
    source: 'aws.securityhub',
    account: ACCOUNT,
    time: '2026-05-01T11:59:59Z',
    region: 'us-east-1',
    resources: [],
    detail: { findings },
  }
);

const record = (messageId: string, body: unknown): SQSRecord => ({
  messageId,
  receiptHandle: `rh-${messageId}`,
  body: typeof body === 'string' ? body : JSON.stringify(body),
  attributes: { ApproximateReceiveCount: '1', SentTimestamp: '0', SenderId: 'events', ApproximateFirstReceiveTimestamp: '0' },
  messageAttributes: {},
  md5OfBody: '',
  eventSource: 'aws:sqs',
  eventSourceARN: `arn:aws:sqs:us-east-1:${ACCOUNT}:hubfix-intake`,
  awsRegion: 'us-east-1',
});

const sqsEvent = (...records: SQSRecord[]): SQSEvent => ({ Records: records });

const startedInputs = (): StartExecutionCommandInput[] => sfn.commandCalls(StartExecutionCommand).map((call) => call.args[0].input);
const workflowInputs = (): WorkflowInput[] => startedInputs().map((input) => JSON.parse(input.input ?? '{}') as WorkflowInput);

/** Step Functions' behaviour for a name it has already seen: ExecutionAlreadyExists. */
const rememberExecutionNames = () => {
  const seen = new Set<string>();
  sfn.on(StartExecutionCommand).callsFake((input: StartExecutionCommandInput) => {
    const name = input.name ?? '';
    if (seen.has(name)) throw new ExecutionAlreadyExists({ message: `Execution Already Exists: '${name}'`, $metadata: {} });
    seen.add(name);
    return { executionArn: `${STATE_MACHINE_ARN.replace(':stateMachine:', ':execution:')}:${name}`, startDate: NOW };
  });
};

beforeEach(() => {
  sfn.reset();
  securityHub.reset();
  dynamo.reset();
  dynamo.on(PutCommand).resolves({});
  dynamo.on(QueryCommand).resolves({ Items: [] }); // no run history: hubfix never handled these findings
  held = [];
  securityHub.on(GetFindingsCommand).callsFake(answerGetFindings);
  rememberExecutionNames();
  securityHub.on(BatchUpdateFindingsCommand).resolves({ ProcessedFindings: [], UnprocessedFindings: [] });
});

describe('intake handler', () => {
  const handler = createIntakeHandler(runtime);

  it('starts one execution per finding of a custom action, with deterministic names', async () => {
    // Prepare
    const event = customAction('HubfixRemediate', [asffFinding('IAM.3', 'alice'), asffFinding('IAM.8', 'bob')]);

    // Act
    const response = await handler(sqsEvent(record('m-1', event)), context);

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    const inputs = startedInputs();
    expect(inputs).toHaveLength(2);
    expect(inputs.map((input) => input.stateMachineArn)).toEqual([STATE_MACHINE_ARN, STATE_MACHINE_ARN]);
    expect(inputs.map((input) => input.name)).toEqual([
      executionName({
        finding: { id: asffFinding('IAM.3', 'alice').Id, updatedAt: '2026-04-30T08:00:00.000Z', controlId: 'IAM.3' } as FindingRef,
        action: 'remediate',
      }),
      executionName({
        finding: { id: asffFinding('IAM.8', 'bob').Id, updatedAt: '2026-04-30T08:00:00.000Z', controlId: 'IAM.8' } as FindingRef,
        action: 'remediate',
      }),
    ]);
    expect(inputs[0].name).toMatch(/^IAM-3-remediate-[0-9a-f]{40}$/);
    expect(workflowInputs()[0]).toMatchObject({
      action: 'remediate',
      trigger: 'custom-action',
      receivedAt: NOW.toISOString(),
      finding: { controlId: 'IAM.3', accountId: ACCOUNT, resource: { type: 'AwsIamUser', region: 'us-east-1' } },
    });
    expect(securityHub.commandCalls(BatchUpdateFindingsCommand)).toHaveLength(0);
  });

  it('counts the second delivery of the same event as a duplicate, not an error', async () => {
    // Prepare
    const message = record('m-1', customAction('HubfixRemediate', [asffFinding('IAM.3', 'alice')]));

    // Act
    const first = await handleIntakeRecord(message, runtime());
    const second = await handleIntakeRecord(message, runtime());
    const viaHandler = await handler(sqsEvent(message), context);

    // Assess
    expect(first).toMatchObject({ started: 1, duplicates: 0 });
    expect(second).toMatchObject({ started: 0, duplicates: 1 });
    expect(viaHandler.batchItemFailures).toEqual([]);
    const names = startedInputs().map((input) => input.name);
    expect(new Set(names).size).toBe(1);
  });

  it('annotates a finding of an unsupported control at once and starts nothing for it', async () => {
    // Prepare
    const event = customAction('HubfixRemediate', [asffFinding('RDS.4', 'snapshot')]);

    // Act
    const response = await handler(sqsEvent(record('m-1', event)), context);

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(startedInputs()).toHaveLength(0);
    const updates = securityHub.commandCalls(BatchUpdateFindingsCommand).map((call) => call.args[0].input);
    expect(updates).toHaveLength(1);
    expect(updates[0]).toMatchObject({
      FindingIdentifiers: [
        { Id: asffFinding('RDS.4', 'snapshot').Id, ProductArn: 'arn:aws:securityhub:us-east-1::product/aws/securityhub' },
      ],
      Note: { Text: 'hubfix did not act: control RDS.4 has no hubfix plugin', UpdatedBy: 'hubfix' },
      UserDefinedFields: { 'hubfix:outcome': 'skipped', 'hubfix:skip': 'no-plugin' },
    });
    expect(updates[0].Workflow).toBeUndefined();
  });

  it('annotates ineligible and unmappable findings with the reason and starts the rest', async () => {
    // Prepare
    const archived = asffFinding('IAM.3', 'carol', { RecordState: 'ARCHIVED' });
    const cis17 = asffFinding('IAM.3', 'dave', {
      Compliance: { Status: 'FAILED' },
      GeneratorId: 'cis-aws-foundations-benchmark/v/1.7.0/1.14',
    });
    const event = customAction('HubfixRemediate', [archived, cis17, asffFinding('IAM.3', 'erin')]);

    // Act
    await handler(sqsEvent(record('m-1', event)), context);

    // Assess
    expect(startedInputs()).toHaveLength(1);
    const notes = securityHub.commandCalls(BatchUpdateFindingsCommand).map((call) => call.args[0].input.Note?.Text);
    expect(notes).toEqual(
      expect.arrayContaining([
        'hubfix did not act: the finding is ARCHIVED',
        expect.stringMatching(/^hubfix did not act: CIS AWS Foundations Benchmark v1\.7\.0 is not supported/),
      ]),
    );
  });

  it('reports a malformed event as a batch item failure and still handles the good one', async () => {
    // Prepare
    const good = record('good-1', customAction('HubfixRemediate', [asffFinding('IAM.3', 'alice')]));
    const notJson = record('bad-1', '{not json');
    const ocsf = record('bad-2', { ...imported([]), 'detail-type': 'Findings Imported V2', detail: { findings: [{ class_uid: 2003 }] } });

    // Act
    const response = await handler(sqsEvent(notJson, good, ocsf), context);

    // Assess
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'bad-1' }, { itemIdentifier: 'bad-2' }]);
    expect(startedInputs()).toHaveLength(1);
  });

  it('retries the message when Step Functions fails for another reason', async () => {
    // Prepare
    sfn.on(StartExecutionCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));

    // Act
    const response = await handler(sqsEvent(record('m-1', customAction('HubfixRemediate', [asffFinding('IAM.3', 'alice')]))), context);

    // Assess
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'm-1' }]);
  });

  it('starts a plan-only execution for the "Plan" custom action', async () => {
    // Act
    await handler(sqsEvent(record('m-1', customAction('HubfixPlan', [asffFinding('IAM.3', 'alice')]))), context);

    // Assess
    expect(workflowInputs()).toEqual([expect.objectContaining({ action: 'plan', trigger: 'custom-action' })]);
    expect(startedInputs()[0].name).toMatch(/^IAM-3-plan-/);
  });

  it('starts imported findings as remediate requests triggered by import', async () => {
    // Act
    await handler(sqsEvent(record('m-1', imported([asffFinding('IAM.22', 'frank')]))), context);

    // Assess
    expect(workflowInputs()).toEqual([
      expect.objectContaining({ action: 'remediate', trigger: 'imported', finding: expect.objectContaining({ controlId: 'IAM.22' }) }),
    ]);
  });

  it("ignores another tool's custom action without touching its findings", async () => {
    // Act
    const response = await handler(sqsEvent(record('m-1', customAction('CreateJiraIssue', [asffFinding('IAM.3', 'alice')]))), context);

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(startedInputs()).toHaveLength(0);
    expect(securityHub.commandCalls(BatchUpdateFindingsCommand)).toHaveLength(0);
  });
});

describe('planIntake', () => {
  it('drops (logs only) a rejected finding that has no identifier', () => {
    // Prepare
    const event = { kind: 'imported' as const, findings: [{ ok: false as const, reason: 'the finding is not a JSON object' }] };

    // Act
    const plan = planIntake(event, defaultConfig(), { receivedAt: NOW.toISOString() });

    // Assess
    expect(plan).toMatchObject({ start: [], skip: [], drop: [{ reason: 'the finding is not a JSON object' }] });
  });

  it.each([
    [{ include: [], exclude: [ACCOUNT] }, 'accounts.exclude'],
    [{ include: ['999999999999'], exclude: [] }, 'accounts.include'],
  ])('annotates findings of accounts the configuration excludes (%j) instead of starting them', (accounts, listName) => {
    // Prepare
    const config = { ...defaultConfig(), accounts };
    const finding = {
      id: 'f',
      productArn: 'arn:aws:securityhub:us-east-1::product/aws/securityhub',
      controlId: 'IAM.3',
      complianceStatus: 'FAILED',
      workflowStatus: 'NEW',
      recordState: 'ACTIVE',
      accountId: ACCOUNT,
      resource: { id: 'arn:aws:iam::111122223333:user/a', canonicalId: 'arn:aws:iam::111122223333:user/a' },
    } as FindingRef;

    // Act
    const clicked = planIntake({ kind: 'custom-action', actionId: 'HubfixRemediate', findings: [{ ok: true, finding }] }, config, {
      receivedAt: NOW.toISOString(),
    });
    const imported = planIntake({ kind: 'imported', findings: [{ ok: true, finding }] }, config, { receivedAt: NOW.toISOString() });

    // Assess: a click is answered on the finding; an import is only logged (an annotation would re-import it)
    expect(clicked.start).toHaveLength(0);
    expect(clicked.skip).toEqual([expect.objectContaining({ code: 'account-excluded', reason: expect.stringContaining(listName) })]);
    expect(imported).toMatchObject({ start: [], skip: [], pass: [{ findingId: 'f', reason: expect.stringContaining(listName) }] });
  });
});

describe('executionName', () => {
  const finding = {
    id: 'arn:aws:securityhub:us-east-1:111122223333:security-control/IAM.3/finding/x',
    updatedAt: '2026-04-30T08:00:00.000Z',
    controlId: 'IAM.3',
  } as FindingRef;

  it('is the same for the same finding version and action, and differs otherwise', () => {
    // Act
    const name = executionName({ finding, action: 'remediate' });

    // Assess
    expect(executionName({ finding: { ...finding }, action: 'remediate' })).toBe(name);
    expect(executionName({ finding, action: 'plan' })).not.toBe(name);
    expect(executionName({ finding: { ...finding, updatedAt: '2026-04-30T09:00:00.000Z' }, action: 'remediate' })).not.toBe(name);
  });

  it('stays within 80 characters of [A-Za-z0-9-_] for any control id', () => {
    // Act
    const name = executionName({
      finding: { ...finding, controlId: 'SomeVeryLongServiceNameThatNeverEnds.12345/x y' },
      action: 'remediate',
    });

    // Assess
    expect(name.length).toBeLessThanOrEqual(80);
    expect(name).toMatch(/^[A-Za-z0-9_-]+$/);
  });
});
