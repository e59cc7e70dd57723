import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseFinding } from '../../functions/findings/asff';
import { defaultConfig } from '../../functions/platform/config';
import type { LocalCloud } from '../../sandbox/local-cloud';
import { SimulatedServiceError } from '../../sandbox/simulated-aws';
import { asffFinding, customActionEvent, HOME_ACCOUNT, keyStatus, oneSecondApproval, runToEnd, startCloud } from '../support/workflow';

const demoAccount = JSON.parse(readFileSync(join(__dirname, '../../sandbox/fixtures/demo-account.json'), 'utf8')) as Record<
  string,
  unknown
>;
const keyFinding = (user: string, controlId = 'IAM.3') =>
  asffFinding({ controlId, resourceType: 'AwsIamUser', resourceId: `arn:aws:iam::${HOME_ACCOUNT}:user/${user}` });

let cloud: LocalCloud;
afterEach(async () => cloud?.stop());

describe('access-key workflow, executed from the synthesized definition', () => {
  it('deactivates an unused key automatically, verifies it and resolves the finding', async () => {
    // Prepare
    cloud = await startCloud(demoAccount);

    // Act
    const report = await runToEnd(cloud, customActionEvent([keyFinding('ci-legacy')]));

    // Assess
    const [finding] = report.findings;
    expect(finding).toMatchObject({ outcome: 'resolved', workflowStatus: 'RESOLVED' });
    expect(finding.execution?.states).toEqual(['Assess', 'Route', 'Remediate', 'Verify', 'Annotate', 'Outcome', 'Done']);
    expect(finding.note).toMatch(/fixed automatically.*AKIAIOSFODNN7LEGACY1.*Verified/);
    expect(keyStatus(cloud, 'ci-legacy')).toBe('Inactive');
    expect(report.emails).toHaveLength(0);
  });

  it('asks a person before touching a production key, and deactivates it once approved', async () => {
    // Prepare
    cloud = await startCloud(demoAccount);

    // Act
    const report = await runToEnd(cloud, customActionEvent([keyFinding('orders-service')]), 'approve');

    // Assess
    const [finding] = report.findings;
    expect(report.emails).toHaveLength(1);
    expect(report.emails[0].answer).toMatch(/^approve by ana \(HTTP 200\)/);
    expect(finding.execution?.states).toEqual([
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
    expect(finding).toMatchObject({ outcome: 'resolved', workflowStatus: 'RESOLVED' });
    expect(finding.note).toContain('after approval by Ana Approver <ana@example.test>');
    expect(keyStatus(cloud, 'orders-service')).toBe('Inactive');
  });

  it('changes nothing when the approver rejects, and says who rejected and why', async () => {
    // Prepare
    cloud = await startCloud(demoAccount);

    // Act
    const report = await runToEnd(cloud, customActionEvent([keyFinding('orders-service')]), 'reject');

    // Assess
    expect(report.findings[0]).toMatchObject({ outcome: 'rejected', workflowStatus: 'NOTIFIED' });
    expect(report.findings[0].note).toMatch(/rejected by Ana Approver <ana@example\.test>: "test reject"\. Nothing was changed/);
    expect(keyStatus(cloud, 'orders-service')).toBe('Active');
  });

  it('gives up after the approval timeout, changes nothing and says so on the finding', async () => {
    // Prepare
    cloud = await startCloud(demoAccount, oneSecondApproval());

    // Act
    const report = await runToEnd(cloud, customActionEvent([keyFinding('orders-service')]), 'none');

    // Assess
    expect(report.findings[0]).toMatchObject({ outcome: 'timed-out', workflowStatus: 'NOTIFIED' });
    expect(report.findings[0].note).toMatch(/no approval decision within .* nothing was changed/);
    expect(keyStatus(cloud, 'orders-service')).toBe('Active');
  });

  it('annotates a remediation that AWS refuses as failed, names the error, and fails the execution for the alarm', async () => {
    // Prepare
    cloud = await startCloud(demoAccount);
    cloud.sim.faults = (call) => {
      if (call.command === 'UpdateAccessKey')
        throw new SimulatedServiceError('AccessDenied', 'not authorized to perform iam:UpdateAccessKey');
    };

    // Act
    const report = await runToEnd(cloud, customActionEvent([keyFinding('ci-legacy')]));

    // Assess
    const [finding] = report.findings;
    expect(finding).toMatchObject({ outcome: 'failed', workflowStatus: 'NOTIFIED' });
    expect(finding.note).toMatch(/Remediation failed \(RemediationError\): Setting AKIAIOSFODNN7LEGACY1 to Inactive failed \(AccessDenied/);
    expect(finding.note).toContain('nothing was changed');
    expect(finding.execution).toMatchObject({ status: 'FAILED' });
    expect(keyStatus(cloud, 'ci-legacy')).toBe('Active');
  });

  it('reports a change that did not stick: verification fails after retries and the note says what was changed', async () => {
    // Prepare: something re-enables the key right after hubfix disables it
    cloud = await startCloud(demoAccount);
    let disabled = false;
    cloud.sim.faults = (call) => {
      if (call.command === 'UpdateAccessKey') disabled = true;
      else if (call.command === 'ListAccessKeys' && disabled) {
        const users = cloud.sim.account(HOME_ACCOUNT).states.get('iam') as Map<string, { accessKeys: { status: string }[] }>;
        users.get('ci-legacy')?.accessKeys.forEach((k) => (k.status = 'Active'));
      }
    };

    // Act
    const report = await runToEnd(cloud, customActionEvent([keyFinding('ci-legacy')]));

    // Assess
    const [finding] = report.findings;
    expect(finding).toMatchObject({ outcome: 'failed', workflowStatus: 'NOTIFIED' });
    expect(finding.note).toMatch(
      /Verification failed \(VerificationFailedError\): Access key AKIAIOSFODNN7LEGACY1 of ci-legacy is still Active/,
    );
    expect(finding.note).toContain('Changed: Set access key AKIAIOSFODNN7LEGACY1 of ci-legacy to Inactive');
    const verifyAttempts = cloud.sim.calls.filter((c) => c.command === 'ListAccessKeys').length;
    expect(verifyAttempts).toBeGreaterThanOrEqual(4); // assess + remediate + verify and its retries
  });

  it('annotates an unsupported finding at intake and starts nothing for it', async () => {
    // Prepare
    cloud = await startCloud(demoAccount);
    const unsupported = asffFinding({
      controlId: 'RDS.4',
      resourceType: 'AwsRdsDbSnapshot',
      resourceId: `arn:aws:rds:us-east-1:${HOME_ACCOUNT}:snapshot:s1`,
    });

    // Act
    const report = await runToEnd(cloud, customActionEvent([unsupported, keyFinding('ci-legacy')]));

    // Assess
    const rds = report.findings.find((f) => f.controlId === 'RDS.4');
    expect(rds).toMatchObject({ outcome: 'skipped', note: 'hubfix did not act: control RDS.4 has no hubfix plugin', execution: undefined });
    expect(cloud.stepFunctions.executions.size).toBe(1);
  });

  it('skips a finding that reaches the workflow without a plugin, with the reason on the finding', async () => {
    // Prepare: an execution started directly (not through intake) for a control hubfix does not serve
    cloud = await startCloud(demoAccount);
    const raw = asffFinding({
      controlId: 'RDS.4',
      resourceType: 'AwsRdsDbSnapshot',
      resourceId: `arn:aws:rds:us-east-1:${HOME_ACCOUNT}:snapshot:s1`,
    });
    cloud.sim.importFinding(raw);
    const parsed = parseFinding(raw);
    if (!parsed.ok) throw new Error(parsed.reason);
    const { finding } = parsed;

    // Act
    const execution = cloud.stepFunctions.start('direct', {
      finding,
      action: 'remediate',
      trigger: 'custom-action',
      receivedAt: new Date().toISOString(),
    });
    await cloud.settle();

    // Assess
    expect(execution.states).toEqual(['Assess', 'Route', 'Annotate', 'Outcome', 'Done']);
    const note = (cloud.sim.finding(String(raw.Id), String(raw.ProductArn))?.finding.Note as { Text: string }).Text;
    expect(note).toBe('hubfix did not act: control RDS.4 has no hubfix plugin.');
  });

  it('starts nothing twice when the analyst clicks twice', async () => {
    // Prepare
    cloud = await startCloud(demoAccount);
    const event = customActionEvent([keyFinding('ci-legacy')]);

    // Act
    await runToEnd(cloud, event);
    await cloud.deliver(event);
    await cloud.settle();

    // Assess
    expect(cloud.stepFunctions.executions.size).toBe(1);
    expect(cloud.sim.calls.filter((c) => c.command === 'UpdateAccessKey')).toHaveLength(1);
  });
});

describe('configuration', () => {
  it('routes even a low-risk key to approval when the control is in approval mode', async () => {
    // Prepare
    cloud = await startCloud(demoAccount, { ...defaultConfig(), controls: { 'IAM.3': 'approval' } });

    // Act
    const report = await runToEnd(cloud, customActionEvent([keyFinding('ci-legacy')]), 'approve');

    // Assess
    expect(report.emails).toHaveLength(1);
    expect(report.findings[0].outcome).toBe('resolved');
  });
});
