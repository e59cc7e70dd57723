import * as iam from 'aws-cdk-lib/aws-iam';
import { plugins } from '../functions/controls/registry';
import {
  CONTROL_STEPS,
  type Conditions,
  type ControlPermissions,
  type ControlStep,
  type Grant,
  type GrantScope,
  type ScopedGrant,
} from '../functions/controls/grants';

/**
 * The AWS actions of every control, per step, as each control's definition declares them (its `permissions`, see
 * functions/controls/grants.ts): the roles are built from these declarations, and test/infra/least-privilege.test.ts
 * proves them against the control sources (every SDK command a step can send is declared, every declared action is
 * sent by the step that declares it) and against the synthesized roles.
 *
 * Adding a control changes nothing here: its definition declares its actions; the least-privilege test says what is
 * missing or unused.
 */

export { CONTROL_STEPS };
export type { ControlPermissions, ControlStep, Grant, GrantScope, ScopedGrant };

/** Each registered control's declarations, keyed by its id. */
export const controlPermissions: Readonly<Record<string, ControlPermissions>> = Object.fromEntries(
  plugins.map((plugin) => [plugin.id, plugin.permissions]),
);

/**
 * Destructive actions: granted only under `rollback`, and scoped where IAM allows. The ones IAM cannot scope (no
 * resource type) say so here; test/infra/least-privilege.test.ts holds every other one to a scoped grant.
 */
export const DESTRUCTIVE_ACTIONS: Readonly<Record<string, string | undefined>> = {
  'cloudtrail:DeleteTrail': undefined,
  'cloudtrail:StopLogging': undefined,
  's3:DeleteBucketPolicy': undefined,
  'ec2:AuthorizeSecurityGroupIngress':
    'security-group rules re-added from the change record; the group is the one a finding names (any group)',
  'ec2:AuthorizeSecurityGroupEgress':
    'security-group rules re-added from the change record; the group is the one a finding names (any group)',
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
export const hygienePermissions: readonly Grant[] = [
  'securityhub:BatchGetStandardsControlAssociations',
  'securityhub:BatchUpdateStandardsControlAssociations',
];

/** The action a grant allows. */
export const actionOf = (grant: Grant): string => (typeof grant === 'string' ? grant : grant.action);

/** The grants of these steps of every control, or of the given declarations. */
export const grantsOf = (
  steps: readonly ControlStep[],
  permissions: Readonly<Record<string, ControlPermissions>> = controlPermissions,
): Grant[] => Object.values(permissions).flatMap((p) => steps.flatMap((step) => p[step]));

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
    ...[...scoped.values()].map(
      (s) =>
        new iam.PolicyStatement({
          actions: unique([...s.actions]),
          resources: s.resources,
          ...(s.conditions ? { conditions: s.conditions } : {}),
        }),
    ),
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
  /** CDK's custom-resource function that reads the Cognito app client's secret once, at deploy, into Secrets Manager. */
  userPoolClientSecret: {
    'cognito-idp:DescribeUserPoolClient': 'UserPoolClient.userPoolClientSecret: the approval page client secret, read at deploy',
  },
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
    'secretsmanager:GetSecretValue': 'the link-signing key, and the sign-in client secret',
    'secretsmanager:DescribeSecret': 'the sign-in client secret (grantRead)',
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
