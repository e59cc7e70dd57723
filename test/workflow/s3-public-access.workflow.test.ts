import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultConfig } from '../../functions/platform/config';
import type { WorkflowState } from '../../functions/findings/types';
import { s3PublicAccess } from '../../functions/controls/s3-public-access/definition';
import type { LocalCloud } from '../../sandbox/local-cloud';
import { runToEnd, startCloud } from '../support/workflow';

const scenarios = join(__dirname, '../../functions/controls/s3-public-access');
const fixture = JSON.parse(readFileSync(join(scenarios, 'scenario.json'), 'utf8')) as Record<string, unknown>;
const event = JSON.parse(readFileSync(join(scenarios, 'scenario-event.json'), 'utf8')) as {
  detail: { findings: { Resources: { Id: string }[] }[] };
};
const WORKLOADS = '222222222222';
/** The event with only the finding about `resourceId`. */
const eventFor = (resourceId: string) => ({
  ...event,
  detail: { ...event.detail, findings: event.detail.findings.filter((f) => f.Resources[0].Id === resourceId) },
});
const SAFE = 'arn:aws:s3:::workloads-assets-origin';
const RISKY = 'arn:aws:s3:::www-example-site';
const ACCOUNT = `AWS::::Account:${WORKLOADS}`;
const ALL_ON = 'blockPublicAcls,ignorePublicAcls,blockPublicPolicy,restrictPublicBuckets';
const s3 = (cloud: LocalCloud) =>
  cloud.sim.snapshot()[WORKLOADS] as { s3: Record<string, { publicAccessBlock: string }>; s3Control: { account: string } };
const bucketBlock = (cloud: LocalCloud, bucket: string) => s3(cloud).s3[`bucket/${bucket}`].publicAccessBlock;

let cloud: LocalCloud;
afterEach(async () => cloud?.stop());

describe('S3 block public access workflow, executed from the synthesized definition', () => {
  it(
    'blocks public access on a private CloudFront origin, verifies ' + 'it, resolves the finding, and rollback removes the block again',
    async () => {
      // Prepare: S3.8 in auto mode, so the low-risk bucket needs nobody
      cloud = await startCloud(fixture, { ...defaultConfig(), controls: { 'S3.8': 'auto' } });

      // Act
      const report = await runToEnd(cloud, eventFor(SAFE));
      const [execution] = [...cloud.stepFunctions.executions.values()];
      const state = execution.output as WorkflowState;
      const afterRun = bucketBlock(cloud, 'workloads-assets-origin');
      if (!state.change) throw new Error('the run recorded no change');
      await s3PublicAccess.rollback(state.finding, state.change, {
        clients: cloud.runtime.clients,
        config: cloud.runtime.config,
        now: cloud.runtime.now,
      });

      // Assess
      expect(report.findings[0]).toMatchObject({ outcome: 'resolved', workflowStatus: 'RESOLVED' });
      expect(execution.states).toEqual(['Assess', 'Route', 'Remediate', 'Verify', 'Annotate', 'Outcome', 'Done']);
      expect(report.findings[0].note).toContain(
        'Verified: S3 reports all four block public access settings on for bucket workloads-assets-origin',
      );
      expect(report.emails).toHaveLength(0);
      expect(afterRun).toBe(ALL_ON);
      expect(bucketBlock(cloud, 'workloads-assets-origin')).toBe('none');
    },
  );

  it('by default (on-request) fixes the safe bucket an analyst asks about without a second person', async () => {
    // Prepare: no configuration: S3.8 in its default mode
    cloud = await startCloud(fixture);

    // Act
    const report = await runToEnd(cloud, eventFor(SAFE));

    // Assess
    expect(report.emails).toHaveLength(0);
    expect(report.findings[0]).toMatchObject({ outcome: 'resolved', workflowStatus: 'RESOLVED' });
    expect(bucketBlock(cloud, 'workloads-assets-origin')).toBe(ALL_ON);
  });

  it('in approval mode asks a person even for the safe bucket, with the low risk stated, and fixes it once approved', async () => {
    // Prepare
    cloud = await startCloud(fixture, { controls: { 'S3.8': 'approval' } });

    // Act
    const report = await runToEnd(cloud, eventFor(SAFE), 'approve');

    // Assess
    expect(report.emails).toHaveLength(1);
    expect(cloud.sim.published[0].message).toContain(
      'CloudFront reads through its own principal, which block public access does not affect',
    );
    expect(report.findings[0]).toMatchObject({ outcome: 'resolved', workflowStatus: 'RESOLVED' });
    expect(bucketBlock(cloud, 'workloads-assets-origin')).toBe(ALL_ON);
  });

  it(
    'routes the public website to approval even in auto mode, with the website evidence in the email, and changes nothing when ' +
      'rejected',
    async () => {
      // Prepare
      cloud = await startCloud(fixture, { ...defaultConfig(), controls: { 'S3.8': 'auto' } });

      // Act
      const report = await runToEnd(cloud, eventFor(RISKY), 'reject');

      // Assess
      const [execution] = [...cloud.stepFunctions.executions.values()];
      expect(execution.states).toEqual(expect.arrayContaining(['RequestApproval', 'Decision']));
      const email = cloud.sim.published[0].message;
      expect(email).toContain(
        'Bucket www-example-site serves a static website (index document index.html); blocking public access takes the site down (403).',
      );
      expect(email).toContain('Bucket www-example-site is public now: its bucket policy is public (PublicReadForWebsite (s3:GetObject)).');
      expect(email).toContain('Bucket www-example-site is tagged environment=production.');
      expect(report.findings[0]).toMatchObject({ outcome: 'rejected', workflowStatus: 'NOTIFIED' });
      expect(bucketBlock(cloud, 'www-example-site')).toBe('none');
    },
  );

  it('assesses the account-level block across every bucket and names the website that would go dark', async () => {
    // Prepare
    cloud = await startCloud(fixture);

    // Act
    const report = await runToEnd(cloud, eventFor(ACCOUNT), 'approve');

    // Assess
    const email = cloud.sim.published[0].message;
    expect(email).toContain('3 of 3 bucket(s) checked; 1 public now and would lose public access: www-example-site.');
    expect(report.findings[0]).toMatchObject({ outcome: 'resolved', workflowStatus: 'RESOLVED' });
    expect(s3(cloud).s3Control.account).toBe(ALL_ON);
  });
});
