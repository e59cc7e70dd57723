import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig } from '../../functions/platform/config';
import type { WorkflowState } from '../../functions/findings/types';
import { vpcFlowLogs } from '../../functions/controls/vpc-flow-logs/definition';
import type { LocalCloud } from '../../sandbox/local-cloud';
import { runToEnd, startCloud } from '../support/workflow';

const scenarios = join(__dirname, '../../functions/controls/vpc-flow-logs');
const read = (name: string) => JSON.parse(readFileSync(join(scenarios, name), 'utf8')) as Record<string, unknown>;
const fixture = read('scenario.json');
const event = read('scenario-event.json') as { detail: { findings: { Resources: { Id: string }[] }[] } };
const withCentralBucket = parseConfig(read('scenario.config.json'));
const WORKLOADS = '222222222222';
const TEAM_FLOW_LOG = 'fl-0123456789abcdef0 ALL → arn:aws:logs:us-east-1:222222222222:log-group:payments-team-flow-logs';
const eventFor = (vpcId: string) => ({
  ...event,
  detail: { ...event.detail, findings: event.detail.findings.filter((f) => f.Resources[0].Id.endsWith(vpcId)) },
});
const flowLogsOf = (cloud: LocalCloud, vpcId: string) =>
  (cloud.sim.snapshot()[WORKLOADS].ec2Vpc as Record<string, string[]>)[`vpc/${vpcId}`];

let cloud: LocalCloud;
afterEach(async () => cloud?.stop());

describe('VPC flow-logs workflow, executed from the synthesized definition', () => {
  it("adds the central flow log next to another team's, resolves the finding, and rollback removes only hubfix's flow log", async () => {
    // Prepare
    cloud = await startCloud(fixture, withCentralBucket);

    // Act
    const report = await runToEnd(cloud, eventFor('vpc-0a1b2c3d4e5f60002'));
    const state = [...cloud.stepFunctions.executions.values()][0].output as WorkflowState;
    const afterRun = flowLogsOf(cloud, 'vpc-0a1b2c3d4e5f60002');
    if (!state.change) throw new Error('the run recorded no change');
    await vpcFlowLogs.rollback(state.finding, state.change, {
      clients: cloud.runtime.clients,
      config: cloud.runtime.config,
      now: cloud.runtime.now,
    });

    // Assess
    expect(report.findings[0]).toMatchObject({ outcome: 'resolved', workflowStatus: 'RESOLVED' });
    expect(report.findings[0].note).toMatch(
      /Created REJECT flow log fl-\w+ on VPC vpc-0a1b2c3d4e5f60002 to arn:aws:s3:::secops-central-flow-logs/,
    );
    expect(afterRun).toEqual([TEAM_FLOW_LOG, expect.stringMatching(/^fl-\w+ REJECT → arn:aws:s3:::secops-central-flow-logs$/)]);
    expect(flowLogsOf(cloud, 'vpc-0a1b2c3d4e5f60002')).toEqual([TEAM_FLOW_LOG]);
  });

  it('adds a flow log to a VPC that had none, automatically', async () => {
    // Prepare
    cloud = await startCloud(fixture, withCentralBucket);

    // Act
    const report = await runToEnd(cloud, eventFor('vpc-0a1b2c3d4e5f60001'));

    // Assess
    expect(report.findings[0]).toMatchObject({ outcome: 'resolved', workflowStatus: 'RESOLVED' });
    expect(report.emails).toHaveLength(0);
    expect(flowLogsOf(cloud, 'vpc-0a1b2c3d4e5f60001')).toHaveLength(1);
  });

  it("routes to approval in approval mode, and the email shows the other team's flow log the control was satisfied by", async () => {
    // Prepare
    cloud = await startCloud(fixture, { ...withCentralBucket, controls: { 'EC2.6': 'approval' } });

    // Act
    const report = await runToEnd(cloud, eventFor('vpc-0a1b2c3d4e5f60002'), 'reject');

    // Assess
    expect(report.emails).toHaveLength(1);
    expect(cloud.sim.published[0].message).toContain(
      'none delivering rejected traffic to a central destination (the control passes while the security team sees nothing)',
    );
    expect(report.findings[0]).toMatchObject({ outcome: 'rejected' });
    expect(flowLogsOf(cloud, 'vpc-0a1b2c3d4e5f60002')).toEqual([TEAM_FLOW_LOG]);
  });

  it('changes nothing without a configured central destination and tells the finding which setting is missing', async () => {
    // Prepare
    cloud = await startCloud(fixture);

    // Act
    const report = await runToEnd(cloud, eventFor('vpc-0a1b2c3d4e5f60001'));

    // Assess
    expect(report.findings[0]).toMatchObject({ outcome: 'skipped', workflowStatus: 'NOTIFIED' });
    expect(report.findings[0].note).toContain('set flowLogs.centralDestinations');
    expect(flowLogsOf(cloud, 'vpc-0a1b2c3d4e5f60001')).toEqual([]);
  });
});
