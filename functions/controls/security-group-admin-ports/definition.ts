import { EC2Client, type IpPermission, type SecurityGroupRule } from '@aws-sdk/client-ec2';
import * as z from 'zod';
import { InvalidInputError, VerificationFailedError } from '../../platform/errors';
import { unseenSignals } from '../../findings/evidence';
import type { ChangeRecord, Evidence, FindingRef, Plan } from '../../findings/types';
import { blastRadius, onlyAdminPorts, portsOpened, referencingGroups, RDP, SSH, WORLD_V4, WORLD_V6 } from '../shared/network-exposure';
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

/** The ports and sources each control forbids in security-group ingress. */
const SCOPES: Record<string, { ports: number[]; sources: string[] }> = {
  'EC2.13': { ports: [SSH], sources: [WORLD_V4, WORLD_V6] },
  'EC2.14': { ports: [RDP], sources: [WORLD_V4, WORLD_V6] },
  'EC2.53': { ports: [SSH, RDP], sources: [WORLD_V4] },
  'EC2.54': { ports: [SSH, RDP], sources: [WORLD_V6] },
};

const scopeOf = (controlId: string) => {
  const scope = SCOPES[controlId];
  if (!scope) throw new InvalidInputError(`Control ${controlId} is not an admin-port security group control`);
  return scope;
};

const offendingRules = (rules: SecurityGroupRule[], controlId: string): SecurityGroupRule[] => {
  const { ports, sources } = scopeOf(controlId);
  return rules.filter(
    (r) =>
      !r.IsEgress && sources.includes(r.CidrIpv4 ?? r.CidrIpv6 ?? '') && portsOpened(r.IpProtocol, r.FromPort, r.ToPort, ports).length > 0,
  );
};

/** The same test on DescribeSecurityGroups' IpPermissions, so verify does not reuse remediate's read. */
const offendingPermissions = (permissions: IpPermission[], controlId: string): string[] => {
  const { ports, sources } = scopeOf(controlId);
  return permissions.flatMap((p) => {
    const open = portsOpened(p.IpProtocol, p.FromPort, p.ToPort, ports);
    const world = [...(p.IpRanges ?? []).map((r) => r.CidrIp), ...(p.Ipv6Ranges ?? []).map((r) => r.CidrIpv6)].filter((c): c is string =>
      sources.includes(c ?? ''),
    );
    return open.length > 0 ? world.map((cidr) => `${p.IpProtocol} ${p.FromPort ?? 'all'}-${p.ToPort ?? 'all'} from ${cidr}`) : [];
  });
};

async function assess(finding: FindingRef, ctx: ControlContext): Promise<ControlAssessment<RevocationPlan>> {
  const ec2 = ctx.clients.at(EC2Client, targetOf(finding));
  const groupId = groupIdOf(finding);
  const group = await describeGroup(ec2, groupId);
  const offending = offendingRules(await rulesOf(ec2, groupId), finding.controlId);
  const label = `security group ${groupId} (${group.GroupName})`;
  if (offending.length === 0) {
    return {
      risk: 'low',
      riskReason: `${label} no longer allows the ports ${finding.controlId} covers from the internet`,
      evidence: [{ fact: `No ingress rule of ${label} fails ${finding.controlId}.`, source: 'ec2:DescribeSecurityGroupRules' }],
    };
  }

  const evidence: Evidence[] = offending.map((r) => ({
    fact: `Rule ${describeRule(r)} fails ${finding.controlId}.`,
    source: 'ec2:DescribeSecurityGroupRules',
  }));
  const target = targetOf(finding);
  const radius = await blastRadius(ec2, { Name: 'group-id', Values: [groupId] }, label, target, ctx);
  evidence.push(...radius.evidence, ...(await referencingGroups(ec2, groupId, target)));
  const highReasons = [...radius.highReasons];
  // Revoking a wide rule (all traffic, 0-65535) also closes its other ports to the internet: say so, and treat it as risky when in use.
  const wide = offending.filter((r) => !onlyAdminPorts(r.IpProtocol, r.FromPort, r.ToPort));
  for (const rule of wide) {
    evidence.push({
      fact: `Rule ${rule.SecurityGroupRuleId} opens more than admin ports: revoking it also closes those ports to the internet.`,
      source: 'ec2:DescribeSecurityGroupRules',
    });
    if (radius.interfaces.length > 0) highReasons.push(`rule ${rule.SecurityGroupRuleId} also opens non-admin ports of an in-use group`);
  }

  const ruleIds = offending.map((r) => r.SecurityGroupRuleId as string);
  const plan: Plan<RevocationPlan> = {
    summary:
      `Revoke ingress rule${ruleIds.length > 1 ? 's' : ''} ${offending.map(describeRule).join('; ')} of ${label} (the group ` +
      `and its other rules stay)`,
    steps: [`ec2:RevokeSecurityGroupIngress GroupId=${groupId} SecurityGroupRuleIds=${ruleIds.join(',')}`],
    reversible: true,
    // observed: the rules as assessed; a retry that finds one already gone records it as revoked (types.ts).
    parameters: { groupId, ruleIds, observed: { rules: offending.map(plannedRule) } },
  };
  if (highReasons.length > 0)
    return { risk: 'high', riskReason: `Revoking could cut access that is in use: ${highReasons.join('; ')}`, evidence, plan };
  const unseen = unseenSignals(evidence);
  if (unseen.length > 0)
    return { risk: 'unknown', riskReason: `Not every user of ${groupId} was seen: ${unseen.join(' ')}`, evidence, plan };
  return { risk: 'low', riskReason: `Nothing in use depends on ${ruleIds.join(', ')}`, evidence, plan };
}

/** The rules to revoke: at least one. */
const planSchema = revocationPlanSchema.extend({ ruleIds: z.array(z.string()).min(1) });

async function remediate(finding: FindingRef, plan: Plan<RevocationPlan>, ctx: ControlContext): Promise<ChangeRecord<RevocationChange>> {
  const { groupId, ruleIds } = plan.parameters;
  // Only the planned rules that still fail the control (a rule changed since Assess is left alone).
  return revokePlannedRules(
    ctx.clients.at(EC2Client, targetOf(finding)),
    plan,
    ctx,
    (live) => {
      const offending = offendingRules(live, finding.controlId);
      return (rule) => offending.includes(rule);
    },
    (revoked) =>
      revoked.length > 0
        ? `Revoked ingress rule${revoked.length > 1 ? 's' : ''} ${revoked.map(describeRule).join('; ')} of ${groupId}`
        : `Rules ${ruleIds.join(', ')} of ${groupId} were already gone`,
  );
}

export const securityGroupAdminPorts = defineControl({
  id: 'security-group-admin-ports',
  title: 'Security groups: no SSH/RDP from the internet',
  ids: ['EC2.13', 'EC2.14', 'EC2.53', 'EC2.54'],
  cisRefs: ['1.2.0/4.1', '1.2.0/4.2', '3.0.0/5.2', '3.0.0/5.3'],
  resourceTypes: ['AwsEc2SecurityGroup'],
  assesses:
    'The ingress rules that open 22/3389 to 0.0.0.0/0 or ::/0, the network interfaces using the group (instances with state ' +
    'and production tags, load balancers, other services), security groups referencing it, production accounts',
  changes: 'Revokes only the offending ingress rules by rule id (exact protocol, ports, source); never the group or its other rules',
  reversible: true,
  automation: 'automated',
  defaultMode: 'on-request',
  signals: [
    {
      signal:
        'Every network interface using the group, by owner (instances, load balancers, Lambda, RDS, EKS, endpoints, NAT, EFS, ECS, ' +
        'other services)',
      source: 'ec2:DescribeNetworkInterfaces group-id filter in the finding\u2019s account and region, current configuration',
      blindSpots:
        'Interfaces in other accounts using a shared group (VPC sharing); whether anyone actually connects on 22/3389 (no flow logs read)',
      whenMissing: 'Unreadable (access denied, throttled, not offered): an unseen line, risk unknown, a person decides',
    },
    {
      signal: 'State and production tags of the instances behind those interfaces',
      source: 'ec2:DescribeInstances in the finding\u2019s account and region, current configuration',
      blindSpots: 'Instances of another account (shared VPC): said as unseen',
      whenMissing: 'Unreadable (access denied, throttled, not offered): an unseen line, risk unknown, a person decides',
    },
    {
      signal: 'Security groups whose rules name this group, here and in peered VPCs / across transit gateways',
      source:
        'ec2:DescribeSecurityGroups ip-permission.group-id filters, ec2:DescribeSecurityGroupReferences in the finding\u2019s ' +
        'account and region, current configuration',
      blindSpots: 'References from other regions (a group id is regional)',
      whenMissing: 'Unreadable (access denied, throttled, not offered): an unseen line, risk unknown, a person decides',
    },
  ],
  planSchema,
  changeSchema: revocationChangeSchema,
  permissions: revocationPermissions,
  assess,
  remediate,
  async verify(finding, change, ctx) {
    const groupId = change.after.groupId;
    const group = await describeGroup(ctx.clients.at(EC2Client, targetOf(finding)), groupId);
    const still = offendingPermissions(group.IpPermissions ?? [], finding.controlId);
    if (still.length > 0) throw new VerificationFailedError(`Security group ${groupId} still allows ${still.join('; ')}`);
    return `Security group ${groupId} allows none of the ports ${finding.controlId} covers from the internet`;
  },
  rollback: rollbackRevokedRules,
});

export default securityGroupAdminPorts;
