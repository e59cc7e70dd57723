import {
  DescribeNetworkAclsCommand,
  EC2Client,
  ReplaceNetworkAclEntryCommand,
  type NetworkAcl,
  type NetworkAclEntry,
  type RuleAction,
} from '@aws-sdk/client-ec2';
import * as z from 'zod';
import { InvalidInputError, RemediationError, ResourceNotFoundError, VerificationFailedError } from '../../platform/errors';
import { unseenSignals } from '../../findings/evidence';
import type { ChangeRecord, Evidence, FindingRef, Plan } from '../../findings/types';
import { defineControl } from '../define-control';
import { blastRadius, onlyAdminPorts, portLabel, portsOpened, RDP, SSH, WORLD_V4, WORLD_V6 } from '../shared/network-exposure';
import { inRegion, NOW } from '../shared/signals';
import { targetOf, type ControlAssessment, type ControlContext } from '../types';

/**
 * EC2.21: no inbound network ACL entry may allow 22 or 3389 from 0.0.0.0/0 or ::/0. AWS Config flags the
 * allow entry itself whatever comes before it, so a deny inserted ahead of it would not pass: the entry must change.
 * hubfix replaces an entry that opens only an admin port with a deny of the same protocol, port and CIDR
 * (same rule number): nothing else the subnet receives changes. An entry that also opens other ports
 * (all traffic, 0-65535) is left alone: replacing it would cut everything else it lets in (for the
 * default ACL, the whole subnet), so a person must split it first; the finding is marked blocked.
 */
const ADMIN_PORTS = [SSH, RDP];

const aclIdOf = (finding: FindingRef): string => {
  const details = finding.resource.details?.AwsEc2NetworkAcl as { NetworkAclId?: string } | undefined;
  const id = /acl-[0-9a-f]{8,17}/.exec(finding.resource.canonicalId)?.[0] ?? details?.NetworkAclId;
  if (!id) throw new InvalidInputError(`Resource ${finding.resource.id} does not name a network ACL`);
  return id;
};

const describeAcl = async (ec2: EC2Client, aclId: string): Promise<NetworkAcl> => {
  try {
    const acl = (await ec2.send(new DescribeNetworkAclsCommand({ NetworkAclIds: [aclId] }))).NetworkAcls?.[0];
    if (acl) return acl;
  } catch (error) {
    if ((error as Error).name !== 'InvalidNetworkAclID.NotFound') throw error;
  }
  throw new ResourceNotFoundError(`Network ACL ${aclId} no longer exists`);
};

const offending = (entries: NetworkAclEntry[]): NetworkAclEntry[] =>
  entries.filter(
    (e) =>
      !e.Egress &&
      e.RuleAction === 'allow' &&
      (e.CidrBlock === WORLD_V4 || e.Ipv6CidrBlock === WORLD_V6) &&
      portsOpened(e.Protocol, e.PortRange?.From, e.PortRange?.To, ADMIN_PORTS).length > 0,
  );

const isNarrow = (e: NetworkAclEntry): boolean => onlyAdminPorts(e.Protocol, e.PortRange?.From, e.PortRange?.To);
const describeEntry = (e: NetworkAclEntry): string =>
  `inbound entry ${e.RuleNumber} (${e.RuleAction} ${portLabel(e.Protocol, e.PortRange?.From, e.PortRange?.To)} from ` +
  `${e.CidrBlock ?? e.Ipv6CidrBlock})`;

/** The entry exactly as ReplaceNetworkAclEntry takes it; JSON-safe for the plan and the change record. */
const entrySchema = z.object({
  RuleNumber: z.number(),
  Protocol: z.string(),
  RuleAction: z.enum(['allow', 'deny']),
  Egress: z.boolean(),
  CidrBlock: z.string().optional(),
  Ipv6CidrBlock: z.string().optional(),
  PortRange: z.object({ From: z.number().optional(), To: z.number().optional() }).optional(),
  IcmpTypeCode: z.object({ Code: z.number().optional(), Type: z.number().optional() }).optional(),
});
type EntryInput = z.infer<typeof entrySchema>;

/** The ACL and its entries: in a plan, the allow entries to replace as assessed; in a change record, the entries as set. */
const entriesSchema = z.object({ networkAclId: z.string(), entries: z.array(entrySchema) });
type AclEntries = z.infer<typeof entriesSchema>;

const entryInput = (e: NetworkAclEntry): EntryInput => ({
  RuleNumber: e.RuleNumber as number,
  Protocol: e.Protocol as string,
  RuleAction: e.RuleAction as RuleAction,
  Egress: Boolean(e.Egress),
  ...(e.CidrBlock ? { CidrBlock: e.CidrBlock } : {}),
  ...(e.Ipv6CidrBlock ? { Ipv6CidrBlock: e.Ipv6CidrBlock } : {}),
  ...(e.PortRange ? { PortRange: { From: e.PortRange.From, To: e.PortRange.To } } : {}),
  ...(e.IcmpTypeCode ? { IcmpTypeCode: { Code: e.IcmpTypeCode.Code, Type: e.IcmpTypeCode.Type } } : {}),
});
const sameEntry = (a: NetworkAclEntry, b: NetworkAclEntry): boolean => JSON.stringify(entryInput(a)) === JSON.stringify(entryInput(b));

async function assess(finding: FindingRef, ctx: ControlContext): Promise<ControlAssessment<AclEntries>> {
  const ec2 = ctx.clients.at(EC2Client, targetOf(finding));
  const aclId = aclIdOf(finding);
  const acl = await describeAcl(ec2, aclId);
  const found = offending(acl.Entries ?? []);
  if (found.length === 0) {
    return {
      risk: 'low',
      riskReason: `Network ACL ${aclId} no longer allows 22 or 3389 from the internet`,
      evidence: [{ fact: `No inbound allow entry of ${aclId} opens 22 or 3389 to 0.0.0.0/0 or ::/0.`, source: 'ec2:DescribeNetworkAcls' }],
    };
  }

  const subnets = (acl.Associations ?? []).map((a) => a.SubnetId as string);
  const evidence: Evidence[] = [
    ...found.map((e) => ({
      fact: `Network ACL ${aclId}${acl.IsDefault ? ' (the VPC default)' : ''} has ${describeEntry(e)}.`,
      source: 'ec2:DescribeNetworkAcls',
    })),
    {
      fact: subnets.length > 0 ? `${aclId} is associated with ${subnets.join(', ')}.` : `${aclId} is associated with no subnet.`,
      source: 'ec2:DescribeNetworkAcls',
      where: inRegion(finding.accountId, finding.resource.region),
      window: NOW,
    },
  ];
  const subject = subnets.length > 0 ? `subnet(s) ${subnets.join(', ')}` : `network ACL ${aclId}`;
  // What runs in the subnets: every interface in them, whatever owns it (an ACL without subnets guards nothing).
  const radius =
    subnets.length > 0
      ? await blastRadius(ec2, { Name: 'subnet-id', Values: subnets }, subject, targetOf(finding), ctx)
      : { evidence: [], highReasons: [], interfaces: [], unseen: false };
  evidence.push(...radius.evidence);

  const wide = found.filter((e) => !isNarrow(e));
  if (wide.length > 0) {
    return {
      risk: 'high',
      blocked: true,
      riskReason:
        `${wide.map(describeEntry).join('; ')} also let${wide.length > 1 ? '' : 's'} in other traffic to ${subject}; replacing ` +
        `${wide.length > 1 ? 'them' : 'it'} with a deny would cut that too. ` +
        'Split it into allow entries that leave out 22 and 3389 (or restrict its CIDR), then run the action again',
      evidence,
    };
  }
  const entries = found.map(entryInput);
  const plan: Plan<AclEntries> = {
    summary:
      `Replace ${found.map(describeEntry).join('; ')} of ${aclId} with a deny of the same protocol, port and source (same ` +
      `rule number)`,
    steps: entries.map(
      (e) =>
        `ec2:ReplaceNetworkAclEntry NetworkAclId=${aclId} RuleNumber=${e.RuleNumber} Protocol=${e.Protocol} RuleAction=deny ` +
        `PortRange=${e.PortRange?.From}-${e.PortRange?.To} ` +
        (e.CidrBlock ? `CidrBlock=${e.CidrBlock}` : `Ipv6CidrBlock=${e.Ipv6CidrBlock}`),
    ),
    reversible: true,
    parameters: { networkAclId: aclId, entries },
  };
  if (radius.highReasons.length > 0)
    return {
      risk: 'high',
      riskReason: `Denying admin ports could cut access that is in use: ${radius.highReasons.join('; ')}`,
      evidence,
      plan,
    };
  const unseen = unseenSignals(evidence);
  if (unseen.length > 0)
    return { risk: 'unknown', riskReason: `Not everything in the subnets of ${aclId} was seen: ${unseen.join(' ')}`, evidence, plan };
  return { risk: 'low', riskReason: `Nothing in use sits behind ${aclId}'s admin-port entries`, evidence, plan };
}

const replaceEntries = async (ec2: EC2Client, aclId: string, entries: NetworkAclEntry[]): Promise<void> => {
  const done: number[] = [];
  for (const entry of entries) {
    try {
      await ec2.send(new ReplaceNetworkAclEntryCommand({ NetworkAclId: aclId, ...entryInput(entry) }));
      done.push(entry.RuleNumber as number);
    } catch (error) {
      const already = done.length > 0 ? `entries ${done.join(', ')} were already replaced` : 'nothing was changed';
      throw new RemediationError(
        `Replacing entry ${entry.RuleNumber} of ${aclId} failed (${(error as Error).name}: ${(error as Error).message}); ${already}`,
        { cause: error },
      );
    }
  }
};

async function remediate(finding: FindingRef, plan: Plan<AclEntries>, ctx: ControlContext): Promise<ChangeRecord<AclEntries>> {
  const ec2 = ctx.clients.at(EC2Client, targetOf(finding));
  const { networkAclId, entries } = plan.parameters;
  // Only entries still exactly as assessed (one edited since then was not what the approver saw), and those an earlier
  // attempt of this step already replaced with the deny: the plan's entries are what they were (types.ts, rule 2).
  const current = (await describeAcl(ec2, networkAclId)).Entries ?? [];
  const denyOf = (e: EntryInput): EntryInput => ({ ...e, RuleAction: 'deny' as const });
  const planned = entries;
  const toReplace = planned.filter((p) => current.some((e) => sameEntry(e, p)));
  const before = planned.filter((p) => toReplace.includes(p) || current.some((e) => sameEntry(e, denyOf(p))));
  const after = before.map(denyOf);
  await replaceEntries(ec2, networkAclId, toReplace.map(denyOf));
  return {
    summary:
      before.length > 0
        ? `Replaced ${before.map(describeEntry).join('; ')} of ${networkAclId} with a deny`
        : `The planned entries of ${networkAclId} had already changed`,
    before: { networkAclId, entries: before },
    after: { networkAclId, entries: after },
    changedAt: ctx.now().toISOString(),
    reversible: true,
  };
}

export const networkAclAdminPorts = defineControl({
  id: 'network-acl-admin-ports',
  title: 'Network ACLs: no SSH/RDP from the internet',
  ids: ['EC2.21'],
  cisRefs: ['1.4.0/5.1', '3.0.0/5.1'],
  resourceTypes: ['AwsEc2NetworkAcl'],
  assesses:
    'Inbound allow entries opening 22/3389 to 0.0.0.0/0 or ::/0, the subnets associated with the ACL and the instances, load balancers ' +
    'and other interfaces in them',
  changes:
    'Replaces an allow entry that opens only 22 or 3389 with a deny of the same protocol, port and CIDR (same rule number); ' +
    'an entry that also opens other ports is left for a person (blocked)',
  reversible: true,
  automation: 'automated',
  defaultMode: 'on-request',
  signals: [
    {
      signal: 'The subnets associated with the ACL',
      source: 'ec2:DescribeNetworkAcls in the finding\u2019s account and region, current configuration',
      blindSpots: 'Nothing about use: an association is configuration',
      whenMissing: 'The read fails the assessment: nothing is changed and the finding is annotated with what failed',
    },
    {
      signal: 'Everything running in those subnets, by owner (instances, load balancers, Lambda, RDS, EKS, endpoints, NAT, EFS, \u2026)',
      source:
        'ec2:DescribeNetworkInterfaces subnet-id filter, ec2:DescribeInstances in the finding\u2019s account and region, current ' +
        'configuration',
      blindSpots:
        'Interfaces of other accounts in a shared subnet; whether anyone connects on 22/3389 from the internet (no flow logs read)',
      whenMissing: 'Unreadable (access denied, throttled, not offered): an unseen line, risk unknown, a person decides',
    },
  ],
  planSchema: entriesSchema,
  changeSchema: entriesSchema,
  permissions: {
    // ReplaceNetworkAclEntry both turns the allow into a deny and, on rollback, restores the allow.
    assess: ['ec2:DescribeNetworkAcls', 'ec2:DescribeNetworkInterfaces', 'ec2:DescribeInstances'],
    verify: ['ec2:DescribeNetworkAcls'],
    remediate: ['ec2:DescribeNetworkAcls', 'ec2:ReplaceNetworkAclEntry'],
    rollback: ['ec2:ReplaceNetworkAclEntry'],
  },
  assess,
  remediate,
  async verify(finding, change, ctx) {
    const aclId = change.after.networkAclId;
    const still = offending((await describeAcl(ctx.clients.at(EC2Client, targetOf(finding)), aclId)).Entries ?? []);
    if (still.length > 0) throw new VerificationFailedError(`Network ACL ${aclId} still has ${still.map(describeEntry).join('; ')}`);
    return `Network ACL ${aclId} has no inbound allow entry for 22 or 3389 from the internet`;
  },
  async rollback(finding, change, ctx) {
    const { networkAclId: aclId, entries } = change.before;
    await replaceEntries(ctx.clients.at(EC2Client, targetOf(finding)), aclId, entries);
    return {
      summary: `Restored ${entries.map(describeEntry).join('; ')} of ${aclId}`,
      before: { networkAclId: aclId, entries: change.after.entries },
      after: { networkAclId: aclId, entries },
      changedAt: ctx.now().toISOString(),
      reversible: true,
    };
  },
});

export default networkAclAdminPorts;
