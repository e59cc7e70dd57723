import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { DescribeRuleCommand, EventBridgeClient, ListRuleNamesByTargetCommand } from '@aws-sdk/client-eventbridge';
import {
  DescribeActionTargetsCommand,
  DescribeHubCommand,
  GetFindingAggregatorCommand,
  ListFindingAggregatorsCommand,
  ListMembersCommand,
  SecurityHubClient,
} from '@aws-sdk/client-securityhub';
import { ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { ListSubscriptionsByTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { main } from '../../cli/main';
import { checkStatus, formatStatus, type StatusClients, type StatusLine } from '../../cli/status';
import { parseConfig } from '../../functions/platform/config';

/** `hubfix status` against a deployment whose AWS answers are mocked: healthy, then one problem at a time. */
const HOME = '111111111111';
const MEMBER = '222222222222';
const REGION = 'us-east-1';
const NOW = new Date('2026-11-30T12:00:00Z');
const HOUR_AGO = new Date(NOW.getTime() - 3600_000);
const OUTPUTS: Record<string, string> = {
  StateMachineArn: `arn:aws:states:${REGION}:${HOME}:stateMachine:RemediateFinding`,
  ControlHygieneStateMachineArn: `arn:aws:states:${REGION}:${HOME}:stateMachine:ControlHygiene`,
  ApprovalTopicArn: `arn:aws:sns:${REGION}:${HOME}:hubfix-approvals`,
  IntakeDlqUrl: `https://sqs.${REGION}.amazonaws.com/${HOME}/hubfix-intake-dlq`,
  NotificationDlqUrl: `https://sqs.${REGION}.amazonaws.com/${HOME}/hubfix-notification-dlq`,
  IntakeQueueArn: `arn:aws:sqs:${REGION}:${HOME}:hubfix-intake`,
  ApprovalTableName: 'hubfix-approvals',
  AuditTableName: 'hubfix-audit',
};
const CONFIG = parseConfig({
  approvers: { emails: ['secops@example.com'] },
  accounts: { include: [MEMBER] },
  organization: { id: 'o-a1b2c3d4e5', administratorAccountId: HOME },
});
const INSPECT_ADMIN = `arn:aws:iam::${HOME}:role/hubfix-admin-inspect`;
const MEMBER_INSPECT = `arn:aws:iam::${MEMBER}:role/hubfix-inspect`;

const cfn = mockClient(CloudFormationClient);
const securityHub = mockClient(SecurityHubClient);
const events = mockClient(EventBridgeClient);
const sns = mockClient(SNSClient);
const sqs = mockClient(SQSClient);
const sfn = mockClient(SFNClient);
const dynamo = mockClient(DynamoDBClient);
const sts = mockClient(STSClient);

const awsError = (name: string, message: string): Error => Object.assign(new Error(message), { name });

const clients = (): StatusClients => ({
  cloudFormation: new CloudFormationClient({ region: REGION }),
  securityHub: new SecurityHubClient({ region: REGION }),
  events: new EventBridgeClient({ region: REGION }),
  sns: new SNSClient({ region: REGION }),
  sqs: new SQSClient({ region: REGION }),
  stepFunctions: new SFNClient({ region: REGION }),
  dynamo: new DynamoDBClient({ region: REGION }),
  sts: (region) => new STSClient({ region }),
});

/** A deployment with nothing wrong: every mock answers as a healthy hubfix in one administrator and one member account. */
const healthy = (): void => {
  for (const mock of [cfn, securityHub, events, sns, sqs, sfn, dynamo, sts]) mock.reset();
  cfn.on(DescribeStacksCommand).resolves({
    Stacks: [
      {
        StackName: 'Hubfix',
        StackId: `arn:aws:cloudformation:${REGION}:${HOME}:stack/Hubfix/0f6c`,
        StackStatus: 'UPDATE_COMPLETE',
        CreationTime: HOUR_AGO,
        Outputs: Object.entries(OUTPUTS).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })),
      },
    ],
  });
  securityHub
    .on(DescribeHubCommand)
    .resolves({ HubArn: `arn:aws:securityhub:${REGION}:${HOME}:hub/default`, ControlFindingGenerator: 'SECURITY_CONTROL' });
  securityHub.on(ListMembersCommand).resolves({ Members: [] });
  securityHub.on(ListFindingAggregatorsCommand).resolves({ FindingAggregators: [{ FindingAggregatorArn: 'arn:agg' }] });
  securityHub
    .on(GetFindingAggregatorCommand)
    .resolves({ FindingAggregationRegion: REGION, RegionLinkingMode: 'SPECIFIED_REGIONS', Regions: ['eu-west-1'] });
  securityHub.on(DescribeActionTargetsCommand).resolves({
    ActionTargets: ['HubfixRemediate', 'HubfixPlan', 'HubfixUndo'].map((id) => ({
      ActionTargetArn: `arn:aws:securityhub:${REGION}:${HOME}:action/custom/${id}`,
      Name: id,
      Description: id,
    })),
  });
  events.on(ListRuleNamesByTargetCommand).resolves({ RuleNames: ['Hubfix-Remediate', 'Hubfix-Plan', 'Hubfix-Undo', 'Hubfix-Imported'] });
  events.on(DescribeRuleCommand).resolves({ State: 'ENABLED' });
  sts.on(AssumeRoleCommand).resolves({
    Credentials: { AccessKeyId: 'ASIA', SecretAccessKey: 'secret', SessionToken: 'token', Expiration: new Date(NOW.getTime() + 3600_000) },
  });
  sns.on(ListSubscriptionsByTopicCommand).resolves({
    Subscriptions: [
      {
        Protocol: 'email',
        Endpoint: 'secops@example.com',
        SubscriptionArn: `${OUTPUTS.ApprovalTopicArn}:6f1e`,
        TopicArn: OUTPUTS.ApprovalTopicArn,
      },
    ],
  });
  sqs.on(GetQueueAttributesCommand).resolves({ Attributes: { ApproximateNumberOfMessages: '0', QueueArn: 'arn:aws:sqs:dlq' } });
  sfn.on(ListExecutionsCommand).resolves({ executions: [] });
  dynamo.on(ScanCommand).resolves({ Items: [] });
};

const problems = (lines: StatusLine[]) => lines.filter((l) => !l.ok);

beforeEach(healthy);

describe('hubfix status on a healthy deployment', () => {
  it('says ok on every line, each check named once at least', async () => {
    // Act
    const lines = await checkStatus(clients(), { config: CONFIG, now: NOW });

    // Assess
    expect(problems(lines)).toEqual([]);
    expect(new Set(lines.map((l) => l.check))).toEqual(
      new Set([
        'stack',
        'Security Hub',
        'finding aggregator',
        'custom actions',
        'EventBridge rules',
        'member roles',
        'operator start',
        'approvers',
        'intake DLQ',
        'notification DLQ',
        'remediation runs',
        'control-hygiene runs',
        'approvals',
      ]),
    );
    expect(lines.find((l) => l.check === 'member roles')?.detail).toBe(`${MEMBER}: hubfix-inspect assumable in ${REGION}, eu-west-1`);
  });

  it('reaches the member role through hubfix-admin-inspect, in each region, and reads no task token', async () => {
    // Act
    await checkStatus(clients(), { config: CONFIG, now: NOW });

    // Assess
    const roles = sts.commandCalls(AssumeRoleCommand).map((call) => call.args[0].input.RoleArn);
    expect(roles).toEqual([INSPECT_ADMIN, MEMBER_INSPECT, MEMBER_INSPECT]);
    const scan = dynamo.commandCalls(ScanCommand)[0].args[0].input;
    expect(scan.ProjectionExpression).not.toMatch(/taskToken/);
  });

  it('takes the member accounts from Security Hub when the configuration names none', async () => {
    // Prepare
    securityHub.on(ListMembersCommand).resolves({
      Members: [
        { AccountId: '333333333333', MemberStatus: 'Enabled' },
        { AccountId: '444444444444', MemberStatus: 'Removed' },
      ],
    });

    // Act
    const lines = await checkStatus(clients(), { config: parseConfig({ approvers: { emails: ['secops@example.com'] } }), now: NOW });

    // Assess
    expect(lines.filter((l) => l.check === 'member roles').map((l) => l.detail)).toEqual([
      `333333333333: hubfix-inspect assumable in ${REGION}, eu-west-1`,
    ]);
  });

  it('exits 0 from the command line', async () => {
    // Prepare
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);

    // Act
    const code = await main(['node', 'hubfix', 'status', '--region', REGION]);

    // Assess
    expect(String(log.mock.calls[0][0])).not.toContain('PROBLEM');
    expect(code).toBe(0);
    expect(String(log.mock.calls[0][0])).toMatch(/^ok {7}stack: Hubfix is UPDATE_COMPLETE/);
    log.mockRestore();
  });
});

describe('hubfix status names each problem and its fix', () => {
  const cases: [string, () => void, string, RegExp, RegExp][] = [
    [
      'the stack is missing',
      () => cfn.on(DescribeStacksCommand).rejects(awsError('ValidationError', 'Stack with id Hubfix does not exist')),
      'stack',
      /Hubfix does not exist/,
      /cdk bootstrap.*cdk deploy/,
    ],
    [
      'Security Hub is off',
      () => securityHub.on(DescribeHubCommand).rejects(awsError('InvalidAccessException', 'Account is not subscribed to AWS Security Hub')),
      'Security Hub',
      /not enabled in 111111111111 us-east-1/,
      /enable-security-hub/,
    ],
    [
      'consolidated control findings are off',
      () => securityHub.on(DescribeHubCommand).resolves({ ControlFindingGenerator: 'STANDARD_CONTROL' }),
      'Security Hub',
      /consolidated control findings are off/,
      /--control-finding-generator SECURITY_CONTROL/,
    ],
    [
      'there is no finding aggregator',
      () => securityHub.on(ListFindingAggregatorsCommand).resolves({ FindingAggregators: [] }),
      'finding aggregator',
      /none/,
      /create-finding-aggregator/,
    ],
    [
      'the aggregator is in another region',
      () =>
        securityHub.on(GetFindingAggregatorCommand).resolves({ FindingAggregationRegion: 'eu-west-1', RegionLinkingMode: 'ALL_REGIONS' }),
      'finding aggregator',
      /aggregates into eu-west-1, not us-east-1/,
      /deploy hubfix in eu-west-1/,
    ],
    [
      'a custom action is missing',
      () =>
        securityHub.on(DescribeActionTargetsCommand).resolves({
          ActionTargets: [
            { ActionTargetArn: `arn:aws:securityhub:${REGION}:${HOME}:action/custom/HubfixRemediate`, Name: 'x', Description: 'x' },
          ],
        }),
      'custom actions',
      /"Plan only" \(HubfixPlan\), "Undo fix" \(HubfixUndo\)/,
      /cdk deploy/,
    ],
    [
      'a rule is disabled',
      () => events.on(DescribeRuleCommand, { Name: 'Hubfix-Plan' }).resolves({ State: 'DISABLED' }),
      'EventBridge rules',
      /disabled: Hubfix-Plan/,
      /aws events enable-rule --name Hubfix-Plan/,
    ],
    [
      'a rule is missing',
      () => events.on(ListRuleNamesByTargetCommand).resolves({ RuleNames: ['Hubfix-Remediate'] }),
      'EventBridge rules',
      /1 of 4 rules/,
      /cdk deploy/,
    ],
    [
      'the member role is missing in one region',
      () =>
        sts
          .on(AssumeRoleCommand, { RoleArn: MEMBER_INSPECT })
          .resolvesOnce({ Credentials: { AccessKeyId: 'A', SecretAccessKey: 'S', SessionToken: 'T', Expiration: NOW } })
          .rejects(awsError('AccessDenied', 'not authorized to perform: sts:AssumeRole')),
      'member roles',
      /222222222222: hubfix-inspect cannot be assumed \(eu-west-1: AccessDenied/,
      /deploy the member stack to 222222222222 \(StackSet hubfix-member-roles/,
    ],
    [
      'the operator may not assume hubfix-admin-inspect',
      () => sts.on(AssumeRoleCommand, { RoleArn: INSPECT_ADMIN }).rejects(awsError('AccessDenied', 'not authorized')),
      'member roles',
      /not checked: you cannot assume arn:aws:iam::111111111111:role\/hubfix-admin-inspect/,
      /operators\.principalArns/,
    ],
    [
      'an approver has not confirmed',
      () =>
        sns.on(ListSubscriptionsByTopicCommand).resolves({
          Subscriptions: [{ Protocol: 'email', Endpoint: 'secops@example.com', SubscriptionArn: 'PendingConfirmation' }],
        }),
      'approvers',
      /secops@example.com has not confirmed the subscription \(PendingConfirmation\)/,
      /Confirm subscription.*aws sns subscribe/,
    ],
    [
      'an approver is not subscribed',
      () => sns.on(ListSubscriptionsByTopicCommand).resolves({ Subscriptions: [] }),
      'approvers',
      /secops@example.com is not subscribed/,
      /deploy/,
    ],
    [
      'events wait in the intake DLQ',
      () =>
        sqs
          .on(GetQueueAttributesCommand, { QueueUrl: OUTPUTS.IntakeDlqUrl })
          .resolves({ Attributes: { ApproximateNumberOfMessages: '3', QueueArn: 'arn:aws:sqs:us-east-1:111111111111:dlq' } }),
      'intake DLQ',
      /3 messages: Security Hub events that never reached a workflow/,
      /receive-message.*start-message-move-task --source-arn arn:aws:sqs:us-east-1:111111111111:dlq/,
    ],
    [
      'a run failed in the last 24 h',
      () =>
        sfn.on(ListExecutionsCommand, { stateMachineArn: OUTPUTS.StateMachineArn, statusFilter: 'FAILED' }).resolves({
          executions: [
            {
              executionArn: 'arn:aws:states:us-east-1:111111111111:execution:RemediateFinding:IAM-3-x',
              stateMachineArn: OUTPUTS.StateMachineArn,
              name: 'IAM-3-x',
              status: 'FAILED',
              startDate: HOUR_AGO,
              stopDate: HOUR_AGO,
            },
          ],
        }),
      'remediation runs',
      /1 execution failed, timed out or was aborted in the last 24 h/,
      /describe-execution --execution-arn arn:aws:states:us-east-1:111111111111:execution:RemediateFinding:IAM-3-x/,
    ],
    [
      'an approval is still pending after its link expired',
      () =>
        dynamo.on(ScanCommand).resolves({
          Items: [
            {
              createdAt: { S: HOUR_AGO.toISOString() },
              expiresAt: { N: String(NOW.getTime() / 1000 - 60) },
              executionId: { S: 'arn:exec:stuck' },
            },
          ],
        }),
      'approvals',
      /1 approval still PENDING after the link expired/,
      /arn:exec:stuck/,
    ],
  ];

  it.each(cases)('when %s', async (_name, breakIt, check, detail, fix) => {
    // Prepare
    breakIt();

    // Act
    const lines = await checkStatus(clients(), { config: CONFIG, now: NOW });

    // Assess
    const found = problems(lines);
    expect(found).toHaveLength(1);
    expect(found[0].check).toBe(check);
    expect(found[0].detail).toMatch(detail);
    expect(found[0].fix).toMatch(fix);
    expect(formatStatus(lines)).toContain(`PROBLEM  ${check}: ${found[0].detail}\n         fix: ${found[0].fix}`);
  });

  it('counts pending approvals that are still within their wait as ok', async () => {
    // Prepare
    dynamo.on(ScanCommand).resolves({
      Items: [{ createdAt: { S: HOUR_AGO.toISOString() }, expiresAt: { N: String(NOW.getTime() / 1000 + 3600) }, executionId: { S: 'e' } }],
    });

    // Act
    const lines = await checkStatus(clients(), { config: CONFIG, now: NOW });

    // Assess
    expect(problems(lines)).toEqual([]);
    expect(lines.find((l) => l.check === 'approvals')?.detail).toBe('1 approval requested in the last 24 h still waiting for a decision');
  });

  it('checks that the person running it can assume the operator start role hubfix remediate uses, and says the fix when not', async () => {
    // Prepare: the stack has the role; STS lets the caller assume hubfix-admin-inspect but not the start role
    const startRole = `arn:aws:iam::${HOME}:role/Hubfix-OperatorStartRole-1A2B3C`;
    const stack = (await new CloudFormationClient({ region: REGION }).send(new DescribeStacksCommand({}))).Stacks![0];
    cfn.on(DescribeStacksCommand).resolves({
      Stacks: [{ ...stack, Outputs: [...(stack.Outputs ?? []), { OutputKey: 'OperatorStartRoleArn', OutputValue: startRole }] }],
    });
    sts.on(AssumeRoleCommand, { RoleArn: startRole }).rejects(awsError('AccessDenied', 'not authorized to perform: sts:AssumeRole'));

    // Act
    const refused = (await checkStatus(clients(), { config: CONFIG, now: NOW })).find((l) => l.check === 'operator start');
    sts.on(AssumeRoleCommand, { RoleArn: startRole }).resolves({
      Credentials: { AccessKeyId: 'ASIA', SecretAccessKey: 's', SessionToken: 't', Expiration: new Date(NOW.getTime() + 3600_000) },
    });
    const allowed = (await checkStatus(clients(), { config: CONFIG, now: NOW })).find((l) => l.check === 'operator start');

    // Assess
    expect(refused).toMatchObject({ ok: false, fix: expect.stringContaining('operators.principalArns') });
    expect(refused?.detail).toContain(`you cannot assume ${startRole}`);
    expect(allowed).toEqual({
      ok: true,
      check: 'operator start',
      detail: `you can assume ${startRole}: hubfix remediate starts runs through it`,
    });
  });

  it('exits 1 from the command line on any problem', async () => {
    // Prepare
    sqs.on(GetQueueAttributesCommand).resolves({ Attributes: { ApproximateNumberOfMessages: '1', QueueArn: 'arn:q' } });
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);

    // Act
    const code = await main(['node', 'hubfix', 'status', '--region', REGION]);

    // Assess
    expect(code).toBe(1);
    expect(String(log.mock.calls[0][0])).toContain('PROBLEM  intake DLQ: 1 message');
    log.mockRestore();
  });
});
