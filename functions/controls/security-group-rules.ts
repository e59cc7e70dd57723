import {
  AuthorizeSecurityGroupEgressCommand,
  AuthorizeSecurityGroupIngressCommand,
  DescribeSecurityGroupRulesCommand,
  DescribeSecurityGroupsCommand,
  RevokeSecurityGroupEgressCommand,
  RevokeSecurityGroupIngressCommand,
  EC2Client,
  type IpPermission,
  type SecurityGroup,
  type SecurityGroupRule,
} from '@aws-sdk/client-ec2';
import { InvalidInputError, RemediationError, ResourceNotFoundError } from '../commons/errors';
import type { ChangeRecord, FindingRef } from '../commons/types';
import { portLabel } from './network-exposure';
import { targetOf, type ControlContext } from './types';

/** A revoked rule as recorded in the change record: enough to authorize it again exactly (description included). */
export interface RecordedRule {
  securityGroupRuleId: string;
  isEgress: boolean;
  permission: IpPermission;
}

/** The security group a finding names: from Resource.Details or the sg- id in the ARN. */
export const groupIdOf = (finding: FindingRef): string => {
  const details = finding.resource.details?.AwsEc2SecurityGroup as { GroupId?: string } | undefined;
  const id = /sg-[0-9a-f]{8,17}/.exec(finding.resource.canonicalId)?.[0] ?? details?.GroupId;
  if (!id) throw new InvalidInputError(`Resource ${finding.resource.id} does not name a security group`);
  return id;
};

const notFound = (groupId: string) => (error: unknown) => {
  if ((error as Error).name === 'InvalidGroup.NotFound') throw new ResourceNotFoundError(`Security group ${groupId} no longer exists`, { cause: error });
  throw error;
};

export const describeGroup = async (ec2: EC2Client, groupId: string): Promise<SecurityGroup> => {
  const page = await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [groupId] })).catch(notFound(groupId));
  const group = page.SecurityGroups?.[0];
  if (!group) throw new ResourceNotFoundError(`Security group ${groupId} no longer exists`);
  return group;
};

/** Every rule of the group, one source per rule, with its sgr- id. */
export const rulesOf = async (ec2: EC2Client, groupId: string): Promise<SecurityGroupRule[]> => {
  const rules: SecurityGroupRule[] = [];
  let NextToken: string | undefined;
  do {
    const page = await ec2.send(new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: 'group-id', Values: [groupId] }], MaxResults: 1000, NextToken }));
    rules.push(...(page.SecurityGroupRules ?? []));
    NextToken = page.NextToken;
  } while (NextToken);
  return rules;
};

export const sourceOf = (rule: SecurityGroupRule): string =>
  rule.CidrIpv4 ?? rule.CidrIpv6 ?? rule.PrefixListId ?? (rule.ReferencedGroupInfo?.GroupId ? `group ${rule.ReferencedGroupInfo.GroupId}` : 'unknown source');

/** "sgr-0abc: tcp 22 from 0.0.0.0/0 ("ssh")" */
export const describeRule = (rule: SecurityGroupRule): string =>
  `${rule.SecurityGroupRuleId}: ${portLabel(rule.IpProtocol, rule.FromPort, rule.ToPort)} ${rule.IsEgress ? 'to' : 'from'} ${sourceOf(rule)}${rule.Description ? ` ("${rule.Description}")` : ''}`;

/** The IpPermission that authorizes exactly this one rule again. */
export const permissionOf = (rule: SecurityGroupRule): IpPermission => {
  const Description = rule.Description;
  const allTraffic = rule.IpProtocol === '-1';
  return {
    IpProtocol: rule.IpProtocol,
    ...(allTraffic ? {} : { FromPort: rule.FromPort, ToPort: rule.ToPort }),
    ...(rule.CidrIpv4 ? { IpRanges: [{ CidrIp: rule.CidrIpv4, Description }] } : {}),
    ...(rule.CidrIpv6 ? { Ipv6Ranges: [{ CidrIpv6: rule.CidrIpv6, Description }] } : {}),
    ...(rule.PrefixListId ? { PrefixListIds: [{ PrefixListId: rule.PrefixListId, Description }] } : {}),
    ...(rule.ReferencedGroupInfo?.GroupId
      ? { UserIdGroupPairs: [{ GroupId: rule.ReferencedGroupInfo.GroupId, UserId: rule.ReferencedGroupInfo.UserId, Description }] }
      : {}),
  };
};

/**
 * Revokes exactly these rules by id (ingress and egress separately), recording each so rollback can
 * authorize it again. A failure names what was already revoked.
 */
export const revokeRules = async (ec2: EC2Client, groupId: string, rules: SecurityGroupRule[]): Promise<RecordedRule[]> => {
  const revoked: RecordedRule[] = [];
  for (const isEgress of [false, true]) {
    const batch = rules.filter((r) => Boolean(r.IsEgress) === isEgress);
    if (batch.length === 0) continue;
    const SecurityGroupRuleIds = batch.map((r) => r.SecurityGroupRuleId as string);
    try {
      const input = { GroupId: groupId, SecurityGroupRuleIds };
      await (isEgress ? ec2.send(new RevokeSecurityGroupEgressCommand(input)) : ec2.send(new RevokeSecurityGroupIngressCommand(input)));
    } catch (error) {
      const done = revoked.length > 0 ? `already revoked ${revoked.map((r) => r.securityGroupRuleId).join(', ')}` : 'nothing was changed';
      throw new RemediationError(`Revoking ${isEgress ? 'egress' : 'ingress'} rule(s) ${SecurityGroupRuleIds.join(', ')} of ${groupId} failed (${(error as Error).name}: ${(error as Error).message}); ${done}`, {
        cause: error,
      });
    }
    revoked.push(...batch.map((r) => ({ securityGroupRuleId: r.SecurityGroupRuleId as string, isEgress, permission: permissionOf(r) })));
  }
  return revoked;
};

/** Authorizes each recorded rule again (EC2 gives it a new id); a rule already present again counts as restored. */
export const restoreRules = async (ec2: EC2Client, groupId: string, recorded: RecordedRule[]): Promise<{ restored: string[]; present: string[] }> => {
  const restored: string[] = [];
  const present: string[] = [];
  for (const rule of recorded) {
    const input = { GroupId: groupId, IpPermissions: [rule.permission] };
    try {
      await (rule.isEgress ? ec2.send(new AuthorizeSecurityGroupEgressCommand(input)) : ec2.send(new AuthorizeSecurityGroupIngressCommand(input)));
      restored.push(rule.securityGroupRuleId);
    } catch (error) {
      if ((error as Error).name === 'InvalidPermission.Duplicate') {
        present.push(rule.securityGroupRuleId);
        continue;
      }
      const done = restored.length > 0 ? `already restored ${restored.join(', ')}` : 'nothing was restored';
      throw new RemediationError(`Re-authorizing ${rule.securityGroupRuleId} of ${groupId} failed (${(error as Error).name}: ${(error as Error).message}); ${done}`, { cause: error });
    }
  }
  return { restored, present };
};

/** Rollback of a change whose `before` is { groupId, revoked: RecordedRule[] }: authorizes exactly what was revoked. */
export const rollbackRevokedRules = async (finding: FindingRef, change: ChangeRecord, ctx: ControlContext): Promise<ChangeRecord> => {
  const groupId = change.before.groupId;
  const recorded = change.before.revoked;
  if (typeof groupId !== 'string' || !Array.isArray(recorded)) throw new InvalidInputError('The change record does not list the revoked rules of a security group');
  const { restored, present } = await restoreRules(ctx.clients.at(EC2Client, targetOf(finding)), groupId, recorded as RecordedRule[]);
  return {
    summary: `Re-authorized ${restored.length} rule(s) of ${groupId}${present.length > 0 ? `; ${present.length} were already present` : ''}`,
    before: { groupId, revokedRuleIds: (recorded as RecordedRule[]).map((r) => r.securityGroupRuleId) },
    after: { groupId, restored: recorded },
    changedAt: ctx.now().toISOString(),
    reversible: true,
  };
};
