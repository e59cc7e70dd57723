import { CfnOutput, DefaultStackSynthesizer, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { MEMBER_ROLE_NAMES, type Access } from '../functions/commons/clients';
import type { HubfixConfig } from '../functions/commons/config';
import { ConfigurationError } from '../functions/commons/errors';
import { acknowledgeMemberRole } from './nag-acknowledgements';
import { inspectActions, remediateActions } from './permissions';

/**
 * The administrator stack's function roles that act in member accounts, by fixed name so a member account can
 * trust them before (or after) they exist: assess and verify share the inspect one, remediate has its own.
 */
export const ADMINISTRATOR_ROLE_NAMES: Readonly<Record<Access, string>> = { inspect: 'hubfix-admin-inspect', remediate: 'hubfix-admin-remediate' };

/** What each member role may do: exactly what the admin steps that use it call (infra/permissions.ts). */
export const memberRoleActions = (access: Access): string[] => (access === 'inspect' ? inspectActions() : remediateActions());

export interface MemberStackSettings {
  /** The Security Hub administrator account where the hubfix stack runs. */
  administratorAccountId: string;
  /** The AWS Organization (o-...) both accounts belong to. */
  organizationId: string;
}

export interface HubfixMemberStackProps extends StackProps, MemberStackSettings {}

/** The member stack's settings from the hubfix configuration (`organization`); both are required. */
export const memberStackSettings = (config: HubfixConfig): MemberStackSettings => {
  const { administratorAccountId, id } = config.organization;
  const missing = [!administratorAccountId && 'organization.administratorAccountId', !id && 'organization.id'].filter(Boolean);
  if (!administratorAccountId || !id) {
    throw new ConfigurationError(`The member stack needs ${missing.join(' and ')} in the hubfix configuration: the roles trust that account, in that organization, only`);
  }
  return { administratorAccountId, organizationId: id };
};

/**
 * The roles hubfix assumes in every account of the organization (deployed by a StackSet, infra/stackset-example.ts):
 * `hubfix-inspect`, read-only, for assess and verify; `hubfix-remediate`, the narrowest writes, for remediate and
 * rollback. Each trusts one administrator function role, by ARN, and only from inside the organization.
 * The template has no assets and no bootstrap check, so it deploys to accounts nobody has bootstrapped.
 */
export class HubfixMemberStack extends Stack {
  readonly roles: Record<Access, iam.Role>;

  constructor(scope: Construct, id: string, props: HubfixMemberStackProps) {
    super(scope, id, {
      synthesizer: new DefaultStackSynthesizer({ generateBootstrapVersionRule: false }),
      analyticsReporting: false,
      ...props,
    });
    const { administratorAccountId, organizationId } = props;

    const memberRole = (roleId: string, access: Access, description: string): iam.Role => {
      const adminRoleArn = `arn:${this.partition}:iam::${administratorAccountId}:role/${ADMINISTRATOR_ROLE_NAMES[access]}`;
      // The account principal plus aws:PrincipalArn (not the role ARN as principal): the trust survives the admin
      // role being replaced, and this stack deploys before the admin stack exists.
      const trustedBy = new iam.AccountPrincipal(administratorAccountId).withConditions({
        ArnEquals: { 'aws:PrincipalArn': adminRoleArn },
        StringEquals: { 'aws:PrincipalOrgID': organizationId },
      });
      const actions = memberRoleActions(access);
      const role = new iam.Role(this, roleId, {
        roleName: MEMBER_ROLE_NAMES[access],
        assumedBy: trustedBy,
        description,
        maxSessionDuration: Duration.hours(1),
        inlinePolicies: { controls: new iam.PolicyDocument({ statements: [new iam.PolicyStatement({ actions, resources: ['*'] })] }) },
      });
      acknowledgeMemberRole(role, actions);
      return role;
    };

    this.roles = {
      inspect: memberRole('InspectRole', 'inspect', `hubfix assess and verify (from ${ADMINISTRATOR_ROLE_NAMES.inspect} in ${administratorAccountId}): read-only`),
      remediate: memberRole('RemediateRole', 'remediate', `hubfix remediate and rollback (from ${ADMINISTRATOR_ROLE_NAMES.remediate} in ${administratorAccountId}): the narrowest writes`),
    };
    new CfnOutput(this, 'InspectRoleArn', { value: this.roles.inspect.roleArn });
    new CfnOutput(this, 'RemediateRoleArn', { value: this.roles.remediate.roleArn });
  }
}
