import { CfnOutput, DefaultStackSynthesizer, Duration, Stack, Token, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { MEMBER_ROLE_NAMES, type Access } from '../functions/platform/clients';
import type { HubfixConfig } from '../functions/platform/config';
import { ConfigurationError } from '../functions/platform/errors';
import { acknowledgeControlGrants, acknowledgeMemberRoleAssumption } from './nag-acknowledgements';
import { grantStatements, hygienePermissions, inspectGrants, remediateGrants, type Grant, type GrantScope } from './permissions';

/**
 * The administrator stack's function roles that act in member accounts, by fixed name so a member account can
 * trust them before (or after) they exist: assess and verify share the inspect one, remediate has its own, and the
 * control-hygiene apply step has its own.
 */
export const ADMINISTRATOR_ROLE_NAMES: Readonly<Record<Access, string>> = {
  inspect: 'hubfix-admin-inspect',
  remediate: 'hubfix-admin-remediate',
  hygiene: 'hubfix-admin-hygiene',
};

/** What each member role may do: exactly what the admin steps that use it call (infra/permissions.ts). */
export const memberRoleGrants = (access: Access): Grant[] =>
  access === 'inspect' ? inspectGrants() : access === 'remediate' ? remediateGrants() : [...hygienePermissions];

/**
 * Whether hubfix acts in accounts other than its own: the configuration names a Security Hub administrator account
 * (member stacks trust it) or includes accounts other than the stack's own (any, when the stack's account is not
 * known at synth). A single-account hubfix assumes no role at all.
 */
export const isMultiAccount = (config: HubfixConfig, stackAccount: string): boolean =>
  config.organization.administratorAccountId !== undefined ||
  config.accounts.include.some((account) => Token.isUnresolved(stackAccount) || account !== stackAccount);

/**
 * The organization the administrator roles may assume member roles in; fails the synth when hubfix acts in other
 * accounts without one (an unconditioned sts:AssumeRole would reach a same-named role in any AWS account).
 */
export const organizationOf = (config: HubfixConfig, stackAccount: string): string | undefined => {
  if (!isMultiAccount(config, stackAccount)) return undefined;
  if (config.organization.id) return config.organization.id;
  const why =
    config.organization.administratorAccountId !== undefined
      ? 'organization.administratorAccountId is set'
      : `accounts.include names ${config.accounts.include.join(', ')}`;
  throw new ConfigurationError(
    `hubfix acts in other accounts (${why}) but the configuration lacks organization.id: set it to your AWS Organizations id (o-...), ` +
      'so hubfix assumes its member roles only in accounts of that organization (aws:ResourceOrgID)',
  );
};

/** Lets an administrator role assume the same-privilege member role in accounts of the organization, and no other. */
export const assumeMemberRole = (role: iam.Role, access: Access, organizationId: string): void => {
  const stack = Stack.of(role);
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['sts:AssumeRole'],
      resources: [`arn:${stack.partition}:iam::*:role/${MEMBER_ROLE_NAMES[access]}`],
      conditions: { StringEquals: { 'aws:ResourceOrgID': organizationId } },
    }),
  );
  acknowledgeMemberRoleAssumption(role, MEMBER_ROLE_NAMES[access]);
};

export interface MemberStackSettings {
  /** The Security Hub administrator account where the hubfix stack runs. */
  administratorAccountId: string;
  /** The AWS Organization (o-...) both accounts belong to. */
  organizationId: string;
  /** flowLogs.deliverLogsPermissionArn: the only role hubfix-remediate may pass (to VPC Flow Logs); none when absent. */
  flowLogsDeliveryRoleArn?: string;
  /** usage.dataEventSource: the trail log files hubfix-inspect may read (only the account holding them has them). */
  dataEventLogs?: { bucket: string; keyPrefix: string };
}

export interface HubfixMemberStackProps extends StackProps, MemberStackSettings {}

/** The member stack's settings from the hubfix configuration (`organization`, both required, and `flowLogs`). */
export const memberStackSettings = (config: HubfixConfig): MemberStackSettings => {
  const { administratorAccountId, id } = config.organization;
  const missing = [!administratorAccountId && 'organization.administratorAccountId', !id && 'organization.id'].filter(Boolean);
  if (!administratorAccountId || !id) {
    throw new ConfigurationError(
      `The member stack needs ${missing.join(' and ')} in the hubfix configuration: the roles trust that account, in that ` +
        `organization, only`,
    );
  }
  const source = config.usage.dataEventSource;
  return {
    administratorAccountId,
    organizationId: id,
    flowLogsDeliveryRoleArn: config.flowLogs.deliverLogsPermissionArn,
    ...(source ? { dataEventLogs: { bucket: source.bucket, keyPrefix: source.keyPrefix } } : {}),
  };
};

/**
 * The roles hubfix assumes in every account of the organization (deployed by a StackSet, infra/stackset-example.ts):
 * `hubfix-inspect`, read-only, for assess and verify; `hubfix-remediate`, the narrowest writes, for remediate and
 * rollback; `hubfix-hygiene`, Security Hub control associations only, for control hygiene. Each trusts one
 * administrator function role, by ARN, and only from inside the organization. The template has no assets and no
 * bootstrap check, so it deploys to accounts nobody has bootstrapped.
 */
export class HubfixMemberStack extends Stack {
  readonly roles: Record<Access, iam.Role>;

  constructor(scope: Construct, id: string, props: HubfixMemberStackProps) {
    super(scope, id, {
      synthesizer: new DefaultStackSynthesizer({ generateBootstrapVersionRule: false }),
      analyticsReporting: false,
      ...props,
    });
    const { administratorAccountId, organizationId, flowLogsDeliveryRoleArn, dataEventLogs } = props;
    const grantScope: GrantScope = { partition: this.partition, account: this.account, flowLogsDeliveryRoleArn, dataEventLogs };

    const memberRole = (roleId: string, access: Access, description: string): iam.Role => {
      const adminRoleArn = `arn:${this.partition}:iam::${administratorAccountId}:role/${ADMINISTRATOR_ROLE_NAMES[access]}`;
      // The account principal plus aws:PrincipalArn (not the role ARN as principal): the trust survives the admin
      // role being replaced, and this stack deploys before the admin stack exists.
      const trustedBy = new iam.AccountPrincipal(administratorAccountId).withConditions({
        ArnEquals: { 'aws:PrincipalArn': adminRoleArn },
        StringEquals: { 'aws:PrincipalOrgID': organizationId },
      });
      const grants = memberRoleGrants(access);
      const role = new iam.Role(this, roleId, {
        roleName: MEMBER_ROLE_NAMES[access],
        assumedBy: trustedBy,
        description,
        maxSessionDuration: Duration.hours(1),
        inlinePolicies: { controls: new iam.PolicyDocument({ statements: grantStatements(grants, grantScope) }) },
      });
      acknowledgeControlGrants(
        role,
        grants,
        grantScope,
        `only the hubfix administrator function role ${ADMINISTRATOR_ROLE_NAMES[access]} may assume this role, from inside the ` +
          `organization`,
      );
      return role;
    };

    this.roles = {
      inspect: memberRole(
        'InspectRole',
        'inspect',
        `hubfix assess and verify (from ${ADMINISTRATOR_ROLE_NAMES.inspect} in ${administratorAccountId}): read-only`,
      ),
      remediate: memberRole(
        'RemediateRole',
        'remediate',
        `hubfix remediate and rollback (from ${ADMINISTRATOR_ROLE_NAMES.remediate} in ${administratorAccountId}): the narrowest writes`,
      ),
      hygiene: memberRole(
        'HygieneRole',
        'hygiene',
        `hubfix control hygiene (from ${ADMINISTRATOR_ROLE_NAMES.hygiene} in ${administratorAccountId}): Security Hub control ` +
          `associations only`,
      ),
    };
    new CfnOutput(this, 'InspectRoleArn', { value: this.roles.inspect.roleArn });
    new CfnOutput(this, 'RemediateRoleArn', { value: this.roles.remediate.roleArn });
    new CfnOutput(this, 'HygieneRoleArn', { value: this.roles.hygiene.roleArn });
  }
}
