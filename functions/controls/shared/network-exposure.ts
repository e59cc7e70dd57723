import {
  DescribeInstancesCommand,
  DescribeNetworkInterfacesCommand,
  DescribeSecurityGroupsCommand,
  type EC2Client,
  type Filter,
  type NetworkInterface,
} from '@aws-sdk/client-ec2';
import type { Evidence } from '../../findings/types';
import { productionMarker, type Tags } from './production';
import type { ControlContext } from '../types';

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
}

const tagsOf = (list: { Key?: string; Value?: string }[] | undefined): Tags =>
  Object.fromEntries((list ?? []).filter((t) => t.Key).map((t) => [t.Key as string, t.Value ?? '']));

/** ALB/CLB interfaces are type "interface" with an "ELB …" description; NLB/GWLB have their own types. */
const isLoadBalancer = (eni: NetworkInterface): boolean =>
  ['network_load_balancer', 'gateway_load_balancer', 'load_balancer'].includes(eni.InterfaceType ?? '') ||
  /^ELB /.test(eni.Description ?? '');

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

/**
 * What sits behind a security group or a subnet: the instances (state, production tags), load balancers
 * and other AWS-managed interfaces. A running production instance or a load balancer makes it high risk.
 */
export const blastRadius = async (
  ec2: EC2Client,
  interfaces: NetworkInterface[],
  subject: string,
  accountId: string,
  ctx: ControlContext,
): Promise<BlastRadius> => {
  const evidence: Evidence[] = [];
  const highReasons: string[] = [];
  if (interfaces.length === 0) {
    evidence.push({
      fact: `No network interface uses ${subject}: nothing can lose connectivity.`,
      source: 'ec2:DescribeNetworkInterfaces',
    });
    return { evidence, highReasons, interfaces };
  }
  const attached = interfaces.filter((i) => i.Attachment?.InstanceId);
  const balancers = interfaces.filter(isLoadBalancer);
  const others = interfaces.filter((i) => !attached.includes(i) && !balancers.includes(i));
  evidence.push({
    fact: `${interfaces.length} network interface(s) use ${subject}: ${attached.length} on instances, ${balancers.length} of load balancers, ${others.length} other.`,
    source: 'ec2:DescribeNetworkInterfaces',
  });

  const instanceIds = [...new Set(attached.map((i) => i.Attachment?.InstanceId as string))];
  if (instanceIds.length > 0) {
    const page = await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'instance-id', Values: instanceIds }] }));
    for (const instance of (page.Reservations ?? []).flatMap((r) => r.Instances ?? [])) {
      const state = instance.State?.Name ?? 'unknown';
      const marker = productionMarker(tagsOf(instance.Tags), ctx.config);
      const via = attached.filter((i) => i.Attachment?.InstanceId === instance.InstanceId).map((i) => i.NetworkInterfaceId);
      evidence.push({
        fact: `Instance ${instance.InstanceId} (${state})${marker ? `, tagged ${marker},` : ''} uses it through ${via.join(', ')}.`,
        source: 'ec2:DescribeInstances',
      });
      if (marker && state === 'running') highReasons.push(`running production instance ${instance.InstanceId} (${marker}) uses ${subject}`);
    }
  }
  for (const eni of balancers) {
    evidence.push({
      fact: `Load balancer interface ${eni.NetworkInterfaceId} (${eni.Description || eni.InterfaceType}) uses it.`,
      source: 'ec2:DescribeNetworkInterfaces',
    });
    highReasons.push(`load balancer ${eni.Description || eni.NetworkInterfaceId} uses ${subject}`);
  }
  for (const eni of others) {
    evidence.push({
      fact: `Interface ${eni.NetworkInterfaceId} (${eni.InterfaceType}${eni.Description ? `: ${eni.Description}` : ''}) uses it.`,
      source: 'ec2:DescribeNetworkInterfaces',
    });
  }
  if (ctx.config.production.accountIds.includes(accountId)) {
    evidence.push({
      fact: `Account ${accountId} is listed as production in the hubfix configuration.`,
      source: 'hubfix config production.accountIds',
    });
    highReasons.push(`account ${accountId} is production and ${subject} is in use`);
  }
  return { evidence, highReasons, interfaces };
};

/** Other security groups whose rules name this one as a source or destination (informational: membership, not these rules, carries that traffic). */
export const referencingGroups = async (ec2: EC2Client, groupId: string): Promise<Evidence[]> => {
  const pages = await Promise.all(
    ['ip-permission.group-id', 'egress.ip-permission.group-id'].map((Name) =>
      ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name, Values: [groupId] }] })),
    ),
  );
  const others = new Map(
    pages
      .flatMap((p) => p.SecurityGroups ?? [])
      .filter((g) => g.GroupId !== groupId)
      .map((g) => [g.GroupId, g.GroupName]),
  );
  if (others.size === 0) return [{ fact: `No other security group references ${groupId}.`, source: 'ec2:DescribeSecurityGroups' }];
  return [
    {
      fact: `Security group(s) ${[...others].map(([id, name]) => `${id} (${name})`).join(', ')} reference ${groupId} in their rules.`,
      source: 'ec2:DescribeSecurityGroups',
    },
  ];
};
