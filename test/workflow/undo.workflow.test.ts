import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LocalCloud } from '../../sandbox/local-cloud';
import { asffFinding, customActionEvent, HOME_ACCOUNT, keyStatus, runToEnd, startCloud } from '../support/workflow';

const demoAccount = JSON.parse(readFileSync(join(__dirname, '../../sandbox/fixtures/demo-account.json'), 'utf8')) as Record<
  string,
  unknown
>;
const keyFinding = (user: string) =>
  asffFinding({ controlId: 'IAM.3', resourceType: 'AwsIamUser', resourceId: `arn:aws:iam::${HOME_ACCOUNT}:user/${user}` });
/** The finding as Security Hub holds it now (with hubfix's annotation), as the console sends it with "Undo fix". */
const current = (cloud: LocalCloud, finding: Record<string, unknown>) =>
  cloud.sim.finding(String(finding.Id), String(finding.ProductArn))?.finding as Record<string, unknown>;

let cloud: LocalCloud;
afterEach(async () => cloud?.stop());

describe('Undo fix', () => {
  it('rolls back an automatic fix, verifies the previous state is back, and keeps the finding NOTIFIED', async () => {
    // Prepare
    cloud = await startCloud(demoAccount);
    const finding = keyFinding('ci-legacy');
    await runToEnd(cloud, customActionEvent([finding]));
    expect(keyStatus(cloud, 'ci-legacy')).toBe('Inactive');

    // Act
    const report = await runToEnd(cloud, customActionEvent([current(cloud, finding)], 'HubfixUndo'));

    // Assess
    expect(report.findings[0]).toMatchObject({ outcome: 'undone', workflowStatus: 'NOTIFIED' });
    expect(report.findings[0].note).toMatch(
      /undid its fix automatically.*Set access key AKIAIOSFODNN7LEGACY1 of ci-legacy to Active.*fails again as before the fix/,
    );
    expect(keyStatus(cloud, 'ci-legacy')).toBe('Active');
    expect(report.emails).toHaveLength(0);
  });

  it('asks for approval again when the original fix needed one', async () => {
    // Prepare
    cloud = await startCloud(demoAccount);
    const finding = keyFinding('orders-service');
    await runToEnd(cloud, customActionEvent([finding]), 'approve');

    // Act
    const report = await runToEnd(cloud, customActionEvent([current(cloud, finding)], 'HubfixUndo'), 'approve');

    // Assess
    expect(cloud.sim.published).toHaveLength(2);
    expect(cloud.sim.published[1].message).toContain('Undoing a fix that Ana Approver <ana@example.test> approved needs approval too');
    expect(report.findings[0].outcome).toBe('undone');
    expect(keyStatus(cloud, 'orders-service')).toBe('Active');
  });

  it('refuses to undo a finding hubfix never fixed, and says so on the finding', async () => {
    // Prepare
    cloud = await startCloud(demoAccount);

    // Act
    const report = await runToEnd(cloud, customActionEvent([keyFinding('dev-alice')], 'HubfixUndo'));

    // Assess
    expect(report.findings[0]).toMatchObject({ outcome: 'skipped' });
    expect(report.findings[0].note).toContain('hubfix has no fix on record for this finding');
    expect(cloud.stepFunctions.executions.size).toBe(0);
  });
});
