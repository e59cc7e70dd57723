import { Duration } from 'aws-cdk-lib';
import type * as apigateway from 'aws-cdk-lib/aws-apigateway';
import { LambdaIntegration } from 'aws-cdk-lib/aws-apigateway';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventTargets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { SLACK_REPLAY_TABLE_ENV, SLACK_REPLAY_TTL_ATTRIBUTE } from '../../functions/approval/slack/replay-guard';
import { SLACK_MESSAGE_TTL_ATTRIBUTE } from '../../functions/approval/slack/slack-message-store';
import type { HubfixConfig, SlackConfig } from '../../functions/platform/config';
import { SETTINGS_ENV } from '../../functions/platform/runtime';
import { SLACK_VOTE_QUEUE_ENV } from '../../functions/approval/slack/interactions';
import {
  acknowledgeAsyncFunction,
  acknowledgeDeadLetterQueue,
  acknowledgeFunctionRole,
  acknowledgeSlackInteractions,
  acknowledgeSlackVoteWorker,
} from '../nag-acknowledgements';
import { encryptedQueue } from './encrypted-queue';
import { functionRole, HubfixFunction } from './hubfix-function';

export const SLACK_INTERACTIONS_RESOURCE = ['slack', 'interactions'] as const;

export interface SlackChannelProps {
  config: HubfixConfig;
  slack: SlackConfig;
  /** The approval API: Slack's Interactivity Request URL is its POST /slack/interactions. */
  api: apigateway.RestApi;
  approvalTable: dynamodb.ITable;
  /** The remediation state machine, whose waiting approvals a Slack decision answers (more through `serveWorkflow`). */
  stateMachineArn: string;
  /** RequestApproval: it posts the message, stores its ts on the approval and the approval of its execution. */
  requestApproval: lambda.Function;
  /** The approval API: a vote on the page updates the Slack message too. */
  approvalApi: lambda.IFunction;
}

/**
 * A Secrets Manager grant for a secret named by ARN in the configuration: the complete ARN (with Secrets Manager's
 * 6-character suffix) as given, a partial one with that suffix's wildcard.
 */
const secretResource = (arn: string): string => (/-[A-Za-z0-9]{6}$/.test(arn) ? arn : `${arn}-??????`);

/**
 * Slack as a second approval channel: the interactions function behind POST /slack/interactions with its own role,
 * the table of accepted request signatures (replays refused), and what RequestApproval needs to post the message.
 * A run that ends without a decision (timed out, stopped, failed) closes its message: a rule on the state machine's
 * status changes invokes the closer, which finds the approval through the table of messages by execution.
 * The bot token and signing secret are the Slack app's, created by the operator in Secrets Manager and named in config.
 */
export class SlackChannel extends Construct {
  readonly function: HubfixFunction;
  readonly replayTable: dynamodb.Table;
  readonly role: iam.Role;
  /** Accepted clicks, waiting for the vote worker. */
  readonly voteQueue: sqs.Queue;
  /** Slack clicks the vote worker failed three times: each is a person's vote that was not counted. */
  readonly voteDeadLetterQueue: sqs.Queue;
  readonly voteWorker: HubfixFunction;
  readonly voteRole: iam.Role;
  /** Execution → the approval it posted to Slack. */
  readonly messageTable: dynamodb.Table;
  /** Closes the Slack message of a run that ended without a decision. */
  readonly closer: HubfixFunction;
  readonly closerRole: iam.Role;
  /** Runs that ended, of every state machine `serveWorkflow` names, to the closer. */
  private readonly runEnded: events.Rule;
  private readonly props: SlackChannelProps;

  constructor(scope: Construct, id: string, props: SlackChannelProps) {
    super(scope, id);
    this.props = props;
    const { slack } = props;
    this.replayTable = new dynamodb.Table(this, 'ReplayTable', {
      partitionKey: { name: 'signatureHash', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: SLACK_REPLAY_TTL_ATTRIBUTE,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
    });
    this.role = functionRole(this, 'Role', 'hubfix Slack interactions: checks a signed click and queues it for the vote');
    acknowledgeFunctionRole(this.role);
    // Slack wants its answer within 3 seconds: the route checks and answers, the worker behind the queue votes.
    const voteDlq = encryptedQueue(this, 'VoteDlq', { retentionPeriod: Duration.days(14) });
    this.voteDeadLetterQueue = voteDlq;
    acknowledgeDeadLetterQueue(voteDlq);
    this.voteQueue = encryptedQueue(this, 'VoteQueue', {
      visibilityTimeout: Duration.minutes(3),
      retentionPeriod: Duration.hours(1),
      deadLetterQueue: { queue: voteDlq, maxReceiveCount: 3 },
    });
    this.function = new HubfixFunction(this, 'Function', {
      entry: 'handlers/slack-interactions.ts',
      description: 'hubfix: Slack Approve / Reject clicks, signature-checked and answered at once, then queued for the vote',
      role: this.role,
      timeout: Duration.seconds(10),
      config: props.config,
      environment: { [SLACK_REPLAY_TABLE_ENV]: this.replayTable.tableName, [SLACK_VOTE_QUEUE_ENV]: this.voteQueue.queueUrl },
    });
    // Interactions: the signing secret, the replay record (put only), the queue (send only).
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [secretResource(slack.signingSecretArn)] }),
    );
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['dynamodb:PutItem'], resources: [this.replayTable.tableArn] }));
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.voteQueue.queueArn] }));

    // The vote worker: both Slack secrets (it checks the signature again), the approval (read, conditional update), the answer.
    this.voteRole = functionRole(this, 'VoteRole', 'hubfix Slack votes: maps the person of a signed click and records the vote');
    acknowledgeFunctionRole(this.voteRole);
    this.voteWorker = new HubfixFunction(this, 'VoteWorker', {
      entry: 'handlers/slack-votes.ts',
      description: 'hubfix: the vote of a Slack click, under the approval policy; answers the person in Slack',
      role: this.voteRole,
      timeout: Duration.seconds(30),
      config: props.config,
      environment: { [SETTINGS_ENV.approvalTableName]: props.approvalTable.tableName },
    });
    this.voteWorker.addEventSource(new SqsEventSource(this.voteQueue, { batchSize: 1, reportBatchItemFailures: true }));
    acknowledgeSlackVoteWorker(this.voteWorker);
    this.voteRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['secretsmanager:GetSecretValue'],
        resources: [secretResource(slack.signingSecretArn), secretResource(slack.botTokenSecretArn)],
      }),
    );
    this.voteRole.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'], resources: [props.approvalTable.tableArn] }),
    );

    // The approval API: the bot token, to show a vote cast on the page in the Slack message.
    props.approvalApi.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [secretResource(slack.botTokenSecretArn)] }),
    );

    this.messageTable = new dynamodb.Table(this, 'MessageTable', {
      partitionKey: { name: 'executionId', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: SLACK_MESSAGE_TTL_ATTRIBUTE,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
    });

    // The closer: the execution's approval (two reads), the bot token for chat.update; nothing else.
    this.closerRole = functionRole(
      this,
      'CloserRole',
      'hubfix Slack closer: marks the Slack message of a run that ended without a decision',
    );
    acknowledgeFunctionRole(this.closerRole);
    this.closer = new HubfixFunction(this, 'Closer', {
      entry: 'handlers/slack-execution-closed.ts',
      description: 'hubfix: closes the Slack message of a run that ended without a decision (timed out, stopped, failed)',
      role: this.closerRole,
      timeout: Duration.seconds(30),
      config: props.config,
      environment: {
        [SETTINGS_ENV.approvalTableName]: props.approvalTable.tableName,
        [SETTINGS_ENV.slackMessageTableName]: this.messageTable.tableName,
      },
    });
    this.closerRole.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [secretResource(slack.botTokenSecretArn)] }),
    );
    this.closerRole.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['dynamodb:GetItem'], resources: [this.messageTable.tableArn, props.approvalTable.tableArn] }),
    );
    this.runEnded = new events.Rule(this, 'RunEndedRule', {
      description: 'hubfix: a run that asks for approval ended; close its Slack message if nobody decided',
      eventPattern: {
        source: ['aws.states'],
        detailType: ['Step Functions Execution Status Change'],
        detail: { status: ['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'] },
      },
      targets: [new eventTargets.LambdaFunction(this.closer, { retryAttempts: 4, maxEventAge: Duration.hours(2) })],
    });
    acknowledgeAsyncFunction(this.closer, this.runEnded, 'a stale Slack message (the approval itself has expired or its run has ended)');
    this.serveWorkflow(props.stateMachineArn, props.requestApproval);

    const [first, second] = SLACK_INTERACTIONS_RESOURCE;
    acknowledgeSlackInteractions(
      props.api.root.addResource(first).addResource(second).addMethod('POST', new LambdaIntegration(this.function)),
    );
  }

  /**
   * Posts the approvals of this state machine's runs to Slack, answers their waits from Slack votes and closes their
   * messages when a run ends undecided: `requestApproval` is the function that asks (the remediation workflow's
   * RequestApproval, the control-hygiene workflow's RequestBatchApproval).
   */
  serveWorkflow(stateMachineArn: string, requestApproval: lambda.Function): void {
    const { slack } = this.props;
    this.voteRole.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['states:SendTaskSuccess', 'states:SendTaskFailure'], resources: [stateMachineArn] }),
    );
    // The bot token, and an update of the approval that may touch its Slack message reference only.
    requestApproval.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [secretResource(slack.botTokenSecretArn)] }),
    );
    requestApproval.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:UpdateItem'],
        resources: [this.props.approvalTable.tableArn],
        conditions: {
          'ForAllValues:StringEquals': { 'dynamodb:Attributes': ['approvalId', 'slackMessage'] },
          StringEqualsIfExists: { 'dynamodb:ReturnValues': 'NONE' },
        },
      }),
    );
    requestApproval.addEnvironment(SETTINGS_ENV.slackMessageTableName, this.messageTable.tableName);
    requestApproval.addToRolePolicy(new iam.PolicyStatement({ actions: ['dynamodb:PutItem'], resources: [this.messageTable.tableArn] }));
    this.runEnded.addEventPattern({ detail: { stateMachineArn: [stateMachineArn] } });
  }
}
