import * as z from 'zod';
import { arnPrefix } from './partitions';
import { defineModule, SimulatedServiceError, type SimContext } from './service';

/** CloudWatch Logs allows this many metric filters per log group. */
const FILTERS_PER_LOG_GROUP = 100;

const metricFilter = z.object({
  filterName: z.string().min(1),
  filterPattern: z.string(),
  metricName: z.string().min(1),
  metricNamespace: z.string().min(1),
  metricValue: z.string().default('1'),
});

const logGroup = z.object({
  name: z.string().min(1),
  region: z.string().default('us-east-1'),
  retentionInDays: z.number().int().positive().optional(),
  metricFilters: z.array(metricFilter).default([]),
});

const alarm = z.object({
  alarmName: z.string().min(1),
  region: z.string().default('us-east-1'),
  metricName: z.string().min(1),
  namespace: z.string().min(1),
  statistic: z.enum(['Sum', 'Average', 'Maximum', 'Minimum', 'SampleCount']).default('Sum'),
  period: z.number().int().positive().default(300),
  evaluationPeriods: z.number().int().positive().default(1),
  threshold: z.number().default(1),
  comparisonOperator: z.string().default('GreaterThanOrEqualToThreshold'),
  alarmActions: z.array(z.string()).default([]),
  actionsEnabled: z.boolean().default(true),
});

const topic = z.object({
  name: z.string().regex(/^[\w-]{1,256}$/),
  region: z.string().default('us-east-1'),
  confirmedSubscriptions: z.number().int().min(0).default(1),
});

export type MetricFilterState = z.infer<typeof metricFilter>;
export interface LogGroupState {
  name: string;
  region: string;
  retentionInDays?: number;
  metricFilters: (MetricFilterState & { creationTime: number })[];
}
export type AlarmState = z.infer<typeof alarm>;
type TopicState = z.infer<typeof topic>;

const inRegion = <T extends { region: string }>(items: T[], ctx: SimContext): T[] => items.filter((i) => i.region === ctx.region);

const filterOut = (group: LogGroupState, f: LogGroupState['metricFilters'][number]) => ({
  filterName: f.filterName,
  filterPattern: f.filterPattern,
  metricTransformations: [{ metricName: f.metricName, metricNamespace: f.metricNamespace, metricValue: f.metricValue }],
  creationTime: f.creationTime,
  logGroupName: group.name,
});

/** CloudWatch Logs log groups and their metric filters (the CIS filters live on the trail's log group). */
export const cloudWatchLogsModule = defineModule({
  key: 'logGroups',
  clientName: 'CloudWatchLogsClient',
  fixture: z.array(logGroup).default([]),
  load: (fixture, now): LogGroupState[] =>
    fixture.map((g) => ({ ...g, metricFilters: g.metricFilters.map((f) => ({ ...f, creationTime: now.getTime() - 86_400_000 })) })),
  commands: (state, now) => {
    const group = (ctx: SimContext, name: unknown): LogGroupState => {
      const found = inRegion(state(ctx.accountId), ctx).find((g) => g.name === name);
      if (!found) throw new SimulatedServiceError('ResourceNotFoundException', 'The specified log group does not exist.');
      return found;
    };
    return {
      DescribeLogGroups: (input, ctx) => ({
        logGroups: inRegion(state(ctx.accountId), ctx)
          .filter((g) => !input.logGroupNamePrefix || g.name.startsWith(String(input.logGroupNamePrefix)))
          .map((g) => ({
            logGroupName: g.name,
            arn: `${arnPrefix(g.region)}logs:${g.region}:${ctx.accountId}:log-group:${g.name}:*`,
            retentionInDays: g.retentionInDays,
          })),
      }),
      DescribeMetricFilters: (input, ctx) => {
        if ((input.metricName === undefined) !== (input.metricNamespace === undefined)) {
          throw new SimulatedServiceError('InvalidParameterException', 'metricName and metricNamespace must be given together');
        }
        if (input.filterNamePrefix !== undefined && input.logGroupName === undefined) {
          throw new SimulatedServiceError('InvalidParameterException', 'filterNamePrefix requires logGroupName');
        }
        const groups = input.logGroupName === undefined ? inRegion(state(ctx.accountId), ctx) : [group(ctx, input.logGroupName)];
        return {
          metricFilters: groups.flatMap((g) =>
            g.metricFilters
              .filter((f) => input.filterNamePrefix === undefined || f.filterName.startsWith(String(input.filterNamePrefix)))
              .filter(
                (f) => input.metricName === undefined || (f.metricName === input.metricName && f.metricNamespace === input.metricNamespace),
              )
              .map((f) => filterOut(g, f)),
          ),
        };
      },
      PutMetricFilter: (input, ctx) => {
        const g = group(ctx, input.logGroupName);
        const transformations = (input.metricTransformations ?? []) as {
          metricName: string;
          metricNamespace: string;
          metricValue: string;
        }[];
        if (transformations.length !== 1)
          throw new SimulatedServiceError('InvalidParameterException', 'Exactly one metric transformation is required');
        const [t] = transformations;
        const next = {
          filterName: String(input.filterName),
          filterPattern: String(input.filterPattern),
          metricName: t.metricName,
          metricNamespace: t.metricNamespace,
          metricValue: t.metricValue,
          creationTime: now().getTime(),
        };
        const index = g.metricFilters.findIndex((f) => f.filterName === next.filterName);
        if (index >= 0) g.metricFilters[index] = next;
        else if (g.metricFilters.length >= FILTERS_PER_LOG_GROUP)
          throw new SimulatedServiceError('LimitExceededException', 'Resource limit exceeded.');
        else g.metricFilters.push(next);
        return {};
      },
      DeleteMetricFilter: (input, ctx) => {
        const g = group(ctx, input.logGroupName);
        const index = g.metricFilters.findIndex((f) => f.filterName === input.filterName);
        if (index < 0) throw new SimulatedServiceError('ResourceNotFoundException', 'The specified metric filter does not exist.');
        g.metricFilters.splice(index, 1);
        return {};
      },
    };
  },
  snapshot: (groups) => Object.fromEntries(groups.map((g) => [`logGroup/${g.name}`, g.metricFilters.map((f) => f.filterName)])),
});

const alarmOut = (a: AlarmState, accountId: string) => ({
  AlarmName: a.alarmName,
  AlarmArn: `${arnPrefix(a.region)}cloudwatch:${a.region}:${accountId}:alarm:${a.alarmName}`,
  MetricName: a.metricName,
  Namespace: a.namespace,
  Statistic: a.statistic,
  Period: a.period,
  EvaluationPeriods: a.evaluationPeriods,
  Threshold: a.threshold,
  ComparisonOperator: a.comparisonOperator,
  AlarmActions: [...a.alarmActions],
  ActionsEnabled: a.actionsEnabled,
  StateValue: 'INSUFFICIENT_DATA',
});

/** CloudWatch metric alarms. */
export const cloudWatchAlarmsModule = defineModule({
  key: 'metricAlarms',
  clientName: 'CloudWatchClient',
  fixture: z.array(alarm).default([]),
  load: (fixture): AlarmState[] => fixture.map((a) => ({ ...a, alarmActions: [...a.alarmActions] })),
  commands: (state) => ({
    DescribeAlarms: (input, ctx) => {
      const names = input.AlarmNames as string[] | undefined;
      const prefix = input.AlarmNamePrefix as string | undefined;
      return {
        MetricAlarms: inRegion(state(ctx.accountId), ctx)
          .filter((a) => (!names || names.includes(a.alarmName)) && (!prefix || a.alarmName.startsWith(prefix)))
          .map((a) => alarmOut(a, ctx.accountId)),
        CompositeAlarms: [],
      };
    },
    DescribeAlarmsForMetric: (input, ctx) => ({
      MetricAlarms: inRegion(state(ctx.accountId), ctx)
        .filter((a) => a.metricName === input.MetricName && a.namespace === input.Namespace)
        .map((a) => alarmOut(a, ctx.accountId)),
    }),
    PutMetricAlarm: (input, ctx) => {
      const next: AlarmState = {
        alarmName: String(input.AlarmName),
        region: ctx.region,
        metricName: String(input.MetricName),
        namespace: String(input.Namespace),
        statistic: (input.Statistic ?? 'Sum') as AlarmState['statistic'],
        period: Number(input.Period ?? 300),
        evaluationPeriods: Number(input.EvaluationPeriods ?? 1),
        threshold: Number(input.Threshold ?? 0),
        comparisonOperator: String(input.ComparisonOperator),
        alarmActions: [...((input.AlarmActions ?? []) as string[])],
        actionsEnabled: input.ActionsEnabled !== false,
      };
      const alarms = state(ctx.accountId);
      const index = alarms.findIndex((a) => a.region === ctx.region && a.alarmName === next.alarmName);
      if (index >= 0) alarms[index] = next;
      else alarms.push(next);
      return {};
    },
    DeleteAlarms: (input, ctx) => {
      const names = (input.AlarmNames ?? []) as string[];
      const alarms = state(ctx.accountId);
      const missing = names.filter((n) => !alarms.some((a) => a.region === ctx.region && a.alarmName === n));
      if (missing.length > 0) throw new SimulatedServiceError('ResourceNotFound', `${missing.join(', ')} not found`);
      for (const name of names)
        alarms.splice(
          alarms.findIndex((a) => a.region === ctx.region && a.alarmName === name),
          1,
        );
      return {};
    },
  }),
  snapshot: (alarms) =>
    Object.fromEntries(
      alarms.map((a) => [`alarm/${a.alarmName}`, `${a.namespace}/${a.metricName} -> ${a.alarmActions.join(',') || 'no action'}`]),
    ),
});

/** SNS topics of an account (GetTopicAttributes); hubfix's own Publish is served by the simulated account itself. */
export const snsTopicsModule = defineModule({
  key: 'snsTopics',
  clientName: 'SNSClient',
  fixture: z.array(topic).default([]),
  load: (fixture): TopicState[] => fixture.map((t) => ({ ...t })),
  commands: (state) => ({
    GetTopicAttributes: (input, ctx) => {
      const found = inRegion(state(ctx.accountId), ctx).find(
        (t) => `${arnPrefix(t.region)}sns:${t.region}:${ctx.accountId}:${t.name}` === input.TopicArn,
      );
      if (!found) throw new SimulatedServiceError('NotFoundException', 'Topic does not exist');
      return {
        Attributes: {
          TopicArn: String(input.TopicArn),
          Owner: ctx.accountId,
          DisplayName: '',
          SubscriptionsConfirmed: String(found.confirmedSubscriptions),
          SubscriptionsPending: '0',
        },
      };
    },
  }),
});
