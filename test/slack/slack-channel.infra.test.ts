import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Stack, type CfnResource } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { parseConfig } from '../../functions/platform/config';
import { buildApp } from '../../infra/build-app';
import { actionsOf, roleStatements, synthHubfix, TEST_CONFIG } from '../infra/synth';
import { BOT_TOKEN_ARN, SIGNING_SECRET_ARN, slackConfig } from './support';

/** The Slack channel in the stack: only when configured, its route, its replay table and exactly the grants it needs. */

const SLACK_CONFIG = parseConfig({ ...TEST_CONFIG, ...slackConfig() });

describe('the Slack channel in the stack', () => {
  const synth = synthHubfix(SLACK_CONFIG);
  afterAll(() => synth.cleanup());
  const { stack, template } = synth;
  const id = (construct: IConstruct | undefined) => Stack.of(stack).getLogicalId(construct?.node.defaultChild as CfnResource);
  /** A role's statements but logging and tracing, as actions and resource. */
  const grantsOf = (roleId: string) =>
    roleStatements(template, roleId)
      .filter((s) => !actionsOf(s).some((a) => a.startsWith('logs:') || a.startsWith('xray:')))
      .map((s) => ({ actions: actionsOf(s).sort(), resource: JSON.stringify(s.Resource) }));

  it('routes POST /slack/interactions of the approval API to its own function, with the replay table and a TTL', () => {
    const channel = stack.slackChannel!;
    expect(channel).toBeDefined();
    template.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: 'slack' });
    template.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'POST',
      ResourceId: { Ref: Match.stringLikeRegexp('interactions') },
      Integration: Match.objectLike({ Type: 'AWS_PROXY' }),
    });
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'signatureHash', KeyType: 'HASH' }],
      TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ SLACK_REPLAY_TABLE_NAME: { Ref: id(channel.replayTable) } }) },
    });
  });

  it('grants the interactions route the signing secret, a put on the replay table and a send to the vote queue, nothing else', () => {
    const channel = stack.slackChannel!;
    const grants = grantsOf(id(channel.role));

    expect(grants.map((g) => g.actions)).toEqual([['secretsmanager:GetSecretValue'], ['dynamodb:PutItem'], ['sqs:SendMessage']]);
    expect(JSON.parse(grants[0].resource)).toEqual(SIGNING_SECRET_ARN);
    expect(grants[1].resource).toContain(id(channel.replayTable));
    expect(grants[2].resource).toContain(id(channel.voteQueue));
  });

  it('grants the vote worker both Slack secrets, the approval, the answer and its queue, nothing else', () => {
    const channel = stack.slackChannel!;
    const grants = grantsOf(id(channel.voteRole));

    expect(grants.map((g) => g.actions)).toEqual([
      ['sqs:ChangeMessageVisibility', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:ReceiveMessage'],
      ['secretsmanager:GetSecretValue'],
      ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
      ['states:SendTaskFailure', 'states:SendTaskSuccess'],
    ]);
    expect(grants[0].resource).toContain(id(channel.voteQueue));
    expect((JSON.parse(grants[1].resource) as string[]).sort()).toEqual([BOT_TOKEN_ARN, SIGNING_SECRET_ARN]);
    expect(grants[2].resource).toContain(id(stack.approvalTable));
    expect(grants[3].resource).toContain(id(stack.stateMachine));
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 1,
      EventSourceArn: { 'Fn::GetAtt': [id(channel.voteQueue), 'Arn'] },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('lets RequestApproval read the bot token (not the signing secret) and update only the Slack message reference', () => {
    const statements = roleStatements(template, id(stack.functions.requestApproval.role));
    const secretReads = statements
      .filter((s) => actionsOf(s).includes('secretsmanager:GetSecretValue'))
      .map((s) => JSON.stringify(s.Resource));
    const updates = statements.filter((s) => actionsOf(s).includes('dynamodb:UpdateItem'));

    expect(secretReads.join()).toContain(BOT_TOKEN_ARN);
    expect(secretReads.join()).not.toContain(SIGNING_SECRET_ARN);
    expect(updates).toEqual([
      expect.objectContaining({
        Condition: {
          'ForAllValues:StringEquals': { 'dynamodb:Attributes': ['approvalId', 'slackMessage'] },
          StringEqualsIfExists: { 'dynamodb:ReturnValues': 'NONE' },
        },
      }),
    ]);
  });

  it('lets the approval API read the bot token (a vote on the page updates the Slack message), not the signing secret', () => {
    const secretReads = roleStatements(template, id(stack.functions.approvalApi.role))
      .filter((s) => actionsOf(s).includes('secretsmanager:GetSecretValue'))
      .map((s) => JSON.stringify(s.Resource));

    expect(secretReads.join()).toContain(BOT_TOKEN_ARN);
    expect(secretReads.join()).not.toContain(SIGNING_SECRET_ARN);
  });

  it("closes a run's undecided message: a rule on both state machines' ended runs, a closer that reads and updates only", () => {
    const channel = stack.slackChannel!;
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.states'],
        'detail-type': ['Step Functions Execution Status Change'],
        detail: {
          stateMachineArn: [{ Ref: id(stack.stateMachine) }, { Ref: id(stack.controlHygiene.stateMachine) }],
          status: ['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'],
        },
      },
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [id(channel.closer), 'Arn'] } })],
    });
    const grants = grantsOf(id(channel.closerRole));
    expect(grants.map((g) => g.actions)).toEqual([['secretsmanager:GetSecretValue'], ['dynamodb:GetItem']]);
    expect(grants[0].resource).toContain(BOT_TOKEN_ARN);
    expect(grants[0].resource).not.toContain(SIGNING_SECRET_ARN);
    expect(grants[1].resource).toContain(id(channel.messageTable));
    expect(grants[1].resource).toContain(id(stack.approvalTable));

    const puts = roleStatements(template, id(stack.functions.requestApproval.role)).filter((s) =>
      actionsOf(s).includes('dynamodb:PutItem'),
    );
    expect(puts.map((s) => JSON.stringify(s.Resource)).join()).toContain(id(channel.messageTable));
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ SLACK_MESSAGE_TABLE_NAME: { Ref: id(channel.messageTable) } }) },
    });
  });

  it('posts control-hygiene batches too: RequestBatchApproval may post and record the message, Slack votes answer its waits', () => {
    const channel = stack.slackChannel!;
    const batchRequester = stack.controlHygiene.functions.requestBatchApproval;
    const statements = roleStatements(template, id(batchRequester.role!));
    const granted = (action: string) =>
      statements
        .filter((s) => actionsOf(s).includes(action))
        .map((s) => JSON.stringify(s.Resource))
        .join();
    expect(granted('secretsmanager:GetSecretValue')).toContain(BOT_TOKEN_ARN);
    expect(granted('secretsmanager:GetSecretValue')).not.toContain(SIGNING_SECRET_ARN);
    expect(granted('dynamodb:PutItem')).toContain(id(channel.messageTable));
    expect(statements.find((s) => actionsOf(s).includes('dynamodb:UpdateItem'))).toMatchObject({
      Condition: { 'ForAllValues:StringEquals': { 'dynamodb:Attributes': ['approvalId', 'slackMessage'] } },
    });
    const fn = template.findResources('AWS::Lambda::Function')[id(batchRequester)];
    expect(fn.Properties.Environment.Variables.SLACK_MESSAGE_TABLE_NAME).toEqual({ Ref: id(channel.messageTable) });
    const answers = grantsOf(id(channel.voteRole)).find((g) => g.actions.includes('states:SendTaskSuccess'));
    expect(answers?.resource).toContain(id(stack.stateMachine));
    expect(answers?.resource).toContain(id(stack.controlHygiene.stateMachine));
  });

  it('alarms the operations topic when a Slack vote lands in the dead-letter queue (a person voted and it was not counted)', () => {
    const channel = stack.slackChannel!;
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmDescription: 'hubfix: the dead-letter queue holds Slack votes that were never counted',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [id(channel.voteDeadLetterQueue), 'QueueName'] } }],
      AlarmActions: [{ Ref: id(stack.node.findChild('Observability').node.findChild('OpsTopic')) }],
    });
  });

  it('alarms the operations topic when the Slack closer fails (EventBridge drops the event after its retries)', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmDescription: Match.stringLikeRegexp('^hubfix: the Slack closer failed'),
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: id(stack.slackChannel!.closer) } }],
      Threshold: 1,
      AlarmActions: [{ Ref: id(stack.node.findChild('Observability').node.findChild('OpsTopic')) }],
    });
  });

  it('passes the cdk-nag packs (an unacknowledged finding would throw on synth)', () => {
    // Prepare: a fresh app, synthesized once, so the packs run on this synth
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'hubfix-slack-nag-'));
    try {
      const { app, stack: fresh } = buildApp({ outdir: path.join(outdir, 'cdk.out'), config: SLACK_CONFIG, bundle: false });

      // Act / Assess
      expect(fresh.slackChannel).toBeDefined();
      expect(() => app.synth()).not.toThrow();
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });
});

describe('without Slack configured', () => {
  it('has no Slack route, function, table or grant', () => {
    const { stack, template, cleanup } = synthHubfix(TEST_CONFIG);
    try {
      expect(stack.slackChannel).toBeUndefined();
      expect(template.findResources('AWS::ApiGateway::Resource', { Properties: { PathPart: 'slack' } })).toEqual({});
      expect(JSON.stringify(template.toJSON())).not.toContain('SLACK_REPLAY_TABLE_NAME');
      expect(JSON.stringify(template.toJSON())).not.toContain('SLACK_MESSAGE_TABLE_NAME');
      expect(template.findResources('AWS::Events::Rule', { Properties: { Description: Match.stringLikeRegexp('Slack') } })).toEqual({});
    } finally {
      cleanup();
    }
  });
});
