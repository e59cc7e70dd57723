import { partitionOf } from '../../platform/clients';

/**
 * Every ARN a control builds (policy statements it writes, selectors it compares with what AWS reports) is built here,
 * in the partition of the resource's region: aws, aws-cn for cn-* and aws-us-gov for us-gov-* (partitionOf, the
 * helper the member-role ARNs use). The region decides rather than the finding's Partition field: it is where the
 * calls go, and AWS refuses an ARN of another partition.
 */
export const arnIn = (region: string, service: string, resource: string, scope: { region?: string; account?: string } = {}): string =>
  `arn:${partitionOf(region)}:${service}:${scope.region ?? ''}:${scope.account ?? ''}:${resource}`;

/** arn:<partition>:s3:::<bucket>, or with `key` the objects under it ("*": all of them, "": the prefix of every key). */
export const s3Arn = (region: string, bucket: string, key?: string): string =>
  arnIn(region, 's3', key === undefined ? bucket : `${bucket}/${key}`);
