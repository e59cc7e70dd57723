import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LocalCloud } from '../../sandbox/local-cloud';
import { answerApproval, approvalLinkIn } from '../../sandbox/approver';
import { importEventFindings } from '../../sandbox/session';
import { asffFinding, customActionEvent, HOME_ACCOUNT, importedEvent, runToEnd, startCloud } from '../support/workflow';

const demoAccount = JSON.parse(readFileSync(join(__dirname, '../../sandbox/fixtures/demo-account.json'), 'utf8')) as Record<
  string,
  unknown
>;
const keyFinding = (user: string, controlId = 'IAM.3', updatedAt = '2026-11-20T08:00:00.000Z'): Record<string, unknown> => ({
  ...asffFinding({ controlId, resourceType: 'AwsIamUser', resourceId: `arn:aws:iam::${HOME_ACCOUNT}:user/${user}` }),
  UpdatedAt: updatedAt,
});
const noteOf = (cloud: LocalCloud, finding: Record<string, unknown>) =>
  (cloud.sim.finding(String(finding.Id), String(finding.ProductArn))?.finding.Note as { Text?: string } | undefined)?.Text ?? '';
/** Security Hub holds the findings an event carries: import them, then deliver the event to intake. */
const send = async (event: Record<string, unknown>) => {
  importEventFindings(cloud, event);
  await cloud.deliver(event);
};
const until = async (condition: () => boolean) => {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  if (!condition()) throw new Error('condition never became true');
};

let cloud: LocalCloud;
afterEach(async () => cloud?.stop());

describe('the automatic path (Findings Imported)', () => {
  it('fixes a low-risk finding without anyone clicking or approving', async () => {
    // Prepare
    cloud = await startCloud(demoAccount);

    // Act
    const report = await runToEnd(cloud, importedEvent([keyFinding('ci-legacy')]));

    // Assess
    expect(report.findings[0]).toMatchObject({ outcome: 'resolved', workflowStatus: 'RESOLVED' });
    expect(report.emails).toHaveLength(0);
  });

  it('escalates a high-risk finding to a person, and the email says why it was not fixed automatically', async () => {
    // Prepare
    cloud = await startCloud(demoAccount);

    // Act
    const report = await runToEnd(cloud, importedEvent([keyFinding('orders-service')]), 'approve');

    // Assess
    expect(cloud.sim.published[0].message).toContain('Not fixed automatically because the blast radius is high');
    expect(report.findings[0]).toMatchObject({ outcome: 'resolved', workflowStatus: 'RESOLVED' });
  });

  it('leaves alone imported findings of controls not in auto mode, and never annotates them', async () => {
    // Prepare
    cloud = await startCloud(demoAccount, { controls: { 'IAM.3': 'approval' } });
    const finding = keyFinding('ci-legacy');

    // Act
    await runToEnd(cloud, importedEvent([finding]));

    // Assess
    expect(cloud.stepFunctions.executions.size).toBe(0);
    expect(noteOf(cloud, finding)).toBe('');
  });

  it("never starts a run from hubfix's own annotations (loop protection)", async () => {
    // Prepare: a run resolved the finding
    cloud = await startCloud(demoAccount);
    const first = keyFinding('ci-legacy');
    await runToEnd(cloud, importedEvent([first]));
    const annotated = cloud.sim.finding(String(first.Id), String(first.ProductArn))?.finding as Record<string, unknown>;

    // Act: the finding fails again (NEW, new UpdatedAt): taken; that run finds the key already inactive and skips;
    // the skipped finding re-emitted NEW is not taken again
    await runToEnd(cloud, importedEvent([{ ...annotated, Workflow: { Status: 'NEW' }, UpdatedAt: '2026-11-22T10:00:00.000Z' }]));
    const second = structuredClone(annotated);
    (second.UserDefinedFields as Record<string, string>)['hubfix:outcome'] = 'skipped';
    await runToEnd(cloud, importedEvent([{ ...second, Workflow: { Status: 'NEW' }, UpdatedAt: '2026-11-22T11:00:00.000Z' }]));

    // Assess: the re-imported resolved finding that fails again is taken; the skipped one is not
    expect(cloud.stepFunctions.executions.size).toBe(2);
  });

  it('lets a finding re-imported while its run waits for approval join that run', async () => {
    // Prepare
    cloud = await startCloud(demoAccount);
    await send(importedEvent([keyFinding('orders-service')]));
    await until(() => cloud.sim.published.length === 1);

    // Act
    await send(importedEvent([keyFinding('orders-service', 'IAM.3', '2026-11-21T08:00:00.000Z')]));
    const link = approvalLinkIn(cloud.sim.published[0]) as string;
    await answerApproval(link, 'approve', 'ana', 'ok');
    await cloud.settle();

    // Assess
    expect(cloud.stepFunctions.executions.size).toBe(1);
    expect(cloud.sim.published).toHaveLength(1);
  });

  it('lets only one run change a resource: a second finding on it is annotated with the run that holds it', async () => {
    // Prepare
    cloud = await startCloud(demoAccount);
    const rotation = keyFinding('orders-service', 'IAM.3');
    const unused = keyFinding('orders-service', 'IAM.22');
    await send(customActionEvent([rotation]));
    await until(() => cloud.sim.published.length === 1);

    // Act
    await send(customActionEvent([unused]));
    await answerApproval(approvalLinkIn(cloud.sim.published[0]) as string, 'reject', 'ana', 'not now');
    await cloud.settle();

    // Assess
    expect(cloud.stepFunctions.executions.size).toBe(1);
    expect(noteOf(cloud, unused)).toMatch(
      /^hubfix did not act: another hubfix run \(IAM-3-remediate-[0-9a-f]+\) is changing arn:aws:iam::111111111111:user\/orders-service/,
    );

    // ... and once that run has ended, the resource is free again
    await runToEnd(cloud, customActionEvent([{ ...unused, UpdatedAt: '2026-11-22T12:00:00.000Z' }]), 'reject');
    expect(cloud.stepFunctions.executions.size).toBe(2);
  });
});
