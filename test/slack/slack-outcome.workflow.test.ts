import { SFNClient, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { getApproval } from '../../functions/approval/approval-store';
import { answerApproval, approvalLinkIn } from '../../sandbox/approver';
import type { LocalCloud } from '../../sandbox/local-cloud';
import { annotationOf, keyStatus, startCloud } from '../support/workflow';
import {
  DANA,
  decisions,
  demoAccount,
  keyFinding,
  requestSlackApproval,
  slackConfig,
  slackUsers,
  type SlackApproval,
  blocksText,
  hasButtons,
  slackRuns,
} from './support';

/**
 * The Slack message follows the approval whatever decided it, not only a click in Slack: a decision on the signed-in
 * approval page, a quorum completed on the other channel, the wait timing out, the run stopped. Each through the local
 * cloud: RequestApproval posts to the loopback slack.com, the page is answered by signing in at the local identity
 * provider, a run's end reaches the Slack message closer as the stack's EventBridge rule delivers it.
 */

jest.setTimeout(60_000);

const runs = slackRuns();

const start = async (quorum = 1): Promise<{ c: LocalCloud; waiting: SlackApproval; link: string }> => {
  const { c, waiting } = await runs.start(quorum);
  const link = approvalLinkIn(c.sim.published[0]);
  if (!link) throw new Error('The approval email has no link');
  return { c, waiting, link };
};

describe('the Slack message when the approval page decides', () => {
  it('shows the decision made on the page and drops its buttons', async () => {
    // Prepare
    const { c, link } = await start();

    // Act
    const status = await answerApproval(link, 'approve', 'ana', 'checked with the service owner');
    await c.settle();

    // Assess
    expect(status).toBe(200);
    expect(keyStatus(c, 'orders-service')).toBe('Inactive');
    expect(annotationOf(c, keyFinding())).toMatchObject({ outcome: 'resolved' });
    const message = c.slack!.messages[0];
    expect(message.history).toHaveLength(2);
    expect(hasButtons(message.blocks)).toBe(false);
    expect(blocksText(message.blocks)).toContain('APPROVED');
    expect(blocksText(message.blocks)).toContain('Ana Approver ana@example.test (signed in on the approval page)');
    expect(c.slack!.calls.filter((call) => call.method === 'chat.update')).toEqual([{ method: 'chat.update', authorized: true }]);
  });

  it('shows a rejection on the page the same way', async () => {
    // Prepare
    const { c, link } = await start();

    // Act
    await answerApproval(link, 'reject', 'bo', 'not during the freeze');
    await c.settle();

    // Assess
    expect(keyStatus(c, 'orders-service')).toBe('Active');
    const message = c.slack!.messages[0];
    expect(hasButtons(message.blocks)).toBe(false);
    expect(blocksText(message.blocks)).toContain('REJECTED');
    expect(blocksText(message.blocks)).toContain('Bo Approver');
  });
});

describe('the Slack message when a quorum is completed across channels', () => {
  it('counts a page vote in Slack, and shows both approvers once a Slack click completes the quorum', async () => {
    // Prepare: a quorum of two
    const { c, waiting, link } = await start(2);

    // Act: Ana on the page (1 of 2), then Dana in Slack (2 of 2)
    await answerApproval(link, 'approve', 'ana', '');
    const afterPage = c.slack!.messages[0].blocks;
    await c.slack!.click(c.slackInteractionsUrl, { user: DANA, message: c.slack!.messages[0], action: 'approve' });
    await c.settle();

    // Assess
    expect(blocksText(afterPage)).toContain('1 of 2 approvals so far; the latest by Ana Approver');
    expect(hasButtons(afterPage)).toBe(true);
    const final = c.slack!.messages[0].blocks;
    expect(hasButtons(final)).toBe(false);
    expect(blocksText(final)).toMatch(/APPROVED at .* by Ana Approver .* and Dana Ops/);
    expect(decisions(c)).toHaveLength(1);
    expect(keyStatus(c, 'orders-service')).toBe('Inactive');
    expect((await getApproval(c.runtime, waiting.approvalId))?.votes.map((v) => v.channel)).toEqual(['web', 'slack']);
  });

  it('shows the decision when the page completes a quorum begun in Slack', async () => {
    // Prepare: Dana approves in Slack, 1 of 2
    const { c, link } = await start(2);
    await c.slack!.click(c.slackInteractionsUrl, { user: DANA, message: c.slack!.messages[0], action: 'approve' });
    await c.slackIdle();

    // Act: Bo completes it on the page
    await answerApproval(link, 'approve', 'bo', '');
    await c.settle();

    // Assess
    const message = c.slack!.messages[0];
    expect(message.history).toHaveLength(3);
    expect(hasButtons(message.blocks)).toBe(false);
    expect(blocksText(message.blocks)).toMatch(/APPROVED at .* by Dana Ops .* and Bo Approver/);
    expect(keyStatus(c, 'orders-service')).toBe('Inactive');
  });
});

describe('the Slack message when nobody decides', () => {
  it('says the approval expired, and drops its buttons, when the wait times out', async () => {
    // Prepare: a one-second approval wait
    const c = await startCloud(
      demoAccount,
      { ...slackConfig(), approval: { timeoutHours: 1 / 3600, linkLifetimeHours: 1 / 3600 } },
      {
        slackUsers,
      },
    );
    runs.use(c);
    const waiting = await requestSlackApproval(c);

    // Act
    await c.settle();

    // Assess
    expect(annotationOf(c, keyFinding())).toMatchObject({ outcome: 'timed-out' });
    expect((await getApproval(c.runtime, waiting.approvalId))?.status).toBe('PENDING');
    const message = c.slack!.messages[0];
    expect(message.history).toHaveLength(2);
    expect(hasButtons(message.blocks)).toBe(false);
    expect(blocksText(message.blocks)).toContain('EXPIRED: nobody decided before the approval timed out; nothing was changed.');
    expect(keyStatus(c, 'orders-service')).toBe('Active');
  });

  it('says the run was stopped, and drops its buttons, when someone stops the execution', async () => {
    // Prepare
    const { c } = await start();
    const [executionArn] = c.stepFunctions.waitingExecutions();

    // Act
    await c.runtime.clients.home(SFNClient).send(new StopExecutionCommand({ executionArn }));
    await c.settle();

    // Assess
    expect(c.stepFunctions.executions.get(executionArn)?.status).toBe('ABORTED');
    const message = c.slack!.messages[0];
    expect(message.history).toHaveLength(2);
    expect(hasButtons(message.blocks)).toBe(false);
    expect(blocksText(message.blocks)).toContain('CLOSED: the run was stopped before anyone decided; nothing was changed.');
    expect(keyStatus(c, 'orders-service')).toBe('Active');
  });
});
