import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig } from '../../functions/platform/config';
import type { FindingRef, WorkflowState } from '../../functions/findings/types';
import { cloudWatchCisAlarms } from '../../functions/controls/cloudwatch-cis-alarms/definition';
import type { LocalCloud } from '../../sandbox/local-cloud';
import { runToEnd, startCloud } from '../support/workflow';

const scenarios = join(__dirname, '../../functions/controls/cloudwatch-cis-alarms');
const read = <T>(name: string) => JSON.parse(readFileSync(join(scenarios, name), 'utf8')) as T;
const fixture = read<Record<string, unknown>>('scenario.json');
const config = parseConfig(read<unknown>('scenario.config.json'));
type Finding = { Id: string; AwsAccountId: string; Compliance: { SecurityControlId: string } };
const event = read<{ detail: { findings: Finding[] } }>('scenario-event.json');
const WORKLOADS = '222222222222';
const eventFor = (controlId: string, account: string) => ({
  ...event,
  detail: {
    ...event.detail,
    findings: event.detail.findings.filter((f) => f.Compliance.SecurityControlId === controlId && f.AwsAccountId === account),
  },
});
const monitoring = (cloud: LocalCloud) => {
  const s = cloud.sim.snapshot()[WORKLOADS];
  return { filters: (s.logGroups as Record<string, string[]>)['logGroup/workloads-trail'], alarms: Object.keys(s.metricAlarms as object) };
};

let cloud: LocalCloud;
afterEach(async () => cloud?.stop());

describe('CIS metric-filter alarms workflow, executed from the synthesized definition', () => {
  it('adds the root-usage filter and alarm automatically, verifies, resolves; rollback removes exactly them', async () => {
    // Prepare
    cloud = await startCloud(fixture, config);

    // Act
    const report = await runToEnd(cloud, eventFor('CloudWatch.1', WORKLOADS));
    const state = [...cloud.stepFunctions.executions.values()][0].output as WorkflowState;
    if (!state.change) throw new Error('the run recorded no change');
    const afterRun = monitoring(cloud);
    await cloudWatchCisAlarms.rollback(state.finding as FindingRef, state.change, {
      clients: cloud.runtime.clients,
      config,
      now: () => new Date(),
    });

    // Assess
    expect(report.findings[0]).toMatchObject({ outcome: 'resolved', workflowStatus: 'RESOLVED' });
    expect(report.findings[0].execution?.states).toEqual(['Assess', 'Route', 'Remediate', 'Verify', 'Annotate', 'Outcome', 'Done']);
    expect(report.emails).toHaveLength(0);
    expect(afterRun).toEqual({
      filters: ['app-errors', 'hubfix-cis-RootAccountUsage'],
      alarms: ['alarm/hubfix-CloudWatch.1-RootAccountUsage'],
    });
    expect(monitoring(cloud)).toEqual({ filters: ['app-errors'], alarms: [] });
  });

  it('does not act where no multi-region trail delivers to CloudWatch Logs, and tells the finding why', async () => {
    // Prepare
    cloud = await startCloud(fixture, config);

    // Act
    const report = await runToEnd(cloud, eventFor('CloudWatch.1', '333333333333'));

    // Assess
    const [finding] = report.findings;
    expect(finding).toMatchObject({ outcome: 'skipped', workflowStatus: 'NOTIFIED' });
    expect(finding.execution?.states).toEqual(['Assess', 'Route', 'Annotate', 'Outcome', 'Done']);
    expect(finding.note).toContain('hubfix cannot fix CloudWatch.1 safely: no multi-region trail delivers');
    expect(finding.note).toContain('legacy-trail: it is single-region');
    expect(report.before).toEqual(report.after);
  });

  it('puts the delivery and topic evidence in the approval email when the control is configured for approval', async () => {
    // Prepare
    cloud = await startCloud(fixture, { ...config, controls: { 'CloudWatch.4': 'approval' } });

    // Act
    const report = await runToEnd(cloud, eventFor('CloudWatch.4', WORKLOADS), 'approve');

    // Assess
    const email = cloud.sim.published[0].message;
    expect(email).toContain('delivers to arn:aws:logs:us-east-1:222222222222:log-group:workloads-trail:*');
    expect(email).toContain('has 2 confirmed subscription(s)');
    expect(report.findings[0]).toMatchObject({ outcome: 'resolved', workflowStatus: 'RESOLVED' });
    expect(monitoring(cloud).alarms).toEqual(['alarm/hubfix-CloudWatch.4-IAMPolicyChanges']);
  });
});
