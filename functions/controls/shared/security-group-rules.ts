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
import * as z from 'zod';
import { InvalidInputError, RemediationError, ResourceNotFoundError } from '../../platform/errors';
import type { ChangeRecord, FindingRef, Plan } from '../../findings/types';
import { portLabel } from './network-exposure';
import { targetOf, type ControlContext } from '../types';

const described = { Description: z.string().optional() };

/** An IpPermission as permissionOf writes it: exactly one rule, to authorize again. */
const ipPermissionSchema = z.object({
  IpProtocol: z.string().optional(),
  FromPort: z.number().optional(),
  ToPort: z.number().optional(),
  IpRanges: z.array(z.object({ CidrIp: z.string().optional(), ...described })).optional(),
  Ipv6Ranges: z.array(z.object({ CidrIpv6: z.string().optional(), ...described })).optional(),
  PrefixListIds: z.array(z.object({ PrefixListId: z.string().optional(), ...described })).optional(),
  UserIdGroupPairs: z.array(z.object({ GroupId: z.string().optional(), UserId: z.string().optional(), ...described })).optional(),
});

/** A revoked rule as recorded in the change record: enough to authorize it again exactly (description included). */
const recordedRuleSchema = z.object({ securityGroupRuleId: z.string(), isEgress: z.boolean(), permission: ipPermissionSchema });
export type RecordedRule = z.infer<typeof recordedRuleSchema>;

/** A rule as a plan records it (plannedRule): enough to describe it and to authorize it again. */
const plannedRuleSchema = z.object({
  SecurityGroupRuleId: z.string().optional(),
  IsEgress: z.boolean().optional(),
  IpProtocol: z.string().optional(),
  FromPort: z.number().optional(),
  ToPort: z.number().optional(),
  CidrIpv4: z.string().optional(),
  CidrIpv6: z.string().optional(),
  PrefixListId: z.string().optional(),
  ReferencedGroupInfo: z.object({ GroupId: z.string().optional(), UserId: z.string().optional() }).optional(),
  Description: z.string().optional(),
});

/**
 * A plan that revokes rules of one security group by id; `observed` (plans since retries were made safe): the rules as
 * assessed, so a retry that finds one gone records it as revoked.
 */
export const revocationPlanSchema = z.object({
  groupId: z.string(),
  ruleIds: z.array(z.string()),
  observed: z.object({ rules: z.array(plannedRuleSchema).optional() }).optional(),
});
export type RevocationPlan = z.infer<typeof revocationPlanSchema>;

/**
 * Each side of a change record. Remediate: before = the rules it revoked, after = their ids. Rollback: before = those
 * ids, after = the rules authorized again.
 */
export const revocationChangeSchema = z.object({
  groupId: z.string(),
  revoked: z.array(recordedRuleSchema).optional(),
  revokedRuleIds: z.array(z.string()).optional(),
  restored: z.array(recordedRuleSchema).optional(),
});
export type RevocationChange = z.infer<typeof revocationChangeSchema>;

/** The calls of a control that revokes security-group rules: who uses the group, the revoke, and the exact re-add. */
export const revocationPermissions = {
  // Rules (sgr- ids) and who uses the group: interfaces, their instances, groups in peered VPCs.
  assess: [
    'ec2:DescribeSecurityGroups',
    'ec2:DescribeSecurityGroupRules',
    'ec2:DescribeSecurityGroupReferences',
    'ec2:DescribeNetworkInterfaces',
    'ec2:DescribeInstances',
  ],
  verify: ['ec2:DescribeSecurityGroups'],
  remediate: ['ec2:DescribeSecurityGroupRules', 'ec2:RevokeSecurityGroupIngress', 'ec2:RevokeSecurityGroupEgress'],
  // Rollback re-adds exactly the recorded rules; Authorize* names the group a finding names.
  rollback: ['ec2:AuthorizeSecurityGroupIngress', 'ec2:AuthorizeSecurityGroupEgress'],
} as const;

/** The security group a finding names: from Resource.Details or the sg- id in the ARN. */
export const groupIdOf = (finding: FindingRef): string => {
  const details = finding.resource.details?.AwsEc2SecurityGroup as { GroupId?: string } | undefined;
  const id = /sg-[0-9a-f]{8,17}/.exec(finding.resource.canonicalId)?.[0] ?? details?.GroupId;
  if (!id) throw new InvalidInputError(`Resource ${finding.resource.id} does not name a security group`);
  return id;
};

const notFound = (groupId: string) => (error: unknown) => {
  if ((error as Error).name === 'InvalidGroup.NotFound')
    throw new ResourceNotFoundError(`Security group ${groupId} no longer exists`, { cause: error });
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
    const page = await ec2.send(
      new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: 'group-id', Values: [groupId] }], MaxResults: 1000, NextToken }),
    );
    rules.push(...(page.SecurityGroupRules ?? []));
    NextToken = page.NextToken;
  } while (NextToken);
  return rules;
};

export const sourceOf = (rule: SecurityGroupRule): string =>
  rule.CidrIpv4 ??
  rule.CidrIpv6 ??
  rule.PrefixListId ??
  (rule.ReferencedGroupInfo?.GroupId ? `group ${rule.ReferencedGroupInfo.GroupId}` : 'unknown source');

/** "sgr-0abc: tcp 22 from 0.0.0.0/0 ("ssh")" */
export const describeRule = (rule: SecurityGroupRule): string =>
  `${rule.SecurityGroupRuleId}: ${portLabel(rule.IpProtocol, rule.FromPort, rule.ToPort)} ${rule.IsEgress ? 'to' : 'from'} ` +
  `${sourceOf(rule)}${rule.Description ? ` ("${rule.Description}")` : ''}`;

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

/** A rule as a plan records it (JSON-safe): enough to describe it and to authorize it again. */
export const plannedRule = (r: SecurityGroupRule): SecurityGroupRule =>
  JSON.parse(
    JSON.stringify({
      SecurityGroupRuleId: r.SecurityGroupRuleId,
      IsEgress: Boolean(r.IsEgress),
      IpProtocol: r.IpProtocol,
      FromPort: r.FromPort,
      ToPort: r.ToPort,
      CidrIpv4: r.CidrIpv4,
      CidrIpv6: r.CidrIpv6,
      PrefixListId: r.PrefixListId,
      ReferencedGroupInfo: r.ReferencedGroupInfo && { GroupId: r.ReferencedGroupInfo.GroupId, UserId: r.ReferencedGroupInfo.UserId },
      Description: r.Description,
    }),
  ) as SecurityGroupRule;

/**
 * Which planned rules this change revokes: those still there (and, for `stillPlanned`, still as assessed), plus those the
 * plan recorded that are gone already: an earlier attempt of this step revoked them (types.ts, rule 2; a retry cannot tell
 * that from someone else revoking them after the assessment). In the plan's order, ingress before egress, as revoked.
 */
const planRevocation = (
  live: SecurityGroupRule[],
  ruleIds: string[],
  observed: SecurityGroupRule[] | undefined,
  stillPlanned: (rule: SecurityGroupRule) => boolean,
): { revokeNow: SecurityGroupRule[]; revoked: SecurityGroupRule[] } => {
  const byId = new Map(live.map((r) => [r.SecurityGroupRuleId, r]));
  const revokeNow = ruleIds.map((id) => byId.get(id)).filter((r): r is SecurityGroupRule => r !== undefined && stillPlanned(r));
  const earlier = (observed ?? []).filter((r) => ruleIds.includes(r.SecurityGroupRuleId as string) && !byId.has(r.SecurityGroupRuleId));
  const named = (rules: SecurityGroupRule[], id: string) => rules.find((r) => r.SecurityGroupRuleId === id);
  const all = ruleIds.map((id) => named(revokeNow, id) ?? named(earlier, id)).filter((r): r is SecurityGroupRule => r !== undefined);
  return { revokeNow, revoked: [...all.filter((r) => !r.IsEgress), ...all.filter((r) => r.IsEgress)] };
};

/** The change record's entry for a revoked rule. */
const recordOf = (r: SecurityGroupRule): RecordedRule => ({
  securityGroupRuleId: r.SecurityGroupRuleId as string,
  isEgress: Boolean(r.IsEgress),
  permission: permissionOf(r),
});

/**
 * Revokes exactly these rules by id (ingress and egress separately), recording each so rollback can
 * authorize it again. A failure names what was already revoked.
 */
const revokeRules = async (ec2: EC2Client, groupId: string, rules: SecurityGroupRule[]): Promise<RecordedRule[]> => {
  const revoked: RecordedRule[] = [];
  for (const isEgress of [false, true]) {
    const batch = rules.filter((r) => Boolean(r.IsEgress) === isEgress);
    if (batch.length === 0) continue;
    const SecurityGroupRuleIds = batch.map((r) => r.SecurityGroupRuleId as string);
    try {
      const input = { GroupId: groupId, SecurityGroupRuleIds };
      try {
        await (isEgress ? ec2.send(new RevokeSecurityGroupEgressCommand(input)) : ec2.send(new RevokeSecurityGroupIngressCommand(input)));
      } catch (error) {
        // Not found: the SDK resent a revoke that was applied. Done, if none of these rules is left.
        if ((error as Error).name !== 'InvalidSecurityGroupRuleId.NotFound') throw error;
        const left = (await rulesOf(ec2, groupId)).filter((r) => SecurityGroupRuleIds.includes(r.SecurityGroupRuleId as string));
        if (left.length > 0) throw error;
      }
    } catch (error) {
      const done = revoked.length > 0 ? `already revoked ${revoked.map((r) => r.securityGroupRuleId).join(', ')}` : 'nothing was changed';
      throw new RemediationError(
        `Revoking ${isEgress ? 'egress' : 'ingress'} rule(s) ${SecurityGroupRuleIds.join(', ')} of ${groupId} failed ` +
          `(${(error as Error).name}: ${(error as Error).message}); ${done}`,
        {
          cause: error,
        },
      );
    }
    revoked.push(...batch.map((r) => ({ securityGroupRuleId: r.SecurityGroupRuleId as string, isEgress, permission: permissionOf(r) })));
  }
  return revoked;
};

/**
 * Remediate of a rule revocation: the planned rules that still exist and that `stillPlanned` (given the live rules)
 * accepts, plus those an earlier attempt of this step revoked already; a rule added since Assess makes Verify fail
 * rather than go unreviewed. `summary` words the change for the control.
 */
export const revokePlannedRules = async (
  ec2: EC2Client,
  plan: Plan<RevocationPlan>,
  ctx: ControlContext,
  stillPlanned: (live: SecurityGroupRule[]) => (rule: SecurityGroupRule) => boolean,
  summary: (revoked: SecurityGroupRule[]) => string,
): Promise<ChangeRecord<RevocationChange>> => {
  const { groupId, ruleIds, observed } = plan.parameters;
  const live = await rulesOf(ec2, groupId);
  const { revokeNow, revoked } = planRevocation(live, ruleIds, observed?.rules, stillPlanned(live));
  await revokeRules(ec2, groupId, revokeNow);
  return {
    summary: summary(revoked),
    before: { groupId, revoked: revoked.map(recordOf) },
    after: { groupId, revokedRuleIds: revoked.map((r) => r.SecurityGroupRuleId as string) },
    changedAt: ctx.now().toISOString(),
    reversible: true,
  };
};

/** Authorizes each recorded rule again (EC2 gives it a new id); a rule already present again counts as restored. */
export const restoreRules = async (
  ec2: EC2Client,
  groupId: string,
  recorded: RecordedRule[],
): Promise<{ restored: string[]; present: string[] }> => {
  const restored: string[] = [];
  const present: string[] = [];
  for (const rule of recorded) {
    const input = { GroupId: groupId, IpPermissions: [rule.permission] };
    try {
      await (rule.isEgress
        ? ec2.send(new AuthorizeSecurityGroupEgressCommand(input))
        : ec2.send(new AuthorizeSecurityGroupIngressCommand(input)));
      restored.push(rule.securityGroupRuleId);
    } catch (error) {
      if ((error as Error).name === 'InvalidPermission.Duplicate') {
        present.push(rule.securityGroupRuleId);
        continue;
      }
      const done = restored.length > 0 ? `already restored ${restored.join(', ')}` : 'nothing was restored';
      throw new RemediationError(
        `Re-authorizing ${rule.securityGroupRuleId} of ${groupId} failed (${(error as Error).name}: ${(error as Error).message}); ${done}`,
        { cause: error },
      );
    }
  }
  return { restored, present };
};

/** Rollback of a change whose `before` is { groupId, revoked: RecordedRule[] }: authorizes exactly what was revoked. */
export const rollbackRevokedRules = async (
  finding: FindingRef,
  change: ChangeRecord<RevocationChange>,
  ctx: ControlContext,
): Promise<ChangeRecord<RevocationChange>> => {
  const { groupId, revoked: recorded } = change.before;
  if (!recorded) throw new InvalidInputError('The change record does not list the revoked rules of a security group');
  await restoreRules(ctx.clients.at(EC2Client, targetOf(finding)), groupId, recorded);
  return {
    // True whoever re-authorized a rule first (this attempt, an earlier one, or a person): the record of a clean rollback.
    summary: `The ${recorded.length} rule(s) hubfix revoked from ${groupId} are authorized again`,
    before: { groupId, revokedRuleIds: recorded.map((r) => r.securityGroupRuleId) },
    after: { groupId, restored: recorded },
    changedAt: ctx.now().toISOString(),
    reversible: true,
  };
};
