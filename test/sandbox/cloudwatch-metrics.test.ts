import { CloudWatchClient, GetMetricDataCommand, GetMetricStatisticsCommand } from '@aws-sdk/client-cloudwatch';
import { NOW, simulatedAccount } from '../support/simulated-account';
import { HOME_ACCOUNT } from '../support/workflow';

const DAY_MS = 86_400_000;
const metric = {
  namespace: 'AWS/EC2',
  metricName: 'MetadataNoToken',
  dimensions: { InstanceId: 'i-0123456789abcdef0' },
  datapoints: [
    { timestamp: 'now-20d', sum: 100 },
    { timestamp: 'now-3d', sum: 5 },
    { timestamp: 'now-3h', sum: 2 },
    { timestamp: 'now-2h', sum: 1 },
  ],
};
const cloudWatch = () =>
  simulatedAccount({ [HOME_ACCOUNT]: { metrics: [metric] } }).clients.at(CloudWatchClient, {
    accountId: HOME_ACCOUNT,
    region: 'us-east-1',
  });
const window = { StartTime: new Date(NOW.getTime() - 14 * DAY_MS), EndTime: NOW };

describe('simulated CloudWatch metrics', () => {
  it('sums datapoints per period inside the window (GetMetricStatistics), oldest first', async () => {
    // Act
    const result = await cloudWatch().send(
      new GetMetricStatisticsCommand({
        ...window,
        Namespace: 'AWS/EC2',
        MetricName: 'MetadataNoToken',
        Dimensions: [{ Name: 'InstanceId', Value: 'i-0123456789abcdef0' }],
        Period: 86_400,
        Statistics: ['Sum'],
      }),
    );

    // Assess
    expect(result.Datapoints?.map((p) => p.Sum)).toEqual([5, 3]);
  });

  it('answers nothing for other dimensions, and GetMetricData newest first', async () => {
    // Prepare
    const client = cloudWatch();
    const stat = (instanceId: string, id: string) => ({
      Id: id,
      MetricStat: {
        Metric: { Namespace: 'AWS/EC2', MetricName: 'MetadataNoToken', Dimensions: [{ Name: 'InstanceId', Value: instanceId }] },
        Period: 86_400,
        Stat: 'Sum',
      },
    });

    // Act
    const result = await client.send(
      new GetMetricDataCommand({
        ...window,
        MetricDataQueries: [stat('i-0123456789abcdef0', 'mine'), stat('i-0fffffffffffffff0', 'other')],
      }),
    );

    // Assess
    expect(result.MetricDataResults?.map((r) => [r.Id, r.Values])).toEqual([
      ['mine', [3, 5]],
      ['other', []],
    ]);
  });

  it('refuses a period that is not a multiple of 60, as CloudWatch does', async () => {
    // Act / Assess
    await expect(
      cloudWatch().send(
        new GetMetricStatisticsCommand({ ...window, Namespace: 'AWS/EC2', MetricName: 'MetadataNoToken', Period: 90, Statistics: ['Sum'] }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidParameterValue' });
  });
});
