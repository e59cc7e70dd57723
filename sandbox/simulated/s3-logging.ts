import * as z from 'zod';
import { defineModule, SimulatedServiceError } from './service';

const bucket = z.object({
  name: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'an S3 bucket name'),
  region: z.string().default('us-east-1'),
  logging: z
    .object({ targetBucket: z.string(), targetPrefix: z.string().default('') })
    .optional()
    .describe('Absent: server access logging is off'),
});

export interface LoggedBucketState {
  name: string;
  region: string;
  logging?: { targetBucket: string; targetPrefix: string };
}

/**
 * S3 server access logging of buckets (GetBucketLogging / PutBucketLogging), the part of S3 CloudTrail.7
 * reads and changes. Bucket names are global, as in S3; a target bucket must exist and sit in the source
 * bucket's region (S3 refuses cross-region logging).
 */
export const s3LoggingModule = defineModule({
  key: 's3Logging',
  clientName: 'S3Client',
  fixture: z.object({ buckets: z.array(bucket).default([]) }).prefault({}),
  load: (fixture): LoggedBucketState[] => fixture.buckets.map((b) => ({ ...b, logging: b.logging && { ...b.logging } })),
  commands: (state) => {
    const find = (accountId: string, name: unknown): LoggedBucketState => {
      const found = state(accountId).find((b) => b.name === name);
      if (!found) throw new SimulatedServiceError('NoSuchBucket', 'The specified bucket does not exist');
      return found;
    };
    return {
      GetBucketLogging: (input, ctx) => {
        const b = find(ctx.accountId, input.Bucket);
        return b.logging ? { LoggingEnabled: { TargetBucket: b.logging.targetBucket, TargetPrefix: b.logging.targetPrefix } } : {};
      },
      PutBucketLogging: (input, ctx) => {
        const b = find(ctx.accountId, input.Bucket);
        const enabled = (input.BucketLoggingStatus as { LoggingEnabled?: { TargetBucket?: string; TargetPrefix?: string } } | undefined)
          ?.LoggingEnabled;
        if (!enabled) {
          b.logging = undefined;
          return {};
        }
        const target = state(ctx.accountId).find((t) => t.name === enabled.TargetBucket);
        if (!target) throw new SimulatedServiceError('InvalidTargetBucketForLogging', 'The target bucket for logging does not exist');
        if (target.region !== b.region)
          throw new SimulatedServiceError('CrossLocationLoggingProhibitted', 'Cross S3 location logging not allowed.');
        b.logging = { targetBucket: target.name, targetPrefix: enabled.TargetPrefix ?? '' };
        return {};
      },
    };
  },
  snapshot: (buckets) =>
    Object.fromEntries(
      buckets.map((b) => [
        `bucket/${b.name}`,
        b.logging ? `logs to ${b.logging.targetBucket}/${b.logging.targetPrefix}` : 'no access logging',
      ]),
    ),
});
