import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultConfig } from '../../functions/platform/config';
import type { WorkflowState } from '../../functions/findings/types';
import { networkAclAdminPorts } from '../../functions/controls/network-acl-admin-ports/definition';
import type { LocalCloud } from '../../sandbox/local-cloud';
import { aclEntries } from '../support/network';
import { runToEnd, startCloud } from '../support/workflow';

const scenarios = join(__dirname, '../../functions/controls/network-acl-admin-ports');
const fixture = JSON.parse(readFileSync(join(scenarios, 'scenario.json'), 'utf8')) as Record<string, unknown>;
const event = JSON.parse(readFileSync(join(scenarios, 'scenario-event.json'), 'utf8')) as {
  detail: { findings: { Resources: { Id: string }[] }[] };
};
const WORKLOADS = '222222222222';
const EMPTY_SUBNET_ACL = 'acl-0ac1000000000a001';
const PRODUCTION_ACL = 'acl-0ac1000000000a002';
const DEFAULT_ACL = 'acl-0ac1000000000a003';
const eventFor = (aclId: string) => ({
  ...event,
  detail: { ...event.detail, findings: event.detail.findings.filter((f) => f.Resources[0].Id.endsWith(aclId)) },
});

let cloud: LocalCloud;
afterEach(async () => cloud?.stop());

describe('network ACL admin-port workflow, executed from the synthesized definition', () => {
  it('turns the SSH and RDP allows into denies automatically (auto mode), verifies, and rollback restores the entries', async () => {
    // Prepare
    cloud = await startCloud(fixture, { ...defaultConfig(), controls: { 'EC2.21': 'auto' } });
    const before = aclEntries(cloud.sim, EMPTY_SUBNET_ACL, WORKLOADS);

    // Act
    const report = await runToEnd(cloud, eventFor(EMPTY_SUBNET_ACL));
    const afterRun = aclEntries(cloud.sim, EMPTY_SUBNET_ACL, WORKLOADS);
    const [execution] = [...cloud.stepFunctions.executions.values()];
    const state = execution.output as WorkflowState;
    if (!state.change) throw new Error('the run recorded no change');
    await networkAclAdminPorts.rollback(state.finding, state.change, {
      clients: cloud.runtime.clients,
      config: cloud.runtime.config,
      now: cloud.runtime.now,
    });

    // Assess
    expect(report.findings[0]).toMatchObject({ outcome: 'resolved', workflowStatus: 'RESOLVED' });
    expect(execution.states).toEqual(['Assess', 'Route', 'Remediate', 'Verify', 'Annotate', 'Outcome', 'Done']);
    expect(afterRun).toEqual(['100 deny 6 22-22 0.0.0.0/0', '110 deny 6 3389-3389 0.0.0.0/0', '120 allow 6 443-443 0.0.0.0/0']);
    expect(aclEntries(cloud.sim, EMPTY_SUBNET_ACL, WORKLOADS)).toEqual(before);
  });

  it(
    'asks a person when a production instance sits in the subnet, with that instance in the email, and applies the deny once ' + 'approved',
    async () => {
      // Prepare
      cloud = await startCloud(fixture);

      // Act
      const report = await runToEnd(cloud, eventFor(PRODUCTION_ACL), 'approve');

      // Assess
      expect(report.emails).toHaveLength(1);
      expect(cloud.sim.published[0].message).toContain(
        'running production instance i-0fedcba9876543210 (environment=production) uses subnet(s) subnet-0c0ffee00000b0002',
      );
      expect(report.findings[0]).toMatchObject({ outcome: 'resolved', workflowStatus: 'RESOLVED' });
      expect(aclEntries(cloud.sim, PRODUCTION_ACL, WORKLOADS)).toEqual(['100 deny 6 22-22 0.0.0.0/0', '120 allow 6 443-443 0.0.0.0/0']);
    },
  );

  it('leaves the default ACL\u2019s allow-all entry alone and tells the analyst how to split it', async () => {
    // Prepare
    cloud = await startCloud(fixture, { ...defaultConfig(), controls: { 'EC2.21': 'auto' } });

    // Act
    const report = await runToEnd(cloud, eventFor(DEFAULT_ACL));

    // Assess
    expect(report.findings[0]).toMatchObject({ outcome: 'skipped', workflowStatus: 'NOTIFIED' });
    expect(report.findings[0].note).toMatch(/cannot fix EC2.21 safely: inbound entry 100 \(allow all traffic from 0.0.0.0\/0\).*Split it/);
    expect(cloud.sim.calls.filter((c) => c.command === 'ReplaceNetworkAclEntry')).toHaveLength(0);
    expect(aclEntries(cloud.sim, DEFAULT_ACL, WORKLOADS)).toEqual(['100 allow -1 0.0.0.0/0']);
  });
});
