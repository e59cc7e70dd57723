import type { NetworkInterface } from '@aws-sdk/client-ec2';
import { parseConfig } from '../../functions/platform/config';
import { automaticControlIds } from '../../functions/workflow/modes';
import { ownerOf } from '../../functions/controls/shared/network-exposure';
import type { CloudWatchClient, GetMetricStatisticsCommand } from '@aws-sdk/client-cloudwatch';
import { metricSums, periodFor } from '../../functions/controls/shared/metric-window';
import { isUnreadable, readSignal } from '../../functions/controls/shared/signals';

const NOW = new Date('2026-11-30T00:00:00Z');
const daysAgo = (n: number) => new Date(NOW.getTime() - n * 86_400_000);
const named = (name: string) => Object.assign(new Error(name), { name });

describe('who owns a network interface', () => {
  it.each<[Partial<NetworkInterface>, string]>([
    [{ InterfaceType: 'interface', Attachment: { InstanceId: 'i-1' } }, 'instance'],
    [{ InterfaceType: 'interface', Description: 'ELB app/shop/1' }, 'load balancer'],
    [{ InterfaceType: 'network_load_balancer' }, 'load balancer'],
    [{ InterfaceType: 'lambda' }, 'Lambda function'],
    [{ InterfaceType: 'interface', RequesterId: 'amazon-rds', Description: 'RDSNetworkInterface' }, 'RDS database'],
    [{ InterfaceType: 'branch' }, 'EKS cluster'],
    [{ InterfaceType: 'interface', Description: 'Amazon EKS cluster-1' }, 'EKS cluster'],
    [{ InterfaceType: 'vpc_endpoint' }, 'VPC endpoint'],
    [{ InterfaceType: 'natGateway' }, 'NAT gateway'],
    [{ InterfaceType: 'interface', Description: 'EFS mount target for fs-1' }, 'EFS mount target'],
    [{ InterfaceType: 'interface', Description: 'arn:aws:ecs:us-east-1:1:attachment/x' }, 'ECS task'],
    [{ InterfaceType: 'api_gateway_managed', RequesterManaged: true }, 'other AWS service'],
    [{ InterfaceType: 'interface' }, 'unattached'],
  ])('%o is a %s interface', (eni, owner) => {
    expect(ownerOf(eni as NetworkInterface)).toBe(owner);
  });
});

describe('CloudWatch periods that cover the whole window', () => {
  it('keeps 1-minute periods within 15 days, multiples of 5 minutes to 63 days and of an hour to 455 days', () => {
    expect(periodFor(daysAgo(14), NOW, 60)).toBe(60);
    expect(periodFor(daysAgo(20), NOW, 60)).toBe(300);
    expect(periodFor(daysAgo(90), NOW, 60)).toBe(3600);
    expect(periodFor(daysAgo(90), NOW, 86_400)).toBe(86_400);
    expect(periodFor(daysAgo(20), NOW, 400)).toBe(600);
    expect(() => periodFor(daysAgo(456), NOW, 86_400)).toThrow(/455 days/);
  });

  it('asks in whole seconds, StartTime before EndTime, for an instance launched in the same second as the read', async () => {
    const asked: { start: Date; end: Date }[] = [];
    const cloudWatch = {
      send: async (command: GetMetricStatisticsCommand) => {
        asked.push({ start: command.input.StartTime as Date, end: command.input.EndTime as Date });
        return { Datapoints: [] };
      },
    } as unknown as CloudWatchClient;
    const launched = new Date('2026-11-30T06:25:00.000Z');
    const now = new Date('2026-11-30T06:25:00.800Z');
    await metricSums(cloudWatch, { namespace: 'AWS/EC2', metricName: 'MetadataNoToken', dimensions: [] }, launched, now, 86_400);
    expect(asked.map(({ start, end }) => [start.toISOString(), end.toISOString()])).toEqual([
      ['2026-11-30T06:25:00.000Z', '2026-11-30T06:25:01.000Z'],
    ]);
  });
});

describe('a signal that cannot be read', () => {
  it('is unseen when AWS refuses or keeps throttling, and any other error propagates', async () => {
    // Act
    const denied = await readSignal({ what: 'x', source: 'ec2:DescribeX', where: 'here' }, () => Promise.reject(named('AccessDenied')));

    // Assess
    expect(denied).toEqual({
      seen: false,
      evidence: {
        fact: 'Could not read x (AccessDenied): that usage is not seen, so the blast radius is unknown.',
        source: 'ec2:DescribeX',
        where: 'here',
        unseen: true,
      },
    });
    expect(isUnreadable(named('UnauthorizedOperation'))).toBe(true);
    expect(isUnreadable(named('RequestLimitExceeded'))).toBe(true);
    expect(isUnreadable(named('InvalidGroup.NotFound'))).toBe(false);
    await expect(readSignal({ what: 'x', source: 's' }, () => Promise.reject(named('InvalidGroup.NotFound')))).rejects.toThrow();
  });
});

describe('mode on-request', () => {
  it('is the default of the network, IMDS, S3 and CloudTrail controls, and never narrows the Findings Imported rule to them', () => {
    // Act
    const automatic = automaticControlIds(parseConfig({}));
    const withAuto = automaticControlIds(parseConfig({ controls: { 'EC2.8': 'auto' } }));

    // Assess
    for (const id of ['EC2.2', 'EC2.8', 'EC2.13', 'EC2.21', 'EC2.53', 'S3.5', 'S3.8', 'CloudTrail.1']) expect(automatic).not.toContain(id);
    expect(automatic).toContain('IAM.3');
    expect(withAuto).toContain('EC2.8');
  });
});
