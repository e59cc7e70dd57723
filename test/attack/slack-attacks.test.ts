import { getApproval } from '../../functions/approval/approval-store';
import type { LocalCloud } from '../../sandbox/local-cloud';
import type { SentInteraction } from '../../sandbox/local-slack';
import { keyStatus } from '../support/workflow';
import {
  BOT_TOKEN_ARN,
  DANA,
  decisions,
  endWaits,
  EVE,
  MALLORY,
  requestSlackApproval,
  SIGNING_SECRET_ARN,
  startSlackCloud,
  type SlackApproval,
} from '../slack/support';
import { captureLogs, logAtDebug } from '../support/captured-logs';

/**
 * Attacks on the Slack channel, end to end: a real waiting execution, its real Slack message, and requests sent to the
 * approval API's /slack/interactions as an attacker (or a replaying proxy) would. Each case asserts the response, that
 * nothing was decided (no vote, the approval pending, no SendTaskSuccess, the execution still waiting, the key
 * untouched), and that no log line carries anything that could be replayed or used: the request's signature, its body,
 * the signing secret, the bot token or the task token.
 */

jest.setTimeout(60_000);

const logLines = captureLogs();
let cloud: LocalCloud | undefined;
let waiting: SlackApproval | undefined;

beforeEach(async () => {
  cloud = await startSlackCloud(2);
  logAtDebug(cloud);
  waiting = await requestSlackApproval(cloud);
});

afterEach(async () => {
  if (cloud) {
    await endWaits(cloud, waiting ? [waiting.approvalId] : []);
    await cloud.settle();
    await cloud.stop();
  }
  cloud = undefined;
  waiting = undefined;
});

const current = (): { c: LocalCloud; w: SlackApproval } => ({ c: cloud as LocalCloud, w: waiting as SlackApproval });

/** Nothing decided: no vote beyond `votes`, the approval pending, no SendTaskSuccess, the execution waiting, the key active. */
const expectUndecided = async (c: LocalCloud, w: SlackApproval, votes = 0): Promise<void> => {
  const record = await getApproval(c.runtime, w.approvalId);
  expect(record?.status).toBe('PENDING');
  expect(record?.votes).toHaveLength(votes);
  expect(decisions(c)).toHaveLength(0);
  expect(c.stepFunctions.waitingExecutions()).toHaveLength(1);
  expect(keyStatus(c, 'orders-service')).toBe('Active');
};

/** No log line holds the request's signature or body, or a secret of this cloud. */
const expectNothingReplayableLogged = async (c: LocalCloud, w: SlackApproval, sent: SentInteraction[]): Promise<void> => {
  const record = await getApproval(c.runtime, w.approvalId);
  const secrets = [
    c.sim.secrets.get(SIGNING_SECRET_ARN) ?? '',
    c.sim.secrets.get(BOT_TOKEN_ARN) ?? '',
    record?.taskToken ?? '',
    ...sent.flatMap((s) => [s.headers['x-slack-signature'], s.headers['x-slack-signature'].slice(3), s.body, decodeURIComponent(s.body)]),
  ].filter((s) => s.length >= 16);
  expect(logLines.length).toBeGreaterThan(0); // the capture works: the handlers did log
  for (const line of logLines) for (const secret of secrets) expect(line).not.toContain(secret);
};

describe('Slack requests that decide nothing', () => {
  it('refuses a click signed with a guessed secret (401) and logs no part of it', async () => {
    // Prepare
    const { c, w } = current();

    // Act
    const sent = await c.slack!.click(c.slackInteractionsUrl, {
      user: DANA,
      message: w.message,
      action: 'approve',
      signingSecret: 'a-guessed-signing-secret-0123456789abcdef',
    });

    // Assess
    expect(sent.status).toBe(401);
    expect(sent.response).toBe('Invalid Slack signature.');
    await expectUndecided(c, w);
    expect(c.slack!.ephemerals).toHaveLength(0);
    await expectNothingReplayableLogged(c, w, [sent]);
  });

  it('refuses a correctly signed click whose timestamp is six minutes old (401)', async () => {
    // Prepare
    const { c, w } = current();

    // Act
    const sent = await c.slack!.click(c.slackInteractionsUrl, {
      user: DANA,
      message: w.message,
      action: 'approve',
      timestamp: new Date(Date.now() - 6 * 60_000),
    });

    // Assess
    expect(sent.status).toBe(401);
    expect(sent.response).toBe('Request timestamp outside the 5-minute window.');
    await expectUndecided(c, w);
    await expectNothingReplayableLogged(c, w, [sent]);
  });

  it('refuses the same signed request sent again (401), before it reaches the vote', async () => {
    // Prepare: Dana's real click counts once (quorum 2: the approval stays pending)
    const { c, w } = current();
    const original = await c.slack!.click(c.slackInteractionsUrl, { user: DANA, message: w.message, action: 'approve' });
    await c.slackIdle();
    const ephemeralsBefore = c.slack!.ephemerals.length;

    // Act: the captured bytes, replayed within the window
    const replay = await c.slack!.send(c.slackInteractionsUrl, original.headers, original.body);
    await c.slackIdle();

    // Assess
    expect(original.status).toBe(200);
    expect(c.slack!.ephemerals).toEqual([expect.objectContaining({ user: DANA, text: expect.stringContaining('1 of 2') })]);
    expect(replay.status).toBe(401);
    expect(replay.response).toBe('This request was already received: replays are refused.');
    expect(c.slack!.ephemerals).toHaveLength(ephemeralsBefore);
    await expectUndecided(c, w, 1);
    await expectNothingReplayableLogged(c, w, [original, replay]);
  });

  it('refuses a forged body under a real signature (the signature covers the body)', async () => {
    // Prepare: a real signed click by Mallory, its body rewritten to name Dana
    const { c, w } = current();
    const payload = c.slack!.interactionPayload({ user: MALLORY, message: w.message, action: 'approve' });
    const real = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    const headers = c.slack!.signedHeaders(real);
    const forged = real.replaceAll(MALLORY, DANA);

    // Act
    const sent = await c.slack!.send(c.slackInteractionsUrl, headers, forged);

    // Assess
    expect(sent.status).toBe(401);
    await expectUndecided(c, w);
    await expectNothingReplayableLogged(c, w, [sent]);
  });

  it('refuses a click from a person mapped to no approver, and tells them why in Slack', async () => {
    // Prepare
    const { c, w } = current();

    // Act
    const sent = await c.slack!.click(c.slackInteractionsUrl, { user: EVE, message: w.message, action: 'approve' });
    await c.slackIdle();

    // Assess
    expect(sent.status).toBe(200);
    expect(c.slack!.ephemerals).toEqual([
      expect.objectContaining({ user: EVE, text: expect.stringContaining('not mapped to a hubfix approver') }),
    ]);
    await expectUndecided(c, w);
    await expectNothingReplayableLogged(c, w, [sent]);
  });

  it('refuses a mapped person outside the approver group, by the same policy as the page', async () => {
    // Prepare
    const { c, w } = current();

    // Act
    const approve = await c.slack!.click(c.slackInteractionsUrl, { user: MALLORY, message: w.message, action: 'approve' });
    const reject = await c.slack!.click(c.slackInteractionsUrl, { user: MALLORY, message: w.message, action: 'reject' });
    await c.slackIdle();

    // Assess
    for (const sent of [approve, reject]) expect(sent.status).toBe(200);
    expect(c.slack!.ephemerals.map((e) => [e.user, e.text])).toEqual([
      [MALLORY, expect.stringContaining('not in an approver group')],
      [MALLORY, expect.stringContaining('not in an approver group')],
    ]);
    expect(c.slack!.messages[0].history).toHaveLength(1);
    await expectUndecided(c, w);
    await expectNothingReplayableLogged(c, w, [approve, reject]);
  });

  it('refuses a correctly signed click from another workspace (403)', async () => {
    // Prepare
    const { c, w } = current();

    // Act
    const sent = await c.slack!.click(c.slackInteractionsUrl, { user: DANA, message: w.message, action: 'approve', teamId: 'T0OTHERTEAM' });

    // Assess
    expect(sent.status).toBe(403);
    expect(sent.response).toContain('not the one hubfix is configured for');
    await expectUndecided(c, w);
    await expectNothingReplayableLogged(c, w, [sent]);
  });
});
