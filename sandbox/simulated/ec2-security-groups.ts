import * as z from 'zod';
import { tagsSchema } from './dates';
import { defineModule, SimulatedServiceError, tagList } from './service';

/**
 * VPC security groups (rules with sgr- ids), network interfaces and network ACLs of EC2Client. Mimics
 * what the network controls depend on: rules are stored one source each (as DescribeSecurityGroupRules
 * shows them) and grouped into IpPermissions by DescribeSecurityGroups; "-1" rules have no ports; a
 * re-authorized rule gets a new id; the error names are EC2's.
 */

const PROTOCOL_NAMES: Record<string, string> = { '6': 'tcp', '17': 'udp', '1': 'icmp', '58': 'icmpv6' };
const PROTOCOL_NUMBERS: Record<string, string> = { tcp: '6', udp: '17', icmp: '1', icmpv6: '58', all: '-1' };
/** Security group rules name protocols ("tcp"); network ACL entries number them ("6"). */
const sgProtocol = (p: string): string => PROTOCOL_NAMES[p] ?? p.toLowerCase();
const aclProtocol = (p: string): string => PROTOCOL_NUMBERS[p.toLowerCase()] ?? p;

const ruleSchema = z
  .object({
    ruleId: z
      .string()
      .regex(/^sgr-[0-9a-f]{8,17}$/)
      .optional()
      .describe('Absent: an id is generated'),
    protocol: z.string().default('tcp').describe('"tcp", "udp", "icmp", "-1" (all traffic) or a protocol number'),
    fromPort: z.number().int().optional(),
    toPort: z.number().int().optional(),
    cidrIpv4: z.string().optional(),
    cidrIpv6: z.string().optional(),
    prefixListId: z.string().optional(),
    referencedGroupId: z.string().optional().describe('Another security group (or this one) as the source/destination'),
    description: z.string().optional(),
  })
  .refine(
    (r) => [r.cidrIpv4, r.cidrIpv6, r.prefixListId, r.referencedGroupId].filter(Boolean).length === 1,
    'exactly one of cidrIpv4, cidrIpv6, prefixListId, referencedGroupId',
  );

const allTrafficOut = { protocol: '-1', cidrIpv4: '0.0.0.0/0' };

const securityGroup = z.object({
  groupId: z.string().regex(/^sg-[0-9a-f]{8,17}$/),
  groupName: z.string().default('hubfix-sim'),
  description: z.string().default('simulated security group'),
  vpcId: z.string().default('vpc-0sim0000000000001'),
  region: z.string().default('us-east-1'),
  tags: tagsSchema,
  ingress: z.array(ruleSchema).default([]),
  egress: z.array(ruleSchema).default([allTrafficOut]).describe('Default: all traffic to 0.0.0.0/0, as EC2 creates it'),
  referencedFrom: z
    .array(
      z.object({
        referencingVpcId: z.string(),
        vpcPeeringConnectionId: z.string().optional(),
        transitGatewayId: z.string().optional(),
      }),
    )
    .default([])
    .describe('VPCs across a peering connection or transit gateway whose security groups name this group'),
});

const networkInterface = z.object({
  networkInterfaceId: z.string().regex(/^eni-[0-9a-f]{8,17}$/),
  region: z.string().default('us-east-1'),
  subnetId: z.string().default('subnet-0sim000000000001'),
  vpcId: z.string().default('vpc-0sim0000000000001'),
  groups: z.array(z.string()).default([]),
  instanceId: z.string().optional().describe('The attached instance, if any'),
  interfaceType: z.string().default('interface').describe('"interface", "network_load_balancer", "lambda", "vpc_endpoint", …'),
  description: z.string().default('').describe('An ALB/CLB interface reads "ELB app/<name>/<id>"'),
  requesterManaged: z.boolean().default(false),
  requesterId: z.string().optional().describe('The service that created a requester-managed interface, e.g. "amazon-rds"'),
});

const aclEntry = z.object({
  ruleNumber: z.number().int().min(1).max(32767),
  protocol: z.string().default('6').describe('"-1" (all), "6" (tcp), "17" (udp), …'),
  ruleAction: z.enum(['allow', 'deny']),
  egress: z.boolean().default(false),
  cidrBlock: z.string().optional(),
  ipv6CidrBlock: z.string().optional(),
  portRange: z.object({ from: z.number().int(), to: z.number().int() }).optional(),
});

const networkAcl = z.object({
  networkAclId: z.string().regex(/^acl-[0-9a-f]{8,17}$/),
  vpcId: z.string().default('vpc-0sim0000000000001'),
  region: z.string().default('us-east-1'),
  isDefault: z.boolean().default(false),
  subnetIds: z.array(z.string()).default([]),
  tags: tagsSchema,
  entries: z.array(aclEntry).default([]).describe('The "*" deny-all entries (32767) are added for you'),
});

export interface RuleState {
  ruleId: string;
  protocol: string;
  fromPort?: number;
  toPort?: number;
  cidrIpv4?: string;
  cidrIpv6?: string;
  prefixListId?: string;
  referencedGroupId?: string;
  description?: string;
}
export interface GroupState extends Omit<z.infer<typeof securityGroup>, 'ingress' | 'egress'> {
  ingress: RuleState[];
  egress: RuleState[];
}
export type InterfaceState = z.infer<typeof networkInterface>;
export type AclEntryState = z.infer<typeof aclEntry>;
export type AclState = z.infer<typeof networkAcl>;
export interface NetworkState {
  groups: GroupState[];
  interfaces: InterfaceState[];
  acls: AclState[];
  nextRule: number;
}

type Filter = { Name: string; Values: string[] };
type Input = Record<string, unknown>;

const newRuleId = (state: NetworkState): string => `sgr-${(state.nextRule++).toString(16).padStart(17, '0')}`;

const toRule = (state: NetworkState, rule: z.infer<typeof ruleSchema>): RuleState => {
  const protocol = sgProtocol(rule.protocol);
  const ports = protocol === '-1' ? {} : { fromPort: rule.fromPort, toPort: rule.toPort };
  return { ...rule, ...ports, protocol, ruleId: rule.ruleId ?? newRuleId(state) };
};

const sourceKey = (r: RuleState): string => r.cidrIpv4 ?? r.cidrIpv6 ?? r.prefixListId ?? `sg:${r.referencedGroupId}`;
const sameRule = (a: RuleState, b: Omit<RuleState, 'ruleId'>): boolean =>
  a.protocol === b.protocol && a.fromPort === b.fromPort && a.toPort === b.toPort && sourceKey(a) === sourceKey(b as RuleState);

/** One rule per source of each IpPermission, as EC2 stores them. */
const rulesOfPermissions = (permissions: Input[]): Omit<RuleState, 'ruleId'>[] =>
  permissions.flatMap((p) => {
    const protocol = sgProtocol(String(p.IpProtocol ?? '-1'));
    const base = protocol === '-1' ? { protocol } : { protocol, fromPort: p.FromPort as number, toPort: p.ToPort as number };
    type Source = { CidrIp?: string; CidrIpv6?: string; PrefixListId?: string; GroupId?: string; Description?: string };
    const list = (key: string) => (p[key] ?? []) as Source[];
    const rules = [
      ...list('IpRanges').map((s) => ({ ...base, cidrIpv4: s.CidrIp, description: s.Description })),
      ...list('Ipv6Ranges').map((s) => ({ ...base, cidrIpv6: s.CidrIpv6, description: s.Description })),
      ...list('PrefixListIds').map((s) => ({ ...base, prefixListId: s.PrefixListId, description: s.Description })),
      ...list('UserIdGroupPairs').map((s) => ({ ...base, referencedGroupId: s.GroupId, description: s.Description })),
    ];
    if (rules.length === 0)
      throw new SimulatedServiceError(
        'MissingParameter',
        'The request must contain the parameter ipPermissions source (CIDR, prefix list or group)',
      );
    return rules;
  });

/** DescribeSecurityGroups' IpPermissions: rules sharing protocol and ports grouped, sources listed by kind. */
const permissionsOf = (rules: RuleState[], accountId: string): Input[] => {
  const byKey = new Map<string, Input>();
  for (const r of rules) {
    const key = `${r.protocol}|${r.fromPort}|${r.toPort}`;
    let p = byKey.get(key);
    if (!p) {
      p = {
        IpProtocol: r.protocol,
        ...(r.protocol === '-1' ? {} : { FromPort: r.fromPort, ToPort: r.toPort }),
        IpRanges: [],
        Ipv6Ranges: [],
        PrefixListIds: [],
        UserIdGroupPairs: [],
      };
      byKey.set(key, p);
    }
    const withDescription = <T extends object>(source: T) =>
      r.description === undefined ? source : { ...source, Description: r.description };
    if (r.cidrIpv4) (p.IpRanges as Input[]).push(withDescription({ CidrIp: r.cidrIpv4 }));
    if (r.cidrIpv6) (p.Ipv6Ranges as Input[]).push(withDescription({ CidrIpv6: r.cidrIpv6 }));
    if (r.prefixListId) (p.PrefixListIds as Input[]).push(withDescription({ PrefixListId: r.prefixListId }));
    if (r.referencedGroupId) (p.UserIdGroupPairs as Input[]).push(withDescription({ GroupId: r.referencedGroupId, UserId: accountId }));
  }
  return [...byKey.values()];
};

const ruleView = (group: GroupState, r: RuleState, isEgress: boolean, accountId: string): Input => ({
  SecurityGroupRuleId: r.ruleId,
  GroupId: group.groupId,
  GroupOwnerId: accountId,
  IsEgress: isEgress,
  IpProtocol: r.protocol,
  FromPort: r.protocol === '-1' ? -1 : r.fromPort,
  ToPort: r.protocol === '-1' ? -1 : r.toPort,
  CidrIpv4: r.cidrIpv4,
  CidrIpv6: r.cidrIpv6,
  PrefixListId: r.prefixListId,
  ReferencedGroupInfo: r.referencedGroupId ? { GroupId: r.referencedGroupId, UserId: accountId } : undefined,
  Description: r.description,
  Tags: [],
});

const unsupported = (filter: Filter): never => {
  throw new SimulatedServiceError('InvalidParameterValue', `The simulated account does not support the filter ${filter.Name}`);
};

const groupMatches = (g: GroupState, f: Filter): boolean => {
  switch (f.Name) {
    case 'group-id':
      return f.Values.includes(g.groupId);
    case 'group-name':
      return f.Values.includes(g.groupName);
    case 'vpc-id':
      return f.Values.includes(g.vpcId);
    case 'ip-permission.group-id':
      return g.ingress.some((r) => r.referencedGroupId && f.Values.includes(r.referencedGroupId));
    case 'egress.ip-permission.group-id':
      return g.egress.some((r) => r.referencedGroupId && f.Values.includes(r.referencedGroupId));
    default:
      return unsupported(f);
  }
};

const interfaceMatches = (i: InterfaceState, f: Filter): boolean => {
  switch (f.Name) {
    case 'group-id':
      return i.groups.some((g) => f.Values.includes(g));
    case 'subnet-id':
      return f.Values.includes(i.subnetId);
    case 'vpc-id':
      return f.Values.includes(i.vpcId);
    case 'attachment.instance-id':
      return i.instanceId !== undefined && f.Values.includes(i.instanceId);
    case 'network-interface-id':
      return f.Values.includes(i.networkInterfaceId);
    default:
      return unsupported(f);
  }
};

const aclMatches = (a: AclState, f: Filter): boolean => {
  switch (f.Name) {
    case 'network-acl-id':
      return f.Values.includes(a.networkAclId);
    case 'vpc-id':
      return f.Values.includes(a.vpcId);
    case 'association.subnet-id':
      return a.subnetIds.some((s) => f.Values.includes(s));
    case 'default':
      return f.Values.includes(String(a.isDefault));
    default:
      return unsupported(f);
  }
};

const entryView = (e: AclEntryState): Input => ({
  RuleNumber: e.ruleNumber,
  Protocol: e.protocol,
  RuleAction: e.ruleAction,
  Egress: e.egress,
  ...(e.cidrBlock ? { CidrBlock: e.cidrBlock } : {}),
  ...(e.ipv6CidrBlock ? { Ipv6CidrBlock: e.ipv6CidrBlock } : {}),
  ...(e.portRange ? { PortRange: { From: e.portRange.from, To: e.portRange.to } } : {}),
});

/** EC2 appends an unchangeable "*" deny-all entry (rule 32767) in each direction, for IPv4 and IPv6. */
const withDenyAll = (entries: AclEntryState[]): AclEntryState[] => {
  const star = (egress: boolean, v6: boolean): AclEntryState => ({
    ruleNumber: 32767,
    protocol: '-1',
    ruleAction: 'deny',
    egress,
    ...(v6 ? { ipv6CidrBlock: '::/0' } : { cidrBlock: '0.0.0.0/0' }),
  });
  const has = (e: AclEntryState, egress: boolean, v6: boolean) =>
    e.ruleNumber === 32767 && e.egress === egress && Boolean(e.ipv6CidrBlock) === v6;
  const stars = [false, true]
    .flatMap((egress) => [false, true].map((v6) => ({ egress, v6 })))
    .filter(({ egress, v6 }) => !entries.some((e) => has(e, egress, v6)));
  return [...entries.map((e) => ({ ...e, protocol: aclProtocol(e.protocol) })), ...stars.map(({ egress, v6 }) => star(egress, v6))];
};

const filtered = <T>(items: T[], filters: Filter[], matches: (item: T, filter: Filter) => boolean): T[] =>
  items.filter((item) => filters.every((f) => matches(item, f)));

export const ec2SecurityGroupsModule = defineModule({
  key: 'ec2Network',
  clientName: 'EC2Client',
  fixture: z
    .object({
      securityGroups: z.array(securityGroup).default([]),
      networkInterfaces: z.array(networkInterface).default([]),
      networkAcls: z.array(networkAcl).default([]),
    })
    .prefault({}),
  load: (fixture): NetworkState => {
    const state: NetworkState = { groups: [], interfaces: [], acls: [], nextRule: 0x5100 };
    state.groups = fixture.securityGroups.map((g) => ({
      ...g,
      tags: { ...g.tags },
      ingress: g.ingress.map((r) => toRule(state, r)),
      egress: g.egress.map((r) => toRule(state, r)),
    }));
    state.interfaces = fixture.networkInterfaces.map((i) => ({ ...i, groups: [...i.groups] }));
    state.acls = fixture.networkAcls.map((a) => ({
      ...a,
      tags: { ...a.tags },
      subnetIds: [...a.subnetIds],
      entries: withDenyAll(a.entries),
    }));
    return state;
  },
  commands: (state) => {
    const groupsIn = (accountId: string, region: string) => state(accountId).groups.filter((g) => g.region === region);
    const group = (accountId: string, region: string, groupId: unknown): GroupState => {
      const found = groupsIn(accountId, region).find((g) => g.groupId === groupId);
      if (!found) throw new SimulatedServiceError('InvalidGroup.NotFound', `The security group '${String(groupId)}' does not exist`);
      return found;
    };
    const acl = (accountId: string, region: string, aclId: unknown): AclState => {
      const found = state(accountId).acls.find((a) => a.region === region && a.networkAclId === aclId);
      if (!found) throw new SimulatedServiceError('InvalidNetworkAclID.NotFound', `The network ACL '${String(aclId)}' does not exist`);
      return found;
    };

    const revoke = (direction: 'ingress' | 'egress') => (input: Input, ctx: { accountId: string; region: string }) => {
      const g = group(ctx.accountId, ctx.region, input.GroupId);
      const rules = g[direction];
      const ids = input.SecurityGroupRuleIds as string[] | undefined;
      let doomed: RuleState[];
      if (ids && ids.length > 0) {
        const missing = ids.filter((id) => !rules.some((r) => r.ruleId === id));
        if (missing.length > 0)
          throw new SimulatedServiceError(
            'InvalidSecurityGroupRuleId.NotFound',
            `The security group rule ID '${missing[0]}' does not exist`,
          );
        doomed = rules.filter((r) => ids.includes(r.ruleId));
      } else {
        const wanted = rulesOfPermissions((input.IpPermissions ?? []) as Input[]);
        const missing = wanted.find((w) => !rules.some((r) => sameRule(r, w)));
        if (missing)
          throw new SimulatedServiceError('InvalidPermission.NotFound', 'The specified rule does not exist in this security group.');
        doomed = rules.filter((r) => wanted.some((w) => sameRule(r, w)));
      }
      g[direction] = rules.filter((r) => !doomed.includes(r));
      return {
        Return: true,
        RevokedSecurityGroupRules: doomed.map((r) => ({
          SecurityGroupRuleId: r.ruleId,
          GroupId: g.groupId,
          IsEgress: direction === 'egress',
        })),
      };
    };

    const authorize = (direction: 'ingress' | 'egress') => (input: Input, ctx: { accountId: string; region: string }) => {
      const g = group(ctx.accountId, ctx.region, input.GroupId);
      const wanted = rulesOfPermissions((input.IpPermissions ?? []) as Input[]);
      const duplicate = wanted.find((w) => g[direction].some((r) => sameRule(r, w)));
      if (duplicate) {
        throw new SimulatedServiceError(
          'InvalidPermission.Duplicate',
          `the specified rule "peer: ${sourceKey(duplicate as RuleState)}, ${duplicate.protocol.toUpperCase()}, from port: ` +
            `${duplicate.fromPort ?? 'all'}, to port: ${duplicate.toPort ?? 'all'}, ALLOW" already exists`,
        );
      }
      for (const w of wanted) {
        if (w.referencedGroupId && !state(ctx.accountId).groups.some((other) => other.groupId === w.referencedGroupId)) {
          throw new SimulatedServiceError('InvalidGroup.NotFound', `The security group '${w.referencedGroupId}' does not exist`);
        }
      }
      const added = wanted.map((w) => ({ ...w, ruleId: newRuleId(state(ctx.accountId)) }));
      g[direction].push(...added);
      return { Return: true, SecurityGroupRules: added.map((r) => ruleView(g, r, direction === 'egress', ctx.accountId)) };
    };

    return {
      DescribeSecurityGroups: (input, ctx) => {
        const ids = (input.GroupIds ?? []) as string[];
        const missing = ids.find((id) => !groupsIn(ctx.accountId, ctx.region).some((g) => g.groupId === id));
        if (missing) throw new SimulatedServiceError('InvalidGroup.NotFound', `The security group '${missing}' does not exist`);
        const found = filtered(groupsIn(ctx.accountId, ctx.region), (input.Filters ?? []) as Filter[], groupMatches).filter(
          (g) => ids.length === 0 || ids.includes(g.groupId),
        );
        return {
          SecurityGroups: found.map((g) => ({
            GroupId: g.groupId,
            GroupName: g.groupName,
            Description: g.description,
            VpcId: g.vpcId,
            OwnerId: ctx.accountId,
            IpPermissions: permissionsOf(g.ingress, ctx.accountId),
            IpPermissionsEgress: permissionsOf(g.egress, ctx.accountId),
            Tags: tagList(g.tags),
          })),
        };
      },
      DescribeSecurityGroupRules: (input, ctx) => {
        const ids = (input.SecurityGroupRuleIds ?? []) as string[];
        const rules = groupsIn(ctx.accountId, ctx.region).flatMap((g) => [
          ...g.ingress.map((r) => ({ g, r, egress: false })),
          ...g.egress.map((r) => ({ g, r, egress: true })),
        ]);
        const missing = ids.find((id) => !rules.some(({ r }) => r.ruleId === id));
        if (missing)
          throw new SimulatedServiceError('InvalidSecurityGroupRuleId.NotFound', `The security group rule ID '${missing}' does not exist`);
        const filters = (input.Filters ?? []) as Filter[];
        const found = rules.filter(
          ({ g, r }) =>
            (ids.length === 0 || ids.includes(r.ruleId)) &&
            filters.every((f) =>
              f.Name === 'group-id'
                ? f.Values.includes(g.groupId)
                : f.Name === 'security-group-rule-id'
                  ? f.Values.includes(r.ruleId)
                  : unsupported(f),
            ),
        );
        return { SecurityGroupRules: found.map(({ g, r, egress }) => ruleView(g, r, egress, ctx.accountId)) };
      },
      RevokeSecurityGroupIngress: revoke('ingress'),
      RevokeSecurityGroupEgress: revoke('egress'),
      AuthorizeSecurityGroupIngress: authorize('ingress'),
      AuthorizeSecurityGroupEgress: authorize('egress'),
      DescribeSecurityGroupReferences: (input, ctx) => {
        const ids = (input.GroupId ?? []) as string[];
        if (ids.length === 0) throw new SimulatedServiceError('MissingParameter', 'The request must contain the parameter groupId');
        return {
          SecurityGroupReferenceSet: ids.flatMap((id) =>
            group(ctx.accountId, ctx.region, id).referencedFrom.map((r) => ({
              GroupId: id,
              ReferencingVpcId: r.referencingVpcId,
              ...(r.vpcPeeringConnectionId ? { VpcPeeringConnectionId: r.vpcPeeringConnectionId } : {}),
              ...(r.transitGatewayId ? { TransitGatewayId: r.transitGatewayId } : {}),
            })),
          ),
        };
      },
      DescribeNetworkInterfaces: (input, ctx) => {
        const ids = (input.NetworkInterfaceIds ?? []) as string[];
        const found = filtered(
          state(ctx.accountId).interfaces.filter((i) => i.region === ctx.region),
          (input.Filters ?? []) as Filter[],
          interfaceMatches,
        ).filter((i) => ids.length === 0 || ids.includes(i.networkInterfaceId));
        const names = new Map(state(ctx.accountId).groups.map((g) => [g.groupId, g.groupName]));
        return {
          NetworkInterfaces: found.map((i) => ({
            NetworkInterfaceId: i.networkInterfaceId,
            InterfaceType: i.interfaceType,
            Description: i.description,
            SubnetId: i.subnetId,
            VpcId: i.vpcId,
            RequesterManaged: i.requesterManaged,
            ...(i.requesterId ? { RequesterId: i.requesterId } : {}),
            Status: i.instanceId || i.requesterManaged ? 'in-use' : 'available',
            Groups: i.groups.map((id) => ({ GroupId: id, GroupName: names.get(id) })),
            ...(i.instanceId ? { Attachment: { InstanceId: i.instanceId, InstanceOwnerId: ctx.accountId, Status: 'attached' } } : {}),
          })),
        };
      },
      DescribeNetworkAcls: (input, ctx) => {
        const ids = (input.NetworkAclIds ?? []) as string[];
        ids.forEach((id) => acl(ctx.accountId, ctx.region, id));
        const found = filtered(
          state(ctx.accountId).acls.filter((a) => a.region === ctx.region),
          (input.Filters ?? []) as Filter[],
          aclMatches,
        ).filter((a) => ids.length === 0 || ids.includes(a.networkAclId));
        return {
          NetworkAcls: found.map((a) => ({
            NetworkAclId: a.networkAclId,
            VpcId: a.vpcId,
            IsDefault: a.isDefault,
            OwnerId: ctx.accountId,
            Entries: a.entries.map(entryView),
            Associations: a.subnetIds.map((subnetId, n) => ({
              NetworkAclAssociationId: `aclassoc-${a.networkAclId.slice(4, 12)}${n}`,
              NetworkAclId: a.networkAclId,
              SubnetId: subnetId,
            })),
            Tags: tagList(a.tags),
          })),
        };
      },
      ReplaceNetworkAclEntry: (input, ctx) => {
        const a = acl(ctx.accountId, ctx.region, input.NetworkAclId);
        const egress = Boolean(input.Egress);
        const index = a.entries.findIndex((e) => e.ruleNumber === input.RuleNumber && e.egress === egress);
        if (index < 0 || input.RuleNumber === 32767) {
          throw new SimulatedServiceError(
            'InvalidNetworkAclEntry.NotFound',
            `The network acl entry identified by ${String(input.RuleNumber)} could not be found.`,
          );
        }
        const protocol = aclProtocol(String(input.Protocol));
        const range = input.PortRange as { From?: number; To?: number } | undefined;
        if ((protocol === '6' || protocol === '17') && (range?.From === undefined || range.To === undefined)) {
          throw new SimulatedServiceError('MissingParameter', 'The request must contain the parameter portRange');
        }
        if (input.RuleAction !== 'allow' && input.RuleAction !== 'deny')
          throw new SimulatedServiceError('InvalidParameterValue', `Invalid rule action ${String(input.RuleAction)}`);
        a.entries[index] = {
          ruleNumber: Number(input.RuleNumber),
          protocol,
          ruleAction: input.RuleAction,
          egress,
          ...(input.CidrBlock ? { cidrBlock: String(input.CidrBlock) } : {}),
          ...(input.Ipv6CidrBlock ? { ipv6CidrBlock: String(input.Ipv6CidrBlock) } : {}),
          ...(protocol === '6' || protocol === '17' ? { portRange: { from: Number(range?.From), to: Number(range?.To) } } : {}),
        };
        return {};
      },
    };
  },
  snapshot: (network) => {
    const rule = (r: RuleState) =>
      `${r.protocol}${r.protocol === '-1' ? '' : ` ${r.fromPort === r.toPort ? r.fromPort : `${r.fromPort}-${r.toPort}`}`} ${sourceKey(r)}`;
    const entry = (e: AclEntryState) =>
      `${e.ruleNumber} ${e.ruleAction} ${e.protocol}` +
      `${e.portRange ? ` ${e.portRange.from}-${e.portRange.to}` : ''} ${e.cidrBlock ?? e.ipv6CidrBlock}`;
    return Object.fromEntries([
      ...network.groups.map((g) => [`sg/${g.groupId}`, { ingress: g.ingress.map(rule), egress: g.egress.map(rule) }]),
      ...network.acls.map((a) => [`acl/${a.networkAclId}`, a.entries.filter((e) => !e.egress && e.ruleNumber !== 32767).map(entry)]),
    ]);
  },
});
