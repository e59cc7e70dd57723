import { parseConfig } from '../../platform/config';
import { VerificationFailedError } from '../../platform/errors';
import { CIS_METRIC_FILTERS, isCisPattern } from './cis-metric-filters';
import { cloudWatchCisAlarms } from './definition';
import { accountResource, findingRef } from '../../../test/support/finding-ref';
import { simulatedAccount } from '../../../test/support/simulated-account';
import { HOME_ACCOUNT } from '../../../test/support/workflow';

const REGION = 'us-east-1';
const TOPIC = `arn:aws:sns:${REGION}:${HOME_ACCOUNT}:security-alarms`;
const LOG_GROUP_ARN = `arn:aws:logs:${REGION}:${HOME_ACCOUNT}:log-group:org-trail:*`;
const config = parseConfig({ alarms: { snsTopicArn: TOPIC } });

const finding = (controlId = 'CloudWatch.1') => findingRef(controlId, accountResource(), { severity: 'LOW' });

const deliveringTrail = (over: Record<string, unknown> = {}) => ({
  name: 'org-trail',
  s3BucketName: 'org-trail-logs',
  cloudWatchLogsLogGroupArn: LOG_GROUP_ARN,
  latestCloudWatchLogsDeliveryTime: 'now-10m',
  ...over,
});
const account = (over: Record<string, unknown> = {}) => ({
  [HOME_ACCOUNT]: {
    trails: [deliveringTrail()],
    logGroups: [{ name: 'org-trail' }],
    snsTopics: [{ name: 'security-alarms', confirmedSubscriptions: 2 }],
    ...over,
  },
});
const facts = (evidence: { fact: string }[]) => evidence.map((e) => e.fact).join('\n');
const snapshotOf = (sim: ReturnType<typeof simulatedAccount>['sim']) => {
  const s = sim.snapshot()[HOME_ACCOUNT];
  return { filters: (s.logGroups as Record<string, string[]>)['logGroup/org-trail'], alarms: Object.keys(s.metricAlarms as object) };
};

describe('cloudwatch-cis-alarms assess', () => {
  it('plans the CIS filter and an alarm on the trail log group at low risk, with the delivery and topic evidence', async () => {
    // Prepare
    const { ctx } = simulatedAccount(account(), config);

    // Act
    const result = await cloudWatchCisAlarms.assess(finding('CloudWatch.1'), ctx);

    // Assess
    expect(result.risk).toBe('low');
    expect(result.plan?.parameters).toMatchObject({
      logGroupName: 'org-trail',
      filter: { filterName: 'hubfix-cis-RootAccountUsage', filterPattern: CIS_METRIC_FILTERS['CloudWatch.1'].pattern },
      metricName: 'RootAccountUsage',
      namespace: 'LogMetrics',
      alarmName: 'hubfix-CloudWatch.1-RootAccountUsage',
      topicArn: TOPIC,
    });
    const text = facts(result.evidence);
    expect(text).toContain(
      `Trail org-trail (home us-east-1): multi-region, logging, All management events, delivers to ${LOG_GROUP_ARN}, last delivery ` +
        `2026-11-22T11:50:00.000Z.`,
    );
    expect(text).toContain(`Alarm topic ${TOPIC} has 2 confirmed subscription(s).`);
  });

  it.each([
    ['the trail is single-region', { trails: [deliveringTrail({ isMultiRegionTrail: false })] }, 'org-trail: it is single-region'],
    [
      'the trail has no log group',
      { trails: [deliveringTrail({ cloudWatchLogsLogGroupArn: undefined })] },
      'org-trail: it does not deliver to CloudWatch Logs',
    ],
    [
      'CloudTrail never delivered',
      { trails: [deliveringTrail({ latestCloudWatchLogsDeliveryTime: undefined })] },
      'has not delivered to its log group in 14 days',
    ],
    ['the account has no trail', { trails: [] }, 'the account has no trail'],
  ])('is blocked, saying why, when %s', async (_name, over, reason) => {
    // Prepare
    const { ctx } = simulatedAccount(account(over), config);

    // Act
    const result = await cloudWatchCisAlarms.assess(finding('CloudWatch.4'), ctx);

    // Assess
    expect(result.blocked).toBe(true);
    expect(result.plan).toBeUndefined();
    expect(result.riskReason).toContain(reason);
    expect(result.riskReason).toMatch(/a metric filter would see nothing: fix CloudTrail.1 and CloudTrail.5 first$/);
  });

  it('passes when a filter with the CIS pattern (spaced differently) already feeds an alarm that notifies SNS', async () => {
    // Prepare
    const spaced = '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }';
    const { ctx } = simulatedAccount(
      account({
        logGroups: [
          {
            name: 'org-trail',
            metricFilters: [{ filterName: 'root-usage', filterPattern: spaced, metricName: 'Root', metricNamespace: 'CIS' }],
          },
        ],
        metricAlarms: [{ alarmName: 'root-alarm', metricName: 'Root', namespace: 'CIS', alarmActions: [TOPIC] }],
      }),
      config,
    );

    // Act
    const result = await cloudWatchCisAlarms.assess(finding('CloudWatch.1'), ctx);

    // Assess
    expect(result.plan).toBeUndefined();
    expect(result.blocked).toBeUndefined();
    expect(result.riskReason).toBe('Filter root-usage and alarm root-alarm already cover CloudWatch.1');
  });

  it('is blocked when no alarm topic is configured', async () => {
    // Prepare
    const { ctx } = simulatedAccount(account());

    // Act
    const result = await cloudWatchCisAlarms.assess(finding('CloudWatch.2'), ctx);

    // Assess
    expect(result.blocked).toBe(true);
    expect(result.riskReason).toContain('set alarms.snsTopicArn');
  });
});

describe('cloudwatch-cis-alarms remediate, verify, rollback', () => {
  it('creates exactly one filter and one alarm, verifies them, and rollback deletes exactly those', async () => {
    // Prepare
    const other = { filterName: 'app-errors', filterPattern: 'ERROR', metricName: 'Errors', metricNamespace: 'App' };
    const { ctx, sim } = simulatedAccount(account({ logGroups: [{ name: 'org-trail', metricFilters: [other] }] }), config);
    const assessment = await cloudWatchCisAlarms.assess(finding('CloudWatch.10'), ctx);

    // Act
    const change = await cloudWatchCisAlarms.remediate(finding('CloudWatch.10'), assessment.plan!, ctx);
    const observed = await cloudWatchCisAlarms.verify(finding('CloudWatch.10'), change, ctx);
    const afterFix = snapshotOf(sim);
    await cloudWatchCisAlarms.rollback(finding('CloudWatch.10'), change, ctx);

    // Assess
    expect(afterFix).toEqual({
      filters: ['app-errors', 'hubfix-cis-SecurityGroupChanges'],
      alarms: ['alarm/hubfix-CloudWatch.10-SecurityGroupChanges'],
    });
    expect(observed).toMatch(
      new RegExp(
        'filter hubfix-cis-SecurityGroupChanges with the CIS pattern on org-trail; ' +
          'alarm hubfix-CloudWatch\\.10-SecurityGroupChanges watches LogMetrics/SecurityGroupChanges',
      ),
    );
    expect(snapshotOf(sim)).toEqual({ filters: ['app-errors'], alarms: [] });
  });

  it('records the filter and alarm as absent when a retry finds them already created, so rollback still deletes them', async () => {
    // Prepare: the first remediate created both, but its response was lost
    const { ctx, sim } = simulatedAccount(account(), config);
    const { plan } = await cloudWatchCisAlarms.assess(finding('CloudWatch.10'), ctx);
    const first = await cloudWatchCisAlarms.remediate(finding('CloudWatch.10'), plan!, ctx);

    // Act
    const retried = await cloudWatchCisAlarms.remediate(finding('CloudWatch.10'), plan!, ctx);
    const undone = await cloudWatchCisAlarms.rollback(finding('CloudWatch.10'), retried, ctx);
    const again = await cloudWatchCisAlarms.rollback(finding('CloudWatch.10'), retried, ctx);

    // Assess
    expect(retried).toEqual(first);
    expect(retried.before).toMatchObject({ filter: null, alarm: null });
    expect(undone.summary).toBe(
      'Rolled back on org-trail: deleted alarm hubfix-CloudWatch.10-SecurityGroupChanges, deleted metric filter ' +
        'hubfix-cis-SecurityGroupChanges',
    );
    expect(again).toEqual(undone);
    expect(snapshotOf(sim)).toEqual({ filters: [], alarms: [] });
  });

  it('adds only the alarm when the CIS filter exists, and rollback leaves that filter alone', async () => {
    // Prepare
    const existing = {
      filterName: 'cis-vpc',
      filterPattern: CIS_METRIC_FILTERS['CloudWatch.14'].pattern,
      metricName: 'VpcChanges',
      metricNamespace: 'CIS',
    };
    const { ctx, sim } = simulatedAccount(account({ logGroups: [{ name: 'org-trail', metricFilters: [existing] }] }), config);
    const assessment = await cloudWatchCisAlarms.assess(finding('CloudWatch.14'), ctx);

    // Act
    const change = await cloudWatchCisAlarms.remediate(finding('CloudWatch.14'), assessment.plan!, ctx);
    await cloudWatchCisAlarms.verify(finding('CloudWatch.14'), change, ctx);
    await cloudWatchCisAlarms.rollback(finding('CloudWatch.14'), change, ctx);

    // Assess
    expect(assessment.plan?.steps).toHaveLength(1);
    expect(assessment.plan?.parameters).toMatchObject({ metricName: 'VpcChanges', namespace: 'CIS' });
    expect(change.summary).toBe(`Created alarm hubfix-CloudWatch.14-VPCChanges on org-trail notifying ${TOPIC}`);
    expect(snapshotOf(sim)).toEqual({ filters: ['cis-vpc'], alarms: [] });
  });

  it('fails verification when the alarm is gone after remediation', async () => {
    // Prepare
    const { ctx, sim } = simulatedAccount(account(), config);
    const assessment = await cloudWatchCisAlarms.assess(finding('CloudWatch.7'), ctx);
    const change = await cloudWatchCisAlarms.remediate(finding('CloudWatch.7'), assessment.plan!, ctx);
    (sim.account(HOME_ACCOUNT).states.get('metricAlarms') as unknown[]).length = 0;

    // Act
    const verifying = cloudWatchCisAlarms.verify(finding('CloudWatch.7'), change, ctx);

    // Assess
    await expect(verifying).rejects.toThrow(VerificationFailedError);
    await expect(cloudWatchCisAlarms.verify(finding('CloudWatch.7'), change, ctx)).rejects.toThrow(
      'Alarm hubfix-CloudWatch.7-DisableOrDeleteCMK does not exist',
    );
  });
});

describe('CIS metric filter table', () => {
  it('covers CloudWatch.1 to CloudWatch.14, each with a JSON filter pattern and its own metric', () => {
    // Assess
    expect(Object.keys(CIS_METRIC_FILTERS)).toEqual(Array.from({ length: 14 }, (_, i) => `CloudWatch.${i + 1}`));
    for (const filter of Object.values(CIS_METRIC_FILTERS)) expect(filter.pattern).toMatch(/^\{.*\}$/);
    expect(new Set(Object.values(CIS_METRIC_FILTERS).map((f) => f.metricName)).size).toBe(14);
  });

  it('treats an added term as a different filter (Security Hub requires the exact pattern)', () => {
    // Prepare
    const cis = CIS_METRIC_FILTERS['CloudWatch.6'];

    // Act / Assess
    expect(isCisPattern(cis, '{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication") }')).toBe(true);
    expect(isCisPattern(cis, '{($.eventName=ConsoleLogin) && ($.errorMessage="Failedauthentication")}')).toBe(false);
    expect(isCisPattern(cis, '{($.eventName=ConsoleLogin) && ($.errorMessage="Failed authentication") && ($.awsRegion=us-east-1)}')).toBe(
      false,
    );
  });
});
