import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig } from '../../functions/platform/config';
import type { FindingRef, WorkflowState } from '../../functions/findings/types';
import { cloudTrail } from '../../functions/controls/cloudtrail/definition';
import type { LocalCloud } from '../../sandbox/local-cloud';
import { runToEnd, startCloud } from '../support/workflow';

const scenarios = join(__dirname, '../../functions/controls/cloudtrail');
const read = <T>(name: string) => JSON.parse(readFileSync(join(scenarios, name), 'utf8')) as T;
const fixture = read<Record<string, unknown>>('scenario.json');
const config = parseConfig(read<unknown>('scenario.config.json'));
const event = read<{ detail: { findings: { Compliance: { SecurityControlId: string } }[] } }>('scenario-event.json');
const WORKLOADS = '222222222222';
const LEGACY = '333333333333';
const eventFor = (controlId: string) => ({
  ...event,
  detail: { ...event.detail, findings: event.detail.findings.filter((f) => f.Compliance.SecurityControlId === controlId) },
});
const trailOf = (cloud: LocalCloud, account: string, name: string) =>
  (cloud.sim.snapshot()[account].trails as Record<string, Record<string, unknown>>)[`trail/${name}`];
const onlyExecution = (cloud: LocalCloud) => [...cloud.stepFunctions.executions.values()][0].output as WorkflowState;

let cloud: LocalCloud;
afterEach(async () => cloud?.stop());

describe('CloudTrail workflow, executed from the synthesized definition', () => {
  it('turns on log file validation automatically (configured auto), verifies it and resolves the finding', async () => {
    // Prepare
    cloud = await startCloud(fixture, config);

    // Act
    const report = await runToEnd(cloud, eventFor('CloudTrail.4'));

    // Assess
    const [finding] = report.findings;
    expect(finding).toMatchObject({ outcome: 'resolved', workflowStatus: 'RESOLVED' });
    expect(finding.execution?.states).toEqual(['Assess', 'Route', 'Remediate', 'Verify', 'Annotate', 'Outcome', 'Done']);
    expect(finding.note).toContain('Verified: CloudTrail reports trail workloads-trail with log file validation on, logging');
    expect(trailOf(cloud, WORKLOADS, 'workloads-trail').logFileValidation).toBe(true);
    expect(report.emails).toHaveLength(0);
  });

  it('asks a person before making a single-region trail multi-region, with cost evidence; rollback restores it', async () => {
    // Prepare
    cloud = await startCloud(fixture, config);

    // Act
    const report = await runToEnd(cloud, eventFor('CloudTrail.1'), 'approve');
    const state = onlyExecution(cloud);
    if (!state.change) throw new Error('the run recorded no change');
    const afterRun = trailOf(cloud, LEGACY, 'legacy-trail');
    await cloudTrail.rollback(state.finding as FindingRef, state.change, { clients: cloud.runtime.clients, config, now: () => new Date() });

    // Assess
    const email = cloud.sim.published[0].message;
    expect(email).toContain('would start recording every region into s3://legacy-trail-logs and its CloudWatch Logs group');
    expect(email).toContain('Trail legacy-trail (home us-east-1): single-region, logging, All management events.');
    expect(email).not.toContain('CreateTrail');
    expect(report.findings[0]).toMatchObject({ outcome: 'resolved', workflowStatus: 'RESOLVED' });
    expect(afterRun).toMatchObject({ multiRegion: true, logging: true });
    expect(Object.keys(cloud.sim.snapshot()[LEGACY].trails as object)).toEqual(['trail/legacy-trail']);
    expect(trailOf(cloud, LEGACY, 'legacy-trail').multiRegion).toBe(false);
  });

  it('changes nothing when the encryption key choice is rejected', async () => {
    // Prepare
    cloud = await startCloud(fixture, config);

    // Act
    const report = await runToEnd(cloud, eventFor('CloudTrail.2'), 'reject');

    // Assess
    expect(cloud.sim.published[0].message).toContain('KMS key alias/cloudtrail-logs: usable');
    expect(report.findings[0]).toMatchObject({ outcome: 'rejected', workflowStatus: 'NOTIFIED' });
    expect(trailOf(cloud, WORKLOADS, 'workloads-trail').kmsKeyId).toBeNull();
  });

  it('annotates a trail bucket as blocked, with what to configure, when no access-log bucket is set', async () => {
    // Prepare
    cloud = await startCloud(fixture, { ...config, cloudtrail: {} });

    // Act
    const report = await runToEnd(cloud, eventFor('CloudTrail.7'));

    // Assess
    expect(report.findings[0]).toMatchObject({ outcome: 'skipped', workflowStatus: 'NOTIFIED' });
    expect(report.findings[0].note).toMatch(
      /^hubfix did not act: hubfix cannot fix CloudTrail.7 safely: no access-log bucket is configured: set cloudtrail.accessLogBucket/,
    );
    expect(report.emails).toHaveLength(0);
  });
});
