import { gunzipSync } from 'node:zlib';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import type { ClientFactory } from '../../platform/clients';
import { describeSource, logsRoot, type DataEventSource } from './data-event-source';

/**
 * CloudTrail records from the configured data-event source (config `usage.dataEventSource`): the S3 prefix a trail that
 * selects data events delivers to, `<bucket>/[<prefix>/]AWSLogs/[<organization>/]<account>/CloudTrail/<region>/<yyyy>/<mm>/<dd>/`,
 * read through the hubfix-inspect role of the account holding the bucket. Bounded: newest day first, at most
 * `usage.maxLogFiles` files, and the result says when that cap cut the window short.
 */

export interface TrailLogRecord {
  eventTime: string;
  eventSource?: string;
  eventName: string;
  eventCategory?: string;
  awsRegion?: string;
  sourceIPAddress?: string;
  userAgent?: string;
  userIdentity?: { accessKeyId?: string };
}

export type TrailLogRead =
  { available: false; reason: string } | { available: true; where: string; files: number; capped: boolean; records: TrailLogRecord[] };

const DAY_MS = 86_400_000;
/** ListObjectsV2 calls per read at most (one per region and day, more for busy days). */
const MAX_LISTS = 600;
/** Log files fetched at once. */
const PARALLEL_GETS = 8;
/** Errors that mean "these logs are not ours to read" (or not now): the signal is unseen, not a fault to retry. */
const OUT_OF_REACH = /^(AccessDenied|NoSuchBucket|PermanentRedirect|KMS\.|AllAccessDisabled|MemberRoleUnavailable|SlowDown|Throttl)/;

const dayPrefixes = (source: DataEventSource, accountId: string, regions: string[], since: Date, now: Date): string[] => {
  const prefixes: string[] = [];
  const account = `${logsRoot(source.keyPrefix)}${source.organizationId ? `${source.organizationId}/` : ''}${accountId}`;
  for (let day = new Date(now); day.getTime() > since.getTime() - DAY_MS; day = new Date(day.getTime() - DAY_MS)) {
    const [yyyy, mm, dd] = day.toISOString().slice(0, 10).split('-');
    for (const region of regions) prefixes.push(`${account}/CloudTrail/${region}/${yyyy}/${mm}/${dd}/`);
  }
  return prefixes;
};

const readFile = async (s3: S3Client, bucket: string, key: string): Promise<TrailLogRecord[]> => {
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const bytes = await object.Body?.transformToByteArray();
  return bytes ? ((JSON.parse(gunzipSync(bytes).toString('utf8')) as { Records?: TrailLogRecord[] }).Records ?? []) : [];
};

/** The records of `accountId`'s calls in `regions` between `since` and `now` that `keep` selects. */
export const readTrailLogs = async (
  clients: ClientFactory,
  source: DataEventSource,
  query: { accountId: string; regions: string[]; since: Date; now: Date; maxFiles: number; keep: (r: TrailLogRecord) => boolean },
): Promise<TrailLogRead> => {
  const s3 = clients.at(S3Client, { accountId: source.accountId, region: source.region });
  const prefixes = dayPrefixes(source, query.accountId, query.regions, query.since, query.now);
  const keys: string[] = [];
  let lists = 0;
  let capped = false;
  try {
    for (const prefix of prefixes) {
      let token: string | undefined;
      do {
        if (lists >= MAX_LISTS || keys.length >= query.maxFiles) capped = true;
        if (capped) break;
        const page = await s3.send(new ListObjectsV2Command({ Bucket: source.bucket, Prefix: prefix, ContinuationToken: token }));
        lists += 1;
        keys.push(...(page.Contents ?? []).map((o) => o.Key as string).reverse());
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      if (capped) break;
    }
    const read = keys.slice(0, query.maxFiles);
    const records: TrailLogRecord[] = [];
    for (let i = 0; i < read.length; i += PARALLEL_GETS) {
      const batch = await Promise.all(read.slice(i, i + PARALLEL_GETS).map((key) => readFile(s3, source.bucket, key)));
      records.push(...batch.flat());
    }
    const inWindow = records.filter((r) => {
      const time = new Date(r.eventTime);
      return time >= query.since && time <= query.now && query.keep(r);
    });
    return {
      available: true,
      where: describeSource(source),
      files: read.length,
      capped: capped || keys.length > query.maxFiles,
      records: inWindow,
    };
  } catch (error) {
    if (!OUT_OF_REACH.test((error as Error).name)) throw error;
    return {
      available: false,
      reason: `${describeSource(source)} could not be read (${(error as Error).name}: ${(error as Error).message})`,
    };
  }
};
