import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultConfig } from '../../functions/platform/config';
import type { WorkflowState } from '../../functions/findings/types';
import { securityGroupAdminPorts } from '../../functions/controls/security-group-admin-ports/definition';
import type { LocalCloud } from '../../sandbox/local-cloud';
import { groupRules, networkOf } from '../support/network';
import { runToEnd, startCloud } from '../support/workflow';

const scenarios = join(__dirname, '../../functions/controls/security-group-admin-ports');
const fixture = JSON.parse(readFileSync(join(scenarios, 'scenario.json'), 'utf8')) as Record<string, unknown>;
const event = JSON.parse(readFileSync(join(scenarios, 'scenario-event.json'), 'utf8')) as {
  detail: { findings: { Resources: { Id: string }[] }[] };
};
const WORKLOADS = '222222222222';
const BASTION = 'sg-0a11ce0000000b001';
const SHOP_WEB = 'sg-0a11ce0000000b002';
const eventFor = (groupId: string) => ({
  ...event,
  detail: { ...event.detail, findings: event.detail.findings.filter((f) => f.Resources[0].Id.endsWith(groupId)) },
});
const autoForLowRisk = { ...defaultConfig(), controls: { 'EC2.13': 'auto' as const } };

let cloud: LocalCloud;
afterEach(async () => cloud?.stop());

const rollBackRun = async (c: LocalCloud) => {
  const [execution] = [...c.stepFunctions.executions.values()];
  const state = execution.output as WorkflowState;
  if (!state.change) throw new Error('the run recorded no change');
  await securityGroupAdminPorts.rollback(state.finding, state.change, {
    clients: c.runtime.clients,
    config: c.runtime.config,
    now: c.runtime.now,
  });
  return execution;
};

describe('security-group admin-port workflow, executed from the synthesized definition', () => {
  it('revokes the world-open SSH rule of an unused group automatically (auto mode), verifies it, and rollback restores it', async () => {
    // Prepare
    cloud = await startCloud(fixture, autoForLowRisk);

    // Act
    const report = await runToEnd(cloud, eventFor(BASTION));
    const afterRun = groupRules(cloud.sim, BASTION, WORKLOADS);
    const execution = await rollBackRun(cloud);

    // Assess
    expect(report.findings[0]).toMatchObject({ outcome: 'resolved', workflowStatus: 'RESOLVED' });
    expect(execution.states).toEqual(['Assess', 'Route', 'Remediate', 'Verify', 'Annotate', 'Outcome', 'Done']);
    expect(report.emails).toHaveLength(0);
    expect(afterRun.ingress).toEqual(['tcp 22 203.0.113.0/24']);
    expect(networkOf(cloud.sim, WORKLOADS).groups[0].ingress).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ protocol: 'tcp', fromPort: 22, cidrIpv4: '0.0.0.0/0', description: 'temporary ssh' }),
      ]),
    );
  });

  it('asks a person before touching a group behind a production instance and a load balancer, then revokes only the SSH rule', async () => {
    // Prepare
    cloud = await startCloud(fixture);

    // Act
    const report = await runToEnd(cloud, eventFor(SHOP_WEB), 'approve');
    const afterRun = groupRules(cloud.sim, SHOP_WEB, WORKLOADS);
    await rollBackRun(cloud);

    // Assess
    expect(report.emails).toHaveLength(1);
    const email = cloud.sim.published[0].message;
    expect(email).toContain('i-0fedcba9876543210');
    expect(email).toContain('environment=production');
    expect(email).toContain('ELB app/shop-alb/50dc6c495c0c9188');
    expect(report.findings[0]).toMatchObject({ outcome: 'resolved', workflowStatus: 'RESOLVED' });
    expect(afterRun.ingress).toEqual(['tcp 443 0.0.0.0/0']);
    expect(groupRules(cloud.sim, SHOP_WEB, WORKLOADS).ingress.sort()).toEqual(['tcp 22 0.0.0.0/0', 'tcp 443 0.0.0.0/0']);
  });

  it('routes the high-risk group to approval even in auto mode, and changes nothing when rejected', async () => {
    // Prepare
    cloud = await startCloud(fixture, autoForLowRisk);

    // Act
    const report = await runToEnd(cloud, eventFor(SHOP_WEB), 'reject');

    // Assess
    expect(report.findings[0]).toMatchObject({ outcome: 'rejected', workflowStatus: 'NOTIFIED' });
    expect(groupRules(cloud.sim, SHOP_WEB, WORKLOADS).ingress).toEqual(['tcp 22 0.0.0.0/0', 'tcp 443 0.0.0.0/0']);
    expect(cloud.sim.calls.filter((c) => c.command.startsWith('Revoke'))).toHaveLength(0);
  });

  it('by default (on-request) revokes the rule of a group no interface uses when an analyst asks, without a second person', async () => {
    // Prepare: no configuration: EC2.13 in its default mode
    cloud = await startCloud(fixture);

    // Act
    const report = await runToEnd(cloud, eventFor(BASTION));

    // Assess
    expect(securityGroupAdminPorts.defaultMode).toBe('on-request');
    expect(report.emails).toHaveLength(0);
    expect(report.findings[0]).toMatchObject({ outcome: 'resolved', workflowStatus: 'RESOLVED' });
    expect(groupRules(cloud.sim, BASTION, WORKLOADS).ingress).toEqual(['tcp 22 203.0.113.0/24']);
  });

  it(
    'by default waits for a person when a usage signal cannot be ' + 'read, naming what was not seen, and changes nothing when rejected',
    async () => {
      // Prepare: the peered-VPC references of the group cannot be read
      cloud = await startCloud(fixture);
      cloud.sim.faults = (call) => {
        if (call.command === 'DescribeSecurityGroupReferences') {
          throw Object.assign(new Error('You are not authorized to perform this operation.'), { name: 'UnauthorizedOperation' });
        }
      };

      // Act
      const report = await runToEnd(cloud, eventFor(BASTION), 'reject');

      // Assess
      expect(report.emails).toHaveLength(1);
      expect(cloud.sim.published[0].message).toContain(
        `Could not read references to ${BASTION} from peered VPCs and transit gateways (UnauthorizedOperation)`,
      );
      expect(cloud.sim.published[0].message).toContain('Risk: unknown');
      expect(report.findings[0]).toMatchObject({ outcome: 'rejected', workflowStatus: 'NOTIFIED' });
      expect(groupRules(cloud.sim, BASTION, WORKLOADS).ingress).toEqual(expect.arrayContaining(['tcp 22 0.0.0.0/0']));
    },
  );
});
