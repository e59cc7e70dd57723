import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { METRIC, METRICS_NAMESPACE, METRICS_SERVICE } from '../../functions/audit/remediation-metrics';

export interface HubfixDashboardProps {
  stateMachine: sfn.IStateMachine;
  intakeDlq: sqs.IQueue;
  /** Where the alarms notify (the operations topic). */
  alarmTopic: sns.ITopic;
  /** Alarm when more than this share of the executions of an hour fail (default 25 %). */
  failureRatePercent?: number;
  /** ...once at least this many executions ran in that hour (default 4): one failure in two runs is not a trend. */
  failureRateMinimumExecutions?: number;
  /** Alarm when the day's 90th percentile time to a verified fix exceeds this (default 12 hours). */
  mttrP90Hours?: number;
}

const HOUR = Duration.hours(1);
const DAY = Duration.days(1);

/** hubfix's own metrics (Annotate publishes them in EMF): the service-wide dimension set. */
const hubfixMetric = (metricName: string, statistic: string, period: Duration = HOUR, label?: string) =>
  new cloudwatch.Metric({
    namespace: METRICS_NAMESPACE,
    metricName,
    dimensionsMap: { service: METRICS_SERVICE },
    statistic,
    period,
    label,
  });

/**
 * The operations view of hubfix: remediations by outcome and control, time to a verified fix, approval wait,
 * automatic versus approved share, the state machine's executions, the intake DLQ depth, and two alarms
 * (execution failure rate, slow fixes) to the operations topic.
 */
export class HubfixDashboard extends Construct {
  readonly dashboard: cloudwatch.Dashboard;
  readonly failureRateAlarm: cloudwatch.Alarm;
  readonly slowRemediationAlarm: cloudwatch.Alarm;
  /** A blast limit paused the automatic path (blastLimits in the configuration). */
  readonly automaticPathHeldAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: HubfixDashboardProps) {
    super(scope, id);
    const { stateMachine, intakeDlq } = props;
    const threshold = props.failureRatePercent ?? 25;
    const minimum = props.failureRateMinimumExecutions ?? 4;
    const mttrP90Hours = props.mttrP90Hours ?? 12;

    const succeeded = stateMachine.metricSucceeded({ period: HOUR, statistic: 'Sum' });
    const failed = stateMachine.metricFailed({ period: HOUR, statistic: 'Sum' });
    const timedOut = stateMachine.metricTimedOut({ period: HOUR, statistic: 'Sum' });
    const failureRate = new cloudwatch.MathExpression({
      label: 'Failed executions (%)',
      // Below the minimum the rate reads 0: a single failed run is the other alarm's business.
      expression: `IF((FILL(s, 0) + FILL(f, 0)) >= ${minimum}, 100 * FILL(f, 0) / (FILL(s, 0) + FILL(f, 0)), 0)`,
      usingMetrics: { s: succeeded, f: failed },
      period: HOUR,
    });
    const ttrP90 = hubfixMetric(METRIC.timeToRemediate, 'p90', DAY, 'Time to remediate p90 (s)');

    const action = new cloudwatchActions.SnsAction(props.alarmTopic);
    this.failureRateAlarm = new cloudwatch.Alarm(this, 'FailureRateAlarm', {
      alarmDescription:
        `hubfix: more than ${threshold} % of the executions of the last hour failed (at least ${minimum} ran); the ` +
        `finding notes say which step`,
      metric: failureRate,
      threshold,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.slowRemediationAlarm = new cloudwatch.Alarm(this, 'SlowRemediationAlarm', {
      alarmDescription:
        `hubfix: the 90th percentile time from finding to verified fix over the last day exceeds ${mttrP90Hours} h ` +
        `(approvals waiting too long?)`,
      metric: ttrP90,
      threshold: mttrP90Hours * 3600,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.automaticPathHeldAlarm = new cloudwatch.Alarm(this, 'AutomaticPathHeldAlarm', {
      alarmDescription:
        'hubfix: a blast limit paused the automatic path (more automatic changes in the window than blastLimits allows); held ' +
        'findings are annotated, nothing was changed on them',
      metric: hubfixMetric(METRIC.held, 'Sum', Duration.minutes(5), 'Runs held by a blast limit'),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    for (const alarm of [this.failureRateAlarm, this.slowRemediationAlarm, this.automaticPathHeldAlarm]) alarm.addAlarmAction(action);

    const byControlAndOutcome = (outcome: string) =>
      new cloudwatch.MathExpression({
        expression:
          `SEARCH('{${METRICS_NAMESPACE},ControlId,Outcome,service} MetricName="${METRIC.remediations}" ` +
          `Outcome="${outcome}"', 'Sum', 3600)`,
        period: HOUR,
      });

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.days(7),
      widgets: [
        [
          new cloudwatch.SingleValueWidget({
            title: 'Runs, automatic and approved (7 days)',
            metrics: [
              hubfixMetric(METRIC.remediations, 'Sum', Duration.days(7), 'Runs'),
              hubfixMetric(METRIC.automatic, 'Sum', Duration.days(7), 'Automatic'),
              hubfixMetric(METRIC.approved, 'Sum', Duration.days(7), 'Approved'),
            ],
            width: 8,
          }),
          new cloudwatch.AlarmStatusWidget({
            title: 'Alarms',
            alarms: [this.failureRateAlarm, this.slowRemediationAlarm, this.automaticPathHeldAlarm],
            width: 8,
          }),
          new cloudwatch.GraphWidget({
            title: 'Intake dead-letter queue depth',
            left: [intakeDlq.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), label: 'Messages' })],
            width: 8,
          }),
        ],
        [
          new cloudwatch.GraphWidget({
            title: 'Verified fixes by control',
            left: [byControlAndOutcome('resolved')],
            stacked: true,
            width: 12,
          }),
          new cloudwatch.GraphWidget({
            title: 'Failed runs by control',
            left: [byControlAndOutcome('failed')],
            stacked: true,
            width: 12,
          }),
        ],
        [
          new cloudwatch.GraphWidget({
            title: 'Time to remediate (finding received → verified), seconds',
            left: [
              hubfixMetric(METRIC.timeToRemediate, 'p50', HOUR, 'p50'),
              hubfixMetric(METRIC.timeToRemediate, 'p90', HOUR, 'p90'),
              hubfixMetric(METRIC.timeToRemediate, 'Maximum', HOUR, 'max'),
            ],
            leftAnnotations: [{ value: mttrP90Hours * 3600, label: 'slow-fix alarm (p90 over a day)' }],
            width: 12,
          }),
          new cloudwatch.GraphWidget({
            title: 'Approval wait (requested → decided), seconds',
            left: [hubfixMetric(METRIC.approvalWait, 'p50', HOUR, 'p50'), hubfixMetric(METRIC.approvalWait, 'Maximum', HOUR, 'max')],
            width: 12,
          }),
        ],
        [
          new cloudwatch.GraphWidget({
            title: 'Automatic versus approved changes',
            left: [hubfixMetric(METRIC.automatic, 'Sum', HOUR, 'Automatic'), hubfixMetric(METRIC.approved, 'Sum', HOUR, 'Approved')],
            stacked: true,
            width: 8,
          }),
          new cloudwatch.GraphWidget({
            title: 'State machine executions',
            left: [succeeded.with({ label: 'Succeeded' }), failed.with({ label: 'Failed' }), timedOut.with({ label: 'Timed out' })],
            width: 8,
          }),
          new cloudwatch.GraphWidget({
            title: 'Execution failure rate (%)',
            left: [failureRate],
            leftAnnotations: [{ value: threshold, label: 'alarm' }],
            width: 8,
          }),
        ],
      ],
    });
  }
}
