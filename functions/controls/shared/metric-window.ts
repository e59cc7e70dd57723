import { GetMetricStatisticsCommand, type CloudWatchClient, type Datapoint, type Dimension } from '@aws-sdk/client-cloudwatch';

const DAY_MS = 86_400_000;

/**
 * CloudWatch keeps 1-minute datapoints for 15 days, 5-minute ones for 63 days and 1-hour ones for 455 days. A
 * GetMetricStatistics request whose StartTime is older than one of those ages must use a period that is a multiple of the
 * coarser resolution, or it gets no datapoints for that range at all (which would read as "no calls").
 */
const RETENTION: readonly { days: number; multiple: number }[] = [
  { days: 15, multiple: 60 },
  { days: 63, multiple: 300 },
  { days: 455, multiple: 3600 },
];
/** GetMetricStatistics answers at most 1,440 datapoints per request. */
export const MAX_DATAPOINTS = 1440;

/** The smallest valid period of at least `wanted` seconds for a window starting at `start`; throws past 455 days. */
export const periodFor = (start: Date, now: Date, wanted: number): number => {
  const ageDays = (now.getTime() - start.getTime()) / DAY_MS;
  const rule = RETENTION.find((r) => ageDays <= r.days);
  if (!rule) throw new RangeError(`CloudWatch keeps no datapoints older than 455 days (window starts ${start.toISOString()})`);
  return Math.ceil(Math.max(wanted, rule.multiple) / rule.multiple) * rule.multiple;
};

const SECOND_MS = 1000;

/**
 * [start, end) in whole seconds, at least one long: CloudWatch takes ISO 8601 timestamps to the second, so a window inside
 * one second (an instance launched this second) would reach it as StartTime == EndTime, which it rejects.
 */
export const wholeSeconds = (start: Date, end: Date): { start: Date; end: Date } => {
  const from = Math.floor(start.getTime() / SECOND_MS) * SECOND_MS;
  const to = Math.max(Math.ceil(end.getTime() / SECOND_MS) * SECOND_MS, from + SECOND_MS);
  return { start: new Date(from), end: new Date(to) };
};

export interface MetricQuery {
  namespace: string;
  metricName: string;
  dimensions: Dimension[];
}

/**
 * Every Sum datapoint of the metric over [start, end) (widened to whole seconds), in periods of at least `wanted` seconds that the
 * retention rules
 * allow, in as many requests of at most 1,440 datapoints as the window needs (oldest first).
 */
export const metricSums = async (
  cloudWatch: CloudWatchClient,
  query: MetricQuery,
  requestedStart: Date,
  requestedEnd: Date,
  wanted: number,
): Promise<{ period: number; datapoints: Datapoint[] }> => {
  const { start, end } = wholeSeconds(requestedStart, requestedEnd);
  const period = periodFor(start, end, wanted);
  const pageMs = MAX_DATAPOINTS * period * 1000;
  const datapoints: Datapoint[] = [];
  for (let from = start.getTime(); from < end.getTime(); from += pageMs) {
    const page = await cloudWatch.send(
      new GetMetricStatisticsCommand({
        Namespace: query.namespace,
        MetricName: query.metricName,
        Dimensions: query.dimensions,
        StartTime: new Date(from),
        EndTime: new Date(Math.min(from + pageMs, end.getTime())),
        Period: period,
        Statistics: ['Sum'],
      }),
    );
    datapoints.push(...(page.Datapoints ?? []));
  }
  datapoints.sort((a, b) => new Date(a.Timestamp as Date).getTime() - new Date(b.Timestamp as Date).getTime());
  return { period, datapoints };
};
