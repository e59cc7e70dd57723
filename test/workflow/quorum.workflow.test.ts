import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getApproval } from '../../functions/approval/approval-store';
import { answerApproval, approvalLinkIn } from '../../sandbox/approver';
import { localAuditRecords } from '../../sandbox/audit-file';
import type { LocalCloud } from '../../sandbox/local-cloud';
import { runEvent, type RunReport } from '../../sandbox/session';
import { asffFinding, customActionEvent, HOME_ACCOUNT, keyStatus, startCloud } from '../support/workflow';
import { waitFor } from '../support/wait-for';

/**
 * A quorum of two on the approval page, end to end: a high-risk plan (a key production still uses) waits for two
 * different people, each signed in through the local OpenID Connect provider; the first approval changes nothing, the
 * same person cannot count twice, and the second person's approval resumes the run; the audit record names both.
 */

jest.setTimeout(60_000);

const demoAccount = JSON.parse(readFileSync(join(__dirname, '../../sandbox/fixtures/demo-account.json'), 'utf8')) as Record<
  string,
  unknown
>;
const USER = 'orders-service';
const finding = asffFinding({ controlId: 'IAM.3', resourceType: 'AwsIamUser', resourceId: `arn:aws:iam::${HOME_ACCOUNT}:user/${USER}` });

let cloud: LocalCloud;
let run: Promise<RunReport> | undefined;
let link: string | undefined;

afterEach(async () => {
  // A test that failed half-way still ends its execution (a wait would hold jest for hours).
  if (link && cloud.stepFunctions.waitingExecutions().length > 0) await answerApproval(link, 'reject', 'bo', 'test ended');
  await run?.catch(() => undefined);
  await cloud.stop();
  run = undefined;
  link = undefined;
});

describe('a quorum of two approvers on the page', () => {
  it('needs two different signed-in people: the first approval waits, the same person twice is refused, the second decides', async () => {
    // Prepare
    cloud = await startCloud(demoAccount, { approvalPolicy: { highRiskQuorum: 2 } });
    run = runEvent(cloud, customActionEvent([finding]), () => 'wait');
    const email = await waitFor('the approval email', () => cloud.sim.published[0]);
    await waitFor('the execution to wait', () => (cloud.stepFunctions.waitingExecutions().length === 1 ? true : undefined));
    link = approvalLinkIn(email);
    if (!link) throw new Error('an approval email without a link');
    const approvalId = decodeURIComponent(new URL(link).pathname.split('/').pop() ?? '');

    // Act: Ana approves, then tries again
    const first = await answerApproval(link, 'approve', 'ana', 'checked the evidence');
    const again = await answerApproval(link, 'approve', 'ana', 'approving twice');
    const afterAna = await getApproval(cloud.runtime, approvalId);

    // Assess: one vote recorded, nothing decided, the key untouched
    expect(first).toBe(200);
    expect(again).not.toBe(200);
    expect(afterAna).toMatchObject({ status: 'PENDING' });
    expect(afterAna?.votes.map((v) => v.subject)).toEqual(['ana']);
    expect(cloud.stepFunctions.waitingExecutions()).toHaveLength(1);
    expect(keyStatus(cloud, USER)).toBe('Active');

    // Act: Bo approves
    const second = await answerApproval(link, 'approve', 'bo', 'agreed');
    const report = await run;
    const [audit] = await localAuditRecords(cloud);

    // Assess: decided by both, the change made, both named with their verified identity
    expect(second).toBe(200);
    expect(report?.findings[0]).toMatchObject({ outcome: 'resolved', workflowStatus: 'RESOLVED' });
    expect(keyStatus(cloud, USER)).toBe('Inactive');
    expect((await getApproval(cloud.runtime, approvalId))?.votes.map((v) => v.subject)).toEqual(['ana', 'bo']);
    expect(audit.approval?.approver).toContain('ana@example.test');
    expect(audit.approval?.approver).toContain('bo@example.test');
  });
});
