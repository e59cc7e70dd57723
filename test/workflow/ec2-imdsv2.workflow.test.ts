import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig } from '../../functions/platform/config';
import type { WorkflowState } from '../../functions/findings/types';
import { ec2Imdsv2 } from '../../functions/controls/ec2-imdsv2/definition';
import type { LocalCloud } from '../../sandbox/local-cloud';
import { runToEnd, startCloud } from '../support/workflow';

const scenarios = join(__dirname, '../../functions/controls/ec2-imdsv2');
const read = (name: string) => JSON.parse(readFileSync(join(scenarios, name), 'utf8')) as Record<string, unknown>;
const fixture = read('scenario.json');
const event = read('scenario-event.json') as { detail: { findings: { Resources: { Id: string }[] }[] } };
const autoMode = parseConfig(read('scenario.config.json'));
const SAFE = 'i-0a1b2c3d4e5f60001';
const RISKY = 'i-0a1b2c3d4e5f60002';
const eventFor = (instanceId: string) => ({
  ...event,
  detail: { ...event.detail, findings: event.detail.findings.filter((f) => f.Resources[0].Id.endsWith(instanceId)) },
});
const tokensOf = (cloud: LocalCloud, instanceId: string) =>
  (cloud.sim.snapshot()['222222222222'].instances as Record<string, string>)[`instance/${instanceId}`];

let cloud: LocalCloud;
afterEach(async () => cloud?.stop());

describe('IMDSv2 workflow, executed from the synthesized definition', () => {
  it('requires IMDSv2 automatically on an instance with no IMDSv1 calls (EC2.8 in auto mode), and rollback restores optional tokens', async () => {
    // Prepare
    cloud = await startCloud(fixture, autoMode);

    // Act
    const report = await runToEnd(cloud, eventFor(SAFE));
    const [execution] = [...cloud.stepFunctions.executions.values()];
    const state = execution.output as WorkflowState;
    const afterRun = tokensOf(cloud, SAFE);
    if (!state.change) throw new Error('the run recorded no change');
    await ec2Imdsv2.rollback(state.finding, state.change, {
      clients: cloud.runtime.clients,
      config: cloud.runtime.config,
      now: cloud.runtime.now,
    });

    // Assess
    expect(report.findings[0]).toMatchObject({ outcome: 'resolved', workflowStatus: 'RESOLVED' });
    expect(execution.states).toEqual(['Assess', 'Route', 'Remediate', 'Verify', 'Annotate', 'Outcome', 'Done']);
    expect(report.findings[0].note).toContain(`Verified: EC2 reports HttpTokens=required (applied) on ${SAFE}`);
    expect(afterRun).toBe('HttpTokens=required');
    expect(tokensOf(cloud, SAFE)).toBe('HttpTokens=optional');
  });

  it('sends an instance still making IMDSv1 calls to approval, with the call count in the email, even in auto mode', async () => {
    // Prepare
    cloud = await startCloud(fixture, autoMode);

    // Act
    const report = await runToEnd(cloud, eventFor(RISKY), 'reject');

    // Assess
    expect(report.emails).toHaveLength(1);
    const email = cloud.sim.published[0].message;
    expect(email).toMatch(new RegExp(`\\d+ IMDSv1 calls \\(MetadataNoToken\\) from ${RISKY} in the last 14 days`));
    expect(email).toContain(`Instance ${RISKY} is tagged environment=production.`);
    expect(report.findings[0]).toMatchObject({ outcome: 'rejected', workflowStatus: 'NOTIFIED' });
    expect(tokensOf(cloud, RISKY)).toBe('HttpTokens=optional');
  });

  it('asks a person for every instance by default (approval mode) and remediates once approved', async () => {
    // Prepare
    cloud = await startCloud(fixture);

    // Act
    const report = await runToEnd(cloud, eventFor(SAFE), 'approve');

    // Assess
    expect(report.emails).toHaveLength(1);
    expect(report.findings[0]).toMatchObject({ outcome: 'resolved', workflowStatus: 'RESOLVED' });
    expect(report.findings[0].note).toContain('after approval by Ana Approver <ana@example.test>');
    expect(tokensOf(cloud, SAFE)).toBe('HttpTokens=required');
  });
});
