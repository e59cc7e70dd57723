import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChangeRecord, FindingRef, WorkflowState } from '../../functions/findings/types';
import { iamPasswordPolicy } from '../../functions/controls/iam-password-policy/definition';
import type { LocalCloud } from '../../sandbox/local-cloud';
import { customActionEvent, runToEnd, startCloud } from '../support/workflow';

const scenarios = join(__dirname, '../../functions/controls/iam-password-policy');
const readJson = (name: string) => JSON.parse(readFileSync(join(scenarios, name), 'utf8')) as Record<string, unknown>;
const scenario = readJson('scenario.json');
const scenarioFindings = (readJson('scenario-event.json').detail as { findings: Record<string, unknown>[] }).findings;
const findingFor = (controlId: string) =>
  scenarioFindings.filter((f) => (f.Compliance as { SecurityControlId: string }).SecurityControlId === controlId);

const SAFE = '222222222222';
const RISKY = '333333333333';
const policyOf = (cloud: LocalCloud, account: string) => cloud.sim.snapshot()[account].passwordPolicy;
const finalState = (cloud: LocalCloud, controlId: string): WorkflowState => {
  const execution = [...cloud.stepFunctions.executions.values()].find((e) => (e.input as WorkflowState).finding.controlId === controlId);
  return execution?.output as WorkflowState;
};

let cloud: LocalCloud;
afterEach(async () => cloud?.stop());

describe('password-policy workflow, executed from the synthesized definition', () => {
  it('tightens a weak policy automatically, verifies it and resolves the finding; rollback restores the old policy exactly', async () => {
    // Prepare
    cloud = await startCloud(scenario);
    const before = policyOf(cloud, SAFE);

    // Act
    const report = await runToEnd(cloud, customActionEvent(findingFor('IAM.15')));
    const { finding, change } = finalState(cloud, 'IAM.15');
    const applied = policyOf(cloud, SAFE);
    await iamPasswordPolicy.rollback(finding as FindingRef, change as ChangeRecord, { ...cloud.runtime });

    // Assess
    expect(report.emails).toHaveLength(0);
    expect(report.findings[0]).toMatchObject({ outcome: 'resolved', workflowStatus: 'RESOLVED' });
    expect(report.findings[0].execution?.states).toEqual(['Assess', 'Route', 'Remediate', 'Verify', 'Annotate', 'Outcome', 'Done']);
    expect(report.findings[0].note).toMatch(
      /fixed automatically.*MinimumPasswordLength 8 → 14.*Verified: IAM reports MinimumPasswordLength=14/,
    );
    expect(applied).toMatchObject({
      minimumPasswordLength: 14,
      requireSymbols: true,
      passwordReusePrevention: 24,
      allowUsersToChangePassword: true,
    });
    expect((applied as { maxPasswordAge?: number }).maxPasswordAge).toBeUndefined();
    expect(policyOf(cloud, SAFE)).toEqual(before);
  });

  it('asks a person when automation sets IAM passwords, shows that in the email, creates the policy once approved', async () => {
    // Prepare
    cloud = await startCloud(scenario);

    // Act
    const report = await runToEnd(cloud, customActionEvent(findingFor('IAM.16')), 'approve');

    // Assess
    expect(report.emails).toHaveLength(1);
    const email = cloud.sim.published[0].message;
    expect(email).toContain('onboarding-bot');
    expect(email).toMatch(/CreateLoginProfile by onboarding-bot \(Boto3/);
    expect(report.findings[0].execution?.states).toEqual([
      'Assess',
      'Route',
      'RequestApproval',
      'Decision',
      'Remediate',
      'Verify',
      'Annotate',
      'Outcome',
      'Done',
    ]);
    expect(report.findings[0]).toMatchObject({ outcome: 'resolved', workflowStatus: 'RESOLVED' });
    expect(policyOf(cloud, RISKY)).toMatchObject({ minimumPasswordLength: 14, passwordReusePrevention: 24 });
  });

  it('rolls back a policy it created by deleting it again, leaving no policy as before', async () => {
    // Prepare
    cloud = await startCloud(scenario);
    await runToEnd(cloud, customActionEvent(findingFor('IAM.16')), 'approve');
    const { finding, change } = finalState(cloud, 'IAM.16');

    // Act
    const undone = await iamPasswordPolicy.rollback(finding as FindingRef, change as ChangeRecord, { ...cloud.runtime });

    // Assess
    expect(undone.summary).toContain('deleted the custom policy');
    expect(policyOf(cloud, RISKY)).toEqual({});
  });

  it('changes nothing when the approver rejects', async () => {
    // Prepare
    cloud = await startCloud(scenario);

    // Act
    const report = await runToEnd(cloud, customActionEvent(findingFor('IAM.16')), 'reject');

    // Assess
    expect(report.findings[0]).toMatchObject({ outcome: 'rejected', workflowStatus: 'NOTIFIED' });
    expect(policyOf(cloud, RISKY)).toEqual({});
  });
});

describe('manual-only control, executed from the synthesized definition', () => {
  it('changes nothing for a root access key (IAM.4); the finding is NOTIFIED with the manual steps and guidance', async () => {
    // Prepare
    cloud = await startCloud(scenario);
    const before = cloud.sim.snapshot();

    // Act
    const report = await runToEnd(cloud, customActionEvent(findingFor('IAM.4')), 'approve');

    // Assess
    const [finding] = report.findings;
    expect(finding).toMatchObject({ outcome: 'skipped', workflowStatus: 'NOTIFIED' });
    expect(finding.execution?.states).toEqual(['Assess', 'Route', 'Annotate', 'Outcome', 'Done']);
    expect(finding.note).toContain('https://docs.aws.amazon.com/securityhub/latest/userguide/iam-controls.html#iam-4');
    expect(finding.note).toMatch(/Steps: 1\) Find what uses the root access key.*3\) Sign in as root/);
    expect(report.emails).toHaveLength(0);
    expect(cloud.sim.snapshot()).toEqual(before);
  });
});
