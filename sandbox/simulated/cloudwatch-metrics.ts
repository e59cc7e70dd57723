import * as z from 'zod';
import { fixtureDate, resolveDate } from './dates';
import { defineModule, SimulatedServiceError } from './service';

const metric = z.object({
  namespace: z.string().describe('e.g. AWS/EC2'),
  metricName: z.string().describe('e.g. MetadataNoToken'),
  dimensions: z.record(z.string(), z.string()).default({}).describe('Dimensions as name: value, e.g. InstanceId: i-0123…'),
  region: z.string().default('us-east-1'),
  datapoints: z.array(z.object({ timestamp: fixtureDate, sum: z.number().nonnegative() })).default([]),
});

interface MetricState {
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
  region: string;
  datapoints: { timestamp: Date; sum: number }[];
}

interface Query {
  namespace: string;
  metricName: string;
  dimensions: { Name: string; Value: string }[];
  start: Date;
  end: Date;
  period: number;
}

/** GetMetricStatistics answers at most this many datapoints, as AWS does. */
const MAX_DATAPOINTS = 1440;

const sameDimensions = (m: MetricState, dimensions: { Name: string; Value: string }[]): boolean =>
  dimensions.length === Object.keys(m.dimensions).length && dimensions.every((d) => m.dimensions[d.Name] === d.Value);

const DAY_MS = 86_400_000;

/**
 * CloudWatch keeps 1-minute datapoints 15 days, 5-minute ones 63 days and 1-hour ones 455 days; a request whose StartTime is
 * older than 15 (63) days with a period that is not a multiple of 300 (3600) seconds gets no datapoints (GetMetricStatistics).
 */
const retained = (q: Query, now: Date): boolean => {
  const ageDays = (now.getTime() - q.start.getTime()) / DAY_MS;
  if (ageDays > 63 && q.period % 3600 !== 0) return false;
  return !(ageDays > 15 && q.period % 300 !== 0);
};

/** Sums the metric's datapoints into periods aligned on the start time (the Sum statistic), oldest first. */
const sumsByPeriod = (metrics: MetricState[], region: string, q: Query, now: Date): { timestamp: Date; sum: number }[] => {
  if (!Number.isInteger(q.period) || q.period < 60 || q.period % 60 !== 0) {
    throw new SimulatedServiceError('InvalidParameterValue', `The parameter Period must be a multiple of 60 (got ${q.period})`);
  }
  if ((q.end.getTime() - q.start.getTime()) / (q.period * 1000) > MAX_DATAPOINTS) {
    throw new SimulatedServiceError(
      'InvalidParameterCombination',
      `You have requested up to ${MAX_DATAPOINTS + 1} datapoints, which exceeds the limit of ${MAX_DATAPOINTS}`,
    );
  }
  if (!retained(q, now)) return [];
  const oldest = now.getTime() - 455 * DAY_MS;
  const buckets = new Map<number, number>();
  for (const m of metrics.filter(
    (x) => x.region === region && x.namespace === q.namespace && x.metricName === q.metricName && sameDimensions(x, q.dimensions),
  )) {
    for (const point of m.datapoints.filter((p) => p.timestamp >= q.start && p.timestamp < q.end && p.timestamp.getTime() >= oldest)) {
      const bucket = q.start.getTime() + Math.floor((point.timestamp.getTime() - q.start.getTime()) / (q.period * 1000)) * q.period * 1000;
      buckets.set(bucket, (buckets.get(bucket) ?? 0) + point.sum);
    }
  }
  return [...buckets].sort(([a], [b]) => a - b).map(([time, sum]) => ({ timestamp: new Date(time), sum }));
};

const onlySum = (statistics: unknown): void => {
  const asked = (statistics ?? []) as string[];
  if (asked.length !== 1 || asked[0] !== 'Sum')
    throw new SimulatedServiceError('InvalidParameterValue', 'The simulated account answers the Sum statistic only');
};

/**
 * CloudWatch metric datapoints (read-only), for the GetMetricStatistics / GetMetricData calls controls make to
 * see whether something is still in use (e.g. AWS/EC2 MetadataNoToken: IMDSv1 calls of an instance). A metric
 * with no datapoints in the window answers with none, like CloudWatch.
 */
export const cloudWatchMetricsModule = defineModule({
  key: 'metrics',
  clientName: 'CloudWatchClient',
  fixture: z.array(metric).default([]),
  load: (fixture, now): MetricState[] =>
    fixture.map((m) => ({
      ...m,
      dimensions: { ...m.dimensions },
      datapoints: m.datapoints.map((p) => ({ timestamp: resolveDate(p.timestamp, now), sum: p.sum })),
    })),
  commands: (state, now) => ({
    GetMetricStatistics: (input, ctx) => {
      onlySum(input.Statistics);
      const points = sumsByPeriod(
        state(ctx.accountId),
        ctx.region,
        {
          namespace: String(input.Namespace),
          metricName: String(input.MetricName),
          dimensions: (input.Dimensions ?? []) as { Name: string; Value: string }[],
          start: new Date(input.StartTime as Date),
          end: new Date(input.EndTime as Date),
          period: Number(input.Period),
        },
        now(),
      );
      return { Label: String(input.MetricName), Datapoints: points.map((p) => ({ Timestamp: p.timestamp, Sum: p.sum, Unit: 'Count' })) };
    },
    GetMetricData: (input, ctx) => {
      type MetricQuery = {
        Id: string;
        MetricStat?: {
          Metric: { Namespace: string; MetricName: string; Dimensions?: { Name: string; Value: string }[] };
          Period: number;
          Stat: string;
        };
      };
      const queries = (input.MetricDataQueries ?? []) as MetricQuery[];
      return {
        MetricDataResults: queries.map((query) => {
          if (!query.MetricStat)
            throw new SimulatedServiceError(
              'InvalidParameterValue',
              'The simulated account answers MetricStat queries only (no expressions)',
            );
          onlySum([query.MetricStat.Stat]);
          const points = sumsByPeriod(
            state(ctx.accountId),
            ctx.region,
            {
              namespace: query.MetricStat.Metric.Namespace,
              metricName: query.MetricStat.Metric.MetricName,
              dimensions: query.MetricStat.Metric.Dimensions ?? [],
              start: new Date(input.StartTime as Date),
              end: new Date(input.EndTime as Date),
              period: query.MetricStat.Period,
            },
            now(),
          ).reverse(); // GetMetricData answers newest first by default (TimestampDescending)
          return {
            Id: query.Id,
            Label: query.MetricStat.Metric.MetricName,
            StatusCode: 'Complete',
            Timestamps: points.map((p) => p.timestamp),
            Values: points.map((p) => p.sum),
          };
        }),
        Messages: [],
      };
    },
  }),
});
