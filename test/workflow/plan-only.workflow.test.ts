import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LocalCloud } from '../../sandbox/local-cloud';
import { asffFinding, customActionEvent, HOME_ACCOUNT, runToEnd, startCloud } from '../support/workflow';

const demoAccount = JSON.parse(readFileSync(join(__dirname, '../../sandbox/fixtures/demo-account.json'), 'utf8')) as Record<
  string,
  unknown
>;
const keyFinding = (user: string) =>
  asffFinding({ controlId: 'IAM.3', resourceType: 'AwsIamUser', resourceId: `arn:aws:iam::${HOME_ACCOUNT}:user/${user}` });

let cloud: LocalCloud;
afterEach(async () => cloud?.stop());

describe('Plan only', () => {
  it('annotates the finding with the evidence and the exact plan, and changes nothing', async () => {
    // Prepare
    cloud = await startCloud(demoAccount);
    const before = cloud.sim.snapshot();

    // Act
    const report = await runToEnd(cloud, customActionEvent([keyFinding('orders-service')], 'HubfixPlan'));

    // Assess
    const [finding] = report.findings;
    expect(finding.outcome).toBe('planned');
    expect(finding.note).toMatch(/^hubfix plan \(nothing changed\): Deactivate access key AKIAIOSFODNN7ORDERS1 of IAM user orders-service/);
    expect(finding.note).toContain('Risk high');
    expect(finding.execution?.states).toEqual(['Assess', 'Route', 'Annotate', 'Outcome', 'Done']);
    expect(cloud.sim.snapshot()).toEqual(before);
    expect(cloud.sim.calls.filter((c) => /^(Update|Put|Delete|Create|Revoke|Authorize|Modify|Enable)/.test(c.command))).toEqual([]);
    expect(report.emails).toHaveLength(0);
  });

  it('plans without changing anything when the control is in plan mode in the configuration', async () => {
    // Prepare
    cloud = await startCloud(demoAccount, { controls: { 'IAM.3': 'plan' } });

    // Act
    const report = await runToEnd(cloud, customActionEvent([keyFinding('ci-legacy')]));

    // Assess
    expect(report.findings[0].outcome).toBe('planned');
    expect(report.findings[0].note).toContain('Control IAM.3 is in plan mode');
    expect(cloud.sim.calls.map((c) => c.command)).not.toContain('UpdateAccessKey');
  });
});
