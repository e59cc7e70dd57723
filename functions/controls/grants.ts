/**
 * The IAM actions a control declares per step (its definition's `permissions`). infra/permissions.ts builds the roles
 * from these declarations, and test/infra/least-privilege.test.ts proves them against the control sources (every SDK
 * command a step can send is declared, every declared action is sent by the step that declares it) and against the
 * synthesized roles.
 *
 * - `assess` and `verify` go to the read-only inspect roles (hubfix-admin-inspect, and hubfix-inspect in member
 *   accounts): only reads.
 * - `remediate` and `rollback` go to the write roles (hubfix-admin-remediate, hubfix-remediate), with the reads those
 *   steps repeat. Destructive actions (deleting, stopping, disabling, re-opening) are declared under `rollback` only,
 *   and scoped to what hubfix created or to the resource type in the role's own account where IAM allows it.
 *
 * Plain data and small functions only: Lambda bundles carry it, so it imports nothing from the CDK.
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
  /** usage.dataEventSource: the trail log files hubfix-inspect may read (in the account that holds them). */
  dataEventLogs?: { bucket: string; keyPrefix: string };
}

export type Conditions = Record<string, Record<string, unknown>>;

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

/** A control that calls no AWS API in any step (the manual-only controls). */
export const NO_CALLS: ControlPermissions = { assess: [], verify: [], remediate: [], rollback: [] };

/** Resources of one type in the role's own account, any region: `arn:<partition>:<service>:*:<account>:<resource>`. */
export const ownAccount =
  (service: string, resource: string) =>
  (s: GrantScope): string[] => [`arn:${s.partition}:${service}:*:${s.account}:${resource}`];
