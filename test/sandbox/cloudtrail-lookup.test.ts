import { gunzipSync } from 'node:zlib';
import { CloudTrailClient, LookupEventsCommand, type LookupEventsCommandInput } from '@aws-sdk/client-cloudtrail';
import { DescribeRegionsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { parseFixture } from '../../sandbox/fixture';
import { simulatedAccount } from '../support/simulated-account';
import { HOME_ACCOUNT } from '../support/workflow';

/** The simulated CloudTrail event history answers as AWS documents LookupEvents; data events live only in trail log files. */
const KEY = 'AKIAIOSFODNN7EXAMPLE';
const event = (eventTime: string, extra: Record<string, unknown> = {}) => ({
  eventTime,
  eventSource: 'ec2.amazonaws.com',
  eventName: 'DescribeInstances',
  accessKeyId: KEY,
  ...extra,
});

const history = (events: unknown[], s3: unknown = { buckets: [] }) => {
  const { clients } = simulatedAccount({ [HOME_ACCOUNT]: { cloudtrailEvents: events, s3 } });
  const lookup = (region: string, input: LookupEventsCommandInput = {}) =>
    clients.at(CloudTrailClient, { accountId: HOME_ACCOUNT, region }).send(new LookupEventsCommand(input));
  return { clients, lookup };
};

describe('simulated cloudtrail:LookupEvents', () => {
  it("returns the management events of the client's region from the last 90 days, newest first", async () => {
    // Prepare
    const { lookup } = history([
      event('now-2d'),
      event('now-1d', { eventName: 'RunInstances' }),
      event('now-1d', { region: 'eu-west-1' }),
      event('now-91d', { eventName: 'TooOld' }),
    ]);

    // Act
    const { Events } = await lookup('us-east-1');

    // Assess
    expect(Events?.map((e) => [e.EventName, e.ReadOnly])).toEqual([
      ['RunInstances', 'false'],
      ['DescribeInstances', 'true'],
    ]);
    expect(JSON.parse(Events?.[0].CloudTrailEvent ?? '{}')).toMatchObject({
      eventCategory: 'Management',
      managementEvent: true,
      awsRegion: 'us-east-1',
      userIdentity: { accessKeyId: KEY },
    });
  });

  it('refuses a data event in the fixture: AWS never returns one from LookupEvents', () => {
    expect(() =>
      parseFixture({
        accounts: {
          [HOME_ACCOUNT]: { cloudtrailEvents: [event('now-1h', { eventSource: 'dynamodb.amazonaws.com', eventName: 'PutItem' })] },
        },
      }),
    ).toThrow(/a data event: LookupEvents never returns it/);
  });

  it('pages with MaxResults and NextToken, without repeating or losing an event', async () => {
    // Prepare
    const { lookup } = history(Array.from({ length: 5 }, (_, i) => event(`now-${i + 1}h`, { eventName: `Call${i}` })));

    // Act
    const first = await lookup('us-east-1', { MaxResults: 2 });
    const second = await lookup('us-east-1', { MaxResults: 2, NextToken: first.NextToken });
    const third = await lookup('us-east-1', { MaxResults: 2, NextToken: second.NextToken });

    // Assess
    expect([first, second, third].flatMap((p) => p.Events?.map((e) => e.EventName))).toEqual(['Call0', 'Call1', 'Call2', 'Call3', 'Call4']);
    expect(third.NextToken).toBeUndefined();
  });

  it.each([
    ['EventSource', 'iam.amazonaws.com', ['CreateUser']],
    ['ReadOnly', 'true', ['DescribeInstances']],
    ['ResourceName', 'alice', ['CreateUser']],
    ['ResourceType', 'AWS::IAM::User', ['CreateUser']],
    ['Username', 'admin', ['CreateUser']],
    ['AccessKeyId', KEY, ['DescribeInstances']],
  ])('filters by the lookup attribute %s', async (key, value, names) => {
    // Prepare
    const { lookup } = history([
      event('now-1h'),
      {
        eventTime: 'now-2h',
        eventSource: 'iam.amazonaws.com',
        eventName: 'CreateUser',
        userName: 'admin',
        resources: [{ type: 'AWS::IAM::User', name: 'alice' }],
      },
    ]);

    // Act
    const { Events } = await lookup('us-east-1', { LookupAttributes: [{ AttributeKey: key as 'EventSource', AttributeValue: value }] });

    // Assess
    expect(Events?.map((e) => e.EventName)).toEqual(names);
  });

  it('returns Insights events only when asked for the insight category', async () => {
    // Prepare
    const { lookup } = history([event('now-1h'), event('now-2h', { eventName: 'RunInstances', eventCategory: 'Insight' })]);

    // Act
    const insights = await lookup('us-east-1', { EventCategory: 'insight' });

    // Assess
    expect(insights.Events?.map((e) => e.EventName)).toEqual(['RunInstances']);
  });

  it.each([
    [
      'two lookup attributes',
      {
        LookupAttributes: [
          { AttributeKey: 'EventName', AttributeValue: 'a' },
          { AttributeKey: 'Username', AttributeValue: 'b' },
        ],
      },
      'InvalidLookupAttributesException',
    ],
    ['an unknown attribute', { LookupAttributes: [{ AttributeKey: 'SourceIp', AttributeValue: 'a' }] }, 'InvalidLookupAttributesException'],
    ['MaxResults 51', { MaxResults: 51 }, 'InvalidMaxResultsException'],
    ['a start after the end', { StartTime: new Date('2026-11-20'), EndTime: new Date('2026-11-10') }, 'InvalidTimeRangeException'],
    ['a token it never gave', { NextToken: 'made-up' }, 'InvalidNextTokenException'],
  ])("answers %s with AWS's error", async (_, input, name) => {
    // Prepare
    const { lookup } = history([event('now-1h')]);

    // Act / Assess
    await expect(lookup('us-east-1', input as LookupEventsCommandInput)).rejects.toMatchObject({ name });
  });
});

describe('simulated trail log files and regions', () => {
  it(
    "serves an organization trail's data events as gzip log files under " + 'AWSLogs/<organization>/<account>/CloudTrail/<region>/',
    async () => {
      // Prepare
      const { clients } = history([], {
        buckets: [
          {
            name: 'org-trail-logs',
            cloudTrailLogs: {
              prefix: 'org',
              organizationId: 'o-a1b2c3d4e5',
              events: [
                {
                  eventTime: '2026-11-20T10:00:00Z',
                  eventSource: 'dynamodb.amazonaws.com',
                  eventName: 'PutItem',
                  accessKeyId: KEY,
                  accountId: '333333333333',
                  requestParameters: { tableName: 'orders' },
                  region: 'eu-west-1',
                },
              ],
            },
          },
        ],
      });
      const s3 = clients.at(S3Client, { accountId: HOME_ACCOUNT, region: 'us-east-1' });

      // Act
      const listed = await s3.send(
        new ListObjectsV2Command({ Bucket: 'org-trail-logs', Prefix: 'org/AWSLogs/o-a1b2c3d4e5/333333333333/' }),
      );
      const key = listed.Contents?.[0].Key as string;
      const body = await (await s3.send(new GetObjectCommand({ Bucket: 'org-trail-logs', Key: key }))).Body?.transformToByteArray();

      // Assess
      expect(key).toMatch(
        /^org\/AWSLogs\/o-a1b2c3d4e5\/333333333333\/CloudTrail\/eu-west-1\/2026\/11\/20\/333333333333_CloudTrail_eu-west-1_/,
      );
      expect(JSON.parse(gunzipSync(body as Uint8Array).toString()).Records).toEqual([
        expect.objectContaining({
          eventCategory: 'Data',
          managementEvent: false,
          eventSource: 'dynamodb.amazonaws.com',
          requestParameters: { tableName: 'orders' },
          recipientAccountId: '333333333333',
          userIdentity: expect.objectContaining({ accessKeyId: KEY }),
        }),
      ]);
    },
  );

  it('lists the enabled regions by default, and the opt-in ones not enabled only with AllRegions', async () => {
    // Prepare
    const { clients } = simulatedAccount({ [HOME_ACCOUNT]: { regions: { optedIn: ['af-south-1'] } } });
    const ec2 = clients.at(EC2Client, { accountId: HOME_ACCOUNT, region: 'us-east-1' });

    // Act
    const enabled = (await ec2.send(new DescribeRegionsCommand({ AllRegions: false }))).Regions ?? [];
    const all = (await ec2.send(new DescribeRegionsCommand({ AllRegions: true }))).Regions ?? [];

    // Assess
    expect(enabled).toHaveLength(18);
    expect(enabled).toContainEqual(expect.objectContaining({ RegionName: 'af-south-1', OptInStatus: 'opted-in' }));
    expect(enabled.map((r) => r.RegionName)).not.toContain('me-south-1');
    expect(all).toContainEqual(expect.objectContaining({ RegionName: 'me-south-1', OptInStatus: 'not-opted-in' }));
  });
});
