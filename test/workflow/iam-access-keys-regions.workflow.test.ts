import type { WorkflowState } from '../../functions/findings/types';
import type { LocalCloud } from '../../sandbox/local-cloud';
import { asffFinding, customActionEvent, HOME_ACCOUNT, keyStatus, runToEnd, startCloud } from '../support/workflow';

/**
 * Issue 13's first weakness: access keys are global, but their use was looked up only in the finding's region. A key
 * used from eu-west-1 two days ago, with a finding in us-east-1, must reach a person with eu-west-1's evidence.
 */
const KEY = 'AKIAIOSFODNN7REPORT1';

/** reporting-bot's key, 200 days old (IAM.3 fails), called from eu-west-1 two days ago; `lastUsed` as IAM reports it. */
const accountWith = (lastUsed?: Record<string, string>) => ({
  accounts: {
    [HOME_ACCOUNT]: {
      name: 'workloads',
      regions: { enabled: ['us-east-1', 'us-west-2', 'eu-west-1'] },
      iam: {
        users: [
          { userName: 'reporting-bot', accessKeys: [{ accessKeyId: KEY, createDate: 'now-200d', ...(lastUsed ? { lastUsed } : {}) }] },
        ],
      },
      cloudtrailEvents: [
        {
          eventTime: 'now-2d',
          eventSource: 'athena.amazonaws.com',
          eventName: 'StartQueryExecution',
          accessKeyId: KEY,
          userName: 'reporting-bot',
          sourceIPAddress: '198.51.100.44',
          userAgent: 'Boto3/1.34.0 Python/3.12',
          region: 'eu-west-1',
        },
      ],
    },
  },
});

const keyFinding = () =>
  asffFinding({ controlId: 'IAM.3', resourceType: 'AwsIamUser', resourceId: `arn:aws:iam::${HOME_ACCOUNT}:user/reporting-bot` });

const onlyExecution = (cloud: LocalCloud) => [...cloud.stepFunctions.executions.values()][0].output as WorkflowState;

let cloud: LocalCloud;
afterEach(async () => cloud?.stop());

describe('a key used only from another region', () => {
  it.each([
    ['IAM reports the use in eu-west-1', { date: 'now-2d', serviceName: 'athena', region: 'eu-west-1' }],
    ['IAM has not recorded the use', undefined],
  ])('is routed to a human with that region evidence (%s)', async (_, lastUsed) => {
    // Prepare
    cloud = await startCloud(accountWith(lastUsed));

    // Act
    const report = await runToEnd(cloud, customActionEvent([keyFinding()]), 'reject');

    // Assess
    const { assessment } = onlyExecution(cloud);
    expect(assessment).toMatchObject({ route: 'approval', risk: 'high' });
    expect(assessment?.routeReason).toContain(`key ${KEY} made 1 API call(s) in eu-west-1 in the last 14 days`);
    expect(assessment?.evidence).toContainEqual(
      expect.objectContaining({
        source: 'cloudtrail:LookupEvents',
        where: 'eu-west-1',
        fact: expect.stringMatching(
          /^Management events with AKIAIOSFODNN7REPORT1 in eu-west-1: 1 call\(s\) \(StartQueryExecution\) to athena;/,
        ),
      }),
    );
    expect(cloud.sim.published[0].message).toContain('StartQueryExecution');
    expect(report.emails).toHaveLength(1);
    expect(keyStatus(cloud, 'reporting-bot')).toBe('Active');
  });
});
