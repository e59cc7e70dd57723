/**
 * The AWS partition a region belongs to, as AWS names it in ARNs: aws-cn for the China regions, aws-us-gov for GovCloud,
 * aws elsewhere. The simulated services build every ARN with it (kept apart from hubfix's own helper on purpose: the
 * simulation must not inherit a hubfix bug), so a control that hard-codes "arn:aws:" fails in a cn-* or us-gov-* region
 * as it would in AWS.
 */
export const partitionOfRegion = (region: string): string =>
  region.startsWith('cn-') ? 'aws-cn' : region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws';

/** "arn:<partition of region>:" */
export const arnPrefix = (region: string): string => `arn:${partitionOfRegion(region)}:`;
