import { canonicalResource } from '../../functions/findings/canonical-resource';
import type { FindingRef, ResourceRef } from '../../functions/findings/types';
import { HOME_ACCOUNT, HOME_REGION } from './workflow';

/** The resource of a test finding: type and id are required; region defaults to the finding's region, partition to aws. */
export type TestResource = Partial<ResourceRef> & Pick<ResourceRef, 'type' | 'id'>;

/**
 * A FAILED, NEW, ACTIVE FindingRef of `controlId` on `resource`, in the home account and region, as intake
 * would hand it to the workflow. `overrides` set any other field (id, accountId, region, severity, ...).
 */
export const findingRef = (
  controlId: string,
  resource: TestResource,
  overrides: Partial<Omit<FindingRef, 'resource'>> = {},
): FindingRef => {
  const region = overrides.region ?? HOME_REGION;
  const accountId = overrides.accountId ?? HOME_ACCOUNT;
  const canonical = canonicalResource({ ...resource, accountId });
  const canonicalId = resource.canonicalId ?? ('canonicalId' in canonical ? canonical.canonicalId : resource.id);
  return {
    id: `finding-${controlId}-${resource.id}`,
    productArn: 'arn:aws:securityhub:us-east-1::product/aws/securityhub',
    accountId: HOME_ACCOUNT,
    region,
    title: 't',
    controlId,
    standardControlId: controlId,
    severity: 'MEDIUM',
    complianceStatus: 'FAILED',
    workflowStatus: 'NEW',
    recordState: 'ACTIVE',
    updatedAt: '2026-11-20T00:00:00Z',
    ...overrides,
    resource: { region, partition: 'aws', ...resource, canonicalId },
  };
};

/** The account itself as a finding's resource (account-level controls such as IAM.15 or CloudTrail.1). */
export const accountResource = (accountId = HOME_ACCOUNT): TestResource => ({ type: 'AwsAccount', id: `AWS::::Account:${accountId}` });
