import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { HubfixDashboard } from './dashboard';

export interface ObservabilityProps {
  /** Encrypts the operations topic (shared with the approval topic): the alarms are let use it. */
  notificationKey: kms.IKey;
  /** The remediation workflow's state machine. */
  stateMachine: sfn.IStateMachine;
  intakeDlq: sqs.IQueue;
  /** Approval emails SNS could not deliver. */
  notificationDlq: sqs.IQueue;
  /** Slack clicks whose vote was never counted (present when Slack is configured). */
  slackVoteDlq?: sqs.IQueue;
  /** Closes the Slack message of a run that ended undecided (present when Slack is configured). */
  slackCloser?: lambda.IFunction;
}

/**
 * What the platform team watches: the encrypted operations topic the alarms notify, an alarm on any unsuccessful
 * execution, one on each dead-letter queue, one on the Slack closer's errors, and the dashboard with its trend alarms
 * (infra/constructs/dashboard.ts).
 */
export class Observability extends Construct {
  readonly opsTopic: sns.Topic;
  readonly dashboard: HubfixDashboard;

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    const stack = Stack.of(this);
    // CloudWatch alarms publish to the encrypted ops topic only if the key lets them.
    props.notificationKey.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
    );
    this.opsTopic = new sns.Topic(this, 'OpsTopic', {
      displayName: 'hubfix operations alarms',
      masterKey: props.notificationKey,
      enforceSSL: true,
    });
    // The topic policy that enforceSSL creates replaces SNS's default one: let this account's alarms publish.
    this.opsTopic.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.opsTopic.topicArn],
        conditions: {
          ArnLike: {
            'aws:SourceArn': stack.formatArn({
              service: 'cloudwatch',
              resource: 'alarm',
              resourceName: '*',
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          },
        },
      }),
    );

    const alarmAction = new cloudwatchActions.SnsAction(this.opsTopic);
    const period = Duration.minutes(5);
    new cloudwatch.Alarm(this, 'WorkflowUnsuccessfulAlarm', {
      alarmDescription: 'hubfix: an execution failed, timed out or was aborted (the finding note says which step)',
      metric: new cloudwatch.MathExpression({
        label: 'Unsuccessful executions',
        expression: 'FILL(failed, 0) + FILL(timedOut, 0) + FILL(aborted, 0)',
        usingMetrics: {
          failed: props.stateMachine.metricFailed({ period }),
          timedOut: props.stateMachine.metricTimedOut({ period }),
          aborted: props.stateMachine.metricAborted({ period }),
        },
        period,
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    }).addAlarmAction(alarmAction);
    for (const [alarmId, dlq, what] of [
      ['IntakeDlqAlarm', props.intakeDlq, 'Security Hub events that never reached a workflow'],
      ['NotificationDlqAlarm', props.notificationDlq, 'approval emails SNS could not deliver'],
      ...(props.slackVoteDlq ? [['SlackVoteDlqAlarm', props.slackVoteDlq, 'Slack votes that were never counted'] as const] : []),
    ] as const) {
      new cloudwatch.Alarm(this, alarmId, {
        alarmDescription: `hubfix: the dead-letter queue holds ${what}`,
        metric: dlq.metricApproximateNumberOfMessagesVisible({ period }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }).addAlarmAction(alarmAction);
    }

    if (props.slackCloser) {
      // EventBridge retries the closer and then drops the event (nothing would replay a stale message from a queue): the
      // failed attempts are the only trace, so any of them tells the operators.
      new cloudwatch.Alarm(this, 'SlackCloserErrorsAlarm', {
        alarmDescription:
          'hubfix: the Slack closer failed: a run ended undecided and its Slack message may still show buttons (a click there ' +
          'decides nothing)',
        metric: props.slackCloser.metricErrors({ period }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }).addAlarmAction(alarmAction);
    }

    this.dashboard = new HubfixDashboard(this, 'Operations', {
      stateMachine: props.stateMachine,
      intakeDlq: props.intakeDlq,
      alarmTopic: this.opsTopic,
    });
  }
}
