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
  's3-public-access': {
    // GetPublicAccessBlock (bucket) is s3:GetBucketPublicAccessBlock, s3control's is s3:GetAccountPublicAccessBlock;
    // ListBuckets is s3:ListAllMyBuckets; Put and Delete of a block share the Put action.
    inspect: ['s3:GetBucketPublicAccessBlock', 's3:GetAccountPublicAccessBlock', 's3:ListAllMyBuckets', 's3:GetBucketPolicy', 's3:GetBucketPolicyStatus', 's3:GetBucketAcl', 's3:GetBucketWebsite', 's3:GetBucketTagging'],
    remediate: ['s3:PutBucketPublicAccessBlock', 's3:PutAccountPublicAccessBlock'],
  },
  's3-secure-transport': {
    // The trail's log files (ListObjectsV2 is s3:ListBucket): the only record of plain-HTTP callers.
    inspect: ['s3:GetBucketPolicy', 's3:GetBucketTagging', 'cloudtrail:DescribeTrails', 'cloudtrail:GetEventSelectors', 's3:GetBucketLocation', 's3:ListBucket', 's3:GetObject'],
    remediate: ['s3:PutBucketPolicy', 's3:DeleteBucketPolicy'],
  },
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
  cloudtrail: {
    // Trails are read and changed in their home region; KMS reads find a key whose policy lets CloudTrail encrypt.
    inspect: ['cloudtrail:ListTrails', 'cloudtrail:DescribeTrails', 'cloudtrail:GetTrailStatus', 'cloudtrail:GetEventSelectors', 'kms:ListAliases', 'kms:DescribeKey', 'kms:GetKeyPolicy', 's3:GetBucketLogging'],
    // CreateTrail only for an account with no trail; DeleteTrail only to roll back the trail hubfix created.
    remediate: ['cloudtrail:UpdateTrail', 'cloudtrail:PutEventSelectors', 'cloudtrail:StartLogging', 'cloudtrail:StopLogging', 'cloudtrail:CreateTrail', 'cloudtrail:DeleteTrail', 's3:PutBucketLogging'],
  },
  'cloudwatch-cis-alarms': {
    inspect: ['cloudtrail:DescribeTrails', 'cloudtrail:GetTrailStatus', 'cloudtrail:GetEventSelectors', 'logs:DescribeMetricFilters', 'cloudwatch:DescribeAlarmsForMetric', 'cloudwatch:DescribeAlarms', 'sns:GetTopicAttributes'],
    remediate: ['logs:PutMetricFilter', 'logs:DeleteMetricFilter', 'cloudwatch:PutMetricAlarm', 'cloudwatch:DeleteAlarms'],
  },
  'vpc-flow-logs': {
    // CreateFlowLogs also needs iam:PassRole (delivery role, log groups) and logs:Create/DeleteLogDelivery (S3 destinations).
    inspect: ['ec2:DescribeVpcs', 'ec2:DescribeFlowLogs'],
    remediate: ['ec2:CreateFlowLogs', 'ec2:DeleteFlowLogs', 'iam:PassRole', 'logs:CreateLogDelivery', 'logs:DeleteLogDelivery'],
  },
  'security-group-admin-ports': {
    // Rules (sgr- ids) and who uses the group: interfaces, their instances, groups referencing it. Authorize: rollback.
    inspect: ['ec2:DescribeSecurityGroups', 'ec2:DescribeSecurityGroupRules', 'ec2:DescribeNetworkInterfaces', 'ec2:DescribeInstances'],
    remediate: ['ec2:RevokeSecurityGroupIngress', 'ec2:AuthorizeSecurityGroupIngress'],
  },
  'default-security-group': {
    inspect: ['ec2:DescribeSecurityGroups', 'ec2:DescribeSecurityGroupRules', 'ec2:DescribeNetworkInterfaces', 'ec2:DescribeInstances'],
    remediate: ['ec2:RevokeSecurityGroupIngress', 'ec2:RevokeSecurityGroupEgress', 'ec2:AuthorizeSecurityGroupIngress', 'ec2:AuthorizeSecurityGroupEgress'],
  },
  'network-acl-admin-ports': {
    // ReplaceNetworkAclEntry both turns the allow into a deny and, on rollback, restores the allow.
    inspect: ['ec2:DescribeNetworkAcls', 'ec2:DescribeNetworkInterfaces', 'ec2:DescribeInstances'],
    remediate: ['ec2:ReplaceNetworkAclEntry'],
  },
  'ec2-imdsv2': {
    // cloudwatch:GetMetricStatistics: the AWS/EC2 MetadataNoToken metric (IMDSv1 calls still made).
    inspect: ['ec2:DescribeInstances', 'cloudwatch:GetMetricStatistics'],
    remediate: ['ec2:ModifyInstanceMetadataOptions'],
  },
  'kms-key-rotation': {
    // DescribeKey tells the keys that cannot rotate; DisableKeyRotation is the rollback.
    inspect: ['kms:DescribeKey', 'kms:GetKeyRotationStatus'],
    remediate: ['kms:EnableKeyRotation', 'kms:DisableKeyRotation'],
  },
};

/**
 * What hubfix's other workflows do in member accounts, through the same admin and member roles: the control
 * hygiene batch reads back and updates Security Hub control associations.
 */
export const workflowPermissions: Readonly<Record<string, ControlPermissions>> = {
  'control-hygiene': {
    inspect: ['securityhub:BatchGetStandardsControlAssociations'],
    remediate: ['securityhub:BatchUpdateStandardsControlAssociations'],
  },
};

const everyPermission = { ...controlPermissions, ...workflowPermissions };

const unique = (actions: readonly string[]): string[] => [...new Set(actions)].sort();

/** Every read any control makes: the inspect role's actions. */
export const inspectActions = (permissions = everyPermission): string[] =>
  unique(Object.values(permissions).flatMap((p) => p.inspect));

/** Every read and write any control makes: the remediate role's actions. */
export const remediateActions = (permissions = everyPermission): string[] =>
  unique(Object.values(permissions).flatMap((p) => [...p.inspect, ...p.remediate]));
