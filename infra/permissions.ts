import * as iam from 'aws-cdk-lib/aws-iam';
import { CREATED_TRAIL_NAME } from '../functions/controls/cloudtrail-multi-region';
import { ALARM_NAME_PREFIX } from '../functions/controls/cloudwatch-alarms';

/**
 * The AWS actions each control plugin needs, per step, in one place; the roles are built from these declarations
 * and test/infra/least-privilege.test.ts proves them against the plugin sources (every SDK command a step can send
 * is declared, every declared action is sent by the step that declares it) and against the synthesized roles.
 *
 * - `assess` and `verify` go to the read-only inspect roles (hubfix-admin-inspect, and hubfix-inspect in member
 *   accounts): only reads.
 * - `remediate` and `rollback` go to the write roles (hubfix-admin-remediate, hubfix-remediate), with the reads those
 *   steps repeat. Destructive actions (deleting, stopping, disabling, re-opening) are declared under `rollback` only,
 *   and scoped to what hubfix created or to the resource type in the role's own account where IAM allows it.
 *
 * Adding a control: one entry here, keyed by the plugin id; the least-privilege test says what is missing or unused.
 */

export type ControlStep = 'assess' | 'verify' | 'remediate' | 'rollback';
export const CONTROL_STEPS: readonly ControlStep[] = ['assess', 'verify', 'remediate', 'rollback'];

/** What a grant's resources and conditions are built from: the stack the role lives in, and the configuration. */
export interface GrantScope {
  partition: string;
  /** The account the role acts in (its own). */
  account: string;
  /** flowLogs.deliverLogsPermissionArn: the only role hubfix may pass (to VPC Flow Logs). */
  flowLogsDeliveryRoleArn?: string;
}

type Conditions = Record<string, Record<string, unknown>>;

/** An action on specific resources (or with conditions) rather than on whichever resource a finding names. */
export interface ScopedGrant {
  action: string;
  /** The resources it is allowed on; an empty list grants nothing (the configuration does not call for it). */
  resources: (scope: GrantScope) => string[];
  conditions?: (scope: GrantScope) => Conditions;
  /**
   * Set when IAM requires the action for another call the step sends (that call's action), not for a command of its
   * own: e.g. iam:PassRole for ec2:CreateFlowLogs.
   */
  requiredFor?: string;
  /** Why this scope. */
  why: string;
}

/** An action on `*` (a plain string), or a scoped one. */
export type Grant = string | ScopedGrant;

export type ControlPermissions = Readonly<Record<ControlStep, readonly Grant[]>>;

const own = (service: string, resource: string) => (s: GrantScope) => [`arn:${s.partition}:${service}:*:${s.account}:${resource}`];

/** CloudTrail log files as CloudTrail names them: `<bucket>/[<prefix>/]AWSLogs/<account>/CloudTrail/<region>/<yyyy>/<mm>/<dd>/…`. */
const trailLogObjects: ScopedGrant = {
  action: 's3:GetObject',
  resources: (s) => [`arn:${s.partition}:s3:::*/AWSLogs/${s.account}/CloudTrail/*`],
  why: 'reads only CloudTrail log files of its own account (functions/controls/s3-data-events.ts), in any bucket',
};
const trailLogListing: ScopedGrant = {
  action: 's3:ListBucket',
  resources: (s) => [`arn:${s.partition}:s3:::*`],
  conditions: (s) => ({ StringLike: { 's3:prefix': [`AWSLogs/${s.account}/CloudTrail/*`, `*/AWSLogs/${s.account}/CloudTrail/*`] } }),
  why: 'lists only the day prefixes of CloudTrail log files of its own account',
};

export const controlPermissions: Readonly<Record<string, ControlPermissions>> = {
  's3-public-access': {
    // GetPublicAccessBlock (bucket) is s3:GetBucketPublicAccessBlock, s3control's is s3:GetAccountPublicAccessBlock;
    // ListBuckets is s3:ListAllMyBuckets; removing a block is authorized as putting one.
    assess: ['s3:GetBucketPublicAccessBlock', 's3:GetAccountPublicAccessBlock', 's3:ListAllMyBuckets', 's3:GetBucketPolicy', 's3:GetBucketPolicyStatus', 's3:GetBucketAcl', 's3:GetBucketWebsite', 's3:GetBucketTagging'],
    verify: ['s3:GetBucketPublicAccessBlock', 's3:GetAccountPublicAccessBlock'],
    remediate: ['s3:GetBucketPublicAccessBlock', 's3:GetAccountPublicAccessBlock', 's3:PutBucketPublicAccessBlock', 's3:PutAccountPublicAccessBlock'],
    rollback: ['s3:GetBucketPublicAccessBlock', 's3:GetAccountPublicAccessBlock', 's3:PutBucketPublicAccessBlock', 's3:PutAccountPublicAccessBlock'],
  },
  's3-secure-transport': {
    // The trail's log files are the only record of plain-HTTP callers (ListObjectsV2 is s3:ListBucket).
    assess: ['s3:GetBucketPolicy', 's3:GetBucketTagging', 'cloudtrail:DescribeTrails', 'cloudtrail:GetEventSelectors', 's3:GetBucketLocation', trailLogListing, trailLogObjects],
    verify: ['s3:GetBucketPolicy'],
    remediate: ['s3:GetBucketPolicy', 's3:PutBucketPolicy'],
    rollback: [
      's3:GetBucketPolicy',
      's3:PutBucketPolicy',
      {
        action: 's3:DeleteBucketPolicy',
        resources: (s) => [`arn:${s.partition}:s3:::*`],
        why: 'only when the bucket had no policy before; bucket ARNs carry no account, so any bucket (the bucket a finding names)',
      },
    ],
  },
  'iam-access-keys': {
    // ec2:DescribeInstances: which instances (by source IP in CloudTrail) still use the key.
    assess: ['iam:ListAccessKeys', 'iam:ListUserTags', 'iam:GetAccessKeyLastUsed', 'cloudtrail:LookupEvents', 'ec2:DescribeInstances'],
    verify: ['iam:ListAccessKeys'],
    remediate: ['iam:ListAccessKeys', 'iam:UpdateAccessKey'],
    rollback: ['iam:ListAccessKeys', 'iam:UpdateAccessKey'],
  },
  'ebs-default-encryption': {
    assess: ['ec2:GetEbsEncryptionByDefault', 'ec2:GetEbsDefaultKmsKeyId'],
    verify: ['ec2:GetEbsEncryptionByDefault'],
    remediate: ['ec2:GetEbsEncryptionByDefault', 'ec2:EnableEbsEncryptionByDefault'],
    // A region-wide account setting: IAM knows no resource for it.
    rollback: ['ec2:GetEbsEncryptionByDefault', 'ec2:EnableEbsEncryptionByDefault', 'ec2:DisableEbsEncryptionByDefault'],
  },
  'iam-password-policy': {
    // cloudtrail:LookupEvents: automation that sets IAM passwords (CreateLoginProfile / UpdateLoginProfile).
    assess: ['iam:GetAccountPasswordPolicy', 'cloudtrail:LookupEvents'],
    verify: ['iam:GetAccountPasswordPolicy'],
    remediate: ['iam:GetAccountPasswordPolicy', 'iam:UpdateAccountPasswordPolicy'],
    // Delete: rollback when the account had no policy. An account setting: IAM knows no resource for it.
    rollback: ['iam:GetAccountPasswordPolicy', 'iam:UpdateAccountPasswordPolicy', 'iam:DeleteAccountPasswordPolicy'],
  },
  // Manual-only controls (functions/controls/manual-only.ts) call nothing.
  'root-account-credentials': { assess: [], verify: [], remediate: [], rollback: [] },
  'iam-user-mfa': { assess: [], verify: [], remediate: [], rollback: [] },
  'iam-admin-policies': { assess: [], verify: [], remediate: [], rollback: [] },
  'iam-user-policies': { assess: [], verify: [], remediate: [], rollback: [] },
  'iam-password-expiry': { assess: [], verify: [], remediate: [], rollback: [] },
  cloudtrail: {
    // Trails are read and changed in their home region; KMS reads find a key whose policy lets CloudTrail encrypt.
    assess: ['cloudtrail:ListTrails', 'cloudtrail:DescribeTrails', 'cloudtrail:GetTrailStatus', 'cloudtrail:GetEventSelectors', 'kms:ListAliases', 'kms:DescribeKey', 'kms:GetKeyPolicy', 's3:GetBucketLogging'],
    verify: ['cloudtrail:DescribeTrails', 'cloudtrail:GetTrailStatus', 'cloudtrail:GetEventSelectors', 's3:GetBucketLogging'],
    // CreateTrail only for an account with no trail (named CREATED_TRAIL_NAME).
    remediate: [
      'cloudtrail:DescribeTrails', 'cloudtrail:GetTrailStatus', 'cloudtrail:GetEventSelectors', 's3:GetBucketLogging',
      'cloudtrail:UpdateTrail', 'cloudtrail:PutEventSelectors', 'cloudtrail:StartLogging', 'cloudtrail:CreateTrail', 's3:PutBucketLogging',
    ],
    rollback: [
      'cloudtrail:DescribeTrails', 'cloudtrail:GetTrailStatus', 'cloudtrail:GetEventSelectors', 's3:GetBucketLogging',
      'cloudtrail:UpdateTrail', 'cloudtrail:PutEventSelectors', 'cloudtrail:StartLogging', 's3:PutBucketLogging',
      {
        action: 'cloudtrail:DeleteTrail',
        resources: own('cloudtrail', `trail/${CREATED_TRAIL_NAME}`),
        why: `only the trail hubfix creates in an account that has none (${CREATED_TRAIL_NAME}, functions/controls/cloudtrail-multi-region.ts)`,
      },
      {
        action: 'cloudtrail:StopLogging',
        resources: own('cloudtrail', 'trail/*'),
        why: 'rollback stops an existing trail hubfix started, which can have any name: trails of its own account only',
      },
    ],
  },
  'cloudwatch-cis-alarms': {
    assess: ['cloudtrail:DescribeTrails', 'cloudtrail:GetTrailStatus', 'cloudtrail:GetEventSelectors', 'logs:DescribeMetricFilters', 'cloudwatch:DescribeAlarmsForMetric', 'cloudwatch:DescribeAlarms', 'sns:GetTopicAttributes'],
    verify: ['logs:DescribeMetricFilters', 'cloudwatch:DescribeAlarms'],
    remediate: [
      'logs:DescribeMetricFilters', 'cloudwatch:DescribeAlarms', 'logs:PutMetricFilter',
      { action: 'cloudwatch:PutMetricAlarm', resources: own('cloudwatch', `alarm:${ALARM_NAME_PREFIX}*`), why: `only alarms hubfix names (${ALARM_NAME_PREFIX}*)` },
    ],
    rollback: [
      'logs:DescribeMetricFilters', 'cloudwatch:DescribeAlarms', 'logs:PutMetricFilter',
      { action: 'cloudwatch:PutMetricAlarm', resources: own('cloudwatch', `alarm:${ALARM_NAME_PREFIX}*`), why: `only alarms hubfix names (${ALARM_NAME_PREFIX}*)` },
      { action: 'cloudwatch:DeleteAlarms', resources: own('cloudwatch', `alarm:${ALARM_NAME_PREFIX}*`), why: `only alarms hubfix names (${ALARM_NAME_PREFIX}*)` },
      {
        action: 'logs:DeleteMetricFilter',
        resources: own('logs', 'log-group:*'),
        why: 'only the hubfix-cis-* filter hubfix created, but IAM scopes metric filters by log group, not by filter name: log groups of its own account',
      },
    ],
  },
  'vpc-flow-logs': {
    assess: ['ec2:DescribeVpcs', 'ec2:DescribeFlowLogs'],
    verify: ['ec2:DescribeFlowLogs'],
    remediate: [
      'ec2:DescribeFlowLogs',
      'ec2:CreateFlowLogs',
      {
        action: 'iam:PassRole',
        requiredFor: 'ec2:CreateFlowLogs',
        resources: (s) => (s.flowLogsDeliveryRoleArn ? [s.flowLogsDeliveryRoleArn] : []),
        conditions: () => ({ StringEquals: { 'iam:PassedToService': 'vpc-flow-logs.amazonaws.com' } }),
        why: 'only the configured delivery role (flowLogs.deliverLogsPermissionArn), only to VPC Flow Logs; none without it',
      },
      { action: 'logs:CreateLogDelivery', requiredFor: 'ec2:CreateFlowLogs', resources: () => ['*'], why: 'a flow log to an S3 bucket is a log delivery; no resource-level permissions' },
    ],
    rollback: [
      {
        action: 'ec2:DeleteFlowLogs',
        resources: own('ec2', 'vpc-flow-log/*'),
        why: 'only the flow log hubfix created (its id is in the change record, unknown in advance): flow logs of its own account',
      },
      { action: 'logs:DeleteLogDelivery', requiredFor: 'ec2:DeleteFlowLogs', resources: () => ['*'], why: 'deleting an S3 flow log deletes its log delivery; no resource-level permissions' },
    ],
  },
  'security-group-admin-ports': {
    // Rules (sgr- ids) and who uses the group: interfaces, their instances.
    assess: ['ec2:DescribeSecurityGroups', 'ec2:DescribeSecurityGroupRules', 'ec2:DescribeNetworkInterfaces', 'ec2:DescribeInstances'],
    verify: ['ec2:DescribeSecurityGroups'],
    remediate: ['ec2:DescribeSecurityGroupRules', 'ec2:RevokeSecurityGroupIngress', 'ec2:RevokeSecurityGroupEgress'],
    // Rollback re-adds exactly the recorded rules; Authorize* names the group a finding names.
    rollback: ['ec2:AuthorizeSecurityGroupIngress', 'ec2:AuthorizeSecurityGroupEgress'],
  },
  'default-security-group': {
    assess: ['ec2:DescribeSecurityGroups', 'ec2:DescribeSecurityGroupRules', 'ec2:DescribeNetworkInterfaces', 'ec2:DescribeInstances'],
    verify: ['ec2:DescribeSecurityGroups'],
    remediate: ['ec2:DescribeSecurityGroupRules', 'ec2:RevokeSecurityGroupIngress', 'ec2:RevokeSecurityGroupEgress'],
    rollback: ['ec2:AuthorizeSecurityGroupIngress', 'ec2:AuthorizeSecurityGroupEgress'],
  },
  'network-acl-admin-ports': {
    // ReplaceNetworkAclEntry both turns the allow into a deny and, on rollback, restores the allow.
    assess: ['ec2:DescribeNetworkAcls', 'ec2:DescribeNetworkInterfaces', 'ec2:DescribeInstances'],
    verify: ['ec2:DescribeNetworkAcls'],
    remediate: ['ec2:DescribeNetworkAcls', 'ec2:ReplaceNetworkAclEntry'],
    rollback: ['ec2:ReplaceNetworkAclEntry'],
  },
  'ec2-imdsv2': {
    // cloudwatch:GetMetricStatistics: the AWS/EC2 MetadataNoToken metric (IMDSv1 calls still made).
    assess: ['ec2:DescribeInstances', 'cloudwatch:GetMetricStatistics'],
    verify: ['ec2:DescribeInstances'],
    remediate: ['ec2:DescribeInstances', 'ec2:ModifyInstanceMetadataOptions'],
    rollback: ['ec2:DescribeInstances', 'ec2:ModifyInstanceMetadataOptions'],
  },
  'kms-key-rotation': {
    // DescribeKey tells the keys that cannot rotate.
    assess: ['kms:DescribeKey', 'kms:GetKeyRotationStatus'],
    verify: ['kms:GetKeyRotationStatus'],
    remediate: ['kms:GetKeyRotationStatus', 'kms:EnableKeyRotation'],
    rollback: [
      'kms:GetKeyRotationStatus',
      'kms:EnableKeyRotation',
      { action: 'kms:DisableKeyRotation', resources: own('kms', 'key/*'), why: 'the key a finding names, which can be any key: keys of its own account only' },
    ],
  },
};

/**
 * Destructive actions: granted only under `rollback`, and scoped where IAM allows. The ones IAM cannot scope (no
 * resource type) say so here; test/infra/least-privilege.test.ts holds every other one to a scoped grant.
 */
export const DESTRUCTIVE_ACTIONS: Readonly<Record<string, string | undefined>> = {
  'cloudtrail:DeleteTrail': undefined,
  'cloudtrail:StopLogging': undefined,
  's3:DeleteBucketPolicy': undefined,
  'ec2:AuthorizeSecurityGroupIngress': 'security-group rules re-added from the change record; the group is the one a finding names (any group)',
  'ec2:AuthorizeSecurityGroupEgress': 'security-group rules re-added from the change record; the group is the one a finding names (any group)',
  'iam:DeleteAccountPasswordPolicy': 'an account setting: IAM knows no resource for it',
  'kms:DisableKeyRotation': undefined,
  'ec2:DisableEbsEncryptionByDefault': 'an account and region setting: IAM knows no resource for it',
  'logs:DeleteMetricFilter': undefined,
  'cloudwatch:DeleteAlarms': undefined,
  'ec2:DeleteFlowLogs': undefined,
  'logs:DeleteLogDelivery': 'log deliveries have no resource-level permissions',
};

/**
 * hubfix's other workflow in member accounts: control hygiene reads and updates Security Hub control associations
 * (functions/hygiene/batch.ts applyGroup), through its own roles (hubfix-admin-hygiene, hubfix-hygiene).
 */
export const hygienePermissions: readonly Grant[] = ['securityhub:BatchGetStandardsControlAssociations', 'securityhub:BatchUpdateStandardsControlAssociations'];

/** The action a grant allows. */
export const actionOf = (grant: Grant): string => (typeof grant === 'string' ? grant : grant.action);

/** The grants of these steps of every control, or of the given declarations. */
export const grantsOf = (steps: readonly ControlStep[], permissions: Readonly<Record<string, ControlPermissions>> = controlPermissions): Grant[] =>
  Object.values(permissions).flatMap((p) => steps.flatMap((step) => p[step]));

/** What the inspect roles hold: every read of assess and verify. */
export const INSPECT_STEPS: readonly ControlStep[] = ['assess', 'verify'];
/** What the write roles hold: remediate and rollback, with the reads they repeat. */
export const REMEDIATE_STEPS: readonly ControlStep[] = ['remediate', 'rollback'];

const unique = (actions: readonly string[]): string[] => [...new Set(actions)].sort();

/** The actions of a set of grants, each once, sorted (whatever their scope). */
export const actionsOfGrants = (grants: readonly Grant[]): string[] => unique(grants.map(actionOf));

/**
 * The policy statements for a set of grants: one statement for every action on `*`, one per distinct scope for the
 * rest (an action is either on `*` or scoped in every declaration: the least-privilege test holds them to that).
 */
export const grantStatements = (grants: readonly Grant[], scope: GrantScope): iam.PolicyStatement[] => {
  const anywhere = unique(grants.filter((g): g is string => typeof g === 'string'));
  const scoped = new Map<string, { actions: Set<string>; resources: string[]; conditions?: Conditions }>();
  for (const grant of grants) {
    if (typeof grant === 'string') continue;
    const resources = grant.resources(scope);
    if (resources.length === 0) continue;
    const conditions = grant.conditions?.(scope);
    const key = JSON.stringify([resources, conditions ?? null]);
    const entry = scoped.get(key) ?? { actions: new Set<string>(), resources, conditions };
    entry.actions.add(grant.action);
    scoped.set(key, entry);
  }
  return [
    ...(anywhere.length > 0 ? [new iam.PolicyStatement({ actions: anywhere, resources: ['*'] })] : []),
    ...[...scoped.values()].map((s) => new iam.PolicyStatement({ actions: unique([...s.actions]), resources: s.resources, ...(s.conditions ? { conditions: s.conditions } : {}) })),
  ];
};

/** Every action a set of grants actually grants in this scope (a scoped grant with no resources grants nothing). */
export const grantedActions = (grants: readonly Grant[], scope: GrantScope): string[] =>
  unique(grants.filter((g) => typeof g === 'string' || g.resources(scope).length > 0).map(actionOf));

/** The read-only inspect roles' control actions. */
export const inspectGrants = (): Grant[] => grantsOf(INSPECT_STEPS);
/** The write roles' control actions. */
export const remediateGrants = (): Grant[] => grantsOf(REMEDIATE_STEPS);

/**
 * What the platform itself needs, per role of the administrator stack, besides the control declarations: each action
 * with its reason. test/infra/least-privilege.test.ts holds the synthesized roles to exactly this plus the
 * declarations, both ways (no undocumented action, no stale entry).
 */
const FUNCTION_TELEMETRY = {
  'logs:CreateLogStream': 'its own log group (Lambda logging)',
  'logs:PutLogEvents': 'its own log group (Lambda logging)',
  'xray:PutTraceSegments': 'Lambda active tracing (no resource-level permissions)',
  'xray:PutTelemetryRecords': 'Lambda active tracing (no resource-level permissions)',
};
const STATE_MACHINE_PLATFORM = {
  'lambda:InvokeFunction': 'its task functions, by ARN',
  'logs:CreateLogDelivery': 'Step Functions logging to its log group (no resource-level permissions)',
  'logs:GetLogDelivery': 'Step Functions logging',
  'logs:UpdateLogDelivery': 'Step Functions logging',
  'logs:DeleteLogDelivery': 'Step Functions logging',
  'logs:ListLogDeliveries': 'Step Functions logging',
  'logs:PutResourcePolicy': 'Step Functions logging',
  'logs:DescribeResourcePolicies': 'Step Functions logging',
  'logs:DescribeLogGroups': 'Step Functions logging',
  'xray:PutTraceSegments': 'Step Functions tracing',
  'xray:PutTelemetryRecords': 'Step Functions tracing',
  'xray:GetSamplingRules': 'Step Functions tracing',
  'xray:GetSamplingTargets': 'Step Functions tracing',
};
const PUBLISH_APPROVAL_EMAIL = {
  'sns:Publish': 'the approval topic',
  'kms:Decrypt': 'the approval topic key (SNS encryption)',
  'kms:GenerateDataKey*': 'the approval topic key (SNS encryption)',
  'secretsmanager:GetSecretValue': 'the link-signing key',
};

export const PLATFORM_PERMISSIONS = {
  intake: {
    ...FUNCTION_TELEMETRY,
    'sqs:ReceiveMessage': 'the intake queue (event source mapping)',
    'sqs:ChangeMessageVisibility': 'the intake queue (event source mapping)',
    'sqs:DeleteMessage': 'the intake queue (event source mapping)',
    'sqs:GetQueueAttributes': 'the intake queue (event source mapping)',
    'sqs:GetQueueUrl': 'the intake queue (event source mapping)',
    'dynamodb:PutItem': 'the lock table: takes the resource lock',
    'dynamodb:GetItem': 'the lock table: reads a held lock',
    'states:StartExecution': 'the remediation state machine',
    'securityhub:BatchUpdateFindings': 'annotates findings it refuses (the hub of its own account and region)',
    'securityhub:GetFindings': 're-reads each finding from Security Hub before a run starts (the event only points at it)',
    'dynamodb:Query': 'the audit table’s byFinding index: hubfix’s own run history (Undo, the automatic path’s "already handled")',
  },
  inspect: {
    ...FUNCTION_TELEMETRY,
    'sts:AssumeRole': 'hubfix-inspect in member accounts of the organization (multi-account only)',
    'securityhub:GetFindings': 'Assess re-reads the finding from Security Hub (the execution input only points at it)',
    'dynamodb:Query': 'the audit table’s byFinding index: hubfix’s own run history (Undo, the automatic path’s "already handled")',
    'dynamodb:UpdateItem': 'the lock table: blast-limit counters (conditional, one slot per run)',
  },
  remediate: {
    ...FUNCTION_TELEMETRY,
    'sts:AssumeRole': 'hubfix-remediate in member accounts of the organization (multi-account only)',
  },
  requestApproval: {
    ...FUNCTION_TELEMETRY,
    ...PUBLISH_APPROVAL_EMAIL,
    'dynamodb:PutItem': 'the approval table: stores the approval and its task token',
    'securityhub:BatchUpdateFindings': 'notes on the finding that approval was asked',
  },
  approvalApi: {
    ...FUNCTION_TELEMETRY,
    'dynamodb:GetItem': 'the approval table',
    'dynamodb:UpdateItem': 'the approval table: the single-use decision (conditional update)',
    'secretsmanager:GetSecretValue': 'the link-signing key',
    'states:SendTaskSuccess': 'answers the waiting task of hubfix’s two state machines',
    'states:SendTaskFailure': 'answers the waiting task of hubfix’s two state machines',
  },
  annotate: {
    ...FUNCTION_TELEMETRY,
    'securityhub:BatchUpdateFindings': 'writes the outcome onto the finding',
    'dynamodb:PutItem': 'the audit table (write-once, conditional put)',
    'dynamodb:DeleteItem': 'the lock table: releases the resource lock',
  },
  remediationStateMachine: STATE_MACHINE_PLATFORM,
  hygienePrepare: FUNCTION_TELEMETRY,
  hygieneRequestBatchApproval: {
    ...FUNCTION_TELEMETRY,
    ...PUBLISH_APPROVAL_EMAIL,
    'dynamodb:PutItem': 'the approval table: stores the batch approval',
  },
  hygieneApply: {
    ...FUNCTION_TELEMETRY,
    'sts:AssumeRole': 'hubfix-hygiene in member accounts of the organization (multi-account only)',
  },
  hygieneRecord: {
    ...FUNCTION_TELEMETRY,
    'dynamodb:PutItem': 'the audit table (write-once, conditional put)',
  },
  hygieneStateMachine: STATE_MACHINE_PLATFORM,
} as const satisfies Record<string, Record<string, string>>;

export type PlatformRole = keyof typeof PLATFORM_PERMISSIONS;
