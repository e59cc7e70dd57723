import { getApproval } from '../../functions/approval/approval-store';
import { castVote } from '../../functions/approval/vote';
import { annotationOf, customActionEvent, keyStatus } from '../support/workflow';
import {
  BO,
  CHANNEL_ID,
  DANA,
  decisions,
  ERIN,
  keyFinding,
  startSlackCloud,
  TEAM_ID,
  waitFor,
  BOT_TOKEN_ARN,
  blocksText,
  hasButtons,
  slackRuns,
} from './support';

/**
 * Slack as the approval channel, end to end on the local cloud: the synthesized state machine waits in RequestApproval,
 * which posts the message through Slack's SDK to the loopback slack.com; a signed click goes to the approval API's
 * /slack/interactions like Slack sends it; castVote applies the policy; the run resolves and the message is updated.
 */

jest.setTimeout(60_000);

const runs = slackRuns();
const start = runs.start;

describe('an approval decided in Slack', () => {
  it('posts the message, takes a signed Approve click, resolves the run and updates the message', async () => {
    // Prepare
    const { c, waiting } = await start();
    const slack = c.slack!;

    // Assess the request: one message in the configured channel, posted with the bot token, its ts kept with the approval
    expect(slack.messages).toHaveLength(1);
    expect(waiting.message.channel).toBe(CHANNEL_ID);
    expect(slack.calls.filter((call) => call.method === 'chat.postMessage')).toEqual([{ method: 'chat.postMessage', authorized: true }]);
    expect(blocksText(waiting.message.blocks)).toContain('orders-service');
    expect(hasButtons(waiting.message.blocks)).toBe(true);
    const stored = (await getApproval(c.runtime, waiting.approvalId)) as unknown as Record<string, unknown>;
    expect(stored.slackMessage).toEqual({ channel: CHANNEL_ID, ts: waiting.message.ts });

    // Act
    const click = await slack.click(c.slackInteractionsUrl, { user: DANA, message: waiting.message, action: 'approve' });
    await c.settle();

    // Assess
    expect(click.status).toBe(200);
    expect(click.response).toBe(''); // Slack's answer waits for nothing: the vote is decided after it
    expect(decisions(c)).toHaveLength(1);
    expect(keyStatus(c, 'orders-service')).toBe('Inactive');
    expect(annotationOf(c, keyFinding())).toMatchObject({ outcome: 'resolved', workflowStatus: 'RESOLVED' });
    const record = await getApproval(c.runtime, waiting.approvalId);
    expect(record?.status).toBe('APPROVED');
    expect(record?.votes).toEqual([
      expect.objectContaining({
        issuer: `https://slack.com/${TEAM_ID}`,
        subject: DANA,
        email: 'dana@example.com',
        channel: 'slack',
        decision: 'approve',
      }),
    ]);
    const updated = slack.messages[0];
    expect(updated.history).toHaveLength(2);
    expect(hasButtons(updated.blocks)).toBe(false);
    expect(blocksText(updated.blocks)).toContain('APPROVED');
    expect(blocksText(updated.blocks)).toContain('Dana Ops');
  });

  it('maps a person by the email Slack confirms for them (users.info) and records the rejection', async () => {
    // Prepare
    const { c, waiting } = await start();

    // Act
    const click = await c.slack!.click(c.slackInteractionsUrl, { user: ERIN, message: waiting.message, action: 'reject' });
    await c.settle();

    // Assess
    expect(click.status).toBe(200);
    expect(c.slack!.calls.map((call) => call.method)).toContain('users.info');
    expect(keyStatus(c, 'orders-service')).toBe('Active');
    expect(annotationOf(c, keyFinding())).toMatchObject({ outcome: 'rejected' });
    const record = await getApproval(c.runtime, waiting.approvalId);
    expect(record?.votes).toEqual([expect.objectContaining({ subject: ERIN, email: 'erin@example.com', decision: 'reject' })]);
    expect(blocksText(c.slack!.messages[0].blocks)).toContain('REJECTED');
  });

  it('needs two different people for a quorum of 2, refuses the same person twice, and records both', async () => {
    // Prepare
    const { c, waiting } = await start(2);
    const slack = c.slack!;

    // Act
    await slack.click(c.slackInteractionsUrl, { user: DANA, message: waiting.message, action: 'approve' });
    await c.slackIdle();
    await slack.click(c.slackInteractionsUrl, { user: DANA, message: slack.messages[0], action: 'approve' });
    await c.slackIdle();
    const pending = await getApproval(c.runtime, waiting.approvalId);
    await slack.click(c.slackInteractionsUrl, { user: BO, message: slack.messages[0], action: 'approve' });
    await c.settle();

    // Assess
    expect(blocksText(slack.messages[0].history[1].blocks)).toContain('1 of 2 approvals');
    expect(hasButtons(slack.messages[0].history[1].blocks)).toBe(true);
    expect(slack.ephemerals.filter((e) => e.user === DANA).map((e) => e.text)).toEqual([
      expect.stringContaining('1 of 2'),
      expect.stringContaining('already voted'),
    ]);
    expect(pending?.status).toBe('PENDING');
    expect(decisions(c)).toHaveLength(1);
    expect(keyStatus(c, 'orders-service')).toBe('Inactive');
    expect((await getApproval(c.runtime, waiting.approvalId))?.votes.map((v) => v.subject)).toEqual([DANA, BO]);
    expect(hasButtons(slack.messages[0].blocks)).toBe(false);
  });

  it('counts a person once toward a quorum across channels: the same verified email on the page after Slack is refused', async () => {
    // Prepare: Dana approves in Slack (1 of 2)
    const { c, waiting } = await start(2);
    await c.slack!.click(c.slackInteractionsUrl, { user: DANA, message: waiting.message, action: 'approve' });
    await c.slackIdle();
    const dana = {
      issuer: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_hubfix',
      subject: '7f1c-dana',
      email: 'Dana@Example.com',
      groups: ['hubfix-approvers'],
      channel: 'web' as const,
    };

    // Act: the same person signed in on the page
    const second = await castVote(c.runtime, waiting.approvalId, dana, 'approve', '');

    // Assess
    expect(second).toEqual({ status: 'refused', reason: expect.stringContaining('already voted') });
    expect(decisions(c)).toHaveLength(0);
    expect((await getApproval(c.runtime, waiting.approvalId))?.votes.map((v) => v.subject)).toEqual([DANA]);
    expect(keyStatus(c, 'orders-service')).toBe('Active');
  });

  it("answers Slack within its 3 seconds however slow Slack's API is: the vote is cast after the answer", async () => {
    // Prepare: a quorum of 2, and a slack.com that takes 1.2 s per call. Erin is mapped by email, so her vote makes three
    // calls (users.info, chat.update, chat.postEphemeral): 3.6 s, more than Slack waits for an answer.
    const { c, waiting } = await start(2);
    const slack = c.slack!;
    slack.apiDelayMs = 1_200;

    // Act
    const clicked = Date.now();
    const click = await slack.click(c.slackInteractionsUrl, { user: ERIN, message: waiting.message, action: 'approve' });
    const answeredMs = Date.now() - clicked;
    const votesAtAnswer = (await getApproval(c.runtime, waiting.approvalId))?.votes.length;
    await c.slackIdle();
    const votedMs = Date.now() - clicked;

    // Assess
    expect(click.status).toBe(200);
    expect(answeredMs).toBeLessThan(1_000);
    expect(votesAtAnswer).toBe(0);
    expect(votedMs).toBeGreaterThan(3_000);
    expect((await getApproval(c.runtime, waiting.approvalId))?.votes.map((v) => v.subject)).toEqual([ERIN]);
    expect(blocksText(slack.messages[0].blocks)).toContain('1 of 2 approvals');
    expect(slack.ephemerals).toEqual([expect.objectContaining({ user: ERIN, text: expect.stringContaining('1 of 2') })]);
  });

  it('still emails the link and waits when Slack refuses the post (a bad bot token): Slack is a second channel', async () => {
    // Prepare
    const c = await startSlackCloud();
    runs.use(c);
    c.sim.secrets.set(BOT_TOKEN_ARN, 'xoxb-revoked-000000000000000000');
    const finding = keyFinding();
    c.sim.importFinding(finding);

    // Act
    await c.deliver(customActionEvent([finding]));
    await waitFor('the execution to wait', () => (c.stepFunctions.waitingExecutions().length === 1 ? true : undefined));
    await waitFor('the Slack call', () => (c.slack!.calls.length > 0 ? true : undefined));

    // Assess
    expect(c.slack!.calls).toEqual([{ method: 'chat.postMessage', authorized: false }]);
    expect(c.slack!.messages).toHaveLength(0);
    expect(c.sim.published).toHaveLength(1);
    const approvalId = decodeURIComponent(/\/approvals\/([^?\s]+)/.exec(c.sim.published[0].message)![1]);
    runs.awaiting(approvalId);
    expect((await getApproval(c.runtime, approvalId))?.status).toBe('PENDING');
  });
});
