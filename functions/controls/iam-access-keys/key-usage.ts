import { CloudTrailClient, LookupEventsCommand, type Event as TrailEvent } from '@aws-sdk/client-cloudtrail';
import {
  GenerateServiceLastAccessedDetailsCommand,
  GetServiceLastAccessedDetailsCommand,
  IAMClient,
  type ServiceLastAccessed,
} from '@aws-sdk/client-iam';
import type { ClientFactory } from '../../platform/clients';
import { isThrottling } from '../../platform/errors';

/**
 * Where an access key's use can be seen, each read everywhere it can be used. Every reader reports what it could not
 * read instead of an empty answer: an absent signal is not evidence of safety.
 */

/** One call made with the key, from whichever source saw it. */
export interface KeyCall {
  time: Date;
  region: string;
  service: string;
  eventName: string;
  sourceIp?: string;
  userAgent?: string;
}

export interface RegionLookup {
  region: string;
  calls: KeyCall[];
  /** LookupEvents had more pages: `calls` is the newest 50. */
  more: boolean;
}

export interface ManagementLookup {
  read: RegionLookup[];
  unread: { region: string; reason: string }[];
}

/** One LookupEvents page per region: 50 events characterise the callers; more is said as "50+". */
const PAGE = 50;

const callOf = (event: TrailEvent, region: string): KeyCall => {
  let detail: { sourceIPAddress?: string; userAgent?: string; awsRegion?: string } = {};
  try {
    detail = JSON.parse(event.CloudTrailEvent ?? '{}') as typeof detail;
  } catch {
    // A malformed record still counts as a call; its caller is simply unknown.
  }
  return {
    time: new Date(event.EventTime as Date),
    region: detail.awsRegion ?? region,
    service: (event.EventSource ?? 'unknown').replace('.amazonaws.com', ''),
    eventName: event.EventName ?? 'unknown',
    sourceIp: detail.sourceIPAddress,
    userAgent: detail.userAgent?.slice(0, 80),
  };
};

/** A request hubfix built wrongly is a bug to surface, not a region to call unseen. */
const isOurMistake = (error: unknown): boolean =>
  /^(InvalidLookupAttributes|InvalidTimeRange|InvalidMaxResults|Validation)/.test((error as Error).name);

/** The management events made with `accessKeyId` in every region of `regions`, between `since` and `now`. */
export const managementCalls = async (
  clients: ClientFactory,
  accountId: string,
  regions: string[],
  accessKeyId: string,
  since: Date,
  now: Date,
): Promise<ManagementLookup> => {
  const results = await Promise.all(
    regions.map(async (region): Promise<RegionLookup | { region: string; reason: string }> => {
      try {
        const page = await clients.at(CloudTrailClient, { accountId, region }).send(
          new LookupEventsCommand({
            LookupAttributes: [{ AttributeKey: 'AccessKeyId', AttributeValue: accessKeyId }],
            StartTime: since,
            EndTime: now,
            MaxResults: PAGE,
          }),
        );
        return { region, calls: (page.Events ?? []).map((e) => callOf(e, region)), more: page.NextToken !== undefined };
      } catch (error) {
        if (isOurMistake(error)) throw error;
        const e = error as Error;
        const why = isThrottling(e) ? `throttled after retries (${e.name})` : `${e.name}: ${e.message}`;
        return { region, reason: why.slice(0, 200) };
      }
    }),
  );
  return {
    read: results.filter((r): r is RegionLookup => 'calls' in r),
    unread: results.filter((r): r is { region: string; reason: string } => 'reason' in r),
  };
};

export type AdvisorResult = { available: true; services: ServiceLastAccessed[] } | { available: false; reason: string };

/** Access advisor's job is usually done in seconds; these waits (ms) bound it (~3.75 s in all). */
export const ADVISOR_WAITS_MS = [250, 500, 1000, 2000];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** IAM access advisor for a user (every credential of it): the services it authenticated to, when and last where. */
export const accessAdvisor = async (iam: IAMClient, userArn: string): Promise<AdvisorResult> => {
  try {
    const { JobId } = await iam.send(new GenerateServiceLastAccessedDetailsCommand({ Arn: userArn, Granularity: 'SERVICE_LEVEL' }));
    for (let attempt = 0; ; attempt++) {
      const details = await iam.send(new GetServiceLastAccessedDetailsCommand({ JobId, MaxItems: 1000 }));
      if (details.JobStatus === 'COMPLETED') return { available: true, services: details.ServicesLastAccessed ?? [] };
      if (details.JobStatus === 'FAILED')
        return { available: false, reason: `the access advisor job failed (${details.Error?.Message ?? 'no reason given'})` };
      if (attempt >= ADVISOR_WAITS_MS.length) {
        const waited = ADVISOR_WAITS_MS.reduce((a, b) => a + b, 0) / 1000;
        return { available: false, reason: `the access advisor job was still ${details.JobStatus ?? 'running'} after ${waited} s` };
      }
      await sleep(ADVISOR_WAITS_MS[attempt]);
    }
  } catch (error) {
    if (/^(InvalidInput|Validation)/.test((error as Error).name)) throw error;
    return { available: false, reason: `${(error as Error).name}: ${(error as Error).message}`.slice(0, 200) };
  }
};
