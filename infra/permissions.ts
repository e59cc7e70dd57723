/**
 * The AWS actions each control plugin needs, in one place. Adding a control adds one line here (keyed by
 * the plugin id from functions/controls/): `inspect` goes to the read-only role that Assess and Verify
 * share, `remediate` (plus `inspect`, since remediation re-reads what it changes) to the write role.
 */
export interface ControlPermissions {
  /** Read-only calls of assess and verify. */
  inspect: readonly string[];
  /** The calls that make (or roll back) the change. */
  remediate: readonly string[];
}

export const controlPermissions: Readonly<Record<string, ControlPermissions>> = {
  'iam-access-keys': {
    // ec2:DescribeInstances: which instances (by source IP in CloudTrail) still use the key.
    inspect: ['iam:GetAccessKeyLastUsed', 'iam:ListAccessKeys', 'iam:ListUserTags', 'iam:GetUser', 'cloudtrail:LookupEvents', 'ec2:DescribeInstances'],
    remediate: ['iam:UpdateAccessKey'],
  },
  'ebs-default-encryption': {
    // Region-wide setting; DisableEbsEncryptionByDefault is the rollback.
    inspect: ['ec2:GetEbsEncryptionByDefault', 'ec2:GetEbsDefaultKmsKeyId'],
    remediate: ['ec2:EnableEbsEncryptionByDefault', 'ec2:DisableEbsEncryptionByDefault'],
  },
  'iam-password-policy': {
    // cloudtrail:LookupEvents: automation that sets IAM passwords (CreateLoginProfile/UpdateLoginProfile). Delete: rollback when there was no policy.
    inspect: ['iam:GetAccountPasswordPolicy', 'cloudtrail:LookupEvents'],
    remediate: ['iam:UpdateAccountPasswordPolicy', 'iam:DeleteAccountPasswordPolicy'],
  },
  // Manual-only controls (functions/controls/manual-only.ts) call nothing.
  'root-account-credentials': { inspect: [], remediate: [] },
  'iam-user-mfa': { inspect: [], remediate: [] },
  'iam-admin-policies': { inspect: [], remediate: [] },
  'iam-user-policies': { inspect: [], remediate: [] },
  'iam-password-expiry': { inspect: [], remediate: [] },
};

const unique = (actions: readonly string[]): string[] => [...new Set(actions)].sort();

/** Every read any control makes: the inspect role's actions. */
export const inspectActions = (permissions = controlPermissions): string[] =>
  unique(Object.values(permissions).flatMap((p) => p.inspect));

/** Every read and write any control makes: the remediate role's actions. */
export const remediateActions = (permissions = controlPermissions): string[] =>
  unique(Object.values(permissions).flatMap((p) => [...p.inspect, ...p.remediate]));
