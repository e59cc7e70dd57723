import { EC2Client } from '@aws-sdk/client-ec2';
import { VerificationFailedError } from '../../platform/errors';
import { unseenSignals } from '../../findings/evidence';
import type { ChangeRecord, Evidence, FindingRef, Plan } from '../../findings/types';
import { blastRadius, referencingGroups } from '../shared/network-exposure';
import { defineControl } from '../define-control';
import {
  describeGroup,
  describeRule,
  groupIdOf,
  plannedRule,
  revocationChangeSchema,
  revocationPermissions,
  revocationPlanSchema,
  revokePlannedRules,
  rollbackRevokedRules,
  rulesOf,
  type RevocationChange,
  type RevocationPlan,
} from '../shared/security-group-rules';
import { targetOf, type ControlAssessment, type ControlContext } from '../types';

/**
 * EC2.2: a VPC's default security group must allow no traffic in or out. The group cannot be deleted, so
 * the change is revoking every rule; anything still in the group loses that traffic, hence the usage check.
 */
async function assess(finding: FindingRef, ctx: ControlContext): Promise<ControlAssessment<RevocationPlan>> {
  const ec2 = ctx.clients.at(EC2Client, targetOf(finding));
  const groupId = groupIdOf(finding);
  const group = await describeGroup(ec2, groupId);
  const rules = await rulesOf(ec2, groupId);
  const label = `default security group ${groupId} of ${group.VpcId}`;
  const evidence: Evidence[] = [];
  if (group.GroupName !== 'default') {
    evidence.push({
      fact: `Security group ${groupId} is named "${group.GroupName}", not "default".`,
      source: 'ec2:DescribeSecurityGroups',
    });
  }
  if (rules.length === 0) {
    return {
      risk: 'low',
      riskReason: `${label} already has no rules`,
      evidence: [...evidence, { fact: `${label} has no ingress or egress rules.`, source: 'ec2:DescribeSecurityGroupRules' }],
    };
  }
  evidence.push(
    ...rules.map((r) => ({
      fact: `${r.IsEgress ? 'Egress' : 'Ingress'} rule ${describeRule(r)}.`,
      source: 'ec2:DescribeSecurityGroupRules',
    })),
  );
  const target = targetOf(finding);
  const radius = await blastRadius(ec2, { Name: 'group-id', Values: [groupId] }, label, target, ctx);
  evidence.push(...radius.evidence, ...(await referencingGroups(ec2, groupId, target)));
  // Any member at all loses the traffic the rules allow (typically all traffic between members and all egress).
  const highReasons =
    radius.interfaces.length > 0
      ? [
          `${radius.interfaces.length} network interface(s) still use it: ${radius.interfaces.map((i) => i.NetworkInterfaceId).join(', ')}`,
          ...radius.highReasons,
        ]
      : [];

  const ingress = rules.filter((r) => !r.IsEgress).map((r) => r.SecurityGroupRuleId as string);
  const egress = rules.filter((r) => r.IsEgress).map((r) => r.SecurityGroupRuleId as string);
  const plan: Plan<RevocationPlan> = {
    summary: `Revoke all ${ingress.length} ingress and ${egress.length} egress rule(s) of ${label} (the group itself cannot be deleted)`,
    steps: [
      ...(ingress.length > 0 ? [`ec2:RevokeSecurityGroupIngress GroupId=${groupId} SecurityGroupRuleIds=${ingress.join(',')}`] : []),
      ...(egress.length > 0 ? [`ec2:RevokeSecurityGroupEgress GroupId=${groupId} SecurityGroupRuleIds=${egress.join(',')}`] : []),
    ],
    reversible: true,
    // observed: the rules as assessed; a retry that finds one already gone records it as revoked (types.ts).
    parameters: { groupId, ruleIds: [...ingress, ...egress], observed: { rules: rules.map(plannedRule) } },
  };
  if (highReasons.length > 0)
    return { risk: 'high', riskReason: `Members would lose all traffic the rules allow: ${highReasons.join('; ')}`, evidence, plan };
  const unseen = unseenSignals(evidence);
  if (unseen.length > 0)
    return { risk: 'unknown', riskReason: `Not every user of ${groupId} was seen: ${unseen.join(' ')}`, evidence, plan };
  return { risk: 'low', riskReason: `No network interface of any type uses ${groupId}`, evidence, plan };
}

async function remediate(finding: FindingRef, plan: Plan<RevocationPlan>, ctx: ControlContext): Promise<ChangeRecord<RevocationChange>> {
  const { groupId } = plan.parameters;
  // Every approved rule that still exists: the group must end with none.
  return revokePlannedRules(
    ctx.clients.at(EC2Client, targetOf(finding)),
    plan,
    ctx,
    () => () => true,
    (revoked) =>
      revoked.length > 0
        ? `Revoked ${revoked.length} rule(s) of default security group ${groupId}: ${revoked.map(describeRule).join('; ')}`
        : `${groupId} had none of the planned rules left`,
  );
}

export const defaultSecurityGroup = defineControl({
  id: 'default-security-group',
  title: 'VPC default security groups allow no traffic',
  ids: ['EC2.2'],
  cisRefs: ['1.2.0/4.3', '1.4.0/5.3', '3.0.0/5.4'],
  resourceTypes: ['AwsEc2SecurityGroup'],
  assesses:
    'The default group\u2019s rules, the network interfaces still using it (instances with state and production tags, ' +
    'load balancers, other services), security groups referencing it, production accounts',
  changes: 'Revokes every ingress and egress rule of the default security group (it cannot be deleted)',
  reversible: true,
  automation: 'automated',
  defaultMode: 'on-request',
  signals: [
    {
      signal:
        'Every network interface still using the default group, by owner (instances, load balancers, Lambda, RDS, EKS, endpoints, ' +
        'NAT, EFS, \u2026)',
      source: 'ec2:DescribeNetworkInterfaces group-id filter in the finding\u2019s account and region, current configuration',
      blindSpots: 'Interfaces of other accounts in a shared VPC; traffic that actually flows (no flow logs read)',
      whenMissing: 'Unreadable (access denied, throttled, not offered): an unseen line, risk unknown, a person decides',
    },
    {
      signal: 'State and production tags of the instances behind those interfaces',
      source: 'ec2:DescribeInstances in the finding\u2019s account and region, current configuration',
      blindSpots: 'Instances of another account (shared VPC): said as unseen',
      whenMissing: 'Unreadable (access denied, throttled, not offered): an unseen line, risk unknown, a person decides',
    },
    {
      signal: 'Security groups naming the default group, here and in peered VPCs / across transit gateways',
      source:
        'ec2:DescribeSecurityGroups, ec2:DescribeSecurityGroupReferences in the finding\u2019s account and region, current configuration',
      blindSpots: 'References from other regions',
      whenMissing: 'Unreadable (access denied, throttled, not offered): an unseen line, risk unknown, a person decides',
    },
  ],
  planSchema: revocationPlanSchema,
  changeSchema: revocationChangeSchema,
  permissions: revocationPermissions,
  assess,
  remediate,
  async verify(finding, change, ctx) {
    const groupId = change.after.groupId;
    const group = await describeGroup(ctx.clients.at(EC2Client, targetOf(finding)), groupId);
    const left = (group.IpPermissions ?? []).length + (group.IpPermissionsEgress ?? []).length;
    if (left > 0) throw new VerificationFailedError(`Default security group ${groupId} still has ${left} permission(s)`);
    return `Default security group ${groupId} has no ingress or egress permissions`;
  },
  rollback: rollbackRevokedRules,
});

export default defaultSecurityGroup;
