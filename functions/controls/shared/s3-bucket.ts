import {
  GetBucketPolicyCommand,
  type Grant,
  GetBucketTaggingCommand,
  GetPublicAccessBlockCommand,
  type PublicAccessBlockConfiguration,
  type S3Client,
} from '@aws-sdk/client-s3';
import { InvalidInputError, ResourceNotFoundError } from '../../platform/errors';
import type { FindingRef } from '../../findings/types';
import type { Tags } from './production';

/** Reads shared by the S3 controls: the bucket a finding names and its optional sub-resources. */

export interface PolicyStatement {
  Sid?: string;
  Effect?: string;
  Principal?: unknown;
  Action?: string | string[];
  Resource?: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
}

export interface PolicyDocument {
  Version?: string;
  Id?: string;
  Statement: PolicyStatement[];
}

const PUBLIC_GROUPS: Readonly<Record<string, string>> = {
  'http://acs.amazonaws.com/groups/global/AllUsers': 'everyone (AllUsers)',
  'http://acs.amazonaws.com/groups/global/AuthenticatedUsers': 'any AWS account (AuthenticatedUsers)',
};

/** The grants of a bucket ACL to the public groups, e.g. "READ to everyone (AllUsers)". */
export const publicAclGrants = (grants: Grant[] | undefined): string[] =>
  (grants ?? []).flatMap((g) => {
    const group = g.Grantee?.URI && PUBLIC_GROUPS[g.Grantee.URI];
    return group ? [`${g.Permission} to ${group}`] : [];
  });

export const asList = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/** The bucket of an AwsS3Bucket finding ("arn:aws:s3:::name", or the bare name some findings carry). */
export const bucketNameOf = (finding: FindingRef): string => {
  if (finding.resource.type !== 'AwsS3Bucket')
    throw new InvalidInputError(`Resource ${finding.resource.id} is a ${finding.resource.type}, not an S3 bucket`);
  const name = /^arn:aws[\w-]*:s3:::([^/]+)$/.exec(finding.resource.canonicalId)?.[1] ?? finding.resource.canonicalId;
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name))
    throw new InvalidInputError(`Resource ${finding.resource.id} does not name an S3 bucket`);
  return name;
};

/**
 * A read of something S3 may not have: `missing` (e.g. NoSuchBucketPolicy) becomes undefined, a bucket that
 * is gone becomes ResourceNotFoundError, anything else propagates.
 */
export const readOptional = async <T>(read: Promise<T>, missing: string, bucket: string): Promise<T | undefined> => {
  try {
    return await read;
  } catch (error) {
    const name = (error as Error).name;
    if (name === missing) return undefined;
    if (name === 'NoSuchBucket') throw new ResourceNotFoundError(`S3 bucket ${bucket} no longer exists`, { cause: error });
    throw error;
  }
};

/** The bucket policy text exactly as S3 returns it, or undefined when the bucket has none. */
export const bucketPolicy = async (s3: S3Client, bucket: string): Promise<string | undefined> =>
  (await readOptional(s3.send(new GetBucketPolicyCommand({ Bucket: bucket })), 'NoSuchBucketPolicy', bucket))?.Policy;

export const parsePolicy = (text: string): PolicyDocument => {
  const raw = JSON.parse(text) as Omit<PolicyDocument, 'Statement'> & { Statement?: PolicyStatement | PolicyStatement[] };
  return { ...raw, Statement: asList(raw.Statement) };
};

export const bucketTags = async (s3: S3Client, bucket: string): Promise<Tags> => {
  const tagging = await readOptional(s3.send(new GetBucketTaggingCommand({ Bucket: bucket })), 'NoSuchTagSet', bucket);
  return Object.fromEntries((tagging?.TagSet ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
};

export const bucketPublicAccessBlock = async (s3: S3Client, bucket: string): Promise<PublicAccessBlockConfiguration | undefined> =>
  (await readOptional(s3.send(new GetPublicAccessBlockCommand({ Bucket: bucket })), 'NoSuchPublicAccessBlockConfiguration', bucket))
    ?.PublicAccessBlockConfiguration;
