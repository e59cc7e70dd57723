import { ListAccessKeysCommand, type AccessKeyMetadata, type IAMClient } from '@aws-sdk/client-iam';
import * as z from 'zod';
import { InvalidInputError, ResourceNotFoundError } from '../../platform/errors';
import type { FindingRef } from '../../findings/types';
import type { Tags } from '../shared/production';

/** What every step of IAM.3/8/22 shares: the plan and change-record schemas, the user a finding is about, its keys. */

/** The keys a plan deactivates; `observed` (plans made since retries were made safe): their statuses as assessed. */
export const planSchema = z.object({
  userName: z.string(),
  accessKeyIds: z.array(z.string()).min(1),
  observed: z.object({ statuses: z.record(z.string(), z.string()) }).optional(),
});
export type KeyPlan = z.infer<typeof planSchema>;

/** Each side of a change record: the user and the status of each key it set. */
export const changeSchema = z.object({ userName: z.string(), statuses: z.record(z.string(), z.string()) });
export type KeyChange = z.infer<typeof changeSchema>;

/**
 * The IAM user a finding is about: from its canonical resource, a user ARN without path (canonical-resource.ts
 * builds it from an access-key finding's details when the resource id names no user, and refuses a finding
 * whose id and details name different users).
 */
export const userNameOf = (finding: FindingRef): string => {
  const match = /^arn:aws[\w-]*:iam::\d{12}:user\/([\w+=,.@-]+)$/.exec(finding.resource.canonicalId);
  if (match) return match[1];
  if (finding.resource.type === 'AwsIamAccessKey')
    throw new InvalidInputError(`Access-key finding ${finding.id} does not name the key's user`);
  throw new InvalidInputError(`Resource ${finding.resource.canonicalId} is not an IAM user ARN`);
};

export const listKeys = async (iam: IAMClient, userName: string): Promise<AccessKeyMetadata[]> => {
  try {
    return (await iam.send(new ListAccessKeysCommand({ UserName: userName }))).AccessKeyMetadata ?? [];
  } catch (error) {
    if ((error as Error).name === 'NoSuchEntityException') {
      throw new ResourceNotFoundError(`IAM user ${userName} no longer exists`, { cause: error });
    }
    throw error;
  }
};

export const tagsOf = (list: { Key?: string; Value?: string }[] | undefined): Tags =>
  Object.fromEntries((list ?? []).filter((t) => t.Key).map((t) => [t.Key as string, t.Value ?? '']));
