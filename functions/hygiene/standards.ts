/**
 * Facts about Security Hub (CSPM) standards and controls that the control-hygiene audit relies on.
 * Sources: "Suggested controls to disable in Security Hub CSPM" (controls that use global resources) and
 * "How consolidation impacts control IDs and titles" in the Security Hub user guide.
 */

/** The standards hubfix knows by name; the id is the ARN's resource part and the ASFF `AssociatedStandards[].StandardsId`. */
export const STANDARDS = {
  fsbp: { id: 'standards/aws-foundational-security-best-practices/v/1.0.0', name: 'AWS Foundational Security Best Practices v1.0.0' },
  'cis-1.2.0': { id: 'ruleset/cis-aws-foundations-benchmark/v/1.2.0', name: 'CIS AWS Foundations Benchmark v1.2.0' },
  'cis-1.4.0': { id: 'standards/cis-aws-foundations-benchmark/v/1.4.0', name: 'CIS AWS Foundations Benchmark v1.4.0' },
  'cis-3.0.0': { id: 'standards/cis-aws-foundations-benchmark/v/3.0.0', name: 'CIS AWS Foundations Benchmark v3.0.0' },
} as const;

export type StandardKey = keyof typeof STANDARDS;
export const STANDARD_KEYS = Object.keys(STANDARDS) as StandardKey[];

/** CIS v1.2.0 is a "ruleset" with a region-less ARN; every other standard's ARN names the region. */
export const standardsArn = (key: StandardKey, region: string, partition = 'aws'): string => {
  const { id } = STANDARDS[key];
  return id.startsWith('ruleset/') ? `arn:${partition}:securityhub:::${id}` : `arn:${partition}:securityhub:${region}::${id}`;
};

/** "standards/…/v/1.0.0" from a standards ARN (what findings carry in Compliance.AssociatedStandards). */
export const standardsIdOf = (arn: string): string => arn.replace(/^arn:[\w-]+:securityhub:[\w-]*::/, '');

export const standardKeyOf = (arn: string): StandardKey | undefined => {
  const id = standardsIdOf(arn);
  return STANDARD_KEYS.find((key) => STANDARDS[key].id === id);
};

export const standardName = (arn: string): string => {
  const key = standardKeyOf(arn);
  return key ? STANDARDS[key].name : standardsIdOf(arn);
};

/**
 * Controls whose resources are global (IAM, the account, KMS key policies through IAM): Security Hub evaluates
 * them in every enabled region, so outside the region that records global resources they only repeat findings.
 * CloudFront and GlobalAccelerator.1 are global too but evaluated in us-east-1 only: never disable them there.
 * CloudTrail.1 is deliberately absent: AWS lists it as regional (it checks that this region is covered by a
 * multi-region trail), so its findings outside the home region are real.
 */
const GLOBAL_CONTROL_PREFIXES = ['IAM.', 'Account.'];
const GLOBAL_CONTROL_IDS = new Set(['KMS.1', 'KMS.2']);

export const isGlobalResourceControl = (securityControlId: string): boolean =>
  GLOBAL_CONTROL_IDS.has(securityControlId) || GLOBAL_CONTROL_PREFIXES.some((prefix) => securityControlId.startsWith(prefix));

/**
 * Which standard keeps a check enabled when it is enabled in several (consolidated findings off): the newest
 * CIS benchmark first, because the CIS score is what the clean-up is for; FSBP last.
 */
export const KEEP_ORDER: readonly StandardKey[] = ['cis-3.0.0', 'cis-1.4.0', 'cis-1.2.0', 'fsbp'];

/** Resource types the audit counts, and the controls that evaluate nothing where there are none. */
export const RESOURCE_CONTROLS = {
  kmsCustomerKeys: { label: 'customer managed KMS keys', controlIds: ['KMS.3', 'KMS.4'] },
  ec2Instances: { label: 'EC2 instances', controlIds: ['EC2.4', 'EC2.8', 'EC2.9'] },
} as const;

export type ResourceKind = keyof typeof RESOURCE_CONTROLS;

export const resourceKindOf = (securityControlId: string): ResourceKind | undefined =>
  (Object.keys(RESOURCE_CONTROLS) as ResourceKind[]).find((kind) =>
    (RESOURCE_CONTROLS[kind].controlIds as readonly string[]).includes(securityControlId),
  );
