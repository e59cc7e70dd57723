import {
  DeletePublicAccessBlockCommand,
  PutPublicAccessBlockCommand,
  type PublicAccessBlockConfiguration,
  type S3Client,
} from '@aws-sdk/client-s3';
import * as z from 'zod';
import { RemediationError } from '../../platform/errors';
import { startingPoint } from './retries';
import { bucketPublicAccessBlock } from './s3-bucket';

/** S3 "block public access", as the controls that turn it on read, record and set it (a bucket's, or an account's). */

export const BLOCK_SETTINGS = ['BlockPublicAcls', 'IgnorePublicAcls', 'BlockPublicPolicy', 'RestrictPublicBuckets'] as const;

/** A public access block with every setting named: how plans and change records hold one. */
export const blockSchema = z.object({
  BlockPublicAcls: z.boolean(),
  IgnorePublicAcls: z.boolean(),
  BlockPublicPolicy: z.boolean(),
  RestrictPublicBuckets: z.boolean(),
});
export type Block = z.infer<typeof blockSchema>;

export const ALL_ON: Block = { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true };

export const blockOf = (config: PublicAccessBlockConfiguration | undefined): Block | undefined =>
  config && (Object.fromEntries(BLOCK_SETTINGS.map((k) => [k, config[k] === true])) as Block);

export const fullyOn = (block: Block | undefined): boolean => block !== undefined && BLOCK_SETTINGS.every((k) => block[k]);

export const describeBlock = (block: Block | undefined): string => {
  if (!block) return 'not configured';
  const on = BLOCK_SETTINGS.filter((k) => block[k]);
  if (on.length === BLOCK_SETTINGS.length) return 'all four settings on';
  return on.length === 0 ? 'all four settings off' : `only ${on.join(', ')} on`;
};

export const sameBlock = (a: Block | null, b: Block | null): boolean =>
  a === null || b === null ? a === b : BLOCK_SETTINGS.every((k) => a[k] === b[k]);

/** Read, write and remove one public access block. */
export interface BlockApi {
  label: string;
  read: () => Promise<Block | undefined>;
  put: (block: Block) => Promise<void>;
  remove: () => Promise<void>;
}

/** A bucket's public access block (S3 GetPublicAccessBlock, PutPublicAccessBlock, DeletePublicAccessBlock). */
export const bucketBlockApi = (s3: S3Client, bucket: string): BlockApi => ({
  label: `bucket ${bucket}`,
  read: async () => blockOf(await bucketPublicAccessBlock(s3, bucket)),
  put: async (block: Block) =>
    void (await s3.send(new PutPublicAccessBlockCommand({ Bucket: bucket, PublicAccessBlockConfiguration: block }))),
  remove: async () => void (await s3.send(new DeletePublicAccessBlockCommand({ Bucket: bucket }))),
});

/**
 * Sets the block to `wanted` (undefined: no configuration at all) and says what it was. A block already as wanted is
 * left alone and recorded as `startedFrom` says it was before the first attempt (types.ts, rule 2).
 */
export const applyBlock = async (
  api: BlockApi,
  wanted: Block | undefined,
  startedFrom: Block | null | undefined,
): Promise<{ before: Block | null; summary: string }> => {
  const live = (await api.read()) ?? null;
  const before = startingPoint(live, wanted ?? null, startedFrom, sameBlock);
  if (!sameBlock(live, wanted ?? null)) {
    try {
      if (wanted) await api.put(wanted);
      else await api.remove();
    } catch (error) {
      const why = `${(error as Error).name}: ${(error as Error).message}`;
      throw new RemediationError(`Setting the public access block of ${api.label} failed (${why}); nothing was changed`, { cause: error });
    }
  }
  const was = describeBlock(before ?? undefined);
  return {
    before,
    summary: wanted
      ? `Set the public access block of ${api.label} to ${describeBlock(wanted)} (was ${was})`
      : `Removed the public access block of ${api.label} (was ${was})`,
  };
};
