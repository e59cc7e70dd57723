import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { RequestApprovalResult } from '../../functions/handlers/request-approval';
import type { AuditRecord } from '../../functions/audit/audit';
import { documentClient } from '../../functions/platform/dynamo';
import type { Runtime } from '../../functions/platform/runtime';
import type { FindingRef } from '../../functions/findings/types';
import { answerApproval, approvalLinkIn } from '../../sandbox/approver';
import { localAuditRecords } from '../../sandbox/audit-export';
import { remediationFunctions, type LocalCloud } from '../../sandbox/local-cloud';
import type { LocalExecution, LocalFunction } from '../../sandbox/local-step-functions';
import { importEventFindings } from '../../sandbox/session';
import type { PublishedMessage } from '../../sandbox/simulated-aws';
import { version1Item } from '../approval/fixtures';
import { annotationOf, asffFinding, customActionEvent, HOME_ACCOUNT, keyStatus, startCloud } from '../support/workflow';

/**
 * A run waits for an approval while hubfix is redeployed (docs/upgrades.md). The previous build is deployed first;
 * its RequestApproval stores approvals in the previous schema. The next build is deployed while the run waits: new
 * runs use it, the waiting run keeps the function versions its definition names, and the (always newest) approval
 * page reads the old record. Both runs end remediated, verified and annotated.
 */

jest.setTimeout(60_000);

const demoAccount = JSON.parse(readFileSync(join(__dirname, '../../sandbox/fixtures/demo-account.json'), 'utf8')) as Record<
  string,
  unknown
>;
const keyFinding = (user: string) =>
  asffFinding({ controlId: 'IAM.3', resourceType: 'AwsIamUser', resourceId: `arn:aws:iam::${HOME_ACCOUNT}:user/${user}` });

/** The finding a task's payload is about, whichever step it is (Annotate's comes wrapped). */
const findingIdOf = (payload: unknown): string => {
  const p = payload as { finding?: FindingRef; Payload?: { finding?: FindingRef }; workflow?: { finding?: FindingRef } };
  return (p.finding ?? p.Payload?.finding ?? p.workflow?.finding)?.id ?? 'unknown';
};

/**
 * The previous build: this code, except that RequestApproval leaves the record as schema 1 writers stored it (the ids
 * of the approvals it stored go to `stored` once written).
 */
const previousBuild = (get: () => Runtime, storedIds: string[]): Record<string, LocalFunction> => {
  const build = remediationFunctions(get);
  const requestApproval = build.requestApproval;
  return {
    ...build,
    requestApproval: async (payload) => {
      const result = (await requestApproval(payload)) as RequestApprovalResult;
      const rt = get();
      const doc = documentClient(rt);
      const stored = await doc.send(new GetCommand({ TableName: rt.settings.approvalTableName, Key: { approvalId: result.approvalId } }));
      await doc.send(
        new PutCommand({ TableName: rt.settings.approvalTableName, Item: version1Item(stored.Item as { finding: FindingRef }) }),
      );
      storedIds.push(result.approvalId);
      return result;
    },
  };
};

/** The next build: this code, each function recording which finding it served (so a test sees which build ran). */
const nextBuild = (get: () => Runtime, served: { role: string; findingId: string }[]): Record<string, LocalFunction> =>
  Object.fromEntries(
    Object.entries(remediationFunctions(get)).map(([role, fn]) => [
      role,
      (payload: unknown) => {
        served.push({ role, findingId: findingIdOf(payload) });
        return fn(payload);
      },
    ]),
  );

const until = async (condition: () => boolean, what: string): Promise<void> => {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 20));
  if (!condition()) throw new Error(`timed out waiting for ${what}`);
};

const executionFor = (cloud: LocalCloud, finding: Record<string, unknown>): LocalExecution => {
  const matching = [...cloud.stepFunctions.executions.values()].filter(
    (e) => (e.input as { finding: { id: string } }).finding.id === finding.Id,
  );
  expect(matching).toHaveLength(1);
  return matching[0];
};

const emailAbout = (cloud: LocalCloud, user: string): PublishedMessage => {
  const emails = cloud.sim.published.filter((m) => m.subject?.includes(`user/${user}`));
  expect(emails).toHaveLength(1);
  return emails[0];
};

let cloud: LocalCloud | undefined;
afterEach(async () => {
  await cloud?.stop();
  cloud = undefined;
});

describe('a run waiting for an approval across a deployment', () => {
  it('ends on the function versions it started with, while a run started after the deployment uses the next build', async () => {
    // Prepare: the previous build is deployed; a run for a production key waits for an approval
    const storedByPreviousBuild: string[] = [];
    cloud = await startCloud(demoAccount, {}, { functions: (get) => previousBuild(get, storedByPreviousBuild) });
    const c = cloud;
    const waiting = keyFinding('orders-service');
    const waitingEvent = customActionEvent([waiting]);
    importEventFindings(c, waitingEvent);
    await c.deliver(waitingEvent);
    await until(() => c.stepFunctions.waitingExecutions().length === 1 && storedByPreviousBuild.length === 1, 'the first approval request');
    const oldLink = approvalLinkIn(emailAbout(c, 'orders-service'));
    if (!oldLink) throw new Error('no approval link was emailed');
    const oldApprovalId = new URL(oldLink).pathname.split('/').pop() as string;
    expect(oldApprovalId).toBe(storedByPreviousBuild[0]);
    const stored = await documentClient(c.runtime).send(
      new GetCommand({ TableName: c.runtime.settings.approvalTableName, Key: { approvalId: oldApprovalId } }),
    );

    // Act: deploy the next build, start a second run on it, then approve both
    const served: { role: string; findingId: string }[] = [];
    const version = c.deploy(nextBuild(() => c.runtime, served));
    const fresh = keyFinding('dev-alice');
    const freshEvent = customActionEvent([fresh]);
    importEventFindings(c, freshEvent);
    await c.deliver(freshEvent);
    await until(() => c.stepFunctions.waitingExecutions().length === 2 && c.sim.published.length === 2, 'the second approval request');
    const oldPage = await fetch(oldLink);
    const oldPageHtml = await oldPage.text();
    const approvedOld = await answerApproval(oldLink, 'approve', 'ana', 'approved across the upgrade');
    const newLink = approvalLinkIn(emailAbout(c, 'dev-alice'));
    if (!newLink) throw new Error('no approval link was emailed');
    const newApprovalId = new URL(newLink).pathname.split('/').pop() as string;
    const storedByNext = await documentClient(c.runtime).send(
      new GetCommand({ TableName: c.runtime.settings.approvalTableName, Key: { approvalId: newApprovalId } }),
    );
    const approvedNew = await answerApproval(newLink, 'approve', 'bo', 'approved on the next build');
    await c.settle();

    // Assess: the waiting run's approval was stored by the previous build (schema 1), and the newest page read it
    expect(stored.Item).toBeDefined();
    expect(stored.Item?.schemaVersion).toBeUndefined();
    expect(stored.Item?.kind).toBeUndefined();
    expect(oldPage.status).toBe(200);
    expect(oldPageHtml).toContain(`arn:aws:iam::${HOME_ACCOUNT}:user/orders-service`);
    expect(storedByNext.Item).toMatchObject({ schemaVersion: 2, kind: 'remediation' });
    expect([approvedOld, approvedNew]).toEqual([200, 200]);

    // Assess: each run invoked exactly the function versions of the definition it started on
    const oldRun = executionFor(c, waiting);
    const newRun = executionFor(c, fresh);
    expect(version).toBe(2);
    expect([oldRun.version, newRun.version]).toEqual([1, 2]);
    for (const [run, qualifier] of [
      [oldRun, ':1'],
      [newRun, ':2'],
    ] as const) {
      expect(run.status).toBe('SUCCEEDED');
      expect(run.states).toEqual(['Assess', 'Route', 'RequestApproval', 'Decision', 'Remediate', 'Verify', 'Annotate', 'Outcome', 'Done']);
      expect(run.invoked.map((arn) => arn.slice(arn.indexOf(':function:') + ':function:'.length))).toEqual(
        ['assess', 'requestApproval', 'remediate', 'verify', 'annotate'].map((role) => `hubfix-${role}${qualifier}`),
      );
    }
    // ... and the next build served the new run only, every one of its steps
    expect(served.filter((s) => s.findingId === waiting.Id)).toEqual([]);
    expect(served.map((s) => s.role)).toEqual(['assess', 'requestApproval', 'remediate', 'verify', 'annotate']);

    // Assess: both ended remediated, verified and annotated, each naming its approver; the audit trail agrees
    expect(annotationOf(c, waiting)).toMatchObject({ outcome: 'resolved', workflowStatus: 'RESOLVED' });
    expect(annotationOf(c, waiting).note).toContain(
      'fixed after approval by Ana Approver <ana@example.test> ("approved across the upgrade")',
    );
    expect(annotationOf(c, fresh)).toMatchObject({ outcome: 'resolved', workflowStatus: 'RESOLVED' });
    expect(annotationOf(c, fresh).note).toContain('fixed after approval by Bo Approver <bo@example.test>');
    expect(keyStatus(c, 'orders-service')).toBe('Inactive');
    expect(keyStatus(c, 'dev-alice')).toBe('Inactive');
    const records = await localAuditRecords(c);
    const recordOf = (finding: Record<string, unknown>): AuditRecord | undefined => records.find((r) => r.finding.id === finding.Id);
    expect(recordOf(waiting)).toMatchObject({
      outcome: 'resolved',
      approval: { decision: 'approved', approver: 'Ana Approver <ana@example.test>' },
      verification: { observed: expect.stringContaining('Inactive') },
    });
    expect(recordOf(fresh)).toMatchObject({
      outcome: 'resolved',
      approval: { decision: 'approved', approver: 'Bo Approver <bo@example.test>' },
    });
  });

  it('refuses a build that lacks a function its definition calls, and changes nothing for new runs', async () => {
    // Prepare
    cloud = await startCloud(demoAccount);
    const c = cloud;
    const { annotate, ...withoutAnnotate } = remediationFunctions(() => c.runtime);
    void annotate;

    // Act / Assess
    expect(() => c.deploy(withoutAnnotate)).toThrow('The build deployed as version 2 has no function for role annotate');
    expect(c.stepFunctions.version).toBe(1);
  });
});
