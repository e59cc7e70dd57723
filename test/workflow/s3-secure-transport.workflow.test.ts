import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultConfig } from '../../functions/platform/config';
import type { WorkflowState } from '../../functions/findings/types';
import { s3SecureTransport } from '../../functions/controls/s3-secure-transport/definition';
import type { LocalCloud } from '../../sandbox/local-cloud';
import { runToEnd, startCloud } from '../support/workflow';

const scenarios = join(__dirname, '../../functions/controls/s3-secure-transport');
const fixture = JSON.parse(readFileSync(join(scenarios, 'scenario.json'), 'utf8')) as Record<string, unknown>;
const event = JSON.parse(readFileSync(join(scenarios, 'scenario-event.json'), 'utf8')) as {
  detail: { findings: { Resources: { Id: string }[] }[] };
};
const WORKLOADS = '222222222222';
const eventFor = (bucket: string) => ({
  ...event,
  detail: { ...event.detail, findings: event.detail.findings.filter((f) => f.Resources[0].Id === `arn:aws:s3:::${bucket}`) },
});
const policyOf = (cloud: LocalCloud, bucket: string) =>
  (cloud.sim.account(WORKLOADS).states.get('s3') as Map<string, { policy?: string }>).get(bucket)?.policy;

let cloud: LocalCloud;
afterEach(async () => cloud?.stop());

describe('S3 deny-non-TLS workflow, executed from the synthesized definition', () => {
  it(
    'waits for a person even in auto mode when no data-event source shows plain-HTTP clients; once approved merges the deny, and ' +
      'rollback restores the exact previous policy',
    async () => {
      // Prepare: S3.5 in auto mode; no trail records the bucket's data events, so plain-HTTP clients are not seen
      cloud = await startCloud(fixture, { ...defaultConfig(), controls: { 'S3.5': 'auto' } });
      const previous = policyOf(cloud, 'reports-archive');

      // Act
      const report = await runToEnd(cloud, eventFor('reports-archive'), 'approve');
      const [execution] = [...cloud.stepFunctions.executions.values()];
      const state = execution.output as WorkflowState;
      const afterRun = JSON.parse(policyOf(cloud, 'reports-archive') ?? '{}') as { Statement: { Sid: string }[] };
      if (!state.change) throw new Error('the run recorded no change');
      await s3SecureTransport.rollback(state.finding, state.change, {
        clients: cloud.runtime.clients,
        config: cloud.runtime.config,
        now: cloud.runtime.now,
      });

      // Assess
      expect(report.emails).toHaveLength(1);
      expect(report.findings[0]).toMatchObject({ outcome: 'resolved', workflowStatus: 'RESOLVED' });
      expect(execution.states).toEqual(expect.arrayContaining(['RequestApproval', 'Remediate', 'Verify']));
      expect(report.findings[0].note).toContain(
        'Verified: The policy of reports-archive denies requests without TLS and keeps its 1 previous statement(s)',
      );
      expect(report.findings[0].note).toContain('Risk unknown, a person decides: Signal unavailable');
      expect(afterRun.Statement.map((s) => s.Sid)).toEqual(['AuditorsRead', 'HubfixDenyInsecureTransport']);
      expect(policyOf(cloud, 'reports-archive')).toBe(previous);
    },
  );

  it('asks a person by default, stating that the plain-HTTP signal is unavailable', async () => {
    // Prepare
    cloud = await startCloud(fixture);

    // Act
    const report = await runToEnd(cloud, eventFor('reports-archive'), 'approve');

    // Assess
    expect(report.emails).toHaveLength(1);
    expect(cloud.sim.published[0].message).toContain(
      'Signal unavailable: none of the 1 CloudTrail trail(s) records S3 data events for reports-archive, so whether any client ' +
        'reaches reports-archive over plain HTTP is not seen.',
    );
    expect(report.findings[0]).toMatchObject({ outcome: 'resolved' });
  });

  it(
    'routes a bucket with plain-HTTP callers to approval even in auto mode, naming them in the email, and rollback deletes the ' +
      'policy it created',
    async () => {
      // Prepare
      cloud = await startCloud(fixture, { ...defaultConfig(), controls: { 'S3.5': 'auto' } });

      // Act
      const report = await runToEnd(cloud, eventFor('orders-exports'), 'approve');
      const [execution] = [...cloud.stepFunctions.executions.values()];
      const state = execution.output as WorkflowState;
      const afterRun = policyOf(cloud, 'orders-exports');
      if (!state.change) throw new Error('the run recorded no change');
      await s3SecureTransport.rollback(state.finding, state.change, {
        clients: cloud.runtime.clients,
        config: cloud.runtime.config,
        now: cloud.runtime.now,
      });

      // Assess
      expect(execution.states).toEqual(expect.arrayContaining(['RequestApproval', 'Decision', 'Remediate', 'Verify']));
      const email = cloud.sim.published[0].message;
      expect(email).toContain(
        '2 of 3 requests to orders-exports in the last 14 days came over plain HTTP (no TLS) and would be denied: ' +
          'from 198.51.100.7; user agents legacy-uploader/1.0; operations PutObject',
      );
      expect(report.findings[0]).toMatchObject({ outcome: 'resolved', workflowStatus: 'RESOLVED' });
      expect(afterRun).toContain('HubfixDenyInsecureTransport');
      expect(policyOf(cloud, 'orders-exports')).toBeUndefined();
    },
  );
});
