import {
  DescribeInstancesCommand,
  DescribeNetworkInterfacesCommand,
  DescribeSecurityGroupReferencesCommand,
  DescribeSecurityGroupsCommand,
  type EC2Client,
  type Filter,
  type Instance,
  type NetworkInterface,
} from '@aws-sdk/client-ec2';
import type { Evidence } from '../../findings/types';
import { productionAccountEvidence, productionMarker, type Tags } from './production';
import { inRegion, NOW, readSignal } from './signals';
import type { ControlContext } from '../types';
import type { Target } from '../../platform/clients';

/** Remote administration ports of the CIS / Security Hub network controls: SSH and RDP. */
export const SSH = 22;
export const RDP = 3389;
export const WORLD_V4 = '0.0.0.0/0';
export const WORLD_V6 = '::/0';

/** Protocols as security groups ("tcp") or network ACLs ("6") name them; "-1" is all traffic. */
const ALL = new Set(['-1', 'all']);
const PORTED = new Set(['tcp', '6', 'udp', '17']);

/** Which of `ports` a rule or entry opens: every one for all traffic, those in its range for TCP/UDP, none otherwise. */
export const portsOpened = (
  protocol: string | undefined,
  from: number | undefined,
  to: number | undefined,
  ports: readonly number[],
): number[] => {
  const p = (protocol ?? '').toLowerCase();
  if (ALL.has(p)) return [...ports];
  if (!PORTED.has(p) || from === undefined || to === undefined) return [];
  return ports.filter((port) => from <= port && port <= to);
};

/** True when the rule or entry opens nothing but admin ports (so changing it cannot cut other traffic). */
export const onlyAdminPorts = (protocol: string | undefined, from: number | undefined, to: number | undefined): boolean => {
  const p = (protocol ?? '').toLowerCase();
  return PORTED.has(p) && from !== undefined && from === to && (from === SSH || from === RDP);
};

export const portLabel = (protocol: string | undefined, from: number | undefined, to: number | undefined): string => {
  const p = (protocol ?? '').toLowerCase();
  if (ALL.has(p)) return 'all traffic';
  const name = { '6': 'tcp', '17': 'udp', '1': 'icmp' }[p] ?? p;
  if (from === undefined || from === -1) return `${name} (all ports)`;
  return from === to ? `${name} ${from}` : `${name} ${from}-${to}`;
};

export interface BlastRadius {
  evidence: Evidence[];
  /** Why the change could break something; empty when nothing that matters is behind it. */
  highReasons: string[];
  interfaces: NetworkInterface[];
  /** True when a signal could not be read: the evidence carries an `unseen` line and the risk cannot be low. */
  unseen: boolean;
}

const tagsOf = (list: { Key?: string; Value?: string }[] | undefined): Tags =>
  Object.fromEntries((list ?? []).filter((t) => t.Key).map((t) => [t.Key as string, t.Value ?? '']));

/** What owns an interface, from what EC2 says of it: its type, the service that requested it, its description. */
export type InterfaceOwner =
  | 'instance'
  | 'load balancer'
  | 'Lambda function'
  | 'RDS database'
  | 'EKS cluster'
  | 'VPC endpoint'
  | 'NAT gateway'
  | 'EFS mount target'
  | 'ElastiCache cluster'
  | 'ECS task'
  | 'other AWS service'
  | 'unattached';

/**
 * ALB/CLB interfaces are type "interface" with an "ELB …" description, NLB/GWLB have their own types; Lambda and NAT have
 * theirs; RDS, EFS, ElastiCache and ECS interfaces are type "interface" told apart by requester and description; EKS uses
 * trunk/branch interfaces and "Amazon EKS …" descriptions. Anything requester-managed that is none of these is another service.
 */
export const ownerOf = (eni: NetworkInterface): InterfaceOwner => {
  // A string: the API answers types newer than the SDK's enum, and NAT is "natGateway" here but "nat_gateway" in filters.
  const type: string = eni.InterfaceType ?? 'interface';
  const description = eni.Description ?? '';
  const requester = eni.RequesterId ?? '';
  if (['network_load_balancer', 'gateway_load_balancer', 'load_balancer'].includes(type) || /^ELB /.test(description))
    return 'load balancer';
  if (type === 'lambda' || /^AWS Lambda VPC ENI/.test(description)) return 'Lambda function';
  if (type === 'natGateway' || type === 'nat_gateway') return 'NAT gateway';
  if (['vpc_endpoint', 'gateway_load_balancer_endpoint', 'ec2_instance_connect_endpoint'].includes(type)) return 'VPC endpoint';
  if (type === 'efs' || /^EFS mount target/.test(description)) return 'EFS mount target';
  if (['trunk', 'branch'].includes(type) || /^Amazon EKS/.test(description)) return 'EKS cluster';
  if (requester === 'amazon-rds' || /^RDSNetworkInterface/.test(description)) return 'RDS database';
  if (requester === 'amazon-elasticache' || /^ElastiCache/.test(description)) return 'ElastiCache cluster';
  if (/^arn:aws[\w-]*:ecs:/.test(description)) return 'ECS task';
  if (eni.Attachment?.InstanceId) return 'instance';
  if (eni.RequesterManaged || type !== 'interface') return 'other AWS service';
  return 'unattached';
};

export const interfacesWhere = async (ec2: EC2Client, filter: Filter): Promise<NetworkInterface[]> => {
  const found: NetworkInterface[] = [];
  let NextToken: string | undefined;
  do {
    const page = await ec2.send(new DescribeNetworkInterfacesCommand({ Filters: [filter], MaxResults: 1000, NextToken }));
    found.push(...(page.NetworkInterfaces ?? []));
    NextToken = page.NextToken;
  } while (NextToken);
  return found;
};

const instancesById = async (ec2: EC2Client, instanceIds: string[]): Promise<Instance[]> => {
  const found: Instance[] = [];
  let NextToken: string | undefined;
  do {
    const page = await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'instance-id', Values: instanceIds }], NextToken }));
    found.push(...(page.Reservations ?? []).flatMap((r) => r.Instances ?? []));
    NextToken = page.NextToken;
  } while (NextToken);
  return found;
};

const describeInterface = (eni: NetworkInterface, owner: InterfaceOwner): string => {
  const detail = [eni.InterfaceType, eni.RequesterId && `requested by ${eni.RequesterId}`, eni.Description].filter(Boolean).join(', ');
  return `${owner} interface ${eni.NetworkInterfaceId}${detail ? ` (${detail})` : ''}`;
};

/**
 * Everything that uses a security group or sits in a subnet, read from DescribeNetworkInterfaces (every interface type:
 * instances, load balancers, Lambda, RDS, EKS, endpoints, NAT, EFS, …), with the instances' state and production tags.
 * A running production instance, a load balancer, or any use in a production account makes it high risk; an interface
 * list or an instance that could not be read makes it unseen (never low).
 */
export const blastRadius = async (
  ec2: EC2Client,
  filter: Filter,
  subject: string,
  target: Target,
  ctx: ControlContext,
): Promise<BlastRadius> => {
  const where = inRegion(target.accountId, target.region);
  const read = { source: 'ec2:DescribeNetworkInterfaces', where, window: NOW };
  const listed = await readSignal({ ...read, what: `the network interfaces of ${subject}` }, () => interfacesWhere(ec2, filter));
  if (!listed.seen) return { evidence: [listed.evidence], highReasons: [], interfaces: [], unseen: true };
  const interfaces = listed.value;
  const evidence: Evidence[] = [];
  const highReasons: string[] = [];
  if (interfaces.length === 0) {
    evidence.push({ ...read, fact: `No network interface of any type uses ${subject}: nothing can lose connectivity.` });
    return { evidence, highReasons, interfaces, unseen: false };
  }
  const owners = interfaces.map((eni) => ({ eni, owner: ownerOf(eni) }));
  const counts = new Map<InterfaceOwner, number>();
  for (const { owner } of owners) counts.set(owner, (counts.get(owner) ?? 0) + 1);
  evidence.push({
    ...read,
    fact: `${interfaces.length} network interface(s) use ${subject}: ${[...counts].map(([owner, n]) => `${n} ${owner}`).join(', ')}.`,
  });

  let unseen = false;
  const attached = owners.filter((o) => o.owner === 'instance');
  const instanceIds = [...new Set(attached.map(({ eni }) => eni.Attachment?.InstanceId as string))];
  if (instanceIds.length > 0) {
    const instanceRead = { source: 'ec2:DescribeInstances', where, window: NOW };
    const described = await readSignal({ ...instanceRead, what: `the instances ${instanceIds.join(', ')}` }, () =>
      instancesById(ec2, instanceIds),
    );
    const instances = described.seen ? described.value : [];
    if (!described.seen) {
      evidence.push(described.evidence);
      unseen = true;
    }
    for (const instance of instances) {
      const state = instance.State?.Name ?? 'unknown';
      const marker = productionMarker(tagsOf(instance.Tags), ctx.config);
      const via = attached.filter(({ eni }) => eni.Attachment?.InstanceId === instance.InstanceId).map(({ eni }) => eni.NetworkInterfaceId);
      evidence.push({
        ...instanceRead,
        fact: `Instance ${instance.InstanceId} (${state})${marker ? `, tagged ${marker},` : ''} uses it through ${via.join(', ')}.`,
      });
      if (marker && state === 'running') highReasons.push(`running production instance ${instance.InstanceId} (${marker}) uses ${subject}`);
    }
    // An instance in another account (shared VPC) or gone since: its state and tags are not seen.
    const missing = described.seen ? instanceIds.filter((id) => !instances.some((i) => i.InstanceId === id)) : [];
    if (missing.length > 0) {
      unseen = true;
      evidence.push({
        ...instanceRead,
        fact:
          `Instance(s) ${missing.join(', ')} attached to interfaces of ${subject} could not be described (another account's, or ` +
          `gone): their use is not seen.`,
        unseen: true,
      });
    }
  }
  for (const { eni, owner } of owners.filter((o) => o.owner !== 'instance')) {
    evidence.push({ ...read, fact: `The ${describeInterface(eni, owner)} uses it.` });
    if (owner === 'load balancer') highReasons.push(`load balancer ${eni.Description || eni.NetworkInterfaceId} uses ${subject}`);
  }
  const productionAccount = productionAccountEvidence(target.accountId, ctx.config);
  evidence.push(...productionAccount);
  if (productionAccount.length > 0) highReasons.push(`account ${target.accountId} is production and ${subject} is in use`);
  return { evidence, highReasons, interfaces, unseen };
};

/**
 * Who else names this group: rules of other groups in the account and region (DescribeSecurityGroups), and groups in
 * peered VPCs or across a transit gateway (DescribeSecurityGroupReferences). Informational: membership, not these rules,
 * carries that traffic; an unreadable source is said (unseen).
 */
export const referencingGroups = async (ec2: EC2Client, groupId: string, target: Target): Promise<Evidence[]> => {
  const where = inRegion(target.accountId, target.region);
  const local = await readSignal(
    { what: `the security groups whose rules name ${groupId}`, source: 'ec2:DescribeSecurityGroups', where, window: NOW },
    () =>
      Promise.all(
        ['ip-permission.group-id', 'egress.ip-permission.group-id'].map((Name) =>
          ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name, Values: [groupId] }] })),
        ),
      ),
  );
  const peered = await readSignal(
    {
      what: `references to ${groupId} from peered VPCs and transit gateways`,
      source: 'ec2:DescribeSecurityGroupReferences',
      where,
      window: NOW,
    },
    () => ec2.send(new DescribeSecurityGroupReferencesCommand({ GroupId: [groupId] })),
  );
  const evidence: Evidence[] = [];
  if (!local.seen) evidence.push(local.evidence);
  else {
    const others = new Map(
      local.value
        .flatMap((p) => p.SecurityGroups ?? [])
        .filter((g) => g.GroupId !== groupId)
        .map((g) => [g.GroupId, g.GroupName]),
    );
    const source = { source: 'ec2:DescribeSecurityGroups', where, window: NOW };
    evidence.push(
      others.size === 0
        ? { ...source, fact: `No other security group references ${groupId}.` }
        : {
            ...source,
            fact: `Security group(s) ${[...others].map(([id, name]) => `${id} (${name})`).join(', ')} reference ${groupId} in their rules.`,
          },
    );
  }
  if (!peered.seen) evidence.push(peered.evidence);
  else {
    const references = peered.value.SecurityGroupReferenceSet ?? [];
    const source = { source: 'ec2:DescribeSecurityGroupReferences', where, window: NOW };
    evidence.push(
      references.length === 0
        ? { ...source, fact: `No security group in a peered VPC or across a transit gateway references ${groupId}.` }
        : {
            ...source,
            fact: `${groupId} is referenced from ${references
              .map((r) => `VPC ${r.ReferencingVpcId} (${r.VpcPeeringConnectionId ?? r.TransitGatewayId ?? 'peering'})`)
              .join(', ')}.`,
          },
    );
  }
  return evidence;
};
