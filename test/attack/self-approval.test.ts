import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getApproval } from '../../functions/approval/approval-store';
import { cookiesOf, readSession } from '../../functions/approval/session';
import { answerApproval, approvalLinkIn, LoopbackBrowser, signInAt } from '../../sandbox/approver';
import { localAuditRecords } from '../../sandbox/audit-file';
import type { LocalCloud } from '../../sandbox/local-cloud';
import { runEvent, sandboxOperator, type RunReport } from '../../sandbox/session';
import { asffFinding, customActionEvent, HOME_ACCOUNT, keyStatus, startCloud } from '../support/workflow';
import { waitFor } from '../support/wait-for';

/**
 * Separation of duties, end to end: an operator starts a remediation (intake's re-read, lock and StartExecution, the
 * execution input naming them as sts:GetCallerIdentity would: an IAM Identity Center session), then signs in at the
 * approval page through the local OpenID Connect provider. Their page says why they cannot decide, and their decision
 * POST (a real signed-in session with its CSRF token) is refused with nothing changed; a second approver decides.
 */

jest.setTimeout(60_000);

const demoAccount = JSON.parse(readFileSync(join(__dirname, '../../sandbox/fixtures/demo-account.json'), 'utf8')) as Record<
  string,
  unknown
>;
const USER = 'orders-service';
const finding = asffFinding({
  controlId: 'IAM.3',
  resourceType: 'AwsIamUser',
  resourceId: `arn:aws:iam::${HOME_ACCOUNT}:user/${USER}`,
});
const SELF_REFUSAL = 'You started this run, so you cannot approve it.';

let cloud: LocalCloud;
let run: Promise<RunReport> | undefined;
let link: string | undefined;

/** Starts the run as `userName` (undefined: from a Security Hub custom action) and returns its emailed link once it waits. */
const startRun = async (userName: string | undefined): Promise<{ link: string; approvalId: string }> => {
  const requestedBy = userName ? sandboxOperator(HOME_ACCOUNT, userName) : undefined;
  run = runEvent(cloud, customActionEvent([finding]), () => 'wait', { requestedBy });
  const email = await waitFor('the approval email', () => cloud.sim.published[0]);
  await waitFor('the execution to wait', () => (cloud.stepFunctions.waitingExecutions().length === 1 ? true : undefined));
  link = approvalLinkIn(email);
  if (!link) throw new Error('an approval email without a link');
  return { link, approvalId: decodeURIComponent(new URL(link).pathname.split('/').pop() ?? '') };
};

const decisions = () => cloud.sim.calls.filter((c) => c.command === 'SendTaskSuccess' || c.command === 'SendTaskFailure');

beforeEach(async () => {
  cloud = await startCloud(demoAccount);
});

afterEach(async () => {
  // A test that failed half-way still ends its execution (a wait would hold jest for hours).
  if (link && cloud.stepFunctions.waitingExecutions().length > 0) await answerApproval(link, 'reject', 'bo', 'test ended');
  await run?.catch(() => undefined);
  await cloud.stop();
  run = undefined;
  link = undefined;
});

describe('the person who started a run cannot approve it', () => {
  it('refuses the requester on the page and on a signed-in POST, changes nothing, and lets a second approver decide', async () => {
    // Prepare: Ana, an approver, starts the run from her IAM Identity Center session
    const { link: emailed, approvalId } = await startRun('ana@example.test');
    const email = cloud.sim.published[0].message;

    // Act: Ana signs in, reads the page, then posts an approval with her real session and CSRF token
    const browser = new LoopbackBrowser();
    const page = await signInAt(browser, emailed, 'ana');
    const origin = new URL(emailed).origin;
    const cookie = [...browser.cookies(origin)].map(([name, value]) => `${name}=${value}`).join('; ');
    const session = await readSession(cloud.runtime, cookiesOf(cookie));
    if (!session) throw new Error('Ana has no session after signing in');
    const url = new URL(emailed);
    const posted = await fetch(`${origin}${url.pathname}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie, origin },
      body: new URLSearchParams({
        e: url.searchParams.get('e') ?? '',
        s: url.searchParams.get('s') ?? '',
        csrf: session.csrf,
        decision: 'approve',
        reason: 'my own change',
      }).toString(),
    });
    const refusal = await posted.text();
    const afterRefusal = await getApproval(cloud.runtime, approvalId);

    // Assess: refused with the reason, nothing recorded, nothing sent to Step Functions, the key untouched
    expect(email).toContain('Requested by ana@example.test (AWS caller arn:aws:sts::');
    expect(page.status).toBe(200);
    expect(page.html).toContain(SELF_REFUSAL);
    expect(page.html).not.toMatch(/<form[^>]*method="post"/);
    expect(session.person).toMatchObject({ subject: 'ana', email: 'ana@example.test', username: 'ana' });
    expect(posted.status).toBe(403);
    expect(refusal).toContain(SELF_REFUSAL);
    expect(refusal).toContain('Nothing was decided.');
    expect(afterRefusal).toMatchObject({ status: 'PENDING', votes: [] });
    expect(afterRefusal?.requestedBy).toEqual({
      arn: `arn:aws:sts::${HOME_ACCOUNT}:assumed-role/AWSReservedSSO_HubfixOperator_5a1b2c3d4e5f6a7b/ana@example.test`,
      userName: 'ana@example.test',
    });
    expect(decisions()).toHaveLength(0);
    expect(cloud.stepFunctions.waitingExecutions()).toHaveLength(1);
    expect(keyStatus(cloud, USER)).toBe('Active');

    // Act: Bo, a second approver, approves
    const status = await answerApproval(emailed, 'approve', 'bo', 'checked the evidence');
    const report = await run;
    const [audit] = await localAuditRecords(cloud);

    // Assess: the run proceeds on Bo's approval, and the audit record names who started it
    expect(status).toBe(200);
    expect(report?.findings[0]).toMatchObject({ outcome: 'resolved', workflowStatus: 'RESOLVED' });
    expect(keyStatus(cloud, USER)).toBe('Inactive');
    expect((await getApproval(cloud.runtime, approvalId))?.votes.map((v) => v.subject)).toEqual(['bo']);
    expect(audit.requestedBy).toMatchObject({ userName: 'ana@example.test' });
    expect(audit.approval?.approver).toContain('bo@example.test');
  });

  it('lets the same approver decide a run started from Security Hub, and says the requester is not known', async () => {
    // Prepare
    const { link: emailed } = await startRun(undefined);

    // Act
    const page = await signInAt(new LoopbackBrowser(), emailed, 'ana');
    const status = await answerApproval(emailed, 'approve', 'ana', 'checked the evidence');
    const report = await run;
    const [audit] = await localAuditRecords(cloud);

    // Assess
    expect(cloud.sim.published[0].message).toContain('Requested from Security Hub; the requester is not known');
    expect(page.html).toContain('Requested from Security Hub; the requester is not known');
    expect(page.html).not.toContain(SELF_REFUSAL);
    expect(status).toBe(200);
    expect(report?.findings[0]).toMatchObject({ outcome: 'resolved' });
    expect(audit.requestedBy).toBeUndefined();
  });
});
