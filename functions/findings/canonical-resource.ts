/**
 * One canonical resource per finding. A finding names its resource twice: `Resources[0].Id` (what the console,
 * the email and the page show) and `Resources[0].Details` (what a control reads ids from). An importer can make
 * the two disagree, and IAM ARNs carry a path any string can fill, so the same user has many spellings. hubfix
 * refuses a finding whose two names contradict each other or its account and partition, and names the resource
 * one way everywhere: the lock, the email, the page, the note, the audit record and Remediate's target check.
 */

import { partitionOf } from '../platform/clients';

export interface ResourceClaims {
  type: string;
  id: string;
  /** Resource.Partition as the finding gives it, if it does. */
  partition?: string;
  details?: Record<string, unknown>;
  /** The finding's AwsAccountId. */
  accountId: string;
}

export type Canonical = { canonicalId: string; partition: string } | { reason: string };

const ARN = /^arn:([^:]+):([^:]*):([^:]*):([^:]*):(.+)$/;

/** IAM names are unique in an account whatever their path: user/a/b/alice and user/alice are one user. */
const withoutIamPath = (service: string, resource: string): string => {
  const match = /^(user|role|group)\/(?:.*\/)?([^/]+)$/.exec(resource);
  return service === 'iam' && match ? `${match[1]}/${match[2]}` : resource;
};

/** Per resource type: a Details field and how the same id reads in the resource id. Both present must agree. */
const DETAIL_IDS: Record<string, { field: string; inId: RegExp }[]> = {
  AwsEc2SecurityGroup: [{ field: 'GroupId', inId: /sg-[0-9a-f]{8,17}/ }],
  AwsEc2NetworkAcl: [{ field: 'NetworkAclId', inId: /acl-[0-9a-f]{8,17}/ }],
  AwsEc2Vpc: [{ field: 'VpcId', inId: /vpc-[0-9a-f]{8,17}/ }],
  AwsKmsKey: [{ field: 'KeyId', inId: /key\/([\w-]+)$/ }],
  AwsIamUser: [{ field: 'UserName', inId: /:user\/(?:.*\/)?([\w+=,.@-]+)$/ }],
  AwsIamAccessKey: [
    { field: 'AccessKeyId', inId: /(?:AKIA|ASIA)[A-Z0-9]{12,}/ },
    { field: 'PrincipalName', inId: /:user\/(?:.*\/)?([\w+=,.@-]+)$/ },
    { field: 'UserName', inId: /:user\/(?:.*\/)?([\w+=,.@-]+)$/ },
  ],
  AwsCloudTrailTrail: [{ field: 'Name', inId: /:trail\/([\w.-]+)$/ }],
  AwsS3Bucket: [{ field: 'Name', inId: /^arn:[^:]+:s3:::([^/]+)$/ }],
};

const detailsContradiction = (claims: ResourceClaims): string | undefined => {
  const details = claims.details?.[claims.type];
  if (typeof details !== 'object' || details === null) return undefined;
  for (const { field, inId } of DETAIL_IDS[claims.type] ?? []) {
    const named = (details as Record<string, unknown>)[field];
    const match = inId.exec(claims.id);
    if (typeof named !== 'string' || !match) continue;
    const fromId = match[1] ?? match[0];
    // KMS details may hold the key ARN or the bare key id.
    if (named !== fromId && !named.endsWith(`/${fromId}`)) {
      return (
        `the finding names two resources: its resource id says ${fromId.slice(0, 100)} but Details.${claims.type}.${field} says ` +
        `${named.slice(0, 100)}`
      );
    }
  }
  return undefined;
};

/** The user an access-key finding without an ARN is about, from its details (the only place it is named). */
const accessKeyUser = (claims: ResourceClaims): string | undefined => {
  const details = claims.details?.AwsIamAccessKey as { PrincipalName?: unknown; UserName?: unknown } | undefined;
  const name = details?.PrincipalName ?? details?.UserName;
  return typeof name === 'string' && /^[\w+=,.@-]{1,64}$/.test(name) ? name : undefined;
};

export const canonicalResource = (claims: ResourceClaims): Canonical => {
  const contradiction = detailsContradiction(claims);
  if (contradiction) return { reason: contradiction };
  const arn = ARN.exec(claims.id);
  if (arn) {
    const [, partition, service, region, account, resource] = arn;
    if (claims.partition && claims.partition !== partition) {
      return { reason: `the resource ARN is in partition ${partition} but the finding says ${claims.partition.slice(0, 20)}` };
    }
    if (region && partitionOf(region) !== partition) {
      return { reason: `the resource ARN names region ${region.slice(0, 30)}, which is not in partition ${partition.slice(0, 20)}` };
    }
    if (account && account !== claims.accountId) {
      return { reason: `the resource ARN is in account ${account.slice(0, 20)} but the finding is for account ${claims.accountId}` };
    }
    return { canonicalId: `arn:${partition}:${service}:${region}:${account}:${withoutIamPath(service, resource)}`, partition };
  }
  const partition = claims.partition || 'aws';
  const account = /^AWS::::Account:(.+)$/.exec(claims.id)?.[1];
  if (account !== undefined) {
    if (account !== claims.accountId)
      return { reason: `the resource is account ${account.slice(0, 20)} but the finding is for account ${claims.accountId}` };
    return { canonicalId: claims.id, partition };
  }
  const user = claims.type === 'AwsIamAccessKey' ? accessKeyUser(claims) : undefined;
  if (user) return { canonicalId: `arn:${partition}:iam::${claims.accountId}:user/${user}`, partition };
  return { canonicalId: claims.id, partition };
};
