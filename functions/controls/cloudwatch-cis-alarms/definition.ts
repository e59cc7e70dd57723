import {
  CloudWatchClient,
  ComparisonOperator,
  DeleteAlarmsCommand,
  DescribeAlarmsCommand,
  DescribeAlarmsForMetricCommand,
  PutMetricAlarmCommand,
  Statistic,
  type MetricAlarm,
} from '@aws-sdk/client-cloudwatch';
import {
  CloudWatchLogsClient,
  DeleteMetricFilterCommand,
  DescribeMetricFiltersCommand,
  PutMetricFilterCommand,
  StandardUnit,
  type MetricFilter,
} from '@aws-sdk/client-cloudwatch-logs';
import { GetTopicAttributesCommand, SNSClient } from '@aws-sdk/client-sns';
import * as z from 'zod';
import type { ClientFactory } from '../../platform/clients';
import { InvalidInputError, RemediationError, VerificationFailedError } from '../../platform/errors';
import type { ChangeRecord, Evidence, FindingRef, Plan } from '../../findings/types';
import { CIS_METRIC_FILTERS, isCisPattern, type CisMetricFilter } from './cis-metric-filters';
import { defineControl } from '../define-control';
import { ownAccount } from '../grants';
import { logGroupNameOf, managementEvents, regionOfArn, trailActivity, trailsSeenIn, type TrailFacts } from '../shared/trails';
import { sameJson } from '../shared/retries';
import type { ControlAssessment, ControlContext } from '../types';

const DAY_MS = 86_400_000;
/** The namespace the Security Hub guide uses for every CIS metric, so they group together. */
export const METRIC_NAMESPACE = 'LogMetrics';
/** Every alarm hubfix creates is named so: the remediate role may put and delete only these (its permissions below). */
export const ALARM_NAME_PREFIX = 'hubfix-';

const hubfixAlarms = (action: string) => ({
  action,
  resources: ownAccount('cloudwatch', `alarm:${ALARM_NAME_PREFIX}*`),
  why: `only alarms hubfix names (${ALARM_NAME_PREFIX}*)`,
});

/** The filter and alarm a plan creates on the trail's log group. */
const alarmPlanSchema = z.object({
  logGroupName: z.string().min(1),
  logGroupRegion: z.string().min(1),
  /** Absent when a filter with the CIS pattern exists and only its alarm is missing. */
  filter: z.object({ filterName: z.string(), filterPattern: z.string() }).optional(),
  metricName: z.string().min(1),
  namespace: z.string().min(1),
  alarmName: z.string().min(1),
  topicArn: z.string().min(1),
});
type AlarmPlan = z.infer<typeof alarmPlanSchema>;

/** A metric filter as DescribeMetricFilters returned it: kept whole, these fields read (rollback puts it back). */
const metricFilterSchema = z.looseObject({
  filterName: z.string().optional(),
  filterPattern: z.string().optional(),
  metricTransformations: z
    .array(
      z.object({
        metricName: z.string().optional(),
        metricNamespace: z.string().optional(),
        metricValue: z.string().optional(),
        defaultValue: z.number().optional(),
        dimensions: z.record(z.string(), z.string()).optional(),
        unit: z.enum(StandardUnit).optional(),
      }),
    )
    .optional(),
});

/** An alarm as DescribeAlarms returned it: kept whole, these fields read (rollback puts it back). */
const metricAlarmSchema = z.looseObject({
  AlarmName: z.string().optional(),
  AlarmDescription: z.string().optional(),
  MetricName: z.string().optional(),
  Namespace: z.string().optional(),
  Statistic: z.enum(Statistic).optional(),
  Period: z.number().optional(),
  EvaluationPeriods: z.number().optional(),
  Threshold: z.number().optional(),
  ComparisonOperator: z.enum(ComparisonOperator).optional(),
  AlarmActions: z.array(z.string()).optional(),
  ActionsEnabled: z.boolean().optional(),
  TreatMissingData: z.string().optional(),
});
type RecordedAlarm = z.infer<typeof metricAlarmSchema>;
type RecordedFilter = z.infer<typeof metricFilterSchema>;

/** `observed` (plans since retries were made safe): the same-named filter and alarm the plan would overwrite (null: none). */
const planSchema = alarmPlanSchema.extend({
  observed: z.object({ filter: metricFilterSchema.nullable().optional(), alarm: metricAlarmSchema.nullable().optional() }).optional(),
});
type AlarmPlanParameters = z.infer<typeof planSchema>;

/**
 * Each side of a change record: the plan, and in `before` of a remediation what a same-named filter and alarm were
 * (null: none, rollback deletes what was created); `removed` after a rollback.
 */
const changeSchema = z.object({
  plan: alarmPlanSchema,
  filter: metricFilterSchema.nullable().optional(),
  alarm: metricAlarmSchema.nullable().optional(),
  removed: z.boolean().optional(),
});
type AlarmChange = z.infer<typeof changeSchema>;

const cisFilterOf = (finding: FindingRef): CisMetricFilter => {
  const filter = CIS_METRIC_FILTERS[finding.controlId];
  if (!filter) throw new InvalidInputError(`${finding.controlId} has no CIS metric filter`);
  return filter;
};

const accountOfArn = (arn: string): string => arn.split(':')[4] ?? '';

/**
 * Why a trail cannot carry the CIS filters, or undefined when it can: multi-region, logging, all management events,
 * delivering to this account's logs.
 */
const unusable = async (ctx: ControlContext, finding: FindingRef, trail: TrailFacts): Promise<{ why?: string; fact: string }> => {
  const [activity, events] = await Promise.all([
    trailActivity(ctx.clients, finding.accountId, trail),
    managementEvents(ctx.clients, finding.accountId, trail),
  ]);
  const delivered = activity.latestCloudWatchLogsDelivery;
  const fact =
    `Trail ${trail.name} (home ${trail.homeRegion}): ${trail.multiRegion ? 'multi-region' : 'single-region'}, ` +
    `${activity.isLogging ? 'logging' : 'NOT logging'}, ${events.description}, ` +
    (trail.logGroupArn
      ? `delivers to ${trail.logGroupArn}, last delivery ${delivered ? delivered.toISOString() : 'never'}.`
      : 'no CloudWatch Logs log group.');
  const staleBefore = ctx.now().getTime() - ctx.config.thresholds.lookbackDays * DAY_MS;
  const why = !trail.multiRegion
    ? 'it is single-region'
    : !activity.isLogging
      ? 'it is not logging'
      : !events.complete
        ? `it records ${events.description}, not all management events`
        : !trail.logGroupArn
          ? 'it does not deliver to CloudWatch Logs'
          : accountOfArn(trail.logGroupArn) !== finding.accountId
            ? `its log group belongs to account ${accountOfArn(trail.logGroupArn)}`
            : !delivered || delivered.getTime() < staleBefore
              ? `CloudTrail has not delivered to its log group in ${ctx.config.thresholds.lookbackDays} days`
              : undefined;
  return { why, fact };
};

const logsAt = (clients: ClientFactory, accountId: string, region: string) => clients.at(CloudWatchLogsClient, { accountId, region });
const alarmsAt = (clients: ClientFactory, accountId: string, region: string) => clients.at(CloudWatchClient, { accountId, region });

const metricOf = (f: MetricFilter) => f.metricTransformations?.[0];
const notifiesSns = (a: MetricAlarm): boolean => a.ActionsEnabled !== false && (a.AlarmActions ?? []).some((arn) => arn.includes(':sns:'));

async function assess(finding: FindingRef, ctx: ControlContext): Promise<ControlAssessment<AlarmPlanParameters>> {
  const cis = cisFilterOf(finding);
  const trails = await trailsSeenIn(ctx.clients, finding.accountId, finding.resource.region);
  const checked = await Promise.all(trails.map(async (trail) => ({ trail, ...(await unusable(ctx, finding, trail)) })));
  const evidence: Evidence[] = [
    { fact: `${trails.length} trail(s) log region ${finding.resource.region}.`, source: 'cloudtrail:DescribeTrails' },
    ...checked.map((c) => ({ fact: c.fact, source: 'cloudtrail:DescribeTrails, cloudtrail:GetTrailStatus, cloudtrail:GetEventSelectors' })),
  ];
  const usable = checked
    .filter((c) => !c.why)
    .sort((a, b) => Number(b.trail.homeRegion === finding.resource.region) - Number(a.trail.homeRegion === finding.resource.region));
  if (usable.length === 0) {
    const reasons = checked.map((c) => `${c.trail.name}: ${c.why}`).join('; ');
    return {
      risk: 'low',
      riskReason: `no multi-region trail delivers this account's management events to CloudWatch Logs (${
        reasons || 'the account has no trail'
      }); a metric filter would see nothing: fix CloudTrail.1 and CloudTrail.5 first`,
      evidence,
      blocked: true,
    };
  }
  const trail = usable[0].trail;
  const logGroupArn = trail.logGroupArn as string;
  const logGroupName = logGroupNameOf(logGroupArn) as string;
  const logGroupRegion = regionOfArn(logGroupArn);

  const filters =
    (await logsAt(ctx.clients, finding.accountId, logGroupRegion).send(new DescribeMetricFiltersCommand({ logGroupName }))).metricFilters ??
    [];
  const matching = filters.filter((f) => isCisPattern(cis, f.filterPattern ?? ''));
  evidence.push({
    fact:
      `Log group ${logGroupName} has ${filters.length} metric filter(s); ` +
      `${
        matching.length > 0
          ? `${matching.map((f) => f.filterName).join(', ')} use(s) the CIS pattern for ${finding.controlId}`
          : `none uses the CIS pattern for ${finding.controlId}`
      }.`,
    source: 'logs:DescribeMetricFilters',
  });
  const cloudWatch = alarmsAt(ctx.clients, finding.accountId, logGroupRegion);
  for (const filter of matching) {
    const metric = metricOf(filter);
    if (!metric?.metricName || !metric.metricNamespace) continue;
    const alarms =
      (await cloudWatch.send(new DescribeAlarmsForMetricCommand({ MetricName: metric.metricName, Namespace: metric.metricNamespace })))
        .MetricAlarms ?? [];
    const notifying = alarms.filter(notifiesSns);
    evidence.push({
      fact:
        `Metric ${metric.metricNamespace}/${metric.metricName} of filter ${filter.filterName} has ${alarms.length} alarm(s), ` +
        `${notifying.length} notifying an SNS topic.`,
      source: 'cloudwatch:DescribeAlarmsForMetric',
    });
    if (notifying.length > 0) {
      return {
        risk: 'low',
        riskReason: `Filter ${filter.filterName} and alarm ${notifying[0].AlarmName} already cover ${finding.controlId}`,
        evidence,
      };
    }
  }

  const topicArn = ctx.config.alarms.snsTopicArn;
  if (!topicArn)
    return {
      risk: 'low',
      riskReason: 'no alarm topic is configured: set alarms.snsTopicArn to the SNS topic the CIS alarms should notify',
      evidence,
      blocked: true,
    };
  try {
    const topic =
      (
        await ctx.clients
          .at(SNSClient, { accountId: accountOfArn(topicArn), region: regionOfArn(topicArn) })
          .send(new GetTopicAttributesCommand({ TopicArn: topicArn }))
      ).Attributes ?? {};
    const subscribers = Number(topic.SubscriptionsConfirmed ?? 0);
    evidence.push({
      fact: `Alarm topic ${topicArn} has ${subscribers} confirmed subscription(s)${
        subscribers === 0 ? ': the alarm would notify nobody until someone subscribes' : ''
      }.`,
      source: 'sns:GetTopicAttributes',
    });
  } catch (error) {
    if ((error as Error).name !== 'NotFoundException') throw error;
    return { risk: 'low', riskReason: `the configured alarm topic ${topicArn} does not exist`, evidence, blocked: true };
  }

  const existing = matching.map((f) => ({ filter: f, metric: metricOf(f) })).find((m) => m.metric?.metricName && m.metric.metricNamespace);
  const filterName = `hubfix-cis-${cis.metricName}`;
  const alarmName = `${ALARM_NAME_PREFIX}${finding.controlId}-${cis.metricName}`;
  // What the plan would overwrite (a same-named filter or alarm), as assessed: a retry records it as `before` (types.ts).
  const sameNamedFilter = existing ? undefined : filters.find((f) => f.filterName === filterName);
  const sameNamedAlarm = await alarmNamed(cloudWatch, alarmName);
  const observed = { filter: sameNamedFilter ? { ...sameNamedFilter } : null, alarm: sameNamedAlarm ? { ...sameNamedAlarm } : null };
  const plan: AlarmPlan = {
    logGroupName,
    logGroupRegion,
    filter: existing ? undefined : { filterName, filterPattern: cis.pattern },
    metricName: existing?.metric?.metricName ?? cis.metricName,
    namespace: existing?.metric?.metricNamespace ?? METRIC_NAMESPACE,
    alarmName,
    topicArn,
  };
  const steps = [
    ...(plan.filter
      ? [
          `logs:PutMetricFilter ` +
            `logGroupName=${logGroupName} filterName=${plan.filter.filterName} filterPattern=${plan.filter.filterPattern} ` +
            `metric=${plan.namespace}/${plan.metricName} value=1`,
        ]
      : []),
    `cloudwatch:PutMetricAlarm AlarmName=${plan.alarmName} Metric=${plan.namespace}/${plan.metricName} Statistic=Sum Period=300 ` +
      `Threshold>=1 AlarmActions=${topicArn}`,
  ];
  return {
    risk: 'low',
    riskReason: 'Additive: one metric filter and one alarm on the trail log group; nothing that exists changes',
    evidence,
    plan: {
      summary: `${
        plan.filter
          ? `Create CIS metric filter ${plan.filter.filterName} on ${logGroupName} and`
          : `Add to the existing CIS filter ${existing?.filter.filterName}`
      } alarm ${plan.alarmName} notifying ${topicArn}`,
      steps,
      reversible: true,
      parameters: { ...plan, observed },
    },
  };
}

/** The filter and alarm a plan creates, without what it observed. */
const alarmPlanOf = ({ logGroupName, logGroupRegion, filter, metricName, namespace, alarmName, topicArn }: AlarmPlan): AlarmPlan => ({
  logGroupName,
  logGroupRegion,
  ...(filter ? { filter } : {}),
  metricName,
  namespace,
  alarmName,
  topicArn,
});

const filterNamed = async (logs: CloudWatchLogsClient, plan: AlarmPlan, name: string): Promise<MetricFilter | undefined> =>
  (
    (await logs.send(new DescribeMetricFiltersCommand({ logGroupName: plan.logGroupName, filterNamePrefix: name }))).metricFilters ?? []
  ).find((f) => f.filterName === name);

const alarmNamed = async (cloudWatch: CloudWatchClient, name: string): Promise<MetricAlarm | undefined> =>
  (await cloudWatch.send(new DescribeAlarmsCommand({ AlarmNames: [name] }))).MetricAlarms?.find((a) => a.AlarmName === name);

const putAlarm = (cloudWatch: CloudWatchClient, plan: AlarmPlan) =>
  cloudWatch.send(
    new PutMetricAlarmCommand({
      AlarmName: plan.alarmName,
      AlarmDescription: 'CIS AWS Foundations Benchmark log metric alarm (created by hubfix)',
      MetricName: plan.metricName,
      Namespace: plan.namespace,
      Statistic: 'Sum',
      Period: 300,
      EvaluationPeriods: 1,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [plan.topicArn],
    }),
  );

/** The filter exactly as remediate writes it. */
const isPlannedFilter = (f: MetricFilter, plan: AlarmPlan): boolean => {
  const metric = metricOf(f);
  return (
    f.filterPattern === plan.filter?.filterPattern &&
    metric?.metricName === plan.metricName &&
    metric.metricNamespace === plan.namespace &&
    metric.metricValue === '1'
  );
};

/** The alarm exactly as remediate writes it (the settings CloudWatch reports back). */
const isPlannedAlarm = (a: MetricAlarm, plan: AlarmPlan): boolean =>
  a.MetricName === plan.metricName &&
  a.Namespace === plan.namespace &&
  a.Statistic === 'Sum' &&
  a.Period === 300 &&
  a.EvaluationPeriods === 1 &&
  a.Threshold === 1 &&
  a.ComparisonOperator === 'GreaterThanOrEqualToThreshold' &&
  a.ActionsEnabled !== false &&
  sameJson(a.AlarmActions ?? [], [plan.topicArn]);

async function remediate(
  finding: FindingRef,
  { parameters }: Plan<AlarmPlanParameters>,
  ctx: ControlContext,
): Promise<ChangeRecord<AlarmChange>> {
  const plan = alarmPlanOf(parameters);
  const logs = logsAt(ctx.clients, finding.accountId, plan.logGroupRegion);
  const cloudWatch = alarmsAt(ctx.clients, finding.accountId, plan.logGroupRegion);
  // A same-named filter or alarm would be overwritten: record it so rollback restores rather than deletes it. One already
  // exactly as planned was written by an earlier attempt of this step: the record keeps what the assessment saw (types.ts).
  const [filterLive, alarmLive] = await Promise.all([
    plan.filter ? filterNamed(logs, plan, plan.filter.filterName) : undefined,
    alarmNamed(cloudWatch, plan.alarmName),
  ]);
  const filterDone = filterLive !== undefined && isPlannedFilter(filterLive, plan);
  const alarmDone = alarmLive !== undefined && isPlannedAlarm(alarmLive, plan);
  const seenFilter = parameters.observed?.filter;
  const seenAlarm = parameters.observed?.alarm;
  const filterBefore: RecordedFilter | null = filterDone && seenFilter !== undefined ? seenFilter : filterLive ? { ...filterLive } : null;
  const alarmBefore: RecordedAlarm | null = alarmDone && seenAlarm !== undefined ? seenAlarm : alarmLive ? { ...alarmLive } : null;
  const created = [...(plan.filter ? [`metric filter ${plan.filter.filterName}`] : []), `alarm ${plan.alarmName}`];
  const done: string[] = [];
  try {
    if (plan.filter && !filterDone) {
      await logs.send(
        new PutMetricFilterCommand({
          logGroupName: plan.logGroupName,
          filterName: plan.filter.filterName,
          filterPattern: plan.filter.filterPattern,
          metricTransformations: [{ metricName: plan.metricName, metricNamespace: plan.namespace, metricValue: '1' }],
        }),
      );
      done.push(`metric filter ${plan.filter.filterName}`);
    }
    if (!alarmDone) {
      await putAlarm(cloudWatch, plan);
      done.push(`alarm ${plan.alarmName}`);
    }
  } catch (error) {
    const already = done.length > 0 ? `already created ${done.join(', ')}` : 'nothing was changed';
    throw new RemediationError(
      `Creating the ${finding.controlId} filter and alarm failed (${(error as Error).name}: ${(error as Error).message}); ${already}`,
      { cause: error },
    );
  }
  return {
    summary: `Created ${created.join(' and ')} on ${plan.logGroupName} notifying ${plan.topicArn}`,
    before: { plan: { ...plan }, filter: filterBefore ? { ...filterBefore } : null, alarm: alarmBefore ? { ...alarmBefore } : null },
    after: { plan: { ...plan } },
    changedAt: ctx.now().toISOString(),
    reversible: true,
  };
}

async function verify(finding: FindingRef, change: ChangeRecord<AlarmChange>, ctx: ControlContext): Promise<string> {
  const plan = change.after.plan;
  const cis = cisFilterOf(finding);
  const logs = logsAt(ctx.clients, finding.accountId, plan.logGroupRegion);
  const filters =
    (
      await logs.send(
        new DescribeMetricFiltersCommand({ logGroupName: plan.logGroupName, metricName: plan.metricName, metricNamespace: plan.namespace }),
      )
    ).metricFilters ?? [];
  const filter = filters.find((f) => isCisPattern(cis, f.filterPattern ?? ''));
  if (!filter)
    throw new VerificationFailedError(
      `No filter with the CIS pattern for ${finding.controlId} feeds ${plan.namespace}/${plan.metricName} on ${plan.logGroupName}`,
    );
  const alarm = await alarmNamed(alarmsAt(ctx.clients, finding.accountId, plan.logGroupRegion), plan.alarmName);
  if (
    !alarm ||
    alarm.MetricName !== plan.metricName ||
    alarm.Namespace !== plan.namespace ||
    !(alarm.AlarmActions ?? []).includes(plan.topicArn)
  ) {
    throw new VerificationFailedError(
      `Alarm ${plan.alarmName} ${
        alarm ? `does not watch ${plan.namespace}/${plan.metricName} or notify ${plan.topicArn}` : 'does not exist'
      }`,
    );
  }
  return (
    `CloudWatch Logs reports filter ${filter.filterName} with the CIS pattern on ${plan.logGroupName}; alarm ` +
    `${alarm.AlarmName} watches ${plan.namespace}/${plan.metricName} and notifies ${plan.topicArn}`
  );
}

/** Runs a delete; "not found" means an earlier attempt (or the SDK's resend) already deleted it: done all the same. */
const deleted = async (remove: () => Promise<unknown>, notFound: string): Promise<void> => {
  try {
    await remove();
  } catch (error) {
    if ((error as Error).name !== notFound) throw error;
  }
};

/**
 * Deletes exactly the filter and alarm remediation created; a same-named one that existed before is put back instead.
 * Each part is idempotent, and the summary tells the whole undo, so a retried rollback returns the record of a clean one.
 */
async function rollback(finding: FindingRef, change: ChangeRecord<AlarmChange>, ctx: ControlContext): Promise<ChangeRecord<AlarmChange>> {
  const plan = change.before.plan;
  const filterBefore = change.before.filter;
  const alarmBefore = change.before.alarm;
  const logs = logsAt(ctx.clients, finding.accountId, plan.logGroupRegion);
  const cloudWatch = alarmsAt(ctx.clients, finding.accountId, plan.logGroupRegion);
  const undone: string[] = [];
  if (alarmBefore) {
    // Only the settings the record keeps, all of them PutMetricAlarm inputs (the record may hold DescribeAlarms' other fields).
    const settings = z.object(metricAlarmSchema.shape).parse(alarmBefore);
    await cloudWatch.send(new PutMetricAlarmCommand({ ...settings, AlarmName: plan.alarmName }));
    undone.push(`restored alarm ${plan.alarmName}`);
  } else {
    if (await alarmNamed(cloudWatch, plan.alarmName))
      await deleted(() => cloudWatch.send(new DeleteAlarmsCommand({ AlarmNames: [plan.alarmName] })), 'ResourceNotFound');
    undone.push(`deleted alarm ${plan.alarmName}`);
  }
  if (plan.filter && filterBefore) {
    await logs.send(
      new PutMetricFilterCommand({
        logGroupName: plan.logGroupName,
        filterName: plan.filter.filterName,
        filterPattern: filterBefore.filterPattern ?? '',
        metricTransformations: (filterBefore.metricTransformations ?? []).map(({ metricName, metricNamespace, metricValue, ...rest }) => ({
          ...rest,
          metricName,
          metricNamespace,
          metricValue,
        })),
      }),
    );
    undone.push(`restored metric filter ${plan.filter.filterName}`);
  } else if (plan.filter) {
    const name = plan.filter.filterName;
    const remove = () => logs.send(new DeleteMetricFilterCommand({ logGroupName: plan.logGroupName, filterName: name }));
    if (await filterNamed(logs, plan, name)) await deleted(remove, 'ResourceNotFoundException');
    undone.push(`deleted metric filter ${name}`);
  }
  return {
    summary: `Rolled back on ${plan.logGroupName}: ${undone.join(', ')}`,
    before: change.after,
    after: { plan: { ...plan }, removed: true },
    changedAt: ctx.now().toISOString(),
    reversible: false,
  };
}

/** CloudWatch.1-14 / CIS 1.2.0 3.1-3.14, 1.4.0 1.7 and 4.3-4.14: a CIS log metric filter and alarm on the trail's log group. */
export const cloudWatchCisAlarms = defineControl({
  id: 'cloudwatch-cis-alarms',
  title: 'CloudWatch: CIS log metric filters and alarms on the CloudTrail log group',
  ids: Object.keys(CIS_METRIC_FILTERS),
  cisRefs: [
    ...Array.from({ length: 14 }, (_, i) => `1.2.0/3.${i + 1}`),
    '1.4.0/1.7',
    ...Array.from({ length: 12 }, (_, i) => `1.4.0/4.${i + 3}`),
  ],
  resourceTypes: ['AwsAccount'],
  assesses:
    "Whether a logging multi-region trail with all management events delivers to this account's CloudWatch Logs " +
    '(DescribeTrails, GetTrailStatus LatestCloudWatchLogsDeliveryTime, GetEventSelectors), existing metric filters with the exact ' +
    'CIS pattern and their alarms (DescribeMetricFilters, DescribeAlarmsForMetric), the configured alarm topic and its subscribers ' +
    '(GetTopicAttributes)',
  changes:
    'Creates one metric filter with the CIS pattern on the trail log group (unless one exists) and one alarm notifying ' +
    'alarms.snsTopicArn; never changes or deletes existing filters or alarms',
  reversible: true,
  automation: 'automated',
  defaultMode: 'auto',
  signals: [
    {
      signal: 'A logging multi-region trail delivering every management event to this account\u2019s CloudWatch Logs',
      source: 'cloudtrail:DescribeTrails, GetTrailStatus (LatestCloudWatchLogsDeliveryTime), GetEventSelectors',
      blindSpots: 'Nothing about use: a filter and an alarm are additive',
      whenMissing: 'The read fails the assessment: nothing is changed and the finding is annotated with what failed',
    },
    {
      signal: 'Existing metric filters with the CIS pattern, their alarms, the alarm topic and its subscribers',
      source: 'logs:DescribeMetricFilters, cloudwatch:DescribeAlarmsForMetric, sns:GetTopicAttributes',
      blindSpots: 'Filters whose pattern differs from the CIS text but means the same (a second filter is added)',
      whenMissing: 'The read fails the assessment: nothing is changed and the finding is annotated with what failed',
    },
  ],
  planSchema,
  changeSchema,
  permissions: {
    // DescribeAlarms: a same-named alarm the plan would overwrite (recorded as `observed`).
    assess: [
      'cloudtrail:DescribeTrails',
      'cloudtrail:GetTrailStatus',
      'cloudtrail:GetEventSelectors',
      'logs:DescribeMetricFilters',
      'cloudwatch:DescribeAlarmsForMetric',
      'cloudwatch:DescribeAlarms',
      'sns:GetTopicAttributes',
    ],
    verify: ['logs:DescribeMetricFilters', 'cloudwatch:DescribeAlarms'],
    remediate: [
      'logs:DescribeMetricFilters',
      'cloudwatch:DescribeAlarms',
      'logs:PutMetricFilter',
      hubfixAlarms('cloudwatch:PutMetricAlarm'),
    ],
    rollback: [
      'logs:DescribeMetricFilters',
      'cloudwatch:DescribeAlarms',
      'logs:PutMetricFilter',
      hubfixAlarms('cloudwatch:PutMetricAlarm'),
      hubfixAlarms('cloudwatch:DeleteAlarms'),
      {
        action: 'logs:DeleteMetricFilter',
        resources: ownAccount('logs', 'log-group:*'),
        why:
          'only the hubfix-cis-* filter hubfix created, but IAM scopes metric filters by log group, not by filter name: ' +
          'log groups of its own account',
      },
    ],
  },
  assess,
  remediate,
  verify,
  rollback,
});

export default cloudWatchCisAlarms;
