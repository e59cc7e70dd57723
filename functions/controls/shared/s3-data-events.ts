import { gunzipSync } from 'node:zlib';
import {
  CloudTrailClient,
  DescribeTrailsCommand,
  GetEventSelectorsCommand,
  type AdvancedEventSelector,
  type EventSelector,
  type Trail,
} from '@aws-sdk/client-cloudtrail';
import { GetBucketLocationCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import type { ClientFactory, Target } from '../../platform/clients';
import { s3Arn } from './arns';
import type { ScopedGrant } from '../grants';

/**
 * Who calls a bucket, and whether over TLS, from the S3 data events a trail delivers to its S3 bucket.
 * LookupEvents returns management events only, so the trail's log files are the place to look. A missing
 * signal (no trail records the bucket's data events, or its logs are out of reach) is reported as such,
 * never read as "no callers".
 */

export interface S3Request {
  time: Date;
  eventName: string;
  sourceIp: string;
  userAgent: string;
  /** Absent: the request came over plain HTTP (CloudTrail records no tlsDetails). */
  tlsVersion?: string;
}

export type RequestSignal =
  | { available: false; reason: string; source: string }
  | { available: true; trail: string; files: number; truncated: boolean; requests: S3Request[] };

/**
 * What reading log files takes: CloudTrail log files as CloudTrail names them,
 * `<bucket>/[<prefix>/]AWSLogs/<account>/CloudTrail/<region>/<yyyy>/<mm>/<dd>/…`, of the role's own account only.
 */
export const trailLogGrants: readonly ScopedGrant[] = [
  {
    action: 's3:ListBucket',
    resources: (s) => [`arn:${s.partition}:s3:::*`],
    conditions: (s) => ({ StringLike: { 's3:prefix': [`AWSLogs/${s.account}/CloudTrail/*`, `*/AWSLogs/${s.account}/CloudTrail/*`] } }),
    why: 'lists only the day prefixes of CloudTrail log files of its own account',
  },
  {
    action: 's3:GetObject',
    resources: (s) => [`arn:${s.partition}:s3:::*/AWSLogs/${s.account}/CloudTrail/*`],
    why: 'reads only CloudTrail log files of its own account (functions/controls/s3-data-events.ts), in any bucket',
  },
];

/** Log files read per assessment, newest first: a busy trail writes hundreds a day. */
export const MAX_LOG_FILES = 100;
const DAY_MS = 86_400_000;
/** Errors that mean "these logs are not ours to read" rather than a fault worth retrying. */
const OUT_OF_REACH = /^(AccessDenied|NoSuchBucket|NoSuchKey|PermanentRedirect|KMS\.|AllAccessDisabled)/;

/** A selector value that takes in the bucket's objects: "arn:<partition>:s3" (every bucket), the bucket, or a prefix in it. */
const coversPrefix = (value: string, bucket: string, region: string): boolean => {
  const objects = s3Arn(region, bucket, '');
  return objects.startsWith(value) || value.startsWith(objects);
};

const basicCovers = (selectors: EventSelector[], bucket: string, region: string): boolean =>
  selectors.some((s) =>
    (s.DataResources ?? []).some((r) => r.Type === 'AWS::S3::Object' && (r.Values ?? []).some((v) => coversPrefix(v, bucket, region))),
  );

const advancedCovers = (selectors: AdvancedEventSelector[], bucket: string, region: string): boolean =>
  selectors.some(({ FieldSelectors: fields = [] }) => {
    const field = (name: string) => fields.find((f) => f.Field === name);
    if (!field('eventCategory')?.Equals?.includes('Data') || !field('resources.type')?.Equals?.includes('AWS::S3::Object')) return false;
    const arn = field('resources.ARN');
    if (!arn) return true;
    if ((arn.NotStartsWith ?? []).some((p) => s3Arn(region, bucket, '').startsWith(p))) return false;
    return (
      [...(arn.StartsWith ?? []), ...(arn.Equals ?? [])].some((v) => coversPrefix(v, bucket, region)) || (!arn.StartsWith && !arn.Equals)
    );
  });

/** The first trail (seen from the bucket's region) that records S3 data events of `bucket`. */
const trailRecording = async (clients: ClientFactory, target: Target, bucket: string): Promise<{ trail?: Trail; checked: number }> => {
  const trails =
    (await clients.at(CloudTrailClient, target).send(new DescribeTrailsCommand({ includeShadowTrails: true }))).trailList ?? [];
  for (const trail of trails) {
    const home = { accountId: target.accountId, region: trail.HomeRegion ?? target.region };
    const selectors = await clients.at(CloudTrailClient, home).send(new GetEventSelectorsCommand({ TrailName: trail.TrailARN }));
    const covered =
      basicCovers(selectors.EventSelectors ?? [], bucket, target.region) ||
      advancedCovers(selectors.AdvancedEventSelectors ?? [], bucket, target.region);
    if (covered) return { trail, checked: trails.length };
  }
  return { checked: trails.length };
};

const dayPrefixes = (keyPrefix: string, target: Target, since: Date, now: Date): string[] => {
  const prefixes: string[] = [];
  for (let day = new Date(now); day.getTime() >= since.getTime() - DAY_MS; day = new Date(day.getTime() - DAY_MS)) {
    const [yyyy, mm, dd] = day.toISOString().slice(0, 10).split('-');
    prefixes.push(`${keyPrefix ? `${keyPrefix}/` : ''}AWSLogs/${target.accountId}/CloudTrail/${target.region}/${yyyy}/${mm}/${dd}/`);
  }
  return prefixes;
};

const listKeys = async (s3: S3Client, bucket: string, prefix: string): Promise<string[]> => {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    keys.push(...(page.Contents ?? []).map((o) => o.Key as string));
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys;
};

interface TrailRecord {
  eventTime: string;
  eventSource?: string;
  eventName: string;
  eventCategory?: string;
  sourceIPAddress?: string;
  userAgent?: string;
  requestParameters?: { bucketName?: string } | null;
  tlsDetails?: { tlsVersion?: string };
}

const readRecords = async (s3: S3Client, bucket: string, key: string): Promise<TrailRecord[]> => {
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const bytes = await object.Body?.transformToByteArray();
  return bytes ? ((JSON.parse(gunzipSync(bytes).toString('utf8')) as { Records?: TrailRecord[] }).Records ?? []) : [];
};

/** The requests to `bucket` since `since`, from the newest log files of the trail that records its data events. */
export const readBucketRequests = async (
  clients: ClientFactory,
  target: Target,
  bucket: string,
  since: Date,
  now: Date,
): Promise<RequestSignal> => {
  const { trail, checked } = await trailRecording(clients, target, bucket);
  if (!trail) {
    return {
      available: false,
      reason: `none of the ${checked} CloudTrail trail(s) records S3 data events for ${bucket}`,
      source: 'cloudtrail:DescribeTrails, cloudtrail:GetEventSelectors',
    };
  }
  if (trail.IsOrganizationTrail) {
    return {
      available: false,
      reason:
        `trail ${trail.Name} records ${bucket}'s data events, but as an organization trail it delivers them to the log-archive ` +
        `account`,
      source: 'cloudtrail:DescribeTrails',
    };
  }
  const logBucket = trail.S3BucketName as string;
  try {
    const location = (await clients.at(S3Client, target).send(new GetBucketLocationCommand({ Bucket: logBucket }))).LocationConstraint as
      string | undefined;
    const logs = clients.at(S3Client, {
      accountId: target.accountId,
      region: !location ? 'us-east-1' : location === 'EU' ? 'eu-west-1' : location,
    });
    const keys: string[] = [];
    const days = dayPrefixes(trail.S3KeyPrefix ?? '', target, since, now);
    let listedDays = 0;
    while (listedDays < days.length && keys.length < MAX_LOG_FILES)
      keys.push(...(await listKeys(logs, logBucket, days[listedDays++])).reverse());
    const read = keys.slice(0, MAX_LOG_FILES);
    const records = (await Promise.all(read.map((key) => readRecords(logs, logBucket, key)))).flat();
    const requests = records
      .filter((r) => r.eventCategory === 'Data' && r.eventSource === 's3.amazonaws.com' && r.requestParameters?.bucketName === bucket)
      .map((r) => ({
        time: new Date(r.eventTime),
        eventName: r.eventName,
        sourceIp: r.sourceIPAddress ?? 'unknown',
        userAgent: r.userAgent ?? 'unknown',
        tlsVersion: r.tlsDetails?.tlsVersion,
      }))
      .filter((r) => r.time >= since && r.time <= now);
    return {
      available: true,
      trail: trail.Name as string,
      files: read.length,
      truncated: keys.length > MAX_LOG_FILES || listedDays < days.length,
      requests,
    };
  } catch (error) {
    if (!OUT_OF_REACH.test((error as Error).name)) throw error;
    return {
      available: false,
      reason:
        `trail ${trail.Name} records ${bucket}'s data events, but its log bucket ${logBucket} cannot be read ` +
        `(${(error as Error).name})`,
      source: 's3:GetBucketLocation, s3:ListBucket, s3:GetObject',
    };
  }
};
