import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultConfig } from '../../functions/platform/config';
import type { WorkflowState } from '../../functions/findings/types';
import { defaultSecurityGroup } from '../../functions/controls/default-security-group/definition';
import type { LocalCloud } from '../../sandbox/local-cloud';
import { groupRules } from '../support/network';
import { runToEnd, startCloud } from '../support/workflow';

const scenarios = join(__dirname, '../../functions/controls/default-security-group');
const fixture = JSON.parse(readFileSync(join(scenarios, 'scenario.json'), 'utf8')) as Record<string, unknown>;
const event = JSON.parse(readFileSync(join(scenarios, 'scenario-event.json'), 'utf8')) as {
  detail: { findings: { Resources: { Id: string }[] }[] };
};
const WORKLOADS = '222222222222';
const UNUSED = 'sg-0defa0000000d0001';
const IN_USE = 'sg-0defa0000000d0002';
const eventFor = (groupId: string) => ({
  ...event,
  detail: { ...event.detail, findings: event.detail.findings.filter((f) => f.Resources[0].Id.endsWith(groupId)) },
});

let cloud: LocalCloud;
afterEach(async () => cloud?.stop());

describe('default security group workflow, executed from the synthesized definition', () => {
  it('empties an unused default group automatically (auto mode), verifies it, and rollback restores its exact rules', async () => {
    // Prepare
    cloud = await startCloud(fixture, { ...defaultConfig(), controls: { 'EC2.2': 'auto' } });
    const before = groupRules(cloud.sim, UNUSED, WORKLOADS);

    // Act
    const report = await runToEnd(cloud, eventFor(UNUSED));
    const afterRun = groupRules(cloud.sim, UNUSED, WORKLOADS);
    const [execution] = [...cloud.stepFunctions.executions.values()];
    const state = execution.output as WorkflowState;
    if (!state.change) throw new Error('the run recorded no change');
    await defaultSecurityGroup.rollback(state.finding, state.change, {
      clients: cloud.runtime.clients,
      config: cloud.runtime.config,
      now: cloud.runtime.now,
    });

    // Assess
    expect(report.findings[0]).toMatchObject({ outcome: 'resolved', workflowStatus: 'RESOLVED' });
    expect(execution.states).toEqual(['Assess', 'Route', 'Remediate', 'Verify', 'Annotate', 'Outcome', 'Done']);
    expect(afterRun).toEqual({ ingress: [], egress: [] });
    expect(groupRules(cloud.sim, UNUSED, WORKLOADS)).toEqual(before);
  });

  it('asks a person when interfaces still use the default group, lists them in the email, and changes nothing when rejected', async () => {
    // Prepare
    cloud = await startCloud(fixture);

    // Act
    const report = await runToEnd(cloud, eventFor(IN_USE), 'reject');

    // Assess
    expect(report.emails).toHaveLength(1);
    const email = cloud.sim.published[0].message;
    expect(email).toContain('2 network interface(s) still use it: eni-0defa00000000e001, eni-0defa00000000e002');
    expect(email).toContain('i-0123456789abcdef1');
    expect(email).toContain('AWS Lambda VPC ENI-nightly-report');
    expect(report.findings[0]).toMatchObject({ outcome: 'rejected', workflowStatus: 'NOTIFIED' });
    expect(groupRules(cloud.sim, IN_USE, WORKLOADS)).toEqual({ ingress: [`-1 sg:${IN_USE}`], egress: ['-1 0.0.0.0/0'] });
  });

  it('empties the in-use default group once approved', async () => {
    // Prepare
    cloud = await startCloud(fixture);

    // Act
    const report = await runToEnd(cloud, eventFor(IN_USE), 'approve');

    // Assess
    expect(report.findings[0]).toMatchObject({ outcome: 'resolved', workflowStatus: 'RESOLVED' });
    expect(report.findings[0].note).toContain('after approval by Ana Approver <ana@example.test>');
    expect(groupRules(cloud.sim, IN_USE, WORKLOADS)).toEqual({ ingress: [], egress: [] });
  });
});
