import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultConfig } from '../../functions/platform/config';
import type { WorkflowState } from '../../functions/findings/types';
import { ebsDefaultEncryption } from '../../functions/controls/ebs-default-encryption/definition';
import type { LocalCloud } from '../../sandbox/local-cloud';
import { runToEnd, startCloud } from '../support/workflow';

const scenarios = join(__dirname, '../../functions/controls/ebs-default-encryption');
const fixture = JSON.parse(readFileSync(join(scenarios, 'scenario.json'), 'utf8')) as Record<string, unknown>;
const event = JSON.parse(readFileSync(join(scenarios, 'scenario-event.json'), 'utf8')) as {
  detail: { findings: Record<string, unknown>[] };
};
const WORKLOADS = '222222222222';
const eventFor = (region: string) => ({
  ...event,
  detail: { ...event.detail, findings: event.detail.findings.filter((f) => f.Region === region) },
});
const encryptionByDefault = (cloud: LocalCloud, region: string) =>
  (cloud.sim.snapshot()[WORKLOADS].ec2Vpc as Record<string, boolean>)[`ebs-encryption-by-default/${region}`];

let cloud: LocalCloud;
afterEach(async () => cloud?.stop());

describe('EBS encryption-by-default workflow, executed from the synthesized definition', () => {
  it('turns the default on automatically in the finding region, verifies it, resolves the finding, and rollback restores it', async () => {
    // Prepare
    cloud = await startCloud(fixture);

    // Act
    const report = await runToEnd(cloud, eventFor('us-east-1'));
    const [execution] = [...cloud.stepFunctions.executions.values()];
    const state = execution.output as WorkflowState;
    const afterRun = encryptionByDefault(cloud, 'us-east-1');
    if (!state.change) throw new Error('the run recorded no change');
    await ebsDefaultEncryption.rollback(state.finding, state.change, {
      clients: cloud.runtime.clients,
      config: cloud.runtime.config,
      now: cloud.runtime.now,
    });

    // Assess
    expect(report.findings[0]).toMatchObject({ outcome: 'resolved', workflowStatus: 'RESOLVED' });
    expect(execution.states).toEqual(['Assess', 'Route', 'Remediate', 'Verify', 'Annotate', 'Outcome', 'Done']);
    expect(report.findings[0].note).toContain('Verified: EC2 reports EBS encryption by default on in us-east-1');
    expect(report.emails).toHaveLength(0);
    expect(afterRun).toBe(true);
    expect(encryptionByDefault(cloud, 'us-east-1')).toBe(false);
  });

  it('asks a person first when EC2.7 is in approval mode, with the new-volumes-only evidence in the email', async () => {
    // Prepare
    cloud = await startCloud(fixture, { ...defaultConfig(), controls: { 'EC2.7': 'approval' } });

    // Act
    const report = await runToEnd(cloud, eventFor('us-east-1'), 'approve');

    // Assess
    expect(report.emails).toHaveLength(1);
    expect(cloud.sim.published[0].message).toContain('only to volumes created after it is turned on');
    expect(report.findings[0]).toMatchObject({ outcome: 'resolved' });
    expect(report.findings[0].note).toContain('after approval by Ana Approver <ana@example.test>');
  });

  it('changes nothing in a region where the default is already on', async () => {
    // Prepare
    cloud = await startCloud(fixture);

    // Act
    const report = await runToEnd(cloud, eventFor('eu-west-1'));

    // Assess
    expect(report.findings[0]).toMatchObject({ outcome: 'skipped' });
    expect(report.findings[0].note).toContain('already on for account 222222222222 in eu-west-1');
    expect(cloud.sim.calls.filter((c) => c.command.endsWith('EbsEncryptionByDefault') && !c.command.startsWith('Get'))).toHaveLength(0);
  });
});
